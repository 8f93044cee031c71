"""The calibration of the magnitudes on the published findings (sim.studies.evidence.calibration)
and its
shipped posterior (sim/data/posterior)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from sim.studies.evidence import calibration as cal
from sim.studies.evidence.spec import bundled_path, load_findings
from sim.studies.magnitudes import overrides, posterior, posterior_path, sample_for_trial
from sim.studies.robustness import ASSUMPTIONS


@pytest.fixture(scope="module")
def shipped():
    return load_findings()


def test_distance_is_the_sum_of_squared_standardised_differences(shipped):
    findings, _ = shipped
    raw = {f["id"]: f["published"] for f in yaml.safe_load(bundled_path().read_text())[
        "findings"]}
    rng = np.random.default_rng(3)
    simulated = {k: float(rng.normal()) for k in cal.INFORMS}
    direct = 0.0
    for k, value in simulated.items():
        pub = raw[k]
        se = ((pub["high"] - pub["low"]) / 3.919928 if "low" in pub
              else cal.ASSUMED_SE[k])
        direct += ((value - pub["estimate"]) / se) ** 2
    assert cal.distance(simulated, cal.targets(findings)) == pytest.approx(direct, rel=1e-6)
    exact = {k: raw[k]["estimate"] for k in cal.INFORMS}
    assert cal.distance(exact, cal.targets(findings)) == 0.0
    assert cal.distance({**exact, "huang2022_support_loneliness": np.nan},
                        cal.targets(findings)) == np.inf


def test_every_mapped_magnitude_is_an_assumption_that_reaches_its_finding(shipped):
    findings, worlds = shipped
    paths = {a.path for a in ASSUMPTIONS} | {cal.DOSE.path}
    by_id = {f.id: f for f in findings.findings}
    for finding, mapped in (cal.INFORMS | cal.HELD_OUT).items():
        assert finding in by_id, finding
        assert set(mapped) <= paths, set(mapped) - paths
        world = worlds[finding]
        for path in mapped:
            if path == cal.DOSE.path:
                assert cal.CONTACT in mapped and by_id[finding].replication.setting
                continue
            if path == cal.CONTACT and not world.interventions:
                rep, _ = cal.replay(by_id[finding], world, {path: 36.0}, (path,))
                assert rep.setting.contact_per_hour == pytest.approx(36.0 / 3)
                continue
            assert overrides(world, {path: 0.5}), f"{path} does not reach {finding}"


@pytest.mark.parametrize("elasticity", [0.0, 0.5, 1.0])
def test_a_settings_contact_is_the_groups_scaled_by_hours_to_the_dose_elasticity(
        shipped, elasticity):
    findings, worlds = shipped
    desk = next(f for f in findings.findings if f.id == "rohrer2021_desk_mates")
    hours = desk.replication.setting.hours_per_week
    draw = {cal.CONTACT: 36.0, cal.DOSE.path: elasticity,
            "network.effects.X:same_group": 0.5}
    rep, scenario = cal.replay(desk, worlds[desk.id], draw, cal.INFORMS[desk.id])
    assert rep.setting.contact() == pytest.approx(36.0 * (hours / 3.0) ** elasticity)
    assert scenario.network.effects["X:same_group"] == 0.5
    without, _ = cal.replay(desk, worlds[desk.id], draw, (cal.CONTACT,))
    assert without.setting.contact() == pytest.approx(36.0 * hours / 3.0)  # proportional


def test_replay_applies_only_the_mapped_magnitudes(shipped):
    findings, worlds = shipped
    huang = next(f for f in findings.findings if f.id == "huang2022_support_loneliness")
    draw = {a.path: a.high for a in ASSUMPTIONS}
    _, scenario = cal.replay(huang, worlds[huang.id], draw, cal.INFORMS[huang.id])
    assert scenario.trait_dynamics.adjustment == 0.1
    assert scenario.trait_dynamics.confidence["reciprocated_friends"] == 0.2
    assert scenario.network.effects["X:same_group"] == \
        worlds[huang.id].network.effects["X:same_group"]


def test_the_shipped_posterior_loads_within_the_prior_ranges():
    sample = posterior()
    assert posterior_path().is_file() and len(sample) >= 20
    for a in ASSUMPTIONS:
        col = sample.table[a.path]
        assert col.between(a.low, a.high).all(), a.path
    trial = sample_for_trial("posterior", 8, 1)
    assert len(trial) == 8 and trial.source == "posterior"  # 8: one replication a draw
    readme = (posterior_path().parent / "README.md").read_text()
    assert f"{len(sample)} particles" in readme


def normal_mean(n: int, seed: int, particles: int = 150, generations: int = 5):
    """ABC of a normal mean (SD 1, n observations, uniform prior on [-5, 5]), the true value
    drawn uniformly from [-2, 2], far enough inside the prior that the exact posterior is
    N(observed mean, 1/n): (true value, observed mean, posterior)."""
    pytest.importorskip("pyabc")
    rng = np.random.default_rng(seed)
    mu = rng.uniform(-2, 2)
    observed = float(rng.normal(mu, 1, n).mean())

    def simulator(par):
        return {"m": float(np.random.normal(par["mu"], 1, n).mean())}

    post = cal.abc_smc(simulator, {"mu": (-5.0, 5.0)}, {"m": observed},
                       lambda x, y: n * (x["m"] - y["m"]) ** 2, particles, generations, seed)
    return mu, observed, post


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_abc_recovers_a_normal_mean_inside_its_95_percent_interval(seed):
    mu, observed, post = normal_mean(25, seed)
    draws = post.resampled(seed)["mu"].to_numpy()
    low, high = np.percentile(draws, [2.5, 97.5])
    assert low <= mu <= high
    # the exact posterior is about N(observed, 1/n); ABC's is wider by its tolerance
    ess = 1 / np.sum(post.weights ** 2)  # Kish's effective sample size
    assert post.mean()["mu"] == pytest.approx(observed, abs=4 * post.sd()["mu"] / np.sqrt(ess))
    assert 0.15 < post.sd()["mu"] < 0.5  # exact 0.2, prior 2.89


def test_abc_is_seeded():
    a, b, c = (normal_mean(9, 5, 40, 2)[2], normal_mean(9, 5, 40, 2)[2],
               normal_mean(9, 6, 40, 2)[2])
    assert a.particles.equals(b.particles) and np.array_equal(a.weights, b.weights)
    assert not a.particles.equals(c.particles)


def test_resampling_keeps_the_weighted_mean():
    post = cal.Posterior(
        pd.DataFrame({"x": np.arange(5.0)}),
        np.array([0.1, 0.2, 0.3, 0.2, 0.2]), None)
    rows = post.resampled(1)["x"]
    assert rows.mean() == pytest.approx(post.mean()["x"], abs=0.2)
    assert stats.mode(rows).mode == 2.0


@pytest.mark.slow
def test_a_particle_moves_the_findings_its_magnitudes_inform(shipped):
    findings, worlds = shipped
    low = {a.path: a.low for a in ASSUMPTIONS}
    high = {a.path: a.high for a in ASSUMPTIONS}
    a = cal.simulate_findings(low, findings, worlds, 8, 1)
    b = cal.simulate_findings(high, findings, worlds, 8, 1)
    assert set(a) == set(cal.INFORMS) and all(np.isfinite(list(a.values())))
    assert b["rohrer2021_desk_mates"] > a["rohrer2021_desk_mates"]
    assert b["beelmann2006_sst_post"] > a["beelmann2006_sst_post"]
    # stronger friends' pull on confidence: support and loneliness more negatively related
    assert b["huang2022_support_loneliness"] < a["huang2022_support_loneliness"]


@pytest.mark.slow
def test_more_hours_count_for_more_when_the_dose_elasticity_is_higher(shipped):
    """With little contact a year (5 at the group's 3 hours a session), the desk's 10 hours
    a week give 5 a year at elasticity 0 and 16.7 at 1, and the desk-mates' extra mutual
    ties grow with it. (At 40 a year and more the desk-mates' ties are near their
    equilibrium within the semester, so more contact adds little.)"""
    findings, worlds = shipped
    mid = {a.path: (a.low + a.high) / 2 for a in ASSUMPTIONS} | {cal.CONTACT: 5.0}
    desk = {"rohrer2021_desk_mates": cal.INFORMS["rohrer2021_desk_mates"]}
    a, b = (cal.simulate_findings({**mid, cal.DOSE.path: e}, findings, worlds, 8, 1, desk)
            for e in (0.0, 1.0))
    assert b["rohrer2021_desk_mates"] > a["rohrer2021_desk_mates"] + 0.02


@pytest.mark.slow
def test_the_replications_keep_the_simulators_noise_at_most_the_published_se(shipped):
    """At the shipped posterior's mean, the simulated figure's SD over 10 seeds with
    REPLICATIONS is at most twice the published SE (so the simulator's noise does not swamp
    the distance; the SD of 10 draws is within about 25% of the truth) and not below a
    fifth of it (replications far beyond what the published figure's precision needs).
    The SD varies with the magnitudes: the trials' is several times smaller at the
    prior's centre than at the draw the replications were chosen at."""
    from sim.studies.magnitudes import posterior

    mean = posterior().table.mean().to_dict() | {cal.DOSE.path: 0.5}
    table = cal.noise(mean, 10)
    assert set(table["finding"]) == set(cal.INFORMS) | set(cal.HELD_OUT)
    ratio = table["simulated_sd"] / table["published_se"]
    assert ratio.between(0.2, 2.0).all(), table


def test_identifiability_divides_the_weighted_posterior_sd_by_the_uniform_prior_sd():
    every = ASSUMPTIONS + (cal.DOSE,)
    draws = {a.path: [a.low, a.high, a.high] for a in every}
    post = cal.Posterior(pd.DataFrame(draws), np.array([0.5, 0.25, 0.25]), None)
    table = cal.identifiability(post).set_index("magnitude")
    assert list(table.index) == [a.path for a in every]
    assert table.loc[cal.DOSE.path, "default"] == 1.0  # lbsim's proportional dose
    for a in every:
        sd = (a.high - a.low) / 2  # half the weight at each end
        assert table.loc[a.path, "posterior_sd"] == pytest.approx(sd)
        assert table.loc[a.path, "sd_ratio"] == pytest.approx(sd / ((a.high - a.low)
                                                                     / np.sqrt(12)))
    assert table.loc["network.effects.X:same_group", "default"] == 0.606


@pytest.mark.slow
def test_the_calibration_gives_the_same_sample_for_the_same_seed():
    pytest.importorskip("pyabc")
    a, b = (cal.calibrate(particles=3, generations=1, replications=2, seed=4)
            for _ in range(2))
    assert a.particles.equals(b.particles) and np.array_equal(a.weights, b.weights)
    assert list(a.particles.columns) == [x.path for x in ASSUMPTIONS] + [cal.DOSE.path]


def test_predictive_check_summarises_each_finding_over_the_draws(monkeypatch):
    """With a stand-in simulator whose figure for a finding is a draw's confidence
    magnitude times 10 (and its id's length), the check's median and range are those
    percentiles of the chosen draws, one row per informed finding, and 'inside' says
    whether the published figure lies in the range."""
    conf = "interventions.{group}.magnitudes.confidence"
    table = pd.DataFrame({a.path: np.full(50, (a.low + a.high) / 2) for a in ASSUMPTIONS})
    table[conf] = np.linspace(0.0065, 0.026, 50)
    seen = []

    def stand_in(draw, findings, worlds, replications, seed, informs):
        seen.append(seed)
        return {k: 10 * draw[conf] for k in informs}

    monkeypatch.setattr(cal, "simulate_findings", stand_in)
    out = cal.predictive(table, draws=12, replications=2, seed=3)
    assert sorted(out["finding"]) == sorted(cal.INFORMS | cal.HELD_OUT)
    assert list(out["fitted"]) == [k in cal.INFORMS for k in out["finding"]]
    chosen = np.random.default_rng(3).choice(50, size=12, replace=False)
    values = 10 * table[conf].to_numpy()[chosen]
    np.testing.assert_allclose(out["median"], np.median(values))
    np.testing.assert_allclose(out["low"], np.percentile(values, 2.5))
    np.testing.assert_allclose(out["high"], np.percentile(values, 97.5))
    assert seen == [3 + 1000 * k for k in range(12)]
    assert list(out["inside"]) == [bool(lo <= p <= hi) for p, lo, hi in
                                   zip(out["published"], out["low"], out["high"],
                                       strict=True)]


def test_the_shipped_predictive_check_covers_every_informed_finding():
    table = pd.read_csv(posterior_path().with_name("predictive.csv"))
    for sample in ("posterior", "prior"):
        part = table[table["sample"] == sample]
        assert sorted(part["finding"]) == sorted(cal.INFORMS | cal.HELD_OUT)
        assert (part["low"] <= part["median"]).all() and (part["median"] <= part["high"]).all()
    text = posterior_path().with_name("predictive.md").read_text()
    for r in table.itertuples():
        assert f"{r.median:.3f} [{r.low:.3f}, {r.high:.3f}]" in text
