"""The time heterogeneity test (RSiena's sienaTimeTest): its algebra against a direct
computation from the phase-3 arrays, its null distribution on data from a homogeneous
model, its power on data with a real change, bad inputs, the command."""

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from sim.saom import (
    Algorithm,
    ClassData,
    Estimate,
    Model,
    Parameter,
    estimate,
    simulate_periods,
    time_test,
)
from sim.saom.results import Phase3

EFFECTS = ("density", "recip", "transTrip")


def fake_fit(seed=0, runs=400, periods=3, fixed=()):
    """An Estimate whose phase 3 has per period scores U ~ N(0, 1) and statistics
    S = A_m U + noise (so the within-period covariance of S and U is A_m), targets
    shifted a little from the simulated means."""
    rng = np.random.default_rng(seed)
    k = len(EFFECTS)
    u = rng.normal(size=(runs, periods, k))
    a = np.eye(k) * 3 + rng.normal(scale=0.4, size=(periods, k, k))
    s = np.einsum("mkl,rml->rmk", a, u) + rng.normal(size=(runs, periods, k))
    targets = s.mean(0) + rng.normal(scale=0.3, size=(periods, k))
    names = tuple(Parameter.parse(e) for e in EFFECTS)
    rates = tuple(Parameter.parse(f"rate {m + 1}") for m in range(periods))
    p3 = Phase3(names, s.sum(1), u.sum(1), targets.sum(0), names,
                tuple(str(m + 1) for m in range(periods)), s, u, targets)
    theta = np.array([5.0] * periods + [-2.0, 2.0, 0.5])
    is_fixed = np.array([False] * periods + [e in fixed for e in EFFECTS])
    se = np.where(is_fixed, np.nan, 0.2)
    return Estimate((*rates, *names), theta, se, is_fixed, np.eye(k), EFFECTS,
                    targets.sum(0), s.sum(1).mean(0), s.sum(1).std(0), np.zeros(k), 0.1,
                    np.eye(k), phase3=p3)


def reference(fit, tested_effects=EFFECTS):
    """The test written out from the Phase3 arrays: dummies of effect k in period m >= 2
    (effect by effect), the per-period derivative summed, and c = ov' V^-1 ov with
    ov = B z, V = B Sigma B', B = [-D21 D11^-1, I]."""
    p3 = fit.phase3
    runs, m_count, k = p3.period_statistics.shape
    dev = p3.period_statistics - p3.period_targets
    g = [np.concatenate([dev[:, m, :]] + [
        (dev[:, m, [e]] if m == mm else np.zeros((runs, 1)))
        for e in range(k) if EFFECTS[e] in tested_effects for mm in range(1, m_count)], 1)
        for m in range(m_count)]
    u = [np.concatenate([p3.period_scores[:, m, :]] + [
        (p3.period_scores[:, m, [e]] if m == mm else np.zeros((runs, 1)))
        for e in range(k) if EFFECTS[e] in tested_effects for mm in range(1, m_count)], 1)
        for m in range(m_count)]
    p = g[0].shape[1]
    d = sum(gm.T @ um / runs - np.outer(gm.mean(0), um.mean(0))
            for gm, um in zip(g, u, strict=True))
    total = sum(g)
    sigma = np.cov(total, rowvar=False)
    z = total.mean(0)

    def test(use, tested):
        dd, ss, zz = d[np.ix_(use, use)], sigma[np.ix_(use, use)], z[use]
        h = ~tested
        b = np.hstack([-dd[np.ix_(tested, h)] @ np.linalg.inv(dd[np.ix_(h, h)]),
                       np.eye(tested.sum())])
        order = np.concatenate([np.flatnonzero(h), np.flatnonzero(tested)])
        ov = b @ zz[order]
        v = b @ ss[np.ix_(order, order)] @ b.T
        return float(ov @ np.linalg.inv(v) @ ov), float(-ov[0] / np.sqrt(v[0, 0]))

    all_ = np.ones(p, bool)
    joint = test(all_, np.arange(p) >= k)[0]
    singles = []
    for j in range(k, p):
        use = np.arange(p) < k
        use[j] = True
        singles.append(test(use, np.arange(use.sum()) == k)[1])
    one_step = np.concatenate([fit.theta[-k:], np.zeros(p - k)]) - np.linalg.inv(d) @ z
    return joint, np.array(singles), one_step


