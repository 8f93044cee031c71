"""Several classes at once (RSiena's sienaGroupCreate): common effect parameters, a rate
per class and period, covariates centred over all classes."""

import numpy as np
import pytest
from helpers import fitted_periods, groups_data

import sim.data
from sim.saom import Algorithm, ClassData, Model, Start, estimate, simulate_periods
from sim.saom.observed import _periods

TRUTH = {"density": -1.6, "recip": 2.0, "transTrip": 0.4, "egoX:v": 0.5}
QUICK = Algorithm(subphases=2, n3=300, refine=1)


def classes(seed: int, sizes=(24, 30, 36, 28, 32, 26), rates=(5.0, 7.0, 6.0, 4.0, 8.0, 6.0)):
    """Two waves per class: a random start, then one period at the true parameters, with
    the covariate centred by its mean over all classes (the model estimate fits to a Data)."""
    rng = np.random.default_rng(seed)
    values = [rng.normal(loc=0.3 * k, size=n) for k, n in enumerate(sizes)]  # means differ
    pooled = np.concatenate(values).mean()
    groups, covs = [], []
    for k, (n, rate, v) in enumerate(zip(sizes, rates, values, strict=True)):
        x = (rng.random((n, n)) < 2.5 / n).astype(np.int8)
        np.fill_diagonal(x, 0)
        end = simulate_periods(Start(x, covariates={"v": v - pooled}, uncentred=("v",)),
                               TRUTH, rate=rate, runs=1, seed=[seed, k]).networks[0]
        groups.append([x, end])
        covs.append({"v": v})
    return groups, covs


def test_one_class_as_a_group_is_the_single_class_estimate():
    """Without covariates a list of one class gives exactly estimate()'s result."""
    s50 = sim.data.load("s50")
    waves = list(s50.waves)
    single = estimate(ClassData(waves), Model(["density", "recip"]), seed=3, algorithm=QUICK)
    grouped = estimate(groups_data([waves], names=["s50"]),
                       Model(["density", "recip"]),
                       seed=3, algorithm=QUICK)
    np.testing.assert_array_equal(single.theta, grouped.theta)
    assert grouped.names[:2] == ("rate s50 1", "rate s50 2")


def test_covariates_are_centred_over_all_classes():
    groups, covs = classes(1, sizes=(10, 14), rates=(5.0, 5.0))
    pooled = np.concatenate([c["v"] for c in covs])
    periods = fitted_periods(groups_data(groups, covariates=covs),
                             Model(["density", "egoX:v", "simX:v"]))
    rng = pooled.max() - pooled.min()
    sims = [(1 - np.abs(c["v"][:, None] - c["v"][None, :]) / rng) for c in covs]
    pairs = sum(len(c["v"]) * (len(c["v"]) - 1) for c in covs)
    sim_mean = sum(s.sum() - len(s) for s in sims) / pairs
    for per in periods:
        stats = per.spec.data.actor_stats
        assert stats[0, 0] == pytest.approx(pooled.mean())
        assert stats[1, 0] == pytest.approx(rng)
        assert stats[2, 0] == pytest.approx(sim_mean)
    # a class alone would centre by its own mean
    alone = _periods(groups[1], ClassData(groups[1], covariates=covs[1]),
                     Model({"egoX:v": 0.0}))[0]
    assert alone.spec.data.actor_stats[0, 0] == pytest.approx(covs[1]["v"].mean())
    assert not np.isclose(covs[1]["v"].mean(), pooled.mean())


@pytest.mark.slow
def test_recovers_known_parameters_from_simulated_classes():
    """Six classes of 24-36 with two waves each, simulated at known parameters with their
    own rates: every estimate within 4 of its standard errors of the truth."""
    groups, covs = classes(7)
    est = estimate(groups_data(groups, covariates=covs), Model(list(TRUTH)), seed=2)
    truth = np.array([5.0, 7.0, 6.0, 4.0, 8.0, 6.0, *TRUTH.values()])
    assert est.converged, est.table()
    z = (est.theta - truth) / est.se
    assert np.all(np.abs(z) < 4), est.table()
    assert len(est.names) == 6 + 4 and est.names[0] == "rate 1 1"


