"""Selection and influence tables (sim.saom.tables): against the kernel's objective
function by brute force, against RSiena 1.5.0's selectionTable/influenceTable on s50,
bad requests, and the commands lbsim selection-table / influence-table."""

from dataclasses import replace

import numpy as np
import pytest
from helpers import assert_drawn, kernel_probabilities
from typer.testing import CliRunner

import sim.data
from sim.cli.main import app
from sim.io.fit import FitClass, save_fit
from sim.saom import (
    ClassData,
    Data,
    Estimate,
    Model,
    Start,
    influence_table,
    selection_table,
    specification,
)
from sim.saom import behaviour as bh

S50 = sim.data.load("s50")
ALCOHOL = S50.covariates["alcohol"]  # (50, 3), RSiena's s50a


def hand_made(names, theta) -> Estimate:
    """An estimate with the parameters ``names`` at ``theta`` (the rest is filler the tables
    do not read)."""
    k = len(names)
    one = np.ones(k)
    return Estimate(tuple(names), np.asarray(theta, dtype=float), 0.1 * one, np.zeros(k, bool),
                    0.01 * np.eye(k), tuple(names), one, one, one, 0 * one, 0.05, np.eye(k))


def s50_drink() -> ClassData:
    """s50 with alcohol as the dependent behaviour drink and smoking as a covariate."""
    return ClassData(S50.waves, covariates={"smoke": S50.covariates["smoking"][:, 0]},
                     behaviours={"drink": ALCOHOL})


# RSiena 1.5.0, printed by scripts/rsiena/tables.R (siena07 seed 1): friendship density,
# recip, transTrip, altX/egoX/simX of drink; drink linear, quad, avAlt; drink = s50a.
RSIENA_THETA = {
    "rate 1": 6.5475899241, "rate 2": 5.1031498082, "density": -2.7570602228,
    "recip": 2.3592838258, "transTrip": 0.6161765865, "altX:drink": -0.0616968505,
    "egoX:drink": 0.0565842141, "simX:drink": 1.4372071861, "rate drink 1": 1.3319685949,
    "rate drink 2": 1.8057663732, "drink: linear": 0.4136298340,
    "drink: quad": -0.5798155229, "drink: avAlt": 1.2784566953}
RSIENA_MEAN, RSIENA_SIM_MEAN = 3.113333333333, 0.674387755102
# selectionTable(fit, data, "friendship", "drink", as.matrix = TRUE): rows ego 1..5
RSIENA_SELECTION = [
    [0.4787769632, 0.0577783162, -0.36322033082, -0.78421897783, -1.20521762485],
    [0.1760593808, 0.4736643268, 0.05266567978, -0.36833296724, -0.78933161425],
    [-0.1266582017, 0.1709467443, 0.46855169038, 0.04755304336, -0.37344560365],
    [-0.4293757841, -0.1317708381, 0.16583410792, 0.46343905396, 0.04244040694],
    [-0.7320933666, -0.4344884206, -0.13688347453, 0.16072147151, 0.45832641754]]
# influenceTable(fit, data, "friendship", "drink", as.matrix = TRUE): rows ALTER 1..5
RSIENA_INFLUENCE = [
    [2.2461179633, 1.8288140683, 0.25187912748, -2.4846868590, -6.3808838912],
    [-0.4556871861, 0.4054656141, 0.10698736868, -1.3511219225, -3.9688622593],
    [-3.1574923356, -1.0178828400, -0.03790439012, -0.2175569860, -1.5568406275],
    [-5.8592974850, -2.4412312941, -0.18279614893, 0.9160079506, 0.8551810043],
    [-8.5611026345, -3.8645797483, -0.32768790773, 2.0495728871, 3.2672026362]]


# The same script's second model: alcohol at wave 1 as a constant covariate (coCovar).
RSIENA_COVARIATE_THETA = {
    "rate 1": 5.0, "rate 2": 4.0,  # not printed; the table does not read them
    "density": -2.4197131794, "recip": 2.7959184140, "altX:alcohol": -0.0515322857,
    "egoX:alcohol": 0.0511692898, "simX:alcohol": -0.2355653018,
    "sameX:alcohol": 0.0418465971, "egoXaltX:alcohol": 0.2038499300}
