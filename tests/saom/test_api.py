"""The researcher's API of sim.saom (RSiena's workflow: data, model, algorithm, estimate;
results with .table() and .to_frame()): parameter names as values, validation, several
classes with dyadic covariates and structural zeros, separate fits pooled, and results
whose table and frame show the arrays they hold."""

import dataclasses
import inspect

import numpy as np
import pytest
from helpers import fitted_periods, load_s50

import sim.data
import sim.saom
from sim.data import ClassWaves
from sim.saom import (
    Algorithm,
    ClassData,
    Data,
    Estimate,
    MetaAnalysis,
    Model,
    Parameter,
    estimate,
    goodness_of_fit,
    pooled,
    simulate_periods,
)
from sim.saom import gof as gof_module
from sim.saom.meta import meta_analysis
from sim.saom.robbins_monro import robbins_monro

FAST = Algorithm(subphases=1, n3=60, refine=0)
TRUTH = {"density": -1.6, "recip": 2.0}

# records the engine returns (one field per array) and the algorithm's settings (as
# RSiena's sienaAlgorithmCreate): frozen dataclasses, not calls with many options
RECORDS = {"Estimate", "MetaAnalysis", "Pooled", "GofResult", "GofTest", "RobbinsMonro",
           "Runs", "PeriodResult", "PeriodsResult", "Algorithm", "ScoreTest"}


def test_public_callables_have_at_most_eight_parameters():
    wide = set()
    for name in sim.saom.__all__:
        obj = getattr(sim.saom, name)
        if not callable(obj):
            continue
        if name in RECORDS:
            assert dataclasses.is_dataclass(obj) and obj.__dataclass_params__.frozen, name
            continue
        if len(inspect.signature(obj).parameters) > 8:
            wide.add(name)
    assert wide == set()


def test_estimate_is_importable_from_the_package():
    assert sim.saom.estimate is estimate and callable(estimate)
    assert {"estimate", "Data", "ClassData", "Model", "Algorithm", "Parameter"} <= set(
        sim.saom.__all__)


RSIENA_NAMES = [  # (name, behaviours, fields)
    ("rate 1", (), {"period": 1}),
    ("rate 2 3", (), {"group": "2", "period": 3}),
    ("rate school01 2", (), {"group": "school01", "period": 2}),
    ("rate drink 1", ("drink",), {"behaviour": "drink", "period": 1}),
    ("rate drink school01 2", ("drink",), {"behaviour": "drink", "group": "school01",
                                           "period": 2}),
    ("density", (), {"effect": "density"}),
    ("simX:alcohol", (), {"effect": "simX:alcohol"}),
    ("egoX:alcohol", (), {"effect": "egoX:alcohol"}),
    ("recip[endow]", (), {"effect": "recip[endow]"}),
    ("gwespFF(69)", (), {"effect": "gwespFF(69)"}),
    ("egoX:stigma*altX:notlb", (), {"effect": "egoX:stigma*altX:notlb"}),
    ("drink: avAlt", (), {"effect": "avAlt", "behaviour": "drink"}),
]


@pytest.mark.parametrize("text, behaviours, expected", RSIENA_NAMES)
def test_names_parse_and_print_as_rsiena_strings(text, behaviours, expected):
    p = Parameter.parse(text, behaviours)
    assert str(p) == text and f"{p:>30}" == f"{text:>30}"
    assert p == Parameter(**expected) and p == text and hash(p) == hash(text)
    assert p.is_rate == ("period" in expected)
    assert Parameter.parse(str(p), behaviours) == p
    assert p.statistic == (text.replace("rate", "changes", 1) if p.is_rate else text)


def test_rate_of_a_behaviour_needs_the_behaviours_names():
    assert Parameter.parse("rate drink 1").group == "drink"  # a class named drink
    assert Parameter.parse("rate drink 1", ["drink"]).behaviour == "drink"


@pytest.mark.parametrize("text", ["", "   ", "rate", "rate x", "rate 0", "rate -1",
                                  "rate a b c 1", "density recip", 12, "simX:", "egoX:a*"])
def test_bad_names_are_refused(text):
    with pytest.raises(ValueError, match="name|rate"):
        Parameter.parse(text)


@pytest.mark.parametrize("fields", [{}, {"effect": "density", "period": 1},
                                    {"effect": "density", "group": "a"},
                                    {"period": 1, "group": "a b"}, {"period": True}])
