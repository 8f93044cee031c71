"""Relative importance of effects (sim.saom.importance, RSiena's sienaRI): a brute-force
computation from the definition with effect formulas written out here, RSiena 1.5.0's
numbers on s50, the choice probabilities of the plain reference simulator, properties of
the measure, bad input and ``lbsim importance``."""

import numpy as np
import pytest
from helpers import assert_drawn
from typer.testing import CliRunner

import sim.data
from sim.cli.main import app
from sim.io.fit import FitClass, save_fit
from sim.saom import ClassData, Data, Estimate, relative_importance
from sim.saom import reference as ref
from sim.saom import specification as sp
from sim.saom.model import Model
from sim.saom.names import Parameter
from sim.saom.start import Start

runner = CliRunner()
S50 = ("density", "recip", "transTrip", "inPop")


def fit_of(values: dict, behaviours=()) -> Estimate:
    """An estimate with these parameters (the rest of an Estimate is not read)."""
    names = tuple(Parameter.parse(k, behaviours) for k in values)
    k = len(names)
    zero = np.zeros(k)
    return Estimate(names, np.array(list(values.values()), float), zero, np.zeros(k, bool),
                    np.eye(k), tuple(map(str, names)), zero, zero, zero, zero, 0.0, np.eye(k))


def random_waves(n, count, p, seed):
    rng = np.random.default_rng(seed)
    waves = (rng.random((count, n, n)) < p).astype(np.int8)
    for w in waves:
        np.fill_diagonal(w, 0)
    return list(waves)


# --- brute force from the definition ---------------------------------------------------

def statistics(x, i):
    """s_i(x) of density, recip, transTrip, inPop, written from their definitions."""
    n = len(x)
    indeg = x.sum(0)
    return np.array([
        sum(x[i, j] for j in range(n)),
        sum(x[i, j] * x[j, i] for j in range(n)),
        sum(x[i, j] * x[i, h] * x[h, j] for j in range(n) for h in range(n)),
        sum(x[i, j] * indeg[j] for j in range(n)),
    ], dtype=float)


def brute_force(x, theta, zeros=None, cap=None):
    """(relative importance (n, K), certainty (n,), within-ego sd of the changes (n, K)) by
    enumerating every actor's options."""
    n, k = len(x), len(theta)
    relative, certainty = np.full((n, k), np.nan), np.full(n, np.nan)
    sd = np.full((n, k), np.nan)
    for i in range(n):
        options, deltas = [], []
        for j in range(n):
            if j != i and (zeros is not None and zeros[i, j]):
                continue
            if j != i and cap is not None and x[i].sum() >= cap and not x[i, j]:
                continue
            y = x.copy()
            if j != i:
                y[i, j] = 1 - y[i, j]
            options.append(j)
            deltas.append(statistics(y, i) - statistics(x, i))
        if len(options) < 2:
            continue
        deltas = np.array(deltas)
        sd[i] = deltas.std(0, ddof=1)

        def probabilities(t, deltas=deltas):
            w = np.exp(deltas @ t)
            return w / w.sum()

        p = probabilities(np.asarray(theta, float))
        dist = []
        for e in range(k):
            t = np.array(theta, float)
            t[e] = 0.0
            dist.append(np.abs(p - probabilities(t)).sum())
        relative[i] = np.array(dist) / sum(dist)
        certainty[i] = 1 + (p * np.log(p)).sum() / np.log(len(options))
    return relative, certainty, sd


