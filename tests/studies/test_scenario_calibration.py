"""lbsim calibrate: targets files checked, scenarios fitted to a second wave or to class
statistics, the calibrated scenario written atomically."""

import shutil

import numpy as np
import pytest
import yaml
from helpers import S50
from typer.testing import CliRunner

from sim.cli.main import app
from sim.saom import Algorithm
from sim.studies.scenario_calibration import TargetsError, calibrate, load_targets
from sim.world.scenario import load_scenario

runner = CliRunner()
QUICK = Algorithm(subphases=2, n3=200, refine=1)


@pytest.fixture
def surveyed(tmp_path):
    """s50 wave 1 as a surveyed class, wave 2 next to it."""
    shutil.copy(S50 / "s50-w1.txt", tmp_path / "w1.txt")
    shutil.copy(S50 / "s50-w2.txt", tmp_path / "w2.txt")
    (tmp_path / "class.yaml").write_text(
        "name: s50_class\nseed: 1\npopulation:\n  from_files: {matrix: w1.txt}\n"
        "network:\n  max_outdegree: 6\n  rate_effects: {}\n"
        "  effects: {density: -1.8, recip: 2.4, transTrip: 0.6, inPopSqrt: -0.5}\n")
    (tmp_path / "targets.yaml").write_text("wave: w2.txt\n")
    return tmp_path


def write(tmp_path, text):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ("wave: w2.txt\nstatistics: {density: 0.05}\n", "give exactly one"),
    ("{}\n", "give exactly one"),
    ("wave: missing.txt\n", "wave: 'missing.txt' — no such file"),
    ("statistics: {density: 0.05, reciprocity: 1.5, transitivity: 0.4}\n",
     "statistics.reciprocity: 1.5 — a number in 0..1"),
    ("statistics: {density: 0.05, reciprocity: 0.6}\n", "statistics.transitivity: (missing)"),
    ("statistics: {density: 0.05, reciprocity: 0.6, transitivity: 0.4, clustering: 0.3}\n",
     "statistics.clustering: 0.3 — unknown statistic; allowed: density"),
    ("wave: w2.txt\nfit: [reciprocity]\n", "fit: 'reciprocity' — unknown effect"),
    ("wave: w2.txt\nfit: [recip]\n", "fit: 'recip' — always fitted"),
    ("wave: w2.txt\nclass: -1\n", "class: -1 — a class index >= 0"),
    ("wave: w2.txt\nruns: 0\nwaves: 2\n", "waves: 2 — unknown key"),
    ("wave: [w2.txt\n", "not valid YAML"),
])
def test_bad_targets_are_named(surveyed, text, message):
    with pytest.raises(TargetsError) as err:
        load_targets(write(surveyed, text))
    assert message in str(err.value)


def test_bad_targets_exit_2_and_write_nothing(surveyed):
    out = surveyed / "calibrated.yaml"
    res = runner.invoke(app, ["calibrate", str(surveyed / "class.yaml"), "--targets",
                              str(write(surveyed, "statistics: {density: 2}\n")),
                              "--out", str(out)])
    assert res.exit_code == 2
    assert "statistics.density: 2 — a number in 0..1" in res.output
    assert not out.exists() and not list(surveyed.glob(".calibrated*"))


def test_wave_of_another_class_size_is_refused(surveyed):
    np.savetxt(surveyed / "small.txt", np.zeros((10, 10), dtype=int), fmt="%d")
    targets = load_targets(write(surveyed, "wave: small.txt\n"))
    with pytest.raises(TargetsError, match="10 x 10 matrix, but class 1 has 50 children"):
        calibrate(load_scenario(surveyed / "class.yaml"), targets, settings=QUICK)


def test_second_wave_calibration_writes_a_valid_scenario(surveyed):
    """s50 waves 1 -> 2 with inPopSqrt held at -0.5: converged, the statistics reproduced,
    the fitted values in the written scenario, which loads."""
    out = surveyed / "calibrated.yaml"
    res = runner.invoke(app, ["calibrate", str(surveyed / "class.yaml"), "--targets",
                              str(surveyed / "targets.yaml"), "--out", str(out),
                              "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert "converged" in res.output and "NOT" not in res.output
    fitted = load_scenario(out)
    assert fitted.network.effects["inPopSqrt"] == -0.5
    assert fitted.network.effects["density"] != -1.8
    assert 3 < fitted.network.rate < 12
    again = runner.invoke(app, ["calibrate", str(surveyed / "class.yaml"), "--targets",
                                str(surveyed / "targets.yaml"), "--out", str(out)])
    assert again.exit_code == 2 and "exists" in again.output
    assert yaml.safe_load(out.read_text())["name"] == "s50_class"


def test_statistics_calibration_reaches_its_targets():
    """One generated class through its burn-in: the fitted effects reproduce the target
    density, reciprocity and transitivity (and move the way they should)."""
    scenario = load_scenario("scenarios/single_class.yaml").override(
        {"network.burn_in_years": 2.0})
    targets = load_targets_text("statistics: {density: 0.06, reciprocity: 0.5, "
                                "transitivity: 0.3}\n")
    result = calibrate(scenario, targets, seed=2, settings=QUICK)
    est = result.estimate
    assert np.all(np.abs(est.t_ratios) < 0.2), est.table()
    higher = calibrate(scenario, load_targets_text(
        "statistics: {density: 0.09, reciprocity: 0.5, transitivity: 0.3}\n"), seed=2,
        settings=QUICK).estimate
    assert higher.theta[0] > est.theta[0] + 2 * est.se[0]


def load_targets_text(text):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.yaml"
        path.write_text(text)
        return load_targets(path)
