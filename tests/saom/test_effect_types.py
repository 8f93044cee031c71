"""Creation and endowment effects (RSiena's effect types): a creation effect counts only
when a ministep creates a tie, an endowment effect only when it drops one."""

import numpy as np
import pytest
from helpers import kernel_probabilities

from sim.saom import (
    ClassData,
    Model,
    Start,
    estimate,
    reference,
    simulate_periods,
    specification,
)
from sim.saom import effects as fx
from sim.saom._numba import kernels
from sim.world.scenario import ScenarioError, parse_scenario


def random_case(seed: int, n: int = 9):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, n)) < 0.3).astype(np.int8)
    np.fill_diagonal(x, 0)
    v = rng.normal(size=n)
    return x, {"v": v}


TYPED = {"density": -1.0, "recip": 0.8, "recip[endow]": 1.5, "density[creation]": -0.4,
         "transTrip[creation]": 0.3, "transTrip[endow]": -0.2, "simX:v[endow]": 0.9,
         "egoX:v*altX:v[creation]": 0.5, "inPopSqrt[endow]": 0.4, "gwespFF[endow]": 0.6}


def test_keys_carry_their_type_last():
    assert fx.split_type("recip[endow]") == ("recip", "endow")
    assert fx.split_type("simX:alc[creation]") == ("simX:alc", "creation")
    assert fx.split_type("transTrip") == ("transTrip", "eval")
    assert [t.effect.name for t in fx.parse_key("egoX:a*altX:b[endow]")] == ["egoX", "altX"]
    with pytest.raises(ValueError, match="unknown effect type .* Allowed: eval, creation"):
        fx.parse_key("recip[maintain]")
    with pytest.raises(ValueError, match="a type goes last"):
        fx.parse_key("[endow]")


@pytest.mark.parametrize("seed", range(6))
def test_kernel_choice_probabilities_equal_the_reference_with_typed_effects(seed):
    x, cov = random_case(seed)
    x0, spec = specification.build(Start(x, covariates=cov), Model(TYPED), rate=1.0)
    for i in range(len(x)):
        np.testing.assert_allclose(kernel_probabilities(x0, i, spec),
                                   reference.choice_probabilities(x0, i, spec, cov),
                                   rtol=1e-9, atol=1e-14)


def unnormalised(x, i, effects, cov):
    x0, spec = specification.build(Start(x, covariates=cov), Model(effects), rate=1.0)
    n = len(x)
    xt = np.ascontiguousarray(x0.T)
    iw, fw, bits, scale = kernels.workspace(n, len(spec.program.codes))
    prog, data = spec.kernel_args()
    kernels.ministep_weights(i, x0, xt, x0.sum(0).astype(np.int64),
                             x0.sum(1).astype(np.int64), prog, data, spec.allowed,
                             spec.max_outdegree, iw, fw, bits, scale)
    return fw[kernels.WEIGHTS].copy()


@pytest.mark.parametrize("kind", ["creation", "endow"])
def test_a_typed_effect_vanishes_in_the_other_direction(kind):
    """Adding recip[creation] changes only the weights of options that create a tie, and
    by exp(beta x_ji); recip[endow] only those that drop one, by exp(-beta x_ji)."""
    x, cov = random_case(3)
    base = {"density": -1.0, "transTrip": 0.4}
    for i in range(len(x)):
        w0 = unnormalised(x, i, base, cov)
        w1 = unnormalised(x, i, {**base, f"recip[{kind}]": 1.3}, cov)
        others = np.arange(len(x)) != i
        acting = others & ((x[i] == 0) if kind == "creation" else (x[i] == 1))
        idle = others & ~acting
        np.testing.assert_allclose(w1[idle], w0[idle], rtol=1e-12)
        sign = 1.0 if kind == "creation" else -1.0
        np.testing.assert_allclose(w1[acting], w0[acting] * np.exp(sign * 1.3 * x[acting, i]),
                                   rtol=1e-12)
        assert w1[i] == w0[i] == 1.0  # no change


def test_an_endowment_keeps_ties_longer():
    """density[endow] > 0 makes dropping a tie costlier: over a period fewer of the first
    network's ties are lost than with the same creation odds and no endowment; the gap is
    many standard errors wide."""
    x, cov = random_case(5, n=20)
    runs = 400
    lost = {}
    for endow in (0.0, 1.5):
        res = simulate_periods(x, {"density": -1.0, "density[endow]": endow}, rate=4.0,
                               runs=runs, seed=8)
        lost[endow] = ((x == 1) & (res.networks == 0)).sum((1, 2)).astype(float)
    a, b = lost[0.0], lost[1.5]
    se = np.sqrt(a.var(ddof=1) / runs + b.var(ddof=1) / runs)
    assert a.mean() - b.mean() > 8 * se, (a.mean(), b.mean(), se)