def test_bad_parameters_are_refused(fields):
    with pytest.raises(ValueError, match="parameter"):
        Parameter(**fields)


def waves(seed: int, n: int = 20, periods: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    x = (rng.random((n, n)) < 3 / n).astype(np.int8)
    np.fill_diagonal(x, 0)
    out = [x]
    for m in range(periods):
        out.append(simulate_periods(out[-1], TRUTH, rate=4.0, runs=1,
                                    seed=[seed, m]).networks[0])
    return out


@pytest.mark.parametrize("make, message", [
    (lambda: ClassData([np.zeros((3, 3))]), "at least two"),
    (lambda: ClassData(np.zeros((3, 3))), "at least two"),
    (lambda: ClassData([np.zeros((3, 3)), np.zeros((4, 4))]), "wave 2: 4 x 4"),
    (lambda: ClassData([np.zeros((3, 3))] * 2, covariates={"a": [1, 2]}),
     r"covariates\['a'\]: shape \(2,\); allowed: \(3,\)"),
    (lambda: ClassData([np.zeros((3, 3))] * 2, dyadic={"d": np.zeros(3)}),
     r"dyadic\['d'\]: shape \(3,\); allowed: \(3, 3\)"),
    (lambda: ClassData([np.zeros((3, 3))] * 2, behaviours={"z": np.zeros((3, 3))}),
     r"behaviours\['z'\]: shape \(3, 3\); allowed: \(3, 2\)"),
    (lambda: ClassData([np.zeros((3, 3))] * 2, covariates={"a b": np.zeros(3)}),
     "without spaces"),
    (lambda: ClassData([np.zeros((3, 3))] * 2, name="class 1"), "class name"),
    (lambda: ClassData([np.zeros((3, 3))] * 2, composition=[(1, 2)]), "composition"),
    (lambda: Data([]), "non-empty list of ClassData"),
    (lambda: Data([ClassData([np.zeros((3, 3))] * 2, name="a")] * 2), "'a' given twice"),
    (lambda: Data([ClassData([np.zeros((3, 3))] * 2, covariates={"a": np.zeros(3)}),
                   ClassData([np.zeros((3, 3))] * 2)]), "same names"),
    (lambda: ClassData([np.zeros((3, 2))] * 2), "wave 1: 3 x 2 of float64; allowed: a square"),
    (lambda: ClassData([np.zeros(3)] * 2), "wave 1: 3 of float64; allowed: a square"),
    (lambda: ClassData([np.zeros((3, 3)), np.zeros((4, 4))]),
     "wave 2: 4 x 4, wave 1 is 3 x 3; allowed: the same actors in every wave"),
    (lambda: Algorithm(n3=0), r"Algorithm n3: 0; allowed: an integer >= 2"),
    (lambda: Algorithm(n3=20.5), r"Algorithm n3: 20.5; allowed: an integer >= 2"),
    (lambda: Algorithm(subphases=-1), "Algorithm subphases: -1"),
    (lambda: Algorithm(reduceg=1.5), r"Algorithm reduceg: 1.5; allowed: a number > 0 and <= 1"),
    (lambda: Algorithm(diagonalize=-0.1), r"Algorithm diagonalize: -0.1; allowed"),
    (lambda: Algorithm(firstg=0), "Algorithm firstg"),
    (lambda: Model("density"), "Model effects"),
    (lambda: Model(["density"], max_outdegree=0), "max_outdegree"),
    (lambda: Model(["density"], fixed=["rate x"]), "rate name"),
])
def test_bad_data_and_models_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_estimate_refuses_what_it_cannot_do():
    one = ClassData(waves(1))
    with pytest.raises(ValueError, match="separately: needs several classes"):
        estimate(one, Model(["density"]), separately=True)
    with pytest.raises(ValueError, match="model: a Model"):
        estimate(one, ["density"])
    with pytest.raises(ValueError, match="data: a ClassData"):
        estimate(waves(1), Model(["density"]))
    with pytest.raises(ValueError, match="algorithm"):
        estimate(one, Model(["density"]), algorithm={"n3": 10})


def test_estimate_and_its_table_and_frame_agree():
    est = estimate(ClassData(waves(2, periods=2)), Model(TRUTH, fixed=["recip"]), seed=4,
                   algorithm=FAST)
    assert isinstance(est, Estimate)
    assert [str(n) for n in est.names] == ["rate 1", "rate 2", "density", "recip"]
    assert all(isinstance(n, Parameter) for n in est.names)
    frame = est.to_frame()
    assert list(frame["parameter"]) == [str(n) for n in est.names]
    np.testing.assert_array_equal(frame["estimate"], est.theta)
    np.testing.assert_array_equal(frame["se"], est.se)
    np.testing.assert_array_equal(frame["fixed"], est.fixed)
    free = ~est.fixed
    np.testing.assert_array_equal(frame["target"][free], est.targets)
    np.testing.assert_array_equal(frame["t_ratio"][free], est.t_ratios)
    assert frame["target"][est.fixed].isna().all()
    table = est.table()
    for name, v in zip(est.names, est.theta, strict=True):
        assert f"{name!s:<28}{v:>10.3f}" in table
    assert est["recip"] == est.theta[3] == 2.0 and est.as_dict()["rate 2"] == est.theta[1]
    with pytest.raises(ValueError, match="no parameter 'transTrip'"):
        est["transTrip"]
    with pytest.raises(KeyError, match="no parameter 'transTrip'"):  # as for a mapping
        est["transTrip"]
    assert "recip" in est and Parameter.parse("rate 1") in est and "transTrip" not in est
    assert list(est) == list(est.names) and len(est) == 4
    assert dict(zip(est, est.theta, strict=True))["recip"] == est["recip"]
    assert repr(est).startswith("<Estimate: 4 parameters (rate 1, rate 2, density, recip)")
    assert len(repr(est).splitlines()) == 1


def test_separately_is_each_class_fitted_at_seed_plus_its_position_then_pooled():
    data = Data([ClassData(waves(s), name=f"c{s}") for s in (3, 4, 5)])
    model = Model(["density", "recip"])
    meta = estimate(data, model, seed=7, algorithm=FAST, separately=True)
    assert isinstance(meta, MetaAnalysis) and meta.names == ("c3", "c4", "c5")
    for k, c in enumerate(data.classes):
        alone = estimate(c, model, seed=7 + k, algorithm=FAST)
        np.testing.assert_array_equal(meta.fits[k].theta, alone.theta)
        np.testing.assert_array_equal(meta.fits[k].se, alone.se)
    assert [str(p) for p in meta.parameters] == ["density", "recip"]
    for p, row in zip(meta.parameters, meta.pooled, strict=True):
        again = pooled([f[p] for f in meta.fits], [f.se[f.index(p)] for f in meta.fits])
        assert row == again
    frame = meta.to_frame()
    np.testing.assert_array_equal(frame["mu"], [r.mu for r in meta.pooled])
    np.testing.assert_array_equal(frame["p_minus"], [r.p_minus for r in meta.pooled])
    assert meta["recip"].tau == frame["tau"][1]
    table = meta.table()
    for p, r in zip(meta.parameters, meta.pooled, strict=True):
        assert f"{r.mu:.3f} ({r.se:.3f})" in table and str(p) in table
    assert meta == meta_analysis(meta.fits, meta.names)
    assert "recip" in meta and "transTrip" not in meta and list(meta) == list(meta.parameters)
    with pytest.raises(KeyError, match="no pooled parameter 'transTrip'"):
        meta["transTrip"]
    assert repr(meta).startswith("<MetaAnalysis: 3 classes, 2 pooled parameters")


def test_several_classes_take_dyadic_covariates_centred_over_all_classes_and_zeros():
    """sienaGroupCreate centres a dyadic covariate by its mean over the pairs of all
    classes; a class's structural zeros forbid its ties in every period."""
    rng = np.random.default_rng(5)
    sizes = (8, 12)
    dyads = [rng.normal(size=(n, n)) + k for k, n in enumerate(sizes)]
    zeros = np.zeros((8, 8), dtype=np.int8)
    w = waves(6, n=8)
    zeros[(w[0] == 0) & (w[1] == 0) & ~np.eye(8, dtype=bool)] = 1
    data = Data([ClassData(w, dyadic={"d": dyads[0]}, structural_zeros=zeros, name="a"),
                 ClassData(waves(7, n=12), dyadic={"d": dyads[1]}, name="b")])
    periods = fitted_periods(data, Model(["density", "X:d"]))
    off = [d[~np.eye(len(d), dtype=bool)] for d in dyads]
    mean = np.concatenate(off).mean()
    for per in periods:
        assert per.spec.data.dyadic_means[0] == pytest.approx(mean, rel=1e-12)
    assert not periods[0].spec.allowed[zeros == 1].any()
    assert periods[1].spec.allowed[~np.eye(12, dtype=bool)].all()


def test_several_classes_conditionally():
    data = Data([ClassData(waves(8), name="a"), ClassData(waves(9, n=24), name="b")])
    est = estimate(data, Model(["density", "recip"]), algorithm=FAST, conditional=True)
    assert [str(n) for n in est.names] == ["rate a 1", "rate b 1", "density", "recip"]
    assert np.all(est.theta[:2] > 0) and np.all(np.isfinite(est.se))
    frame = est.to_frame()  # the rates have no statistic in a conditional fit
    assert frame["target"][:2].isna().all()
    np.testing.assert_array_equal(frame["target"][2:], est.targets)


def test_one_class_as_data_names_its_rates_by_the_class():
    w = waves(10)
    named = estimate(Data([ClassData(w, name="s")]), Model(["density"]), algorithm=FAST)
    alone = estimate(ClassData(w), Model(["density"]), algorithm=FAST)
    assert str(named.names[0]) == "rate s 1" and str(alone.names[0]) == "rate 1"
    np.testing.assert_array_equal(named.theta, alone.theta)


def test_gof_result_table_and_frame_agree():
    w1, w2, _, _ = load_s50()
    sims = [simulate_periods(w1, {"density": -1.8, "recip": 2.3}, rate=6.0, runs=30,
                             seed=1).networks]
    result = gof_module.gof([w2], sims, "outdegree")
    assert [m for m, _ in result.tests()] == ["1", "joint"]
    frame = result.to_frame()
    np.testing.assert_array_equal(frame["p"], [t.p for _, t in result.tests()])
    np.testing.assert_array_equal(frame["mahalanobis"],
                                  [t.distance_observed for _, t in result.tests()])
    assert result.labels == tuple(gof_module.labels("outdegree"))
    assert f"{result.joint.distance_observed:>13.2f}" in result.table()


def test_gof_result_draws_its_violins(tmp_path):
    w1, w2, _, _ = load_s50()
    sims = [simulate_periods(w1, {"density": -1.8, "recip": 2.3}, rate=6.0, runs=30,
                             seed=1).networks]
    result = gof_module.gof([w2], sims, "indegree")
    fig = result.plot(tmp_path / "indegree.png")
    assert (tmp_path / "indegree.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (ax,) = fig.axes
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), result.joint.observed)
    assert ax.get_title() == "indegree, all periods summed: " + gof_module.p_text(
        result.joint.p, 30)


