"""``lbsim report`` (staffing plans against no staffing) and ``lbsim analyze`` (SALib
indices), checked against the rows they summarise."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import assert_drawn
from scipy import stats
from sweeps import staffing_sweep
from typer.testing import CliRunner

from sim.cli.main import app
from sim.studies.sweep import store
from sim.studies.sweep.analyze import indices
from sim.studies.sweep.plans import NOT_ESTIMABLE, distinct_plans
from sim.studies.sweep.report import ReportError, load, plan_table
from sim.studies.sweep.runner import run_seed
from sim.studies.sweep.spec import scenario_from
from sim.studies.sweep.sweep import run_sweep
from sim.world.interventions import group_members
from sim.world.model import PeerNetworkModel

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    return staffing_sweep(tmp_path_factory.mktemp("staffing"))


def test_plans_are_compared_with_no_staffing_paired_by_replication(paired):
    table = plan_table(paired)
    rows = store.read(paired)
    assert set(table["time"]) == {"end", "follow_up"}
    assert set(table["week"]) == {10, 14}
    iso = table[table["outcome"] == "isolates_lb"]
    assert len(iso) == 6 * 2
    for _, r in iso.iterrows():
        week = rows[rows["week"] == r.week]
        mine = week[week["point"] == r.point].set_index("replication")["isolates_lb"]
        ctrl = week[week["point"] == r.control_point].set_index("replication")["isolates_lb"]
        # the control is no staffing with the same placement
        control_params = week[week["point"] == r.control_point].iloc[0]
        assert control_params["param:interventions.0.workers"] == 0
        assert control_params["param:interventions.0.placement"] == r[
            "interventions.0.placement"]
        diffs = (mine - ctrl).to_numpy()
        assert r["mean"] == pytest.approx(mine.mean())
        assert r.difference == pytest.approx(diffs.mean())
        half = stats.t.ppf(0.975, 3) * diffs.std(ddof=1) / 2  # 4 replications
        assert r.diff_low == pytest.approx(diffs.mean() - half, abs=1e-9)
        assert r.diff_high == pytest.approx(diffs.mean() + half, abs=1e-9)
        workers = r["interventions.0.workers"]
        assert r.cost_per_year == workers * 60000.0
        avoided = -diffs.mean()
        # a cost per isolate only where the interval of isolates avoided excludes 0
        expected = r.cost_per_year / avoided if workers and r.diff_high < 0 else np.nan
        assert r.isolates_avoided == pytest.approx(avoided)
        assert r.cost_per_isolate_avoided == pytest.approx(expected, nan_ok=True)
        if r.diff_high < 0 and workers:
            assert r.cpia_high >= r.cost_per_isolate_avoided >= r.cpia_low
        if workers == 0:
            assert r.difference == 0
    six = iso[(iso["interventions.0.workers"] == 6) & (iso["time"] == "end")]
    assert (six["replications"] == 4).all()
    # six workers reach more LBC than two (more groups, more members), in either placement:
    # the plans' own counties (the sweep's scenario and seeds) at the first session
    meta, _ = load(paired)
    seeds = [run_seed(meta["spec"]["seed"], r) for r in range(4)]
    for placement in ("one_per_school", "shared"):
        reached = {}
        for workers in (2, 6):
            m = PeerNetworkModel(scenario_from(meta["base"], {
                "interventions.0.workers": workers, "interventions.0.placement": placement}),
                replicas=seeds, collect=False, agents=False)
            m.run(3)
            members = group_members(m)
            assert m.population.lb[members].all()
            reached[workers] = len(members)
        assert reached[6] > reached[2] > 0, (placement, reached)


def test_unpaired_sweeps_compare_means(tmp_path):
    out = staffing_sweep(tmp_path, common=False)
    table = plan_table(out)
    rows = store.read(out)
    r = table[(table["outcome"] == "indegree_lb") & (table["point"] == 1)
              & (table["time"] == "end")].iloc[0]
    week = rows[rows["week"] == 10]
    a = week[week["point"] == 1]["indegree_lb"]
    b = week[week["point"] == r["control_point"]]["indegree_lb"]
    assert r["difference"] == pytest.approx(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    assert r["diff_low"] == pytest.approx(a.mean() - b.mean() - half)
    assert r["diff_high"] == pytest.approx(a.mean() - b.mean() + half)


def test_report_command_writes_tables_and_a_dose_response_figure(paired):
    result = runner.invoke(app, ["report", str(paired)])
    assert result.exit_code == 0, result.output
    assert "Yuan per isolate avoided" in result.output
    assert "2 social workers, shared between schools" in result.output
    table = plan_table(paired)
    spans = table[(table["outcome"] == "isolates_lb") & (table["diff_high"] >= 0)
                  & (table["cost_per_year"] > 0)]
    assert len(spans) and spans["cost_per_isolate_avoided"].isna().all()
    # one line per distinct plan: 6 shared workers in 6 schools are 6 one per school
    plans = distinct_plans(table, table.attrs["base"])
    spans = plans[(plans["outcome"] == "isolates_lb") & (plans["diff_high"] >= 0)
                  & (plans["cost_per_year"] > 0)]
    assert result.output.count(NOT_ESTIMABLE) == len(spans)
    table = pd.read_csv(paired / "report" / "plans.csv")
    assert {"cost_per_isolate_avoided", "ci_low", "diff_high"} <= set(table.columns)
    assert_drawn(paired / "report" / "dose_response.png")
    assert "<table class=\"plans\">" in (paired / "report" / "report.html").read_text()


def test_report_refuses_what_it_cannot_report(tmp_path, paired):
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "not a sweep folder" in result.output
    assert not (tmp_path / "report").exists()
    result = runner.invoke(app, ["report", str(paired), "--dose", "population.schools"])
    assert result.exit_code == 2 and "not a parameter" in result.output
    with pytest.raises(ReportError, match="week 7 was not kept"):
        plan_table(paired, end_week=7)
    with pytest.raises(ReportError, match="sobol or morris"):
        indices(paired)


SENSITIVITY = """name: sens
base: {base}
design: DESIGN
samples: 4
parameters:
  network.effects.density: {{low: -2.2, high: -1.0}}
  interventions.0.hours_per_session: {{low: 1.0, high: 4.0}}
