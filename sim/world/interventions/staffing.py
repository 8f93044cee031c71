"""Staffing: a county's social workers and the schools they serve (docs/model.md §6).

Schools are ranked by the targeting rule (most left-behind children first, or random).
With ``one_per_school`` each worker serves one school, the first ``workers`` schools; with
``shared`` the ranked schools are dealt out to the workers in consecutive blocks whose
sizes differ by at most one (so while workers <= schools every worker serves a school). A
year has ``terms`` terms of ``term_weeks``; in each, a worker runs up to
``groups_per_term`` growth groups at once, one per class, in the classes of its schools
not yet served, those with the most left-behind children first (random order under random
targeting). The group's own ``target`` rule picks the members within the class. A term's
groups start at the group's ``start_week`` plus the term's offset; each extra school a
worker visits in a term costs it ``travel_hours_per_school`` of its weekly hours. Each
term is one growth-group programme with a team (and a ``SocialWorker`` agent) per worker.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.schema import NonNegative, at_least
from sim.world.interventions.base import (
    Intervention,
    InterventionSection,
    Kind,
    Move,
    per_replica,
)
from sim.world.interventions.growth_group import GrowthGroup, GrowthGroupSection, Team


class StaffingSection(InterventionSection):
    """A county's school social workers (docs/model.md §6): how many, placed one per school or
    each sharing several schools (travel costs hours), which schools first, each running
    the growth group ``group`` in classes of the schools it serves, up to
    ``groups_per_term`` at once, in each of ``terms`` terms."""

    type: Literal["staffing"]
    workers: Annotated[int, at_least(0)] = 1
    placement: Literal["one_per_school", "shared"] = "one_per_school"
    targeting: Literal["most_lbc", "random"] = Field(
        "most_lbc", description="schools served first: most left-behind children, or random")
    hours_per_week: NonNegative = Field(40.0, description="a full-time worker (assumption)")
    travel_hours_per_school: NonNegative = Field(
        4.0, description="weekly hours lost per extra school a shared worker covers "
                         "(assumption: rural travel)")
    groups_per_term: Annotated[int, at_least(1)] = Field(
        4, description="growth groups one worker can run at once (assumption)")
    terms: Annotated[int, at_least(1)] = Field(
        2, description="terms a year, each with its own groups (two semesters)")
    term_weeks: Annotated[int, at_least(1)] = Field(
        20, description="weeks from one term's groups to the next's (40-week year)")
    cost_per_worker: NonNegative = Field(
        60000.0, description="yuan per worker per year, salary and overheads (assumption)")
    group: GrowthGroupSection = GrowthGroupSection(type="growth_group")

    def effective(self, schools: int | None) -> StaffingSection:
        """The plan this one amounts to in a county of ``schools`` schools (None: not
        known) (:class:`Staffing`): with no workers, no workers whatever the other
        settings (the defaults); shared workers at least as many as the schools each get
        one school in the ranked order, as under ``one_per_school``."""
        if self.workers == 0:
            return StaffingSection(type="staffing", workers=0)
        if self.placement == "shared" and schools is not None and self.workers >= schools:
            return self.model_copy(update={"placement": "one_per_school"})
        return self

    def moves(self) -> tuple[Move, ...]:
        """What its workers' growth groups move (none without workers)."""
        return self.group.moves() if self.workers else ()

    @property
    def first_week(self) -> int:
        """The first term's group weeks stand for the plan's."""
        return self.group.first_week

    @property
    def last_week(self) -> int:
        return self.group.last_week


class Staffing(Intervention[StaffingSection]):
    """A county's staffing plan in one replica: its workers' schools, and one growth-group
    programme per term."""

    def __init__(self, model, section: StaffingSection, replica: int = 0):
        self.model, self.section = model, section
        pop = model.population
        rng = model.replica_rngs[replica]
        schools = model.replica_schools(replica)
        lbc_school = np.bincount(pop.school, weights=pop.lb)
        if section.targeting == "most_lbc":
            order = schools[np.argsort(-lbc_school[schools], kind="stable")]
        else:
            order = rng.permutation(schools)
        self.assignments: list[list[int]] = []
        if section.workers and section.placement == "one_per_school":
            self.assignments = [[int(s)] for s in order[:section.workers]]
        elif section.workers:  # blocks as equal as possible: every worker paid has a school
            self.assignments = [block.tolist() for block in np.array_split(order, section.workers)
                                if len(block)]
        lbc_class = np.bincount(pop.klass, weights=pop.lb, minlength=pop.n_classes)
        queues = []  # per worker: its classes, in the order they get groups
        for schools_served in self.assignments:
            classes = np.flatnonzero(np.isin(pop.class_school, schools_served))
            if section.targeting == "most_lbc":
                classes = classes[np.argsort(-lbc_class[classes], kind="stable")]
            else:
                classes = rng.permutation(classes)
            queues.append(classes)
        self.programmes = []  # one per term, a team per worker with classes left
        for term in range(section.terms):
            teams = []
            for classes in queues:
                per_term = section.groups_per_term
                chosen = classes[term * per_term:(term + 1) * per_term]
                if len(chosen):
                    visited = len(np.unique(pop.class_school[chosen]))
                    hours = section.hours_per_week - section.travel_hours_per_school * (visited - 1)
                    teams.append(Team(replica, chosen, max(0.0, hours)))
            if not teams:
                break
            start = section.group.start_week + term * section.term_weeks
            group = section.group.model_copy(update={"scope": "class", "start_week": start})
            self.programmes.append(GrowthGroup(model, group, teams))

    @property
    def members(self) -> np.ndarray:
        groups = [p.members for p in self.programmes]
        return np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)

    @property
    def treated(self) -> np.ndarray:
        return self.members

    def member_groups(self) -> list[np.ndarray]:
        return [g for p in self.programmes for g in p.groups]

    @property
    def yearly_cost(self) -> float:
        return self.section.workers * self.section.cost_per_worker

    @property
    def schools_served(self) -> list[int]:
        return sorted({s for p in self.programmes for w in p.workers for s in w.schools})


KIND = Kind("staffing", StaffingSection, per_replica(Staffing))