RSIENA_COVARIATE_SIM_MEAN = 0.686530612245
RSIENA_COVARIATE_SELECTION = [
    [0.6891737108, 0.27144828516, -0.10443054342, -0.48030937199, -0.856188200572],
    [0.3741498607, 0.12618490829, -0.08769058743, -0.25971948605, -0.431748384672],
    [0.1009726077, 0.01501098812, -0.02910403435, -0.03912960011, -0.007308568771],
    [-0.1722046453, -0.05431633495, 0.06357197544, 0.22330688293, 0.417131247129],
    [-0.4453818984, -0.12364365802, 0.19809458233, 0.51983282268, 0.883417660128]]


def test_covariate_selection_table_matches_rsiena():
    fit = hand_made(list(RSIENA_COVARIATE_THETA), list(RSIENA_COVARIATE_THETA.values()))
    data = ClassData(S50.waves, covariates={"alcohol": ALCOHOL[:, 0]})
    table = selection_table(fit, data, "alcohol")
    assert table.centring.mean == pytest.approx(2.88, abs=1e-12)
    assert table.centring.sim_mean == pytest.approx(RSIENA_COVARIATE_SIM_MEAN, abs=1e-11)
    np.testing.assert_allclose(table.values, RSIENA_COVARIATE_SELECTION, rtol=0, atol=5e-9)


def rsiena_fit() -> Estimate:
    return hand_made(list(RSIENA_THETA), list(RSIENA_THETA.values()))


# fit$covtheta of altX, egoX, simX of drink and drink linear, quad, avAlt (same script)
RSIENA_COV_NAMES = ["altX:drink", "egoX:drink", "simX:drink", "drink: linear", "drink: quad",
                    "drink: avAlt"]
RSIENA_COV = [
    [0.0106651125944, -0.007748527655, -0.010527249326, -0.005254103138, -0.0002867522506,
     0.002770444394],
    [-0.0077485276545, 0.013205783756, 0.006523931653, 0.003451973829, 0.0031984064328,
     -0.010707609035],
    [-0.0105272493261, 0.006523931653, 0.380287907842, -0.001168723266, -0.0329565224388,
     0.050798514974],
    [-0.0052541031379, 0.003451973829, -0.001168723266, 0.049105211275, -0.0309821263253,
     0.075894343671],
    [-0.0002867522506, 0.003198406433, -0.032956522439, -0.030982126325, 0.1066944043398,
     -0.244724495768],
    [0.0027704443936, -0.010707609035, 0.050798514974, 0.075894343671, -0.2447244957685,
     0.634865216295]]


def test_contrasts_and_standard_errors_match_rsiena():
    """RSiena's (unexported) influenceTable.se and selectionTable.se, printed by
    scripts/rsiena/tables.R, from the estimates' covariance."""
    names = list(RSIENA_THETA)
    cov = np.eye(len(names))
    at = [names.index(k) for k in RSIENA_COV_NAMES]
    cov[np.ix_(at, at)] = RSIENA_COV
    fit = replace(rsiena_fit(), cov=cov)
    inf = influence_table(fit, s50_drink(), "drink")
    w = np.zeros((5, 5))
    w[4, 4], w[0, 4] = 1, -1  # ego 5 minus ego 1, every alter at 5
    value, se = inf.contrast(w)
    assert value == pytest.approx(11.8283, abs=5e-5) and se == pytest.approx(6.722055345,
                                                                            abs=5e-9)
    sel = selection_table(fit, s50_drink(), "drink")
    w = np.zeros((5, 5))
    w[0, 0], w[0, 4] = 1, -1  # ego 1: alter 1 minus alter 5
    value, se = sel.contrast(w)
    assert value == pytest.approx(1.684, abs=5e-4) and se == pytest.approx(0.7969615448,
                                                                          abs=5e-10)
    # a fixed parameter has no variance (RSiena sets its NA covariance to 0)
    fixed = replace(fit, fixed=np.array([k == "simX:drink" for k in names]),
                    stat_names=tuple(k for k in names if k != "simX:drink"),
                    cov=np.delete(np.delete(cov, 7, 0), 7, 1))
    part = selection_table(fixed, s50_drink(), "drink")
    assert part.cov[2].tolist() == [0.0, 0.0, 0.0]
    grad = np.array([-4.0, 0.0])  # altX's and egoX's weights, as RSiena printed them
    assert part.contrast(w)[1] == pytest.approx(np.sqrt(grad @ cov[5:7, 5:7] @ grad))
    with pytest.raises(ValueError, match=r"weights: shape \(2, 2\); allowed: finite "
                                         r"numbers of shape \(5, 5\)"):
        sel.contrast(np.eye(2))


