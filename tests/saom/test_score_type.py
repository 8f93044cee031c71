"""Score-type tests of fixed parameters (sim.saom.score_type): the algebra against a
direct computation, an effect held at its estimate, a wrong value, the null distribution,
RSiena's results on s50, bad requests and the command."""

import numpy as np
import pytest
from helpers import load_s50
from typer.testing import CliRunner

import sim.data
from sim.cli.main import app
from sim.saom import Algorithm, ClassData, Model, estimate, score_test, simulate_periods
from sim.saom.results import Phase3
from sim.saom.score_type import score_statistic

QUICK = Algorithm(subphases=2, n3=500, refine=1)
S50 = Model(["density", "recip", "transTrip"])


def explicit(d, sigma, z, tested):
    """o = z2 - D21 D11^-1 z1 and its covariance written out with explicit inverses."""
    t, r = tested, ~tested
    inv = np.linalg.inv(d[np.ix_(r, r)])
    d21 = d[np.ix_(t, r)]
    o = z[t] - d21 @ inv @ z[r]
    v = (sigma[np.ix_(t, t)] - d21 @ inv @ sigma[np.ix_(r, t)]
         - sigma[np.ix_(t, r)] @ inv.T @ d21.T + d21 @ inv @ sigma[np.ix_(r, r)] @ inv.T @ d21.T)
    return o, v, float(o @ np.linalg.inv(v) @ o)


def test_statistic_equals_its_definition_written_out():
    rng = np.random.default_rng(5)
    for p, q in ((4, 1), (6, 2), (5, 3)):
        a = rng.normal(size=(p, p))
        sigma = a @ a.T + p * np.eye(p)
        d = rng.normal(size=(p, p)) + 3 * np.eye(p)
        z = rng.normal(size=p)
        tested = np.zeros(p, bool)
        tested[rng.choice(p, q, replace=False)] = True
        got = score_statistic(d, sigma, z, tested)
        o, v, c = explicit(d, sigma, z, tested)
        np.testing.assert_allclose(got.o, o, rtol=1e-10)
        np.testing.assert_allclose(got.v, v, rtol=1e-10)
        assert got.c == pytest.approx(c, rel=1e-10) and got.df == q
        if q == 1:
            assert got.one_sided == pytest.approx(-o[0] / np.sqrt(v[0, 0]))
    # nothing estimated: the plain Mahalanobis distance of the deviations
    got = score_statistic(d, sigma, z, np.ones(len(z), bool))
    assert got.c == pytest.approx(float(z @ np.linalg.solve(sigma, z)))


def test_an_estimated_statistic_that_is_uncorrelated_changes_nothing():
    """With D21 = 0 and Sigma12 = 0 the estimated parameters do not enter: o = z2."""
    d = np.diag([2.0, 3.0, 4.0])
    sigma = np.diag([1.0, 2.0, 5.0])
    z = np.array([0.7, -0.4, 1.5])
    got = score_statistic(d, sigma, z, np.array([False, False, True]))
    assert got.c == pytest.approx(1.5 ** 2 / 5.0) and got.o[0] == pytest.approx(1.5)


def s50_class() -> ClassData:
    return ClassData(load_s50()[:3])


@pytest.fixture(scope="module")
def full_fit():
    return estimate(s50_class(), S50, seed=2, algorithm=QUICK)


def test_an_effect_held_at_its_estimate_scores_about_zero(full_fit):
    """Holding transTrip at its estimate in the full model leaves nothing to test: c is
    about 0 (far below chi2(1)'s median 0.45) and the one-step estimate stays put (well
    within one SE)."""
    value = full_fit["transTrip"]
    held = Model({"density": full_fit["density"], "recip": full_fit["recip"],
                  "transTrip": value}, fixed=["transTrip"])
    fit = estimate(s50_class(), held, seed=3, algorithm=QUICK)
    test = score_test(fit)
    se = full_fit.se[full_fit.index("transTrip")]
    assert test.chi2 < 0.1, test.table()
    step = test.one_step[list(map(str, test.names)).index("transTrip")]
    assert abs(step - value) < 0.5 * se, test.table()


