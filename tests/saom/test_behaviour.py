"""Behaviour variables co-evolving with the network: definitions, kernel against brute
force and against the slow reference, errors, determinism, estimation targets."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import sim.data
from sim.saom import Model, Start, reference, simulate_periods
from sim.saom import behaviour as bh
from sim.saom.effect_statistics import hamming
from sim.saom.periods import observed_statistics, prepare_period
from sim.saom.program import CovariateData

CODES = {name: e.code for name, e in bh.BEHAVIOUR_EFFECTS.items()}


def test_behaviour_statistics_follow_rsiena_definitions():
    z = np.array([[1, 2, 2], [3, 3, 4], [1, 1, 2], [5, 4, 4]])
    b = bh.behaviour("z", z)
    assert (b.lo, b.hi, b.range) == (1, 5, 4)
    assert b.mean == pytest.approx(np.mean([z[:, k].mean() for k in range(3)]))
    # simMean: mean of 1 - |z_i - z_j| / range over ordered pairs i != j, waves 1 and 2
    pairs = [1 - abs(z[i, k] - z[j, k]) / 4 for k in (0, 1) for i in range(4) for j in range(4)
             if i != j]
    assert b.sim_mean == pytest.approx(np.mean(pairs))


def _random_state(seed, n=7, levels=(1, 5)):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, n)) < 0.35).astype(np.int8)
    np.fill_diagonal(x, 0)
    z = rng.integers(levels[0], levels[1] + 1, size=(n, 2))
    z[0, 0], z[1, 1] = levels  # both ends of the scale observed
    return x, z, rng.normal(size=n)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(sorted(CODES)), st.integers(0, 6),
       st.sampled_from([-1, 1]))
def test_change_contribution_is_the_difference_of_the_statistic(seed, name, i, d):
    x, zw, v = _random_state(seed)
    b = bh.behaviour("z", zw)
    z = zw[:, 0].astype(float)
    code = CODES[name]
    moved = z.copy()
    moved[i] += d
    vc = v - v.mean()
    s = bh.actor_statistics(code, np.stack([x, x]), np.stack([z, moved]), b, vc)[:, i]
    expected = s[1] - s[0]
    if code == bh.TOT_SIM and x[i].sum() > 0:  # RSiena's contribution (module docstring)
        expected -= x[i].sum() * b.sim_mean
    cov = np.stack([z, v])
    stats = np.array([[b.mean, v.mean()], [b.range, 0.0], [b.sim_mean, 0.0]])
    got = bh.effect_change(code, 1, i, float(d), x, x.sum(0), x.sum(1), z, b.mean,
                           float(b.range), b.sim_mean, cov, stats)
    assert got == pytest.approx(expected, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(["avAlt*effFrom:v", "quad*effFrom:v",
                                              "linear*indeg*outdeg", "avSim*avAlt",
                                              "totAlt*effFrom:v"]),
       st.integers(0, 6), st.sampled_from([-1, 1]))
def test_interaction_change_is_the_difference_of_its_statistic(seed, key, i, d):
    """RSiena's behaviour interaction: statistic s_1 s_2 ... / z̃_i, change c_1 c_2 / d.
    With a factor that is not an ego effect the two agree except where z̃_i = 0 at either
    end, where RSiena sets the statistic to 0 (its convention, kept)."""
    x, zw, v = _random_state(seed)
    b = bh.behaviour("z", zw)
    beh, _ = bh.compile_behaviour_effects([b], {"z": {key: 1.0}}, ["z", "v"])
    z = zw[:, 0].astype(float)
    moved = z.copy()
    moved[i] += d
    data = CovariateData(np.stack([z, v]), np.array([[b.mean, v.mean()], [b.range, 0.0],
                                                     [b.sim_mean, 0.0]]),
                         np.zeros((0, 1, 1)), np.zeros(0), np.zeros((0, 7), np.int64),
                         np.zeros((0, 7)), np.zeros(0)).arrays()
    own = []  # actor i's own statistic (the objective function of i), by brute force
    for zz in (z, moved):
        stat = None
        for part in key.split("*"):
            name, _, cov = part.partition(":")
            f = bh.actor_statistics(CODES[name], x[None].astype(float), zz[None], b,
                                    v - v.mean() if cov else None)[0, i]
            zc = zz[i] - b.mean
            stat = f if stat is None else (stat * f / zc if zc != 0 else 0.0)
        own.append(stat)
    got = bh.term_change(beh, 0, 0, i, float(d), x, x.sum(0), x.sum(1), data)
    non_ego = any(CODES[p.partition(":")[0]] not in bh.EGO_CODES for p in key.split("*"))
    assume(not (non_ego and (z[i] == b.mean or moved[i] == b.mean)))
    assert got == pytest.approx(own[1] - own[0], abs=1e-10)


def _s50_start():
    s50 = sim.data.load("s50")
    return s50.waves[0], s50.covariates["alcohol"]


def test_simulation_api_and_range():
    x, drink = _s50_start()
    res = simulate_periods(Start(x, behaviours={"drink": drink}),
                           Model({"density": -2.6, "recip": 2.4, "transTrip": 0.5,
                                  "simX:drink": 0.9},
                                 behaviour_effects={"drink": {"linear": 0.05, "quad": -0.45,
                                                              "avAlt": 1.3}}),
                           rate=6.5, behaviour_rates={"drink": 1.6}, runs=200, seed=1)
    z = res.behaviours["drink"]
    assert res.networks.shape == (200, 50, 50) and z.shape == (200, 50)
    assert z.min() >= 1 and z.max() <= 5
    # each behaviour ministep moves one value by at most 1
    assert np.all(np.abs(z - drink[:, 0]).sum(1) <= res.behaviour_ministeps["drink"])
    # about rate x n behaviour ministeps per period (Poisson)
    assert abs(res.behaviour_ministeps["drink"].mean() - 1.6 * 50) < 4 * np.sqrt(80 / 200)


def test_same_seed_same_result_on_any_thread_count():
    import numba
    x, drink = _s50_start()
    kw = dict(rate=5.0, behaviour_rates={"drink": 2.0}, runs=24, seed=3)
    start = Start(x, behaviours={"drink": drink})
    effects = Model({"density": -2.0, "recip": 2.0, "egoX:drink": 0.2, "simX:drink": 1.0},
                    behaviour_effects={"drink": {"linear": 0.1, "avSim": 2.0, "indeg": 0.1}})
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate_periods(start, effects, **kw)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate_periods(start, effects, **kw)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.networks, two.networks)
    assert np.array_equal(one.behaviours["drink"], two.behaviours["drink"])


def test_a_behaviour_with_rate_zero_leaves_the_network_process_as_it_is():
    """Same seed: the networks of a network-only model and of the same model with a
    behaviour that never moves (rate 0) are identical, draw for draw."""
    x, drink = _s50_start()
    effects = {"density": -2.0, "recip": 2.0, "transTrip": 0.3}
    alone = simulate_periods(x, effects, rate=4.0, runs=8, seed=5)
    still = simulate_periods(Start(x, behaviours={"drink": drink}),
                             Model(effects, behaviour_effects={"drink": {"linear": 1.0}}),
                             rate=4.0, runs=8, seed=5, behaviour_rates={"drink": 0.0})
    assert np.array_equal(alone.networks, still.networks)
    assert np.array_equal(still.behaviours["drink"], np.tile(drink[:, 0], (8, 1)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(behaviours={"drink": np.array([1, 2, 9, 3] * 5)}, levels=True), "outside its levels"),
    (dict(behaviour_effects={"drink": {"avAlt": 1.0}}), "not a behaviour"),
    (dict(behaviours={"drink": np.arange(20) % 3}, behaviour_effects={"drink": {"avAlt[x]": 1}}),
     "unknown behaviour effect"),
    (dict(behaviours={"drink": np.arange(20) % 3}, behaviour_effects={"drink": {"effFrom": 1}}),
     "needs an actor covariate"),
    (dict(behaviours={"drink": np.arange(20) % 3}, behaviour_effects={"drink": {"linear": 1}},
          no_rate=True), "needs a basic rate"),
    (dict(behaviours={"drink": np.ones(20)}), "never varies"),
    (dict(behaviours={"drink": np.arange(20) / 2}), "must be integers"),
    (dict(effects={"density": -1.0, "simX:drink": 1.0}), "needs actor covariate 'drink'"),
])
def test_bad_input_names_what_is_wrong(kwargs, message):
    x = np.zeros((20, 20), dtype=np.int8)
    behaviours = kwargs.get("behaviours")
    with pytest.raises(ValueError, match=message):
        if kwargs.get("levels"):
            behaviours = {"drink": bh.behaviour("drink", behaviours["drink"], levels=(1, 5))}
        simulate_periods(Start(x, behaviours=behaviours),
                         Model(kwargs.get("effects", {"density": -1.0}),
                               behaviour_effects=kwargs.get("behaviour_effects")),
                         rate=1.0, runs=1,
                         behaviour_rates=None if kwargs.get("no_rate") or not behaviours
                         else {"drink": 1.0})


def _z(values, ref):
    """z statistic of the difference of two sample means."""
    a, b = np.asarray(values[0], float), np.asarray(values[1], float)
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return (a.mean() - b.mean()) / se


@pytest.mark.slow
def test_kernel_matches_the_reference_coevolution():
    """The kernel's distribution of network and behaviour statistics after a period equals
    the slow reference's (|z| < 4 on each)."""
    rng = np.random.default_rng(11)
    n = 8
    x0 = (rng.random((n, n)) < 0.3).astype(np.int8)
    np.fill_diagonal(x0, 0)
    zw = rng.integers(1, 5, size=(n, 2))
    zw[0, 0], zw[1, 0] = 1, 4
    b = bh.behaviour("drink", zw)
    cov = {"v": rng.normal(size=n)}
    effects = {"density": -1.2, "recip": 1.0, "transTrip": 0.3, "simX:drink": 1.2,
               "egoX:drink": 0.3}
    beh_effects = {"linear": 0.2, "quad": -0.3, "avAlt": 0.8, "totSim": 0.4, "indeg": 0.2,
                   "effFrom:v": 0.5, "avAlt*effFrom:v": 0.6}
    fast = simulate_periods(Start(x0, covariates=cov, behaviours={"drink": b}),
                            Model(effects, behaviour_effects={"drink": beh_effects}),
                            rate=1.5, behaviour_rates={"drink": 1.0}, period=2.0, runs=4000,
                            seed=2)
    slow = [reference.coevolve_period(x0, effects, rate=1.5, behaviour=b,
                                      behaviour_effects=beh_effects, behaviour_rate=1.0,
                                      covariates=cov, period=2.0, rng=s)
            for s in range(1000)]
    nets_slow = np.array([s[0] for s in slow])
    z_slow = np.array([s[1] for s in slow])

    def summaries(nets, z):
        nets = nets.astype(float)
        avalt = bh.actor_statistics(bh.AV_ALT, nets, z, b).sum(1)
        return {"ties": nets.sum((1, 2)),
                "mutual": (nets * nets.transpose(0, 2, 1)).sum((1, 2)),
                "changes": hamming(nets, x0), "mean z": z.mean(1),
                "moves": np.abs(z - zw[:, 0]).sum(1), "avAlt": avalt,
                "z of actor 0": z[:, 0]}

    f, s = summaries(fast.networks, fast.behaviours["drink"]), summaries(nets_slow, z_slow)
    for key in f:
        assert abs(_z((f[key], s[key]), None)) < 4, key


