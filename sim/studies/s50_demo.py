"""``lbsim simulate``: the s50 period 1 -> 2 simulated with RSiena's estimates, its network
statistics next to the observed waves'."""

from __future__ import annotations

import time

import numba
import numpy as np

from sim.saom import Start, descriptives, simulate_periods

# RSiena estimates for s50, waves 1-3 (method of moments, conditional; alcohol at wave 1 as a
# constant covariate): lbsim's README gives the fit next to lbsim's own.
S50_EFFECTS = {"density": -1.80, "recip": 2.37, "transTrip": 0.71, "inPopSqrt": -0.54,
               "altX:alcohol": -0.04, "egoX:alcohol": 0.03, "simX:alcohol": 0.54}
S50_RATE = 6.85
SHOWN = ("ties", "mutual_dyads", "transitive_triplets", "reciprocity", "transitivity",
         "isolates_in")


def s50_demo(w1: np.ndarray, w2: np.ndarray, alcohol: np.ndarray, runs: int, seed: int,
             threads: int = 0) -> str:
    """``runs`` periods from wave 1 (alcohol's first column a covariate) on ``threads``
    numba threads (0: all): a text table of the simulated statistics against waves 1 and
    2. Raises ValueError on bad input."""
    if threads:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    start = time.perf_counter()
    res = simulate_periods(Start(w1, covariates={"alcohol": alcohol[:, 0]}), S50_EFFECTS,
                           rate=S50_RATE, runs=runs, seed=seed)
    seconds = time.perf_counter() - start
    simulated = descriptives.summarize(res.networks)
    obs1, obs2 = descriptives.summarize(w1), descriptives.summarize(w2)
    lines = [f"s50, period 1 -> 2: {runs} simulated periods, seed {seed}, "
             f"{res.ministeps.sum():,} ministeps in {seconds:.2f} s "
             f"({res.ministeps.sum() / seconds:,.0f} per second, {numba.get_num_threads()} "
             f"threads)",
             f"{'statistic':<22}{'wave 1':>9}{'simulated mean':>16}{'sd':>8}{'wave 2':>9}"]
    for col in SHOWN:
        lines.append(f"{col:<22}{obs1[col][0]:>9.3g}{simulated[col].mean():>16.3g}"
                     f"{simulated[col].std():>8.3g}{obs2[col][0]:>9.3g}")
    return "\n".join(lines)