def test_robbins_monro_and_runs_results_agree_with_their_arrays():
    def simulate(theta, seed, runs, scores):  # E[S] = theta, common random numbers
        rng = np.random.default_rng(seed)
        return theta + rng.normal(size=(runs, len(theta))), None

    res = robbins_monro(simulate, [0.5, 0.5], [1.0, -1.0], seed=1,
                        algorithm=Algorithm(subphases=2, n1=20, n3=200, refine=0))
    np.testing.assert_allclose(res.theta, [1.0, -1.0], atol=0.3)
    frame = res.to_frame()
    np.testing.assert_array_equal(frame["t"], res.t)
    assert f"{res.ratio:.3f}" in res.table()
    runs = simulate_periods(waves(11)[0], TRUTH, rate=3.0, runs=5, seed=2)
    rows = runs.to_frame()
    np.testing.assert_array_equal(rows["ties"], runs.networks.sum(axis=(1, 2)))
    np.testing.assert_array_equal(rows["ministeps network"], runs.ministeps)
    assert f"{runs.networks.sum(axis=(1, 2)).mean():>10.2f}" in runs.table()


def test_goodness_of_fit_is_simulate_fit_then_gof_with_the_datas_fields():
    w = waves(21, periods=2)
    a = np.random.default_rng(5).integers(1, 4, len(w[0])).astype(float)
    data = ClassData(w, covariates={"a": a})
    est = estimate(data, Model(["density", "recip", "egoX:a"]), algorithm=FAST)
    result = goodness_of_fit(est, data, statistic="triads", runs=40, seed=3)
    manual = gof_module.gof(w[1:], gof_module.simulate_fit(w, est.as_dict(), runs=40, seed=3,
                                                           covariates={"a": a}), "triads")
    assert [m for m, _ in result.tests()] == ["1", "2", "joint"]
    for (m, t), (k, u) in zip(result.tests(), manual.tests(), strict=True):
        assert m == k and t.distance_observed == u.distance_observed and t.p == u.p
        np.testing.assert_array_equal(t.simulated, u.simulated)
        np.testing.assert_array_equal(t.distances, u.distances)
    other = goodness_of_fit(est, data, statistic="triads", runs=40, seed=4)
    assert not np.array_equal(other.joint.simulated, result.joint.simulated)


