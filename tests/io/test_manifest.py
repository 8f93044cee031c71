"""A manifest of classes (lbsim estimate --classes): the researcher's own files fit as the
bundled data sets do, and bad manifests are clear errors that write nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import sim.data
from sim.cli.main import app
from sim.io.manifest import read_manifest
from sim.io.read import DataError

runner = CliRunner()


def _write_wave(path, wave) -> None:
    path.write_text("".join(" ".join("NA" if np.isnan(v) else str(int(v)) for v in row) + "\n"
                            for row in wave))


@pytest.fixture(scope="module")
def baerveldt(tmp_path_factory):
    """The bundled baerveldt classes written out as a researcher's matrices, and a
    manifest listing them."""
    folder = tmp_path_factory.mktemp("baerveldt")
    lines = ["classes:"]
    for c in sim.data.load("baerveldt").classes:
        files = []
        for k, wave in enumerate(c.waves, 1):
            files.append(f"{c.name}-w{k}.txt")
            _write_wave(folder / files[-1], wave)
        lines += [f"  - name: {c.name}", f"    waves: [{', '.join(files)}]"]
    (folder / "classes.yaml").write_text("\n".join(lines) + "\n")
    return folder


def test_the_manifest_reads_the_classes_the_data_set_holds(baerveldt):
    read = read_manifest(baerveldt / "classes.yaml")
    bundled = sim.data.load("baerveldt").classes
    assert [c.name for c in read] == [c.name for c in bundled]
    for mine, theirs in zip(read, bundled, strict=True):
        assert isinstance(mine, sim.data.ClassWaves)
        for a, b in zip(mine.waves, theirs.waves, strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def _fit(folder, *args):
    result = runner.invoke(app, ["estimate", *args, "--seed", "3", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    data = json.loads((folder / "fit.json").read_text())
    data["estimate"].pop("seconds")
    return result.output, data, (folder / "estimates.csv").read_bytes(), \
        (folder / "covariance.csv").read_bytes()


def test_a_manifest_fits_bit_identically_to_the_bundled_data_set(baerveldt, tmp_path):
    out, fit, estimates, covariance = _fit(tmp_path / "m", "--classes",
                                           str(baerveldt / "classes.yaml"))
    out2, fit2, estimates2, covariance2 = _fit(tmp_path / "d", "--data", "baerveldt")
    assert estimates == estimates2 and covariance == covariance2
    assert fit["source"]["classes"] == str((baerveldt / "classes.yaml").resolve())
    assert fit["source"]["data"] is None and fit2["source"]["data"] == "baerveldt"
    fit.pop("source"), fit2.pop("source")
    assert fit == fit2
    assert out.splitlines()[1:-1] == out2.splitlines()[1:-1]  # time, then the folder
    assert "4 classes (school01, school03, school04, school06)" in out


def test_a_manifest_fits_separately_as_the_bundled_data_set_does(baerveldt):
    mine = runner.invoke(app, ["estimate", "--classes", str(baerveldt / "classes.yaml"),
                               "--separately", "--effects", "density,recip"])
    bundled = runner.invoke(app, ["estimate", "--data", "baerveldt", "--separately",
                                  "--effects", "density,recip"])
    assert mine.exit_code == 0, mine.output
    assert mine.output == bundled.output and "school06" in mine.output


def test_one_class_with_a_covariate_and_a_behaviour_fits_as_the_data_set(tmp_path):
    """A manifest's covariate FILE:COLUMN and behaviour FILE are the options' =FILE."""
    s50 = sim.data.folder("s50")
    (tmp_path / "s50.yaml").write_text(f"""classes:
  - name: s50
    waves: [{s50}/s50-w1.txt, {s50}/s50-w2.txt]
    covariates: {{alcohol: {s50}/s50-alcohol.txt:2}}
    behaviours: {{drink: drink.txt}}
