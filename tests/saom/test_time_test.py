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
    np.testing.assert_allclose(frame["p_value"].iloc[3:], res.dummy_p)
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


def fit_of(waves, seed):
    return estimate(ClassData(waves), Model(list(TRUTH)), seed=seed, algorithm=QUICK,
                    conditional=True)


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