def test_goodness_of_fit_of_one_class_given_as_data_equals_its_fit_alone():
    w = waves(10)
    named = estimate(Data([ClassData(w, name="s")]), Model(["density"]), algorithm=FAST)
    alone = estimate(ClassData(w), Model(["density"]), algorithm=FAST)
    a = goodness_of_fit(named, ClassData(w, name="s"), runs=30)
    b = goodness_of_fit(alone, ClassData(w), runs=30)
    np.testing.assert_array_equal(a.joint.simulated, b.joint.simulated)


def test_simulate_fit_of_class_data_keeps_its_structural_zeros():
    w = waves(11)
    zeros = np.zeros_like(w[0])
    zeros[:, :5] = 1
    start = w[0] * (1 - zeros)
    sims = gof_module.simulate_fit(ClassData([start, w[1]], structural_zeros=zeros),
                                   {"rate 1": 6.0, "density": 0.0}, runs=20, seed=1)
    assert sims[0][:, zeros == 1].sum() == 0 and sims[0][:, zeros == 0].sum() > 0


def test_goodness_of_fit_names_a_misspelt_statistic_and_checks_one_class():
    w = waves(12)
    alone = estimate(ClassData(w), Model(["density"]), algorithm=FAST)
    with pytest.raises(ValueError, match=r"unknown auxiliary statistic 'indgree'. Did you "
                                         r"mean 'indegree'\? Allowed: indegree, outdegree, "
                                         r"triads, geodesic"):
        goodness_of_fit(alone, ClassData(w), statistic="indgree")
    two = estimate(Data([ClassData(w, name="a"), ClassData(waves(13), name="b")]),
                   Model(["density"]), algorithm=FAST)
    with pytest.raises(ValueError, match=r"checks the fit of one class; this fit has 2 "
                                         r"classes \(a, b\)"):
        goodness_of_fit(two, ClassData(w, name="a"))
    with pytest.raises(ValueError, match="the fit has 1 periods, the data 3 waves"):
        goodness_of_fit(alone, ClassData(waves(12, periods=2)))
    with pytest.raises(ValueError, match="an Estimate and the ClassData"):
        goodness_of_fit(alone.as_dict(), ClassData(w))


