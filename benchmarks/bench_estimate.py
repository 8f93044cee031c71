"""Benchmark of estimation and goodness of fit; prints a table. Run: ``make bench``.

1. One model (density, recip, transTrip, egoX of a covariate) estimated over 20 simulated
   classes of 45 with two waves each (``estimate`` of a ``Data``): seconds for the whole fit.
2. The s50 three-wave model (RSiena's example: density, recip, transTrip, inPopSqrt,
   alcohol ego/alter/similarity) by ``estimate``: seconds, in this process and as the
   whole ``lbsim estimate`` command in a new one (start-up included), and that command's
   parts (``bench_startup.py``: imports, data, numba's set-up and kernels, fit, exit).
   RSiena on the same machine: ``benchmarks/bench_rsiena.py`` (needs R and RSiena).
3. Goodness of fit of that model: 1,000 simulations per period and the four auxiliary
   statistics (in/outdegree, triad census, geodesic distances) with their tests.
"""

from __future__ import annotations

import statistics
import time

import bench_startup
import numpy as np

import sim.data
from sim.saom import ClassData, Data, Model, Start, estimate, gof, simulate_periods

GROUP_MODEL = {"density": -1.7, "recip": 2.0, "transTrip": 0.4, "egoX:v": 0.4}
S50_EFFECTS = ["density", "recip", "transTrip", "inPopSqrt", "altX:alc", "egoX:alc", "simX:alc"]
S50_COMMAND = ["estimate", "--data", "s50", "--covariate", "alcohol:1", "--effects",
               ",".join(e.replace(":alc", ":alcohol") for e in S50_EFFECTS)]
"""The s50 model's fit as an ``lbsim`` command (the covariate is s50's alcohol, wave 1)."""


def classes(count=20, n=45, seed=1):
    rng = np.random.default_rng(seed)
    groups, covs = [], []
    for k in range(count):
        x = (rng.random((n, n)) < 2.5 / n).astype(np.int8)
        np.fill_diagonal(x, 0)
        v = rng.normal(size=n)
        end = simulate_periods(Start(x, covariates={"v": v}), GROUP_MODEL, rate=6.0, runs=1,
                               seed=[seed, k]).networks[0]
        groups.append([x, end])
        covs.append({"v": v})
    return groups, covs


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main():
    groups, covs = classes()
    data = Data([ClassData(w, covariates=c) for w, c in zip(groups, covs, strict=True)])
    estimate(Data(data.classes[:2]), Model(list(GROUP_MODEL)), seed=1)  # compile
    est, seconds = timed(lambda: estimate(data, Model(list(GROUP_MODEL)), seed=2))
    print(f"\n{'task':<52}{'seconds':>9}  note")
    print(f"{'1. 20 classes of 45, 2 waves, 4 effects + 20 rates':<52}{seconds:>9.1f}  "
          f"converged {est.converged}, max ratio {est.max_ratio:.2f}")
    s50 = sim.data.load("s50")
    waves, alc = list(s50.waves), {"alc": s50.covariates["alcohol"][:, 0]}
    fit, seconds = timed(lambda: estimate(ClassData(waves, covariates=alc), Model(S50_EFFECTS),
                                          seed=1))
    print(f"{'2. s50, 3 waves, 7 effects + 2 rates':<52}{seconds:>9.1f}  "
          f"converged {fit.converged}")
    parts = {k: statistics.median(v)
             for k, v in bench_startup.breakdown(S50_COMMAND, 3)["wall"].items()}
    seconds = parts.pop("whole command")
    print(f"{'   the whole lbsim estimate command (median of 3)':<52}{seconds:>9.1f}  "
          "RSiena side by side: benchmarks/bench_rsiena.py")
    print(f"{'   its parts (bench_startup.py)':<52}{'':>9}  "
          + ", ".join(f"{k} {v:.2f}" for k, v in parts.items()))

    def check():
        sims = gof.simulate_fit(waves, fit.as_dict(), runs=1000, covariates=alc, seed=3)
        return {name: gof.gof(waves[1:], sims, name).joint.p for name in gof.STATISTICS}

    ps, seconds = timed(check)
    shown = ", ".join(f"{k} {v:.2f}" for k, v in ps.items())
    print(f"{'3. GOF of (2): 1,000 simulations x 2 periods, 4 stats':<52}{seconds:>9.1f}  "
          f"joint p: {shown}")


if __name__ == "__main__":
    main()