@pytest.mark.slow
def test_distribution_with_typed_effects_matches_the_reference_ministep():
    x, cov = random_case(7, n=10)
    effects = {"density": -1.2, "recip": 0.5, "recip[endow]": 1.2, "transTrip[creation]": 0.5,
               "density[endow]": 0.7, "simX:v[creation]": 0.8}
    fast = simulate_periods(Start(x, covariates=cov), effects, rate=3.0, runs=4000,
                            seed=1).networks
    rng = np.random.default_rng(2)
    slow = np.stack([reference.simulate_period(x, effects, rate=3.0, covariates=cov,
                                               rng=rng)[0] for _ in range(600)])

    def table(nets):
        y = nets.astype(float)
        return np.column_stack([y.sum((1, 2)), (y * y.transpose(0, 2, 1)).sum((1, 2)),
                                ((x == 1) & (nets == 0)).sum((1, 2)),
                                ((x == 0) & (nets == 1)).sum((1, 2))])

    a, b = table(fast), table(slow)
    se = np.sqrt(a.var(0, ddof=1) / len(a) + b.var(0, ddof=1) / len(b))
    z = np.abs(a.mean(0) - b.mean(0)) / se
    assert np.all(z < 4), z.round(2)


def test_effects_without_a_typed_statistic_are_refused():
    x, _ = random_case(1)
    y, _ = random_case(2)
    with pytest.raises(ValueError, match=r"cannot estimate 'gwespFF\[endow\]'"):
        estimate(ClassData([x, y]), Model(["density", "gwespFF[endow]"]), seed=1)
    with pytest.raises(ValueError, match=r"'density\[endow\]' is not identified"):
        estimate(ClassData([x, y]), Model(["density", "density[endow]"]), seed=1)
    # with the rate fixed, ties lost are no longer implied by the other targets
    from sim.saom import Algorithm
    est = estimate(ClassData([x, y]),
                   Model(["density", "density[endow]"], rates=[3.0], fixed=["rate 1"]),
                   seed=1, algorithm=Algorithm(subphases=1, n3=60))
    assert est.fixed[0] and np.isfinite(est.theta).all()


def _tie_statistic(name, y, i, j, v):
    """RSiena's tieStatistic of i -> j in network y, by its definition (loops)."""
    n = len(y)
    if name == "recip":
        return y[j, i]
    if name == "transTrip":
        return sum(y[i, h] * y[h, j] for h in range(n))
    if name == "cycle3":
        return sum(y[j, h] * y[h, i] for h in range(n)) / 3
    if name == "inPopSqrt":
        return np.sqrt(y[:, j].sum())
    if name == "outAct":
        return y[i].sum()
    if name == "simX:v":
        rng = v.max() - v.min()
        sims = [1 - abs(v[a] - v[b]) / rng for a in range(n) for b in range(n) if a != b]
        return 1 - abs(v[i] - v[j]) / rng - np.mean(sims)
    return 1.0  # density


@pytest.mark.parametrize("name", ["density", "recip", "transTrip", "cycle3", "inPopSqrt",
                                  "outAct", "simX:v"])
def test_creation_and_endowment_targets_sum_tie_statistics_over_gained_and_lost_ties(name):
    """Creation: sum over ties gained of the statistic in the end network; endowment: minus
    the sum over ties lost of the statistic in the start network (RSiena)."""
    from sim.saom.effect_statistics import typed_statistics
    x0, cov = random_case(3)
    x1, _ = random_case(4)
    _, spec = specification.build(Start(x0, covariates=cov),
                                  Model({"density": -1.0, f"{name}[creation]": 0.0,
                                         f"{name}[endow]": 0.0}), rate=1.0)
    got = typed_statistics(x0, x1[None], spec)[0]
    n = len(x0)
    gained = sum(_tie_statistic(name, x1, i, j, cov["v"]) for i in range(n) for j in range(n)
                 if x1[i, j] and not x0[i, j])
    lost = sum(_tie_statistic(name, x0, i, j, cov["v"]) for i in range(n) for j in range(n)
               if x0[i, j] and not x1[i, j])
    np.testing.assert_allclose(got, [gained, -lost], atol=1e-12)


@pytest.mark.slow
def test_estimation_recovers_creation_and_endowment_parameters():
    """Three waves simulated from density, recip, recip[endow] and transTrip[creation]: each
    estimate within 3 standard errors of the truth, for three data sets."""
    truth = {"density": -1.6, "recip": 1.0, "recip[endow]": 1.5, "transTrip[creation]": 0.3}
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x = (rng.random((40, 40)) < 0.08).astype(np.int8)
        np.fill_diagonal(x, 0)
        waves = [x]
        for m in range(2):
            waves.append(simulate_periods(waves[-1], truth, rate=6.0, runs=1,
                                          seed=10 * seed + m).networks[0])
        est = estimate(ClassData(waves), Model(list(truth)), seed=seed)
        for k, (key, value) in enumerate(truth.items()):
            assert abs(est.as_dict()[key] - value) < 3 * est.se[2 + k], (seed, est.table())


def test_scenarios_take_typed_effects():
    sc = parse_scenario({"name": "t", "population": {},
                         "network": {"effects": {"density": -1.4, "density[endow]": 0.8,
                                                 "recip[endow]": 0.5}}})
    assert "density[endow]" in sc.network.effects
    with pytest.raises(ScenarioError, match="unknown effect type"):
        parse_scenario({"name": "t", "population": {},
                        "network": {"effects": {"recip[keep]": 0.5}}})
