"""The classroom model's networks in one kernel call: every unit (a class, or a school
when ties may cross classes) advanced by a period in parallel, each from its own random
stream, with covariates that change week by week.

The arguments come as named tuples (numba takes them): :class:`UnitNetworks` (the flat
network buffers and degrees), :class:`ClassCovariates` (actor covariates and label
covariates for every child) and :class:`RateModel`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from sim.saom._numba import coevolution
from sim.saom.composition import CompositionArrays
from sim.saom.program import CovariateArrays, actor_stats, label_mean


class UnitNetworks(NamedTuple):
    """Unit c holds children start[c] .. start[c] + size[c] - 1; its network is stored
    row-major in xbuf[offset[c]:], its transpose in xtbuf and its allowed ties in allowed.
    ``indegree``/``outdegree``: every child's, kept in step."""

    xbuf: np.ndarray
    xtbuf: np.ndarray
    allowed: np.ndarray
    offset: np.ndarray
    start: np.ndarray
    size: np.ndarray
    indegree: np.ndarray
    outdegree: np.ndarray


class ClassCovariates(NamedTuple):
    """Actor covariates (A, N), centred by the unit mean where ``centred``
    (``sim_needed``: similarity statistics wanted), and label covariates ``labels`` /
    ``strength`` (L, N), centred where ``label_centred``."""

    actor: np.ndarray
    centred: np.ndarray
    sim_needed: np.ndarray
    labels: np.ndarray
    strength: np.ndarray
    label_centred: np.ndarray


class RateModel(NamedTuple):
    """The rate of child i: rho * exp(sum_h alpha[h] (actor[covariate[h], i] - unit
    mean))."""

    rho: float
    alpha: np.ndarray
    covariate: np.ndarray


@njit(cache=True)
def unit_data(covs, rates, s, n):
    """The covariate arrays and actor rates of the unit of children s .. s + n - 1: actor
    covariates centred by the unit's mean where ``covs.centred`` (similarity means from
    the unit), labels centred by their mean over ordered pairs where
    ``covs.label_centred``; rate_i = rho exp(sum_h alpha_h (v_hi - unit mean))."""
    cov, labels, strength = covs.actor, covs.labels, covs.strength
    rate_alpha, rate_cov = rates.alpha, rates.covariate
    n_cov, n_lab = cov.shape[0], labels.shape[0]
    ccov = np.empty((n_cov, n))
    for a in range(n_cov):
        for j in range(n):
            ccov[a, j] = cov[a, s + j]
    stats = np.zeros((3, n_cov))
    actor_stats(ccov, covs.sim_needed, stats)
    unit_rates = np.full(n, rates.rho)
    for h in range(rate_alpha.shape[0]):
        a = rate_cov[h]
        for j in range(n):
            unit_rates[j] *= np.exp(rate_alpha[h] * (ccov[a, j] - stats[0, a]))
    for a in range(n_cov):
        if not covs.centred[a]:
            stats[0, a] = 0.0
    clab = np.empty((n_lab, n), dtype=np.int64)
    cstr = np.empty((n_lab, n))
    for a in range(n_lab):
        for j in range(n):
            clab[a, j] = labels[a, s + j]
            cstr[a, j] = strength[a, s + j]
    lmean = np.zeros(n_lab)
    for a in range(n_lab):
        if covs.label_centred[a]:  # O(n^2): only where the mean is used
            lmean[a] = label_mean(clab[a], cstr[a])
    data = CovariateArrays(ccov, stats, np.zeros((0, 1, 1)), np.zeros(0), clab, cstr, lmean)
    return data, unit_rates


@njit(cache=True)
def behaviour_stats(data, beh):
    """Centre each behaviour row of a unit as a behaviour on its scale lo..hi: by the
    unit's mean, with range hi - lo and simMean the unit's mean of 1 - |z_i - z_j| / range
    over pairs i != j."""
    cov, stats = data.actor, data.actor_stats
    n = cov.shape[1]
    for b in range(beh.row.shape[0]):
        r, rng = beh.row[b], beh.hi[b] - beh.lo[b]
        total = 0.0
        for i in range(n):
            for j in range(n):
                total += abs(cov[r, i] - cov[r, j])
        stats[1, r] = rng
        stats[2, r] = 1.0 - total / (n * (n - 1)) / rng if n > 1 else 0.0


@njit(cache=True, parallel=True)
def simulate_classes(nets, prog, covs, rates, cap, period, states, steps, beh, beh_rates,
                     contact, setting_row):
    """Advance every unit of ``nets`` (:class:`UnitNetworks`) by ``period`` with the
    program ``prog``, covariates ``covs`` and ``rates``; steps[c] gets unit c's ministeps.
    states[c] is unit c's random stream, advanced in place, so results do not depend on
    the thread count. Behaviours ``beh`` (:class:`sim.saom.behaviour.BehaviourArrays`;
    their rows and mirrors are rows of ``covs.actor``, written back) move with basic rates
    ``beh_rates`` (one per behaviour, the same for every child). ``contact`` (N,): each
    child's rate of setting ministeps at full strength, times the strength of its setting
    (label row ``setting_row``) now."""
    size, start, offset = nets.size, nets.start, nets.offset
    rate_alpha = rates.alpha
    n_beh = beh.row.shape[0]
    top = size.max() if size.shape[0] > 0 else 0
    no_change = CompositionArrays(np.ones(top, dtype=np.int8), np.zeros(0),
                                  np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    for c in prange(size.shape[0]):
        n, s, o = size[c], start[c], offset[c]
        x = nets.xbuf[o:o + n * n].reshape((n, n))
        xt = nets.xtbuf[o:o + n * n].reshape((n, n))
        allowed = nets.allowed[o:o + n * n].reshape((n, n))
        data, unit_rates = unit_data(covs, rates, s, n)
        cumrate = np.cumsum(unit_rates)
        setting_cum = np.zeros(n)
        total = 0.0
        for j in range(n):
            if setting_row >= 0 and covs.labels[setting_row, s + j] >= 0:
                total += contact[s + j] * covs.strength[setting_row, s + j]
            setting_cum[j] = total
        if n_beh > 0:
            behaviour_stats(data, beh)
        bcum = np.empty((n_beh, n))
        for b in range(n_beh):
            for j in range(n):
                bcum[b, j] = beh_rates[b] * (j + 1)
        counts = np.zeros(1 + n_beh, dtype=np.int64)
        coevolution.simulate_one(x, xt, nets.indegree[s:s + n], nets.outdegree[s:s + n], prog,
                                 data, allowed, cap, cumrate, rate_alpha.shape[0] == 0, beh,
                                 bcum, setting_cum, setting_row, period, states[c],
                                 np.zeros(0), counts, x, -1, no_change, no_change.active,
                                 allowed, cumrate)
        steps[c] = counts.sum()
        if n_beh > 0:
            _write_back(covs.actor, data.actor, beh, s)


@njit(cache=True)
def _write_back(actor, unit_actor, beh, s):
    """The unit's behaviour rows and their mirrors into the children's rows s, s + 1, ..."""
    for b in range(beh.row.shape[0]):
        for j in range(unit_actor.shape[1]):
            actor[beh.row[b], s + j] = unit_actor[beh.row[b], j]
            if beh.mirror[b] >= 0:
                actor[beh.mirror[b], s + j] = unit_actor[beh.mirror[b], j]
