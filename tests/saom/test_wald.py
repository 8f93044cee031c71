"""Wald tests of a fitted SAOM (sim.saom.wald, ``lbsim wald``) against a direct
computation, a closed form, the chi-squared distribution under the null hypothesis and the
numbers RSiena 1.5.0 printed for the same theta and covariance."""

import numpy as np
import pytest
from scipy.stats import chi2, kstest, norm
from typer.testing import CliRunner

from sim.cli.main import app
from sim.io.fit import FitClass, save_fit
from sim.io.waves import read_waves
from sim.saom import Estimate, Parameter, WaldTest, same_test, wald_test

runner = CliRunner()


def make_estimate(names, theta, cov, fixed=None) -> Estimate:
    """An Estimate of the given theta and covariance (over the non-fixed parameters, or the
    non-fixed effects when fewer); the convergence fields, unused by Wald tests, neutral."""
    names = tuple(Parameter.parse(n) for n in names)
    p = len(names)
    fixed = np.zeros(p, bool) if fixed is None else np.asarray(fixed, bool)
    cov = np.asarray(cov, float)
    se = np.full(p, np.nan)
    free = [k for k in range(p) if not fixed[k]]
    if len(free) != len(cov):
        free = [k for k in free if not names[k].is_rate]
    se[free] = np.sqrt(np.diag(cov))
    q = len(cov)
    return Estimate(names, np.asarray(theta, float), se, fixed, cov,
                    tuple(str(names[k]) for k in free), np.zeros(q), np.zeros(q),
                    np.ones(q), np.zeros(q), 0.0, np.eye(q))


# Printed by scripts/rsiena/wald.R (RSiena 1.5.0, siena07 seed 1, cond = FALSE): s50 with
# rates of periods 1, 2, density, recip, transTrip, altX and egoX of alcohol (wave 1).
RSIENA_NAMES = ["rate 1", "rate 2", "density", "recip", "transTrip", "altX:alcohol",
                "egoX:alcohol"]
RSIENA_THETA = [6.4214011290980864, 5.2539396809723655, -2.6516024465337669,
                2.4175023710608206, 0.6153151248994102, -0.046542860993835471,
                0.031524133213451808]
RSIENA_COV = np.reshape([
    1.2718287231187659, -0.098787906114794585, 0.0076345316304883169, -0.0093006224261678629,
    -0.0049557500007457664, -0.00078458926303105574, -0.0059791015178100003,
    -0.098787906114794516, 0.81434607845354778, 0.0060680837495558195, 0.0023145158377356721,
    -0.0056798503135587642, -0.00016730209633943191, -0.00046421354638391467,
    0.0076345316304882284, 0.0060680837495558221, 0.012914328299405503, -0.011544886209806033,
    -0.0043447780617513719, 0.00082460025885482233, 3.2284822425720507e-05,
    -0.0093006224261677935, 0.0023145158377356431, -0.011544886209806015, 0.033927921711752268,
    -0.0018767710318386836, -0.0017214935310177564, 0.0013841685075005894,
    -0.0049557500007457681, -0.0056798503135587659, -0.004344778061751371,
    -0.0018767710318386801, 0.0059563572327819003, -3.2845055873225888e-05,
    -0.00065874832677889075, -0.00078458926303105639, -0.00016730209633943242,
    0.00082460025885482157, -0.0017214935310177562, -3.2845055873226254e-05,
    0.0042132152973613215, -0.0013722033420222794, -0.0059791015178100003,
    -0.00046421354638391467, 3.2284822425720345e-05, 0.0013841685075005911,
    -0.00065874832677889118, -0.0013722033420222814, 0.0046869708108077564], (7, 7))
RSIENA_A = [[0, 0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, -2]]
# (label, lbsim call, RSiena's chisquare, df, pvalue, onesided; then what print.sienaTest
# printed: chi-squared to 2 decimals, p to 3 decimals or "p < 0.001", one-sided Z)
RSIENA_TESTS = [
    ("Multipar.RSiena(fit, 4, 5)", lambda e: wald_test(e, ["recip", "transTrip"]),
     268.1237721207691, 2, 0.0, None, "268.12", "p < 0.001", None),
    ("Multipar.RSiena(fit, 5)", lambda e: wald_test(e, "transTrip"),
     63.564472064605624, 1, 1.5543122344752192e-15, 7.972733036080264, "63.56", "p < 0.001",
     "7.97"),
    ("Multipar.RSiena(fit, 6, 7)", lambda e: wald_test(e, ["altX:alcohol", "egoX:alcohol"]),
     0.5773202267593206, 2, 0.74926682789869536, None, "0.58", "p = 0.749", None),
    ("testSame.RSiena(fit, 6, 7)", lambda e: same_test(e, "altX:alcohol", "egoX:alcohol"),
     0.52337215163382866, 1, 0.46940675216721661, -0.72344464310258638, "0.52", "p = 0.469",
     "-0.72"),
    ("Wald.RSiena(A, fit)", lambda e: wald_test(e, matrix=RSIENA_A),
     11.282368740140573, 2, 0.0035486629860957963, None, "11.28", "p = 0.004", None),
]


