"""Network statistics of directed 0/1 networks, vectorised over stacks of networks.

Every function takes one n x n network or an (R, n, n) stack and returns a float (one
network) or an array of R values. ``x[i, j] = 1`` means i names j; the diagonal is ignored
as absent. :func:`summarize` gathers them all into a table, one row per network.

Definitions follow Wasserman & Faust (1994) and RSiena's descriptives: a two-path is
i -> h -> j with i != j; a transitive triplet is a two-path i -> h -> j closed by i -> j.

Ratios on graphs where their denominator is 0 follow networkx where networkx defines a
value: ``density`` is 0 for fewer than two actors (``networkx.density``); ``transitivity``
and ``clustering`` are 0 without two-paths (``networkx.transitivity``). Where networkx
raises (``networkx.overall_reciprocity`` of a graph without ties) or defines nothing
(Coleman's index, the E-I index), the value is NaN. Each docstring says which.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from numba import njit, prange

if TYPE_CHECKING:  # pandas is imported by summarize only (the engine loads without it)
    import pandas as pd

COLUMNS = ("ties", "density", "mean_degree", "mutual_dyads", "reciprocity", "two_paths",
           "transitive_triplets", "transitivity", "clustering", "three_cycles",
           "indegree_var", "isolates_in", "isolates_total", "largest_component_share")
ATTRIBUTE_COLUMNS = ("coleman_homophily", "ei_index")


def stack_networks(x: npt.ArrayLike, dtype: npt.DTypeLike = np.float64
                   ) -> tuple[np.ndarray, bool]:
    """One network or several as a stack of 0/1 adjacency matrices without loops.

    Parameters
    ----------
    x
        An n x n network or R networks (R, n, n); any non-zero entry is a tie.
    dtype
        The stack's type.

    Returns
    -------
    stack : np.ndarray
        (R, n, n), R = 1 for one network, with x_ii = 0.
    single : bool
        Whether ``x`` was one n x n network.
    """
    a = np.asarray(x)
    single = a.ndim == 2
    if single:
        a = a[None]
    if a.ndim != 3 or a.shape[1] != a.shape[2]:
        raise ValueError(f"networks must be n x n or (R, n, n), got shape {np.shape(x)}")
    a = (a != 0).astype(dtype)
    idx = np.arange(a.shape[1])
    a[:, idx, idx] = 0
    return a, single


def _out(values: np.ndarray, single: bool):
    return float(values[0]) if single else values


def ratio(num: npt.ArrayLike, den: npt.ArrayLike, empty: float = np.nan) -> np.ndarray:
    """num / den elementwise (as floats), and ``empty`` where den is 0 (or negative)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), empty)


def ties(x: npt.ArrayLike) -> float | np.ndarray:
    """Number of ties sum_ij x_ij."""
    a, single = stack_networks(x)
    return _out(a.sum((1, 2)), single)


def density(x: npt.ArrayLike) -> float | np.ndarray:
    """ties / (n (n - 1)); 0 for fewer than two actors (networkx.density)."""
    a, single = stack_networks(x)
    n = a.shape[1]
    return _out(ratio(a.sum((1, 2)), np.full(a.shape[0], n * (n - 1.0)), 0.0), single)


def mean_degree(x: npt.ArrayLike) -> float | np.ndarray:
    """Mean out-degree (= mean in-degree) ties / n; 0 without actors."""
    a, single = stack_networks(x)
    return _out(ratio(a.sum((1, 2)), np.full(a.shape[0], float(a.shape[1])), 0.0), single)


def mutual_dyads(x: npt.ArrayLike) -> float | np.ndarray:
    """Number of mutual dyads #{i < j: x_ij = x_ji = 1}."""
    a, single = stack_networks(x)
    return _out((a * a.transpose(0, 2, 1)).sum((1, 2)) / 2, single)


def reciprocity(x: npt.ArrayLike) -> float | np.ndarray:
    """Share of ties that are reciprocated: 2 mutual / ties (networkx.overall_reciprocity);
    NaN without ties, where networkx raises."""
    a, single = stack_networks(x)
    return _out(ratio((a * a.transpose(0, 2, 1)).sum((1, 2)), a.sum((1, 2))), single)


def _two_path_matrix(a):
    p = a @ a
    idx = np.arange(a.shape[1])
    p[:, idx, idx] = 0.0
    return p


def two_paths(x: npt.ArrayLike) -> float | np.ndarray:
    """Number of two-paths i -> h -> j with i != j: sum_{i != j} (x^2)_ij."""
    a, single = stack_networks(x)
    return _out(_two_path_matrix(a).sum((1, 2)), single)


def transitive_triplets(x: npt.ArrayLike) -> float | np.ndarray:
    """Number of transitive triplets sum_{i,j,h} x_ij x_ih x_hj."""
    a, single = stack_networks(x)
    return _out((_two_path_matrix(a) * a).sum((1, 2)), single)


def transitivity(x: npt.ArrayLike) -> float | np.ndarray:
    """Share of two-paths that are closed: transitive triplets / two-paths; 0 without
    two-paths (as networkx.transitivity is 0 without triads)."""
    a, single = stack_networks(x)
    p = _two_path_matrix(a)
    return _out(ratio((p * a).sum((1, 2)), p.sum((1, 2)), 0.0), single)


