"""Weekly outcomes of the classroom model (docs/model.md §7), per class and overall.

:data:`sim.vocabulary.OUTCOMES` is the one table of what the model reports. A numba
kernel counts, for every class at once, the quantities the outcomes are ratios of
(:class:`Count`: ties, mutual dyads, two-paths, ...), and per child the in-degree and
reciprocated ties (:class:`ChildCount`); :func:`outcome_table` turns the counts into one
tidy row per class (and one for the whole population, ``class = -1``). Definitions are
those of :mod:`sim.saom.descriptives`.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pandas as pd
from numba import njit, prange

from sim.saom.descriptives import ratio
from sim.vocabulary import COLUMNS, OUTCOMES, TRAITS


class Count(IntEnum):
    """Per-class counts: the columns of the array :func:`class_counts` fills."""

    N = 0  # children
    TIES = 1
    MUTUAL_DYADS = 2
    TWO_PATHS = 3  # i -> h -> j, i != j (NaN when closure is skipped)
    TRANSITIVE_TRIPLETS = 4
    ISOLATES_IN = 5  # nobody names them
    ISOLATES_TOTAL = 6  # no tie in or out
    N_LB = 7
    INDEG_LB = 8  # sum of the in-degrees of left-behind children
    INDEG_NON = 9
    FRIEND_LB = 10  # left-behind children with a reciprocated tie
    FRIEND_NON = 11
    TIES_FROM_LB = 12
    TIES_LB_LB = 13
    TIES_FROM_NON = 14
    TIES_NON_NON = 15
    N_GIRL = 16
    TIES_FROM_GIRL = 17
    TIES_GIRL_GIRL = 18
    TIES_SAME_GENDER = 19
    ISOLATES_LB = 20  # left-behind children nobody names

    @property
    def key(self) -> str:
        return self.name.lower()


class ChildCount(IntEnum):
    """Per-child counts: the rows of the array :func:`class_counts` fills."""

    INDEGREE = 0
    OUTDEGREE = 1
    RECIPROCATED = 2  # reciprocated ties
    RECIPROCATED_NON_LB = 3  # reciprocated ties to children not left behind


COUNTS = tuple(c.key for c in Count)
CHILD = tuple(c.name.lower() for c in ChildCount)
N_COUNTS = len(Count)




@njit(cache=True, parallel=True)
def class_counts(xbuf, unit_off, unit_size, class_unit, class_pos, start, size, lb, girl,
                 counts, child, closure=True):
    """Fill counts[c, k] (the :class:`Count` k of class c) and child[k, i] (the
    :class:`ChildCount` k of child i) from the ties among the children of each class.
    Two-paths and transitive triplets (the costliest counts) only with ``closure``, else
    NaN."""
    for c in prange(size.shape[0]):
        n, s = size[c], start[c]
        m, o, a = unit_size[class_unit[c]], unit_off[class_unit[c]], class_pos[c]
        x = xbuf[o:o + m * m].reshape((m, m))[a:a + n, a:a + n]
        row = np.zeros(N_COUNTS)
        row[Count.N] = n
        indeg = np.zeros(n, dtype=np.int64)
        for i in range(n):
            out = 0
            mutual = 0
            mutual_non = 0
            for j in range(n):
                if x[i, j]:
                    out += 1
                    indeg[j] += 1
                    if x[j, i]:
                        mutual += 1
                        if not lb[s + j]:
                            mutual_non += 1
                    same_lb = lb[s + i] == lb[s + j]
                    if lb[s + i]:
                        row[Count.TIES_FROM_LB] += 1
                        row[Count.TIES_LB_LB] += same_lb
                    else:
                        row[Count.TIES_FROM_NON] += 1
                        row[Count.TIES_NON_NON] += same_lb
                    if girl[s + i]:
                        row[Count.TIES_FROM_GIRL] += 1
                        row[Count.TIES_GIRL_GIRL] += girl[s + j]
                    row[Count.TIES_SAME_GENDER] += girl[s + i] == girl[s + j]
            child[ChildCount.OUTDEGREE, s + i] = out
            child[ChildCount.RECIPROCATED, s + i] = mutual
            child[ChildCount.RECIPROCATED_NON_LB, s + i] = mutual_non
            row[Count.TIES] += out
            row[Count.MUTUAL_DYADS] += mutual
        row[Count.MUTUAL_DYADS] /= 2
        # two-paths i -> h -> j (i != j) and the transitive ones closed by i -> j
        if not closure:
            row[Count.TWO_PATHS] = row[Count.TRANSITIVE_TRIPLETS] = np.nan
        for i in range(n if closure else 0):
            for h in range(n):
                if x[i, h]:
                    for j in range(n):
                        if x[h, j] and j != i:
                            row[Count.TWO_PATHS] += 1
                            row[Count.TRANSITIVE_TRIPLETS] += x[i, j]
        for i in range(n):
            child[ChildCount.INDEGREE, s + i] = indeg[i]
            row[Count.ISOLATES_IN] += indeg[i] == 0
            row[Count.ISOLATES_TOTAL] += (indeg[i] == 0
                                          and child[ChildCount.OUTDEGREE, s + i] == 0)
            if lb[s + i]:
                row[Count.N_LB] += 1
                row[Count.INDEG_LB] += indeg[i]
                row[Count.ISOLATES_LB] += indeg[i] == 0
                row[Count.FRIEND_LB] += child[ChildCount.RECIPROCATED, s + i] > 0
            else:
                row[Count.INDEG_NON] += indeg[i]
                row[Count.FRIEND_NON] += child[ChildCount.RECIPROCATED, s + i] > 0
            row[Count.N_GIRL] += girl[s + i]
        for k in range(N_COUNTS):
            counts[c, k] = row[k]


def _coleman(inside, sent, expected):
    """Coleman's homophily of a group (see :func:`sim.saom.descriptives.coleman_homophily`) from its
    in-group ties, all its ties and the in-group share expected by chance."""
    p = ratio(inside, sent)
    e = np.asarray(expected, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(p >= e, (p - e) / (1 - e), (p - e) / e)
    return np.where((e > 0) & (e < 1), h, np.nan)


def replica_bounds(class_replica: np.ndarray) -> np.ndarray:
    """Replica r has classes bounds[r]:bounds[r + 1] (``class_replica`` non-decreasing)."""
    replicas = int(class_replica.max()) + 1 if len(class_replica) else 1
    return np.searchsorted(class_replica, np.arange(replicas + 1)).astype(np.int64)


def per_replica(a: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """(W, C) -> (W, R): the sum over each replica's classes ``bounds[r]:bounds[r + 1]``
    (contiguous and non-empty; each slice summed in order, so a replica's sums do not
    depend on the others)."""
    return np.add.reduceat(a, bounds[:-1], axis=1)


def _expected(group, n, sent, bounds):
    """Per class: (g - 1) / (n - 1); each population column (the last R, one per replica
    with classes ``bounds[r]:bounds[r + 1]``) pools its classes, weighting each class's
    expectation by the ties the group sends there. Arrays are (weeks, C + R); without
    ``bounds``, classes only."""
    e = ratio(group - 1, n - 1)
    e = np.where((group >= 2) & (group < n), e, np.nan)
    if bounds is None:
        return e
    c_count = bounds[-1]
    ok = np.isfinite(e[:, :c_count])
    weighted = per_replica(np.where(ok, e[:, :c_count] * sent[:, :c_count], 0.0), bounds)
    e[:, c_count:] = ratio(weighted, per_replica(np.where(ok, sent[:, :c_count], 0.0),
                                                   bounds))
    return e


def rates_from_counts(k: dict, pairs, bounds: np.ndarray | None) -> dict:
    """The rate columns (docs/model.md §7) from counts ((weeks, C + R) arrays: the classes,
    then each replica's population; replica r has classes ``bounds[r]:bounds[r + 1]``;
    ``bounds`` None: arrays of classes only); ``pairs``: ordered pairs that could be ties."""
    n, n_lb = k["n"], k["n_lb"]
    n_non = n - n_lb
    internal = k["ties_lb_lb"] + k["ties_non_non"]
    return {
        "density": ratio(k["ties"], pairs),
        "mean_degree": ratio(k["ties"], n),
        "reciprocity": ratio(2 * k["mutual_dyads"], k["ties"]),
        "transitivity": ratio(k["transitive_triplets"], k["two_paths"]),
        "isolates_in_share": ratio(k["isolates_in"], n),
        "isolates_total_share": ratio(k["isolates_total"], n),
        "isolates_lb_share": ratio(k["isolates_lb"], n_lb),
        "indegree_lb": ratio(k["indeg_lb"], n_lb),
        "indegree_non_lb": ratio(k["indeg_non"], n_non),
        "indegree_gap": ratio(k["indeg_non"], n_non) - ratio(k["indeg_lb"], n_lb),
        "reciprocated_friend_lb": ratio(k["friend_lb"], n_lb),
        "reciprocated_friend_non_lb": ratio(k["friend_non"], n_non),
        "coleman_lb": _coleman(k["ties_lb_lb"], k["ties_from_lb"],
                               _expected(n_lb, n, k["ties_from_lb"], bounds)),
        "ei_lb": ratio(k["ties"] - 2 * internal, k["ties"]),
        "coleman_girl": _coleman(k["ties_girl_girl"], k["ties_from_girl"],
                                 _expected(k["n_girl"], n, k["ties_from_girl"], bounds)),
        "same_gender_share": ratio(k["ties_same_gender"], k["ties"]),
    }


def class_rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """The rate columns of single classes from their (C, len(Count)) counts."""
    k = {c.key: counts[:, c] for c in Count}
    return rates_from_counts(k, k["n"] * (k["n"] - 1), None)


def outcome_table(weeks, counts: np.ndarray, class_school: np.ndarray,
                  trait_means: dict, class_replica: np.ndarray | None = None) -> pd.DataFrame:
    """Tidy rows, one per week x class and one per week x replica for its whole population
    (class -1; a model holds one replica unless it runs several side by side).

    ``counts``: (W, C, len(COUNTS)) class counts of weeks ``weeks``; ``trait_means``: column
    name -> (W, C + R) arrays (classes, then the R replicas' populations); ``class_replica``:
    (C,) replica of each class, non-decreasing (default: all 0)."""
    weeks = np.asarray(weeks)
    w_count, c_count = counts.shape[0], counts.shape[1]
    if class_replica is None:
        class_replica = np.zeros(c_count, dtype=np.int64)
    bounds = replica_bounds(class_replica)
    r_count = len(bounds) - 1

    def with_replicas(a):  # (W, C) -> (W, C + R): classes, then each replica's sum
        return np.concatenate([a, per_replica(a, bounds)], axis=1)

    rows = {name: with_replicas(counts[:, :, k]) for k, name in enumerate(COUNTS)}
    # ties are possible only within a class: the population's pairs are the classes' pairs
    pairs = with_replicas(counts[:, :, 0] * (counts[:, :, 0] - 1))
    columns = {o.name: rows[o.name] for o in OUTCOMES if o.level == "count"}
    columns.update(rates_from_counts(rows, pairs, bounds))
    columns.update(trait_means)
    missing = set(COLUMNS) - set(columns)
    if missing:
        raise ValueError(f"outcome columns without values: {', '.join(sorted(missing))}")
    table = {"week": np.repeat(weeks, c_count + r_count),
             "replica": np.tile(np.concatenate([class_replica, np.arange(r_count)]), w_count),
             "school": np.tile(np.concatenate([class_school, np.full(r_count, -1)]), w_count),
             "class": np.tile(np.concatenate([np.arange(c_count), np.full(r_count, -1)]),
                              w_count)}
    table.update({k: np.asarray(columns[k]).reshape(-1) for k in COLUMNS})
    return pd.DataFrame(table)


class OutcomeRecorder:
    """This week's counts of every class (``counts``) and child (``child_counts``), and the
    weeks kept for the outcome table: each kept week's class counts and trait means by
    class and left-behind status. ``collect``: keep every week (True), none (False) or the
    listed weeks."""

    def __init__(self, population, class_replica: np.ndarray, collect=True):
        self.population, self.class_replica, self.collect = population, class_replica, collect
        self.bounds = replica_bounds(class_replica)
        self.counts = np.zeros((population.n_classes, len(Count)))
        self.child_counts = np.zeros((len(ChildCount), population.n_children))
        # bins class x (not left behind, left behind) for trait means, and their sizes
        self._group_key = 2 * population.klass + population.lb
        self._group_n = np.bincount(self._group_key, minlength=2 * population.n_classes
                                    ).reshape(-1, 2).astype(float)
        self.weeks: list[int] = []
        self._weekly_counts: list[np.ndarray] = []
        self._weekly_means: list[dict] = []

    def collecting(self, week: int) -> bool:
        return self.collect if isinstance(self.collect, bool) else week in self.collect

    def count(self, closure: bool = True) -> None:
        """This week's counts from the networks (two-paths only with ``closure``)."""
        pop = self.population
        class_counts(pop.xbuf, pop.unit_off, pop.unit_size, pop.class_unit, pop.class_pos,
                     pop.start, pop.size, pop.lb, pop.girl, self.counts, self.child_counts,
                     closure)

    def record(self, week: int, traits: np.ndarray) -> None:
        """Keep this week's class counts and trait means by group."""
        n, bounds = self._group_n, self.bounds
        c_count = self.population.n_classes
        means = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            for k, name in enumerate(TRAITS):
                sums = np.bincount(self._group_key, weights=traits[k],
                                   minlength=2 * c_count).reshape(-1, 2)
                for col, label in ((1, "lb"), (0, "non_lb")):
                    total = per_replica(sums[None, :, col], bounds)[0]
                    means[f"{name}_{label}"] = np.concatenate(
                        [sums[:, col] / n[:, col],
                         total / per_replica(n[None, :, col], bounds)[0]])
        self.weeks.append(week)
        self._weekly_counts.append(self.counts.copy())
        self._weekly_means.append(means)

    def table(self) -> pd.DataFrame:
        """One row per kept week x class (class -1: each replica's whole population)."""
        if not self.weeks:
            return pd.DataFrame()
        means = {k: np.stack([m[k] for m in self._weekly_means])
                 for k in self._weekly_means[0]}
        return outcome_table(self.weeks, np.stack(self._weekly_counts),
                             self.population.class_school, means, self.class_replica)