""")
    alcohol = np.loadtxt(s50 / "s50-alcohol.txt")
    np.savetxt(tmp_path / "drink.txt", alcohol[:, :2], fmt="%d")
    effects = ["--effects", "density,simX:alcohol", "--behaviour-effects", "drink=linear"]
    mine = runner.invoke(app, ["estimate", "--classes", str(tmp_path / "s50.yaml"), *effects])
    theirs = runner.invoke(app, ["estimate", str(s50 / "s50-w1.txt"), str(s50 / "s50-w2.txt"),
                                 "--covariate", f"alcohol={s50}/s50-alcohol.txt:2",
                                 "--behaviour", f"drink={tmp_path}/drink.txt", *effects])
    assert mine.exit_code == 0, mine.output
    assert mine.output.splitlines()[1:] == theirs.output.splitlines()[1:]
    assert "drink: linear" in mine.output and "simX:alcohol" in mine.output


CLASS = "  - name: {name}\n    waves: [a1.txt, a2.txt]\n"


@pytest.mark.parametrize("text, message", [
    ("classes:\n  - name: a\n    waves: [a1.txt, nope.txt]\n",
     "line 3: classes[0].waves[1]: 'nope.txt': no such file"),
    ("classes:\n  - name: a\n    waves: [a1.txt, b1.txt]\n",
     "line 3: classes[0].waves[1]: 'b1.txt' has 4 actors, the first wave 3; allowed: every "
     "wave of a class has the same actors"),
    ("classes:\n" + CLASS.format(name="a") + "    covariates: {girl: girl4.txt}\n",
     "line 4: classes[0].covariates.girl: 'girl4.txt' has 4 rows; the class has 3 actors"),
    ("classes:\n" + CLASS.format(name="a") + "    covariates: {girl: girl3.txt:3}\n",
     "classes[0].covariates.girl: girl3.txt:3: column 3; girl3.txt has columns 1..2"),
    ("classes:\n" + CLASS.format(name="a") + "    behaviours: {drink: girl3.txt}\n"
     "    wave: 1\n",
     "line 5: classes[0]: unknown field 'wave'; allowed: name, waves, covariates, "
     "behaviours, composition"),
    ("classes:\n" + CLASS.format(name="a") + "    behaviours: {drink: beh3.txt}\n",
     "classes[0].behaviours.drink: beh3.txt: beh3.txt has 3 columns; a behaviour needs one "
     "per wave (2)"),
    ("classes:\n" + CLASS.format(name="a") + CLASS.format(name="a"),
     "line 4: classes[1].name: 'a' is also the name of classes[0]"),
    ("classes:\n" + CLASS.format(name="a") + "    covariates: {girl: girl3.txt}\n"
     + CLASS.format(name="b"),
     "line 5: classes[1].covariates: none; classes[0] has girl; allowed: the same covariates "
     "in every class"),
    ("classes:\n  - name: a\n", "line 2: classes[0]: missing field 'waves'"),
    ("klasses: []\n", "line 1: (top level): unknown field 'klasses'; allowed: classes"),
    ("classes: [\n", "not valid YAML"),
    ("", "classes: expected a list of classes"),
    ("classes:\n  - name: a\n    waves: [a1.txt, bad.txt]\n",
     "classes[0].waves[1]: "),
])
def test_a_bad_manifest_names_the_line_field_value_and_what_is_allowed(tmp_path, text,
                                                                        message):
    for name, rows in (("a1", ["0 1 0", "0 0 1", "1 0 0"]), ("a2", ["0 1 1", "0 0 1", "1 0 0"]),
                       ("b1", ["0 1 0 0", "0 0 1 0", "1 0 0 0", "0 0 0 0"]),
                       ("girl4", ["1", "0", "1", "0"]), ("girl3", ["1 2", "0 2", "1 2"]),
                       ("beh3", ["1 2 3"] * 3), ("bad", ["0 1 0", "0 0 2", "1 0 0"])):
        (tmp_path / f"{name}.txt").write_text("\n".join(rows) + "\n")
    (tmp_path / "classes.yaml").write_text(text)
    out = tmp_path / "fit"
    result = runner.invoke(app, ["estimate", "--classes", str(tmp_path / "classes.yaml"),
                                 "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output and str(tmp_path / "classes.yaml") in result.output
    assert not out.exists()
    with pytest.raises(DataError, match="classes"):
        read_manifest(tmp_path / "classes.yaml")


@pytest.mark.parametrize("args, message", [
    (["--data", "s50"], "a manifest of classes names each class's waves"),
    (["--covariate", "x=f.txt"], "covariates given as well"),
])
def test_a_manifest_with_options_it_replaces_is_refused(baerveldt, args, message):
    result = runner.invoke(app, ["estimate", "--classes", str(baerveldt / "classes.yaml"),
                                 *args])
    assert result.exit_code == 2 and message in result.output


def test_separate_fits_of_one_class_are_refused():
    result = runner.invoke(app, ["estimate", "--data", "s50", "--separately"])
    assert result.exit_code == 2
    assert "separate fits need several classes" in result.output


def test_classes_with_covariates_and_behaviours_fit_as_estimate_fits_them(tmp_path):
    """Each class's covariate column and behaviour table reach the one model."""
    from sim.saom import ClassData, Data, Model, estimate

    s50 = sim.data.load("s50")
    alcohol = s50.covariates["alcohol"]
    lines = ["classes:"]
    for name, (a, b) in (("early", (0, 1)), ("late", (1, 2))):
        for k in (a, b):
            _write_wave(tmp_path / f"w{k}.txt", s50.waves[k].astype(float))
        np.savetxt(tmp_path / f"{name}-drink.txt", alcohol[:, [a, b]], fmt="%d")
        lines += [f"  - name: {name}", f"    waves: [w{a}.txt, w{b}.txt]",
                  f"    covariates: {{alcohol: {sim.data.folder('s50')}/s50-alcohol.txt:{a + 1}}}",
                  f"    behaviours: {{drink: {name}-drink.txt}}"]
    (tmp_path / "classes.yaml").write_text("\n".join(lines) + "\n")
    out = tmp_path / "fit"
    result = runner.invoke(app, ["estimate", "--classes", str(tmp_path / "classes.yaml"),
                                 "--effects", "density,recip,simX:alcohol",
                                 "--behaviour-effects", "drink=linear,avSim", "--seed", "2",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    direct = estimate(
        Data([ClassData(s50.waves[0:2], covariates={"alcohol": alcohol[:, 0]},
                        behaviours={"drink": alcohol[:, 0:2]}, name="early"),
              ClassData(s50.waves[1:3], covariates={"alcohol": alcohol[:, 1]},
                        behaviours={"drink": alcohol[:, 1:3]}, name="late")]),
        Model(["density", "recip", "simX:alcohol"],
              behaviour_effects={"drink": ["linear", "avSim"]}), seed=2)
    saved = json.loads((out / "fit.json").read_text())
    assert saved["estimate"]["theta"] == direct.theta.tolist()
    assert "rate drink late 1" in direct.names and "drink: avSim" in result.output
    assert saved["model"]["behaviour_effects"] == {"drink": ["linear", "avSim"]}


def test_a_manifest_fits_conditionally_as_the_bundled_classes_do(baerveldt, tmp_path):
    """Several classes with --conditional (the rates outside the Robbins-Monro iteration):
    the manifest of baerveldt's files and --data baerveldt give the same fit."""
    fits = {}
    for name, source in (("manifest", ["--classes", str(baerveldt / "classes.yaml")]),
                         ("bundled", ["--data", "baerveldt"])):
        result = runner.invoke(app, ["estimate", *source, "--conditional", "--seed", "1",
                                     "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        fits[name] = (tmp_path / name / "estimates.csv").read_text()
    assert fits["manifest"] == fits["bundled"] and "rate school01 1" in fits["bundled"]
