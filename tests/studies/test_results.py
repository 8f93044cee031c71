"""The studies' results: frozen, ``to_frame()`` is the data written, ``table()`` is what the
command prints, ``plot()`` the study's figure."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

import sim.data
import sim.studies
from sim.atomic import MANIFEST
from sim.cli.main import app
from sim.studies import robustness as rob
from sim.studies import run as run_module
from sim.studies import scenario_import, trials
from sim.studies.sweep import report, store
from sim.studies.sweep import sweep as sweep_module
from sim.viz.plots import TRAJECTORIES

runner = CliRunner()

SMALL = """name: small
weeks: 6
population: {schools: 1, classes_per_school: 2, class_size: {mean: 20, sd: 0, min: 10}}
network: {burn_in_years: 0.3}
interventions:
  - type: growth_group
    start_week: 1
    acceptance: 1.0
    sessions: [{theme: nice_to_meet_you, stage: thaw}, {theme: flying_with_joy, stage: change}]
"""

COUNTY = """name: tiny_county
weeks: 6
population: {schools: 2, classes_per_school: 1, class_size: {mean: 20, sd: 0, min: 10}}
network: {burn_in_years: 0.3}
interventions:
  - {type: staffing, workers: 1, terms: 1,
     group: {type: growth_group, start_week: 1, acceptance: 1.0}}
"""

STAFFING = """name: tiny_staffing
base: county.yaml
parameters:
  interventions.0.workers: {values: [0, 2]}
replications: 2
seed: 3
at: [4]
outcomes: [isolates_lb, indegree_lb, indegree_gap]
batch_size: 2
magnitudes: defaults
"""


def recorded(monkeypatch, module, name: str) -> list:
    """Wrap ``module.name`` so that what it returns is kept in the list returned."""
    kept, original = [], getattr(module, name)

    def wrapper(*args, **kwargs):
        kept.append(original(*args, **kwargs))
        return kept[-1]

    monkeypatch.setattr(module, name, wrapper)
    return kept


def assert_frozen_copy(result, field: str) -> None:
    """Assigning a field raises; changing ``to_frame()`` leaves the result as it was."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, field, None)
    frame = result.to_frame()
    before = frame.copy()
    frame[frame.columns[0]] = -1
    pd.testing.assert_frame_equal(result.to_frame(), before)


