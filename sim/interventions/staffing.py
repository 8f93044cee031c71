"""Staffing: a county's social workers and the schools they serve (MODEL.md §5).

Schools are ranked by the targeting rule (most left-behind children first, or random).
With ``one_per_school`` each worker serves one school, the first ``workers`` schools; with
``shared`` the ranked schools are dealt out to the workers in turn, and each extra school
costs the worker ``travel_hours_per_school`` a week. A worker runs at most
``groups_per_term`` groups and as many sessions a week as its remaining hours allow; each
worker is a ``SocialWorker`` agent running a growth-group programme in its schools.
"""

from __future__ import annotations

import numpy as np

from sim.interventions.growth_group import GrowthGroupProgramme


class StaffingPlan:
    def __init__(self, model, spec, replica: int = 0):
        self.model, self.spec = model, spec
        pop = model.population
        schools = model.replica_schools(replica)
        if spec.targeting == "most_lbc":
            lbc = np.bincount(pop.school, weights=pop.lb)
            order = schools[np.argsort(-lbc[schools], kind="stable")]
        else:
            order = model.replica_rngs[replica].permutation(schools)
        self.assignments: list[list[int]] = []
        if spec.workers and spec.placement == "one_per_school":
            self.assignments = [[int(s)] for s in order[:spec.workers]]
        elif spec.workers:
            per = -(-len(order) // spec.workers)  # ceil
            self.assignments = [order[k * per:(k + 1) * per].tolist()
                                for k in range(spec.workers) if len(order[k * per:])]
        self.programmes = []
        for schools_served in self.assignments:
            served = schools_served[:spec.groups_per_term]
            travel = spec.travel_hours_per_school * (len(served) - 1)
            self.programmes.append(GrowthGroupProgramme(
                model, spec.group, schools=served,
                hours=max(0.0, spec.hours_per_week - travel), replicas=[replica]))

    @property
    def members(self) -> np.ndarray:
        groups = [p.members for p in self.programmes]
        return np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)

    @property
    def yearly_cost(self) -> float:
        return self.spec.workers * self.spec.cost_per_worker

    @property
    def schools_served(self) -> list[int]:
        return sorted(s for p in self.programmes for s in p.worker.schools)
