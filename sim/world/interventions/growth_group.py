"""Growth groups run by school social workers (docs/model.md §1, §6).

Recruitment one week before the first session: per school (or class), candidates by the
targeting rule are invited in order and each joins with the acceptance probability until
the group is full. Sessions are Mesa events half a week before the week's network
dynamics; each applies its theme's mechanisms (:mod:`sim.world.interventions.sessions`) scaled by
the magnitudes, change-stage sessions in proportion to the trust built in the thaw stage.
While the group runs, members share a setting (the label covariate ``same_group`` behind
the ``X:same_group`` effect); afterwards the setting fades week by week, and trait gains
fade through the trait dynamics unless friendships sustain them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.schema import NonNegative, Section, Share, at_least, between
from sim.vocabulary import TRAITS, Trait
from sim.world.agents import SocialWorker
from sim.world.interventions.base import Intervention, InterventionSection, Kind, Move
from sim.world.interventions.sessions import CATALOGUE, DAFANG_SESSIONS, Session


class GroupMagnitudes(Section):
    """Sizes of the session mechanisms (trait units are the 0..1 trait scale; the traits'
    SD is about 0.15). Calibrated so members' confidence rises by about d = 0.4 right after
    the group and 0.28 three months later, as social-skills training does (Beelmann &
    Lösel 2006: d 0.39 post, 0.28 follow-up; de Mooij et al. 2020: d 0.37); assumptions
    otherwise."""

    setting: Share = Field(1.0, description="strength of X:same_group among members while "
                                            "the group runs; above 0, members of different "
                                            "classes may befriend each other")
    contact: NonNegative = Field(
        40.0, description="opportunities per member and school year, at the setting's full "
        "strength, to reconsider ties to fellow members only (RSiena's settings model): "
        "one a week while the group meets; assumption, range 0-80")
    setting_retention: Share = Field(0.85, description="weekly retention of the setting's "
                                                       "strength after the last session")
    consolidated_retention: Share = Field(0.95, description="the same after a "
                                                            "consolidation session")
    confidence: Annotated[float, between(-1, 1)] = 0.013
    stigma: Annotated[float, between(-1, 1)] = -0.03
    shyness: Annotated[float, between(-1, 1)] = -0.02
    communication: Annotated[float, between(-1, 1)] = 0.03
    guardian_care: Annotated[float, between(-1, 1)] = 0.03
    barrier: Annotated[float, between(-1, 1)] = Field(
        0.04, description="feedback: each member's main barrier (highest shyness or stigma, "
                          "lowest confidence or communication) moves by this much")
    outing_partners: Annotated[int, at_least(0)] = Field(
        3, description="joint activity: non-member classmates who share the setting that "
                       "week (the outing with other children)")
    untrusted: Share = Field(0.5, description="share of a change-stage session's effect "
                                              "without any thaw session before it")
    thaw_for_trust: Annotated[int, at_least(1)] = Field(
        2, description="thaw sessions that build full trust (Dafang held 2)")
    retention: Share = Field(0.3, description="share of the trait gains that consolidation "
                                              "makes lasting (added to the baseline)")


class GrowthGroupSection(InterventionSection):
    """A growth group run by a school social worker (docs/model.md §6)."""

    type: Literal["growth_group"]
    name: str = "growth group"
    target: Literal["lowest_indegree_lbc", "random_lbc", "isolates"] = Field(
        "lowest_indegree_lbc", description="teacher referral of the LBC with the lowest "
                                           "in-degree (Dafang), random LBC, or all isolates")
    scope: Literal["school", "class"] = Field("school", description="one group per school "
                                                                   "or per class")
    group_size: Annotated[int, between(2, 20)] = Field(6, description="Dafang: 6 (docs/model.md "
                                                                      "§1); 6-10 usual")
    acceptance: Share = Field(0.7, description="chance an invited child joins; recruitment "
                                               "was 'not smooth' in Dafang (assumption)")
    start_week: Annotated[int, at_least(1)] = 4
    interval_weeks: Annotated[int, at_least(1)] = 1
    hours_per_session: NonNegative = Field(3.0, description="session plus preparation")
    worker_hours_per_week: NonNegative = Field(
        20.0, description="hours the social worker can give the groups (assumption)")
    sessions: list[Session] = Field(default_factory=lambda: [Session.model_validate(s)
                                                             for s in DAFANG_SESSIONS])
    magnitudes: GroupMagnitudes = GroupMagnitudes()

    def session_weeks(self) -> list[int]:
        """The week of each session: its own, or weekly (every ``interval_weeks``) from
        ``start_week``."""
        return [s.week if s.week is not None else self.start_week + k * self.interval_weeks
                for k, s in enumerate(self.sessions)]

    def moves(self) -> tuple[Move, ...]:
        """The setting (strength and contact) and the traits its sessions' mechanisms move
        with a non-zero magnitude (feedback: the four barriers; parent-child: guardian
        care), of left-behind members, or of any child when isolates are targeted."""
        mag, who = self.magnitudes, "all" if self.target == "isolates" else "lb"
        mechanisms = [CATALOGUE[s.theme] for s in self.sessions]
        traits = {t for m in mechanisms for t in m.traits}
        if any(m.feedback for m in mechanisms) and mag.barrier:
            traits |= {"shyness", "confidence", "stigma", "communication"}
        if any(m.parent_child for m in mechanisms):
            traits.add("guardian_care")
        found = [Move("setting", who)] if any(m.setting for m in mechanisms) and (
            mag.setting or mag.contact) else []
        return tuple(found + [Move(t, who) for t in TRAITS if t in traits and getattr(mag, t)])

    @property
    def first_week(self) -> int:
        return min(self.session_weeks())

    @property
    def last_week(self) -> int:
        return max(self.session_weeks())


@dataclass(frozen=True)
class Team:
    """One social worker's part of a programme: the replica it works in, the classes whose
    children its groups draw on, and its weekly hours."""

    replica: int
    classes: np.ndarray
    hours: float


class GrowthGroup(Intervention[GrowthGroupSection]):
    """Growth groups, as ``section`` (a scenario GrowthGroupSection) says: one per school or class
    (``section.scope``) of each team's classes, run by the team's worker within its weekly
    hours. Default: one team per replica, all its classes, the section's hours. Each team has
    its own worker, groups and (its replica's) random stream, exactly as a programme of its
    own would; one programme serves them all so the weekly events are not multiplied."""

    def __init__(self, model, section: GrowthGroupSection, teams: list[Team] | None = None):
        self.model, self.section = model, section
        pop = model.population
        if teams is None:
            teams = [Team(r, np.flatnonzero(model.class_replica == r),
                          section.worker_hours_per_week) for r in range(model.n_replicas)]
        self.teams = teams
        self.session_weeks = section.session_weeks()
        self.groups: list[np.ndarray] = []  # member indices per group
        self.group_team: list[int] = []  # team of each group
        self.labels: list[int] = []
        self.held: list[list[tuple[int, str, str]]] = []  # per group: (week, theme, stage)
        self.skipped: list[tuple[int, int]] = []  # (week, group) lost to the worker's hours
        self.gains = np.zeros((len(TRAITS), pop.n_children))
        self.workers = [SocialWorker(model, schools=np.unique(pop.class_school[t.classes])
                                     .tolist(), hours_per_week=t.hours) for t in teams]
        self._retention = np.full(len(teams), section.magnitudes.setting_retention)
        self._fading = np.ones(len(teams), dtype=bool)
        self._outing: list[np.ndarray] = []
        if self.session_weeks:
            model.schedule_event(self.recruit, at=min(self.session_weeks) - 0.75)
            for week in sorted(set(self.session_weeks)):
                model.schedule_event(self.run_sessions, at=week - 0.5)
            model.schedule_event(self.fade, at=max(self.session_weeks) + 0.5)

    @property
    def worker(self):
        """The social worker of the first team."""
        return self.workers[0]

    @property
    def members(self) -> np.ndarray:
        """Indices of every child in one of the groups."""
        return np.concatenate(self.groups) if self.groups else np.zeros(0, dtype=np.int64)

    @property
    def treated(self) -> np.ndarray:
        return self.members

    def member_groups(self) -> list[np.ndarray]:
        return list(self.groups)

    # --- recruitment --------------------------------------------------------------------
    def candidates(self, children: np.ndarray, rng) -> np.ndarray:
        """Children to invite, in order, by the targeting rule (ties in random order)."""
        m = self.model
        children = rng.permutation(children)
        lb = m.population.lb[children]
        if self.section.target == "lowest_indegree_lbc":
            lbc = children[lb]
            return lbc[np.argsort(m.indegree[lbc], kind="stable")]
        if self.section.target == "random_lbc":
            return children[lb]
        return children[m.indegree[children] == 0]  # isolates: nobody names them

    def recruit(self) -> None:
        """Each team in turn, each of its units (school or class) in turn: invite the
        candidates in order until the group is full."""
        m, section = self.model, self.section
        pop, mag = m.population, section.magnitudes
        for k, team in enumerate(self.teams):
            rng = m.replica_rngs[team.replica]
            classes = np.sort(team.classes)
            units = pop.class_school[classes] if section.scope == "school" else classes
            for unit in np.unique(units):
                children = np.concatenate([np.arange(pop.start[c], pop.start[c] + pop.size[c])
                                           for c in classes[units == unit]])
                group: list[int] = []
                for child in self.candidates(children, rng):
                    if len(group) == section.group_size:
                        break
                    if rng.random() < section.acceptance:
                        group.append(child)
                if len(group) >= 2:
                    if mag.setting > 0 and not m.config.network.cross_class_ties:
                        m.network.connect(np.array(group, dtype=np.int64))
                    self.groups.append(np.array(group, dtype=np.int64))
                    self.group_team.append(k)
                    self.labels.append(m.settings.new_label())
                    self.held.append([])

    # --- sessions -----------------------------------------------------------------------
    def trust(self, g: int) -> float:
        """Trust built in the thaw stage: thaw sessions group g has held over the number
        that builds full trust (capped at 1)."""
        held = sum(stage == "thaw" for _, _, stage in self.held[g])
        return min(1.0, held / self.section.magnitudes.thaw_for_trust)

    def run_sessions(self) -> None:
        """This week's sessions: which groups hold them (each worker's hours, in group
        order), then each session's mechanisms for all those groups at once."""
        m, mag = self.model, self.section.magnitudes
        week = int(round(m.time + 0.5))
        sessions = [s for s, w in zip(self.section.sessions, self.session_weeks, strict=True)
                    if w == week]
        self._end_outing()
        hours = [team.hours for team in self.teams]  # each worker's, this week
        # per session: groups holding it, their scales
        held: list[tuple[list[int], list[float]]] = [([], []) for _ in sessions]
        for g in range(len(self.groups)):
            k = self.group_team[g]
            for s, session in enumerate(sessions):
                if hours[k] < self.section.hours_per_session:
                    self.skipped.append((week, g))
                    continue
                hours[k] -= self.section.hours_per_session
                scale = 1.0  # change-stage sessions work in proportion to the trust built
                if session.stage == "change":
                    scale = mag.untrusted + (1.0 - mag.untrusted) * self.trust(g)
                held[s][0].append(g)
                held[s][1].append(scale)
                self.held[g].append((week, session.theme, session.stage))
        for worker, team, left in zip(self.workers, self.teams, hours, strict=True):
            worker.hours_used = team.hours - left
        for session, (groups, scales) in zip(sessions, held, strict=True):
            if groups:
                self.apply(groups, session, np.array(scales))

    def apply(self, groups: list[int], session, scales: np.ndarray) -> None:
        """One session's mechanisms for the given groups (disjoint sets of children), each
        scaled by its own factor."""
        m, mag = self.model, self.section.magnitudes
        sizes = [len(self.groups[g]) for g in groups]
        members = np.concatenate([self.groups[g] for g in groups])
        scale = np.repeat(scales, sizes)  # per member
        mech = CATALOGUE[session.theme]
        if mech.setting:
            m.settings.open(members, np.repeat([self.labels[g] for g in groups], sizes),
                            mag.setting, contact=mag.contact)
        for trait, units in mech.traits.items():
            self.shift(members, trait, units * getattr(mag, trait) * scale)
        if mech.outing:
            for g in groups:
                self.outing(g)
        if mech.feedback:
            self.feedback(members, mag.barrier * scale)
        if mech.parent_child:  # care set by the family: its gains last
            self.shift(members, "guardian_care", mag.guardian_care * scale, lasting=True)
        if mech.consolidation:
            for g in groups:
                self._retention[self.group_team[g]] = mag.consolidated_retention
            m.trait_state.raise_baseline(members, mag.retention * self.gains[:, members])

    def shift(self, members: np.ndarray, trait: str, amount, lasting: bool = False) -> None:
        """Move a trait of ``members`` by ``amount`` (one value or one per member) and
        count the change as the group's gain."""
        k = Trait[trait.upper()]
        self.gains[k, members] += self.model.trait_state.shift(members, k, amount, lasting)

    def feedback(self, members: np.ndarray, amount: np.ndarray) -> None:
        """Move each member's main barrier (by its ``amount``): the worst of shyness, low
        confidence, felt stigma and low communication."""
        t = self.model.traits
        names = ("shyness", "confidence", "stigma", "communication")
        signs = np.array([-1.0, 1.0, -1.0, 1.0])  # the direction that helps
        badness = np.stack([t[Trait.SHYNESS, members],
                            1 - t[Trait.CONFIDENCE, members],
                            t[Trait.STIGMA, members],
                            1 - t[Trait.COMMUNICATION, members]])
        worst = badness.argmax(0)
        amount = np.broadcast_to(amount, members.shape)
        for k, name in enumerate(names):
            chosen = worst == k
            if chosen.any():
                self.shift(members[chosen], name, signs[k] * amount[chosen])

    def outing(self, g: int) -> None:
        """A joint activity: a few non-member classmates share the group's setting this
        week."""
        m = self.model
        pop = m.population
        members = self.groups[g]
        rng = m.replica_rngs[self.teams[self.group_team[g]].replica]
        others = []
        for c in np.unique(pop.klass[members]):
            pool = np.setdiff1d(np.arange(pop.start[c], pop.start[c] + pop.size[c]), members)
            pool = pool[m.settings.label_of(pool) < 0]
            k = min(self.section.magnitudes.outing_partners, len(pool))
            others.append(rng.choice(pool, k, replace=False))
        partners = np.concatenate(others) if others else np.zeros(0, dtype=np.int64)
        m.settings.open(partners, self.labels[g], self.section.magnitudes.setting,
                        contact=self.section.magnitudes.contact)
        self._outing.append(partners)

    def _end_outing(self) -> None:
        for partners in self._outing:
            self.model.settings.close(partners)
        self._outing = []

    # --- after the last session -----------------------------------------------------------
    def fade(self) -> None:
        """Weekly after the last session: the shared setting loses strength, for each
        team until none of its groups has any left."""
        m = self.model
        self._end_outing()
        if self.groups:
            sizes = [len(g) for g in self.groups]
            members = np.concatenate(self.groups)
            team = np.repeat(self.group_team, sizes)  # of each member
            fading = self._fading[team]
            members, team = members[fading], team[fading]
            s = m.settings.strength_of(members) * self._retention[team]
            s[s < 1e-3] = 0.0
            m.settings.set_strength(members, s)
            group = np.repeat(np.arange(len(self.groups)), sizes)[fading]
            live = np.bincount(group, weights=s > 0, minlength=len(self.groups)) > 0
            m.settings.close(members[~live[group]])  # their strength is 0 already
            held = np.bincount(np.asarray(self.group_team, dtype=np.int64),
                               weights=live, minlength=len(self.teams))
            self._fading = held > 0
        else:
            self._fading[:] = False
        if self._fading.any():
            m.schedule_event(self.fade, at=m.time + 1.0)


def _install(model, section: GrowthGroupSection) -> list[Intervention[GrowthGroupSection]]:
    """One programme serves every replica (a team per replica)."""
    return [GrowthGroup(model, section)]


KIND = Kind("growth_group", GrowthGroupSection, _install)
