"""Interventions and virtual trials."""

import numpy as np
import pytest
from helpers import assert_drawn
from typer.testing import CliRunner

from sim.cli.main import app
from sim.studies.trials import timeline, virtual_trial
from sim.vocabulary import Label, Trait
from sim.world.interventions.growth_group import GrowthGroup
from sim.world.model import PeerNetworkModel
from sim.world.scenario import load_scenario, parse_scenario

ZERO = {"setting": 0.0, "contact": 0.0, "confidence": 0.0, "stigma": 0.0, "shyness": 0.0,
        "communication": 0.0, "guardian_care": 0.0, "barrier": 0.0, "outing_partners": 0,
        "retention": 0.0}


def scenario(weeks=20, **group):
    spec = {"type": "growth_group", "start_week": 3}
    spec.update(group)
    return parse_scenario({
        "name": "gg", "weeks": weeks, "interventions": [spec],
        "population": {"schools": 1, "classes_per_school": 2,
                       "class_size": {"mean": 30, "sd": 2}},
        "network": {"burn_in_years": 1.0}})


def control_of(sc):
    return sc.model_copy(update={"interventions": []})


def test_zero_magnitudes_leave_every_outcome_identical_to_control():
    sc = scenario(magnitudes=ZERO)
    treated = PeerNetworkModel(sc, seed=4)
    treated.run()
    control = PeerNetworkModel(control_of(sc), seed=4)
    control.run()
    assert len(treated.interventions[0].members) == 6  # the group did meet
    assert treated.outcomes.equals(control.outcomes)
    np.testing.assert_array_equal(treated.population.xbuf, control.population.xbuf)


def ties_among(model, members):
    return int(model.population.ties(members, members).sum())


def test_members_of_different_classes_befriend_each_other_through_the_group():
    """A school group of members from both classes, ties across classes otherwise off:
    the classes' networks become one, member pairs across classes may tie and do (over
    8 replications), no other pair across classes ever does."""
    sc = scenario(weeks=20, group_size=10, target="random_lbc", acceptance=1.0)
    across = 0
    for seed in range(8):
        m = PeerNetworkModel(sc, seed=seed)
        m.run()
        pop = m.population
        members = m.interventions[0].members
        assert len(np.unique(pop.klass[members])) == 2 and pop.n_units == 1
        kids = np.arange(pop.n_children)
        x = pop.ties(kids, kids)
        other_class = pop.klass[:, None] != pop.klass[None, :]
        member = np.isin(kids, members)
        assert x[other_class & ~(member[:, None] & member[None, :])].sum() == 0
        across += x[other_class].sum()
        # the class outcomes still see each class's own network
        for c in range(pop.n_classes):
            np.testing.assert_array_equal(pop.network(c), x[np.ix_(
                kids[pop.klass == c], kids[pop.klass == c])])
    assert across > 0


def test_shared_setting_raises_ties_among_members():
    """Only the setting (X:same_group, here with parameter 2 so one class shows it) on:
    members name each other more than the same children do in the control arm (summed
    over 12 replications; Poisson-scale margin)."""
    sc = scenario(weeks=20, magnitudes={**ZERO, "setting": 1.0}).override(
        {"network.effects.X:same_group": 2.0, "population.classes_per_school": 1})
    treat = control = 0
    for seed in range(12):
        t = PeerNetworkModel(sc, seed=seed)
        t.run()
        c = PeerNetworkModel(control_of(sc), seed=seed)
        c.run()
        members = t.interventions[0].members
        treat += ties_among(t, members)
        control += ties_among(c, members)
    assert treat > 2 * control and treat - control > 3 * np.sqrt(treat + control), (
        treat, control)