def test_an_effect_held_far_from_its_estimate_is_rejected(full_fit):
    """transTrip held at 0 (s50's estimate is about 0.6, 8 SEs away): rejected, the
    one-sided variate positive, the one-step estimate moves toward the estimate (a
    single Newton step from this far may overshoot it)."""
    fit = estimate(s50_class(), Model(S50.keys, fixed=["transTrip"]), seed=3,
                   algorithm=QUICK)
    test = score_test(fit)
    assert test.p < 1e-6 and test.one_sided[0] > 5, test.table()
    step = test.one_step[list(map(str, test.names)).index("transTrip")]
    assert step > 0.5 * full_fit["transTrip"], test.table()
    assert test.table().count("transTrip") == 2 and len(test.to_frame()) == 1
    assert "positive if the data ask for a larger value" in test.table()  # as here


@pytest.mark.slow
def test_under_the_null_hypothesis_the_statistic_is_chi_squared():
    """Data simulated without outAct, fitted with outAct held at 0 (its true value): over
    40 data sets the mean of c is chi2(1)'s 1 within 3 standard errors (sd 2 / sqrt 40)
    and at most 7 of 40 reject at 5% (binomial(40, 0.05): P(> 7) < 0.005)."""
    truth = {"density": -1.8, "recip": 2.4, "transTrip": 0.6, "inPopSqrt": -0.5}
    model = Model([*truth, "outAct"], fixed=["outAct"])
    c, rejected = [], 0
    for seed in range(40):
        x0 = np.ascontiguousarray(load_s50()[0][:40, :40])
        x1 = simulate_periods(x0, truth, rate=6.0, runs=1, seed=[seed, 9]).networks[0]
        test = score_test(estimate(ClassData([x0, x1]), model, seed=seed, algorithm=QUICK))
        c.append(test.chi2)
        rejected += test.p < 0.05
    assert abs(np.mean(c) - 1.0) < 3 * np.sqrt(2 / 40), c
    assert rejected <= 7, c


# RSiena 1.5.0, scripts/rsiena/score_test.R (seed 1, cond = FALSE): s50 with drink
# (= alcohol) co-evolving; network density, recip, transTrip, egoX/altX/simX of drink;
# behaviour linear, quad; inPop and drink: avAlt held at 0 and tested.
RSIENA_COEVOLUTION = {"joint": 13.903, "inPop": (5.332, -2.309, -0.1201),
                      "drink: avAlt": (8.361, 2.891, 0.9114)}


@pytest.mark.slow
def test_s50_co_evolution_agrees_with_rsiena():
    """lbsim's tests of the same model agree with RSiena's: the joint chi2 within 25%
    (both are estimated from 1000 simulations at noisy estimates), each one-sided variate
    within 0.5 and each one-step estimate within 20% of RSiena's."""
    s50 = load_s50()
    data = ClassData(s50[:3], behaviours={"drink": sim.data.load("s50").covariates["alcohol"]})
    model = Model({"density": None, "recip": None, "transTrip": None, "egoX:drink": None,
                   "altX:drink": None, "simX:drink": None, "inPop": 0.0},
                  fixed=["inPop", "drink: avAlt"],
                  behaviour_effects={"drink": {"linear": 0.0, "quad": 0.0, "avAlt": 0.0}})
    test = score_test(estimate(data, model, seed=1))
    assert test.chi2 == pytest.approx(RSIENA_COEVOLUTION["joint"], rel=0.25), test.table()
    names = list(map(str, test.names))
    for k, name in enumerate(map(str, test.tested)):
        _, one_sided, one_step = RSIENA_COEVOLUTION[name]
        assert test.one_sided[k] == pytest.approx(one_sided, abs=0.5), test.table()
        assert test.one_step[names.index(name)] == pytest.approx(one_step, rel=0.2)


