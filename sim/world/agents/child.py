"""A child: a Mesa agent whose attributes read and write the model's arrays.

``child.confidence = 0.8`` writes the model's confidence array, which the kernels read at
the next step; ``child.friends`` lists the children this child names. Nothing is copied,
so 100,000 children cost no per-agent work in the weekly loop.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.vocabulary import GUARDIANS, MIGRATION, Trait


def _trait(k: int, name: str) -> property:
    def get(self) -> float:
        return float(self.model.traits[k, self.index])

    def set(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
        self.model.traits[k, self.index] = value

    return property(get, set, doc=f"{name} (0..1), a view on model.traits")


class Child(mesa.Agent):
    """A pupil. ``index`` is the child's row in the model's arrays."""

    def __init__(self, model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def is_left_behind(self) -> bool:
        return bool(self.model.population.lb[self.index])

    @property
    def is_girl(self) -> bool:
        return bool(self.model.population.girl[self.index])

    @property
    def class_index(self) -> int:
        """The class's index (from 0), as ``population.network(c)`` takes it."""
        return int(self.model.population.klass[self.index])

    @property
    def class_label(self) -> str:
        """The class as a person reads it: ``"class 1"`` for index 0
        (:meth:`Population.class_label`)."""
        return self.model.population.class_label(self.class_index)

    @property
    def school(self) -> int:
        return int(self.model.population.school[self.index])

    @property
    def migration(self) -> str | None:
        k = self.model.population.migration[self.index]
        return MIGRATION[k] if k >= 0 else None

    @property
    def guardian(self) -> str:
        return GUARDIANS[self.model.population.guardian[self.index]]

    def _row_col(self) -> tuple[np.ndarray, int, int]:
        """The network this child is in (its class, or its school when ties may cross
        classes), the child's row in it, and the index of the network's first child."""
        pop = self.model.population
        u = pop.class_unit[self.class_index]
        return pop.unit_network(u), self.index - pop.unit_start[u], pop.unit_start[u]

    @property
    def friends(self) -> list[Child]:
        """The children this child names as friends."""
        x, i, s = self._row_col()
        return [self.model.children[s + j] for j in np.flatnonzero(x[i])]

    @property
    def named_by(self) -> list[Child]:
        """The children who name this child."""
        x, i, s = self._row_col()
        return [self.model.children[s + j] for j in np.flatnonzero(x[:, i])]

    @property
    def in_degree(self) -> int:
        x, i, _ = self._row_col()
        return int(x[:, i].sum())

    @property
    def reciprocated_friends(self) -> list[Child]:
        x, i, s = self._row_col()
        return [self.model.children[s + j] for j in np.flatnonzero(x[i] & x[:, i])]

    def __repr__(self) -> str:
        kind = "left-behind" if self.is_left_behind else "not left-behind"
        return (f"Child({self.index}, {self.class_label}, {kind}, "
                f"in-degree {self.in_degree}, confidence {self.confidence:.2f})")


for _t in Trait:  # child.shyness, child.confidence, ...: one view per trait
    setattr(Child, _t.key, _trait(_t, _t.key))
