"""Simulation-based calibration of the calibration (sim.studies.evidence.sbc): the reference-table
machinery on toy models with known posteriors, on lbsim's simulator, and the shipped
results in sim/data/sbc."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.studies.evidence import calibration as cal
from sim.studies.evidence import sbc as cc
from sim.studies.evidence.spec import load_findings

SBC = resources.files("sim") / "data" / "sbc"


def linear_gaussian(n: int, seed: int, noise: float = 0.1):
    """Two parameters uniform on [0, 1]; figures x = a + b / 2 and y = b, each with normal
    noise of SD ``noise`` (the distance's SE): (parameters, figures, SEs)."""
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 1, (n, 2))
    sims = theta @ np.array([[1, 0], [0.5, 1]]) + rng.normal(0, noise, (n, 2))
    return (pd.DataFrame(theta, columns=["a", "b"]), pd.DataFrame(sims, columns=["x", "y"]),
            {"x": noise, "y": noise})


def agrees(hits: int, n: int, expected: float) -> bool:
    """Two-sided exact binomial test at 0.001: coverage consistent with the expected rate."""
    return stats.binomtest(hits, n, expected).pvalue > 1e-3


def coverage_agrees(summary: pd.DataFrame) -> bool:
    return all(agrees(round(r[f"coverage_{c:g}"] * r["truths"]), r["truths"],
                      r[f"expected_{c:g}"]) and r["rank_p"] > 1e-3
               for r in summary.to_dict("records") for c in cc.LEVELS)


def test_uninformative_figures_give_the_prior_and_the_exact_discrete_coverage():
    """Figures independent of the parameter: the exact posterior is the prior, which
    rejection ABC returns at any tolerance; with 7 accepted values the 90% interval is
    [min, max], holding the truth with probability 6/8, not 0.9."""
    rng = np.random.default_rng(4)
    params = pd.DataFrame({"a": rng.uniform(0, 1, 2000)})
    figures = pd.DataFrame({"x": rng.normal(0, 1, 2000)})
    ranks = cc.sbc(params, figures, {"x": 1.0}, accept=7)
    assert cc.expected_coverage(0.9, 7) == 0.75 and cc.expected_coverage(0.5, 7) == 0.5
    assert cc.expected_coverage(0.9, 19) == pytest.approx(0.9)
    assert cc.expected_coverage(0.5, 39) == pytest.approx(0.5)
    summary = cc.summarise(ranks, 7, {"a": 1 / np.sqrt(12)}, bins=8)
    assert coverage_agrees(summary)
    assert summary["sd_ratio"].iloc[0] == pytest.approx(1, abs=0.05)


@pytest.mark.parametrize("adjust", [False, True])
def test_a_linear_gaussian_model_is_covered_at_the_nominal_rate(adjust):
    params, figures, se = linear_gaussian(20000, 1)
    ranks = cc.sbc(params, figures, se, accept=99, truths=range(600), adjust=adjust)
    summary = cc.summarise(ranks, 99, {"a": 1 / np.sqrt(12), "b": 1 / np.sqrt(12)})
    assert (summary["expected_0.5"] == 0.5).all() and (summary["expected_0.9"] == 0.9).all()
    assert coverage_agrees(summary), summary
    # the exact posterior SD of b is at most 0.1 (its SE; less near the bounds), of a about
    # 0.11 (less near the bounds); the prior SD is 0.29
    assert summary["sd_ratio"].between(0.25, 0.5).all(), summary


def test_observations_noisier_than_the_model_are_detected():
    """Targets with three times the model's noise: the posterior is too narrow for the
    truths, coverage falls clearly below nominal and the summary flags it."""
    params, figures, se = linear_gaussian(20000, 2)
    truths = np.arange(400)
    noisy = figures.to_numpy()[truths] + np.random.default_rng(3).normal(0, 0.3, (400, 2))
    ranks = cc.sbc(params, figures, se, accept=99, truths=truths, observed=noisy)
    summary = cc.summarise(ranks, 99, {"a": 1 / np.sqrt(12), "b": 1 / np.sqrt(12)})
    assert summary["below_0.5"].all() and summary["below_0.9"].all(), summary
    assert (summary["coverage_0.5"] < 0.35).all()
    assert not coverage_agrees(summary)


def test_the_truths_own_row_is_never_accepted():
    """Noise-free figures equal to the parameter on a grid: leaving the truth out, its two
    neighbours are accepted (rank 1, SD sqrt 2); its own row would be at distance 0."""
    grid = np.arange(50.0)
    ranks = cc.sbc(pd.DataFrame({"a": grid}), pd.DataFrame({"x": grid}), {"x": 1.0},
                   accept=2, truths=range(1, 49))
    assert (ranks["rank"] == 1).all()
    assert np.allclose(ranks["posterior_sd"], np.sqrt(2))
    sims = grid[:, None]
    for t in range(50):
        assert t not in cc.nearest(sims, sims[t], np.ones(1), 3, exclude=t)


def test_regression_adjustment_removes_an_exact_linear_dependence():
    rng = np.random.default_rng(5)
    s = rng.normal(0, 1, (30, 2))
    theta = np.column_stack([2 + s @ [0.3, -0.2], 1 - s[:, 1]])
    adjusted = cc.regression_adjust(theta, s, np.zeros(2), np.ones(2))
    assert np.allclose(adjusted, [[2, 1]] * 30)


