"""lbsim never deletes what a user put in a folder: every command that writes refuses a
folder that is not empty unless --overwrite, and then replaces only lbsim's own files
(sim.atomic); results still appear complete or not at all."""

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import sim.atomic as atomic
from sim.atomic import MANIFEST, FolderError, atomic_folder
from sim.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

SCENARIO = {"name": "tiny", "seed": 3, "weeks": 3,
            "population": {"schools": 1, "classes_per_school": 1,
                           "class_size": {"mean": 16, "sd": 0, "min": 10}},
            "network": {"burn_in_years": 0.1},
            "interventions": [{"type": "growth_group", "start_week": 1, "acceptance": 1.0,
                               "sessions": [{"theme": "nice_to_meet_you", "stage": "thaw"}]}]}

MORRIS = """name: m
base: {base}
design: morris
samples: 2
parameters:
  network.effects.density: {{low: -2.2, high: -1.0}}
  interventions.0.hours_per_session: {{low: 1.0, high: 4.0}}
replications: 1
common_seeds: true
seed: 4
weeks: 1
overrides:
  population.class_size.mean: 12
  network.burn_in_years: 0.1
outcomes: [density, ties]
batch_size: 40
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A tiny scenario, a staffing sweep to report and a Morris sweep to analyze."""
    from sweeps import synthetic_sweep

    from sim.studies.sweep.sweep import run_sweep

    folder = tmp_path_factory.mktemp("inputs")
    scenario = folder / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    (folder / "morris.yaml").write_text(MORRIS.format(base=scenario))
    run_sweep(folder / "morris.yaml", folder / "morris", workers=1)
    (folder / "sweep.yaml").write_text(f"name: s\nbase: {scenario}\nweeks: 1\nseed: 2\n"
                                       "parameters:\n  population.left_behind_share: "
                                       "{values: [0.2]}\n")
    (folder / "findings.yaml").write_text(yaml.safe_dump({"findings": [{
        "id": "turnover", "citation": "c", "design": "d", "figure": "f",
        "published": {"from_data": "s50"},
        "replication": {"kind": "jaccard", "scenario": str(scenario), "interventions": False,
                        "end": 2}}]}))
    return {"scenario": scenario, "findings": folder / "findings.yaml",
            "report": synthetic_sweep(folder / "staffing",
                                                            {0: [10, 12, 11], 1: [7, 8, 9]}),
            "morris": folder / "morris", "sweep": folder / "sweep.yaml"}


FOLDER_COMMANDS = {
    "run": lambda i: ["run", i["scenario"], "--weeks", "1"],
    "compare": lambda i: ["compare", i["scenario"], "--replications", "2", "--follow-up", "1"],
    "robustness": lambda i: ["robustness", i["scenario"], "--trajectories", "2",
                             "--replications", "2"],
    "export": lambda i: ["export", i["scenario"], "--weeks", "0,1"],
    "report": lambda i: ["report", i["report"]],
    "analyze": lambda i: ["analyze", i["morris"]],
    "gof": lambda i: ["gof", "--data", "s50", "--effects", "density,recip", "--runs", "10",
                      "--statistics", "indegree"],
    "estimate": lambda i: ["estimate", "--data", "s50", "--effects", "density,recip"],
    "evidence": lambda i: ["evidence", i["findings"], "--replications", "2"],
}


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def invoke(args):
    return runner.invoke(app, [str(a) for a in args])


