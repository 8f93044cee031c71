"""A fit saved by ``lbsim estimate --out`` loads back exactly (sim.io.fit.load_fit) and
``lbsim gof --fit`` checks it as ``lbsim gof`` checks a fresh estimate."""

from dataclasses import fields

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli.main import app
from sim.io.fit import FitClass, load_fit, save_fit
from sim.io.waves import read_waves
from sim.saom import ClassData, Estimate, Model, estimate

runner = CliRunner()
EFFECTS = ["density", "recip"]


def assert_same_estimate(a: Estimate, b: Estimate) -> None:
    for f in fields(Estimate):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "seconds":
            continue
        if f.name == "phase3":  # kept bit for bit, names as they were
            assert (x is None) == (y is None), f.name
            for g in fields(x) if x is not None else ():
                u, v = getattr(x, g.name), getattr(y, g.name)
                if isinstance(u, np.ndarray):
                    assert u.dtype == v.dtype and u.shape == v.shape, g.name
                    np.testing.assert_array_equal(u, v, err_msg=g.name)
                else:
                    assert tuple(map(str, u)) == tuple(map(str, v)), g.name
            continue
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            np.testing.assert_array_equal(x, y, err_msg=f.name)  # NaN == NaN here
        else:
            assert x == y, f.name


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "s50-fit"
    result = runner.invoke(app, ["estimate", "--data", "s50", "--covariate", "alcohol:1",
                                 "--effects", ",".join(EFFECTS), "--seed", "3",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_estimate_out_loads_back_as_the_same_estimate(saved):
    """The loaded estimate equals, bit for bit, a new estimate at the same seed; the data
    saved with it are those the command read."""
    out, printed = saved
    fit = load_fit(out)
    nets, covs = read_waves(None, "s50", ["alcohol:1"])
    assert_same_estimate(fit.estimate, estimate(ClassData(nets, covariates=covs),
                                                Model(EFFECTS),
                                                seed=3))
    assert fit.effects == tuple(EFFECTS) and fit.seed == 3
    assert fit.source["data"] == "s50" and fit.source["covariate"] == ["alcohol:1"]
    [one] = fit.classes
    assert len(one.waves) == 3 and all(w.dtype == n.dtype and np.array_equal(w, n)
                                       for w, n in zip(one.waves, nets, strict=True))
    np.testing.assert_array_equal(one.covariates["alcohol"], covs["alcohol"])
    assert fit.estimate.table() in printed  # what was printed is what was saved
    rows = (out / "estimates.csv").read_text().splitlines()
    assert rows[0] == "parameter,estimate,se,fixed" and len(rows) == 1 + len(fit.estimate.names)
    assert [float(r.split(",")[1]) for r in rows[1:]] == list(fit.estimate.theta)
    cov = np.loadtxt(out / "covariance.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(cov, fit.estimate.cov)


def test_gof_of_a_saved_fit_equals_gof_of_a_new_estimate(saved):
    out, _ = saved
    args = ["--runs", "20", "--statistics", "indegree", "--seed", "3"]
    fresh = runner.invoke(app, ["gof", "--data", "s50", "--covariate", "alcohol:1",
                                "--effects", ",".join(EFFECTS), *args])
    loaded = runner.invoke(app, ["gof", "--fit", str(out), *args])
    assert fresh.exit_code == 0 and loaded.exit_code == 0, fresh.output + loaded.output
    assert loaded.output == fresh.output and "joint" in loaded.output
    both = runner.invoke(app, ["gof", "--fit", str(out), "--data", "s50"])
    assert both.exit_code == 2 and "drop --data" in both.output


def hand_made() -> Estimate:
    """An estimate with a fixed parameter (no SE) and a conditional fit's covariance (of
    the effects only)."""
    return Estimate(("rate 1", "density", "recip"), np.array([4.25, -1.5, 2.0]),
                    np.array([0.5, 0.1, np.nan]), np.array([False, False, True]),
                    np.array([[0.01]]), ("density",), np.array([100.0]),
                    np.array([100.5]), np.array([9.0]), np.array([0.05]), 0.05,
                    np.array([[3.0]]), {"phase2": 12, "refinements": 0}, 1.5)


def test_a_damaged_phase3_file_is_named_not_a_traceback(saved, tmp_path):
    import shutil

    folder = shutil.copytree(saved[0], tmp_path / "fit")
    whole = (folder / "phase3.npz").read_bytes()
    (folder / "phase3.npz").write_bytes(whole[:1000])  # a copy cut short
    with pytest.raises(ValueError, match="phase3.npz: not the phase-3 simulations"):
        load_fit(folder)
    for command in (["wald", "recip"], ["score-test"], ["time-test"]):
        out = runner.invoke(app, [command[0], "--fit", str(folder), *command[1:]])
        assert out.exit_code == 2 and "not the phase-3 simulations" in out.output, out.output


def test_missing_ties_fixed_parameters_and_options_round_trip(tmp_path):
    wave = np.array([[0, 1, np.nan], [1, 0, 0], [0, np.nan, 0]])
    est = hand_made()
    save_fit(tmp_path / "f", est, effects=["density", "recip"],
             classes=[FitClass("a", [wave, np.zeros((3, 3), np.int8)], {"x": np.arange(3.0)})],
             model={"conditional": True, "composition": None}, seed=None)
    fit = load_fit(tmp_path / "f")
    assert_same_estimate(fit.estimate, est)
    assert fit.estimate.seconds == est.seconds and fit.model["conditional"] is True
    w0, w1 = fit.classes[0].waves
    np.testing.assert_array_equal(w0, wave)
    assert w1.dtype == np.int8 and fit.classes[0].name == "a"
    assert (tmp_path / "f" / "estimates.csv").read_text().splitlines()[3] == "recip,2.0,,True"
    assert (tmp_path / "f" / "covariance.csv").read_text() == "density\n0.01\n"


def test_gof_refuses_what_it_cannot_check(tmp_path):
    est = hand_made()
    wave = np.zeros((3, 3), np.int8)
    save_fit(tmp_path / "beh", est, effects=["density"], classes=[FitClass("", [wave, wave])],
             model={"behaviours": {"drink": [[1, 2], [1, 1], [2, 2]]}})
    refused = runner.invoke(app, ["gof", "--fit", str(tmp_path / "beh")])
    assert refused.exit_code == 2 and "without behaviours" in refused.output
    missing = runner.invoke(app, ["gof", "--fit", str(tmp_path)])
    assert missing.exit_code == 2 and "lbsim estimate --out" in missing.output
    separately = runner.invoke(app, ["estimate", "--data", "baerveldt", "--separately",
                                     "--out", str(tmp_path / "x")])
    assert separately.exit_code == 2 and not (tmp_path / "x").exists()


def test_a_diverged_fit_with_infinite_ratios_saves_and_loads_back(tmp_path):
    """JSON has no infinity: a diverged fit's infinite t-ratio and overall ratio are saved
    as "inf"/"-inf" and read back as infinities, not a traceback."""
    from dataclasses import replace

    est = replace(hand_made(), t_ratios=np.array([-np.inf]), max_ratio=np.inf)
    save_fit(tmp_path / "f", est, effects=["density", "recip"],
             classes=[FitClass("a", [np.zeros((3, 3), np.int8)] * 2)], model={}, seed=1)
    fit = load_fit(tmp_path / "f").estimate
    assert fit.max_ratio == np.inf and fit.t_ratios[0] == -np.inf
    assert fit.theta.tolist() == est.theta.tolist()


def test_a_users_file_named_as_an_output_is_refused_before_the_fit(tmp_path):
    """--overwrite keeps a user's files; one named as a file the fit writes is refused at
    once (exit 2, the file kept), not after the whole estimation."""
    folder = tmp_path / "fit"
    folder.mkdir()
    (folder / "estimates.csv").write_text("mine\n")
    out = CliRunner().invoke(app, ["estimate", "--data", "s50", "--effects", "density,recip",
                                   "--seed", "1", "--out", str(folder), "--overwrite"])
    assert out.exit_code == 2 and "estimates.csv" in out.output, out.output
    assert "t-ratio" not in out.output and "rate 1" not in out.output  # no fit ran
    assert (folder / "estimates.csv").read_text() == "mine\n"
