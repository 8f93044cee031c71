"""Every outcome column, every per-child count and the trait dynamics' drivers against
direct counts on the networks (or sim.saom.descriptives), for class rows and population rows."""

import numpy as np
import pytest

from sim.saom import descriptives
from sim.vocabulary import COLUMNS, TRAITS, Trait
from sim.world.model import PeerNetworkModel
from sim.world.outcomes import ChildCount
from sim.world.scenario import parse_scenario


def scenario(**network):
    return parse_scenario({
        "name": "outcomes", "weeks": 8,
        "population": {"schools": 2, "classes_per_school": 2, "left_behind_share": 0.3,
                       "class_size": {"mean": 24, "sd": 4}},
        "network": {"burn_in_years": 1.0, **network}})


@pytest.fixture(scope="module")
def model():
    m = PeerNetworkModel(scenario(), seed=11)
    m.run()
    return m


def coleman(inside: float, sent: float, e: float) -> float:
    if not 0 < e < 1 or sent == 0:
        return np.nan
    p = inside / sent
    return (p - e) / (1 - e) if p >= e else (p - e) / e


def class_reference(x, lb, girl, traits) -> dict:
    """Every weekly column for one class from its network, computed directly."""
    n = len(x)
    indeg, outdeg = x.sum(0), x.sum(1)
    mutual = (x & x.T).sum(1)
    ties = x.sum()
    g_lb, g_girl = lb.sum(), girl.sum()
    same_lb = lb[:, None] == lb[None, :]
    out = {
        "n": n, "ties": ties, "isolates_in": (indeg == 0).sum(),
        "isolates_total": ((indeg + outdeg) == 0).sum(), "isolates_lb": (indeg[lb] == 0).sum(),
        "density": descriptives.density(x), "mean_degree": ties / n,
        "reciprocity": descriptives.reciprocity(x),
        "transitivity": descriptives.transitivity(x) if descriptives.two_paths(x) else np.nan,
        "isolates_in_share": (indeg == 0).mean(),
        "isolates_total_share": ((indeg + outdeg) == 0).mean(),
        "isolates_lb_share": (indeg[lb] == 0).mean() if lb.any() else np.nan,
        "indegree_lb": indeg[lb].mean() if lb.any() else np.nan,
        "indegree_non_lb": indeg[~lb].mean() if (~lb).any() else np.nan,
        "reciprocated_friend_lb": (mutual[lb] > 0).mean() if lb.any() else np.nan,
        "reciprocated_friend_non_lb": (mutual[~lb] > 0).mean() if (~lb).any() else np.nan,
        "coleman_lb": descriptives.coleman_homophily(x, lb),
        "ei_lb": descriptives.ei_index(x, lb),
        "coleman_girl": descriptives.coleman_homophily(x, girl),
        "same_gender_share": (x * (girl[:, None] == girl[None, :])).sum() / ties,
        # for pooling the population row
        "_pairs": n * (n - 1), "_n_lb": g_lb, "_n_girl": g_girl,
        "_lb_sent": x[lb].sum(), "_lb_inside": x[np.ix_(lb, lb)].sum(),
        "_girl_sent": x[girl].sum(), "_girl_inside": x[np.ix_(girl, girl)].sum(),
        "_between": (x * ~same_lb).sum(), "_same_gender": (x * (girl[:, None] ==
                                                                girl[None, :])).sum(),
        "_indeg_lb": indeg[lb].sum(), "_indeg_non": indeg[~lb].sum(),
        "_friend_lb": (mutual[lb] > 0).sum(), "_friend_non": (mutual[~lb] > 0).sum(),
        "_two_paths": descriptives.two_paths(x), "_closed": descriptives.transitive_triplets(x),
        "_mutual": descriptives.mutual_dyads(x),
    }
    out["indegree_gap"] = out["indegree_non_lb"] - out["indegree_lb"]
    for k, name in enumerate(TRAITS):
        out[f"{name}_lb"] = traits[k, lb].mean() if lb.any() else np.nan
        out[f"{name}_non_lb"] = traits[k, ~lb].mean() if (~lb).any() else np.nan
    return out


def population_reference(rows: list[dict], lb, traits) -> dict:
    """The population row pools the classes: sums of counts, ratios of the sums; Coleman's
    chance expectation weighted by the ties the group sends in each class."""
    s = {k: sum(r[k] for r in rows) for k in rows[0] if k.startswith("_") or k in (
        "n", "ties", "isolates_in", "isolates_total", "isolates_lb")}
    n, n_lb, ties = s["n"], s["_n_lb"], s["ties"]

    def expected(group, sent):
        es = [((r[group] - 1) / (r["n"] - 1), r[sent]) for r in rows
              if 2 <= r[group] < r["n"]]
        weight = sum(w for _, w in es)
        return sum(e * w for e, w in es) / weight if weight else np.nan

    out = {k: s[k] for k in ("n", "ties", "isolates_in", "isolates_total", "isolates_lb")}
    out.update({
        "density": ties / s["_pairs"], "mean_degree": ties / n,
        "reciprocity": 2 * s["_mutual"] / ties,
        "transitivity": s["_closed"] / s["_two_paths"],
        "isolates_in_share": s["isolates_in"] / n,
        "isolates_total_share": s["isolates_total"] / n,
        "isolates_lb_share": s["isolates_lb"] / n_lb,
        "indegree_lb": s["_indeg_lb"] / n_lb, "indegree_non_lb": s["_indeg_non"] / (n - n_lb),
        "reciprocated_friend_lb": s["_friend_lb"] / n_lb,
        "reciprocated_friend_non_lb": s["_friend_non"] / (n - n_lb),
        "coleman_lb": coleman(s["_lb_inside"], s["_lb_sent"], expected("_n_lb", "_lb_sent")),
        "ei_lb": (2 * s["_between"] - ties) / ties,
        "coleman_girl": coleman(s["_girl_inside"], s["_girl_sent"],
                                expected("_n_girl", "_girl_sent")),
        "same_gender_share": s["_same_gender"] / ties,
    })
    out["indegree_gap"] = out["indegree_non_lb"] - out["indegree_lb"]
    for k, name in enumerate(TRAITS):
        out[f"{name}_lb"] = traits[k, lb].mean()
        out[f"{name}_non_lb"] = traits[k, ~lb].mean()
    return out