def test_matches_a_direct_computation_from_the_phase3_arrays():
    fit = fake_fit()
    res = time_test(fit)
    joint, singles, one_step = reference(fit)
    assert res.df == 6
    assert res.joint_chi2 == pytest.approx(joint, rel=1e-9)
    np.testing.assert_allclose(res.dummy_z, singles, rtol=1e-9)
    np.testing.assert_allclose(res.one_step, one_step, rtol=1e-9)
    assert res.dummy_names[0] == "density x period 2"
    assert res.joint_p == pytest.approx(stats.chi2.sf(joint, 6))


def test_effect_tests_equal_the_joint_test_of_that_effect_alone():
    fit = fake_fit(seed=3)
    res = time_test(fit)
    for e in EFFECTS:
        alone = time_test(fit, [e])
        i = list(map(str, res.effects)).index(e)
        assert res.effect_chi2[i] == pytest.approx(alone.joint_chi2, rel=1e-9)
        assert res.effect_df[i] == 2
        joint, singles, _ = reference(fit, (e,))
        assert alone.joint_chi2 == pytest.approx(joint, rel=1e-9)
        np.testing.assert_allclose(alone.dummy_z, singles, rtol=1e-9)
    # with three waves period 1's test (dummies summed per effect) is period 2's
    two = time_test(fake_fit(seed=4, periods=2))
    assert two.period_chi2[0] == pytest.approx(two.period_chi2[1], rel=1e-9)
    assert two.period_chi2[1] == pytest.approx(two.joint_chi2, rel=1e-9)


def test_fixed_effects_and_collinear_dummies_are_left_out():
    res = time_test(fake_fit(fixed=("recip",)))
    assert [str(e) for e in res.effects] == ["density", "transTrip"]
    assert any("recip" in x and "fixed" in x for x in res.excluded)
    fit = fake_fit(seed=5)
    p3 = fit.phase3
    s = p3.period_statistics.copy()
    s[:, 1, 2] = p3.period_targets[1, 2]  # transTrip never varies in period 2
    res = time_test(replace(fit, phase3=replace(p3, period_statistics=s)))
    assert res.effect_df.tolist() == [2, 2, 0] and res.df == 4
    assert any("transTrip" in x and "collinear" in x for x in res.excluded)
    assert "not tested: transTrip" in res.table()
    s = p3.period_statistics.copy()
    s[:, 1, 2] = s[:, 1, 0]  # transTrip's and density's dummies of period 2 are one
    with pytest.raises(ValueError, match="linearly dependent; test fewer effects"):
        time_test(replace(fit, phase3=replace(p3, period_statistics=s)))


def test_table_frame_and_plot(tmp_path):
    res = time_test(fake_fit())
    text = res.table()
    assert f"chi-squared = {res.joint_chi2:.2f}, d.f. = 6" in text
    assert "recip x period 3" in text
    frame = res.to_frame()
    assert len(frame) == 3 + 6
    np.testing.assert_allclose(frame["one_step"], res.one_step)
    np.testing.assert_allclose(frame["p"].iloc[3:], res.dummy_p)
    path = tmp_path / "time.png"
    res.plot(path)
    assert path.stat().st_size > 1000


def test_bad_fits_are_named():
    with pytest.raises(ValueError, match="no phase-3 simulations"):
        time_test(replace(fake_fit(), phase3=None))
    with pytest.raises(ValueError, match="1 period: .* at least two periods"):
        time_test(fake_fit(periods=1))


def test_bad_effects_are_named():
    with pytest.raises(ValueError, match="'inPop' is not an estimated effect.*allowed: "
                                         "density, recip, transTrip"):
        time_test(fake_fit(), ["inPop"])
    with pytest.raises(ValueError, match="is a rate"):
        time_test(fake_fit(), ["rate 1"])
    with pytest.raises(ValueError, match="an Estimate"):
        time_test("fit")


