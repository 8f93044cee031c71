"""Actors joining and leaving between waves: RSiena's composition change
(``sienaCompositionChange`` with its default option 1; Huisman & Snijders 2003,
"Statistical analysis of longitudinal network data with changing composition",
Sociological Methods & Research 32).

Each actor has intervals of presence in wave time: ``(1, 3)`` present from wave 1 to wave
3, ``(1.4, 3)`` joining 40% into period 1, ``(1, 2.5, 2.8, 3)`` away in the middle of
period 2. An actor is present at wave k if some interval has ceil(start) <= k <=
trunc(end); an interval starting after 1 is a joining event in period trunc(start) at
time start - trunc(start), one ending before the last wave a leaving event likewise.

The data (option 1): a tie variable of an absent actor that is missing in the wave is
0 before the actor's first presence and otherwise the value of the previous wave carried
forward (0 at wave 1); it then counts as observed. The simulation of a period: absent
actors neither act nor are chosen, and their ties stay frozen; a joiner's ties with present
actors take the values at the period's start; a leaver's ties are dropped; at the end,
every absent actor's ties are set back to their values at the start, so they add nothing
to the Hamming distance (RSiena's ``EpochSimulation`` and
``NetworkVariable::actOnJoiner``/``actOnLeaver``). The expected number of ministeps, and
so the rate's score, counts each actor's time present.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.saom._numba import kernels

JOIN, LEAVE = 1, -1


class CompositionArrays(NamedTuple):
    """One period's composition as the kernel reads it: ``active`` (n,) int8 at its
    start; events sorted by ``times`` in [0, 1), of ``actors``, ``kinds`` JOIN or LEAVE."""

    active: np.ndarray
    times: np.ndarray
    actors: np.ndarray
    kinds: np.ndarray


def fixed(n: int) -> CompositionArrays:
    """Every actor present, no events."""
    return CompositionArrays(np.ones(n, dtype=np.int8), np.zeros(0), np.zeros(0, np.int64),
                             np.zeros(0, np.int64))


class Composition(NamedTuple):
    """A validated change list: ``present`` (n, waves) bool, the events of each period
    and each actor's time present in each period, ``exposure`` (periods, n)."""

    present: np.ndarray
    periods: list[CompositionArrays]
    exposure: np.ndarray


def composition(changes: Sequence[Sequence[float]], n: int, n_waves: int) -> Composition:
    """Validate RSiena's change list (one sequence of interval ends per actor) for n
    actors observed at ``n_waves`` waves; ValueError naming the actor and what is wrong."""
    if len(changes) != n:
        raise ValueError(f"composition has {len(changes)} entries; give one per actor ({n})")
    present = np.zeros((n, n_waves), dtype=bool)
    events: list[list[tuple[float, int, int]]] = [[] for _ in range(n_waves - 1)]
    exposure = np.zeros((n_waves - 1, n))
    for j, ends in enumerate(changes):
        v = np.asarray(ends, dtype=float).ravel()
        if len(v) == 0 or len(v) % 2 or not np.all(np.isfinite(v)) or np.any(np.diff(v) < 0) \
                or v[0] < 1 or v[-1] > n_waves:
            raise ValueError(f"composition of actor {j + 1}: {list(v)}; give an even number of "
                             f"increasing times in [1, {n_waves}] (start, end, start, ...)")
        for start, end in zip(v[::2], v[1::2], strict=True):
            present[j, math.ceil(start) - 1:math.trunc(end)] = True
            if 1 < start < n_waves:
                events[math.trunc(start) - 1].append((start - math.trunc(start), j, JOIN))
            if end < n_waves:
                events[math.trunc(end) - 1].append((end - math.trunc(end), j, LEAVE))
            for m in range(n_waves - 1):  # time present in period m + 1 = [m + 1, m + 2]
                exposure[m, j] += max(0.0, min(end, m + 2) - max(start, m + 1))
    periods = []
    for m in range(n_waves - 1):
        e = sorted(events[m])
        periods.append(CompositionArrays(present[:, m].astype(np.int8),
                                         np.array([t for t, _, _ in e], dtype=float),
                                         np.array([a for _, a, _ in e], dtype=np.int64),
                                         np.array([k for _, _, k in e], dtype=np.int64)))
    return Composition(present, periods, exposure)


