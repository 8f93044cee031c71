"""The statistics users read, against hand computations on small arrays: Hedges' g with its
small-sample correction, pooled SD and interval (virtual trials); t intervals, paired and
Welch differences, cost per isolate avoided and its interval (staffing reports)."""

import math

import numpy as np
import pytest
from sweeps import synthetic_sweep

from sim.studies.sweep.report import _ci, _welch, plan_table
from sim.studies.trials import _hedges

T_975 = {2: 4.302652729911275, 3: 3.182446305284263}  # Student t quantiles (tables)


def test_hedges_g_by_hand():
    """Two replications of paired treated/control children.

    differences: replication 1 (1-0, 2-1, 3-1) -> mean 4/3; replication 2 (2-1, 4-2) -> 3/2;
    mean difference 17/12. Treated values 1, 2, 3, 2, 4: mean 2.4, variance 5.2 / 4 = 1.3;
    control 0, 1, 1, 1, 2: mean 1, variance 2 / 4 = 0.5; pooled SD sqrt((1.3 + 0.5) / 2) =
    sqrt(0.9). n_T = n_C = 5: J = 1 - 3 / (4 * 10 - 9) = 28 / 31. SE of the mean difference
    over replications: SD(4/3, 3/2) / sqrt(2) = (1/6 / sqrt(2)) / sqrt(2) = 1/12."""
    treat = [np.array([1.0, 2, 3]), np.array([2.0, 4])]
    control = [np.array([0.0, 1, 1]), np.array([1.0, 2])]
    row = _hedges(treat, control)
    sd, j, diff, se = math.sqrt(0.9), 28 / 31, 17 / 12, 1 / 12
    assert row["difference"] == pytest.approx(diff, rel=1e-12)
    assert row["sd"] == pytest.approx(sd, rel=1e-12)
    assert row["mean_treated"] == pytest.approx(2.4) and row["mean_control"] == pytest.approx(1)
    assert row["n_children"] == 5 and row["replications"] == 2
    g = j * diff / sd
    assert row["g"] == pytest.approx(g, rel=1e-12)
    assert row["ci_low"] == pytest.approx(g - 1.96 * j * se / sd, rel=1e-12)
    assert row["ci_high"] == pytest.approx(g + 1.96 * j * se / sd, rel=1e-12)


def test_hedges_ignores_missing_values_pairwise():
    """A NaN (e.g. felt stigma of a child not left behind) drops that pair only."""
    treat = [np.array([1.0, np.nan, 3]), np.array([2.0, 4])]
    control = [np.array([0.0, 5, 1]), np.array([1.0, 2])]
    row = _hedges(treat, control)
    assert row["n_children"] == 4
    # replication 1: (1 - 0, 3 - 1) -> 1.5; replication 2: 1.5
    assert row["difference"] == pytest.approx(1.5)
    assert row["ci_low"] == pytest.approx(row["g"]) == pytest.approx(row["ci_high"])


def test_t_interval_by_hand():
    """1, 2, 3, 4: mean 2.5, SD sqrt(5/3), half-width t(0.975, 3) SD / 2."""
    mean, lo, hi = _ci(np.array([1.0, 2, 3, 4, np.nan]))
    half = T_975[3] * math.sqrt(5 / 3) / 2
    assert mean == 2.5 and lo == pytest.approx(2.5 - half) and hi == pytest.approx(2.5 + half)


def test_welch_difference_by_hand():
    """a = 1, 2, 3 (variance 1), b = 2, 4, 6, 8 (variance 20/3): difference -3, standard
    error sqrt(1/3 + 5/3) = sqrt(2), Welch-Satterthwaite df = 2^2 / ((1/3)^2 / 2 + (5/3)^2
    / 3)."""
    from scipy import stats

    diff, lo, hi = _welch(np.array([1.0, 2, 3]), np.array([2.0, 4, 6, 8]))
    df = 4 / ((1 / 3) ** 2 / 2 + (5 / 3) ** 2 / 3)
    half = stats.t.ppf(0.975, df) * math.sqrt(2)
    assert df == pytest.approx(4.0755, abs=1e-4)
    assert diff == -3 and lo == pytest.approx(-3 - half) and hi == pytest.approx(-3 + half)


def test_cost_per_isolate_avoided_and_its_interval_by_hand(tmp_path):
    """Control isolates 10, 12, 11; with 2 workers 7, 8, 9: paired differences -3, -4, -2
    (mean -3, SD 1), 95% interval -3 +- t(0.975, 2) / sqrt(3); 3 isolates avoided at
    2 x 60,000 yuan: 40,000 yuan each, interval 120,000 / (3 +- half-width)."""
    out = synthetic_sweep(tmp_path, {0: [10, 12, 11], 1: [7, 8, 9]})
    table = plan_table(out)
    r = table[(table.point == 1) & (table.outcome == "isolates_lb")].iloc[0]
    half = T_975[2] / math.sqrt(3)
    assert r.difference == pytest.approx(-3)
    assert r.diff_low == pytest.approx(-3 - half) and r.diff_high == pytest.approx(-3 + half)
    assert r.cost_per_year == 120_000
    assert r.isolates_avoided == pytest.approx(3)
    assert r.cost_per_isolate_avoided == pytest.approx(40_000)
    assert r.cpia_low == pytest.approx(120_000 / (3 + half))
    assert r.cpia_high == pytest.approx(120_000 / (3 - half))
    control = table[(table.point == 0) & (table.outcome == "isolates_lb")].iloc[0]
    assert control.difference == 0 and np.isnan(control.cost_per_isolate_avoided)


def test_unpaired_report_uses_welch_by_hand(tmp_path):
    """Without common seeds the plan is compared with the control by Welch's t."""
    from scipy import stats

    out = synthetic_sweep(tmp_path, {0: [10, 12, 11], 1: [7, 8, 12]}, common=False)
    r = plan_table(out).query("point == 1 and outcome == 'isolates_lb'").iloc[0]
    va, vb = np.var([7, 8, 12], ddof=1) / 3, np.var([10, 12, 11], ddof=1) / 3
    df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 2)
    half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
    assert r.difference == pytest.approx(9 - 11)
    assert r.diff_low == pytest.approx(-2 - half) and r.diff_high == pytest.approx(-2 + half)
