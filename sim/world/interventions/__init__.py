"""Intervention modules of lbsim: growth groups, family and classroom levers, staffing.

:data:`KINDS` is the registry of intervention types (see :mod:`sim.world.interventions.base`);
:func:`install` turns a scenario's interventions into Mesa events on a model.
"""

from __future__ import annotations

import numpy as np

from sim.world.interventions import classroom, family, growth_group, staffing
from sim.world.interventions.base import Intervention, InterventionSection, Kind

KINDS: tuple[Kind, ...] = (growth_group.KIND, family.KIND, classroom.ANTI_STIGMA,
                           classroom.TEACHER_TRAINING, staffing.KIND)
"""Every intervention type, in the order scenarios list them."""

REGISTRY: dict[str, Kind] = {k.type: k for k in KINDS}


def group_members(model) -> np.ndarray:
    """Sorted indices of every child in one of the model's interventions' groups."""
    found = [np.asarray(p.members, dtype=np.int64) for p in model.interventions]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def install(model) -> list[Intervention]:
    """Create and schedule every intervention of the model's scenario, in the scenario's
    order (each kind decides whether one object serves all replicas or one per replica)."""
    installed = []
    for section in model.config.interventions:
        installed.extend(REGISTRY[section.type].install(model, section))
    return installed


__all__ = ["KINDS", "REGISTRY", "Intervention", "InterventionSection", "Kind", "group_members",
           "install"]