THETA = {"rate 1": 3.0, "density": -1.2, "recip": 1.5, "transTrip": 0.4, "inPop": -0.15}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relative_importance_equals_a_brute_force_enumeration(seed):
    waves = random_waves(7, 2, 0.3, seed)
    res = relative_importance(fit_of(THETA), ClassData(waves))
    assert res.waves == ("1", "2")
    theta = [THETA[k] for k in S50]
    for w, x in enumerate(waves):  # wave 2, the last: its own network
        relative, certainty, sd = brute_force(x, theta)
        np.testing.assert_allclose(res.relative[w], relative, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(res.certainty[w], certainty, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(res.sigma[w], sd, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.expected, [np.mean(r, 0) for r in res.relative])


def test_structural_zeros_and_the_out_degree_cap_leave_options_out():
    waves = random_waves(7, 3, 0.35, 5)
    zeros = np.zeros((7, 7), np.int8)
    zeros[0, 1:] = 1  # actor 0 can name nobody: no choice at all
    zeros[2, [3, 4]] = 1
    for w in waves:
        w[zeros == 1] = 0
    cap = int(max(w.sum(1).max() for w in waves))
    res = relative_importance(fit_of({"rate 1": 3.0, "rate 2": 3.0, **THETA}),
                              ClassData(waves, structural_zeros=zeros), max_outdegree=cap)
    theta = [THETA[k] for k in S50]
    for w, x in enumerate(waves):
        relative, certainty, sd = brute_force(x, theta, zeros, cap)
        np.testing.assert_allclose(res.relative[w], relative, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(res.certainty[w], certainty, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(res.sigma[w], sd, rtol=1e-10, atol=1e-12)
        assert np.isnan(res.relative[w][0]).all() and res.probabilities[w][0, 0] == 1.0
        assert res.probabilities[w][2, [3, 4]].sum() == 0.0
        full = x.sum(1) >= cap
        assert np.all(res.probabilities[w][full] * (1 - x[full]) * (1 - np.eye(7)[full]) == 0)
    assert not np.isnan(res.expected).any()  # the actor without a choice is left out


def test_structural_codes_of_a_wave_fix_its_ties():
    """RSiena's codes 10 (absent) and 11 (present) in a wave: those ties are no option."""
    waves = [w.astype(float) for w in random_waves(6, 2, 0.4, 8)]
    waves[1][1, 2], waves[1][1, 3] = 10, 11
    res = relative_importance(fit_of(THETA), ClassData(waves))
    assert res.probabilities[1][1, [2, 3]].sum() == 0.0
    assert res.probabilities[0][1, [2, 3]].min() > 0.0


# --- the probabilities are those lbsim simulates ----------------------------------------

def test_choice_probabilities_equal_the_reference_ministep():
    """The probabilities behind the importances are the plain reference simulator's (which
    the kernel is tested against), covariate, endowment and creation effects, zeros and
    cap included (RSiena's sienaRI refuses endowment and creation effects)."""
    rng = np.random.default_rng(4)
    n = 9
    x = random_waves(n, 1, 0.3, 4)[0]
    zeros = (rng.random((n, n)) < 0.1).astype(np.int8)
    np.fill_diagonal(zeros, 0)
    x[zeros == 1] = 0
    v = rng.normal(size=n)
    effects = {"density": -1.0, "recip": 1.2, "transTies": 0.5, "cycle3": -0.3,
               "outAct": -0.1, "simX:v": 0.9, "egoX:v": 0.3, "altX:v": -0.4,
               "recip[endow]": 0.7, "transTrip[creation]": 0.2}
    cap = int(x.sum(1).max())
    fit = fit_of({"rate 1": 2.0, **effects})
    res = relative_importance(fit, ClassData([x, x], covariates={"v": v},
                                             structural_zeros=zeros), max_outdegree=cap)
    _, spec = sp.build(Start(x, covariates={"v": v}, structural_zeros=zeros),
                       Model(effects, max_outdegree=cap), rate=1.0)
    for i in range(n):
        np.testing.assert_allclose(res.probabilities[0][i],
                                   ref.choice_probabilities(x, i, spec, {"v": v}),
                                   rtol=1e-9, atol=1e-14)


def test_behaviour_probabilities_equal_the_reference_ministep():
    rng = np.random.default_rng(2)
    n = 8
    waves = random_waves(n, 2, 0.3, 2)
    z = rng.integers(1, 5, size=(n, 2))
    beh = {"linear": 0.4, "quad": -0.2, "avAlt": 1.1, "totSim": 0.6}
    fit = fit_of({"rate 1": 2.0, "rate drink 1": 1.0, "density": -1.0,
                  **{f"drink: {k}": v for k, v in beh.items()}}, ["drink"])
    data = ClassData(waves, behaviours={"drink": z})
    res = relative_importance(fit, data, variable="drink")
    assert [str(e) for e in res.effects] == [f"drink: {k}" for k in beh]
    _, spec = sp.build(Start(waves[0], behaviours={"drink": z}), Model({"density": -1.0}),
                       rate=1.0, behaviour_rates={"drink": 1.0})
    b = spec.behaviours[0]
    for i in range(n):
        np.testing.assert_allclose(res.probabilities[0][i],
                                   ref.behaviour_probabilities(waves[0], z[:, 0], i, b, beh),
                                   rtol=1e-9, atol=1e-14)
    # wave 2: the behaviour of wave 2, the network of wave 1 (module docstring)
    for i in range(n):
        np.testing.assert_allclose(res.probabilities[1][i],
                                   ref.behaviour_probabilities(waves[0], z[:, 1], i, b, beh),
                                   rtol=1e-9, atol=1e-14)
    for r in res.relative:
        seen = ~np.isnan(r).any(1)
        np.testing.assert_allclose(r[seen].sum(1), 1.0)


# --- properties of the measure -----------------------------------------------------------

def test_importances_sum_to_one_and_a_zero_parameter_has_none():
    waves = random_waves(12, 3, 0.2, 3)
    values = {"rate 1": 3.0, "rate 2": 3.0, "density": -1.4, "recip": 1.0,
              "transTrip": 0.0, "inPop": 0.2}
    res = relative_importance(fit_of(values), ClassData(waves))
    for r, a in zip(res.relative, res.absolute, strict=True):
        np.testing.assert_allclose(r.sum(1), 1.0)
        assert (r[:, 2] == 0).all() and (a[:, 2] == 0).all()
        assert ((a >= 0) & (a <= 2)).all()  # an L1 distance of two distributions
    # the other effects' importances do not depend on an effect with parameter 0
    without = relative_importance(fit_of({k: v for k, v in values.items()
                                          if k != "transTrip"}), ClassData(waves))
    for a, b in zip(res.absolute, without.absolute, strict=True):
        np.testing.assert_allclose(a[:, [0, 1, 3]], b, rtol=1e-12)


def test_a_lone_effect_has_all_the_importance_and_actors_relabel_with_the_network():
    waves = random_waves(10, 2, 0.25, 6)
    lone = relative_importance(fit_of({"rate 1": 2.0, "density": 0.0, "recip": 1.3}),
                               ClassData(waves))
    np.testing.assert_array_equal(lone.expected, [[0.0, 1.0], [0.0, 1.0]])
    res = relative_importance(fit_of(THETA), ClassData(waves))
    order = np.random.default_rng(0).permutation(10)
    moved = relative_importance(fit_of(THETA), ClassData([w[np.ix_(order, order)]
                                                          for w in waves]))
    for a, b in zip(res.relative, moved.relative, strict=True):
        np.testing.assert_allclose(a[order], b, rtol=1e-10)
    np.testing.assert_allclose(res.expected, moved.expected, rtol=1e-10)


def test_a_time_dummy_counts_in_its_period():
    """'recip x period 2' is added to recip in period 2, as estimation simulates it: at
    wave 3 (the end of period 2) the importances are those with recip + dummy, before it
    those without."""
    data = ClassData(random_waves(8, 3, 0.3, 12))
    base = {"rate 1": 3.0, "rate 2": 3.0, **{k: v for k, v in THETA.items() if k != "rate 1"}}
    dummy = relative_importance(fit_of({**base, "recip x period 2": 1.0}), data)
    plain = relative_importance(fit_of(base), data)
    moved = relative_importance(fit_of({**base, "recip": base["recip"] + 1.0}), data)
    assert dummy.effects == plain.effects
    np.testing.assert_allclose(dummy.expected[:2], plain.expected[:2], rtol=1e-12)
    np.testing.assert_allclose(dummy.expected[2], moved.expected[2], rtol=1e-12)
    assert not np.allclose(dummy.expected[2], plain.expected[2])


def test_several_classes_are_reported_class_by_class():
    one, two = random_waves(6, 2, 0.3, 10), random_waves(8, 3, 0.3, 11)
    data = Data([ClassData(one, name="a"), ClassData(two, name="b")])
    theta = {"rate a 1": 2.0, "rate b 1": 2.0, "rate b 2": 2.0, "density": -1.2,
             "recip": 1.5, "transTrip": 0.4, "inPop": -0.15}
    res = relative_importance(fit_of(theta), data)
    assert res.waves == ("a 1", "a 2", "b 1", "b 2", "b 3")
    renamed = {k.replace("rate a", "rate school01"): v for k, v in theta.items()}
    named = relative_importance(fit_of(renamed), Data(
        [ClassData(one, name="school01"), ClassData(two, name="b")]))
    head = named.table().splitlines()[1].split()  # labels apart, however long
    assert head[:5] == ["effect", "wave", "school01", "1", "wave"], head
    alone = relative_importance(fit_of(THETA), ClassData(one))
    np.testing.assert_allclose(res.relative[1], alone.relative[1], rtol=1e-12)
    assert res.relative[4].shape == (8, 4)
    only = relative_importance(fit_of(theta), data, wave="b 2")
    assert only.waves == ("b 2",)
    np.testing.assert_array_equal(only.relative[0], res.relative[3])


# --- RSiena 1.5.0 on s50 -------------------------------------------------------------------

def s50(behaviour=False) -> ClassData:
    record = sim.data.load("s50").classes[0]
    data = ClassData.from_record(record)
    if behaviour:
        return ClassData(data.waves, behaviours={"drink": record.covariates["alcohol"]})
    return ClassData(data.waves)


def test_s50_equals_rsiena_sienaRI():
    """Printed by ``Rscript scripts/rsiena/importance.R -2.4 2.6 0.6 -0.05``."""
    theta = dict(zip(S50, (-2.4, 2.6, 0.6, -0.05), strict=True))
    res = relative_importance(fit_of({"rate 1": 6.0, "rate 2": 5.0, **theta}), s50())
    np.testing.assert_allclose(res.expected.T, [[0.3873, 0.4532, 0.3850],
                                                [0.3891, 0.3298, 0.3518],
                                                [0.1607, 0.1578, 0.2043],
                                                [0.0628, 0.0593, 0.0589]], atol=5e-5)
    np.testing.assert_allclose(res.expected_absolute.T, [[0.7978, 0.8961, 0.7348],
                                                         [0.8452, 0.7004, 0.7661],
                                                         [0.3820, 0.3628, 0.5030],
                                                         [0.1256, 0.1137, 0.1088]], atol=5e-5)
    np.testing.assert_allclose(res.mean_certainty, [0.2495, 0.3272, 0.3112], atol=5e-5)
    np.testing.assert_allclose(res.mean_sigma.T, [[0.4361, 0.4406, 0.4493],
                                                  [0.2125, 0.2154, 0.2197],
                                                  [0.6330, 0.6693, 0.8445],
                                                  [2.0910, 2.0904, 2.1216]], atol=5e-5)
    np.testing.assert_allclose(res.relative[0][:5].T,
                               [[0.544645, 0.332494, 0.272811, 0.272811, 0.304397],
                                [0.223932, 0.485171, 0.507523, 0.507523, 0.567015],
                                [0.126035, 0.107400, 0.175579, 0.175579, 0.071485],
                                [0.105388, 0.074935, 0.044088, 0.044088, 0.057103]],
                               atol=5e-7)
    np.testing.assert_allclose(res.certainty[0][:5],
                               [0.469431, 0.143264, 0.086134, 0.086134, 0.122672], atol=5e-7)


def test_s50_coevolution_equals_rsiena_sienaRI():
    """Printed by ``Rscript scripts/rsiena/importance.R -2.4 2.6 0.8 0.3 -0.1 1.2``: the
    network at every wave; the behaviour at wave 1 (at later waves RSiena 1.5.0 reads its
    contributions at the wave before, lbsim at the wave itself: module docstring)."""
    fit = fit_of({"rate 1": 6.0, "rate 2": 5.0, "rate drink 1": 1.5, "rate drink 2": 1.5,
                  "density": -2.4, "recip": 2.6, "simX:drink": 0.8, "drink: linear": 0.3,
                  "drink: quad": -0.1, "drink: avAlt": 1.2}, ["drink"])
    net = relative_importance(fit, s50(behaviour=True))
    np.testing.assert_allclose(net.expected.T, [[0.4878, 0.5477, 0.5021],
                                                [0.4368, 0.3775, 0.4258],
                                                [0.0754, 0.0748, 0.0720]], atol=5e-5)
    np.testing.assert_allclose(net.mean_certainty, [0.2823, 0.3214, 0.3012], atol=5e-5)
    np.testing.assert_allclose(net.mean_sigma.T, [[0.4361, 0.4406, 0.4493],
                                                  [0.2125, 0.2154, 0.2197],
                                                  [0.2259, 0.2268, 0.2409]], atol=5e-5)
    drink = relative_importance(fit, s50(behaviour=True), variable="drink", wave=1)
    np.testing.assert_allclose(drink.expected[0], [0.2601, 0.1602, 0.5797], atol=5e-5)
    np.testing.assert_allclose(drink.expected_absolute[0], [0.1648, 0.1060, 0.5241],
                               atol=5e-5)
    np.testing.assert_allclose(drink.mean_sigma[0], [0.9592, 1.8737, 0.8473], atol=5e-5)
    np.testing.assert_allclose(drink.relative[0][:5, 2],
                               [0.784291, 0.869217, 0.711545, 0.711545, 0.784291], atol=5e-7)
    np.testing.assert_allclose(drink.certainty[0][:5],
                               [0.375111, 0.631844, 0.162985, 0.162985, 0.375111], atol=5e-7)


# --- the result and bad input ---------------------------------------------------------------

def test_table_frame_and_plot(tmp_path):
    res = relative_importance(fit_of(THETA), ClassData(random_waves(8, 2, 0.3, 1)))
    text = res.table()
    assert "wave 1" in text and "wave 2" in text and f"{res.expected[1, 3]:.4f}" in text
    frame = res.to_frame()
    assert len(frame) == 2 * 4
    np.testing.assert_allclose(frame["expected"], res.expected.ravel())
    actors = res.to_frame(actors=True)
    assert len(actors) == 2 * 8 * 4
    np.testing.assert_allclose(actors.groupby(["wave", "effect"], sort=False)["relative"]
                               .mean(), res.expected.ravel())
    res.plot(tmp_path / "ri.png")
    assert_drawn(tmp_path / "ri.png")


def test_bad_requests_name_what_is_allowed():
    waves = random_waves(6, 3, 0.3, 0)
    fit = fit_of({"rate 1": 2.0, "rate 2": 2.0, "density": -1.0, "recip": 1.0})
    data = ClassData(waves)
    for wave in (0, 4, "x", True):
        with pytest.raises(ValueError, match="allowed: 1 to 3"):
            relative_importance(fit, data, wave=wave)
    with pytest.raises(ValueError, match="variable 'drink'; allowed: network"):
        relative_importance(fit, data, variable="drink")
    with pytest.raises(ValueError, match="periods"):
        relative_importance(fit, ClassData(waves[:2]))
    with pytest.raises(ValueError, match="covariate 'v'"):
        relative_importance(fit_of({"rate 1": 2.0, "rate 2": 2.0, "egoX:v": 1.0}), data)
    with pytest.raises(ValueError, match="behaviours"):
        relative_importance(fit, ClassData(waves, behaviours={"d": np.ones((6, 3)) +
                                                              np.eye(6, 3)}))
    with pytest.raises(ValueError, match="an Estimate"):
        relative_importance({"density": 1.0}, data)
    with pytest.raises(ValueError, match="composition"):
        relative_importance(fit, ClassData(waves, composition=[(1, 3)] * 6))
    with pytest.raises(ValueError, match="max_outdegree"):
        relative_importance(fit, data, max_outdegree=0)


def test_lbsim_importance_prints_the_expected_importance(tmp_path):
    record = sim.data.load("s50").classes[0]
    theta = {"rate 1": 6.0, "rate 2": 5.0, "density": -2.4, "recip": 2.6, "transTrip": 0.6,
             "inPop": -0.05}
    save_fit(tmp_path / "fit", fit_of(theta), effects=list(S50),
             classes=[FitClass("", list(record.waves))], model={"conditional": False},
             seed=1)
    result = runner.invoke(app, ["importance", "--fit", str(tmp_path / "fit"), "--plot",
                                 str(tmp_path / "ri.png")])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()
            if line.split() and line.split()[0] in S50]
    assert rows[0] == ["density", "0.3873", "0.4532", "0.3850"]  # RSiena's, as above
    assert rows[4] == ["density", "0.7978", "0.8961", "0.7348"]  # expected importance
    assert "standard deviation of the change statistics, not times the parameter" in \
        result.output and float(rows[-1][1]) > 0  # inPop's sigma, its parameter -0.05
    assert_drawn(tmp_path / "ri.png")
    again = runner.invoke(app, ["importance", "--fit", str(tmp_path / "fit"), "--plot",
                                str(tmp_path / "ri.png")])
    assert again.exit_code == 2 and "exists" in again.output, again.output
    save_fit(tmp_path / "capped", fit_of(theta), effects=list(S50),
             classes=[FitClass("", list(record.waves))],
             model={"conditional": False, "max_outdegree": 5}, seed=1)
    capped = runner.invoke(app, ["importance", "--fit", str(tmp_path / "capped")])
    assert capped.exit_code == 0, capped.output  # actors naming 5 cannot add a sixth
    assert capped.output.split("\n")[2] != result.output.split("\n")[2]
    for args, what in ((["--fit", str(tmp_path / "none")], "none"),
                       (["--fit", str(tmp_path / "fit"), "--plot", str(tmp_path / "x.txt")],
                        "an image file name ending in one of"),
                       (["--fit", str(tmp_path / "fit"), "--plot",
                         str(tmp_path / "no" / "ri.png")], "does not exist")):
        bad = runner.invoke(app, ["importance", *args])
        assert bad.exit_code == 2 and what in bad.output, bad.output