def test_bad_groups_are_refused_with_what_is_allowed():
    groups, covs = classes(2, sizes=(10, 12), rates=(4.0, 4.0))
    with pytest.raises(ValueError, match="same actor covariates"):
        estimate(groups_data(groups, covariates=[covs[0], {}]), Model(["density"]))
    with pytest.raises(ValueError, match="2 classes: give as many names"):
        estimate(groups_data(groups, names=["a"]), Model(["density"]))
    with pytest.raises(ValueError, match="class b: wave 2: 10 x 10, wave 1 is 12 x 12"):
        estimate(groups_data([groups[0], [groups[1][0], groups[0][1]]], names=["a", "b"]),
                 Model(["density"]))


def test_estimate_command_fits_the_classes_of_a_data_set_together():
    from typer.testing import CliRunner

    from sim.cli.main import app

    result = CliRunner().invoke(app, ["estimate", "--data", "baerveldt", "--effects",
                                      "density,recip", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "4 classes (school01, school03, school04, school06)" in result.output
    for name in ("school01", "school03", "school04", "school06"):
        assert f"rate {name} 1" in result.output


def s50_halves():
    """s50's first and last 25 pupils as two classes, drinking their behaviour."""
    import sim.data

    d = sim.data.load("s50")
    halves = (slice(0, 25), slice(25, 50))
    return ([[w[h, h] for w in d.waves] for h in halves],
            [{"drink": d.covariates["alcohol"][h]} for h in halves])


BEHAVIOUR_MODEL = {"drink": ["linear", "quad", "avAlt"]}


def test_classes_with_a_behaviour_have_rsienas_targets():
    """RSiena 1.5.0, sienaGroupCreate of the two halves (sienaDependent type behavior),
    transTrip and avAlt (R 4.2, 2026-12-01): targets 42 28 30 30 152 114 121 17 15 10 18
    11.66667 117.5511 39.82533, in RSiena's order (network rates, effects, behaviour rates,
    behaviour effects)."""
    groups, behaviours = s50_halves()
    est = estimate(groups_data(groups, behaviours=behaviours),
                   Model(["density", "recip", "transTrip"], behaviour_effects=BEHAVIOUR_MODEL),
                   seed=1, algorithm=Algorithm(subphases=1, n3=50, refine=0))
    rsiena = [42, 28, 30, 30, 152, 114, 121, 17, 15, 10, 18, 11.66667, 117.5511, 39.82533]
    order = [0, 1, 2, 3, 8, 9, 10, 4, 5, 6, 7, 11, 12, 13]  # lbsim's rates first
    np.testing.assert_allclose(est.targets[order], rsiena, atol=1e-4)
    assert est.names[4:8] == ("rate drink 1 1", "rate drink 1 2", "rate drink 2 1",
                              "rate drink 2 2")
    with pytest.raises(ValueError, match="same names in every class"):
        estimate(groups_data(groups, behaviours=[behaviours[0], {}]), Model(["density"]))


@pytest.mark.slow
def test_classes_with_a_behaviour_match_rsiena():
    """RSiena 1.5.0 seeds 1 and 2: density -3.157 (0.248) / -3.156, recip 3.156 (0.355) /
    3.166, transTrip 0.686 (0.123) / 0.685, linear 0.400 (0.183) / 0.399, quad -0.347
    (0.184) / -0.344, avAlt 0.728 (0.513) / 0.721."""
    groups, behaviours = s50_halves()
    est = estimate(groups_data(groups, behaviours=behaviours),
                   Model(["density", "recip", "transTrip"], behaviour_effects=BEHAVIOUR_MODEL),
                   seed=1)
    got = est.as_dict()
    rsiena = {"density": (-3.156, 0.248), "recip": (3.161, 0.355),
              "transTrip": (0.686, 0.123), "drink: linear": (0.400, 0.183),
              "drink: quad": (-0.346, 0.184), "drink: avAlt": (0.725, 0.513)}
    assert est.converged
    for name, (value, se) in rsiena.items():
        assert abs(got[name] - value) < 0.5 * se, (name, got[name])
