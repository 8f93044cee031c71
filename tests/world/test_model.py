"""The classroom model: agents as views, reproducibility, outcomes, realism."""

import numba
import numpy as np
import pytest

from sim.saom import descriptives
from sim.vocabulary import Trait
from sim.world.model import PeerNetworkModel
from sim.world.scenario import parse_scenario


def scenario(**population):
    pop = {"schools": 1, "classes_per_school": 3, "class_size": {"mean": 30, "sd": 3}}
    pop.update(population)
    return parse_scenario({"name": "test", "weeks": 6, "population": pop,
                           "network": {"burn_in_years": 0.5}})


@pytest.fixture(scope="module")
def model():
    m = PeerNetworkModel(scenario(), seed=3)
    m.run()
    return m


def test_children_are_views_on_the_arrays(model):
    child = model.children[5]
    k = Trait.CONFIDENCE
    child.confidence = 0.123
    assert model.traits[k, 5] == 0.123
    model.traits[k, 5] = 0.5
    assert child.confidence == 0.5
    with pytest.raises(ValueError, match="between 0 and 1"):
        child.confidence = 1.5
    assert len(model.agents) == model.population.n_children


def test_friends_read_the_network(model):
    pop = model.population
    for child in model.children[:40]:
        c = child.class_index
        x, s = pop.network(c), pop.start[c]
        i = child.index - s
        assert [f.index for f in child.friends] == list(s + np.flatnonzero(x[i]))
        assert child.in_degree == x[:, i].sum() == model.indegree[child.index]
        assert all(child in f.named_by for f in child.friends)
        assert all(f.class_index == c for f in child.friends)  # ties stay in the class


def test_networks_respect_the_cap_and_have_no_self_ties(model):
    pop = model.population
    for c in range(pop.n_classes):
        x = pop.network(c)
        assert not np.diagonal(x).any()
        assert x.sum(1).max() <= model.config.network.max_outdegree


def test_same_seed_same_outcomes_on_any_thread_count():
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = PeerNetworkModel(scenario(), seed=9).run()
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = PeerNetworkModel(scenario(), seed=9).run()
    finally:
        numba.set_num_threads(before)
    assert one.equals(two)
    other = PeerNetworkModel(scenario(), seed=10).run()
    assert not one.equals(other)


def test_class_outcomes_equal_metrics_of_the_class_networks(model):
    """The weekly table's class rows equal sim.saom.descriptives on the class networks."""
    pop = model.population
    last = model.outcomes[model.outcomes.week == model.week].set_index("class")
    for c in range(pop.n_classes):
        x = pop.network(c)
        lb = pop.lb[pop.start[c]:pop.start[c] + pop.size[c]]
        girl = pop.girl[pop.start[c]:pop.start[c] + pop.size[c]]
        row = last.loc[c]
        assert row["density"] == pytest.approx(descriptives.density(x))
        assert row["reciprocity"] == pytest.approx(descriptives.reciprocity(x))
        assert row["transitivity"] == pytest.approx(descriptives.transitivity(x))
        assert row["isolates_in"] == descriptives.isolates_in(x)
        assert row["isolates_total"] == descriptives.isolates_total(x)
        coleman = descriptives.coleman_homophily(x, lb)
        assert row["coleman_lb"] == pytest.approx(coleman, nan_ok=True)
        assert row["ei_lb"] == pytest.approx(descriptives.ei_index(x, lb), nan_ok=True)
        assert row["coleman_girl"] == pytest.approx(descriptives.coleman_homophily(x, girl),
                                                    nan_ok=True)
        indeg = x.sum(0)
        gap = indeg[~lb].mean() - indeg[lb].mean()
        assert row["indegree_gap"] == pytest.approx(gap)
        assert row["isolates_lb"] == (indeg[lb] == 0).sum()
        assert row["isolates_lb_share"] == pytest.approx((indeg[lb] == 0).mean())
        mutual = (x & x.T).sum(1) > 0
        assert row["reciprocated_friend_lb"] == pytest.approx(mutual[lb].mean())


def test_population_row_pools_classes(model):
    week = model.outcomes[model.outcomes.week == model.week]
    classes, total = week[week["class"] >= 0], week[week["class"] == -1].iloc[0]
    assert total["ties"] == classes["ties"].sum()
    assert total["n"] == model.population.n_children
    pairs = (classes["n"] * (classes["n"] - 1)).sum()
    assert total["density"] == pytest.approx(classes["ties"].sum() / pairs)
    lb = model.population.lb
    k = Trait.STIGMA
    assert total["stigma_lb"] == pytest.approx(model.traits[k, lb].mean())


def test_population_draws_follow_the_scenario():
    m = PeerNetworkModel(scenario(left_behind_share=0.4, classes_per_school=30,
                                  girl_share=0.5), seed=1, collect=False)
    pop = m.population
    n = pop.n_children
    assert abs(pop.lb.mean() - 0.4) < 4 * np.sqrt(0.24 / n)
    assert abs(pop.girl.mean() - 0.5) < 4 * np.sqrt(0.25 / n)
    assert (pop.migration[~pop.lb] == -1).all() and (pop.migration[pop.lb] >= 0).all()
    assert abs(pop.size.mean() - 30) < 4 * 3 / np.sqrt(30)
    # left-behind children are shyer (shift +0.05 on Beta(2, 5), mean 0.286)
    shy = m.baseline_traits[Trait.SHYNESS]
    assert shy[pop.lb].mean() > shy[~pop.lb].mean()