def test_tables_match_rsiena():
    fit, data = rsiena_fit(), s50_drink()
    sel = selection_table(fit, data, "drink")
    inf = influence_table(fit, data, "drink")
    assert sel.ego == sel.alter == inf.ego == (1.0, 2.0, 3.0, 4.0, 5.0)  # observed range
    assert sel.centring.mean == pytest.approx(RSIENA_MEAN, abs=1e-11)
    assert sel.centring.sim_mean == pytest.approx(RSIENA_SIM_MEAN, abs=1e-11)
    assert [str(p) for p in sel.effects] == ["altX:drink", "egoX:drink", "simX:drink"]
    assert [str(p) for p in inf.effects] == ["drink: linear", "drink: quad", "drink: avAlt"]
    # RSiena printed 10 significant digits of theta and of the tables
    np.testing.assert_allclose(sel.values, RSIENA_SELECTION, rtol=0, atol=5e-9)
    np.testing.assert_allclose(inf.values, np.transpose(RSIENA_INFLUENCE), rtol=0, atol=5e-9)


def test_influence_table_is_the_kernels_behaviour_objective():
    """Along a row of the table (alters fixed at z_j), the step from ego's value z to z + 1
    is the kernel's change of ego's objective function for the move +1, with ego's
    out_degree friends at z_j and two more actors ego does not name."""
    data = s50_drink()
    effects = {"linear": 0.3, "quad": -0.4, "avAlt": 1.1, "totAlt": 0.2, "avSim": 0.9,
               "totSim": 0.5}
    fit = hand_made(["density", "simX:drink", *(f"drink: {k}" for k in effects)],
                    [-2.0, 1.0, *effects.values()])
    b = bh.behaviour("drink", ALCOHOL)
    k = 3
    table = influence_table(fit, data, "drink", alter_levels=[1, 2, 4, 5], out_degree=k)
    assert table.values.shape == (5, 4) and table.out_degree == k
    n = k + 3
    x = np.zeros((n, n), dtype=np.int8)
    x[0, 1:k + 1] = 1
    x[k + 1, 0] = x[k + 2, 1] = 1  # ties that do not touch ego's objective
    stats = np.array([[b.mean], [float(b.range)], [b.sim_mean]])
    for a, zj in enumerate(table.alter):
        for e in range(4):
            z = np.array([table.ego[e], *[zj] * k, 1.0, 5.0])
            step = 0.0
            for name, beta in effects.items():
                c = bh.effect_change(bh.BEHAVIOUR_EFFECTS[name].code, -1, 0, 1.0, x,
                                     x.sum(0), x.sum(1), z, b.mean,
                                     float(b.range), b.sim_mean, z[None], stats)
                if name == "totSim":  # RSiena's ministep contribution subtracts k simMean
                    c += k * b.sim_mean
                step += beta * c
            assert table.values[e + 1, a] - table.values[e, a] == pytest.approx(step, rel=0,
                                                                                abs=1e-12)
    # the level: at ego's mean value every effect but avSim and totSim vanishes
    at_mean = influence_table(fit, data, "drink", levels=[b.mean], alter_levels=[b.mean])
    assert at_mean.values[0, 0] == pytest.approx((0.9 + 0.5) * (1 - b.sim_mean))


def test_selection_table_is_the_kernels_tie_objective():
    """The table at (v_i, v_j) is the kernel's log-odds of ego i creating the tie to j
    against no change, from an empty network, with the covariate effects alone: every
    pair of observed levels, centred by the s50 covariate's own mean and similarity."""
    alcohol = ALCOHOL[:, 0].astype(float)
    effects = {"egoX:alc": 0.3, "altX:alc": -0.2, "simX:alc": 1.3, "sameX:alc": 0.4,
               "egoXaltX:alc": 0.15}
    data = ClassData(S50.waves, covariates={"alc": alcohol, "smoke": ALCOHOL[:, 1]})
    fit = hand_made(["rate 1", "rate 2", "density", "recip", *effects, "egoX:smoke"],
                    [5.0, 4.0, -2.0, 2.0, *effects.values(), 0.7])
    table = selection_table(fit, data, "alc")
    assert table.ego == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert [str(p) for p in table.effects] == list(effects)
    x, spec = specification.build(Start(np.zeros((50, 50), np.int8),
                                        covariates={"alc": alcohol}), Model(effects), rate=1.0)
    first = {v: int(np.flatnonzero(alcohol == v)[0]) for v in table.ego}
    for e, vi in enumerate(table.ego):
        i = first[vi]
        p = kernel_probabilities(x, i, spec)
        for a, vj in enumerate(table.alter):
            j = next(j for j in np.flatnonzero(alcohol == vj) if j != i)
            assert table.values[e, a] == pytest.approx(np.log(p[j] / p[i]), abs=1e-9)


