"""Goodness of fit: auxiliary statistics against networkx, the Mahalanobis test against a
direct computation, p-values that are uniform under the model and small under a wrong
one, and the lbsim gof command."""

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from helpers import assert_drawn
from typer.testing import CliRunner

import sim.data
from sim.cli.main import app
from sim.saom import gof, simulate_periods

ROOT = Path(__file__).resolve().parents[2]

CASES = [(n, p, s) for s, (n, p) in enumerate([(3, 0.5), (5, 0.0), (6, 1.0), (8, 0.2),
                                                (12, 0.35), (20, 0.1), (30, 0.05)])]


def network(n, p, seed):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, n)) < p).astype(np.int8)
    np.fill_diagonal(x, 0)
    return x


def digraph(x):
    g = nx.DiGraph()
    g.add_nodes_from(range(len(x)))
    g.add_edges_from(zip(*np.nonzero(x), strict=True))
    return g


@pytest.mark.parametrize("n, p, seed", CASES)
def test_triad_census_equals_networkx(n, p, seed):
    x = network(n, p, seed)
    census = nx.triadic_census(digraph(x))
    np.testing.assert_array_equal(gof.triad_census(x)[0],
                                  [census[t] for t in gof.TRIAD_TYPES])


@pytest.mark.parametrize("n, p, seed", CASES)
def test_degree_distributions_equal_networkx_histograms(n, p, seed):
    x = network(n, p, seed)
    g = digraph(x)
    for fn, degrees in ((gof.indegree_distribution, dict(g.in_degree())),
                        (gof.outdegree_distribution, dict(g.out_degree()))):
        d = np.array(list(degrees.values()))
        np.testing.assert_array_equal(fn(x)[0], [(d <= k).sum() for k in range(9)])


@pytest.mark.parametrize("n, p, seed", CASES)
def test_geodesic_distribution_equals_networkx_shortest_paths(n, p, seed):
    x = network(n, p, seed)
    u = digraph(x).to_undirected()
    lengths = dict(nx.all_pairs_shortest_path_length(u))
    d = [lengths[i].get(j, -1) for i in range(n) for j in range(i + 1, n)]
    d = np.array(d)
    expected = [((d > 0) & (d <= k)).sum() for k in range(1, 6)] + [(d < 0).sum()]
    np.testing.assert_array_equal(gof.geodesic_distribution(x)[0], expected)


def test_statistics_of_a_stack_are_those_of_each_network():
    xs = np.stack([network(10, 0.2, s) for s in range(4)])
    for fn in gof.STATISTICS.values():
        np.testing.assert_array_equal(fn(xs), np.vstack([fn(x) for x in xs]))


def test_mahalanobis_p_value_equals_a_direct_computation():
    rng = np.random.default_rng(3)
    sims = rng.normal(size=(300, 4)) @ np.array([[1, 0.5, 0, 0], [0, 1, 0, 0],
                                                 [0, 0, 2, 0], [0, 0, 0, 0.1]])
    sims[:, 3] = 7.0  # a component that never varies drops out (generalised inverse)
    obs = np.array([1.0, -1.0, 0.5, 7.0])
    t = gof.mahalanobis_test(obs, sims)
    mean = sims[:, :3].mean(0)
    inv = np.linalg.inv(np.cov(sims[:, :3], rowvar=False))
    direct = [(v - mean) @ inv @ (v - mean) for v in sims[:, :3]]
    d_obs = (obs[:3] - mean) @ inv @ (obs[:3] - mean)
    np.testing.assert_allclose(t.distances, direct, rtol=1e-8)
    assert t.distance_observed == pytest.approx(d_obs, rel=1e-8)
    assert t.p == pytest.approx(np.mean(np.array(direct) >= d_obs))


def test_p_values_are_uniform_when_the_model_is_true():
    """Networks drawn from the model itself, each tested against 200 more draws: p is
    Uniform(0, 1), mean 1/2 with standard error sqrt(1/12 / draws)."""
    x0 = network(15, 0.15, 1)
    model = {"density": -1.2, "recip": 1.5}
    draws = simulate_periods(x0, model, rate=3.0, runs=120, seed=2).networks
    sims = simulate_periods(x0, model, rate=3.0, runs=200, seed=3).networks
    stat = gof.indegree_distribution(sims)
    p = np.array([gof.mahalanobis_test(gof.indegree_distribution(d)[0], stat).p
                  for d in draws])
    assert abs(p.mean() - 0.5) < 4 * np.sqrt(1 / 12 / len(p)), p.mean()


def test_a_missing_effect_is_found():
    """Data with strong reciprocity tested against a model without it: the triad census
    (mutual dyads) rejects it."""
    x0 = network(20, 0.1, 4)
    observed = simulate_periods(x0, {"density": -1.5, "recip": 3.0}, rate=5.0, runs=1,
                                seed=5).networks[0]
    sims = simulate_periods(x0, {"density": -0.9}, rate=5.0, runs=300, seed=6).networks
    result = gof.gof([observed], [sims], "triads")
    assert result.periods[0].p < 0.01
    assert result.joint.p == result.periods[0].p  # one period: joint = that period