@pytest.fixture(scope="module")
def rsiena_fit() -> Estimate:
    return make_estimate(RSIENA_NAMES, RSIENA_THETA, RSIENA_COV)


@pytest.mark.parametrize("case", RSIENA_TESTS, ids=[c[0] for c in RSIENA_TESTS])
def test_reproduces_what_rsiena_printed(rsiena_fit, case):
    """On RSiena's theta and covtheta, each test gives RSiena's chi-squared, d.f., p and
    one-sided Z (to rounding; RSiena's p = 1 - pchisq loses digits below 1e-14, lbsim's
    survival function does not), and prints them as print.sienaTest did."""
    _, call, chisq, df, p, onesided, printed_chisq, printed_p, printed_z = case
    t = call(rsiena_fit)
    assert t.chi2 == pytest.approx(chisq, rel=1e-10)
    assert t.df == df
    assert t.p == pytest.approx(p, rel=1e-8, abs=1e-14)
    if onesided is None:
        assert t.one_sided is None
    else:
        assert t.one_sided == pytest.approx(onesided, rel=1e-10)
    last = t.table().splitlines()[-1]
    assert f"chi-squared = {printed_chisq}, d.f. = {df};" in last
    assert last.endswith(f"{printed_p}.")
    assert (printed_z is None) == ("one-sided" not in last)
    if printed_z is not None:
        assert f"one-sided Z = {printed_z};" in last


def random_fit(rng, p=5):
    names = ["rate 1", "density", "recip", "transTrip", "inPop"][:p]
    root = rng.normal(size=(p, p))
    cov = root @ root.T / p + 0.1 * np.eye(p)
    return make_estimate(names, rng.normal(size=p), cov)