def clustering(x: npt.ArrayLike) -> float | np.ndarray:
    """Global clustering coefficient of the symmetrised graph (i ~ j if x_ij or x_ji):
    3 x triangles / connected triples (networkx.transitivity); 0 without a connected
    triple, as networkx returns."""
    a, single = stack_networks(x)
    s = np.maximum(a, a.transpose(0, 2, 1))
    d = s.sum(2)
    closed = np.einsum("rij,rjk,rki->r", s, s, s)  # 6 x triangles
    return _out(ratio(closed, (d * (d - 1)).sum(1), 0.0), single)


def three_cycles(x: npt.ArrayLike) -> float | np.ndarray:
    """Number of three-cycles i -> j -> h -> i: trace(x^3) / 3."""
    a, single = stack_networks(x)
    return _out(np.einsum("rij,rjk,rki->r", a, a, a) / 3, single)


def indegree_var(x: npt.ArrayLike) -> float | np.ndarray:
    """Population variance of the in-degrees (0 for a single actor)."""
    a, single = stack_networks(x)
    return _out(a.sum(1).var(1), single)


def isolates_in(x: npt.ArrayLike) -> float | np.ndarray:
    """Number of actors nobody names (in-degree 0)."""
    a, single = stack_networks(x)
    return _out((a.sum(1) == 0).sum(1).astype(float), single)


def isolates_total(x: npt.ArrayLike) -> float | np.ndarray:
    """Number of actors with neither in- nor out-ties."""
    a, single = stack_networks(x)
    return _out(((a.sum(1) + a.sum(2)) == 0).sum(1).astype(float), single)


@njit(cache=True)
def _find(parent, v):
    while parent[v] != v:
        parent[v] = parent[parent[v]]
        v = parent[v]
    return v


@njit(cache=True, parallel=True)
def _largest_weak_component(a, out):
    r_count, n = a.shape[0], a.shape[1]
    for r in prange(r_count):
        parent = np.arange(n)
        for i in range(n):
            for j in range(n):
                if a[r, i, j] != 0.0:
                    ri, rj = _find(parent, i), _find(parent, j)
                    if ri != rj:
                        parent[ri] = rj
        size = np.zeros(n, dtype=np.int64)
        for i in range(n):
            size[_find(parent, i)] += 1
        out[r] = size.max() / n


def largest_component_share(x: npt.ArrayLike) -> float | np.ndarray:
    """Share of actors in the largest weakly connected component; 1/n without ties (every
    actor is a component of its own)."""
    a, single = stack_networks(x)
    out = np.empty(a.shape[0])
    _largest_weak_component(a, out)
    return _out(out, single)


def _attribute(attribute, n: int) -> np.ndarray:
    v = np.asarray(attribute)
    if v.shape != (n,):
        raise ValueError(f"attribute must have shape ({n},), got {v.shape}")
    if not np.isin(v, (0, 1)).all():
        raise ValueError("attribute must be binary (0/1 or boolean), e.g. left-behind status")
    return v.astype(bool)


def coleman_homophily(x: npt.ArrayLike, attribute: npt.ArrayLike) -> float | np.ndarray:
    """Coleman's (1958) homophily index of the group with ``attribute`` = 1.

    With p the share of the group's out-ties that go to the group and e = (g - 1) / (n - 1)
    the share expected by chance (g members): (p - e) / (1 - e) if p >= e, else
    (p - e) / e. Ranges -1 (avoidance) to 1 (only in-group choices); NaN if the group sends
    no ties, has fewer than 2 members or is everyone (networkx defines no such index).
    """
    a, single = stack_networks(x)
    g = _attribute(attribute, a.shape[1])
    n, size = a.shape[1], int(g.sum())
    if size < 2 or size == n:
        return _out(np.full(a.shape[0], np.nan), single)
    sent = a[:, g, :].sum((1, 2))
    inside = a[:, g][:, :, g].sum((1, 2))
    p = ratio(inside, sent)
    e = (size - 1) / (n - 1)
    with np.errstate(invalid="ignore"):
        h = np.where(p >= e, (p - e) / (1 - e), (p - e) / e)
    return _out(h, single)


def ei_index(x: npt.ArrayLike, attribute: npt.ArrayLike) -> float | np.ndarray:
    """Krackhardt & Stern's (1988) E-I index (E - I) / (E + I): E ties between actors with
    different attribute values, I ties within; -1 all within, +1 all between; NaN without
    ties (networkx defines no E-I index)."""
    a, single = stack_networks(x)
    g = _attribute(attribute, a.shape[1])
    same = g[:, None] == g[None, :]
    internal = (a * same).sum((1, 2))
    external = (a * ~same).sum((1, 2))
    return _out(ratio(external - internal, external + internal), single)


def summarize(networks: npt.ArrayLike, attribute: npt.ArrayLike | None = None) -> pd.DataFrame:
    """One row per network with the columns of :data:`COLUMNS` (and, given a binary
    ``attribute``, :data:`ATTRIBUTE_COLUMNS`)."""
    a, _ = stack_networks(networks)
    table = {name: np.atleast_1d(globals()[name](a)) for name in COLUMNS}
    if attribute is not None:
        table["coleman_homophily"] = np.atleast_1d(coleman_homophily(a, attribute))
        table["ei_index"] = np.atleast_1d(ei_index(a, attribute))
    import pandas as pd

    return pd.DataFrame(table)


def jaccard(before: npt.ArrayLike, after: npt.ArrayLike) -> float:
    """Jaccard's index of two observations of a network: ties present in both over ties
    present in either (RSiena's measure of turnover between waves; NaN without any tie)."""
    a, b = stack_networks(before)[0][0] > 0, stack_networks(after)[0][0] > 0
    either = int((a | b).sum())
    return float((a & b).sum() / either) if either else float("nan")