def test_gof_command_prints_tests_and_writes_plots(tmp_path):
    result = CliRunner().invoke(app, ["gof", "--data", "baerveldt/school04", "--effects",
                                      "density,recip", "--runs", "100", "--statistics",
                                      "indegree,triads", "--out", str(tmp_path / "g")])
    assert result.exit_code == 0, result.output
    assert "indegree" in result.output and "joint" in result.output
    lines = (tmp_path / "g" / "gof.csv").read_text().splitlines()
    assert lines[0] == "statistic,period,mahalanobis,p" and len(lines) == 1 + 4
    assert_drawn(tmp_path / "g" / "gof-triads.png")
    bad = CliRunner().invoke(app, ["gof", "--data", "s50", "--statistics", "nope"])
    assert bad.exit_code == 2 and "allowed: indegree, outdegree, triads" in bad.output


def test_scenario_classes_against_observed_waves():
    """The classroom model's classes (of the waves' size) tested against each wave: one
    row per statistic and wave, the wave's own statistics against the same simulated
    statistics (from classes of 50) for every wave, p the share of simulated Mahalanobis
    distances at least the observed one (computed here with the generalised inverse)."""
    from pathlib import Path

    import sim.data
    from sim.studies.gof_report import scenario_fit
    from sim.world.scenario import load_scenario

    s50 = sim.data.load("s50")
    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios"
                             / "single_class.yaml").override({"network.burn_in_years": 1.0})
    rows = scenario_fit(scenario, s50.waves, ["indegree", "triads"], classes=20, seed=3)
    assert [(r[0], r[1]) for r in rows] == [(s, f"wave {k}") for s in ("indegree", "triads")
                                            for k in (1, 2, 3)]
    for name, wave, t in rows:
        w = s50.waves[int(wave.split()[1]) - 1]
        np.testing.assert_array_equal(t.observed, gof.STATISTICS[name](w)[0])
        first = next(r[2] for r in rows if r[0] == name)
        np.testing.assert_array_equal(t.simulated, first.simulated)
        assert t.simulated.shape[0] == 20
        mean = t.simulated.mean(0)
        inv = np.linalg.pinv(np.cov(t.simulated, rowvar=False))
        d_obs = (t.observed - mean) @ inv @ (t.observed - mean)
        distances = np.einsum("rs,st,rt->r", t.simulated - mean, inv, t.simulated - mean)
        assert t.distance_observed == pytest.approx(d_obs, rel=1e-9)
        assert t.p == np.mean(distances >= d_obs - 1e-9 * d_obs)
    # the simulated counts are of classes of 50: children with in-degree <= 8
    last = rows[0][2].simulated[:, -1]
    assert (last <= 50).all() and (last >= 45).all()


def test_gof_of_a_scenario_writes_its_out_folder(tmp_path):
    """lbsim gof --scenario --out writes what it says it wrote: gof.csv (a row per
    statistic and wave, the p printed) and a figure per statistic."""
    import pandas as pd

    out = tmp_path / "gofsc"
    result = CliRunner().invoke(app, ["gof", "--data", "s50", "--scenario",
                                      str(ROOT / "scenarios" / "single_class.yaml"), "--runs", "10",
                                      "--statistics", "indegree", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "gof.csv")
    assert list(table["period"]) == ["wave 1", "wave 2", "wave 3"]
    assert (out / "gof-indegree.png").is_file()


def test_goodness_of_fit_is_what_lbsim_gof_computes_at_its_simulation_seed():
    """lbsim gof (sim.studies.gof_report.check_fit) estimates at seed s and simulates at
    s + 1: goodness_of_fit of that estimate at seed s + 1 gives its rows bit for bit."""
    from sim.saom import Algorithm, ClassData, Model, estimate, goodness_of_fit
    from sim.studies.gof_report import check_fit

    s50 = sim.data.load("s50")
    data = ClassData(s50.waves, covariates={"alcohol": s50.covariates["alcohol"][:, 0]})
    est = estimate(data, Model(["density", "recip", "egoX:alcohol"]), seed=4,
                   algorithm=Algorithm(subphases=1, n3=60, refine=0))
    rows = check_fit(s50.waves, [], ["outdegree", "geodesic"], runs=30, seed=4,
                     covariates=dict(data.covariates), fit=est.as_dict())
    for name in ("outdegree", "geodesic"):
        result = goodness_of_fit(est, data, statistic=name, runs=30, seed=5)
        mine = [(name, m, t.distance_observed, t.p) for m, t in result.tests()]
        assert mine == [(n, m, t.distance_observed, t.p) for n, m, t in rows if n == name]