replications: 1
common_seeds: true
seed: 4
weeks: 6
overrides:
  population.class_size.mean: 25
  network.burn_in_years: 0.2
  interventions.0.start_week: 30
outcomes: [density, ties]
batch_size: 40
"""


@pytest.mark.parametrize("kind", ["sobol", "morris"])
def test_sensitivity_finds_the_parameter_that_matters(tmp_path, kind):
    """Density's parameter drives ties; the session length of a group that never meets
    (it starts after the last week) cannot: with common seeds its index is exactly 0."""
    spec = tmp_path / "sens.yaml"
    spec.write_text(SENSITIVITY.format(base=ROOT / "scenarios" / "single_class.yaml")
                    .replace("DESIGN", kind))
    run_sweep(spec, tmp_path / "out", workers=1)
    result = runner.invoke(app, ["analyze", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "analysis" / "indices.csv").set_index(
        ["outcome", "parameter"])
    strong = table.loc[("ties", "network.effects.density")]
    null = table.loc[("ties", "interventions.0.hours_per_session")]
    if kind == "sobol":
        assert strong["ST"] > 0.5 and null["ST"] == 0 and null["S1"] == 0
    else:
        assert strong["mu_star"] > 5 and null["mu_star"] == 0 and null["sigma"] == 0
    assert_drawn(tmp_path / "out" / "analysis" / "indices.png")


def test_report_page_is_the_same_bytes_when_made_again(paired, tmp_path):
    """Same sweep, same page: the embedded SVG carries no drawing date and no random ids."""
    pages = []
    for k in range(2):
        out = tmp_path / f"again{k}"
        result = runner.invoke(app, ["report", str(paired), "--out", str(out)])
        assert result.exit_code == 0, result.output
        pages.append((out / "report.html").read_bytes())
    assert b"data:image/svg+xml;base64," in pages[0]
    assert pages[0] == pages[1]
