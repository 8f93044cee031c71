"""simulate_period / simulate_periods: reproducibility, constraints, bad input."""

import numba
import numpy as np
import pytest

from sim.saom import Model, Start, simulate_period, simulate_periods

EFFECTS = {"density": -1.5, "recip": 1.8, "transTrip": 0.4, "inPopSqrt": -0.3,
           "egoX:shy": -0.4, "sameX:girl": 0.6}


def random_network(n, p, seed):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, n)) < p).astype(np.int8)
    np.fill_diagonal(x, 0)
    return x


def covariates(n, seed=0):
    rng = np.random.default_rng(seed)
    return {"shy": rng.random(n), "girl": rng.integers(0, 2, n).astype(float)}


X20 = random_network(20, 0.1, 1)
COV20 = covariates(20)


def run(runs=50, seed=7, rate_effects=None, **kw):
    args = dict(rate=4.0, runs=runs, seed=seed)
    args.update(kw)
    return simulate_periods(Start(X20, covariates=COV20),
                            Model(EFFECTS, rate_effects=rate_effects), **args)


def test_result_shapes_and_types():
    res = run(runs=5)
    assert res.networks.shape == (5, 20, 20) and res.networks.dtype == np.int8
    assert res.ministeps.shape == (5,)
    assert set(np.unique(res.networks)) <= {0, 1}
    assert not np.diagonal(res.networks, axis1=1, axis2=2).any()


def test_same_seed_same_networks_different_seed_different():
    a, b, c = run(seed=3), run(seed=3), run(seed=4)
    assert np.array_equal(a.networks, b.networks)
    assert np.array_equal(a.ministeps, b.ministeps)
    assert not np.array_equal(a.networks, c.networks)


def test_same_seed_same_result_on_one_and_two_threads():
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run(runs=40, seed=11)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = run(runs=40, seed=11)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.networks, two.networks)
    assert np.array_equal(one.ministeps, two.ministeps)


def test_run_r_depends_only_on_seed_and_r():
    """Run r of a batch equals run r of a longer batch, and simulate_period is run 0."""
    short, long = run(runs=3, seed=5), run(runs=10, seed=5)
    assert np.array_equal(short.networks, long.networks[:3])
    single = simulate_period(Start(X20, covariates=COV20), EFFECTS, rate=4.0, seed=5)
    assert np.array_equal(single.network, short.networks[0])
    assert single.ministeps == short.ministeps[0]


def test_number_of_ministeps_is_poisson_with_total_rate():
    """Waiting times are exponential with total rate n * rate * exp(...): the count over a
    period is Poisson with mean period * sum_i rate_i; RateX uses centred covariates."""
    runs, period = 4000, 0.5
    alpha = 0.8
    res = run(runs=runs, rate_effects={"RateX:shy": alpha}, period=period)
    shy = COV20["shy"]
    mean = period * (4.0 * np.exp(alpha * (shy - shy.mean()))).sum()
    se = np.sqrt(mean / runs)
    assert abs(res.ministeps.mean() - mean) < 4 * se
    assert res.ministeps.var() == pytest.approx(mean, rel=0.1)


def test_max_outdegree_is_never_exceeded_and_binds():
    res = simulate_periods(X20 * 0, Model({"density": 1.0}, max_outdegree=2), rate=10.0,
                           runs=100, seed=1)
    out = res.networks.sum(2)
    assert out.max() == 2
    assert (out == 2).mean() > 0.5


def test_structural_zeros_never_get_ties():
    blocks = np.zeros((20, 20), dtype=bool)
    blocks[:10, 10:] = blocks[10:, :10] = True  # two classes
    x = X20.copy()
    x[blocks] = 0
    res = simulate_periods(Start(x, structural_zeros=blocks), {"density": 0.5}, rate=10.0,
                           runs=50, seed=2)
    assert not res.networks[:, blocks].any()
    assert res.networks[:, ~blocks].any()


def test_zero_period_or_zero_rate_changes_nothing():
    for kw in ({"period": 0.0}, {"rate": 0.0}):
        res = run(runs=3, **kw)
        assert (res.ministeps == 0).all()
        assert (res.networks == X20).all()


@pytest.mark.parametrize("network, message", [
    (np.zeros((3, 4)), "square"),
    (np.full((3, 3), 2), "allowed values are 0 and 1"),
    (np.array([[0, np.nan], [0, 0]]), "NaN"),
    (np.eye(3), "self-nominations"),
])
def test_bad_network(network, message):
    with pytest.raises(ValueError, match=message):
        simulate_period(network, {"density": -1}, rate=1.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"effects": {"densty": -1}}, "Did you mean 'density'"),
    ({"effects": {"altX:alc": 1}}, "needs actor covariate 'alc'"),
    ({"effects": {"altX": 1}}, "needs an actor covariate"),
    ({"effects": {"X:w": 1}}, "needs dyadic covariate 'w'"),
    ({"effects": {"recip:alc": 1}}, "takes no covariate"),
    ({"effects": {"density": float("nan")}}, "must be finite"),
    ({"effects": {"transTrip*cycle3": 1}}, "not allowed"),
    ({"effects": {}}, "non-empty mapping"),
    ({"rate": -1.0}, "rate must be >= 0"),
    ({"rate": float("nan")}, "rate must be finite"),
    ({"period": -1.0}, "period must be >= 0"),
    ({"rate_effects": {"RateY:shy": 1}}, "unknown rate effect"),
    ({"max_outdegree": 0}, "max_outdegree: 0; allowed: a positive integer"),
    ({"covariates": {"shy": [0.1] * 3}}, r"covariates\['shy'\]: shape \(3,\); allowed: \(4,\)"),
])
def test_bad_arguments(kwargs, message):
    args = {"effects": {"density": -1.0}, "rate": 1.0, "covariates": {}}
    args.update(kwargs)
    x = np.zeros((4, 4), dtype=np.int8)
    with pytest.raises(ValueError, match=message):
        start = Start(x, covariates=args.pop("covariates"))
        model = Model(args.pop("effects"), **{k: args.pop(k) for k in ("rate_effects",
                                                                        "max_outdegree")
                                              if k in args})
        simulate_period(start, model, **args)


