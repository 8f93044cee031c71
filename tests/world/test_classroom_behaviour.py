"""Traits that run as SAOM behaviours in the classroom model: scenario checks, levels,
the classroom kernel against the engine's co-evolution, determinism."""

import numba
import numpy as np
import pytest
from helpers import tiled_networks

from sim.saom import Model, Start, classes, simulate_periods
from sim.saom import behaviour as bh
from sim.saom.classes import ClassCovariates, RateModel
from sim.saom.rng import run_seeds
from sim.vocabulary import ACTOR_COVARIATES, Label, Trait
from sim.world.model import PeerNetworkModel
from sim.world.scenario import ScenarioError, parse_scenario
from sim.world.traits import trait_levels

BEHAVIOUR = {"levels": 5, "rate": 3.0,
             "effects": {"linear": 0.2, "quad": -0.4, "avAlt": 1.2, "indeg": 0.1,
                         "effFrom:guardian_care": 0.8}}


def scenario(behaviours=None, **network):
    return parse_scenario({
        "name": "behaviour", "weeks": 40,
        "population": {"schools": 1, "classes_per_school": 2,
                       "class_size": {"mean": 20, "sd": 0, "min": 10}},
        "network": {"burn_in_years": 1.0, "effects": {"density": -1.6, "recip": 1.8,
                                                      "egoX:lb": -0.2}, "rate_effects": {},
                    **network},
        "trait_dynamics": {"behaviours": behaviours or {}}})


@pytest.mark.parametrize("behaviours, message", [
    ({"confidence": {"effects": {"avAlter": 1.0}}}, "unknown behaviour effect .* 'avAlter'"),
    ({"confidence": {"effects": {"effFrom:care": 1.0}}}, "needs actor covariate 'care'"),
    ({"confidence": {"effects": {"effFrom": 1.0}}}, "needs an actor covariate"),
    ({"confidence": {"effects": {"quad*avSim": 1.0}}}, "interaction 'quad\\*avSim'"),
    ({"confidence": {"levels": 1}}, "levels"),
    ({"guardian_care": {}}, "behaviours"),
])
def test_bad_behaviour_sections_are_refused(behaviours, message):
    with pytest.raises(ScenarioError, match=message):
        scenario(behaviours)


def test_a_trait_run_as_a_behaviour_moves_level_by_level_and_only_so():
    m = PeerNetworkModel(scenario({"confidence": BEHAVIOUR}), seed=3)
    before = m.traits.copy()
    m.run(40)
    now = m.traits[Trait.CONFIDENCE]
    moved = now != before[Trait.CONFIDENCE]
    assert moved.mean() > 0.3  # about 3 opportunities per child in the year
    # a child that moved sits at its level's midpoint
    np.testing.assert_allclose(now[moved], (trait_levels(now[moved], 5) - 0.5) / 5)
    # the relaxation rule still moves the other traits
    assert (m.traits[Trait.SHYNESS] != before[Trait.SHYNESS]).mean() > 0.5


def test_without_behaviours_the_burn_in_and_weeks_are_as_before():
    """The burn-in never moves behaviours: the start networks of a model with and without
    a behaviour are identical."""
    a = PeerNetworkModel(scenario(), seed=5)
    b = PeerNetworkModel(scenario({"confidence": BEHAVIOUR}), seed=5)
    assert np.array_equal(a.population.xbuf, b.population.xbuf)
    assert np.array_equal(a.traits, b.traits)


def test_same_seed_same_result_on_one_and_two_threads():
    before = numba.get_num_threads()
    out = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            m = PeerNetworkModel(scenario({"confidence": BEHAVIOUR,
                                           "shyness": dict(BEHAVIOUR, levels=4)}), seed=9)
            m.run(20)
            out.append((m.population.xbuf.copy(), m.traits.copy()))
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])


