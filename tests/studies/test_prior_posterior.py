"""The prior-vs-posterior figure of the calibrated magnitudes
(sim.studies.evidence.calibration.prior_posterior,
sim.viz.plots.prior_posterior_figure): drawn from the shipped files, one panel a magnitude."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from sim.studies.evidence import calibration as cal
from sim.studies.magnitudes import posterior_path
from sim.studies.robustness import ASSUMPTIONS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = posterior_path().parent
MAGNITUDES = ASSUMPTIONS + (cal.DOSE,)


@pytest.fixture
def folder(tmp_path):
    """A copy of the shipped calibration files (without nuisance.csv)."""
    for name in ("posterior.csv", "identifiability.csv", "predictive.csv"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    return tmp_path


def panels(fig):
    return [ax for ax in fig.axes if ax.axison]


def test_one_panel_a_magnitude_with_the_shipped_table_and_draws(tmp_path):
    fig = cal.prior_posterior(path=tmp_path / "f.png")
    assert (tmp_path / "f.png").is_file() and not list(tmp_path.glob("*.tmp"))
    table = pd.read_csv(SHIPPED / "identifiability.csv").set_index("magnitude")
    draws = pd.read_csv(SHIPPED / "posterior.csv")
    axes = panels(fig)
    assert len(axes) == len(MAGNITUDES)
    assert fig.get_supylabel().startswith("probability density")  # the y-axis has no ticks
    for ax, a in zip(axes, MAGNITUDES, strict=True):
        row = table.loc[a.path]
        assert ax.get_title() == f"{a.name}\nposterior SD / prior SD {row.sd_ratio:.2f}"
        default = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert default == [pytest.approx(row.default)]
        low, high = ax.get_xlim()
        assert low < row.low and high > row.high
        if a.path in draws:  # the bars are the draws' histogram over the prior range
            bars = ax.patches
            counts, _ = np.histogram(draws[a.path], np.linspace(row.low, row.high, 16))
            heights = np.array([b.get_height() for b in bars])
            width = bars[0].get_width()
            np.testing.assert_allclose(heights * width * len(draws[a.path]), counts)


def test_the_titles_follow_the_table_and_a_missing_magnitude_is_refused(folder):
    table = pd.read_csv(folder / "identifiability.csv")
    table.loc[table["magnitude"] == "trait_dynamics.adjustment", "sd_ratio"] = 0.123
    table.to_csv(folder / "identifiability.csv", index=False)
    titles = [ax.get_title() for ax in panels(cal.prior_posterior(folder))]
    assert "traits' weekly adjustment\nposterior SD / prior SD 0.12" in titles
    table[table["magnitude"] != "trait_dynamics.adjustment"].to_csv(
        folder / "identifiability.csv", index=False)
    with pytest.raises(ValueError, match="no row for trait_dynamics.adjustment"):
        cal.prior_posterior(folder)


def test_the_nuisance_draws_are_drawn_when_shipped_and_checked(folder):
    n = len(pd.read_csv(folder / "posterior.csv"))
    without = panels(cal.prior_posterior(folder))[-1]
    assert not [p for p in without.patches if p.get_height() > 0 and p.get_width() < 1]
    values = np.random.default_rng(1).uniform(0.2, 0.4, n)
    pd.DataFrame({cal.DOSE.path: values}).to_csv(folder / cal.NUISANCE, index=False)
    dose = panels(cal.prior_posterior(folder))[-1]
    bars = [p for p in dose.patches if p.get_width() < 0.1]
    assert sum(b.get_height() > 0 for b in bars) >= 2
    assert all(0.2 - 1e-9 <= b.get_x() and b.get_x() < 0.4 for b in bars if b.get_height())
    pd.DataFrame({cal.DOSE.path: values[:-1]}).to_csv(folder / cal.NUISANCE, index=False)
    with pytest.raises(ValueError, match=f"expected {n} rows"):
        cal.read_shipped(folder)


def test_the_shipped_figure_is_drawn_from_the_shipped_files(folder):
    """prior_posterior.png stores the SHA-256 of its inputs: remake it
    (`python scripts/calibrate_evidence.py --plot`) when they change."""
    stamp = Image.open(SHIPPED / cal.FIGURE).text.get("Source")
    assert stamp == cal.inputs_stamp(SHIPPED), (
        "sim/data/posterior/prior_posterior.png was drawn from other files: run "
        "`python scripts/calibrate_evidence.py --plot`")
    with open(folder / "posterior.csv", "a") as f:  # a changed sample changes the stamp
        f.write(",".join(["0.5"] * len(ASSUMPTIONS)) + "\n")
    assert cal.inputs_stamp(folder) != stamp


def test_the_script_redraws_the_figure_and_refuses_a_folder_without_the_files(folder,
                                                                               tmp_path,
                                                                               capsys):
    spec = importlib.util.spec_from_file_location(
        "calibrate_evidence", ROOT / "scripts" / "calibrate_evidence.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--plot", "--out", str(folder)]) == 0
    assert Image.open(folder / cal.FIGURE).text["Source"] == cal.inputs_stamp(folder)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert script.main(["--plot", "--out", str(empty)]) == 2
    assert "posterior.csv: no such file" in capsys.readouterr().err
    assert list(empty.iterdir()) == []


def test_a_calibration_writes_the_nuisance_draws_row_for_row_and_the_figure(tmp_path,
                                                                            monkeypatch):
    """The script's calibration path with the ABC replaced by a known weighted sample: the
    dose elasticity's draws land in nuisance.csv beside the same particles' magnitudes."""
    spec = importlib.util.spec_from_file_location(
        "calibrate_evidence_run", ROOT / "scripts" / "calibrate_evidence.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rng = np.random.default_rng(3)
    particles = pd.DataFrame({a.path: rng.uniform(a.low, a.high, 30) for a in MAGNITUDES})
    particles[cal.DOSE.path] = particles["network.effects.X:same_group"] - 0.33  # a tag
    post = cal.Posterior(particles, rng.dirichlet(np.ones(30)),
                         pd.DataFrame({"t": [0], "epsilon": [np.inf], "samples": [30]}))
    monkeypatch.setattr(script, "calibrate", lambda *args, **kw: post)
    monkeypatch.setattr(script, "noise", lambda *args, **kw: pd.DataFrame(
        [{"finding": k, "replications": n, "simulated_sd": 0.01, "published_se": 0.01}
         for k, n in cal.REPLICATIONS.items()]))
    assert script.main(["--out", str(tmp_path), "--particles", "30"]) == 0
    shipped = cal.read_shipped(tmp_path)
    np.testing.assert_allclose(shipped.draws[cal.DOSE.path],
                               shipped.draws["network.effects.X:same_group"] - 0.33)
    assert list(pd.read_csv(tmp_path / "posterior.csv").columns) == [a.path for a in ASSUMPTIONS]
    assert Image.open(tmp_path / cal.FIGURE).text["Source"] == cal.inputs_stamp(tmp_path)
    assert "nuisance.csv" in cal.inputs_stamp(tmp_path)