def test_trait_dynamics_pull_towards_target():
    """Confidence moves towards baseline + weight x (driver change): with more
    reciprocated friends than at baseline, confidence rises."""
    m = PeerNetworkModel(scenario(), seed=4, collect=False)
    k = Trait.CONFIDENCE
    before = m.traits[k].copy()
    m.baseline_drivers["reciprocated_friends"] = m.baseline_drivers[
        "reciprocated_friends"] - 2.0
    m.trait_dynamics()
    w = m.config.trait_dynamics.confidence["reciprocated_friends"]
    adj = m.config.trait_dynamics.adjustment
    expected = np.clip(before + adj * (m.baseline_traits[k] + 2.0 * w - before), 0, 1)
    np.testing.assert_allclose(m.traits[k], expected)


@pytest.mark.slow
def test_default_class_of_45_looks_like_a_real_class_all_year():
    """docs/model.md §8: with default parameters, classes of 45 over a school year stay within
    the ranges of real classrooms (s50, klas12b, French high school) and do not drift."""
    sc = parse_scenario({"name": "realism", "population": {
        "schools": 1, "classes_per_school": 30, "class_size": {"mean": 45, "sd": 0}}})
    m = PeerNetworkModel(sc, seed=12)
    df = m.run()
    pop = df[df["class"] == -1]
    assert len(pop) == 41
    assert pop["density"].between(0.037, 0.22).all(), pop["density"].describe()
    assert pop["reciprocity"].between(0.54, 0.78).all(), pop["reciprocity"].describe()
    assert pop["transitivity"].between(0.37, 0.52).all(), pop["transitivity"].describe()
    assert pop["isolates_total_share"].between(0.0, 0.08).all()
    assert pop["isolates_in_share"].between(0.0, 0.16).all()
    assert pop["same_gender_share"].between(0.70, 0.90).all()
    # no drift: the year's last week is near its first
    first, last = pop.iloc[0], pop.iloc[-1]
    assert abs(last["density"] - first["density"]) < 0.015
    # every class keeps a real network: never empty, never near complete
    classes = df[df["class"] >= 0]
    assert classes["density"].between(0.015, 0.15).all()


def test_mesa_events_run_in_the_weekly_loop():
    """Interventions use Mesa's event scheduling: an event at week 2 fires during step 2,
    and the kernels see what it changed from the next ministeps on."""
    m = PeerNetworkModel(scenario(), seed=2, collect=False)
    fired = []

    def event():  # Mesa keeps a weak reference: the callable must stay alive
        fired.append(m.week)

    m.schedule_event(event, at=2)
    m.step()
    assert fired == []
    m.step()
    assert fired and m.time == 2


def cross_class_share(m) -> float:
    """Share of a model's ties that join children of different classes."""
    pop = m.population
    within = across = 0
    for u in range(pop.n_units):
        x = pop.unit_network(u)
        klass = pop.klass[pop.unit_start[u]:pop.unit_start[u] + pop.unit_size[u]]
        same = klass[:, None] == klass[None, :]
        within += x[same].sum()
        across += x[~same].sum()
    return across / (within + across)


def test_cross_class_ties_within_a_school_only_and_rarer():
    """With cross_class_ties, children may name children of other classes of their school
    (never of another school), less often than without the penalty (2 on the utility):
    the mean cross-class share over 6 seeds falls by more than 4 standard errors."""
    sc = scenario().override({"network.cross_class_ties": True,
                              "population.schools": 2, "weeks": 10})
    m = PeerNetworkModel(sc, seed=5)
    m.run()
    assert m.population.n_units == 2
    shares = {}
    for penalty in (2.0, 0.0):
        runs = [PeerNetworkModel(sc.override({"network.cross_class_penalty": penalty}),
                                 seed=s, collect=False) for s in range(6)]
        for r in runs:
            r.run()
        shares[penalty] = np.array([cross_class_share(r) for r in runs])
    a, b = shares[2.0], shares[0.0]
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert (a > 0).all()
    assert b.mean() - a.mean() > 4 * se, (a.mean(), b.mean(), se)
    child = next(c for c in m.children if any(f.class_index != c.class_index
                                              for f in c.friends))
    assert all(f.school == child.school for f in child.friends)


def test_school_shares_of_left_behind_children_spread_as_asked():
    from sim.world.population import school_shares
    config = scenario(schools=400, classes_per_school=1, left_behind_share=0.3,
                      left_behind_school_sd=0.1)
    shares = school_shares(config.population, np.random.default_rng(2))
    assert abs(shares.mean() - 0.3) < 4 * 0.1 / np.sqrt(400)
    assert abs(shares.std(ddof=1) - 0.1) < 4 * 0.1 / np.sqrt(2 * 400)
    # the children follow their school's share: between-school variance of the observed
    # shares is the spread plus binomial noise, far above the binomial noise alone
    m = PeerNetworkModel(config.override({"network.burn_in_years": 0}), seed=3,
                         collect=False)
    pop = m.population
    observed = np.bincount(pop.school, weights=pop.lb) / np.bincount(pop.school)
    binomial = 0.3 * 0.7 / pop.size.mean()
    assert observed.var() > binomial + 0.5 * 0.1 ** 2
    flat = school_shares(scenario(schools=5).population, np.random.default_rng(2))
    assert (flat == 0.207).all()


def test_school_spread_too_large_is_refused():
    from sim.world.scenario import ScenarioError
    with pytest.raises(ScenarioError, match="left_behind_school_sd"):
        scenario(left_behind_share=0.1, left_behind_school_sd=0.4)