def test_bad_settings_are_refused():
    params, figures, se = linear_gaussian(10, 1)
    with pytest.raises(ValueError, match="accept must be 1 to 8"):
        cc.sbc(params, figures, se, accept=9)
    ranks = cc.sbc(params, figures, se, accept=4)
    with pytest.raises(ValueError, match="not divisible into 10"):
        cc.summarise(ranks, 4, {"a": 1.0, "b": 1.0})


def test_distances_are_the_calibrations_distance():
    findings, _ = load_findings()
    published = cal.targets(findings)
    names = list(published)
    rng = np.random.default_rng(6)
    rows = rng.normal(0.2, 0.2, (5, len(names)))
    rows[2, 1] = np.nan
    got = cc.distances(rows, np.array([published[k].estimate for k in names]),
                       np.array([published[k].se for k in names]))
    want = [cal.distance(dict(zip(names, r, strict=True)), published) for r in rows]
    assert np.allclose(got, want) and got[2] == np.inf


def test_a_reference_table_is_seeded_and_holds_the_simulated_findings():
    key = "huang2022_support_loneliness"
    informs = {key: cal.INFORMS[key]}
    a = cc.reference_table(2, 5, 1, informs)
    assert a.equals(cc.reference_table(2, 5, 1, informs))
    assert not a.equals(cc.reference_table(2, 6, 1, informs))
    params, figures = cc.split(a)
    assert list(params.columns) == [p.path for p in cc.PARAMETERS]
    findings, worlds = load_findings()
    direct = cal.simulate_findings(params.iloc[1].to_dict(), findings, worlds, 1,
                                   cc.row_seed(5, 1), informs)
    assert figures[key].iloc[1] == direct[key]


@pytest.fixture(scope="module")
def shipped():
    settings = json.loads((SBC / "settings.json").read_text())
    table = pd.read_parquet(SBC / "table.parquet")
    return settings, table


def test_the_shipped_table_is_a_prior_sample_of_the_stated_size(shipped):
    settings, table = shipped
    params, figures = cc.split(table)
    assert len(table) == settings["draws"]
    assert list(figures.columns) == list(cal.INFORMS)
    for a in cc.PARAMETERS:
        assert params[a.path].between(a.low, a.high).all(), a.path
        # uniform over its range (Kolmogorov-Smirnov)
        u = (params[a.path] - a.low) / (a.high - a.low)
        assert stats.kstest(u, "uniform").pvalue > 1e-3, a.path


def test_the_shipped_summary_and_readme_are_the_shipped_tables(shipped):
    settings, table = shipped
    shipped_summary = pd.read_csv(SBC / "summary.csv")
    readme = (SBC / "README.md").read_text()
    assert f"--draws {settings['draws']}" in readme
    for adjust in (False, True):
        accept = settings["adjust_accept" if adjust else "accept"]
        ranks, summary = cc.check(table, accept, adjust=adjust)
        part = shipped_summary[shipped_summary["adjusted"] == adjust].drop(columns="adjusted")
        pd.testing.assert_frame_equal(summary.reset_index(drop=True),
                                      part.reset_index(drop=True), check_dtype=False)
        assert cc.markdown(summary) in readme
        if not adjust:
            pd.testing.assert_frame_equal(ranks, pd.read_csv(SBC / "ranks.csv"),
                                          check_dtype=False)


@pytest.mark.slow
def test_lbsim_best_identified_magnitudes_are_not_under_covered():
    """A small reference table of lbsim's simulator (120 prior draws, 2 replications a
    finding): the three magnitudes the findings identify best (smallest posterior SD /
    prior SD) are covered at no less than the expected rate beyond binomial noise."""
    table = cc.reference_table(120, 11, 2)
    _, summary = cc.check(table, accept=9)
    best = summary.nsmallest(3, "sd_ratio")
    assert (best["sd_ratio"] < 0.9).all(), best
    for r in best.to_dict("records"):
        for c in cc.LEVELS:
            hits = round(r[f"coverage_{c:g}"] * r["truths"])
            low = stats.binomtest(hits, r["truths"], r[f"expected_{c:g}"], alternative="less")
            assert low.pvalue > 1e-3, r


def test_the_posterior_is_the_accepted_rows_nearest_the_published_figures():
    """accepted() keeps the rows with the smallest calibration distance to the published
    figures (brute force with sim.studies.evidence.calibration.distance), in that order; too many
    rows or a
    table without a fitted finding is refused."""
    from sim.studies.evidence.calibration import distance, targets
    from sim.studies.evidence.spec import load_findings

    published = targets(load_findings()[0])
    rng = np.random.default_rng(5)
    n = 60
    params = pd.DataFrame({"a": rng.random(n), "b": rng.random(n)})
    figures = pd.DataFrame({cc.FIGURE + k: t.estimate + t.se * rng.normal(0, 3, n)
                            for k, t in published.items()})
    table = pd.concat([params, pd.DataFrame({"seed": range(n)}), figures], axis=1)
    kept, dist = cc.accepted(table, 7)
    brute = [distance({k: figures[cc.FIGURE + k][i] for k in published}, published)
             for i in range(n)]
    order = np.argsort(brute, kind="stable")[:7]
    np.testing.assert_allclose(dist, np.array(brute)[order])
    pd.testing.assert_frame_equal(kept, params.iloc[order].reset_index(drop=True))
    with pytest.raises(ValueError, match="accept 1 to 60"):
        cc.accepted(table, 61)
    with pytest.raises(ValueError, match="no figure for"):
        cc.accepted(table.drop(columns=[cc.FIGURE + next(iter(published))]), 5)