def test_creation_and_endowment_effects_and_leaving_out():
    data = s50_drink()
    fit = hand_made(["density", "altX:drink", "simX:drink[endow]", "egoX:drink[creation]",
                     "egoX:drink*recip", "drink: linear", "drink: indeg"],
                    [-2.0, 0.5, 1.0, 0.25, 0.3, 0.2, 0.1])
    with pytest.raises(ValueError, match=r"cannot hold 'egoX:drink\*recip'.*leave_out"):
        selection_table(fit, data, "drink")
    left = ["egoX:drink*recip"]
    plain = selection_table(fit, data, "drink", leave_out=left)
    endow = selection_table(fit, data, "drink", include="endow", leave_out=left)
    creation = selection_table(fit, data, "drink", include="creation", leave_out=left)
    assert [str(p) for p in plain.effects] == ["altX:drink"]
    assert "simX:drink[endow] (type endow)" in plain.omitted
    assert "egoX:drink*recip" in plain.table()
    b = bh.behaviour("drink", ALCOHOL)
    sim = 1 - np.abs(np.subtract.outer(plain.ego, plain.alter)) / 4 - b.sim_mean
    np.testing.assert_allclose(endow.values - plain.values, 1.0 * sim)
    ego = np.subtract.outer(np.array(plain.ego), 0 * np.array(plain.alter)) - b.mean
    np.testing.assert_allclose(creation.values - plain.values, 0.25 * ego)
    with pytest.raises(ValueError, match=r"cannot hold 'drink: indeg'.*linear, quad, avAlt"):
        influence_table(fit, data, "drink")
    only = influence_table(fit, data, "drink", leave_out=["drink: indeg"])
    np.testing.assert_allclose(only.values, 0.2 * ego)
    alter = selection_table(fit, data, "drink", leave_out=[*left, "altX:drink"],
                            include="endow")
    np.testing.assert_allclose(alter.values, 1.0 * sim)
    with pytest.raises(ValueError, match="leave_out names 'drink: avAlt', which is not an "
                                         "effect of 'drink' in the fit"):
        influence_table(fit, data, "drink", leave_out=["drink: indeg", "drink: avAlt"])


@pytest.mark.parametrize("call, message", [
    (lambda f, d: selection_table(f, d, "beer"),
     "no covariate or behaviour 'beer' in the data; allowed: smoke, drink"),
    (lambda f, d: selection_table(f, d, "smoke"),
     "no selection effect of 'smoke'; variables with one: drink"),
    (lambda f, d: influence_table(f, d, "smoke"),
     "no behaviour 'smoke' in the data; behaviours: drink"),
    (lambda f, d: selection_table(f, d, "drink", include="maintain"),
     "include='maintain'; allowed: eval, endow, creation"),
    (lambda f, d: selection_table(f, d, "drink", levels=[]), "levels=\\[\\]; allowed"),
    (lambda f, d: selection_table(f, d, "drink", alter_levels=["a"]), "alter_levels="),
    (lambda f, d: influence_table(f, d, "drink", out_degree=0), "out_degree=0; allowed"),
    (lambda f, d: selection_table(f, "s50", "drink"), "ClassData"),
    (lambda f, d: selection_table({"density": 1.0}, d, "drink"), "fit: an Estimate"),
])
def test_bad_requests_name_what_is_allowed(call, message):
    with pytest.raises(ValueError, match=message):
        call(rsiena_fit(), s50_drink())


def test_several_classes_need_a_group():
    one = s50_drink()
    two = ClassData(S50.waves, covariates=one.covariates,
                    behaviours={"drink": np.minimum(ALCOHOL + 1, 5)}, name="b")
    data = Data([ClassData(one.waves, covariates=one.covariates, behaviours=one.behaviours,
                           name="a"), two])
    with pytest.raises(ValueError, match=r"2 classes, each centred by its own mean; name one "
                                         r"with group= \(lbsim: --group\): a, b"):
        influence_table(rsiena_fit(), data, "drink")
    with pytest.raises(ValueError, match="no class 'c'; classes: a, b"):
        influence_table(rsiena_fit(), data, "drink", group="c")
    a = influence_table(rsiena_fit(), data, "drink", group="a")
    b = influence_table(rsiena_fit(), data, "drink", group="b")
    np.testing.assert_allclose(a.values, influence_table(rsiena_fit(), one, "drink").values)
    assert b.centring.mean > a.centring.mean and b.ego == (2.0, 3.0, 4.0, 5.0)


