"""Benchmark of the SAOM engine; prints tables. Run: ``make bench`` (or this file).

1. The s50 model (density, recip, transTrip, inPopSqrt, egoX/altX/simX alcohol; RSiena's
   estimates, rate 6.85), 1,000 periods from wave 1: ministeps per second on one thread,
   side by side with the plain numpy reference simulator (``sim.saom.reference``, the
   straightforward implementation: every option's objective evaluated from the
   statistics' definitions).
2. Cost per ministep for n = 25 ... 500 (mean out-degree held near 2.5 by shifting the
   density parameter by -log(n / 50)): it should grow no faster than n.
3. Speed-up of ``simulate_periods`` from 1 to 2 threads.
4. The s50 model with drinking as a co-evolving behaviour (linear, quad, avAlt; RSiena's
   s50 co-evolution estimates, behaviour rate 1.33) next to the same network model with
   drinking as a fixed covariate, one thread, in the same run: all ministeps (network and
   behaviour) per second.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

import sim.data
from sim.saom import Model, Start, reference, simulate_periods

EFFECTS = {"density": -1.80, "recip": 2.37, "transTrip": 0.71, "inPopSqrt": -0.54,
           "altX:alc": -0.04, "egoX:alc": 0.03, "simX:alc": 0.54}
RATE = 6.85
BEHAVIOUR = {"linear": 0.41, "quad": -0.58, "avAlt": 1.28}
BEHAVIOUR_RATE = 1.33


def s50():
    """Wave 1 and alcohol at wave 1 of the bundled s50 data."""
    data = sim.data.load("s50")
    return data.waves[0], data.covariates["alcohol"][:, 0]


def random_model(n, seed):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, n)) < 2.3 / (n - 1)).astype(np.int8)
    np.fill_diagonal(x, 0)
    return x, rng.integers(1, 6, n).astype(float)


def best_rate(fn, repeats):
    """Best ministeps per second over ``repeats`` calls of fn() -> ministeps."""
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        steps = fn()
        best = max(best, steps / (time.perf_counter() - t))
    return best


def kernel_rate(x, alc, runs, threads, repeats=3, effects=EFFECTS):
    numba.set_num_threads(threads)
    start = Start(x, covariates={"alc": alc})
    simulate_periods(start, effects, rate=RATE, runs=2, seed=0)  # warm
    return best_rate(lambda: simulate_periods(start, effects, rate=RATE, runs=runs,
                                              seed=1).ministeps.sum(), repeats)


def reference_rate(x, alc, seconds):
    rng = np.random.default_rng(1)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        steps += reference.simulate_period(x, EFFECTS, rate=RATE, covariates={"alc": alc},
                                           rng=rng)[1]
    return steps / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and runs")
    args = ap.parse_args()
    runs, repeats = (200, 1) if args.quick else (1000, 5)
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    x, alc = s50()

    print("\n1. s50 model, 1,000 periods from wave 1, one thread")
    fast = kernel_rate(x, alc, runs, 1, repeats)
    slow = reference_rate(x, alc, 3.0 if args.quick else 10.0)
    print(f"{'implementation':<40}{'ministeps/s':>14}{'ratio':>10}")
    print(f"{'numba kernel (sim.saom)':<40}{fast:>14,.0f}{fast / slow:>10,.0f}")
    print(f"{'numpy reference (sim.saom.reference)':<40}{slow:>14,.0f}{1:>10}")

    print("\n2. cost per ministep against network size (one thread)")
    print(f"{'n':>6}{'ministeps/s':>14}{'ns/ministep':>14}{'ns/(ministep*n)':>18}")
    for n in (25, 50, 100, 200, 500):
        xn, an = random_model(n, n)
        eff = dict(EFFECTS, density=EFFECTS["density"] - np.log(n / 50))
        rate = kernel_rate(xn, an, max(20, runs * 50 // n), 1, repeats, effects=eff)
        print(f"{n:>6}{rate:>14,.0f}{1e9 / rate:>14,.0f}{1e9 / rate / n:>18.1f}")

    print(f"\n3. simulate_periods speed-up, s50 model, {2 * runs} periods")
    one = kernel_rate(x, alc, 2 * runs, 1, repeats)
    many = kernel_rate(x, alc, 2 * runs, threads, repeats)
    print(f"{'threads':>8}{'ministeps/s':>14}{'speed-up':>10}")
    print(f"{1:>8}{one:>14,.0f}{1:>10.2f}")
    print(f"{threads:>8}{many:>14,.0f}{many / one:>10.2f}")

    print("\n4. s50 model with drinking as a behaviour, 1,000 periods, one thread")
    drink = sim.data.load("s50").covariates["alcohol"]
    network_only = kernel_rate(x, drink[:, 0], runs, 1, repeats)
    together = coevolution_rate(x, drink, runs, repeats)
    print(f"{'model':<40}{'ministeps/s':>14}{'ratio':>10}")
    print(f"{'network only (drinking a covariate)':<40}{network_only:>14,.0f}{1:>10.2f}")
    print(f"{'network and behaviour':<40}{together:>14,.0f}"
          f"{together / network_only:>10.2f}")


def coevolution_rate(x, drink, runs, repeats):
    """All ministeps per second of the s50 model with drinking as a behaviour."""
    numba.set_num_threads(1)
    effects = {k.replace(":alc", ":drink"): v for k, v in EFFECTS.items()}

    def run(r, seed):
        res = simulate_periods(Start(x, behaviours={"drink": drink}),
                               Model(effects, behaviour_effects={"drink": BEHAVIOUR}),
                               rate=RATE, behaviour_rates={"drink": BEHAVIOUR_RATE}, runs=r,
                               seed=seed)
        return res.ministeps.sum() + res.behaviour_ministeps["drink"].sum()

    run(2, 0)  # compile
    return best_rate(lambda: run(runs, 1), repeats)


if __name__ == "__main__":
    main()
