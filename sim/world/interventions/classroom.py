"""Classroom levers led by teachers (docs/model.md §6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np

from sim.schema import at_least, between
from sim.vocabulary import Trait
from sim.world.interventions.base import Intervention, InterventionSection, Kind, Move, per_replica


class OneWeekLeverSection(InterventionSection):
    """A lever that acts once, in week ``week`` (a field of each subclass)."""

    if TYPE_CHECKING:  # declared for mypy only: a field here would come first in each subclass
        week: int

    @property
    def first_week(self) -> int:
        return self.week

    @property
    def last_week(self) -> int:
        return self.week


class AntiStigmaSection(OneWeekLeverSection):
    """A teacher-led anti-stigma activity: peers' prejudice and LBC's felt stigma fall
    (docs/model.md §6; assumption)."""

    type: Literal["anti_stigma"]
    week: Annotated[int, at_least(1)] = 6
    prejudice: Annotated[float, between(-1, 1)] = -0.05
    felt_stigma: Annotated[float, between(-1, 1)] = -0.02

    def moves(self) -> tuple[Move, ...]:
        return tuple(Move("stigma", who) for who, amount in
                     (("non_lb", self.prejudice), ("lb", self.felt_stigma)) if amount)


class TeacherTrainingSection(OneWeekLeverSection):
    """Teacher training in interaction skills: every child's shyness falls and
    communication rises a little (docs/model.md §6; assumption)."""

    type: Literal["teacher_training"]
    week: Annotated[int, at_least(1)] = 2
    shyness: Annotated[float, between(-1, 1)] = -0.01
    communication: Annotated[float, between(-1, 1)] = 0.01

    def moves(self) -> tuple[Move, ...]:
        return tuple(Move(trait, "all") for trait in ("shyness", "communication")
                     if getattr(self, trait))


class OneWeekLever[S: OneWeekLeverSection](Intervention[S]):
    """A lever for every child of a replica's classes, run in the section's week."""

    def __init__(self, model, section: S, replica: int = 0):
        self.model, self.section = model, section
        self.children = model.replica_children(replica)
        model.schedule_event(self.run, at=section.week - 0.5)

    @property
    def treated(self) -> np.ndarray:
        return self.children

    def run(self) -> None:
        raise NotImplementedError


class AntiStigma(OneWeekLever[AntiStigmaSection]):
    """The prejudice of children not left behind falls (lasting: prejudice has no other
    dynamics) and LBC's felt stigma falls (fading through the trait dynamics)."""

    def run(self) -> None:
        lb = self.model.population.lb[self.children]
        traits = self.model.trait_state
        traits.shift(self.children[~lb], Trait.STIGMA, self.section.prejudice, lasting=True)
        traits.shift(self.children[lb], Trait.STIGMA, self.section.felt_stigma)


class TeacherTraining(OneWeekLever[TeacherTrainingSection]):
    """Every child's shyness falls (fading unless friendships sustain it) and
    communication rises (lasting: communication has no weekly dynamics)."""

    def run(self) -> None:
        traits = self.model.trait_state
        traits.shift(self.children, Trait.SHYNESS, self.section.shyness)
        traits.shift(self.children, Trait.COMMUNICATION, self.section.communication)


ANTI_STIGMA = Kind("anti_stigma", AntiStigmaSection, per_replica(AntiStigma))
TEACHER_TRAINING = Kind("teacher_training", TeacherTrainingSection, per_replica(TeacherTraining))
