"""Family lever: regular contact with the migrant parent (docs/model.md §6)."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.schema import Share, at_least, between
from sim.vocabulary import Trait
from sim.world.interventions.base import Intervention, InterventionSection, Kind, Move, per_replica


class FamilyContactSection(InterventionSection):
    """Regular contact with the migrant parent (video calls): guardian care and confidence
    of left-behind children rise each week it runs (docs/model.md §6; assumption)."""

    type: Literal["family_contact"]
    start_week: Annotated[int, at_least(1)] = 4
    weeks: Annotated[int, at_least(1)] = 12
    share: Share = Field(1.0, description="share of LBC whose families take part")
    guardian_care: Annotated[float, between(-1, 1)] = 0.005
    confidence: Annotated[float, between(-1, 1)] = 0.002

    def moves(self) -> tuple[Move, ...]:
        return tuple(Move(trait, "lb") for trait in ("guardian_care", "confidence")
                     if getattr(self, trait) and self.share)

    @property
    def first_week(self) -> int:
        return self.start_week

    @property
    def last_week(self) -> int:
        return self.start_week + self.weeks - 1


class FamilyContact(Intervention[FamilyContactSection]):
    """Weekly from ``start_week`` for ``weeks``: the participating LBC's guardian care and
    confidence rise by the section's amounts. Guardian care changes only through the family,
    so its gains stay (baseline moves too); confidence gains fade unless sustained."""

    def __init__(self, model, section: FamilyContactSection, replica: int = 0):
        self.model, self.section = model, section
        children = model.replica_children(replica)
        lbc = children[model.population.lb[children]]
        take = model.replica_rngs[replica].random(len(lbc)) < section.share
        self.families = lbc[take]
        for week in range(section.start_week, section.start_week + section.weeks):
            model.schedule_event(self.contact, at=week - 0.5)

    @property
    def treated(self) -> np.ndarray:
        """The left-behind children whose families take part."""
        return self.families

    def contact(self) -> None:
        traits, section = self.model.trait_state, self.section
        traits.shift(self.families, Trait.GUARDIAN_CARE, section.guardian_care, lasting=True)
        traits.shift(self.families, Trait.CONFIDENCE, section.confidence)


KIND = Kind("family_contact", FamilyContactSection, per_replica(FamilyContact))
