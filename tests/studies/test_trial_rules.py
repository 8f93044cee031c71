"""Growth groups, virtual trials and their robustness on inputs whose right answer is known
exactly: the setting's contact rate, who counts as treated, the nominations among members
and from outside, and Morris's mu* of an outcome linear in one magnitude."""

from dataclasses import fields

import numpy as np
import pandas as pd

from sim.studies import robustness as rob
from sim.studies.trials import TIMES, TrialResult, _group_ties, timeline, virtual_trial
from sim.vocabulary import Label
from sim.world.interventions import group_members
from sim.world.model import PeerNetworkModel
from sim.world.population import Population
from sim.world.scenario import parse_scenario


def scenario(weeks=8, **magnitudes):
    """One class of 24; a growth group of two sessions from week 2."""
    return parse_scenario({
        "name": "rules", "weeks": weeks, "seed": 11,
        "population": {"schools": 1, "classes_per_school": 1, "left_behind_share": 0.6,
                       "class_size": {"mean": 24, "sd": 0, "min": 10}},
        "network": {"burn_in_years": 0.2},
        "interventions": [{"type": "growth_group", "start_week": 2, "acceptance": 0.7,
                           "sessions": [{"theme": "nice_to_meet_you", "stage": "thaw"},
                                        {"theme": "flying_with_joy", "stage": "change"}],
                           "magnitudes": magnitudes}]})


def test_a_session_gives_members_the_settings_contact_rate():
    """After a session the members' rate of setting ministeps at full strength is the
    group's ``contact`` magnitude, everyone else's 0, and it stays while the setting
    fades."""
    m = PeerNetworkModel(scenario(contact=17.0, setting=0.6), seed=3, collect=False)
    group = m.interventions[0]
    m.run(group.first_week)
    members = group.members
    others = np.setdiff1d(np.arange(m.population.n_children), members)
    assert len(members) > 0
    np.testing.assert_array_equal(m.settings.contact[members], 17.0)
    np.testing.assert_array_equal(m.settings.contact[others], 0.0)
    np.testing.assert_array_equal(m.label_strength[Label.SAME_GROUP, members], 0.6)
    m.run(group.last_week + 3 - group.first_week)
    np.testing.assert_array_equal(m.settings.contact[members], 17.0)
    assert (m.label_strength[Label.SAME_GROUP, members] < 0.6).all()


def five_children(x: np.ndarray) -> Population:
    """One class (and network unit) of five children with network ``x``."""
    n = len(x)
    zeros = np.zeros(n, dtype=np.int64)
    one = np.zeros(1, dtype=np.int64)
    values = {"school": zeros, "klass": zeros, "lb": np.ones(n, bool), "girl": zeros > 0,
              "migration": zeros, "guardian": zeros, "separation_months": zeros,
              "traits": np.zeros((1, n)), "start": one, "size": one + n,
              "class_school": one, "class_unit": one, "class_pos": one, "unit_start": one,
              "unit_size": one + n, "unit_off": one, "xbuf": x.astype(np.int8).ravel()}
    return Population(**{f.name: values[f.name] for f in fields(Population)
                         if f.name in values})


def test_nominations_among_members_and_from_outside():
    """Members 0, 1, 2 and non-members 3, 4: 0 names 1 and 2, 1 names 3, non-member 3 names
    0 and 4 names 3. Nominations to fellow members [2, 0, 0]; from non-members [1, 0, 0];
    NaN for the non-members."""
    x = np.zeros((5, 5), dtype=np.int8)
    x[0, 1] = x[0, 2] = x[1, 3] = x[3, 0] = x[4, 3] = 1
    snap = {"networks": five_children(x), "in_degree": x.sum(0).astype(float)}
    _group_ties(snap, [np.array([0, 1, 2])], 5)
    np.testing.assert_array_equal(snap["named_members"], [2, 0, 0, np.nan, np.nan])
    np.testing.assert_array_equal(snap["named_by_non_members"], [1, 0, 0, np.nan, np.nan])


def test_the_treated_children_are_the_group_members_of_each_replication():
    """The trial compares the members recruited in each replication (not every
    left-behind child): a child outcome's n_children is the group sizes summed over the
    replications, at every time."""
    sc = scenario()
    replications, follow_up = 2, 2
    table = virtual_trial(sc, replications=replications, follow_up_weeks=follow_up).effects
    end = max(timeline(sc, follow_up).values())
    members, left_behind = 0, 0
    for r in range(replications):
        m = PeerNetworkModel(sc, seed=sc.seed + r, collect=False)
        m.run(end)
        members += len(group_members(m))
        left_behind += int(m.population.lb.sum())
    assert 0 < members < left_behind
    confidence = table[(table["level"] == "child") & (table["outcome"] == "confidence")]
    assert list(confidence["time"]) == list(TIMES)
    assert (confidence["n_children"] == members).all(), confidence


def test_mu_star_is_the_mean_absolute_elementary_effect():
    """A stand-in trial whose every g is -10 x the confidence magnitude: each elementary
    effect of confidence is -10 x its range (SALib scales a step by the range), so mu* =
    10 x the range, sigma 0, and the other magnitude's mu* is exactly 0."""
    assumed = (rob.Assumption("interventions.{group}.magnitudes.barrier", 0.02, 0.08, "t"),
               rob.Assumption("interventions.{group}.magnitudes.confidence", 0.0, 0.05, "t"))

    def stand_in(point, replications, seed, follow_up_weeks):
        g = -10.0 * point.interventions[0].magnitudes.confidence
        return TrialResult(point, replications, pd.DataFrame(
            [{"level": "child", "outcome": o, "time": t, "g": g}
             for o in rob.OUTCOMES for t in TIMES]))

    original = rob.virtual_trial
    rob.virtual_trial = stand_in
    try:
        table = rob.robustness(scenario(), trajectories=3, assumptions=assumed).indices
    finally:
        rob.virtual_trial = original
    conf = table[table["parameter"] == "interventions.0.magnitudes.confidence"]
    barrier = table[table["parameter"] == "interventions.0.magnitudes.barrier"]
    assert len(conf) == len(barrier) == len(rob.OUTCOMES) * 2
    np.testing.assert_allclose(conf["mu_star"], 10 * 0.05, rtol=1e-9)
    np.testing.assert_allclose(conf["sigma"], 0.0, atol=1e-12)
    assert (barrier["mu_star"] == 0).all()


def test_the_report_reads_what_robustness_writes(tmp_path, monkeypatch):
    """lbsim report --robustness reads the robustness.csv that write_robustness writes (its
    mu* with the interval), not only a hand-made table."""
    from sim.studies.sweep.report_html import read_robustness

    assumed = (rob.Assumption("interventions.{group}.magnitudes.confidence", 0.0, 0.05, "t"),)

    def stand_in(point, replications, seed, follow_up_weeks):
        g = -10.0 * point.interventions[0].magnitudes.confidence
        return TrialResult(point, replications, pd.DataFrame(
            [{"level": "child", "outcome": o, "time": t, "g": g}
             for o in rob.OUTCOMES for t in TIMES]))

    monkeypatch.setattr(rob, "virtual_trial", stand_in)
    written = rob.write_robustness(scenario(), tmp_path / "rob", trajectories=2,
                                   assumptions=assumed)
    read = read_robustness(tmp_path / "rob")
    assert len(read) == len(written.indices) > 0
    np.testing.assert_allclose(read["mu_star"], 10 * 0.05, rtol=1e-9)
    assert (read["mu_star_low"] <= read["mu_star"]).all()
    assert (read["mu_star"] <= read["mu_star_high"]).all()