def test_effects_fade_after_the_group_unless_sustained():
    """Without consolidation's lasting share, the members' confidence gain shrinks after
    the last session (trait dynamics pull it back), and the setting's strength decays."""
    sc = scenario(weeks=40, magnitudes={"retention": 0.0})
    gains = {"post": [], "late": []}
    for seed in range(4):
        t = PeerNetworkModel(sc, seed=seed, collect=False)
        c = PeerNetworkModel(control_of(sc), seed=seed, collect=False)
        group = t.interventions[0]
        k = Trait.CONFIDENCE
        for week in range(1, 41):
            t.step()
            c.step()
            m = group.members
            if week == group.last_week:
                gains["post"].append((t.traits[k, m] - c.traits[k, m]).mean())
                assert (t.label_strength[Label.SAME_GROUP, m] > 0).all()
        gains["late"].append((t.traits[k, m] - c.traits[k, m]).mean())
        # after consolidation the setting keeps 95% of its strength a week
        assert t.label_strength[Label.SAME_GROUP, m].max() == pytest.approx(
            0.95 ** (40 - group.last_week))
    assert np.mean(gains["post"]) > 0.03
    assert np.mean(gains["late"]) < 0.5 * np.mean(gains["post"])


def test_dafang_runs_seven_sessions_with_six_members_in_three_stages():
    m = PeerNetworkModel(load_scenario("scenarios/dafang_yuchong.yaml"), seed=2,
                         collect=False)
    m.run(weeks=16)
    [group] = [p for p in m.interventions if isinstance(p, GrowthGroup)]
    [members] = group.groups
    assert len(members) == 6
    assert m.population.lb[members].all()
    held = group.held[0]
    assert [w for w, _, _ in held] == list(range(8, 15))  # weekly
    assert [s for _, _, s in held] == ["thaw"] * 2 + ["change"] * 3 + ["reinvention"] * 2


def test_recruitment_takes_the_least_chosen_left_behind_children():
    sc = scenario(acceptance=1.0)
    m = PeerNetworkModel(sc, seed=3, collect=False)
    m.run(weeks=2)
    indeg = m.indegree.copy()
    m.step()  # recruitment happens before week 3's session
    members = m.interventions[0].members
    lbc = np.flatnonzero(m.population.lb)
    assert np.sort(indeg[members]).tolist() == np.sort(indeg[lbc])[:6].tolist()


def test_no_thaw_weakens_change_sessions_and_no_hours_means_no_sessions():
    change_only = [{"theme": "easy_communication", "stage": "change"}]
    with_thaw = [{"theme": "nice_to_meet_you", "stage": "thaw"}] + change_only
    shy = Trait.SHYNESS
    drops = {}
    for name, sessions in (("no thaw", change_only), ("thaw", with_thaw)):
        sc = scenario(sessions=sessions, magnitudes={**ZERO, "shyness": -0.05})
        m = PeerNetworkModel(sc, seed=1, collect=False)
        m.run(weeks=2)
        before = m.traits[shy].copy()
        m.run(weeks=len(sessions))
        members = m.interventions[0].members
        drops[name] = (before[members] - m.traits[shy, members]).mean()
    # one of the two thaw sessions that build full trust: 0.5 + 0.5 x 0.5 of the effect;
    # none: 0.5
    assert drops["no thaw"] / drops["thaw"] == pytest.approx(0.5 / 0.75, rel=0.1)
    m = PeerNetworkModel(scenario(worker_hours_per_week=1.0), seed=1, collect=False)
    m.run(weeks=12)
    group = m.interventions[0]
    assert group.held == [[]] and len(group.skipped) == 7


def test_virtual_trial_effect_sizes_have_the_expected_signs():
    sc = scenario(weeks=40)
    times = timeline(sc, follow_up_weeks=6)
    assert times == {"pre": 2, "post": 9, "follow_up": 15}
    table = virtual_trial(sc, replications=4, follow_up_weeks=6).effects.set_index(
        ["level", "outcome", "time"])
    assert (table.xs("pre", level="time")["difference"] == 0).all()  # common random numbers
    confidence = table.loc[("child", "confidence", "post")]
    assert confidence["g"] > 0.2 and confidence["ci_low"] > 0
    assert table.loc[("child", "felt_stigma", "post")]["g"] < 0
    # every g is J x difference / pooled SD with J = 1 - 3 / (4 (n_T + n_C) - 9), n_T = n_C
    # the paired values, and its interval is centred on it
    for _, r in table[table["sd"] > 0].iterrows():
        j = 1 - 3 / (4 * 2 * r["n_children"] - 9)
        assert r["g"] == pytest.approx(j * r["difference"] / r["sd"], rel=1e-12)
        assert (r["ci_low"] + r["ci_high"]) / 2 == pytest.approx(r["g"], rel=1e-9, abs=1e-12)
        # detectable: 2.80 standard errors of g (80% power, two-sided 5%)
        assert r["detectable"] == pytest.approx(2.801585 * (r["ci_high"] - r["ci_low"])
                                                / (2 * 1.96), rel=1e-5)