@pytest.fixture()
def small(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def test_every_result_is_exported_from_sim_studies():
    from sim.studies.result import Result

    results = [n for n in sim.studies.__all__ if n.endswith(("Result", "Plan"))]
    assert {"RunResult", "TrialResult", "RobustnessResult", "ImportResult", "SweepResult",
            "SweepPlan", "ReportResult"} <= set(results)
    for name in results:
        kind = getattr(sim.studies, name)
        assert isinstance(kind, type) and (issubclass(kind, Result) or name == "SweepPlan"), name
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        sim.studies.Nothing  # noqa: B018


def test_run_result_is_the_files_written_and_what_run_prints(tmp_path, small, monkeypatch):
    kept = recorded(monkeypatch, run_module, "run_scenario")
    out = tmp_path / "run"
    printed = runner.invoke(app, ["run", str(small), "--out", str(out), "--seed", "2"])
    assert printed.exit_code == 0, printed.output
    (result,) = kept
    assert isinstance(result, sim.studies.RunResult)
    assert printed.stdout == result.table() + "\n"
    assert result.table().startswith("small: 40 children in 2 classes, 6 weeks, seed 2, ")
    pd.testing.assert_frame_equal(result.to_frame(),
                                  pd.read_parquet(out / "timeseries.parquet"))
    assert result.summary == json.loads((out / "summary.json").read_text())
    # every file but the folder's manifest of lbsim's outputs (sim.atomic.MANIFEST)
    assert sorted(result.files) == sorted(p for p in out.iterdir() if p.name != MANIFEST)
    figure = result.plot()
    assert isinstance(figure, Figure)
    assert [ax.get_title() for ax in figure.axes] == [title for _, title in TRAJECTORIES]
    assert_frozen_copy(result, "summary")


def test_trial_result_is_the_effect_sizes_written_and_what_compare_prints(
        tmp_path, small, monkeypatch):
    kept = recorded(monkeypatch, trials, "write_comparison")
    out = tmp_path / "trial"
    printed = runner.invoke(app, ["compare", str(small), "--replications", "2", "--follow-up",
                                  "1", "--magnitudes", "defaults", "--out", str(out)])
    assert printed.exit_code == 0, printed.output
    (result,) = kept
    assert isinstance(result, sim.studies.TrialResult) and result.out == out
    assert printed.stdout == result.table() + "\n"
    assert result.table().startswith(f"small: 2 replications -> {out}\nmagnitudes: ")
    assert (result.to_frame().to_csv(index=False)
            == (out / "effect_sizes.csv").read_text())
    figure = result.plot()
    assert isinstance(figure, Figure) and len(figure.axes) == 1
    assert figure.axes[0].get_title() == "small: 2 replications"
    assert figure.axes[0].get_xlabel().startswith("Hedges' g")
    assert repr(result) == (f"TrialResult(scenario=<Scenario 'small'>, replications=2, "
                            f"effects=<{len(result.effects)} rows>, "
                            f"magnitudes=<Sample>, out={out!r})")
    assert_frozen_copy(result, "effects")


def test_a_trial_not_written_prints_its_effect_sizes_without_a_folder(small):
    from sim.world.scenario import load_scenario

    result = trials.virtual_trial(load_scenario(small), replications=2, follow_up_weeks=1)
    assert result.out is None and "arm" not in result.effects
    lines = result.table().splitlines()
    assert lines[0].startswith("arm") and lines[1].startswith("interventions   child")
    assert len(lines) == 1 + (len(result.effects) - (result.effects["time"] == "pre").sum()) + 1


def stand_in(point, replications, seed, follow_up_weeks):
    """A trial whose g is -10 x the confidence per session, at once."""
    g = -10.0 * point.interventions[0].magnitudes.confidence
    return trials.TrialResult(point, replications, pd.DataFrame(
        [{"level": "child", "outcome": o, "time": t, "g": g}
         for o in rob.OUTCOMES for t in trials.TIMES]))


def test_robustness_result_is_the_indices_written_and_what_robustness_prints(
        tmp_path, small, monkeypatch):
    monkeypatch.setattr(rob, "virtual_trial", stand_in)
    kept = recorded(monkeypatch, rob, "write_robustness")
    out = tmp_path / "rob"
    printed = runner.invoke(app, ["robustness", str(small), "--trajectories", "2",
                                  "--magnitudes", "defaults", "--out", str(out)])
    assert printed.exit_code == 0, printed.output
    (result,) = kept
    assert isinstance(result, sim.studies.RobustnessResult)
    assert printed.stdout == result.table() + "\n"
    assert result.table().startswith(f"small: 2 trajectories -> {out}\n"
                                     f"ranges: the documented ranges")
    pd.testing.assert_frame_equal(result.to_frame(), pd.read_csv(out / "robustness.csv"))
    confidence = result.indices[result.indices["name"] == "confidence per session"]
    np.testing.assert_allclose(confidence["mu_star"], 10 * (0.026 - 0.0065), rtol=1e-9)
    figure = result.plot()
    assert isinstance(figure, Figure)
    titles = [ax.get_title().split("\n")[0] for ax in figure.axes if ax.get_title()]
    assert titles == [o.replace("_", " ") for o in rob.OUTCOMES]
    assert_frozen_copy(result, "indices")


def test_import_result_is_the_class_written_and_what_import_prints(tmp_path, monkeypatch):
    kept = recorded(monkeypatch, scenario_import, "import_scenario")
    matrix = tmp_path / "w1.txt"
    wave = sim.data.load("s50").waves[0]
    np.savetxt(matrix, wave, fmt="%d")
    out = tmp_path / "class.yaml"
    printed = runner.invoke(app, ["import", str(matrix), "--out", str(out)])
    assert printed.exit_code == 0, printed.output
    (result,) = kept
    assert printed.stdout == result.table() + "\n"
    assert (result.children, result.ties) == (50, int(wave.sum()))
    assert result.max_outdegree == int(wave.sum(1).max())
    assert result.to_frame().to_dict("records") == [{
        "out": str(out), "children": 50, "classes": 1, "schools": 1, "ties": int(wave.sum()),
        "max_outdegree": result.max_outdegree}]
    with pytest.raises(TypeError, match="draws no figure"):
        result.plot()
    assert_frozen_copy(result, "children")


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A staffing sweep of 4 runs through ``lbsim sweep`` and ``lbsim report``, with the
    results the commands made and what they printed."""
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "county.yaml").write_text(COUNTY)
    (folder / "staffing.yaml").write_text(STAFFING)
    with pytest.MonkeyPatch.context() as patch:
        sweeps = recorded(patch, sweep_module, "run_sweep")
        reports = recorded(patch, report, "write_report")
        sweep = runner.invoke(app, ["sweep", str(folder / "staffing.yaml"), "--out",
                                    str(folder / "out"), "--workers", "1"])
        made = runner.invoke(app, ["report", str(folder / "out")])
    assert sweep.exit_code == 0 and made.exit_code == 0, sweep.output + made.output
    return folder, sweeps[0], sweep.stdout, reports[0], made.stdout


def test_sweep_result_is_the_runs_stored_and_what_sweep_prints(swept):
    folder, result, printed, _, _ = swept
    assert isinstance(result, sim.studies.SweepResult)
    assert printed == result.table() + "\n"
    assert (result.runs, result.done, result.failed, result.skipped) == (4, 4, 0, 0)
    assert repr(result) == f"SweepResult(out={result.out!r}, runs=4, done=4, failed=0, skipped=0)"
    pd.testing.assert_frame_equal(result.to_frame(), store.read(folder / "out"))
    with pytest.raises(TypeError, match="draws no figure"):
        result.plot()
    assert_frozen_copy(result, "done")


def test_a_sweep_plan_names_its_parts(swept):
    folder = swept[0]
    planned = sweep_module.plan(folder / "staffing.yaml")
    assert isinstance(planned, sim.studies.SweepPlan)
    assert planned.spec.name == "tiny_staffing" and planned.base["name"] == "tiny_county"
    assert planned.runs == len(planned.tasks) == 4
    assert repr(planned) == "SweepPlan(spec='tiny_staffing', runs=4, batches=2)"
    assert [t for b in planned.batches.values() for t in b] == planned.tasks
    with pytest.raises(dataclasses.FrozenInstanceError):
        planned.tasks = []


def test_report_result_is_the_plans_written_and_what_report_prints(swept):
    folder, _, _, result, printed = swept
    assert isinstance(result, sim.studies.ReportResult)
    assert printed == result.table() + "\n"
    assert result.table().endswith(f"-> {folder / 'out' / 'report'} (report.html, plans.csv, "
                                   f"dose_response.png)")
    assert (result.to_frame().to_csv(index=False)
            == (folder / "out" / "report" / "plans.csv").read_text())
    assert result.to_frame().attrs["dose"] == "interventions.0.workers"
    figure = result.plot()
    assert isinstance(figure, Figure)
    titles = [ax.get_title().split(" (")[0] for ax in figure.axes if ax.get_title()]
    assert list(dict.fromkeys(titles)) == [
        "Left-behind isolates avoided", "Change in the in-degree gap",
        "Cost per isolate avoided"]
    assert_frozen_copy(result, "plans")