def test_every_column_of_class_and_population_rows_equals_a_direct_count(model):
    pop = model.population
    week = model.outcomes[model.outcomes.week == model.week].set_index("class")
    rows = []
    for c in range(pop.n_classes):
        members = slice(pop.start[c], pop.start[c] + pop.size[c])
        ref = class_reference(pop.network(c), pop.lb[members], pop.girl[members],
                              model.traits[:, members])
        rows.append(ref)
        for col in COLUMNS:
            assert week.loc[c, col] == pytest.approx(ref[col], rel=1e-12, nan_ok=True), (c, col)
    ref = population_reference(rows, pop.lb, model.traits)
    assert set(COLUMNS) <= set(ref)  # a new column needs a reference here
    for col in COLUMNS:
        assert week.loc[-1, col] == pytest.approx(ref[col], rel=1e-12, nan_ok=True), col


def test_per_child_counts_equal_direct_counts(model):
    """In- and out-degree, reciprocated ties, and reciprocated ties to children not left
    behind (what eases a left-behind child's felt stigma)."""
    pop = model.population
    counts = model.child_counts
    for c in range(pop.n_classes):
        members = np.arange(pop.start[c], pop.start[c] + pop.size[c])
        x, lb = pop.network(c), pop.lb[members]
        mutual = x & x.T
        np.testing.assert_array_equal(counts[ChildCount.INDEGREE, members], x.sum(0))
        np.testing.assert_array_equal(counts[ChildCount.OUTDEGREE, members], x.sum(1))
        np.testing.assert_array_equal(counts[ChildCount.RECIPROCATED, members], mutual.sum(1))
        np.testing.assert_array_equal(counts[ChildCount.RECIPROCATED_NON_LB, members],
                                      mutual[:, ~lb].sum(1))
        assert (mutual[:, ~lb].sum(1) != mutual[:, lb].sum(1)).any()  # the test can tell


def test_trait_dynamics_drift_from_drivers_counted_on_the_networks():
    """One week of trait dynamics after several: each trait moves by adjustment x (target -
    trait), target = baseline + sum of weight x (driver now - driver in week 0), with the
    drivers counted here on the networks of week 0 and of now."""
    m = PeerNetworkModel(scenario(), seed=5, collect=False)
    pop, td = m.population, m.config.trait_dynamics

    def drivers_now():
        d = {k: np.zeros(pop.n_children) for k in ("reciprocated_friends",
                                                    "unreturned_nominations",
                                                    "ties_to_non_lb")}
        for c in range(pop.n_classes):
            members = np.arange(pop.start[c], pop.start[c] + pop.size[c])
            x = pop.network(c)
            mutual = x & x.T
            d["reciprocated_friends"][members] = mutual.sum(1)
            d["unreturned_nominations"][members] = x.sum(1) - mutual.sum(1)
            d["ties_to_non_lb"][members] = mutual[:, ~pop.lb[members]].sum(1)
        d["rejection"] = d["unreturned_nominations"]
        d["guardian_care"] = m.traits[Trait.GUARDIAN_CARE].copy()
        d["stigma"] = m.traits[Trait.STIGMA] * pop.lb
        return d

    week0 = drivers_now()
    m.run(5)
    now, before = drivers_now(), m.traits.copy()
    assert (now["reciprocated_friends"] != week0["reciprocated_friends"]).any()
    m.trait_dynamics()
    for name, weights in (("confidence", td.confidence), ("stigma", td.stigma),
                          ("shyness", td.shyness)):
        k = Trait[name.upper()]
        target = m.baseline_traits[k] + sum(w * (now[d] - week0[d]) for d, w in weights.items())
        expected = np.clip(before[k] + td.adjustment * (target - before[k]), 0, 1)
        if name == "stigma":
            expected = np.where(pop.lb, expected, before[k])
        np.testing.assert_allclose(m.traits[k], expected, rtol=0, atol=1e-12, err_msg=name)


def test_baseline_drivers_stay_those_of_week_0():
    m = PeerNetworkModel(scenario(), seed=5, collect=False)
    first = {k: v.copy() for k, v in m.baseline_drivers.items()}
    m.run(6)
    for k, v in m.baseline_drivers.items():
        np.testing.assert_array_equal(v, first[k], err_msg=k)
