"""Every period of a fit in one kernel call (sim.saom.packed): the same rows as the
periods simulated one by one, seeds as numpy's SeedSequence gives them, and the fit's
derivative free of other periods' noise in the rates' rows and columns."""

from __future__ import annotations

import numpy as np
import pytest

from sim.saom import ClassData, Data, Model, Start, estimate, simulate_periods
from sim.saom import periods as per_mod
from sim.saom.observed import classes_periods
from sim.saom.packed import PackedPeriods, packable
from sim.saom.rng import run_seeds, spawned_states

EFFECTS = {"density": -1.6, "recip": 1.5, "transTrip": 0.3, "egoX:v": 0.3, "simX:v": 0.5}


def _classes(sizes, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for k, n in enumerate(sizes):
        x = (rng.random((n, n)) < 3.0 / n).astype(np.int8)
        np.fill_diagonal(x, 0)
        v = rng.normal(size=n)
        end = simulate_periods(Start(x, covariates={"v": v}), EFFECTS, rate=4.0, runs=1,
                               seed=[seed, k]).networks[0]
        out.append(ClassData([x, end], covariates={"v": v}))
    return Data(out)


@pytest.mark.parametrize("seed", [0, 1, 2**70 + 3, [4, 0, 9],
                                  np.random.SeedSequence(3, spawn_key=(2, 5))])
def test_spawned_states_are_numpys_seed_sequence(seed):
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    keys = np.array([[0, 0], [0, 1], [7, 3], [2**32 - 1, 5]], dtype=np.uint64)
    want = [np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + tuple(
        int(v) for v in k)).generate_state(4, np.uint64) for k in keys]
    assert np.array_equal(spawned_states(seed, keys), np.array(want))
    assert np.array_equal(run_seeds(seed, 3)[2], np.random.SeedSequence(
        root.entropy, spawn_key=root.spawn_key + (2,)).generate_state(4, np.uint64))
    with pytest.raises(ValueError, match="below 2"):
        spawned_states(seed, np.array([[2**33]], dtype=np.uint64))


@pytest.mark.parametrize("runs,conditional", [(1, False), (7, False), (5, True)])
def test_packed_periods_give_the_rows_of_periods_simulated_one_by_one(runs, conditional):
    data = _classes([12, 15, 12, 9])
    periods, ends, effects, _ = classes_periods(data, Model(list(EFFECTS)))
    assert packable(periods)
    m, k = len(periods), len(effects)
    theta = np.concatenate([np.full(m, 1.0 if conditional else 3.0), list(EFFECTS.values())])
    targets = [6, 9, 4, 7] if conditional else None
    got = []
    for packed in (PackedPeriods(periods), None):
        by_period = (np.zeros((runs, m, k)), np.zeros((runs, m, k)))
        times = np.zeros((runs, m))
        out, u = per_mod.simulate_statistics(periods, theta, np.random.SeedSequence(5), runs,
                                             True, targets, times if conditional else None,
                                             by_period, packed=packed)
        got.append((out, u, *by_period, times))
    for a, b in zip(*got, strict=True):
        assert np.array_equal(a, b)
    assert got[0][0][:, m:].sum() != 0


def test_a_fits_rate_rows_leave_other_periods_out():
    """A period's rate moves only its own statistics: the fit's derivative has exact zeros
    between different periods' rates (the totals' covariance would have noise there)."""
    data = _classes([12, 14, 13], seed=3)
    fit = estimate(data, Model(["density", "recip"]), seed=2)
    rates = [c for c, name in enumerate(fit.names) if name.is_rate]
    d = fit.derivative[np.ix_(rates, rates)]
    assert np.all(np.diag(d) > 0)
    assert np.array_equal(d - np.diag(np.diag(d)), np.zeros_like(d))