@pytest.mark.slow
def test_classroom_kernel_matches_the_engine_coevolution():
    """One class's period in the classroom kernel (many copies, one call) against
    simulate_periods with the same model: the behaviour centred by the class mean, its
    range 1..5 and simMean from the class (|z| < 4 on ties, mutual ties, mean level,
    level changes and the avAlt statistic)."""
    m = PeerNetworkModel(scenario({"confidence": BEHAVIOUR}), seed=11)
    net, pop = m.network, m.population
    n, s = int(pop.unit_size[0]), int(pop.unit_start[0])
    x = np.ascontiguousarray(pop.unit_network(0), dtype=np.int8)
    cov = m.covariates()[:, s:s + n]
    levels = trait_levels(cov[ACTOR_COVARIATES.index("confidence")], 5)
    rows = np.vstack([cov, levels])
    runs, period = 3000, 1.0
    nets = tiled_networks(x, runs)
    covs = ClassCovariates(np.tile(rows, runs), net.centred, net.program.sim_needed,
                           np.full((len(net.settings.labels), n * runs), -1, np.int64),
                           np.zeros((len(net.settings.labels), n * runs)),
                           net.settings.centred)
    classes.simulate_classes(nets, net.program.arrays(n), covs,
                             RateModel(float(m.config.network.rate), net.rate_alpha,
                                       net.rate_cov),
                             net.cap, period, run_seeds(4, runs), np.zeros(runs, np.int64),
                             net.beh, net.beh_rates, np.zeros(n * runs), -1)
    fast_x = nets.xbuf.reshape(runs, n, n)
    fast_z = covs.actor[-1].reshape(runs, n)

    sims = 1 - np.abs(levels[:, None] - levels[None, :]) / 4
    scale = bh.Behaviour("z", levels.astype(np.int64)[:, None], 1, 5, levels.mean(),
                         (sims.sum() - n) / (n * (n - 1)))
    effects = {k.replace("guardian_care", "care"): v
               for k, v in BEHAVIOUR["effects"].items()}
    start = Start(x, covariates={"lb": cov[ACTOR_COVARIATES.index("lb")],
                                 "care": cov[ACTOR_COVARIATES.index("guardian_care")]},
                  behaviours={"z": scale})
    slow = simulate_periods(start, Model(dict(m.config.network.effects),
                                         behaviour_effects={"z": effects},
                                         max_outdegree=net.cap),
                            rate=m.config.network.rate, behaviour_rates={"z": BEHAVIOUR["rate"]},
                            runs=runs, seed=5)

    def summaries(xs, zs):
        y = xs.astype(float)
        return {"ties": y.sum((1, 2)), "mutual": (y * y.transpose(0, 2, 1)).sum((1, 2)),
                "mean level": zs.mean(1), "moves": np.abs(zs - levels).sum(1),
                "avAlt": bh.actor_statistics(bh.AV_ALT, y, zs, scale).sum(1)}

    a, b = summaries(fast_x, fast_z), summaries(slow.networks, slow.behaviours["z"])
    for key in a:
        se = np.sqrt(a[key].var(ddof=1) / runs + b[key].var(ddof=1) / runs)
        assert abs(a[key].mean() - b[key].mean()) / se < 4, key


def _group_model(weight, seed):
    sc = parse_scenario({
        "name": "group-behaviour", "weeks": 12,
        "population": {"schools": 1, "classes_per_school": 2, "left_behind_share": 0.5,
                       "class_size": {"mean": 20, "sd": 0, "min": 10}},
        "network": {"burn_in_years": 0.5},
        "trait_dynamics": {"behaviours": {"confidence": {
            "levels": 5, "rate": 6.0,
            "effects": {"linear": 0.0, "quad": -0.3, "effFrom:in_group": weight}}}},
        "interventions": [{"type": "growth_group", "start_week": 2, "acceptance": 1.0,
                           "target": "random_lbc"}]})
    return PeerNetworkModel(sc, seed=seed)


def test_a_group_moves_a_behaviour_through_effFrom_in_group():
    """in_group is the strength of the child's shared setting; a positive effFrom:in_group
    raises the members' levels while the group meets, against the same model without it
    (same seeds: the same groups and the same random streams)."""
    gains = []
    for seed in range(4):
        with_, without = _group_model(2.0, seed), _group_model(0.0, seed)
        for m in (with_, without):
            m.run(9)
        members = np.flatnonzero(with_.labels[Label.SAME_GROUP] >= 0)
        row = ACTOR_COVARIATES.index("in_group")
        np.testing.assert_array_equal(with_.covariates()[row],
                                      with_.label_strength[Label.SAME_GROUP])
        assert len(members) > 0
        gains.append(with_.traits[Trait.CONFIDENCE, members].mean()
                     - without.traits[Trait.CONFIDENCE, members].mean())
    assert min(gains) > 0, gains
