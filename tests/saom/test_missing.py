"""Missing tie values in estimation, as RSiena treats them: a missing value starts a
period at the last observed value of that tie (0 if none), and tie variables missing at
either end of a period count in neither the observed nor the simulated statistics."""

import numpy as np
import pytest

import sim.data
from sim.saom import ClassData, Model, estimate
from sim.saom.effect_statistics import effect_statistics, hamming
from sim.saom.observed import _checked_waves, _periods, _with_missing
from sim.saom.periods import observed_statistics, simulate_prepared_period, simulate_statistics
from sim.saom.robbins_monro import child_seed

EFFECTS = {"density": -1.0, "recip": 1.0, "transTrip": 0.3}


def complete_waves(seed=1, n=15):
    rng = np.random.default_rng(seed)
    waves = []
    for _ in range(3):
        x = (rng.random((n, n)) < 0.2).astype(float)
        np.fill_diagonal(x, 0)
        waves.append(x)
    return waves


def periods_of(waves):
    filled, missing = _checked_waves(waves)
    return filled, _with_missing(_periods(filled, ClassData(filled), Model(EFFECTS)),
                                 missing)


def test_missing_values_take_the_last_observed_value_or_zero():
    w = complete_waves()
    w[0][1, 2], w[1][1, 2], w[2][1, 2] = 1, np.nan, np.nan  # observed once, then missing
    w[0][3, 4], w[1][3, 4] = np.nan, np.nan  # never observed before wave 3
    w[2][3, 4] = 1
    filled, missing = _checked_waves(w)
    assert filled[1][1, 2] == filled[2][1, 2] == 1
    assert filled[0][3, 4] == filled[1][3, 4] == 0 and filled[2][3, 4] == 1
    assert missing[1][1, 2] and missing[0][3, 4] and not missing[2][3, 4]


def test_an_unobserved_cell_never_enters_a_target():
    """Changing a tie variable that is missing at the other end of its period (here:
    its value at the start, when it is missing at the end) leaves every target as it
    was; the same change for an observed cell does not."""
    w = complete_waves(2)
    w[1][5, 6] = np.nan
    before = observed_statistics(periods_of(w)[1], _checked_waves(w)[0][1:])
    for value in (0.0, 1.0):
        v = [x.copy() for x in w]
        v[0][5, 6] = value
        after = observed_statistics(periods_of(v)[1], _checked_waves(v)[0][1:])
        np.testing.assert_array_equal(after, before)
    observed = [x.copy() for x in w]
    observed[0][7, 8] = 1 - observed[0][7, 8]
    changed = observed_statistics(periods_of(observed)[1], _checked_waves(observed)[0][1:])
    assert not np.array_equal(changed, before)


def test_simulated_statistics_leave_out_the_unobserved_cells():
    w = complete_waves(3)
    w[1][np.arange(15) < 4] = np.nan  # four absent respondents at wave 2
    filled, periods = periods_of(w)
    theta = np.array([3.0, 3.0, *EFFECTS.values()])
    seed = np.random.SeedSequence(9)
    stats, _ = simulate_statistics(periods, theta, seed, 40)
    for m, per in enumerate(periods):
        nets = simulate_prepared_period(per, theta[2:], theta[m], child_seed(seed, m), 40).networks
        kept = nets.copy()
        kept[:, per.unobserved] = 0
        x0 = per.x0.copy()
        x0[per.unobserved] = 0
        np.testing.assert_array_equal(stats[:, m], hamming(kept, x0))
    total = sum(effect_statistics(per.observed_part(simulate_prepared_period(
        per, theta[2:], theta[m], child_seed(seed, m), 40).networks), per.spec)
        for m, per in enumerate(periods))
    np.testing.assert_allclose(stats[:, 2:], total)
    assert periods[0].unobserved[:4, 4:].all() and periods[1].unobserved[:4, 4:].all()


def test_van_de_bunt_estimates_match_rsienas_test_suite():
    """RSiena 1.5.0 tests/parallel.Rout.save, test3 (tmp3, tmp4; density and recip,
    unconditional): rate 3.0186 (0.5581), density -1.1374 (0.2723), recip 1.7459
    (0.2854), from a short run (n3 = 50): lbsim's estimates within 2 of RSiena's SEs."""
    est = estimate(ClassData(list(sim.data.load("vdbunt").waves)),
                   Model(["density", "recip"]),
                   seed=1)
    rsiena = {"rate 1": (3.0186, 0.5581), "density": (-1.1374, 0.2723),
              "recip": (1.7459, 0.2854)}
    got = est.as_dict()
    for name, (value, se) in rsiena.items():
        assert abs(got[name] - value) < 2 * se, (name, got[name], value)
    assert est.converged


def test_complete_data_are_not_touched():
    w = complete_waves(4)
    _, periods = periods_of(w)
    assert all(per.unobserved is None for per in periods)
    with pytest.raises(ValueError, match="identical"):
        estimate(ClassData([w[0], w[0]]), Model(["density"]))


def test_a_simulation_needs_a_complete_start_and_says_so():
    from sim.saom import simulate_period

    x = complete_waves(5)[0]
    x[0, 1] = np.nan
    with pytest.raises(ValueError, match="1 missing .NaN. cells.*estimation fills"):
        simulate_period(x, {"density": -1.0}, rate=1.0)


def test_structural_codes_fix_tie_variables_as_rsiena_does():
    """RSiena's 10 (structural zero) and 11 (structural one): fixed at a period's start,
    the variable cannot change in the simulation; fixed at its end, the statistics read
    the fixed value; the codes read as 0 and 1."""
    from sim.saom.observed import _structural
    w = complete_waves(2)[:2]
    zeros = [(i, j) for i in range(15) for j in range(15) if i != j and not w[0][i, j]
             and not w[1][i, j]][:5]
    one = next((i, j) for i in range(15) for j in range(15) if w[0][i, j] and w[1][i, j])
    coded = [x.astype(float).copy() for x in w]
    for x in coded:
        for i, j in zeros:
            x[i, j] = 10
        x[one] = 11
    read, fixed = _structural(coded)
    assert np.array_equal(read[0], w[0]) and fixed[0].sum() == len(zeros) + 1
    filled, missing = _checked_waves(read)
    from sim.saom.observed import _with_missing
    (per,) = _with_missing(_periods(filled, ClassData(filled), Model(EFFECTS)), missing,
                           fixed, filled)
    nets = simulate_prepared_period(per, np.array([0.5, 0.5, 0.1]), 20.0, child_seed(
        np.random.SeedSequence(1), 0), 200).networks
    for i, j in zeros:
        assert not nets[:, i, j].any()  # never created
    assert nets[(slice(None), *one)].all()  # never dropped
    # a tie fixed present at the end only: free in the simulation, 1 in the statistics
    late = next((i, j) for i in range(15) for j in range(15)
                if i != j and not w[0][i, j] and (i, j) not in zeros and (i, j) != one)
    coded[1][late] = 11
    read, fixed = _structural(coded)
    filled, missing = _checked_waves(read)
    (per,) = _with_missing(_periods(filled, ClassData(filled), Model(EFFECTS)), missing,
                           fixed, filled)
    assert per.spec.allowed[late] == 1 and per.observed_part(nets)[:, late[0], late[1]].all()
    # with the codes, estimation runs and its simulations respect them
    est = estimate(ClassData(coded), Model(["density", "recip"]), seed=1)
    assert np.isfinite(est.theta).all()