def test_trial_counts_nominations_among_members_and_from_outside():
    """With a strong shared setting, members name each other more at post than the same
    children in the control arm (common random numbers); before the group both arms
    agree."""
    sc = scenario(weeks=30, magnitudes={**ZERO, "setting": 1.0}, target="random_lbc",
                  acceptance=1.0).override({"network.effects.X:same_group": 2.0})
    table = virtual_trial(sc, replications=6, follow_up_weeks=4).effects.set_index(
        ["level", "outcome", "time"])
    among = table.loc[("child", "named_members", "post")]
    assert among["difference"] > 0 and among["ci_low"] > 0, among
    pre = table.loc[("child", "named_members", "pre")]
    assert pre["difference"] == 0 and np.isfinite(pre["mean_treated"])


def test_compare_command_writes_table_and_figure(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: cmp\nweeks: 20\npopulation: {schools: 1, classes_per_school: 1}\n"
        "network: {burn_in_years: 0.5}\ninterventions: [{type: growth_group, start_week: 2}]\n")
    result = CliRunner().invoke(app, ["compare", str(path), "--replications", "3",
                                      "--follow-up", "4", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "effect_sizes.csv").exists()
    assert_drawn(tmp_path / "o" / "effect_sizes.png")
    assert "confidence" in result.output
    path.write_text("name: none\npopulation: {schools: 1}\n")
    result = CliRunner().invoke(app, ["compare", str(path), "--out", str(tmp_path / "n")])
    assert result.exit_code == 2 and "no interventions" in result.output


def staffing_scenario(**staffing):
    spec = {"type": "staffing", "group": {"type": "growth_group", "start_week": 2,
                                          "acceptance": 1.0}}
    spec.update(staffing)
    return parse_scenario({
        "name": "county", "weeks": 10, "interventions": [spec],
        "population": {"schools": 6, "classes_per_school": 1,
                       "class_size": {"mean": 25, "sd": 0}},
        "network": {"burn_in_years": 0.2}})


def test_staffing_one_per_school_serves_the_schools_with_most_lbc():
    m = PeerNetworkModel(staffing_scenario(workers=2), seed=1, collect=False)
    plan = m.interventions[0]
    lbc = np.bincount(m.population.school, weights=m.population.lb)
    assert plan.schools_served == sorted(np.argsort(-lbc, kind="stable")[:2].tolist())
    m.run(weeks=3)
    assert len(plan.members) == 12
    assert set(m.population.school[plan.members]) == set(plan.schools_served)
    assert plan.yearly_cost == 2 * 60000.0


def test_shared_workers_each_serve_a_block_of_the_ranked_schools():
    """4 workers sharing 6 schools: blocks of 2, 2, 1, 1 in the ranked order, every school
    served once and every worker paid has a school (blocks of ceil(6/4) = 2 would leave the
    fourth worker without one)."""
    m = PeerNetworkModel(staffing_scenario(workers=4, placement="shared"), seed=1,
                         collect=False)
    plan = m.interventions[0]
    lbc = np.bincount(m.population.school, weights=m.population.lb)
    ranked = np.argsort(-lbc, kind="stable").tolist()
    assert [len(a) for a in plan.assignments] == [2, 2, 1, 1]
    assert sum(plan.assignments, []) == ranked
    assert plan.yearly_cost == 4 * 60000.0


def test_shared_workers_lose_hours_to_travel_and_cap_their_groups():
    sc = staffing_scenario(workers=1, placement="shared", groups_per_term=4,
                           travel_hours_per_school=12.0, hours_per_week=40.0)
    m = PeerNetworkModel(sc, seed=1, collect=False)
    m.run(weeks=3)
    programme, second_term = m.interventions[0].programmes
    assert len(programme.worker.schools) == 4  # capped at 4 groups of the 6 schools
    assert len(second_term.worker.schools) == 2  # the next term: the 2 schools left
    assert second_term.teams[0].hours == 40.0 - 12.0
    assert second_term.session_weeks[0] == programme.session_weeks[0] + 20
    assert programme.teams[0].hours == 40.0 - 3 * 12.0  # travel to 3 extra schools
    # 4 hours a week, 3 per session: one group's session a week, the others skipped
    assert sum(len(h) for h in programme.held) == 2
    assert len(programme.skipped) == 6
    zero = PeerNetworkModel(staffing_scenario(workers=0), seed=1, collect=False)
    assert zero.interventions[0].programmes == []


def test_named_arms_are_each_compared_with_the_same_control(tmp_path):
    path = tmp_path / "arms.yaml"
    path.write_text(
        "name: arms\nweeks: 20\npopulation: {schools: 1, classes_per_school: 1}\n"
        "network: {burn_in_years: 0.5}\n"
        "arms:\n"
        "  group: [{type: growth_group, start_week: 2}]\n"
        "  group_and_family: [{type: growth_group, start_week: 2},\n"
        "                     {type: family_contact, start_week: 2, weeks: 4}]\n")
    result = CliRunner().invoke(app, ["compare", str(path), "--replications", "2",
                                      "--follow-up", "2", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    import pandas as pd
    table = pd.read_csv(tmp_path / "o" / "effect_sizes.csv")
    assert set(table["arm"]) == {"group", "group_and_family"}
    pre = table[table["time"] == "pre"]
    assert (pre["difference"] == 0).all()


def test_a_worker_serves_the_classes_with_most_lbc_first_term_by_term():
    sc = staffing_scenario(workers=1, groups_per_term=2, terms=3, term_weeks=4).override(
        {"population.schools": 2, "population.classes_per_school": 3, "weeks": 14})
    m = PeerNetworkModel(sc, seed=2, collect=False)
    plan = m.interventions[0]
    pop = m.population
    school = plan.schools_served[0]
    classes = np.flatnonzero(pop.class_school == school)
    lbc = np.bincount(pop.klass, weights=pop.lb)[classes]
    ranked = classes[np.argsort(-lbc, kind="stable")]
    assert len(plan.programmes) == 2  # 3 classes: two groups, then one, then none left
    m.run()
    first, second = plan.programmes
    assert sorted(np.unique(pop.klass[first.members])) == sorted(ranked[:2])
    assert np.unique(pop.klass[second.members]).tolist() == [ranked[2]]
    assert [len(g) for g in first.groups] == [6, 6] and first.held[0][0][0] == 2
    assert second.held[0][0][0] == 6  # the next term starts term_weeks later


def test_each_worker_of_a_term_has_its_own_hours():
    """Two workers in one term's programme: one worker's hours running out must not take
    sessions from the other (4 h a week, 3 per session: one session each a week)."""
    sc = staffing_scenario(workers=2, hours_per_week=4.0, groups_per_term=2).override(
        {"population.schools": 2, "population.classes_per_school": 2})
    m = PeerNetworkModel(sc, seed=5, collect=False)
    m.run(weeks=4)
    [term] = m.interventions[0].programmes
    assert len(term.teams) == 2 and len(term.groups) == 4
    held_weeks = [[w for w, _, _ in h] for h in term.held]
    by_team = {}
    for g, k in enumerate(term.group_team):
        by_team.setdefault(k, []).extend(held_weeks[g])
    assert all(sorted(weeks) == [2, 3, 4] for weeks in by_team.values())
