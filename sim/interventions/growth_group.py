"""Growth groups run by school social workers (MODEL.md §1, §5).

Recruitment one week before the first session: per school (or class), candidates by the
targeting rule are invited in order and each joins with the acceptance probability until
the group is full. Sessions are Mesa events half a week before the week's network
dynamics; each applies its theme's mechanisms (:mod:`sim.interventions.sessions`) scaled by
the magnitudes, change-stage sessions in proportion to the trust built in the thaw stage.
While the group runs, members share a setting (the label covariate ``same_group`` behind
the ``X:same_group`` effect); afterwards the setting fades week by week, and trait gains
fade through the trait dynamics unless friendships sustain them.
"""

from __future__ import annotations

import numpy as np

from sim.agents import SocialWorker
from sim.interventions.sessions import CATALOGUE
from sim.population import TRAITS

SETTING = 0  # row of the model's label covariates used by X:same_group


class GrowthGroupProgramme:
    """One growth group per school or class, as ``spec`` (a scenario GrowthGroup) says, in
    ``schools`` (default: all of the replica's), or one group in each of ``classes``, by a
    worker with ``hours`` a week (default: the spec's). With several ``replicas`` (of a model that runs them side by side) each
    has its own worker, groups and random stream, exactly as a programme of its own would;
    one programme serves them all so the weekly events are not multiplied."""

    def __init__(self, model, spec, schools=None, hours: float | None = None,
                 replicas=(0,), classes=None):
        self.model, self.spec = model, spec
        self.replicas = list(replicas)
        if (schools is not None or classes is not None) and len(self.replicas) != 1:
            raise ValueError("schools or classes can be given for a programme of one "
                             "replica only")
        self.hours = spec.worker_hours_per_week if hours is None else float(hours)
        self.session_weeks = spec.session_weeks()
        self.groups: list[np.ndarray] = []  # member indices per group
        self.group_replica: list[int] = []  # position in self.replicas of each group
        self.labels: list[int] = []
        self.held: list[list[tuple[int, str, str]]] = []  # per group: (week, theme, stage)
        self.skipped: list[tuple[int, int]] = []  # (week, group) lost to the worker's hours
        self.gains = np.zeros((len(TRAITS), model.population.n_children))
        pop = model.population
        units = pop.class_school if spec.scope == "school" else np.arange(pop.n_classes)
        self.workers = []
        self._units = np.full(pop.n_classes, -1, dtype=np.int64)
        for r in self.replicas:
            if classes is not None:  # one group in each of these classes
                mine = np.isin(np.arange(pop.n_classes), classes)
                served = np.unique(pop.class_school[mine])
                units = np.arange(pop.n_classes)
            else:
                served = model.replica_schools(r) if schools is None else np.asarray(schools)
                mine = np.isin(pop.class_school, served) & (model.class_replica == r)
            self.workers.append(SocialWorker(model, schools=served.tolist(),
                                             hours_per_week=self.hours))
            self._units[mine] = units[mine]
        self._retention = np.full(len(self.replicas), spec.magnitudes.setting_retention)
        self._fading = np.ones(len(self.replicas), dtype=bool)
        self._outing: list[np.ndarray] = []
        if self.session_weeks:
            model.schedule_event(self.recruit, at=min(self.session_weeks) - 0.75)
            for week in sorted(set(self.session_weeks)):
                model.schedule_event(self.run_sessions, at=week - 0.5)
            model.schedule_event(self.fade, at=max(self.session_weeks) + 0.5)

    @property
    def worker(self):
        """The social worker (of the first replica)."""
        return self.workers[0]

    @property
    def members(self) -> np.ndarray:
        """Indices of every child in one of the groups."""
        return np.concatenate(self.groups) if self.groups else np.zeros(0, dtype=np.int64)

    @property
    def first_week(self) -> int:
        return min(self.session_weeks)

    @property
    def last_week(self) -> int:
        return max(self.session_weeks)

    # --- recruitment --------------------------------------------------------------------
    def candidates(self, children: np.ndarray, rng) -> np.ndarray:
        """Children to invite, in order, by the targeting rule (ties in random order)."""
        m = self.model
        children = rng.permutation(children)
        lb = m.population.lb[children]
        if self.spec.target == "lowest_indegree_lbc":
            lbc = children[lb]
            return lbc[np.argsort(m.indegree[lbc], kind="stable")]
        if self.spec.target == "random_lbc":
            return children[lb]
        return children[m.indegree[children] == 0]  # isolates: nobody names them

    def recruit(self) -> None:
        m, spec = self.model, self.spec
        pop = m.population
        for k, r in enumerate(self.replicas):
            rng = m.replica_rngs[r]
            units = self._units[(self._units >= 0) & (m.class_replica == r)]
            for unit in np.unique(units):
                classes = np.flatnonzero((self._units == unit) & (m.class_replica == r))
                children = np.concatenate([np.arange(pop.start[c], pop.start[c] + pop.size[c])
                                           for c in classes])
                group = []
                for child in self.candidates(children, rng):
                    if len(group) == spec.group_size:
                        break
                    if rng.random() < spec.acceptance:
                        group.append(child)
                if len(group) >= 2:
                    self.groups.append(np.array(group, dtype=np.int64))
                    self.group_replica.append(k)
                    self.labels.append(m.new_label())
                    self.held.append([])

    # --- sessions -----------------------------------------------------------------------
    def trust(self, g: int) -> float:
        """Trust built in the thaw stage: thaw sessions group g has held over the number
        that builds full trust (capped at 1)."""
        held = sum(stage == "thaw" for _, _, stage in self.held[g])
        return min(1.0, held / self.spec.magnitudes.thaw_for_trust)

    def run_sessions(self) -> None:
        """This week's sessions: which groups hold them (each worker's hours, in group
        order), then each session's mechanisms for all those groups at once."""
        m, mag = self.model, self.spec.magnitudes
        week = int(round(m.time + 0.5))
        sessions = [s for s, w in zip(self.spec.sessions, self.session_weeks, strict=True)
                    if w == week]
        self._end_outing()
        hours = [self.hours] * len(self.replicas)  # each replica's worker
        held = [([], []) for _ in sessions]  # per session: groups holding it, their scales
        for g in range(len(self.groups)):
            k = self.group_replica[g]
            for s, session in enumerate(sessions):
                if hours[k] < self.spec.hours_per_session:
                    self.skipped.append((week, g))
                    continue
                hours[k] -= self.spec.hours_per_session
                scale = 1.0  # change-stage sessions work in proportion to the trust built
                if session.stage == "change":
                    scale = mag.untrusted + (1.0 - mag.untrusted) * self.trust(g)
                held[s][0].append(g)
                held[s][1].append(scale)
                self.held[g].append((week, session.theme, session.stage))
        for worker, left in zip(self.workers, hours, strict=True):
            worker.hours_used = self.hours - left
        for session, (groups, scales) in zip(sessions, held, strict=True):
            if groups:
                self.apply(groups, session, np.array(scales))

    def apply(self, groups: list[int], session, scales: np.ndarray) -> None:
        """One session's mechanisms for the given groups (disjoint sets of children), each
        scaled by its own factor."""
        m, mag = self.model, self.spec.magnitudes
        sizes = [len(self.groups[g]) for g in groups]
        members = np.concatenate([self.groups[g] for g in groups])
        scale = np.repeat(scales, sizes)  # per member
        mech = CATALOGUE[session.theme]
        if mech.setting:
            m.labels[SETTING, members] = np.repeat([self.labels[g] for g in groups], sizes)
            m.label_strength[SETTING, members] = mag.setting
        for trait, units in mech.traits.items():
            self.shift(members, trait, units * getattr(mag, trait) * scale)
        if mech.outing:
            for g in groups:
                self.outing(g)
        if mech.feedback:
            self.feedback(members, mag.barrier * scale)
        if mech.parent_child:
            k = TRAITS.index("guardian_care")
            self.shift(members, "guardian_care", mag.guardian_care * scale)
            m.baseline_traits[k, members] = m.traits[k, members]  # care set by the family
        if mech.consolidation:
            for g in groups:
                self._retention[self.group_replica[g]] = mag.consolidated_retention
            m.baseline_traits[:, members] += mag.retention * self.gains[:, members]
            np.clip(m.baseline_traits, 0.0, 1.0, out=m.baseline_traits)

    def shift(self, members: np.ndarray, trait: str, amount) -> None:
        """Move a trait of ``members`` by ``amount`` (one value or one per member)."""
        k = TRAITS.index(trait)
        before = self.model.traits[k, members].copy()
        self.model.traits[k, members] = np.clip(before + amount, 0.0, 1.0)
        self.gains[k, members] += self.model.traits[k, members] - before

    def feedback(self, members: np.ndarray, amount: np.ndarray) -> None:
        """Move each member's main barrier (by its ``amount``): the worst of shyness, low
        confidence, felt stigma and low communication."""
        t = self.model.traits
        names = ("shyness", "confidence", "stigma", "communication")
        signs = np.array([-1.0, 1.0, -1.0, 1.0])  # the direction that helps
        badness = np.stack([t[TRAITS.index("shyness"), members],
                            1 - t[TRAITS.index("confidence"), members],
                            t[TRAITS.index("stigma"), members],
                            1 - t[TRAITS.index("communication"), members]])
        worst = badness.argmax(0)
        amount = np.broadcast_to(amount, members.shape)
        for k, name in enumerate(names):
            chosen = worst == k
            if chosen.any():
                self.shift(members[chosen], name, signs[k] * amount[chosen])

    def outing(self, g: int) -> None:
        """A joint activity: a few non-member classmates share the group's setting this
        week."""
        m = self.model
        pop = m.population
        members = self.groups[g]
        rng = m.replica_rngs[self.replicas[self.group_replica[g]]]
        others = []
        for c in np.unique(pop.klass[members]):
            pool = np.setdiff1d(np.arange(pop.start[c], pop.start[c] + pop.size[c]), members)
            pool = pool[m.labels[SETTING, pool] < 0]
            k = min(self.spec.magnitudes.outing_partners, len(pool))
            others.append(rng.choice(pool, k, replace=False))
        partners = np.concatenate(others) if others else np.zeros(0, dtype=np.int64)
        m.labels[SETTING, partners] = self.labels[g]
        m.label_strength[SETTING, partners] = self.spec.magnitudes.setting
        self._outing.append(partners)

    def _end_outing(self) -> None:
        for partners in self._outing:
            self.model.labels[SETTING, partners] = -1
            self.model.label_strength[SETTING, partners] = 0.0
        self._outing = []

    # --- after the last session -----------------------------------------------------------
    def fade(self) -> None:
        """Weekly after the last session: the shared setting loses strength, in each
        replica until none of its groups has any left."""
        m = self.model
        self._end_outing()
        if self.groups:
            sizes = [len(g) for g in self.groups]
            members = np.concatenate(self.groups)
            replica = np.repeat(self.group_replica, sizes)  # of each member
            fading = self._fading[replica]
            members, replica = members[fading], replica[fading]
            s = m.label_strength[SETTING, members] * self._retention[replica]
            s[s < 1e-3] = 0.0
            m.label_strength[SETTING, members] = s
            group = np.repeat(np.arange(len(self.groups)), sizes)[fading]
            live = np.bincount(group, weights=s > 0, minlength=len(self.groups)) > 0
            m.labels[SETTING, members[~live[group]]] = -1
            held = np.bincount(np.asarray(self.group_replica, dtype=np.int64),
                               weights=live, minlength=len(self.replicas))
            self._fading = held > 0
        else:
            self._fading[:] = False
        if self._fading.any():
            m.schedule_event(self.fade, at=m.time + 1.0)
