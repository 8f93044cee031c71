"""Classroom levers led by teachers (docs/model.md §6)."""

from __future__ import annotations

import numpy as np

from sim.vocabulary import Trait


def _shift(model, children: np.ndarray, trait: str, amount: float, lasting: bool) -> None:
    k = Trait[trait.upper()]
    model.traits[k, children] = np.clip(model.traits[k, children] + amount, 0.0, 1.0)
    if lasting:
        model.baseline_traits[k, children] = model.traits[k, children]


class AntiStigmaActivity:
    """A class-wide activity in week ``week``: the prejudice of children not left behind
    falls (lasting: prejudice has no other dynamics) and LBC's felt stigma falls (fading
    through the trait dynamics)."""

    def __init__(self, model, spec, replica: int = 0):
        self.model, self.spec = model, spec
        self.children = model.replica_children(replica)
        model.schedule_event(self.run, at=spec.week - 0.5)

    def run(self) -> None:
        lb = self.model.population.lb[self.children]
        _shift(self.model, self.children[~lb], "stigma", self.spec.prejudice, lasting=True)
        _shift(self.model, self.children[lb], "stigma", self.spec.felt_stigma, lasting=False)


class TeacherTrainingDay:
    """Teachers trained in interaction skills (week ``week``): every child's shyness and
    communication move a little, fading unless friendships sustain them."""

    def __init__(self, model, spec, replica: int = 0):
        self.model, self.spec = model, spec
        self.children = model.replica_children(replica)
        model.schedule_event(self.run, at=spec.week - 0.5)

    def run(self) -> None:
        everyone = self.children
        _shift(self.model, everyone, "shyness", self.spec.shyness, lasting=False)
        _shift(self.model, everyone, "communication", self.spec.communication, lasting=False)
