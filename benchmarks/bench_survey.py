"""Estimation at survey scale: one model with common effects over more and more classes;
prints a table. Run: ``make bench`` (25 to 200 classes), or
``python benchmarks/bench_survey.py [--conditional] [--dask-local N] 25 50 100 200 400``
for a national panel's 400 (``--conditional``: RSiena's cond = TRUE, the rates estimated
from the simulated times, outside the Robbins-Monro iteration). With ``--dask-local N``, each size
is fitted again with its periods simulated on a Dask LocalCluster of N worker processes
(``estimate(..., scheduler=client)``), after a small fit that loads the kernels on the
workers; printed: that fit's seconds, whether its estimate equals the local one (it must:
same seed, same runs), and the extra milliseconds per simulation call (a Robbins-Monro
iteration), (Dask seconds - local seconds) / calls.

Each size is fitted in a fresh process (so its peak memory is its own): classes of 45
simulated as in :mod:`bench_estimate` (two waves; density, recip, transTrip, egoX of a
covariate), ``estimate`` of a ``Data`` at seed 2. Printed: seconds of the fit (numba's
cache warm, start-up excluded), seconds per class, the process's peak resident memory,
and the fit's convergence. Time and memory should grow linearly in the number of classes.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

SIZES = (25, 50, 100, 200)


def fit(count: int, conditional: bool = False, dask_local: int = 0) -> dict:
    """Fit ``count`` classes in this process; its time, peak memory and convergence (and
    with ``dask_local`` workers, the same fit on Dask)."""
    from bench_estimate import GROUP_MODEL, classes

    from sim.saom import ClassData, Data, Model, estimate

    groups, covs = classes(count)
    data = Data([ClassData(w, covariates=c) for w, c in zip(groups, covs, strict=True)])
    estimate(Data(data.classes[:2]), Model(list(GROUP_MODEL)), seed=1)  # compile
    start = time.perf_counter()
    est = estimate(data, Model(list(GROUP_MODEL)), seed=2, conditional=conditional)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    out = {"seconds": seconds, "peak_mib": peak, "converged": est.converged,
           "max_ratio": est.max_ratio, "phase2": est.iterations.get("phase2", 0),
           "refinements": est.iterations.get("refinements", 0)}
    if dask_local:
        out.update(on_dask(data, est, seconds, conditional, dask_local))
    return out


def on_dask(data, local, local_seconds: float, conditional: bool, workers: int) -> dict:
    """The fit of :func:`fit` on a LocalCluster of ``workers`` processes: its seconds,
    whether it equals the local fit ``local``, the extra milliseconds per call."""
    import numpy as np
    from bench_estimate import GROUP_MODEL

    from sim.saom import Data, Model, estimate
    from sim.saom.dask_periods import dask_client

    model = Model(list(GROUP_MODEL))
    with dask_client(local_workers=workers) as client:
        estimate(Data(data.classes[:workers]), model, seed=1, conditional=conditional,
                 scheduler=client)  # the workers load the kernels
        start = time.perf_counter()
        est = estimate(data, model, seed=2, conditional=conditional, scheduler=client)
        seconds = time.perf_counter() - start
    it = est.iterations  # calls: phase 1 (and retries), phase 2, phase 3s
    calls = (1 + it.get("phase1_retries", 0) + it.get("phase2", 0) + 1
             + it.get("refinements", 0))
    same = bool(np.array_equal(est.theta, local.theta) and np.array_equal(est.se, local.se))
    return {"dask_seconds": seconds, "same": same, "calls": calls,
            "ms_per_call": 1000 * (seconds - local_seconds) / calls}


def main(sizes, conditional: bool = False, dask_local: int = 0) -> None:
    print(f"\n{'classes':>8}{'seconds':>10}{'s/class':>9}{'peak MiB':>10}"
          f"{'MiB/class':>10}  convergence"
          + (f"; on Dask ({dask_local} local workers)" if dask_local else ""))
    first = None  # the smallest size's (count, peak): memory per class is the growth
    for count in sizes:
        one = ["--one", str(count), *(["--conditional"] if conditional else []),
               *(["--dask-local", str(dask_local)] if dask_local else [])]
        done = subprocess.run([sys.executable, __file__, *one], check=True,
                              capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        first = first or (count, r["peak_mib"])
        per_class = ((r["peak_mib"] - first[1]) / (count - first[0]) if count > first[0]
                     else float("nan"))
        print(f"{count:>8}{r['seconds']:>10.1f}{r['seconds'] / count:>9.2f}"
              f"{r['peak_mib']:>10.0f}{per_class:>10.2f}  max ratio {r['max_ratio']:.2f}, "
              f"{r['phase2']} phase-2 iterations, {r['refinements']} refinements"
              + (f"; {r['dask_seconds']:.1f} s, {'same' if r['same'] else 'NOT the same'} "
                 f"estimate, {r['ms_per_call']:+.0f} ms per call ({r['calls']} calls)"
                 if dask_local else ""))


if __name__ == "__main__":
    args = sys.argv[1:]
    cond = "--conditional" in args
    local = int(args[args.index("--dask-local") + 1]) if "--dask-local" in args else 0
    if local:
        del args[args.index("--dask-local"):args.index("--dask-local") + 2]
    numbers = [int(a) for a in args if a.isdigit()]
    if "--one" in args:
        print(json.dumps(fit(numbers[0], cond, local)))
    else:
        main(numbers or list(SIZES), cond, local)