def test_observed_targets_are_rsiena_statistics():
    s50 = sim.data.load("s50")
    drink = bh.behaviour("drink", s50.covariates["alcohol"])
    per = prepare_period(Start(s50.waves[0], behaviours={"drink": drink}),
                         Model({"density": 0.0, "simX:drink": 0.0},
                               behaviour_effects={"drink": {"linear": 0, "avAlt": 0}}), wave=0)
    got = observed_statistics([per], [s50.waves[1]])
    z0, z1 = drink.waves[:, 0], drink.waves[:, 1]
    x0, x1 = s50.waves[0].astype(float), s50.waves[1].astype(float)
    zc1 = z1 - drink.mean
    out0 = x0.sum(1)
    avalt = np.where(out0 > 0, zc1 * (x0 @ zc1) / np.where(out0 > 0, out0, 1), 0.0).sum()
    similar = 1 - np.abs(z0[:, None] - z0[None, :]) / drink.range - drink.sim_mean
    expected = [hamming(x1, x0), np.abs(z1 - z0).sum(), x1.sum(), (x1 * similar).sum(),
                zc1.sum(), avalt]
    np.testing.assert_allclose(got, expected)


# RSiena 1.5.0, siena07 defaults, seeds 1 and 2 (this repository's docs/researcher.md):
# s50 friendship waves 1-3 with drinking (s50a) as a behaviour
RSIENA_S50_COEVOLUTION = {
    "rate 1": (6.52, 1.20), "rate 2": (5.13, 0.89), "rate drink 1": (1.33, 0.35),
    "rate drink 2": (1.79, 0.45), "density": (-2.762, 0.138), "recip": (2.365, 0.207),
    "transTrip": (0.618, 0.079), "altX:drink": (-0.063, 0.103), "egoX:drink": (0.055, 0.115),
    "simX:drink": (1.448, 0.617), "drink: linear": (0.421, 0.222),
    "drink: quad": (-0.589, 0.327), "drink: avAlt": (1.291, 0.797)}


