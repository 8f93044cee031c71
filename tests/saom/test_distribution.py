"""The kernel's distribution of networks against the slow reference simulator, and s50.

Means over many simulated periods are compared with z-scores from their standard errors.
"""

import numpy as np
import pytest
from helpers import load_s50

from sim.saom import Model, Start, descriptives, reference, simulate_periods

pytestmark = pytest.mark.slow

STATS = ("ties", "mutual_dyads", "transitive_triplets", "three_cycles", "isolates_in")


def z_scores(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    se = np.sqrt(a.var(0, ddof=1) / len(a) + b.var(0, ddof=1) / len(b))
    return np.abs(a.mean(0) - b.mean(0)) / np.where(se > 0, se, np.inf)


def table(networks):
    s = descriptives.summarize(networks)
    return np.column_stack([s[c].to_numpy() for c in STATS])


MODELS = {
    "structural": dict(effects={"density": -1.0, "recip": 1.5, "transTrip": 0.4,
                                "cycle3": -0.3, "inPopSqrt": -0.4, "outActSqrt": -0.2},
                       rate=3.0),
    "covariates": dict(effects={"density": -0.8, "recip": 1.0, "gwespFF": 0.6,
                                "egoX:c": 0.5, "altX:c": -0.4, "simX:c": 0.8, "sameX:g": 0.7,
                                "X:w": 0.5, "egoX:c*altX:g": -0.6, "transTies": 0.3},
                       rate=2.5, rate_effects={"RateX:c": 0.7}),
    "capped": dict(effects={"density": 0.5, "recip": 0.5, "outPop": 0.2, "inPop": -0.1},
                   rate=4.0, max_outdegree=2),
}


@pytest.mark.parametrize("name", MODELS)
def test_kernel_matches_reference_distribution(name):
    rng = np.random.default_rng(42)
    n = 7
    x = (rng.random((n, n)) < 0.25).astype(np.int8)
    np.fill_diagonal(x, 0)
    x[x.sum(1) > 2] = 0  # respect the cap of the capped model
    cov = {"c": rng.normal(size=n), "g": rng.integers(0, 2, n).astype(float)}
    dyadic = {"w": (rng.random((n, n)) < 0.3).astype(float)}
    kw = dict(MODELS[name], covariates=cov, dyadic=dyadic)
    model = Model(kw["effects"], rate_effects=kw.get("rate_effects"),
                  max_outdegree=kw.get("max_outdegree"))
    fast = simulate_periods(Start(x, covariates=cov, dyadic=dyadic), model, rate=kw["rate"],
                            runs=20000, seed=1)
    ref_rng = np.random.default_rng(2)
    slow = [reference.simulate_period(x, rng=ref_rng, **kw) for _ in range(1500)]
    z = z_scores(table(fast.networks), table(np.stack([s[0] for s in slow])))
    z_steps = z_scores(fast.ministeps[:, None].astype(float),
                       np.array([[s[1]] for s in slow], dtype=float))
    assert np.all(z < 4.0), dict(zip(STATS, z.round(2), strict=True))
    assert z_steps[0] < 4.0
    # and the distribution is not trivially the starting network
    assert table(fast.networks).std(0)[0] > 0


def test_s50_rsiena_estimates_reproduce_their_moment_conditions():
    """RSiena's estimates for s50 (waves 1-3, alcohol at wave 1; rates 6.85 and 5.41) solve
    the method-of-moments equations: ties, mutual dyads and transitive triplets summed over
    the two simulated periods (1 -> 2 from wave 1, 2 -> 3 from wave 2) match the sums
    observed at waves 2 and 3. RSiena calls a fit converged when every t-ratio (mean -
    target) / sd is below 0.1; with 1,000 simulations per period the t-ratio's Monte Carlo
    error is 1 / sqrt(1000), so |t| < 0.1 + 4 / sqrt(1000). (Single periods need not match:
    the targets are the sums.)"""
    w1, w2, w3, alcohol = load_s50()
    effects = {"density": -1.80, "recip": 2.37, "transTrip": 0.71, "inPopSqrt": -0.54,
               "altX:alc": -0.04, "egoX:alc": 0.03, "simX:alc": 0.54}
    runs = 1000
    first = simulate_periods(Start(w1, covariates={"alc": alcohol}), effects, rate=6.85,
                             runs=runs, seed=2024)
    second = simulate_periods(Start(w2, covariates={"alc": alcohol}), effects, rate=5.41,
                              runs=runs, seed=2025)
    sims = [descriptives.summarize(r.networks) for r in (first, second)]
    observed = [descriptives.summarize(w) for w in (w2, w3)]
    assert [observed[0][c][0] for c in ("ties", "mutual_dyads", "transitive_triplets")] == \
        [116, 35, 88]  # the published descriptives of wave 2
    for col in ("ties", "mutual_dyads", "transitive_triplets"):
        total = sims[0][col].to_numpy() + sims[1][col].to_numpy()
        target = observed[0][col][0] + observed[1][col][0]
        t = (total.mean() - target) / total.std(ddof=1)
        assert abs(t) < 0.1 + 4 / np.sqrt(runs), (col, t)
