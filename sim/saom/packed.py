"""Every period of a fit in one kernel call: the periods of all classes (each class its
own actors, covariates and program arrays) packed once into numba typed lists, so that an
iteration of the estimation simulates them side by side on every thread
(:func:`sim.saom._numba.coevolution.simulate_period_runs`) instead of one call per class.

Packing is for network-only periods whose statistics the kernel computes alone: no
behaviours, no tie variables unobserved or structurally fixed, no composition change and
no creation or endowment effects (whose statistics need the start and end networks). Run r
of period m draws from the stream of ``run_seeds(child_seed(seed, m), runs)[r]``, as when
periods are simulated one by one, so packed and unpacked simulations give the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numba
import numpy as np
from numba import njit, typed

from sim.saom import composition
from sim.saom._numba import coevolution
from sim.saom.program import EVAL
from sim.saom.rng import spawned_states


def packable(periods: Sequence) -> bool:
    """The periods (:class:`sim.saom.periods.Period`) have statistics the kernel computes
    alone (the module docstring)."""
    return all(p.batch_key is not None and p.present is None
               and not np.any(p.spec.program.gate != EVAL) for p in periods)


@dataclass(frozen=True)
class PackedRuns:
    """``runs`` runs of each of M periods: ``counts`` (M, runs) network ministeps,
    ``scores`` and ``statistics`` (M, runs, K), ``distances`` (M, runs) tie variables
    changed, ``times`` (M, runs) lengths of conditional runs (0 otherwise)."""

    counts: np.ndarray
    scores: np.ndarray
    statistics: np.ndarray
    distances: np.ndarray
    times: np.ndarray

    @staticmethod
    def join(parts: Sequence[PackedRuns]) -> PackedRuns:
        """The runs of consecutive groups of periods, as one (periods along the first axis)."""
        return PackedRuns(*(np.concatenate([getattr(p, f.name) for p in parts])
                            for f in fields(PackedRuns)))


@njit(cache=True)
def _list_of(item):
    out = typed.List()
    out.append(item)
    return out


@njit(cache=True)
def _append(items, item):
    items.append(item)


def _typed_list(items: list) -> typed.List:
    """``items`` as a numba typed list, built by compiled functions cached on disk (the
    typed list's own methods, called from Python, would compile in every new process)."""
    out = _list_of(items[0])
    for item in items[1:]:
        _append(out, item)
    return out


class PackedPeriods:
    """The kernel arguments of every period, built once; ``beta`` is one array shared by
    every period's program, set before each call."""

    def __init__(self, periods: Sequence):
        if not packable(periods):
            raise ValueError("these periods cannot be packed (behaviours, missing or fixed "
                             "ties, composition change or creation/endowment effects)")
        self.count = len(periods)
        self.effects = len(periods[0].spec.program.beta)
        self.beta = np.zeros(self.effects)
        columns: list[list] = [[] for _ in range(8)]
        for p in periods:
            spec = p.spec
            prog, data = spec.kernel_args()
            beh, bcum = spec.behaviour_args(np.zeros(0))
            for column, item in zip(columns, (
                    np.ascontiguousarray(p.x0), prog._replace(beta=self.beta), data,
                    spec.allowed, np.ascontiguousarray(p.relative_rates, dtype=float),
                    beh._replace(beta=np.zeros(0)), bcum,
                    p.composition or composition.fixed(spec.n)), strict=True):
                column.append(item)
        (self.x0s, self.progs, self.datas, self.alloweds, self.relative, self.behs,
         self.bcums, self.comps) = (_typed_list(c) for c in columns)
        self.caps = np.array([p.spec.max_outdegree for p in periods], dtype=np.int64)
        self.uniform = np.array([p.uniform_rates for p in periods])
        self.lengths = np.array([p.length for p in periods], dtype=float)

    def simulate(self, rates: np.ndarray, beta: np.ndarray, seed: np.random.SeedSequence,
                 runs: int, with_scores: bool,
                 targets: Sequence[int] | None = None, first: int = 0) -> PackedRuns:
        """``runs`` runs of every period, period m at basic rate ``rates[m]`` (until
        ``targets[m]`` tie variables have changed, if given), effect parameters ``beta``;
        these periods are periods ``first``, ``first + 1``, ... of the fit (their seeds'
        keys), so a fit's periods packed in parts give the rows of one packing."""
        m_count, k_count = self.count, self.effects
        self.beta[:] = beta
        total = m_count * runs
        keys = np.stack(np.divmod(np.arange(total, dtype=np.uint64), np.uint64(runs)), 1)
        keys[:, 0] += np.uint64(first)
        seeds = spawned_states(seed, keys)  # task m * runs + r: run_seeds(child_seed(seed, m))[r]
        counts = np.empty((total, 1), dtype=np.int64)
        scores = np.empty((total, k_count if with_scores else 0))
        stats = np.zeros((total, k_count))
        distances = np.empty(total, dtype=np.int64)
        times = np.empty(total)
        goal = np.full(m_count, -1, dtype=np.int64) if targets is None else np.asarray(
            targets, dtype=np.int64)
        with numba.parallel_chunksize(1):  # tasks taken one at a time: their costs differ
            coevolution.simulate_period_runs(
                self.x0s, self.progs, self.datas, self.alloweds, self.caps, self.relative,
                self.uniform, self.behs, self.bcums, self.comps,
                np.ascontiguousarray(rates, dtype=float), self.lengths, goal, runs, seeds,
                counts, scores, stats, distances, times)
        return PackedRuns(counts.reshape(m_count, runs),
                          scores.reshape(m_count, runs, -1) if with_scores else scores,
                          stats.reshape(m_count, runs, k_count),
                          distances.reshape(m_count, runs), times.reshape(m_count, runs))
