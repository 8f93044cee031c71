"""What every intervention keeps to: its scenario section names its weeks, its running
part names the children it treats, and a registry entry says how it is installed.

Names follow one rule for every kind: ``<Kind>Section`` is the scenario section (a subclass
of :class:`InterventionSection`, what the YAML says: e.g. ``FamilyContactSection``) and
``<Kind>`` the running part installed on a model (a subclass of :class:`Intervention`, e.g.
``FamilyContact``), which keeps its section as ``section``. Adding an intervention type means
one module (its section and its running part) and one line in
:data:`sim.world.interventions.KINDS`. Scenario validation, installation on a model, virtual
trials and the app read the registry, never a list of types of their own. Interventions
change the world only through the model's state objects (``model.trait_state.shift``,
``model.settings.open``/``close``/``set_strength``), never by writing its arrays.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.schema import Section


@dataclass(frozen=True)
class Move:
    """What an intervention changes (:mod:`sim.world.pathways` follows it to the ties): a trait
    (``"setting"``: a shared setting among members) of ``who`` (``"lb"``, ``"non_lb"``,
    ``"all"``)."""

    trait: str
    who: str


class InterventionSection(Section):
    """A scenario's intervention: ``type`` (a Literal in each subclass) picks the kind;
    ``first_week`` and ``last_week`` are the weeks it acts in; ``moves`` what it changes."""

    def moves(self) -> tuple[Move, ...]:
        """The traits (or setting) it changes, with a non-zero magnitude."""
        raise NotImplementedError

    @property
    def first_week(self) -> int:
        raise NotImplementedError

    @property
    def last_week(self) -> int:
        raise NotImplementedError


class Intervention[S: InterventionSection](ABC):
    """An intervention installed on a model: it scheduled its events when created. Generic
    over its section's class ``S``, so each kind's running part knows its section's fields."""

    section: S

    @property
    def first_week(self) -> int:
        return self.section.first_week

    @property
    def last_week(self) -> int:
        return self.section.last_week

    @property
    def members(self) -> np.ndarray:
        """Children in its groups (growth-group members); none for levers that act on a
        family or a whole class."""
        return np.zeros(0, dtype=np.int64)

    def member_groups(self) -> list[np.ndarray]:
        """Its groups, each an array of member indices (none for levers)."""
        return []

    @property
    @abstractmethod
    def treated(self) -> np.ndarray:
        """Every child it acts on."""


@dataclass(frozen=True)
class Kind[S: InterventionSection]:
    """A registry entry: the scenario ``type``, its section's class ``S`` and how it is
    installed (``install(model, section)`` returns the running interventions)."""

    type: str
    section: builtins.type[S]  # builtins': ``type`` is the field above in this scope
    install: Callable[[Any, S], list[Intervention[S]]]


def per_replica[S: InterventionSection](
        cls: Callable[[Any, S, int], Intervention[S]]) -> Callable[[Any, S], list[Intervention[S]]]:
    """Install ``cls(model, section, r)`` once for each replica ``r`` of the model."""
    def install(model, section: S) -> list[Intervention[S]]:
        return [cls(model, section, r) for r in range(model.n_replicas)]
    return install
