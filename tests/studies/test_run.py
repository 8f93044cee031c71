"""lbsim run and lbsim validate from the command line: outputs, atomicity, errors."""

import json

import pandas as pd
import pytest
from helpers import assert_drawn
from typer.testing import CliRunner

from sim.cli.main import app
from sim.studies import run as run_module

runner = CliRunner()
SMALL = """
name: small
weeks: 3
population: {schools: 1, classes_per_school: 2, class_size: {mean: 20, sd: 2}}
network: {burn_in_years: 0.2}
"""


@pytest.fixture()
def scenario_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def test_run_writes_timeseries_summary_and_figures(tmp_path, scenario_file):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(scenario_file), "--out", str(out), "--seed", "4"])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "timeseries.parquet")
    assert sorted(table["week"].unique()) == [0, 1, 2, 3]
    assert set(table["class"]) == {-1, 0, 1}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "small" and summary["seed"] == 4 and summary["weeks"] == 3
    final = table[(table["class"] == -1) & (table["week"] == 3)].iloc[0]
    assert summary["outcomes"]["density"] == pytest.approx(final["density"])
    assert_drawn(out / "network_first_class.png")
    assert_drawn(out / "outcomes.png")


def test_csv_flag_and_weeks_override(tmp_path, scenario_file):
    out = tmp_path / "csv"
    result = runner.invoke(app, ["run", str(scenario_file), "--out", str(out), "--csv",
                                 "--weeks", "2"])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out / "timeseries.csv")["week"].max() == 2


def test_existing_output_is_not_overwritten(tmp_path, scenario_file):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("data")
    result = runner.invoke(app, ["run", str(scenario_file), "--out", str(out)])
    assert result.exit_code == 2
    assert "exists" in result.output
    assert (out / "keep.txt").read_text() == "data"


def test_failed_run_leaves_no_partial_folder(tmp_path, scenario_file, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(run_module.plots, "trajectories_figure", broken)
    out = tmp_path / "failed"
    result = runner.invoke(app, ["run", str(scenario_file), "--out", str(out)])
    assert result.exit_code != 0
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [scenario_file]


def test_bad_scenario_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\npopulation: {left_behnd_share: 1.4}\n")
    for command in (["validate", str(bad)], ["run", str(bad), "--out", str(tmp_path / "o")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert "did you mean 'left_behind_share'" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_same_seed_same_timeseries(tmp_path, scenario_file):
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        result = runner.invoke(app, ["run", str(scenario_file), "--out", str(tmp_path / name),
                                     "--seed", seed])
        assert result.exit_code == 0, result.output
    a, b, c = (pd.read_parquet(tmp_path / k / "timeseries.parquet") for k in "abc")
    assert a.equals(b)
    assert not a.equals(c)  # a different seed gives a different year
