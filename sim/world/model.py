"""The classroom world: ``PeerNetworkModel(mesa.Model)``, one step a school week.

The model is composed of parts with one job each: the population's arrays
(:mod:`sim.world.population`, viewed by the ``Child`` agents), the traits and their weekly drift
(:mod:`sim.world.traits`), the friendship networks' SAOM dynamics and shared settings
(:mod:`sim.world.network`), the outcome recorder (:mod:`sim.world.outcomes`) and the interventions
(:mod:`sim.world.interventions`). Each week (``step``): Mesa's scheduled events (interventions),
trait dynamics (docs/model.md §5), SAOM ministeps for every class in parallel (one random
stream per class), then the week's outcomes (docs/model.md §7).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from sim.saom.rng import run_seeds
from sim.vocabulary import Label
from sim.world.agents import Child
from sim.world.interventions import install
from sim.world.network import NetworkDynamics, SharedSettings
from sim.world.outcomes import OutcomeRecorder
from sim.world.population import Population, actor_covariates, stack_populations, trait_scales
from sim.world.scenario import Scenario
from sim.world.traits import TraitDynamics, TraitState


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

    Parameters
    ----------
    config : Scenario
        The validated scenario.
    seed : int, optional
        Overrides the scenario's seed.
    collect : bool or collection of int
        Record the outcomes every week (True), never (False), or in these weeks.
    replicas : sequence of int, optional
        Seeds of independent copies run side by side.
    start : StartState, optional
        A built and burnt-in start (``model.start``) to begin from.
    agents : bool
        Create the Mesa Child agents.
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
        self.config, self.seed, self.week = config, self.seeds[0], 0
        key = start_key(config, self.seeds)
        if start is not None and start.key != key:
            raise ValueError("start state was built for another scenario or other seeds: "
                             "population, traits, network and seeds must match")
        # each replica draws from its own seed exactly as a model of that seed alone would:
        # population, one network stream per unit, and a stream for the interventions
        sequences = [np.random.SeedSequence(s).spawn(3) for s in self.seeds]
        self.replica_rngs = [np.random.default_rng(seqs[2]) for seqs in sequences]
        pop, states, sizes, class_counts = _world(config, sequences, start)
        self.population = pop
        self.replica_child_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.class_replica = np.repeat(np.arange(len(self.seeds)), class_counts)
        self.network = NetworkDynamics(config.network, pop, states,
                                       config.trait_dynamics.behaviours,
                                       trait_scales(config.traits))
        self.ministeps = 0
        self.timings["population"] = time.perf_counter() - clock
        if start is None:
            if config.network.burn_in_years > 0:
                self._simulate(config.network.burn_in_years, burn_in=True)
            self.timings["burn_in"], self.timings["kernels"] = self.timings["kernels"], 0.0
            self.start = StartState(key, copy.deepcopy(pop), states.copy(), np.asarray(sizes),
                                    np.asarray(class_counts), self.ministeps)
        else:
            self.start, self.ministeps = start, start.ministeps
        self.recorder = OutcomeRecorder(pop, self.class_replica, collect)
        self._count(self.recorder.collecting(0))
        self.trait_state = TraitState(pop.traits)
        self.trait_drift = TraitDynamics(config.trait_dynamics, self.trait_state, pop.lb,
                                         self.recorder.child_counts)
        with self._timed("agents"):
            self.children: list[Child] = list(Child.create_agents(
                self, pop.n_children, np.arange(pop.n_children))) if agents else []
        self.interventions = install(self)
        if self.recorder.collecting(0):
            self._record()

    # --- the weekly step ------------------------------------------------------------
    def step(self) -> None:
        """One school week: trait dynamics, then SAOM ministeps in every class."""
        self.week += 1
        with self._timed("traits"):
            self.trait_dynamics()
        self._simulate(1.0 / self.config.network.weeks_per_year)
        collecting = self.recorder.collecting(self.week)
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

    def trait_dynamics(self) -> None:
        """This week's drift of the traits (:class:`sim.world.traits.TraitDynamics`)."""
        self.trait_drift.step()

    def covariates(self) -> np.ndarray:
        """(len(ACTOR_COVARIATES), N) values of the covariates effects can name."""
        return actor_covariates(self.population.lb, self.population.girl, self.traits,
                                self.network.settings.strength[Label.SAME_GROUP],
                                self.network.trait_sd)

    def _simulate(self, period: float, burn_in: bool = False) -> None:
        """SAOM ministeps for ``period`` years; traits that run as behaviours move too,
        except in the burn-in (which builds the start network around the drawn traits)."""
        with self._timed("kernels"):
            self.ministeps += self.network.simulate(period, self.covariates(),
                                                    None if burn_in else self.traits)

    def _count(self, closure: bool = True) -> None:
        with self._timed("metrics"):
            self.recorder.count(closure)

    def _record(self) -> None:
        with self._timed("metrics"):
            self.recorder.record(self.week, self.traits)

    @contextmanager
    def _timed(self, part: str) -> Iterator[None]:
        """Add the seconds the block takes to ``timings[part]``."""
        clock = time.perf_counter()
        try:
            yield
        finally:
            self.timings[part] += time.perf_counter() - clock

    # --- views on the parts' state ----------------------------------------------------
    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per week x class (class -1: the whole population)."""
        return self.recorder.table()

    @property
    def traits(self) -> np.ndarray:
        """(len(Trait), N) the traits now (rows of :class:`sim.vocabulary.Trait`)."""
        return self.population.traits

    @property
    def baseline_traits(self) -> np.ndarray:
        return self.trait_state.baseline

    @property
    def baseline_drivers(self) -> dict[str, np.ndarray]:
        return self.trait_drift.baseline_drivers

    @property
    def settings(self) -> SharedSettings:
        return self.network.settings

    @property
    def labels(self) -> np.ndarray:
        return self.network.settings.labels

    @property
    def label_strength(self) -> np.ndarray:
        return self.network.settings.strength

    @property
    def indegree(self) -> np.ndarray:
        return self.network.indegree

    @property
    def outdegree(self) -> np.ndarray:
        return self.network.outdegree

    @property
    def program(self):
        return self.network.program

    @property
    def counts(self) -> np.ndarray:
        """(C, len(Count)) this week's class counts."""
        return self.recorder.counts

    @property
    def child_counts(self) -> np.ndarray:
        """(len(ChildCount), N) this week's per-child counts."""
        return self.recorder.child_counts

    @property
    def n_replicas(self) -> int:
        return len(self.seeds)

    def replica_children(self, r: int) -> np.ndarray:
        """Indices of replica r's children."""
        return np.arange(self.replica_child_start[r], self.replica_child_start[r + 1])

    def replica_schools(self, r: int) -> np.ndarray:
        """Indices of replica r's schools."""
        return np.unique(self.population.class_school[self.class_replica == r])

    def class_of(self, c: int) -> list[Child]:
        """The children of class c."""
        pop = self.population
        return self.children[pop.start[c]:pop.start[c] + pop.size[c]]


def _world(config: Scenario, sequences: list, start: StartState | None):
    """The population, the network streams and each replica's children and classes: drawn
    from the seeds, or copied from a start state."""
    if start is not None:
        return (copy.deepcopy(start.population), start.states.copy(),
                start.replica_children, start.replica_classes)
    pops = [config.draw_population(np.random.default_rng(seqs[0])) for seqs in sequences]
    states = np.concatenate([run_seeds(seqs[1], p.n_units)
                             for seqs, p in zip(sequences, pops, strict=True)])
    return (stack_populations(pops), states, [p.n_children for p in pops],
            [p.n_classes for p in pops])