@pytest.mark.slow
def test_s50_coevolution_estimates_match_rsiena():
    """Each estimate within 0.5 of RSiena's standard errors of RSiena's estimate (both are
    Monte Carlo estimates of the same moment equations), standard errors within 40%."""
    from sim.saom import ClassData, Model, estimate
    s50 = sim.data.load("s50")
    est = estimate(ClassData(s50.waves, behaviours={"drink": s50.covariates["alcohol"]}),
                   Model(["density", "recip", "transTrip", "altX:drink", "egoX:drink",
                          "simX:drink"],
                         behaviour_effects={"drink": ["linear", "quad", "avAlt"]}),
                   seed=1)
    assert est.converged, est.table()
    got = est.as_dict()
    for key, (value, se) in RSIENA_S50_COEVOLUTION.items():
        assert abs(got[key] - value) < 0.5 * se, (key, got[key], est.table())
        assert 0.6 < est.se[est.names.index(key)] / se < 1.4, (key, est.table())


@pytest.mark.slow
def test_estimation_recovers_coevolution_parameters():
    """Data simulated from known parameters (three waves of 40 actors): every estimate
    within 3 standard errors of the truth, over three data sets."""
    from sim.saom import ClassData, Model, estimate
    truth = {"density": -1.9, "recip": 1.8, "simX:z": 1.0}
    beh_truth = {"linear": 0.3, "quad": -0.3, "avAlt": 1.2}
    rng = np.random.default_rng(4)
    for seed in range(3):
        n = 40
        x = (rng.random((n, n)) < 0.08).astype(np.int8)
        np.fill_diagonal(x, 0)
        z = rng.integers(1, 6, size=n)
        z[:2] = 1, 5
        waves, zs = [x], [z]
        scale = bh.Behaviour("z", z[:, None], 1, 5, 3.0, 0.6)  # centring of the truth
        for m in range(2):
            res = simulate_periods(
                Start(waves[-1], behaviours={"z": replace(scale, waves=zs[-1][:, None])}),
                Model(truth, behaviour_effects={"z": beh_truth}), rate=5.0,
                behaviour_rates={"z": 2.0}, runs=1, seed=100 * seed + m)
            waves.append(res.networks[0])
            zs.append(res.behaviours["z"][0])
        est = estimate(ClassData(waves, behaviours={"z": replace(scale, waves=np.stack(zs, 1))}),
                       Model(list(truth), behaviour_effects={"z": list(beh_truth)}),
                       seed=seed)
        got = est.as_dict()
        for key, value in {**truth, **{f"z: {k}": v for k, v in beh_truth.items()}}.items():
            k = est.names.index(key)
            assert abs(got[key] - value) < 3 * est.se[k], (seed, key, est.table())