def test_agrees_with_a_direct_computation():
    """chi^2 = (A theta)' (A Cov A')^-1 (A theta) by numpy's inverse, d.f. = rows of A,
    p = chi2.sf, for named parameters, a general A and same_test (row e_a - e_b)."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        est = random_fit(rng)
        cases = [(wald_test(est, ["recip", "density", "inPop"]),
                  np.eye(5)[[2, 1, 4]]),
                 (wald_test(est, matrix=(a := rng.normal(size=(3, 5)))), a),
                 (same_test(est, "transTrip", "recip"), np.eye(5)[[3]] - np.eye(5)[[2]]),
                 (same_test(est, ["recip", "density"], ["inPop", "transTrip"]),
                  np.eye(5)[[2, 1]] - np.eye(5)[[4, 3]])]
        for t, a in cases:
            v = a @ est.cov @ a.T
            chisq = (a @ est.theta) @ np.linalg.inv(v) @ (a @ est.theta)
            assert t.chi2 == pytest.approx(chisq, rel=1e-9)
            assert t.df == len(a)
            assert t.p == pytest.approx(chi2.sf(chisq, len(a)), rel=1e-9)
            np.testing.assert_allclose(t.values, a @ est.theta, rtol=1e-12)
            np.testing.assert_allclose(t.se, np.sqrt(np.diag(v)), rtol=1e-12)
            np.testing.assert_allclose(t.separate_p,
                                       2 * norm.sf(np.abs(t.values / t.se)), rtol=1e-9)


def test_one_parameter_closed_form():
    """For one parameter chi^2 = (theta / se)^2, the one-sided Z = theta / se and p is the
    two-sided normal p; testing theta_a = theta_b, Z = (theta_a - theta_b) /
    sqrt(var_a + var_b - 2 cov_ab)."""
    rng = np.random.default_rng(8)
    est = random_fit(rng)
    for k, name in enumerate(est.names):
        t = wald_test(est, str(name))
        z = est.theta[k] / est.se[k]
        assert t.chi2 == pytest.approx(z**2, rel=1e-12)
        assert t.one_sided == pytest.approx(z, rel=1e-12)
        assert t.p == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
    c = est.cov
    t = same_test(est, "recip", "transTrip")
    assert t.one_sided == pytest.approx((est.theta[2] - est.theta[3])
                                        / np.sqrt(c[2, 2] + c[3, 3] - 2 * c[2, 3]), rel=1e-12)


def test_p_values_are_uniform_when_the_hypothesis_holds():
    """Estimates drawn from N(0, Cov) (the Wald test's large-sample premise with the
    tested parameters truly 0): the joint p-values are Uniform(0, 1) (Kolmogorov-Smirnov),
    and 5% of them fall below 0.05 within 4 binomial standard errors."""
    rng = np.random.default_rng(11)
    base = random_fit(rng, 4)
    draws = rng.multivariate_normal(np.zeros(4), base.cov, size=1000)
    p = np.array([wald_test(make_estimate([str(n) for n in base.names], th, base.cov),
                            ["density", "recip", "transTrip"]).p for th in draws])
    assert kstest(p, "uniform").pvalue > 0.001
    assert abs((p < 0.05).mean() - 0.05) < 4 * np.sqrt(0.05 * 0.95 / len(p))


def test_fixed_parameters_and_conditional_rates_are_outside_the_covariance():
    """A fixed parameter's column of the covariance is absent: naming it is an error that
    points to the score-type test; a conditional fit's rates (cov over the effects only)
    likewise; the covariance maps to the right parameters in both."""
    theta = [4.0, -2.0, 2.0, 0.3]
    fixed = make_estimate(["rate 1", "density", "recip", "inPop"], theta,
                          np.diag([1.0, 0.04, 0.01]), fixed=[False, False, True, False])
    assert fixed.cov_names() == ["rate 1", "density", "inPop"]
    assert wald_test(fixed, "inPop").chi2 == pytest.approx(0.3**2 / 0.01)
    with pytest.raises(ValueError, match="'recip' was fixed.*score-type.*may name: rate 1, "
                                         "density, inPop"):
        wald_test(fixed, ["density", "recip"])
    with pytest.raises(ValueError, match="'recip' was fixed"):
        wald_test(fixed, matrix=[0, 1, 1, 0])
    assert wald_test(fixed, matrix=[0, 1, 0, 1]).chi2 == pytest.approx(
        1.7**2 / 0.05)  # the fixed column 0: allowed, as in RSiena's Wald.RSiena
    conditional = make_estimate(["rate 1", "density", "recip", "inPop"], theta,
                                np.diag([0.04, 0.09, 0.01]))
    assert conditional.cov_names() == ["density", "recip", "inPop"]
    with pytest.raises(ValueError, match="'rate 1' is a conditional fit's rate"):
        wald_test(conditional, "rate 1")
    assert same_test(conditional, "density", "recip").chi2 == pytest.approx(
        4.0**2 / 0.13)


@pytest.mark.parametrize("call, message", [
    (lambda e: wald_test(e, ["recp"]), r"unknown parameter 'recp'. Did you mean 'recip'\? "
                                       r"Allowed: rate 1, density, recip, transTrip"),
    (lambda e: wald_test(e, ["recip", "density", "recip"]), "'recip' named twice"),
    (lambda e: wald_test(e, []), "no parameter to test; parameters: rate 1, density"),
    (lambda e: wald_test(e), "the parameters tested or a matrix"),
    (lambda e: wald_test(e, "recip", matrix=[0, 0, 1, 0]), "not both"),
    (lambda e: wald_test(e, matrix=[[0, 1, 1]]), r"shape \(1, 3\): A needs one row per "
                                                 r"restriction and 4 columns.*rate 1, density"),
    (lambda e: wald_test(e, matrix=np.zeros((0, 4))), "4 columns"),
    (lambda e: wald_test(e, matrix=[0, np.nan, 1, 0]), "not finite"),
    (lambda e: wald_test(e, matrix=[[0, 1, 1, 0], [0, 2, 2, 0]]), "singular.*linearly"),
    (lambda e: wald_test(e, matrix=[0, 0, 0, 0]), "singular"),
    (lambda e: same_test(e, "recip", "recip"), "compared with itself"),
    (lambda e: same_test(e, ["recip", "density"], "transTrip"), "2 against 1"),
    (lambda e: same_test(e, "recip", "trasTrip"), "Did you mean 'transTrip'"),
])
def test_bad_requests_are_refused_clearly(call, message):
    est = make_estimate(["rate 1", "density", "recip", "transTrip"], [5, -2, 2, 0.5],
                        np.diag([1.0, 0.04, 0.09, 0.01]))
    with pytest.raises(ValueError, match=message):
        call(est)


def test_a_fit_without_a_finite_covariance_is_refused():
    est = make_estimate(["density", "recip"], [-2, 2], np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="covariance is not finite"):
        wald_test(est, "recip")


def test_table_and_frame():
    """The table lists each hypothesis alone, then the joint test; the frame has a row per
    hypothesis (z^2 as its chi-squared) and the joint row."""
    est = make_estimate(RSIENA_NAMES, RSIENA_THETA, RSIENA_COV)
    t = wald_test(est, ["recip", "transTrip"])
    assert isinstance(t, WaldTest) and t.hypotheses == ("recip = 0", "transTrip = 0")
    text = t.table()
    assert "recip = 0" in text and "joint test: chi-squared = 268.12, d.f. = 2" in text
    frame = t.to_frame()
    assert list(frame["hypothesis"]) == ["recip = 0", "transTrip = 0", "joint"]
    np.testing.assert_allclose(frame["chi2"][:2], (t.values / t.se) ** 2)
    assert frame["df"].tolist() == [1, 1, 2]
    assert wald_test(est, matrix=RSIENA_A).hypotheses == (
        "density + recip = 0", "transTrip - 2 egoX:alcohol = 0")
    assert same_test(est, "altX:alcohol", "egoX:alcohol").hypotheses == (
        "altX:alcohol - egoX:alcohol = 0",)
    assert len(same_test(est, "recip", "density").to_frame()) == 1


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """RSiena's fit saved as lbsim saves a fit (lbsim estimate --out)."""
    out = tmp_path_factory.mktemp("wald") / "fit"
    nets, covs = read_waves(None, "s50", ["alcohol:1"])
    save_fit(out, make_estimate(RSIENA_NAMES, RSIENA_THETA, RSIENA_COV),
             effects=["density", "recip", "transTrip", "altX:alcohol", "egoX:alcohol"],
             classes=[FitClass("", list(nets), covs)], seed=1)
    return out