def users_folder(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "mydir"
    (out / "drafts").mkdir(parents=True)
    (out / "thesis_notes.txt").write_text("notes")
    (out / "drafts" / "chapter1.md").write_text("# Chapter 1")
    return out, files(out)


@pytest.mark.parametrize("command", [
    pytest.param(c, marks=pytest.mark.slow) if c == "robustness" else c
    for c in FOLDER_COMMANDS])
def test_a_users_files_survive_every_command(command, inputs, tmp_path):
    args = [*FOLDER_COMMANDS[command](inputs), "--out", None]
    out, mine = users_folder(tmp_path)
    args[-1] = out
    refused = invoke(args)
    assert refused.exit_code == 2, refused.output
    assert "thesis_notes.txt" in refused.output and "--overwrite" in refused.output
    assert files(out) == mine  # nothing written

    done = invoke([*args, "--overwrite"])
    assert done.exit_code == 0, done.output
    first = files(out)
    assert {k: first[k] for k in mine} == mine
    written = set(first) - set(mine)
    assert MANIFEST in written and len(written) > 1
    listed = json.loads(first[MANIFEST])
    assert listed["complete"] and set(listed["files"]) == written - {MANIFEST}

    again = invoke([*args, "--overwrite"])
    assert again.exit_code == 0, again.output
    assert set(files(out)) == set(first) and {k: files(out)[k] for k in mine} == mine

    plain = invoke(args)  # lbsim's own results there: still needs --overwrite
    assert plain.exit_code == 2 and "exists" in plain.output
    assert set(files(out)) == set(first)


@pytest.mark.parametrize("command", ["run", "report"])
def test_an_empty_folder_is_written_and_results_are_listed(command, inputs, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    done = invoke([*FOLDER_COMMANDS[command](inputs), "--out", out])
    assert done.exit_code == 0, done.output
    written = files(out)
    assert set(json.loads(written.pop(MANIFEST))["files"]) == set(written)


def test_report_and_analyze_default_folders_keep_a_users_file(inputs, tmp_path):
    """Re-running lbsim report (DIR/report) needs --overwrite and keeps what a user added."""
    import shutil

    sweep = tmp_path / "sweep"
    shutil.copytree(inputs["report"], sweep)
    assert invoke(["report", sweep]).exit_code == 0
    (sweep / "report" / "my_table.xlsx").write_text("mine")
    again = invoke(["report", sweep])
    assert again.exit_code == 2 and "my_table.xlsx" in again.output
    assert invoke(["report", sweep, "--overwrite"]).exit_code == 0
    assert (sweep / "report" / "my_table.xlsx").read_text() == "mine"
    assert (sweep / "report" / "plans.csv").exists()


def test_sweep_refuses_a_users_folder_and_resumes_its_own(inputs, tmp_path):
    out, mine = users_folder(tmp_path)
    spec = inputs["sweep"]
    refused = invoke(["sweep", spec, "--out", out, "--workers", "1"])
    assert refused.exit_code == 2 and "thesis_notes.txt" in refused.output
    assert files(out) == mine
    done = invoke(["sweep", spec, "--out", out, "--workers", "1", "--overwrite"])
    assert done.exit_code == 0, done.output
    batches = sorted(p.name for p in out.glob("batch-*.parquet"))
    assert batches and (out / "spec.json").exists()
    resumed = invoke(["sweep", spec, "--out", out, "--workers", "1"])  # the user's files
    assert resumed.exit_code == 0 and "skipped" in resumed.output  # stay; nothing reruns
    assert {k: files(out)[k] for k in mine} == mine

    other = tmp_path / "other.yaml"  # another spec into the same folder
    other.write_text(spec.read_text().replace("seed: 2", "seed: 5"))
    differs = invoke(["sweep", other, "--out", out, "--workers", "1"])
    assert differs.exit_code == 2 and "different spec" in differs.output
    restarted = invoke(["sweep", other, "--out", out, "--workers", "1", "--overwrite"])
    assert restarted.exit_code == 0, restarted.output
    assert json.loads((out / "spec.json").read_text())["spec"]["seed"] == 5
    assert {k: files(out)[k] for k in mine} == mine


@pytest.fixture
def surveyed(tmp_path):
    import shutil

    from helpers import S50

    for k in (1, 2):
        shutil.copy(S50 / f"s50-w{k}.txt", tmp_path / f"w{k}.txt")
    (tmp_path / "targets.yaml").write_text("wave: w2.txt\n")
    return tmp_path


FILE_COMMANDS = {
    "import": lambda f: ["import", f / "w1.txt"],
    "calibrate": lambda f: ["calibrate", f / "s50.yaml", "--targets", f / "targets.yaml",
                            "--seed", "2"],
}


@pytest.mark.parametrize("command", [
    pytest.param(c, marks=pytest.mark.slow) if c == "calibrate" else c
    for c in FILE_COMMANDS])
def test_commands_writing_a_file_replace_only_the_file_named(command, surveyed):
    """The file named by --out is written, refused when it exists (replaced with
    --overwrite), never a folder; the user's other files stay."""
    assert invoke(["import", surveyed / "w1.txt", "--out", surveyed / "s50.yaml"]
                  ).exit_code == 0
    with open(surveyed / "s50.yaml", "a") as f:
        f.write("network: {burn_in_years: 0}\n")
    (surveyed / "thesis_notes.txt").write_text("notes")
    out = surveyed / "result.yaml"
    args = [*FILE_COMMANDS[command](surveyed), "--out", out]
    assert invoke(args).exit_code == 0
    text = out.read_text()
    refused = invoke(args)
    assert refused.exit_code == 2 and "exists" in refused.output and out.read_text() == text
    assert invoke([*args, "--overwrite"]).exit_code == 0
    folder = invoke([*FILE_COMMANDS[command](surveyed), "--out", surveyed, "--overwrite"])
    assert folder.exit_code == 2 and "is a folder" in folder.output
    assert (surveyed / "thesis_notes.txt").read_text() == "notes"


def test_a_new_file_named_as_a_users_file_is_refused_and_nothing_moves(tmp_path):
    out, mine = users_folder(tmp_path)
    with pytest.raises(FolderError, match="thesis_notes.txt"):
        with atomic_folder(out, overwrite=True) as tmp:
            (tmp / "result.csv").write_text("lbsim")
            (tmp / "thesis_notes.txt").write_text("lbsim")
    assert files(out) == mine


def test_a_users_file_in_lbsims_subfolder_survives_and_old_results_go(tmp_path):
    out = tmp_path / "o"
    with atomic_folder(out) as tmp:
        (tmp / "rsiena").mkdir()
        (tmp / "rsiena" / "w1.txt").write_text("1")
        (tmp / "old.csv").write_text("old")
        (tmp / "gone").mkdir()
        (tmp / "gone" / "x.png").write_text("x")
    (out / "rsiena" / "mine.R").write_text("library(RSiena)")
    with atomic_folder(out, overwrite=True) as tmp:
        (tmp / "new.csv").write_text("new")
    assert set(files(out)) == {MANIFEST, "new.csv", "rsiena/mine.R"}
    assert not (out / "gone").exists()


def test_a_failed_write_leaves_the_old_results_and_the_users_files(tmp_path):
    out = tmp_path / "o"
    with atomic_folder(out) as tmp:
        (tmp / "a.csv").write_text("first")
    (out / "notes.txt").write_text("mine")
    before = files(out)
    with pytest.raises(RuntimeError):
        with atomic_folder(out, overwrite=True) as tmp:
            (tmp / "a.csv").write_text("second, half")
            raise RuntimeError("killed")
    assert files(out) == before and sorted(os.listdir(out)) == [MANIFEST, "a.csv", "notes.txt"]


def test_a_write_killed_while_moving_in_is_marked_and_cleaned_next_time(tmp_path, monkeypatch):
    out = tmp_path / "o"
    with atomic_folder(out) as tmp:
        (tmp / "a.csv").write_text("first")
    (out / "notes.txt").write_text("mine")
    real = os.replace
    moved = []

    def dies_after_one(src, dst):  # moves the manifest and one result file, then dies
        if Path(dst).name != MANIFEST:
            if moved:
                raise OSError("killed")
            moved.append(dst)
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", dies_after_one)
    with pytest.raises(OSError):
        with atomic_folder(out, overwrite=True) as tmp:
            (tmp / "b.csv").write_text("b")
            (tmp / "c.csv").write_text("c")
    monkeypatch.undo()
    listed = json.loads((out / MANIFEST).read_text())
    assert not listed["complete"] and {"a.csv", "b.csv", "c.csv"} <= set(listed["files"])
    with pytest.raises(FolderError, match="interrupted"):
        atomic.check_folder(out)
    with atomic_folder(out, overwrite=True) as tmp:
        (tmp / "d.csv").write_text("d")
    assert set(files(out)) == {MANIFEST, "d.csv", "notes.txt"}


def test_the_refusal_documented_is_the_one_printed(inputs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mydir").mkdir()
    (tmp_path / "mydir" / "thesis_notes.txt").write_text("notes")
    refused = invoke(["run", inputs["scenario"], "--out", "mydir"])
    doc = (ROOT / "docs" / "researcher.md").read_text()
    block = doc[doc.index("error: mydir"):].split("```")[0]
    assert " ".join(refused.output.split()) == " ".join(block.split())