def test_estimate_command_fits_a_behaviour():
    from typer.testing import CliRunner

    from sim.cli.main import app
    result = CliRunner().invoke(app, ["estimate", "--data", "s50", "--effects",
                                      "density,recip,simX:drink", "--behaviour",
                                      "drink=alcohol", "--behaviour-effects",
                                      "drink=linear,avAlt", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "rate drink 2" in result.output and "drink: avAlt" in result.output
    bad = CliRunner().invoke(app, ["estimate", "--data", "s50", "--behaviour", "drink=x",
                                   "--behaviour-effects", "beer=linear"])
    assert bad.exit_code == 2 and "neither a covariate of data set 's50'" in bad.output


def test_missing_behaviour_values_are_imputed_and_left_out_of_the_statistics():
    """RSiena's unpackBehavior: an actor missing everywhere takes each wave's mode, then
    values are carried forward, then back; range, mean and simMean come from the observed
    values only."""
    nan = np.nan
    z = np.array([[1, nan, 3], [nan, 2, nan], [nan, nan, nan], [2, 2, 1], [1, 3, 3]])
    b = bh.behaviour("x", z)
    np.testing.assert_array_equal(b.waves, [[1, 1, 3], [2, 2, 2], [1, 2, 3], [2, 2, 1],
                                            [1, 3, 3]])
    observed = [z[~np.isnan(z[:, k]), k] for k in range(3)]
    assert b.mean == pytest.approx(np.mean([c.mean() for c in observed]))
    pairs = [(a, c) for col in observed[:2] for i, a in enumerate(col)
             for j, c in enumerate(col) if i != j]
    assert b.sim_mean == pytest.approx(np.mean([1 - abs(a - c) / 2 for a, c in pairs]))
    np.testing.assert_array_equal(b.unobserved(0), [1, 1, 1, 0, 0])
    with pytest.raises(ValueError, match="no observed value in wave 2"):
        bh.behaviour("x", np.array([[1, nan], [2, nan]]))


def s50_drinking_with_gaps():
    """s50 with drinking missing for pupils 1-3 at wave 2, 4 at wave 1, 5 at wave 3 and 6
    throughout."""
    from helpers import load_s50

    z = sim.data.load("s50").covariates["alcohol"].astype(float)
    z[0:3, 1] = np.nan
    z[3, 0] = z[4, 2] = np.nan
    z[5, :] = np.nan
    return list(load_s50()[:3]), z


def test_missing_behaviour_values_give_rsienas_targets():
    """RSiena 1.5.0 on these data (sienaDependent type behavior with NA; transTrip, altX,
    egoX, simX of drinking, avAlt; R 4.2, 2026-12-01): targets 115 106 238 160 225
    -9.038043 -1.038043 23.87795 23 30 13.18478 111.5315 53.76331."""
    from sim.saom import Algorithm, ClassData, Model, estimate

    waves, z = s50_drinking_with_gaps()
    est = estimate(ClassData(waves, behaviours={"drink": z}),
                   Model(["density", "recip", "transTrip", "altX:drink", "egoX:drink",
                           "simX:drink"], behaviour_effects={"drink": ["linear", "quad", "avAlt"]}),
                   seed=1, algorithm=Algorithm(subphases=1, n3=50, refine=0))
    rsiena = [115, 106, 238, 160, 225, -9.038043, -1.038043, 23.87795, 23, 30, 13.18478,
              111.5315, 53.76331]
    order = [0, 1, 4, 5, 6, 7, 8, 9, 2, 3, 10, 11, 12]  # lbsim: all rates first
    np.testing.assert_allclose(est.targets[order], rsiena, atol=1e-4)
    with pytest.raises(ValueError, match="only simX:drink is allowed"):
        estimate(ClassData(waves, behaviours={"drink": z}), Model(["density", "simX:drink*recip"]))


@pytest.mark.slow
def test_missing_behaviour_values_estimates_match_rsiena():
    """RSiena 1.5.0 seeds 1 / 2 on the model without altX, egoX: density -2.823 (0.15) /
    -2.841, recip 2.337 (0.20) / 2.349, transTrip 0.605 (0.078) / 0.611, simX 1.974 (0.76)
    / 2.010, linear 0.528 (0.33) / 0.535, quad -0.854 (0.62) / -0.886, avAlt 1.913 (1.46) /
    1.970."""
    from sim.saom import ClassData, Model, estimate

    waves, z = s50_drinking_with_gaps()
    est = estimate(ClassData(waves, behaviours={"drink": z}),
                   Model(["density", "recip", "transTrip", "simX:drink"],
                         behaviour_effects={"drink": ["linear", "quad", "avAlt"]}),
                   seed=1)
    got = est.as_dict()
    rsiena = {"density": (-2.832, 0.15), "recip": (2.343, 0.20), "transTrip": (0.608, 0.078),
              "simX:drink": (1.99, 0.76), "drink: linear": (0.531, 0.33),
              "drink: quad": (-0.87, 0.62), "drink: avAlt": (1.94, 1.46)}
    assert est.converged
    for name, (value, se) in rsiena.items():
        assert abs(got[name] - value) < 0.5 * se, (name, got[name])