# --- on simulated data ---------------------------------------------------------------

TRUTH = {"density": -1.6, "recip": 2.0}
QUICK = Algorithm(subphases=2, n3=300, refine=1)


def waves_of(seed, recip=(2.0, 2.0), n=30):
    """Three waves: a random wave 1 of n actors, then two periods of rate 6 with
    density -1.6 and recip ``recip[m]`` in period m."""
    rng = np.random.default_rng([seed, 99])
    waves = [(rng.random((n, n)) < 0.12).astype(np.int8)]
    np.fill_diagonal(waves[0], 0)
    for m, r in enumerate(recip):
        waves.append(simulate_periods(waves[-1], {**TRUTH, "recip": r}, rate=6.0, runs=1,
                                      seed=[seed, m]).networks[0])
    return waves


def fit_of(waves, seed, conditional=True, effects=tuple(TRUTH)):
    return estimate(ClassData(waves), Model(list(effects)), seed=seed, algorithm=QUICK,
                    conditional=conditional)


@pytest.mark.slow
def test_joint_test_is_chi_squared_on_homogeneous_data():
    """Over 24 data sets from one model, the joint statistic (df 2) has mean 2 within
    3 standard errors (sd of chi2(2) is 2) and rejects at 5% at most 6 times."""
    chi2 = np.array([time_test(fit_of(waves_of(s), s)).joint_chi2 for s in range(24)])
    assert abs(chi2.mean() - 2) < 3 * 2 / np.sqrt(len(chi2)), chi2
    assert (stats.chi2.sf(chi2, 2) < 0.05).sum() <= 6, chi2


@pytest.mark.slow
def test_rejects_a_real_change_in_reciprocity():
    for s in range(2):
        res = time_test(fit_of(waves_of(s, recip=(3.0, 0.5)), s))
        assert res.joint_p < 0.01, res.table()
        recip = [str(e) for e in res.effects].index("recip")
        assert res.effect_p[recip] < 0.01, res.table()
        dummy = len(res.effects) + res.dummy_names.index("recip x period 2")
        assert res.one_step[dummy] < 0, res.table()  # reciprocity fell in period 2


# --- the command ---------------------------------------------------------------------


def test_command_prints_the_test_and_refuses_bad_requests(tmp_path):
    from sim.cli.main import app
    from sim.io.fit import PHASE3, FitClass, save_fit

    fit = fake_fit()
    folder = tmp_path / "fit"
    waves = [np.zeros((4, 4))] * 4
    save_fit(folder, fit, effects=EFFECTS, classes=[FitClass("1", waves)])
    runner = CliRunner()
    out = runner.invoke(app, ["time-test", "--fit", str(folder), "--plot",
                              str(tmp_path / "t.png")])
    assert out.exit_code == 0, out.output
    assert time_test(fit).table() in out.output
    assert (tmp_path / "t.png").is_file()
    mine = tmp_path / "mine.png"
    mine.write_text("the user's own file")
    for plot, what in ((mine, "exists"), (tmp_path / "no" / "t.png", "does not exist")):
        out = runner.invoke(app, ["time-test", "--fit", str(folder), "--plot", str(plot)])
        assert out.exit_code == 2 and what in out.output, out.output
    assert mine.read_text() == "the user's own file" and not (tmp_path / "no").exists()
    out = runner.invoke(app, ["time-test", "--fit", str(folder), "--plot", str(mine),
                              "--overwrite"])
    assert out.exit_code == 0 and mine.read_bytes()[:4] == b"\x89PNG", out.output
    out = runner.invoke(app, ["time-test", "--fit", str(folder), "--effects", "recip"])
    assert out.exit_code == 0 and "d.f. = 2" in out.output
    out = runner.invoke(app, ["time-test", "--fit", str(folder), "--effects", "inPop"])
    assert out.exit_code == 2 and "allowed: density, recip, transTrip" in out.output
    out = runner.invoke(app, ["time-test", "--fit", str(folder), "--plot",
                              str(tmp_path / "t.nosuchformat")])
    assert out.exit_code == 2 and "--plot" in out.output
    (folder / PHASE3).unlink()  # a fit saved before phase 3 was kept
    out = runner.invoke(app, ["time-test", "--fit", str(folder)])
    assert out.exit_code == 2 and "no phase-3 simulations" in out.output
    out = runner.invoke(app, ["time-test", "--fit", str(tmp_path / "none")])
    assert out.exit_code == 2