def hand_made(fixed=(False, False, True)) -> tuple:
    """A fit-like object with a Phase3 of three parameters, the third held fixed."""
    from sim.saom.names import Parameter
    from sim.saom.results import Estimate

    names = tuple(Parameter.parse(n) for n in ("density", "recip", "inPop"))
    rng = np.random.default_rng(1)
    stats = rng.normal(size=(200, 3))
    phase3 = Phase3(names, stats, stats + rng.normal(size=(200, 3)), np.zeros(3), names, ("1",),
                    stats[:, None], stats[:, None], np.zeros((1, 3)))
    free = ~np.array(fixed)
    return Estimate(names, np.array([-1.0, 2.0, 0.0]), np.where(free, 0.1, np.nan),
                    np.array(fixed), np.eye(int(free.sum())), tuple(str(n) for n in
                                                                    np.array(names)[free]),
                    np.zeros(int(free.sum())), np.zeros(int(free.sum())),
                    np.ones(int(free.sum())), np.zeros(int(free.sum())), 0.0,
                    np.eye(int(free.sum())), phase3=phase3)


@pytest.mark.parametrize("parameters, words", [
    (["recip"], "is estimated"), (["inpop"], "did you mean 'inPop'"),
    (["inPop", "inPop"], "parameter 'inPop' named twice; name each parameter once"),
    ("inPop", "a list of fixed parameters")])
def test_bad_requests_say_what_is_allowed(parameters, words):
    with pytest.raises(ValueError, match=words):
        score_test(hand_made(), parameters)


def test_a_fit_without_phase3_or_fixed_parameters_is_refused():
    from dataclasses import replace

    with pytest.raises(ValueError, match="no phase-3 simulations"):
        score_test(replace(hand_made(), phase3=None))
    with pytest.raises(ValueError, match="holds no parameter fixed"):
        score_test(hand_made((False, False, False)))


def test_the_command_tests_a_saved_fit(tmp_path):
    runner = CliRunner()
    out = tmp_path / "fit"
    made = runner.invoke(app, ["estimate", "--data", "s50", "--effects", "density,recip",
                               "--fix", "transTrip", "--seed", "2", "--out", str(out)])
    assert made.exit_code == 0, made.output
    tested = runner.invoke(app, ["score-test", "--fit", str(out)])
    assert tested.exit_code == 0, tested.output
    assert "transTrip" in tested.output and "p < 0.0001" in tested.output
    wrong = runner.invoke(app, ["score-test", "--fit", str(out), "recip"])
    assert wrong.exit_code == 2 and "is estimated" in wrong.output


@pytest.mark.parametrize("fix, words", [
    ("recip=abc", "not a finite number"), ("recip=inf", "not a finite number"),
    ("rate 1", "rates are estimated"), ("=3", "NAME or NAME=VALUE"),
    ("drink: avAlt", "no behaviour 'drink'"), ("nosuch", "unknown effect 'nosuch'"),
    ("inPop=1 --fix inPop=2", "inPop is fixed twice")])
def test_bad_fix_options_exit_2_and_write_nothing(tmp_path, fix, words):
    out = tmp_path / "fit"
    fixes = [a for f in fix.split(" --fix ") for a in ("--fix", f)]
    bad = CliRunner().invoke(app, ["estimate", "--data", "s50", *fixes, "--out", str(out)])
    assert bad.exit_code == 2 and words in bad.output, bad.output
    assert not out.exists()


def test_fix_with_a_value_holds_it_there():
    from sim.io.estimation import model_of

    model = model_of(["density", "recip"], {"drink": ["linear"]},
                     {"recip": 1.5, "inPop": None, "drink: avAlt": 0.25})
    assert model.effects == {"density": None, "recip": 1.5, "inPop": None}
    assert model.behaviour_effects == {"drink": {"linear": 0.0, "avAlt": 0.25}}
    assert list(map(str, model.fixed)) == ["recip", "inPop", "drink: avAlt"]
