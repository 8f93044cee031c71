"""Family lever: regular contact with the migrant parent (docs/model.md §6)."""

from __future__ import annotations

import numpy as np

from sim.vocabulary import Trait


class ParentContact:
    """Weekly from ``start_week`` for ``weeks``: the participating LBC's guardian care and
    confidence rise by the spec's amounts. Guardian care changes only through the family,
    so its gains stay (baseline moves too); confidence gains fade unless sustained."""

    def __init__(self, model, spec, replica: int = 0):
        self.model, self.spec = model, spec
        children = model.replica_children(replica)
        lbc = children[model.population.lb[children]]
        take = model.replica_rngs[replica].random(len(lbc)) < spec.share
        self.members = lbc[take]
        for week in range(spec.start_week, spec.start_week + spec.weeks):
            model.schedule_event(self.contact, at=week - 0.5)

    def contact(self) -> None:
        m, spec = self.model, self.spec
        for trait, amount in (("guardian_care", spec.guardian_care),
                              ("confidence", spec.confidence)):
            k = Trait[trait.upper()]
            m.traits[k, self.members] = np.clip(m.traits[k, self.members] + amount, 0, 1)
        k = Trait.GUARDIAN_CARE
        m.baseline_traits[k, self.members] = m.traits[k, self.members]