# --- time dummies in a fit (RSiena's includeTimeDummy) -------------------------------


def test_dummy_names_read_and_print():
    p = Parameter.parse("egoX:alcohol x period 3")
    assert (p.effect, p.period, p.is_dummy, p.is_rate) == ("egoX:alcohol", 3, True, False)
    assert str(p) == "egoX:alcohol x period 3" and p.statistic == str(p)
    assert Parameter.parse("rate 2").is_rate and not Parameter.parse("rate 2").is_dummy
    for bad in ("recip x period 1", "recip x period two", " x period 2"):
        with pytest.raises(ValueError, match="time dummy"):
            Parameter.parse(bad)


def test_fitted_dummy_recovers_a_change_and_is_not_tested_again():
    """Reciprocity 3.0 in period 1 and 0.5 in period 2: the fit with 'recip x period 2'
    puts the dummy within 3 SE of -2.5 and its statistic is recip's period-2 statistic;
    the time test keeps it in the null hypothesis and tests density's dummy only."""
    est = fit_of(waves_of(0, recip=(3.0, 0.5)), 1, conditional=False,
                 effects=["density", "recip", "recip x period 2"])
    d = est.index("recip x period 2")
    assert abs(est.theta[d] + 2.5) < 3 * est.se[d], est.table()
    assert abs(est["recip"] - 3.0) < 3 * est.se[est.index("recip")], est.table()
    p3 = est.phase3
    np.testing.assert_array_equal(p3.statistics[:, p3.column("recip x period 2")],
                                  p3.period_statistics[:, 1, 1])
    np.testing.assert_array_equal(p3.scores[:, p3.column("recip x period 2")],
                                  p3.period_scores[:, 1, 1])
    res = time_test(est)
    assert res.dummy_names == ("density x period 2",)
    assert [str(e) for e in res.effects] == ["density", "recip", "recip x period 2"]
    assert "recip x period 2" in res.table()
    fig = res.plot()
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles[1] == "recip (dummies fitted)" and len(titles) == 2, titles


def test_bad_dummies_are_named():
    waves = waves_of(0)
    for effects, message in ((["density", "inPop x period 2"], "'inPop' is not a network "
                              "effect of the model; effects: density"),
                             (["density", "density x period 3"], "2 periods; allowed: "
                              "period 2 to 2")):
        with pytest.raises(ValueError, match=message):
            estimate(ClassData(waves), Model(effects), algorithm=QUICK)
    with pytest.raises(ValueError, match="unconditionally"):
        estimate(ClassData(waves), Model(["density", "density x period 2"]),
                 algorithm=QUICK, conditional=True)


def test_each_period_is_simulated_with_its_own_parameters():
    """simulate_statistics with per-period parameters: period m's statistics and scores
    are those of a run with betas[m] for every period (same seed), and parameters equal
    in every period give the runs without them."""
    from sim.saom.observed import _periods
    from sim.saom.periods import simulate_statistics

    waves = waves_of(3)
    periods = _periods(waves, ClassData(waves), Model(TRUTH))
    seed = np.random.SeedSequence(7)
    theta = np.array([6.0, 5.0, -1.6, 2.0])
    betas = np.array([[-1.6, 2.0], [-1.2, 0.5]])

    def run(theta_, betas_=None):
        by = (np.zeros((50, 2, 2)), np.zeros((50, 2, 2)))
        out, u = simulate_statistics(periods, theta_, seed, 50, True, by_period=by,
                                     betas=betas_)
        return out, u, by

    mixed = run(theta, betas)
    for m in range(2):
        alone = run(np.concatenate([theta[:2], betas[m]]))
        np.testing.assert_array_equal(mixed[2][0][:, m], alone[2][0][:, m])
        np.testing.assert_array_equal(mixed[2][1][:, m], alone[2][1][:, m])
        np.testing.assert_array_equal(mixed[1][:, m], alone[1][:, m])  # the rate's score
    assert not np.array_equal(mixed[2][0][:, 1], run(theta)[2][0][:, 1])
    same = run(theta, np.tile(theta[2:], (2, 1)))
    for a, b in zip(same[:2], run(theta)[:2], strict=True):
        np.testing.assert_array_equal(a, b)