def test_initial_network_must_respect_cap_and_zeros():
    x = np.ones((3, 3), dtype=np.int8) - np.eye(3, dtype=np.int8)
    with pytest.raises(ValueError, match="more than max_outdegree"):
        simulate_period(x, Model({"density": -1}, max_outdegree=1), rate=1.0)
    with pytest.raises(ValueError, match="structural_zeros forbids"):
        simulate_period(Start(x, structural_zeros=np.ones((3, 3))), {"density": -1}, rate=1.0)


def test_runs_must_be_positive():
    with pytest.raises(ValueError, match="runs must be a positive integer"):
        run(runs=0)


def test_a_start_and_a_model_give_the_same_periods_as_a_network_and_a_mapping():
    """A plain network is a Start without covariates; a mapping is a Model of its effects;
    the Model's estimation-only fields change nothing."""
    x, effects = X20 * 0 + X20, {"density": -1.0, "recip": 1.2}
    plain = simulate_periods(x, effects, rate=3.0, runs=6, seed=9)
    wrapped = simulate_periods(Start(x), Model(effects, fixed=["recip"], rates=(9.0,)),
                               rate=3.0, runs=6, seed=9)
    assert np.array_equal(plain.networks, wrapped.networks)
    assert np.array_equal(plain.ministeps, wrapped.ministeps)
    assert not np.array_equal(plain.networks, simulate_periods(x, effects, rate=3.0, runs=6,
                                                               seed=10).networks)


def test_uncentred_uses_the_covariate_as_it_is():
    """egoX with an uncentred covariate: the centred one is the same model with density
    shifted by -beta * mean, so the two differ unless the mean is 0."""
    cov = {"shy": COV20["shy"] + 1.0}
    effects = {"density": -1.5, "egoX:shy": 0.8}
    centred = run_start(Start(X20, covariates=cov), effects)
    uncentred = run_start(Start(X20, covariates=cov, uncentred=["shy"]), effects)
    shifted = run_start(Start(X20, covariates=cov),
                        {"density": -1.5 + 0.8 * cov["shy"].mean(), "egoX:shy": 0.8})
    assert np.array_equal(uncentred.networks, shifted.networks)
    assert not np.array_equal(centred.networks, uncentred.networks)


def run_start(start, effects):
    return simulate_periods(start, effects, rate=4.0, runs=5, seed=3)


@pytest.mark.parametrize("fields, message", [
    ({"covariates": {"shy": np.zeros(3)}},
     r"Start covariates\['shy'\]: shape \(3,\); allowed: \(4,\), one value per actor"),
    ({"dyadic": {"w": np.zeros(4)}}, r"Start dyadic\['w'\]: shape \(4,\); allowed: \(4, 4\)"),
    ({"behaviours": {"z": np.zeros(5)}}, r"Start behaviours\['z'\]: shape \(5,\); allowed: "
                                         r"\(4,\) or \(4, waves\)"),
    ({"structural_zeros": np.zeros((3, 3))},
     r"Start structural_zeros: shape \(3, 3\); allowed: \(4, 4\)"),
    ({"uncentred": "shy"}, "Start uncentred: 'shy'; allowed: a list of covariate names"),
    ({"covariates": [1, 2]}, "Start covariates: a mapping"),
    ({"covariates": {"a b": np.zeros(4)}}, "without spaces"),
])
def test_a_bad_start_names_the_field_the_value_and_what_is_allowed(fields, message):
    with pytest.raises(ValueError, match=message):
        Start(np.zeros((4, 4), dtype=np.int8), **fields)


def test_a_start_network_is_checked_and_kept_as_int8():
    start = Start([[0, 1], [1, 0]])
    assert start.network.dtype == np.int8 and start.network.tolist() == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match="Start network must be a square"):
        Start(np.zeros((2, 3)))


@pytest.mark.parametrize("model, message", [
    (Model(["density", "recip"]), r"model effects: \['density', 'recip'\]; allowed: a "
                                  r"mapping of effects to values"),
    (["density"], "model: a Model or a mapping of effects to values, got list"),
])
def test_a_model_to_simulate_needs_values(model, message):
    with pytest.raises(ValueError, match=message):
        simulate_period(X20, model, rate=1.0)
