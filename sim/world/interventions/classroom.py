"""Classroom levers led by teachers (docs/model.md §6)."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np

from sim.schema import at_least, between
from sim.vocabulary import Trait
from sim.world.interventions.base import Intervention, InterventionSpec, Kind, Move, per_replica


class OneWeekLever(InterventionSpec):
    """A lever that acts once, in week ``week`` (a field of each subclass)."""

    @property
    def first_week(self) -> int:
        return self.week

    @property
    def last_week(self) -> int:
        return self.week


class AntiStigma(OneWeekLever):
    """A teacher-led anti-stigma activity: peers' prejudice and LBC's felt stigma fall
    (docs/model.md §6; assumption)."""

    type: Literal["anti_stigma"]
    week: Annotated[int, at_least(1)] = 6
    prejudice: Annotated[float, between(-1, 1)] = -0.05
    felt_stigma: Annotated[float, between(-1, 1)] = -0.02

    def moves(self) -> tuple[Move, ...]:
        return tuple(Move("stigma", who) for who, amount in
                     (("non_lb", self.prejudice), ("lb", self.felt_stigma)) if amount)


class TeacherTraining(OneWeekLever):
    """Teacher training in interaction skills: every child's shyness falls and
    communication rises a little (docs/model.md §6; assumption)."""

    type: Literal["teacher_training"]
    week: Annotated[int, at_least(1)] = 2
    shyness: Annotated[float, between(-1, 1)] = -0.01
    communication: Annotated[float, between(-1, 1)] = 0.01

    def moves(self) -> tuple[Move, ...]:
        return tuple(Move(trait, "all") for trait in ("shyness", "communication")
                     if getattr(self, trait))


class ClassLever(Intervention):
    """A lever for every child of a replica's classes, run in the spec's week."""

    def __init__(self, model, spec: OneWeekLever, replica: int = 0):
        self.model, self.spec = model, spec
        self.children = model.replica_children(replica)
        model.schedule_event(self.run, at=spec.week - 0.5)

    @property
    def treated(self) -> np.ndarray:
        return self.children

    def run(self) -> None:
        raise NotImplementedError


class AntiStigmaActivity(ClassLever):
    """The prejudice of children not left behind falls (lasting: prejudice has no other
    dynamics) and LBC's felt stigma falls (fading through the trait dynamics)."""

    def run(self) -> None:
        lb = self.model.population.lb[self.children]
        traits = self.model.trait_state
        traits.shift(self.children[~lb], Trait.STIGMA, self.spec.prejudice, lasting=True)
        traits.shift(self.children[lb], Trait.STIGMA, self.spec.felt_stigma)


class TeacherTrainingDay(ClassLever):
    """Every child's shyness falls (fading unless friendships sustain it) and
    communication rises (lasting: communication has no weekly dynamics)."""

    def run(self) -> None:
        traits = self.model.trait_state
        traits.shift(self.children, Trait.SHYNESS, self.spec.shyness)
        traits.shift(self.children, Trait.COMMUNICATION, self.spec.communication)


ANTI_STIGMA = Kind("anti_stigma", AntiStigma, per_replica(AntiStigmaActivity))
TEACHER_TRAINING = Kind("teacher_training", TeacherTraining, per_replica(TeacherTrainingDay))