# sienaTimeTest on RSiena 1.5.0's s50 fit (density, recip, transTrip, altX/egoX/simX of
# alcohol at wave 1; conditional, RSiena's default), printed by scripts/rsiena/time_test.R
# with seeds 1-6: the mean and SD of the joint and each effect's statistic (one dummy each)
RSIENA_S50 = {"joint": (7.753, 0.398), "density": (0.023, 0.008), "recip": (0.767, 0.071),
              "transTrip": (0.327, 0.034), "altX:alcohol": (2.208, 0.136),
              "egoX:alcohol": (1.513, 0.103), "simX:alcohol": (1.303, 0.106)}
LBSIM_SD = {"joint": 0.453, "density": 0.009, "recip": 0.052, "transTrip": 0.049,
            "altX:alcohol": 0.194, "egoX:alcohol": 0.160, "simX:alcohol": 0.165}
"""SD of lbsim's statistics over the seeds 1-6 of lbsim estimate --conditional (the same
model); a statistic of one lbsim fit and RSiena's mean over 6 differ by Monte Carlo error
of SD sqrt(lbsim SD^2 + RSiena SD^2 / 6): 4 such SDs allowed, plus 0.005 (rounding)."""


@pytest.mark.slow
def test_s50_time_test_matches_rsiena():
    from helpers import load_s50

    w1, w2, w3, alcohol = load_s50()
    est = estimate(ClassData([w1, w2, w3], covariates={"alcohol": alcohol}),
                   Model(["density", "recip", "transTrip", "egoX:alcohol", "altX:alcohol",
                          "simX:alcohol"]), seed=1, conditional=True)
    res = time_test(est)
    got = {"joint": res.joint_chi2, **{str(e): c for e, c in zip(res.effects, res.effect_chi2,
                                                                  strict=True)}}
    for name, (mean, sd) in RSIENA_S50.items():
        tolerance = 4 * np.sqrt(LBSIM_SD[name] ** 2 + sd ** 2 / 6) + 0.005
        assert abs(got[name] - mean) < tolerance, (name, got[name], mean, res.table())
    assert res.df == 6


def test_dummies_need_one_class():
    from sim.saom import Data

    data = Data([ClassData(waves_of(0), name="a"), ClassData(waves_of(1), name="b")])
    with pytest.raises(ValueError, match="time dummies are for one class"):
        estimate(data, Model(["density", "recip x period 2", "recip"]), algorithm=QUICK)


def test_estimate_command_fits_time_dummies(tmp_path):
    from sim.cli.main import app

    files = []
    for m, w in enumerate(waves_of(0, recip=(3.0, 0.5))):
        files.append(str(tmp_path / f"w{m + 1}.txt"))
        np.savetxt(files[-1], w, fmt="%d")
    runner = CliRunner()
    out = runner.invoke(app, ["estimate", *files, "--effects", "density,recip",
                              "--time-dummy", "recip:2", "--out", str(tmp_path / "fit")])
    assert out.exit_code == 0, out.output
    assert "recip x period 2" in out.output
    shown = runner.invoke(app, ["time-test", "--fit", str(tmp_path / "fit")])
    assert shown.exit_code == 0 and "(1) density x period 2\n" in shown.output
    for bad in ("recip:1", "recip", "recip:x"):
        out = runner.invoke(app, ["estimate", *files, "--time-dummy", bad])
        assert out.exit_code == 2 and "allowed: EFFECT:PERIOD" in out.output, out.output
    out = runner.invoke(app, ["estimate", *files, "--time-dummy", "inPop:2"])
    assert out.exit_code == 2 and "'inPop' is not a network effect" in out.output
