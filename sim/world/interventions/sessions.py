"""The session catalogue: what each growth-group theme does (docs/model.md §6).

A theme's mechanisms, each scaled by the group's magnitudes (``GroupMagnitudes`` in
sim/world/scenario.py): ``setting`` (members share a setting: X:same_group on), ``traits``
(trait -> how many magnitude units each member's trait moves), ``outing`` (a joint
activity with children outside the group), ``feedback`` (each member's main barrier
reduced), ``parent_child`` (guardian care up through the family), ``consolidation`` (the
setting fades more slowly and part of the gains last). Themes of both field studies:
Dafang (Zhang & Abdul Wahab 2023) and L Village, Shanxi (docs/model.md §1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import AfterValidator

from sim.schema import Section, at_least
from sim.suggest import unknown_name


@dataclass(frozen=True)
class Mechanisms:
    setting: bool = False
    traits: dict = field(default_factory=dict)
    outing: bool = False
    feedback: bool = False
    parent_child: bool = False
    consolidation: bool = False


CATALOGUE: dict[str, Mechanisms] = {
    # Dafang: charades, prizes, group rules
    "nice_to_meet_you": Mechanisms(setting=True, traits={"confidence": 0.5}),
    # Dafang: a film and discussion of communication problems
    "the_real_me": Mechanisms(setting=True, traits={"stigma": 1, "confidence": 1}),
    # Dafang: communication skills taught
    "easy_communication": Mechanisms(setting=True, traits={"shyness": 1, "communication": 1}),
    # Dafang: four cooperation games
    "flying_with_joy": Mechanisms(setting=True, traits={"confidence": 1}),
    # Dafang: outing with six LBC from another school
    "happy_outdoor_activities": Mechanisms(setting=True, outing=True,
                                           traits={"confidence": 1, "shyness": 0.5}),
    # Dafang: feedback from peers and worker on each member's progress
    "truth_or_dare": Mechanisms(setting=True, feedback=True),
    # Dafang: consolidation and plans
    "tomorrow_will_be_better": Mechanisms(setting=True, consolidation=True,
                                          traits={"confidence": 0.5}),
    # L Village, Shanxi: the six sessions' themes
    "emotional_management": Mechanisms(setting=True, traits={"stigma": 1, "confidence": 1}),
    "communication_skills": Mechanisms(setting=True, traits={"shyness": 1, "communication": 1}),
    "solidarity_collaboration": Mechanisms(setting=True, traits={"confidence": 1}),
    "parent_child_relationships": Mechanisms(setting=True, parent_child=True),
    "practical_learning": Mechanisms(setting=True, traits={"communication": 1, "shyness": 0.5}),
    "closing": Mechanisms(setting=True, consolidation=True, traits={"confidence": 0.5}),
}


def _theme(theme: str) -> str:
    if theme not in CATALOGUE:
        raise ValueError(unknown_name(theme, "session theme", list(CATALOGUE)))
    return theme


class Session(Section):
    """One group session: a theme from the catalogue (sim/world/interventions/sessions.py), its
    stage, and its week (default: weekly from the group's start)."""

    theme: Annotated[str, AfterValidator(_theme)]
    stage: Literal["thaw", "change", "reinvention"]
    week: Annotated[int, at_least(1)] | None = None


# The seven Dafang sessions (Zhang & Abdul Wahab 2023; docs/model.md §1).

DAFANG_SESSIONS = [
    {"theme": "nice_to_meet_you", "stage": "thaw"},
    {"theme": "the_real_me", "stage": "thaw"},
    {"theme": "easy_communication", "stage": "change"},
    {"theme": "flying_with_joy", "stage": "change"},
    {"theme": "happy_outdoor_activities", "stage": "change"},
    {"theme": "truth_or_dare", "stage": "reinvention"},
    {"theme": "tomorrow_will_be_better", "stage": "reinvention"},
]
