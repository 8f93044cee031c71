"""The Robbins-Monro algorithm's rules on toy statistics whose every value is known: the
subphase stopping rule, phase 3's covariance D^-1 Sigma D^-T and the capped step."""

import math

import numpy as np
import pytest

from sim.saom.robbins_monro import MAX_STEP, Algorithm, _phase3, _step, robbins_monro


def toy(alternating: tuple[bool, ...]):
    """E[S(theta)] = theta (so D = I exactly, common random numbers or not). Statistic k
    is theta_k + (-1)^it in the Robbins-Monro iteration ``it`` if ``alternating[k]`` (a
    deviation that changes sign every iteration), else theta_k alone (deterministic: from
    a positive start the deviation keeps its sign, as theta shrinks geometrically)."""
    sign = np.asarray(alternating, dtype=float)

    def simulate(theta, seed, runs, scores):
        key = seed.spawn_key
        wobble = (-1.0) ** key[1] if key[0] == 2 else 0.0  # phase 2: key (2, it)
        return np.tile(theta + sign * wobble, (runs, 1)), None
    return simulate


def subphase_lengths(alternating, subphases=3):
    settings = Algorithm(subphases=subphases, n1=10, n3=10, refine=0)
    fit = robbins_monro(toy(alternating), [0.5] * len(alternating), [0.0] * len(alternating),
                        seed=1, algorithm=settings)
    return [fit.iterations[f"subphase{s + 1}"] for s in range(subphases)]


def test_a_subphase_ends_when_every_statistic_has_crossed_its_target():
    """RSiena's rule: subphase s runs at least n_min = ceil((7 + p) 2.52^(s)) iterations and
    stops once the running sum of dev_t dev_(t-1) is negative for every statistic, or after
    n_min + 200. With one statistic that alternates and one that approaches its target from
    one side, the sum of the second is never negative: every subphase runs the full
    n_min + 200; with both alternating, the rule is met at n_min exactly."""
    p = 2
    n_min = [int(math.ceil((7 + p) * 2.52 ** s)) for s in range(3)]
    assert subphase_lengths((True, True)) == n_min
    assert subphase_lengths((True, False)) == [n + 200 for n in n_min]
    assert subphase_lengths((False, True)) == [n + 200 for n in n_min]


def test_phase3_covariance_is_dinv_sigma_dinv_transposed():
    """For a non-symmetric derivative D the covariance of the estimate is
    D^-1 Sigma D^-T (the delta method for theta = D^-1 (S - E S)), not D^-T Sigma D^-1; t
    and the overall ratio from the statistics' own mean and covariance."""
    rng = np.random.default_rng(4)
    stats = rng.multivariate_normal([0.1, -0.2, 0.05], [[2.0, 0.6, 0.1], [0.6, 1.0, -0.3],
                                                        [0.1, -0.3, 0.5]], size=400)
    d = np.array([[1.5, 0.9, 0.0], [-0.4, 2.0, 0.7], [0.3, 0.0, 0.8]])
    targets = np.zeros(3)
    check = _phase3(stats, d, targets)
    sigma = np.cov(stats, rowvar=False)
    dinv = np.linalg.inv(d)
    np.testing.assert_allclose(check["cov"], dinv @ sigma @ dinv.T, rtol=1e-12)
    assert not np.allclose(dinv @ sigma @ dinv.T, dinv.T @ sigma @ dinv, rtol=1e-3)
    dev = stats.mean(0) - targets
    np.testing.assert_allclose(check["t"], dev / stats.std(0, ddof=1), rtol=1e-12)
    assert check["ratio"] == pytest.approx(np.sqrt(dev @ np.linalg.solve(sigma, dev)))


def test_a_step_is_capped_and_a_rate_stays_positive():
    """theta - delta, each effect moved by at most MAX_STEP, each rate by at most the
    factor MAX_STEP and halved instead of going to or below 0; fixed parameters kept."""
    theta = np.array([4.0, 4.0, 4.0, 1.0, 1.0, -0.5])
    positive = np.array([True, True, True, False, False, False])
    free = np.array([0, 1, 2, 3, 4])  # the last is fixed
    delta = np.array([-20.0, 3.0, 9.0, 0.5, -7.0])
    new = _step(theta, free, positive, delta)
    np.testing.assert_array_equal(new, [4.0 * MAX_STEP, 4.0 / MAX_STEP, 2.0, 0.5,
                                        1.0 + MAX_STEP, -0.5])
    small = _step(theta, free, positive, np.array([-1.0, 1.0, 0.5, 0.25, -0.25]))
    np.testing.assert_array_equal(small, [5.0, 3.0, 3.5, 0.75, 1.25, -0.5])