def test_records_of_waves_convert_to_class_data_at_a_wave():
    s50 = sim.data.load("s50")
    (record,) = s50.classes
    for wave in (1, 3):
        data = ClassData.from_record(record, wave=wave)
        assert data.name == "s50" and len(data.waves) == 3
        np.testing.assert_array_equal(data.covariates["alcohol"],
                                      record.covariates["alcohol"][:, wave - 1])
    z = np.arange(2 * 50).reshape(50, 2) % 3
    both = ClassWaves("k", record.waves[:2], {"c": np.arange(50.0)}, {"z": z},
                      [[(1, 2)]] * 50)
    data = ClassData.from_record(both, wave=2)
    np.testing.assert_array_equal(data.covariates["c"], np.arange(50.0))
    np.testing.assert_array_equal(data.behaviours["z"], z)
    assert data.composition == both.composition and data.name == "k"
    baerveldt = sim.data.load("baerveldt")
    assert Data.from_records(baerveldt).names == tuple(c.name for c in baerveldt.classes)
    assert Data.from_records(baerveldt.classes[1:3]).names == tuple(
        c.name for c in baerveldt.classes[1:3])


@pytest.mark.parametrize("make, message", [
    (lambda s50: ClassData(s50.waves, covariates=s50.covariates),
     r"covariates\['alcohol'\]: shape \(50, 3\), one column per wave; .*"
     r"ClassData.from_record\(record, wave=1\)"),
    (lambda s50: Data(s50.classes), "got ClassWaves; convert records of waves with "
                                    r"Data.from_records\(records\)"),
    (lambda s50: ClassData.from_record(s50.classes[0], wave=4),
     r"class s50: covariates\['alcohol'\] has 3 waves; wave 4 asked; allowed: 1 to 3"),
])
def test_records_given_as_class_data_say_how_to_convert_them(make, message):
    with pytest.raises(ValueError, match=message):
        make(sim.data.load("s50"))