def test_frame_text_and_plot(tmp_path):
    sel = selection_table(rsiena_fit(), s50_drink(), "drink", levels=[1, 3, 5])
    frame = sel.to_frame()
    assert list(frame.columns) == ["ego", "alter", "value"] and len(frame) == 9
    assert frame.set_index(["ego", "alter"]).loc[(5.0, 1.0), "value"] == sel.values[2, 0]
    text = sel.table()
    assert "ego \\ alter" in text and f"{sel.values[1, 2]:.4f}" in text
    assert "simX:drink 1.4372" in text and "mean 3.1133" in text
    far = influence_table(rsiena_fit(), s50_drink(), "drink", levels=[1, 99])
    cells = far.table().splitlines()[2].split()[1:]  # wide values stay apart
    assert [float(c) for c in cells] == pytest.approx(far.values[0], abs=1e-4)
    assert abs(far.values[0, 1]) > 100
    for table in (sel, influence_table(rsiena_fit(), s50_drink(), "drink")):
        path = tmp_path / f"{table.kind}.png"
        table.plot(path)
        assert_drawn(path)


def _saved_fit(folder):
    """The RSiena estimates saved as lbsim estimate --out saves a fit of s50 with drink."""
    est = rsiena_fit()
    save_fit(folder, est, effects=["density", "recip", "transTrip", "altX:drink",
                                   "egoX:drink", "simX:drink"],
             classes=[FitClass("", list(S50.waves), {})],
             model={"behaviours": {"drink": ALCOHOL},
                    "behaviour_effects": {"drink": ["linear", "quad", "avAlt"]}})
    return folder


def test_commands_print_the_tables_and_save_the_plots(tmp_path):
    fit = _saved_fit(tmp_path / "fit")
    runner = CliRunner()
    sel = runner.invoke(app, ["selection-table", "--fit", str(fit), "--covariate", "drink"])
    assert sel.exit_code == 0, sel.output
    assert f"{RSIENA_SELECTION[0][1]:.4f}" in sel.output and "selection table" in sel.output
    plot = tmp_path / "influence.png"
    inf = runner.invoke(app, ["influence-table", "--fit", str(fit), "--behaviour", "drink",
                              "--levels", "1,5", "--alter-levels", "2,4", "--plot",
                              str(plot)])
    assert inf.exit_code == 0, inf.output
    assert f"{RSIENA_INFLUENCE[3][4]:.4f}" in inf.output and f"-> {plot}" in inf.output
    assert_drawn(plot)
    again = runner.invoke(app, ["influence-table", "--fit", str(fit), "--behaviour", "drink",
                                "--plot", str(plot)])
    assert again.exit_code == 2 and "exists" in again.output
    assert runner.invoke(app, ["influence-table", "--fit", str(fit), "--behaviour", "drink",
                               "--plot", str(plot), "--overwrite"]).exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["selection-table", "--covariate", "beer"], "no covariate or behaviour 'beer'"),
    (["influence-table", "--behaviour", "drink", "--levels", "1,x"], "--levels '1,x'"),
    (["selection-table", "--covariate", "drink", "--alter-levels", "1,nan"],
     "--alter-levels '1,nan': allowed: comma-separated numbers"),
    (["influence-table", "--behaviour", "drink", "--plot", "out.txt"], ".png"),
    (["selection-table", "--covariate", "drink", "--include", "both"], "include='both'"),
    (["selection-table", "--covariate", "drink", "--plot", "no/sel.png"], "does not exist"),
])
def test_commands_reject_bad_input(tmp_path, monkeypatch, args, message):
    fit = _saved_fit(tmp_path / "fit")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*args, "--fit", str(fit)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "out.txt").exists() and not (tmp_path / "no").exists()


def test_a_plot_that_cannot_be_written_exits_2_and_leaves_nothing(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    fit = _saved_fit(tmp_path / "fit")

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full_disk)
    plot = tmp_path / "plots" / "sel.png"
    plot.parent.mkdir()
    result = CliRunner().invoke(app, ["selection-table", "--fit", str(fit), "--covariate",
                                      "drink", "--plot", str(plot)])
    assert result.exit_code == 2, result.output
    assert "--plot" in result.output and "No space left" in result.output
    assert list(plot.parent.iterdir()) == []