def test_cli_wald_and_same(saved):
    result = runner.invoke(app, ["wald", "--fit", str(saved), "recip", "transTrip"])
    assert result.exit_code == 0, result.output
    assert "recip = 0" in result.output and "transTrip = 0" in result.output
    assert "chi-squared = 268.12, d.f. = 2; p < 0.001." in result.output
    result = runner.invoke(app, ["wald", "--fit", str(saved), "--same", "altX:alcohol",
                                 "egoX:alcohol"])
    assert result.exit_code == 0, result.output
    assert ("chi-squared = 0.52, d.f. = 1; one-sided Z = -0.72; two-sided p = 0.469."
            in result.output)


@pytest.mark.parametrize("args, message", [
    (["recp"], "Did you mean 'recip'"),
    (["--same", "recip"], "--same compares two parameters, got 1"),
    (["--same", "recip", "recip"], "compared with itself"),
])
def test_cli_bad_requests_exit_2(saved, args, message):
    result = runner.invoke(app, ["wald", "--fit", str(saved), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_without_a_fit_exits_2(tmp_path):
    result = runner.invoke(app, ["wald", "--fit", str(tmp_path / "none"), "recip"])
    assert result.exit_code == 2 and "not found" in result.output


def test_cli_refuses_a_fixed_parameter(tmp_path):
    """A fit saved with a fixed parameter (lbsim estimate --fix inPop): lbsim wald names it
    as fixed, points to the score-type test and lists what it may test."""
    nets, _ = read_waves(None, "s50", [])
    est = make_estimate(["rate 1", "rate 2", "density", "recip", "inPop"],
                        [6.0, 5.0, -2.5, 2.4, 0.0], np.diag([1.0, 0.8, 0.01, 0.04]),
                        fixed=[False, False, False, False, True])
    save_fit(tmp_path / "fit", est, effects=["density", "recip", "inPop"],
             classes=[FitClass("", list(nets))], seed=1)
    result = runner.invoke(app, ["wald", "--fit", str(tmp_path / "fit"), "recip", "inPop"])
    assert result.exit_code == 2
    assert "'inPop' was fixed in the fit" in result.output
    assert "may name: rate 1, rate 2, density, recip" in result.output
    result = runner.invoke(app, ["wald", "--fit", str(tmp_path / "fit"), "recip"])
    assert result.exit_code == 0  # chi-squared (2.4 / 0.2)^2:
    assert "chi-squared = 144.00, d.f. = 1" in result.output