def fill_absent(waves: list[np.ndarray], present: np.ndarray) -> list[np.ndarray]:
    """RSiena's option 1 for the tie variables of absent actors missing (NaN) in a wave:
    0 before the actor's first presence, else the previous wave's value (0 where that is
    missing, and at wave 1); in the row and, at the same alters, the column."""
    out: list[np.ndarray] = []
    for k, w in enumerate(waves):
        a = np.array(w, dtype=float)
        before = np.zeros_like(a) if k == 0 else np.nan_to_num(out[k - 1], nan=0.0)
        for j in np.flatnonzero(~present[:, k]):
            use = np.isnan(a[j])
            use[j] = False
            first = not present[j, :k].any()
            a[j, use] = 0.0 if first else before[j, use]
            a[use, j] = 0.0 if first else before[use, j]
        out.append(a)
    return out


def prepare(changes: Sequence[Sequence[float]] | None, waves: Sequence) -> tuple:
    """(waves with absent actors' missing values filled, the validated
    :class:`Composition`), or (waves, None) without a change list."""
    if changes is None:
        return waves, None
    waves = list(waves)
    change = composition(changes, len(np.asarray(waves[0])), len(waves))
    return fill_absent(waves, change.present), change


def attach(periods: list, change: Composition | None) -> list:
    """The periods (:class:`sim.saom.periods.Period`) with their joiners and leavers."""
    if change is None:
        return periods
    return [replace(p, composition=change.periods[m], present=change.exposure[m])
            for m, p in enumerate(periods)]


@njit(cache=True, _nrt=False)
def rebuild_rates(full, active, cumrate):
    """cumrate = cumulative actor rates of the active actors, from ``full``, the
    cumulative rates of all."""
    total = 0.0
    for i in range(full.shape[0]):
        if active[i]:
            total += full[i] - (full[i - 1] if i > 0 else 0.0)
        cumrate[i] = total


@njit(cache=True, _nrt=False)
def start(allowed_all, allowed, active):
    """The period's start: no tie with an absent actor may change (its ties stay as
    observed, frozen, as in RSiena)."""
    n = allowed.shape[0]
    for i in range(n):
        for j in range(n):
            allowed[i, j] = allowed_all[i, j] if active[i] and active[j] else 0


@njit(cache=True, _nrt=False)
def apply_event(a, kind, x, xt, indeg, outdeg, x0, allowed_all, allowed, active):
    """Actor a joins (its ties with present actors take their start values and may
    change) or leaves (all its ties are dropped and frozen)."""
    n = x.shape[0]
    active[a] = 1 if kind == JOIN else 0
    for j in range(n):
        if j == a or (kind == JOIN and not active[j]):
            continue
        join = kind == JOIN
        allowed[a, j] = allowed_all[a, j] if join else 0
        allowed[j, a] = allowed_all[j, a] if join else 0
        if x[a, j] != (x0[a, j] if join else 0):
            kernels.toggle(x, xt, indeg, outdeg, a, j)
        if x[j, a] != (x0[j, a] if join else 0):
            kernels.toggle(x, xt, indeg, outdeg, j, a)


@njit(cache=True, _nrt=False)
def set_absent_back(x, xt, indeg, outdeg, x0, active):
    """At the period's end, every absent actor's ties back to their start values."""
    n = x.shape[0]
    for a in range(n):
        if active[a]:
            continue
        for j in range(n):
            if j != a:
                if x[a, j] != x0[a, j]:
                    kernels.toggle(x, xt, indeg, outdeg, a, j)
                if x[j, a] != x0[j, a]:
                    kernels.toggle(x, xt, indeg, outdeg, j, a)
