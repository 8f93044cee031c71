"""The classroom world: ``PeerNetworkModel(mesa.Model)``, one step a school week.

State lives in arrays (:mod:`sim.population`); ``Child`` agents are views on them. Each
week (``step``): Mesa's scheduled events (interventions), trait dynamics (docs/model.md §5,
vectorised), SAOM ministeps for every class in parallel (:func:`sim.saom.kernels.
simulate_classes`, one random stream per class), then the outcomes of docs/model.md §7 are
collected into a tidy table (:attr:`outcomes`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from sim import outcomes as oc
from sim.agents import Child
from sim.interventions import install
from sim.population import Population, actor_covariates, build_population, stack_populations
from sim.saom import kernels
from sim.saom.effects import parse_rate_key
from sim.saom.program import compile_effects
from sim.saom.simulate import run_seeds
from sim.saom.specification import NO_CAP
from sim.scenario import Scenario
from sim.vocabulary import (
    ACTOR_COVARIATES,
    LABELS,
    TRAITS,
    UNCENTRED,
    UNCENTRED_LABELS,
    Label,
    Trait,
)


def start_key(config: Scenario, seeds: Sequence[int]) -> str:
    """What the world before week 1 depends on: population, traits, network and seeds."""
    parts = config.model_dump(mode="json", include={"population", "traits", "network"})
    text = json.dumps([parts, [int(s) for s in seeds]], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StartState:
    """The world after the burn-in, before week 1 (``model.start``): passing it to a new
    model with the same population, traits, network and seeds skips the build and the
    burn-in and gives exactly the model built from scratch (common random numbers across
    runs that differ only in their interventions or weeks)."""

    key: str
    population: Population
    states: np.ndarray
    replica_children: np.ndarray
    replica_classes: np.ndarray
    ministeps: int


class PeerNetworkModel(mesa.Model):
    """Children in classes whose friendship networks evolve week by week.

    ``config`` is the validated scenario (Mesa's own ``scenario`` attribute is left to
    Mesa); ``seed`` overrides the scenario's seed. Same seed, same result, whatever the
    number of threads. ``replicas`` (a list of seeds) runs that many independent copies of
    the scenario side by side in one model, replica k exactly as a model of seed
    ``replicas[k]`` alone (its own population, network streams and interventions); the
    outcome table then has one population row per replica. ``start`` (a ``StartState``
    from ``model.start``) skips the build and burn-in. ``collect``: record the outcomes
    every week (True), never (False), or in the given weeks only. ``agents=False`` skips
    the Child agents (views for exploring; runs that only need outcomes do without).
    ``timings`` holds the seconds spent in each part (population build, burn-in, Mesa
    agents, trait dynamics, SAOM kernels, metrics).
    """

    def __init__(self, config: Scenario, seed: int | None = None,
                 collect: bool | Collection[int] = True,
                 replicas: Sequence[int] | None = None, start: StartState | None = None,
                 agents: bool = True):
        seed = config.seed if seed is None else int(seed)
        self.seeds = [seed] if replicas is None else [int(s) for s in replicas]
        if not self.seeds:
            raise ValueError("replicas must name at least one seed")
        super().__init__(rng=self.seeds[0])
        self.timings: dict[str, float] = dict.fromkeys(
            ("population", "burn_in", "agents", "traits", "kernels", "metrics"), 0.0)
        clock = time.perf_counter()
        self.config = config
        self.seed = self.seeds[0]
        self.week = 0
        key = start_key(config, self.seeds)
        if start is not None and start.key != key:
            raise ValueError("start state was built for another scenario or other seeds: "
                             "population, traits, network and seeds must match")
        # each replica draws from its own seed exactly as a model of that seed alone would:
        # population, one network stream per unit, and a stream for the interventions
        sequences = [np.random.SeedSequence(s).spawn(3) for s in self.seeds]
        self.replica_rngs = [np.random.default_rng(seqs[2]) for seqs in sequences]
        if start is None:
            pops = [build_population(config, np.random.default_rng(seqs[0]))
                    for seqs in sequences]
            self.population = pop = stack_populations(pops)
            self._states = np.concatenate([run_seeds(seqs[1], p.n_units)
                                           for seqs, p in zip(sequences, pops, strict=True)])
            sizes = [p.n_children for p in pops]
            class_counts = [p.n_classes for p in pops]
        else:
            self.population = pop = copy.deepcopy(start.population)
            self._states = start.states.copy()
            sizes, class_counts = start.replica_children, start.replica_classes
        self.replica_child_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.class_replica = np.repeat(np.arange(len(self.seeds)), class_counts)
        self._class_bounds = np.concatenate([[0], np.cumsum(class_counts)]).astype(np.int64)
        self.traits = pop.traits  # (len(TRAITS), N), viewed by the Child agents
        net = config.network
        effects = dict(net.effects)
        if net.cross_class_ties:  # a tie to another class of the school costs the penalty:
            # -penalty on every tie, +penalty back on ties within the class
            effects["density"] = effects.get("density", 0.0) - net.cross_class_penalty
            effects["X:same_class"] = net.cross_class_penalty
        self.program = compile_effects(effects, ACTOR_COVARIATES, (), LABELS)
        self.rate_cov = np.array([ACTOR_COVARIATES.index(parse_rate_key(k))
                                  for k in net.rate_effects], dtype=np.int64)
        self.rate_alpha = np.array(list(net.rate_effects.values()), dtype=float)
        self.centred = np.array([c not in UNCENTRED for c in ACTOR_COVARIATES])
        self.cap = NO_CAP if net.max_outdegree is None else int(net.max_outdegree)
        # label covariates: a shared setting (X:same_group; -1 = none, with a strength
        # that can fade) and the class (X:same_class, used when ties may cross classes)
        self.labels = np.full((len(LABELS), pop.n_children), -1, dtype=np.int64)
        self.labels[Label.SAME_CLASS] = pop.klass
        self.label_strength = np.zeros((len(LABELS), pop.n_children))
        self.label_strength[Label.SAME_CLASS] = 1.0
        self.label_centred = np.array([name not in UNCENTRED_LABELS for name in LABELS])
        self._xt = np.empty_like(pop.xbuf)
        self._allowed = np.empty_like(pop.xbuf)
        for u in range(pop.n_units):
            m, o = pop.unit_size[u], pop.unit_off[u]
            self._xt[o:o + m * m] = pop.unit_network(u).T.ravel()
            self._allowed[o:o + m * m] = (1 - np.eye(m, dtype=np.int8)).ravel()
        self.indegree = np.zeros(pop.n_children, dtype=np.int64)
        self.outdegree = np.zeros(pop.n_children, dtype=np.int64)
        self._update_degrees()
        self.ministeps = 0
        self.timings["population"] = time.perf_counter() - clock
        if start is None:
            if net.burn_in_years > 0:
                self._simulate(net.burn_in_years)
            self.timings["burn_in"], self.timings["kernels"] = self.timings["kernels"], 0.0
            self.start = StartState(key, copy.deepcopy(pop), self._states.copy(),
                                    np.diff(self.replica_child_start),
                                    np.bincount(self.class_replica,
                                                minlength=len(self.seeds)), self.ministeps)
        else:
            self.start, self.ministeps = start, start.ministeps
        self.counts = np.zeros((pop.n_classes, len(oc.Count)))  # this week's, per class
        self.child_counts = np.zeros((len(oc.ChildCount), pop.n_children))
        self.collect = collect
        self._count(self._collecting(0))
        self.baseline_traits = self.traits.copy()
        self.baseline_drivers = self._drivers()
        clock = time.perf_counter()
        self.children: list[Child] = list(Child.create_agents(
            self, pop.n_children, np.arange(pop.n_children))) if agents else []
        self.timings["agents"] = time.perf_counter() - clock
        self._next_label = 0
        self.interventions = install(self)
        # bins class x (not left behind, left behind) for trait means, and their sizes
        self._group_key = 2 * pop.klass + pop.lb
        self._group_n = np.bincount(self._group_key, minlength=2 * pop.n_classes
                                    ).reshape(-1, 2).astype(float)
        self._weeks: list[int] = []
        self._weekly_counts: list[np.ndarray] = []
        self._weekly_means: list[dict] = []
        if self._collecting(0):
            self._record()

    # --- the weekly step ------------------------------------------------------------
    def step(self) -> None:
        """One school week: trait dynamics, then SAOM ministeps in every class."""
        self.week += 1
        clock = time.perf_counter()
        self.trait_dynamics()
        self.timings["traits"] += time.perf_counter() - clock
        self._simulate(1.0 / self.config.network.weeks_per_year)
        collecting = self._collecting(self.week)
        self._count(collecting)
        if collecting:
            self._record()

    def run(self, weeks: int | None = None, progress=None) -> pd.DataFrame:
        """Run ``weeks`` steps (the scenario's weeks by default); return the outcomes.
        ``progress``, if given, is called after every week with the week number."""
        for _ in range(self.config.weeks if weeks is None else weeks):
            self.step()
            if progress is not None:
                progress(self.week)
        return self.outcomes

    # --- covariates, networks and traits --------------------------------------------
    def covariates(self) -> np.ndarray:
        """(len(ACTOR_COVARIATES), N) values of the covariates effects can name."""
        return actor_covariates(self.population.lb, self.population.girl, self.traits)

    def _simulate(self, period: float) -> None:
        clock = time.perf_counter()
        pop, net = self.population, self.config.network
        steps = np.zeros(pop.n_units, dtype=np.int64)
        kernels.simulate_classes(
            pop.xbuf, self._xt, self._allowed, pop.unit_off, pop.unit_start, pop.unit_size,
            self.indegree, self.outdegree, self.program.arrays(int(pop.unit_size.max())),
            self.covariates(), self.centred, self.program.sim_needed, self.labels,
            self.label_strength, self.label_centred, self.rate_alpha, self.rate_cov,
            float(net.rate), self.cap, float(period), self._states, steps)
        self.ministeps += int(steps.sum())
        self.timings["kernels"] += time.perf_counter() - clock

    def _update_degrees(self) -> None:
        pop = self.population
        for u in range(pop.n_units):
            x, s = pop.unit_network(u), pop.unit_start[u]
            self.indegree[s:s + pop.unit_size[u]] = x.sum(0)
            self.outdegree[s:s + pop.unit_size[u]] = x.sum(1)

    def _collecting(self, week: int) -> bool:
        return self.collect if isinstance(self.collect, bool) else week in self.collect

    def _count(self, closure: bool = True) -> None:
        clock = time.perf_counter()
        pop = self.population
        oc.class_counts(pop.xbuf, pop.unit_off, pop.unit_size, pop.class_unit, pop.class_pos,
                        pop.start, pop.size, pop.lb, pop.girl, self.counts, self.child_counts,
                        closure)
        self.timings["metrics"] += time.perf_counter() - clock

    def _drivers(self) -> dict[str, np.ndarray]:
        """What moves the traits (docs/model.md §5), per child, from this week's networks."""
        c, k = self.child_counts, oc.ChildCount
        recip, recip_non = c[k.RECIPROCATED], c[k.RECIPROCATED_NON_LB]
        unreturned = c[k.OUTDEGREE] - recip
        return {"reciprocated_friends": recip, "unreturned_nominations": unreturned,
                "ties_to_non_lb": recip_non, "rejection": unreturned,
                "guardian_care": self.traits[Trait.GUARDIAN_CARE].copy(),
                "stigma": self.traits[Trait.STIGMA] * self.population.lb}

    def trait_dynamics(self) -> None:
        """Each trait moves by ``adjustment`` x (target - trait), where target = the
        trait's baseline + sum_d weight_d (driver_d - its baseline) (docs/model.md §5). Felt
        stigma moves for left-behind children only; guardian care only by interventions."""
        td = self.config.trait_dynamics
        drivers = self._drivers()
        lb = self.population.lb
        for name, weights in (("confidence", td.confidence), ("stigma", td.stigma),
                              ("shyness", td.shyness)):
            k = Trait[name.upper()]
            target = self.baseline_traits[k].copy()
            for driver, w in weights.items():
                target += w * (drivers[driver] - self.baseline_drivers[driver])
            new = self.traits[k] + td.adjustment * (target - self.traits[k])
            if name == "stigma":
                new = np.where(lb, new, self.traits[k])
            self.traits[k] = np.clip(new, 0.0, 1.0)

    # --- outcomes ---------------------------------------------------------------------
    def _record(self) -> None:
        """Keep this week's class counts and trait means by group (tabled in outcomes)."""
        clock = time.perf_counter()
        pop = self.population
        n = self._group_n
        means = {}
        bounds = self._class_bounds
        with np.errstate(invalid="ignore", divide="ignore"):
            for k, name in enumerate(TRAITS):
                sums = np.bincount(self._group_key, weights=self.traits[k],
                                   minlength=2 * pop.n_classes).reshape(-1, 2)
                for col, label in ((1, "lb"), (0, "non_lb")):
                    total = oc.per_replica(sums[None, :, col], bounds)[0]
                    means[f"{name}_{label}"] = np.concatenate(
                        [sums[:, col] / n[:, col],
                         total / oc.per_replica(n[None, :, col], bounds)[0]])
        self._weeks.append(self.week)
        self._weekly_counts.append(self.counts.copy())
        self._weekly_means.append(means)
        self.timings["metrics"] += time.perf_counter() - clock

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per week x class (class -1: the whole population)."""
        if not self._weeks:
            return pd.DataFrame()
        means = {k: np.stack([m[k] for m in self._weekly_means])
                 for k in self._weekly_means[0]}
        return oc.outcome_table(self._weeks, np.stack(self._weekly_counts),
                                self.population.class_school, means, self.class_replica)

    @property
    def n_replicas(self) -> int:
        return len(self.seeds)

    def replica_children(self, r: int) -> np.ndarray:
        """Indices of replica r's children."""
        return np.arange(self.replica_child_start[r], self.replica_child_start[r + 1])

    def replica_schools(self, r: int) -> np.ndarray:
        """Indices of replica r's schools."""
        return np.unique(self.population.class_school[self.class_replica == r])

    def new_label(self) -> int:
        """A fresh value for a label covariate (a new shared setting)."""
        self._next_label += 1
        return self._next_label - 1

    def class_of(self, c: int) -> list[Child]:
        """The children of class c."""
        pop = self.population
        return self.children[pop.start[c]:pop.start[c] + pop.size[c]]
