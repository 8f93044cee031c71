"""Contributions of the structural effects to a ministep (numba kernels).

For actor i and each structural effect (its code in :mod:`sim.saom.effects`), the
contribution of the tie i -> j is c_ij = s_i(x with i->j) - s_i(x without i->j), for
every j at once, from the network ``x``, its transpose ``xt`` and the degrees. One
function per code, so a kernel compiled for a model calls only its own
(:mod:`sim.saom._numba.objective`); :func:`contributions` picks one by code.

Integer scratch rows ``iw`` (int64, 3 x n) of a simulated network: i's out-neighbours
(``NBRS``), the two-paths from i (``TP``) and a running count (``SHARED``). The kernels
index them (and every matrix) by (row, j) and never take slices or allocate, so they
compile without numba's reference counting (_nrt=False): its atomic increments on every
array argument cost more than a ministep's arithmetic.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.saom.effects import (
    CYCLE3,
    GWESP_FF,
    IN_POP,
    IN_POP_SQRT,
    OUT_ACT,
    OUT_ACT_SQRT,
    OUT_POP,
    OUT_POP_SQRT,
    RECIP,
    TRANS_TIES,
    TRANS_TRIP,
)

NBRS, TP, SHARED = 0, 1, 2

TWO_PATH_CODES = (TRANS_TRIP, TRANS_TIES, GWESP_FF)
"""Codes whose contributions read the two-paths from i (:func:`two_paths_from`)."""


@njit(cache=True, _nrt=False, inline="always")
def out_neighbours(x, i, iw):
    """Write the actors i names into iw[NBRS, :k] and return k."""
    k = 0
    for h in range(x.shape[0]):
        iw[NBRS, k] = h
        k += x[i, h]
    return k


@njit(cache=True, _nrt=False, inline="always")
def two_paths_from(x, k, iw):
    """iw[TP, j] = #{h: x_ih x_hj} (two-paths i -> h -> j), from i's k out-neighbours."""
    n = x.shape[0]
    for j in range(n):
        iw[TP, j] = 0
    for a in range(k):
        h = iw[NBRS, a]
        for j in range(n):
            iw[TP, j] += x[h, j]


# Each of the following writes fw[row, j] = c_ij of one code for all j. Arguments: x, xt,
# i, in- and out-degrees of the current network, ``iw[NBRS, :k]`` the actors i names and
# ``iw[TP]`` the two-paths from i (:func:`two_paths_from`), ``gw`` the GWESP weights.

@njit(cache=True, _nrt=False, inline="always")
def recip(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    for j in range(x.shape[0]):
        fw[row, j] = xt[i, j]


@njit(cache=True, _nrt=False, inline="always")
def trans_trip(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    # i -> j closes two-paths i -> h -> j, and is the middle tie of i -> j -> h, i -> h
    n = x.shape[0]
    for j in range(n):
        iw[SHARED, j] = iw[TP, j]
    for a in range(k):
        h = iw[NBRS, a]
        for j in range(n):
            iw[SHARED, j] += xt[h, j]
    for j in range(n):
        fw[row, j] = iw[SHARED, j]


@njit(cache=True, _nrt=False, inline="always")
def trans_ties(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    n = x.shape[0]
    for j in range(n):
        fw[row, j] = 1.0 if iw[TP, j] > 0 else 0.0
    # the tie i -> h (h named by i) gains, or loses, its only two-path through j
    for a in range(k):
        h = iw[NBRS, a]
        t = iw[TP, h]
        if t == 0:
            for j in range(n):
                fw[row, j] += xt[h, j]
        elif t == 1:
            for b in range(k):
                j = iw[NBRS, b]
                fw[row, j] += xt[h, j]


@njit(cache=True, _nrt=False, inline="always")
def cycle3(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    n = x.shape[0]
    for j in range(n):
        iw[SHARED, j] = 0
    for h in range(n):
        if xt[i, h]:  # h -> i
            for j in range(n):
                iw[SHARED, j] += xt[h, j]  # j -> h
    for j in range(n):
        fw[row, j] = iw[SHARED, j]


@njit(cache=True, _nrt=False, inline="always")
def gwesp_ff(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    """RSiena's contribution w(TP_ij), not the exact change of the statistic."""
    for j in range(x.shape[0]):
        fw[row, j] = gw[iw[TP, j]]


@njit(cache=True, _nrt=False, inline="always")
def in_pop(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    for j in range(x.shape[0]):
        fw[row, j] = indeg[j] - x[i, j] + 1.0


@njit(cache=True, _nrt=False, inline="always")
def in_pop_sqrt(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    for j in range(x.shape[0]):
        fw[row, j] = np.sqrt(indeg[j] - x[i, j] + 1.0)


@njit(cache=True, _nrt=False, inline="always")
def _by_tie(x, i, fw, row, make, drop):
    """fw[row, j] = drop where i names j, make elsewhere."""
    for j in range(x.shape[0]):
        fw[row, j] = drop if x[i, j] else make


# the tie i -> j adds (d+1)^p - d^p when absent, d^p - (d-1)^p when present
@njit(cache=True, _nrt=False, inline="always")
def out_act(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    d = outdeg[i] + 0.0
    _by_tie(x, i, fw, row, 2.0 * d + 1.0, 2.0 * d - 1.0)


@njit(cache=True, _nrt=False, inline="always")
def out_act_sqrt(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    d = outdeg[i] + 0.0
    _by_tie(x, i, fw, row, (d + 1.0) ** 1.5 - d**1.5, d**1.5 - max(d - 1.0, 0.0) ** 1.5)


@njit(cache=True, _nrt=False, inline="always")
def out_pop(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    for j in range(x.shape[0]):
        fw[row, j] = outdeg[j]


@njit(cache=True, _nrt=False, inline="always")
def out_pop_sqrt(x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    for j in range(x.shape[0]):
        fw[row, j] = np.sqrt(outdeg[j] + 0.0)


BY_CODE = {RECIP: recip, TRANS_TRIP: trans_trip, TRANS_TIES: trans_ties, CYCLE3: cycle3,
           GWESP_FF: gwesp_ff, IN_POP: in_pop, IN_POP_SQRT: in_pop_sqrt, OUT_ACT: out_act,
           OUT_ACT_SQRT: out_act_sqrt, OUT_POP: out_pop, OUT_POP_SQRT: out_pop_sqrt}
"""The function of each structural code."""


@njit(cache=True, _nrt=False)
def contributions(code, x, xt, i, indeg, outdeg, k, iw, gw, fw, row):
    """fw[row, j] = c_ij of the structural effect ``code`` for all j (the function of
    :data:`BY_CODE`)."""
    if code == RECIP:
        recip(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == TRANS_TRIP:
        trans_trip(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == TRANS_TIES:
        trans_ties(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == CYCLE3:
        cycle3(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == GWESP_FF:
        gwesp_ff(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == IN_POP:
        in_pop(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == IN_POP_SQRT:
        in_pop_sqrt(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == OUT_ACT:
        out_act(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == OUT_ACT_SQRT:
        out_act_sqrt(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == OUT_POP:
        out_pop(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
    elif code == OUT_POP_SQRT:
        out_pop_sqrt(x, xt, i, indeg, outdeg, k, iw, gw, fw, row)
