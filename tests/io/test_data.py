"""The bundled data sets: what the files hold, the registry, and that the wheel ships them."""

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import sim.data
from sim.cli.main import app
from sim.saom import descriptives

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_s50_holds_three_waves_with_the_published_descriptives():
    """RSiena's s50 documentation: ties 113 / 116 / 122, mutual dyads 39 / 35 / 45;
    alcohol coded 1-5, smoking 1-3, no missing values."""
    s50 = sim.data.load("s50")
    assert [w.shape for w in s50.waves] == [(50, 50)] * 3
    assert all(w.dtype == np.int8 for w in s50.waves)
    assert [descriptives.ties(w) for w in s50.waves] == [113, 116, 122]
    assert [descriptives.mutual_dyads(w) for w in s50.waves] == [39, 35, 45]
    assert set(np.unique(s50.covariates["alcohol"])) == {1, 2, 3, 4, 5}
    assert set(np.unique(s50.covariates["smoking"])) == {1, 2, 3}
    assert s50.covariates["alcohol"].shape == s50.covariates["smoking"].shape == (50, 3)
    assert "West" in s50.description and "Sweeting" in s50.description


def test_vdbunt_keeps_missing_ties_and_absent_respondents():
    """Missing cells are NaN off the diagonal, the diagonal is 0, absent respondents are
    rows of NaN; counts as the README states them."""
    vdb = sim.data.load("vdbunt")
    c = vdb.classes[0]
    assert c.n == 32 and len(c.waves) == 2
    for k, (missing, absent) in enumerate([(158, 5), (186, 6)]):
        w = c.waves[k]
        assert w.dtype == np.float64
        assert np.all(np.diagonal(w) == 0)
        assert c.missing(k).sum() == missing
        off = ~np.eye(32, dtype=bool)
        assert sum(np.isnan(w[i][off[i]]).all() for i in range(32)) == absent
        assert set(np.unique(w[~np.isnan(w)])) == {0.0, 1.0}


def test_baerveldt_has_four_two_wave_classes():
    dutch = sim.data.load("baerveldt")
    assert [c.name for c in dutch.classes] == ["school01", "school03", "school04", "school06"]
    assert [c.n for c in dutch.classes] == [45, 37, 33, 36]
    assert all(len(c.waves) == 2 and c.waves[0].dtype == np.int8 for c in dutch.classes)
    with pytest.raises(AttributeError, match="baerveldt/school03"):
        _ = dutch.waves
    one = sim.data.load("baerveldt/school03")
    np.testing.assert_array_equal(one.waves[1], dutch.classes[1].waves[1])


def test_unknown_data_set_or_class_names_what_is_allowed():
    with pytest.raises(ValueError, match="no bundled data set 's5'; allowed: s50, vdbunt"):
        sim.data.load("s5")
    with pytest.raises(ValueError, match="no class 'school02'.*baerveldt/school01"):
        sim.data.load("baerveldt/school02")


def test_every_data_set_has_a_readme_with_its_source():
    for name in ("s50", "vdbunt", "baerveldt"):
        text = sim.data.load(name).description
        assert "## Source and citation" in text and "RSiena" in text, name


def test_simulate_accepts_a_bundled_data_set_by_name():
    by_name = runner.invoke(app, ["simulate", "--data", "s50", "--runs", "5", "--seed", "3"])
    by_folder = runner.invoke(app, ["simulate", "--data", str(sim.data.folder("s50")),
                                    "--runs", "5", "--seed", "3"])
    assert by_name.exit_code == 0, by_name.output
    table = lambda out: out.splitlines()[1:]  # noqa: E731  (the first line has the timing)
    assert table(by_name.output) == table(by_folder.output)


def test_estimate_fits_van_de_bunt_with_its_missing_ties():
    result = runner.invoke(app, ["estimate", "--data", "vdbunt", "--effects", "density,recip",
                                 "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "2 waves of 32 actors" in result.output and "converged" in result.output


def test_estimate_takes_waves_and_covariates_from_a_bundled_data_set():
    result = runner.invoke(app, ["estimate", "--data", "baerveldt/school04", "--effects",
                                 "density,recip", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "2 waves of 33 actors" in result.output


@pytest.mark.parametrize("args, message", [
    (["--data", "baerveldt", "--covariate", "v"], "has 4 classes; name one: baerveldt/school01"),
    (["--data", "s50", "--covariate", "drink"], "has covariates alcohol, smoking"),
    (["--data", "s50", "--covariate", "alcohol:4"], "columns 1..3"),
    (["--data", "nope"], "no bundled data set 'nope'"),
    ([], "neither was given"),
    (["w1.txt", "--data", "s50"], "both were given"),
])
def test_estimate_with_bad_data_arguments_is_a_clear_error(args, message):
    result = runner.invoke(app, ["estimate", *args])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.slow
def test_the_wheel_ships_every_data_file_and_the_scenarios(tmp_path):
    """Build the wheel as pip would and list it: each data file, README and scenario."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("lbsim-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "sim"
    data = (".txt", ".md", ".yaml", ".csv", ".json", ".parquet", ".png")
    wanted = [p for p in (package / "data").rglob("*") if p.suffix in data]
    wanted += list((package / "scenarios").glob("*.yaml"))
    assert len(wanted) > 20
    missing = [str(p.relative_to(ROOT)) for p in wanted
               if str(p.relative_to(ROOT)) not in shipped]
    assert not missing


def test_bundled_class_files_read_as_wave_files_as_they_load_by_name():
    """A bundled class's files given as wave files (lbsim estimate FILE FILE, a manifest)
    are the waves its name loads: the same 0/1 ties and no self-nomination."""
    from sim.io.read import read_adjacency

    dutch = sim.data.load("baerveldt")
    folder = sim.data.folder("baerveldt")
    for c in dutch.classes:
        for w, wave in enumerate(c.waves):
            read = read_adjacency(folder / f"{c.name}-w{w + 1}.txt", wave=True)
            np.testing.assert_array_equal(read, wave)
