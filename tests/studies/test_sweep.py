"""Sweeps: same results on any executor, resumable, failures recorded, bad specs refused."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.main import app
from sim.studies.sweep import design, store
from sim.studies.sweep.spec import SweepError, load_spec
from sim.studies.sweep.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "experiments" / "smoke.yaml"
runner = CliRunner()


def rows(folder) -> pd.DataFrame:
    table = store.read(folder).drop(columns=["error"])
    return table.sort_values(["run", "week"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweeps") / "one-worker"
    counts = run_sweep(SMOKE, out, workers=1)
    assert (counts.runs, counts.done, counts.failed, counts.skipped) == (12, 12, 0, 0)
    return rows(out)


def test_smoke_rows_have_parameters_seed_and_version(reference):
    assert set(reference["run"]) == set(range(12))
    assert sorted(reference["week"].unique()) == [0, 4, 8, 12]  # every 4 weeks and the last
    for col in ("param:population.left_behind_share", "param:interventions.0.group_size",
                "seed", "lbsim_version", "density", "confidence_lb"):
        assert col in reference
    assert (reference["status"] == "done").all()
    assert reference.drop_duplicates("run")["seed"].nunique() == 12


@pytest.mark.slow
def test_two_workers_and_dask_give_identical_rows(reference, tmp_path):
    run_sweep(SMOKE, tmp_path / "two", workers=2)
    pd.testing.assert_frame_equal(rows(tmp_path / "two"), reference)
    run_sweep(SMOKE, tmp_path / "dask", dask_local=2)
    pd.testing.assert_frame_equal(rows(tmp_path / "dask"), reference)


def one_run_batches(tmp_path) -> Path:
    """The smoke spec with batches of one run: 12 batches, each run simulated alone."""
    alone = tmp_path / "alone.yaml"
    alone.write_text(SMOKE.read_text().replace("batch_size: 3", "batch_size: 1")
                     .replace("../scenarios", str(ROOT / "scenarios")))
    return alone


@pytest.mark.slow
def test_killed_sweep_resumes_to_exactly_the_uninterrupted_rows(reference, tmp_path):
    spec = one_run_batches(tmp_path)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim.cli.main", "sweep", str(spec), "--out", str(out),
           "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(store.finished(out)) < 2 and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before it could be killed mid-way"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = store.finished(out)
    assert 1 <= len(done_before) < 12, "the kill should land mid-sweep"
    result = runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"{len(done_before)} skipped" in result.output
    assert not list(out.glob(".*.tmp"))  # no half-written batch left behind
    pd.testing.assert_frame_equal(rows(out), reference)


def write_spec(tmp_path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(f"base: {ROOT / 'scenarios' / 'single_class.yaml'}\n" + text)
    return path


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    # each value is valid alone; mean 30 with min 35 is not: those runs fail
    spec = write_spec(tmp_path, "name: f\nweeks: 2\nbatch_size: 2\n"
                      "overrides: {network.burn_in_years: 0.1}\n"
                      "parameters:\n  population.class_size.mean: {values: [30, 45]}\n"
                      "  population.class_size.min: {values: [25, 35]}\n")
    counts = run_sweep(spec, tmp_path / "out", workers=1)
    assert (counts.runs, counts.done, counts.failed, counts.skipped) == (4, 3, 1, 0)
    table = store.read(tmp_path / "out")
    failed = table[table["status"] == "failed"]
    assert len(failed) == 1
    assert "needs min <= mean <= max" in failed["error"].iloc[0]
    assert failed["param:population.class_size.min"].iloc[0] == 35


@pytest.mark.parametrize("body, message", [
    ("parameters:\n  population.left_behnd_share: {values: [0.1]}\n",
     "did you mean 'left_behind_share'"),
    ("parameters:\n  population.left_behind_share: {values: [1.5]}\n",
     "must be between 0 and 1"),
    ("design: sobol\nparameters:\n  population.left_behind_share: {values: [0.1]}\n",
     "needs 'low' and 'high'"),
    ("parameters: {}\noutcomes: [densty]\n", "unknown outcome 'densty'. Did you mean 'density'"),
    ("parameters:\n  population.left_behind_share: {low: 0.5, high: 0.1}\n",
     "'low' must be below 'high'"),
])
def test_bad_spec_is_rejected_before_any_run(tmp_path, body, message):
    spec = write_spec(tmp_path, "name: bad\n" + body)
    with pytest.raises(SweepError, match=message):
        load_spec(spec)
    result = runner.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and message.split("'")[0] in result.output
    assert not (tmp_path / "out").exists()


def test_every_problem_of_a_spec_is_named_at_once_with_the_sweep_keys(tmp_path):
    spec = write_spec(tmp_path, "name: typos\nreplicatons: 3\nwibble: 1\ndesign: morris\n"
                      "parameters:\n  population.left_behnd_share: {low: 0.1, high: 0.5}\n"
                      "  network.rate: {lowx: 4, high: 8}\n"
                      "  interventions.0.group_size: {values: [4, 8]}\n"
                      "outcomes: [densty]\n")
    with pytest.raises(SweepError) as caught:
        load_spec(spec)
    lines = str(caught.value).splitlines()
    assert lines[0].endswith("(7 problems):")  # network.rate also lacks its low
    expected = ["replicatons: 3 — unknown key; did you mean 'replications'?",
                "parameters.network.rate.lowx: 4 — unknown key; did you mean 'low'?",
                "did you mean 'left_behind_share'?",
                "interventions.0.group_size: {'values': [4, 8]} — design 'morris' needs 'low'",
                "outcomes: unknown outcome 'densty'. Did you mean 'density'?"]
    for words in expected:
        assert sum(words in line for line in lines[1:]) == 1, (words, lines)
    wibble = next(line for line in lines if line.startswith("wibble"))
    assert "allowed: name, base, design, samples, parameters, replications" in wibble
    assert "population" not in wibble  # the sweep's keys, not a scenario's


def test_changed_spec_is_refused(tmp_path):
    spec = write_spec(tmp_path, "name: a\nweeks: 1\noverrides: {network.burn_in_years: 0.1}\n"
                      "parameters:\n  population.left_behind_share: {values: [0.2]}\n")
    run_sweep(spec, tmp_path / "out", workers=1)
    spec.write_text(spec.read_text().replace("[0.2]", "[0.3]"))
    with pytest.raises(ValueError, match="different spec"):
        run_sweep(spec, tmp_path / "out", workers=1)


def test_designs(tmp_path):
    spec = write_spec(tmp_path, "name: d\ndesign: lhs\nsamples: 10\nparameters:\n"
                      "  population.left_behind_share: {low: 0.1, high: 0.5}\n"
                      "  network.rate: {low: 4.0, high: 8.0}\n")
    s, _ = load_spec(spec)
    pts = design.points(s)
    shares = sorted(p["population.left_behind_share"] for p in pts)
    assert len(pts) == 10 and 0.1 <= shares[0] and shares[-1] <= 0.5
    # a Latin hypercube has one point in each tenth of each range
    assert sorted(int((v - 0.1) / 0.04) for v in shares) == list(range(10))
    s = s.model_copy(update={"design": "sobol", "samples": 4})
    assert len(design.points(s)) == 4 * (2 * 2 + 2)


def test_query_command(reference, tmp_path):
    run_sweep(SMOKE, tmp_path / "q", workers=1)
    result = runner.invoke(app, ["query", str(tmp_path / "q"),
                                 "SELECT count(DISTINCT run) AS runs FROM runs"])
    assert result.exit_code == 0 and "12" in result.output
    result = runner.invoke(app, ["query", str(tmp_path / "q"), "SELEC nonsense"])
    assert result.exit_code == 2 and "query failed" in result.output


def test_runs_simulated_together_equal_runs_alone(reference, tmp_path):
    """The smoke batches stack each point's 3 replications in one model; batches of one
    run each must give the same rows."""
    run_sweep(one_run_batches(tmp_path), tmp_path / "alone", workers=1)
    pd.testing.assert_frame_equal(rows(tmp_path / "alone"), reference)


def test_common_seeds_share_the_world_before_week_one(tmp_path):
    text = ("name: crn\ndesign: grid\nparameters:\n"
            "  interventions.0.group_size: {values: [3, 10]}\n"
            "replications: 3\nseed: 5\nweeks: 10\ncommon_seeds: true\nbatch_size: {b}\n"
            "every: 10\noverrides:\n  network.burn_in_years: 0.3\n"
            "  interventions.0.start_week: 2\n"
            "outcomes: [ties, indegree_lb, confidence_lb]\n")
    tables = []
    for b in (6, 1):  # a replication's two points in one batch (sharing a start), or alone
        path = write_spec(tmp_path, text.replace("{b}", str(b)))
        run_sweep(path, tmp_path / f"b{b}", workers=1)
        tables.append(rows(tmp_path / f"b{b}"))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    table = tables[0]
    start = table[table["week"] == 0].pivot(index="replication", columns="point")
    end = table[table["week"] == 10].pivot(index="replication", columns="point")
    assert (start["seed"][0] == start["seed"][1]).all()
    assert start["seed"][0].nunique() == 3
    pd.testing.assert_series_equal(start["ties"][0], start["ties"][1], check_names=False)
    assert (end["confidence_lb"][0] != end["confidence_lb"][1]).any()


def test_a_batch_killed_mid_write_leaves_nothing_after_resume(reference, tmp_path):
    """A SIGKILL between writing a batch's temporary file and renaming it leaves that file
    behind; the next run removes it and runs the batch again."""
    out = tmp_path / "partial"
    run_sweep(SMOKE, out, workers=1)
    store.batch_path(out, 2).rename(out / ".batch-000002.parquet.999.tmp")
    counts = run_sweep(SMOKE, out, workers=1)
    assert counts.skipped == 9 and counts.done == 3
    assert not list(out.glob(".*.tmp"))
    pd.testing.assert_frame_equal(rows(out), reference)


# --- whole-number parameters and sensitivity analysis ----------------------------------

def test_whole_gives_every_whole_number_an_equal_share_of_the_unit_interval():
    u = (np.arange(70_000) + 0.5) / 70_000
    counts = np.bincount(design.whole(u, 4, 10))[4:]
    assert counts.tolist() == [10_000] * 7
    assert design.whole(np.array([0.0, 1.0]), 4, 10).tolist() == [4, 10]


def test_sampled_designs_give_whole_numbers_where_the_scenario_takes_them(tmp_path):
    spec = write_spec(tmp_path, "name: w\ndesign: lhs\nsamples: 14\nparameters:\n"
                      "  interventions.0.group_size: {low: 4, high: 10}\n"
                      "  population.left_behind_share: {low: 0.1, high: 0.5}\n")
    s, _ = load_spec(spec)
    assert s.parameters["interventions.0.group_size"].integer is True
    assert s.parameters["population.left_behind_share"].integer is None
    pts = design.points(s)
    sizes = [p["interventions.0.group_size"] for p in pts]
    assert all(type(v) is int for v in sizes)
    # a Latin hypercube of 14 points puts two in each seventh: each size twice
    assert sorted(sizes) == sorted(list(range(4, 11)) * 2)
    assert all(type(p["population.left_behind_share"]) is float for p in pts)
    for kind, n in (("sobol", 4), ("morris", 6)):
        pts = design.points(s.model_copy(update={"design": kind, "samples": n}))
        assert {type(p["interventions.0.group_size"]) for p in pts} == {int}
        assert {p["interventions.0.group_size"] for p in pts} <= set(range(4, 11))
    # Morris: levels 4, 6, 8, 10 and every step of group size is two levels (+-4)
    pts = design.points(s.model_copy(update={"design": "morris", "samples": 6}))
    sizes = np.array([p["interventions.0.group_size"] for p in pts]).reshape(6, 3)
    assert set(sizes.ravel()) <= {4, 6, 8, 10}
    steps = np.diff(sizes, axis=1).ravel()
    assert set(np.abs(steps[steps != 0])) == {4} and (steps != 0).sum() == 6


def test_bounds_of_a_whole_number_parameter_must_be_whole(tmp_path):
    spec = write_spec(tmp_path, "name: w\ndesign: sobol\nparameters:\n"
                      "  interventions.0.group_size: {low: 4.5, high: 10}\n")
    with pytest.raises(SweepError, match="takes whole numbers: give whole numbers"):
        load_spec(spec)


def test_a_tiny_morris_version_of_the_shipped_spec_runs_through_analyze(tmp_path):
    """The shipped Morris spec, shrunk (2 trajectories, 3 weeks, 1 replication), runs and
    `lbsim analyze` reads it; its mu* and sigma equal the elementary effects worked out by
    hand from the stored rows (|change of the outcome| / (2/3), the step of 2 of 4 levels)."""
    import yaml

    shipped = yaml.safe_load((ROOT / "experiments" / "morris_growth_group.yaml").read_text())
    assert shipped["design"] == "morris"
    tiny = {**shipped, "base": str(ROOT / "scenarios" / "single_class.yaml"), "samples": 2,
            "weeks": 3, "replications": 1, "overrides": {"network.burn_in_years": 0.1,
                                                         "interventions.0.start_week": 1}}
    spec = tmp_path / "tiny.yaml"
    spec.write_text(yaml.safe_dump(tiny))
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["analyze", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "analysis" / "indices.csv")
    names = list(shipped["parameters"])
    assert len(table) == len(names) * len(shipped["outcomes"])
    assert (table["mu_star"] > 0).sum() > len(table) // 2  # the parameters do act
    done = store.read(out)
    last = done[done["week"] == done["week"].max()].sort_values("point")
    x = last[[f"param:{k}" for k in names]].to_numpy(float).reshape(2, len(names) + 1, -1)
    for outcome in shipped["outcomes"]:
        y = last[outcome].to_numpy(float).reshape(2, len(names) + 1)
        effects = {k: [] for k in range(len(names))}
        for t in range(2):
            for step in range(len(names)):
                moved = np.flatnonzero(x[t, step + 1] != x[t, step])
                assert len(moved) == 1  # one parameter per step, integers included
                sign = np.sign(x[t, step + 1, moved[0]] - x[t, step, moved[0]])
                effects[moved[0]].append(sign * (y[t, step + 1] - y[t, step]) / (2 / 3))
        rows = table[table["outcome"] == outcome].set_index("parameter")
        for k, name in enumerate(names):
            ee = np.array(effects[k])
            assert rows.loc[name, "mu_star"] == pytest.approx(np.abs(ee).mean(), abs=1e-12)
            assert rows.loc[name, "sigma"] == pytest.approx(ee.std(ddof=1), abs=1e-12)


def test_a_whole_number_read_back_as_a_float_sets_a_whole_number_setting():
    """Parquet gives a row of mixed parameters as floats: 4.0 for a group size is 4 (the
    report's --dose on such a parameter), 6.0 for a rate stays 6.0, 2.5 is refused."""
    from sim.studies.sweep.spec import scenario_from
    from sim.world.scenario import ScenarioError, load_scenario

    base = load_scenario(ROOT / "scenarios" / "single_class.yaml").model_dump(mode="json")
    s = scenario_from(base, {"interventions.0.group_size": 4.0, "network.rate": 6.0})
    assert s.interventions[0].group_size == 4 and s.network.rate == 6.0
    with pytest.raises(ScenarioError, match="whole number"):
        scenario_from(base, {"interventions.0.group_size": 2.5})
