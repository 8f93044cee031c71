"""Goodness of fit, as RSiena's ``sienaGOF``: auxiliary statistics of observed and
simulated networks and a Mahalanobis-distance test of how unusual the observed ones are.

Auxiliary statistics (each a vector per network, vectorised over stacks (R, n, n)):

- :func:`indegree_distribution`, :func:`outdegree_distribution`: cumulative counts, the
  number of actors with degree <= k for k in ``levels`` (default 0..8), as sienaGOF's
  ``IndegreeDistribution`` / ``OutdegreeDistribution`` with ``cumulative = TRUE``;
- :func:`triad_census`: the 16 Holland-Leinhardt triad types (003 ... 300) in networkx's
  order (``networkx.triadic_census``);
- :func:`geodesic_distribution`: unordered pairs of the symmetrised network (i ~ j if
  x_ij or x_ji) at distance <= k for k in ``levels`` (default 1..5), then the pairs that
  are not connected;
- :func:`behaviour_distribution`: actors at each value of a behaviour.

:func:`mahalanobis_test` follows sienaGOF: the simulated statistics' mean and covariance,
its Moore-Penrose generalised inverse (so statistics that never vary drop out), the
Mahalanobis distance of the observed vector and of each simulated one, and p = the share
of simulated distances at least as large as the observed one. Several periods are tested
one by one and jointly (their statistic vectors summed, as sienaGOF's ``join = TRUE``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from sim.saom.data import ClassData
from sim.saom.descriptives import stack_networks
from sim.saom.names import Parameter, rate
from sim.suggest import unknown_name

if TYPE_CHECKING:
    from sim.saom.results import Estimate

TRIAD_TYPES = ("003", "012", "102", "021D", "021U", "021C", "111D", "111U", "030T", "030C",
               "201", "120D", "120U", "120C", "210", "300")


def _cumulative(degrees: np.ndarray, levels: Sequence[int]) -> np.ndarray:
    return np.stack([(degrees <= k).sum(1) for k in levels], axis=1).astype(float)


def indegree_distribution(x: npt.ArrayLike, levels: Sequence[int] = range(9)) -> np.ndarray:
    """(R, len(levels)): actors with in-degree <= k."""
    return _cumulative(stack_networks(x, np.int8)[0].sum(1), levels)


def outdegree_distribution(x: npt.ArrayLike, levels: Sequence[int] = range(9)) -> np.ndarray:
    """(R, len(levels)): actors with out-degree <= k."""
    return _cumulative(stack_networks(x, np.int8)[0].sum(2), levels)


@cache
def _triad_code_table() -> np.ndarray:
    """Triad type (index into TRIAD_TYPES) of each of the 64 tie patterns of a triple
    (a, b, c), coded by the six ties ab, ba, ac, ca, bc, cb as bits 0..5."""
    table = np.empty(64, dtype=np.int64)
    for code in range(64):
        t = [(code >> k) & 1 for k in range(6)]
        m = np.zeros((3, 3), dtype=int)
        (m[0, 1], m[1, 0], m[0, 2], m[2, 0], m[1, 2], m[2, 1]) = t
        table[code] = TRIAD_TYPES.index(_triad_name(m))
    return table


def _triad_name(m: np.ndarray) -> str:
    """The Holland-Leinhardt type of a 3 x 3 adjacency matrix (M A N counts, then the
    orientation letter)."""
    mutual = sum(m[i, j] and m[j, i] for i, j in ((0, 1), (0, 2), (1, 2)))
    asym = sum(m[i, j] != m[j, i] for i, j in ((0, 1), (0, 2), (1, 2)))
    null = 3 - mutual - asym
    man = f"{mutual}{asym}{null}"
    if man in ("003", "012", "102", "201", "300"):
        return man
    out, inn = m.sum(1), m.sum(0)
    if man == "021":
        if (out == 2).any():
            return "021D"
        if (inn == 2).any():
            return "021U"
        return "021C"
    if man == "111":  # the actor in the mutual dyad: D if the asymmetric tie comes in
        return "111U" if ((out == 2) & (inn == 1)).any() else "111D"
    if man == "030":
        return "030C" if (out == 1).all() and (inn == 1).all() else "030T"
    if man == "120":
        if (inn == 0).any():
            return "120D"
        if (out == 0).any():
            return "120U"
        return "120C"
    return "210"


def triad_census(x: npt.ArrayLike) -> np.ndarray:
    """(R, 16): counts of the 16 triad types (:data:`TRIAD_TYPES`) over all triples."""
    a = stack_networks(x, np.int8)[0]
    n = a.shape[1]
    i, j, k = np.array([(i, j, k) for i in range(n) for j in range(i + 1, n)
                        for k in range(j + 1, n)], dtype=np.int64).reshape(-1, 3).T
    table = _triad_code_table()
    out = np.zeros((a.shape[0], len(TRIAD_TYPES)))
    for r in range(a.shape[0]):
        y = a[r].astype(np.int64)
        code = (y[i, j] | y[j, i] << 1 | y[i, k] << 2 | y[k, i] << 3 | y[j, k] << 4
                | y[k, j] << 5)
        out[r] = np.bincount(table[code], minlength=len(TRIAD_TYPES))
    return out


def geodesic_distribution(x: npt.ArrayLike, levels: Sequence[int] = range(1, 6)) -> np.ndarray:
    """(R, len(levels) + 1): unordered pairs of the symmetrised network at distance <= k,
    then the pairs with no path."""
    a = stack_networks(x, np.int8)[0]
    n = a.shape[1]
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    out = np.zeros((a.shape[0], len(levels) + 1))
    for r in range(a.shape[0]):
        s = (a[r] | a[r].T).astype(np.int64)
        dist = np.full((n, n), -1, dtype=np.int64)
        np.fill_diagonal(dist, 0)
        frontier, reach, step = np.eye(n, dtype=np.int64), np.eye(n, dtype=bool), 0
        while frontier.any():  # breadth-first search from every actor at once
            step += 1
            frontier = ((frontier @ s) > 0) & ~reach
            dist[frontier] = step
            reach |= frontier
            frontier = frontier.astype(np.int64)
        d = dist[upper]
        out[r, :len(levels)] = [((d > 0) & (d <= k)).sum() for k in levels]
        out[r, -1] = (d < 0).sum()
    return out


def behaviour_distribution(z: npt.ArrayLike, values: Sequence[int]) -> np.ndarray:
    """(R, len(values)): actors at each behaviour value (z: (n,) or (R, n))."""
    z = np.atleast_2d(np.asarray(z))
    return np.stack([(z == v).sum(1) for v in values], axis=1).astype(float)


STATISTICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "indegree": indegree_distribution, "outdegree": outdegree_distribution,
    "triads": triad_census, "geodesic": geodesic_distribution,
}
"""Auxiliary statistics by name, as ``lbsim gof`` offers them."""


def labels(name: str) -> list[str]:
    """The components' names of auxiliary statistic ``name``."""
    if name in ("indegree", "outdegree"):
        return [f"<={k}" for k in range(9)]
    if name == "triads":
        return list(TRIAD_TYPES)
    if name == "geodesic":
        return [f"<={k}" for k in range(1, 6)] + ["none"]
    raise ValueError(f"no auxiliary statistic {name!r}; allowed: {', '.join(STATISTICS)}")


def axes_text(name: str) -> tuple[str, str]:
    """What the x axis (components) and y axis (values) of auxiliary statistic ``name``
    show, per network (several periods: summed over them)."""
    return {"indegree": ("in-degree k", "actors with in-degree <= k"),
            "outdegree": ("out-degree k", "actors with out-degree <= k"),
            "triads": ("triad type (Holland-Leinhardt)", "triads of the type"),
            "geodesic": ("distance k (ties either way)",
                         "pairs at distance <= k, or not connected")}[name]


def p_text(p: float, runs: int | None = None, bare: bool = False) -> str:
    """A simulated p-value as text: ``p = 0.042``; below what the simulations resolve,
    ``p < 0.001`` (or ``p < 1/runs``, when coarser), never ``p = 0.000``; ``bare``: the
    value alone (``0.042``, ``<0.001``), for a table."""
    floor = max(0.001, 1 / runs) if runs else 0.001
    if p < floor:
        return f"<{floor:.3g}" if bare else f"p < {floor:.3g}"
    return f"{p:.3f}" if bare else f"p = {p:.3f}"


@dataclass(frozen=True)
class GofTest:
    """The observed statistic vector, the simulated ones, their Mahalanobis distances and
    the p-value (share of simulated distances >= the observed one), as RSiena's ``sienaGOF``
    (Lospinoso & Snijders 2019).

    Attributes
    ----------
    observed : ndarray
        The observed statistic vector.
    simulated : ndarray, shape (R, S)
        The simulated statistic vectors.
    distance_observed : float
        The observed vector's Mahalanobis distance from the simulated mean.
    distances : ndarray, shape (R,)
        Each simulated vector's Mahalanobis distance.
    p : float
        The share of simulated distances at least the observed one.
    """

    observed: np.ndarray
    simulated: np.ndarray
    distance_observed: float
    distances: np.ndarray
    p: float


def mahalanobis_test(observed: npt.ArrayLike, simulated: npt.ArrayLike) -> GofTest:
    """sienaGOF's test of one observed statistic vector against R simulated ones."""
    obs = np.asarray(observed, dtype=float).ravel()
    sims = np.asarray(simulated, dtype=float)
    if sims.ndim != 2 or sims.shape[1] != obs.size or sims.shape[0] < 2:
        raise ValueError(f"simulated statistics must be (R >= 2, {obs.size}), got "
                         f"{sims.shape}")
    mean = sims.mean(0)
    inv = np.linalg.pinv(np.atleast_2d(np.cov(sims, rowvar=False)))
    dev = sims - mean
    distances = np.einsum("rs,st,rt->r", dev, inv, dev)
    d_obs = float((obs - mean) @ inv @ (obs - mean))
    p = float(np.mean(distances >= d_obs - 1e-12 * max(1.0, abs(d_obs))))
    return GofTest(obs, sims, d_obs, distances, p)


@dataclass(frozen=True)
class GofResult:
    """sienaGOF's tests of one auxiliary ``statistic``: one per period (``periods[m]``,
    the wave at the end of period m + 1) and ``joint`` (the periods' statistic vectors
    summed); ``labels`` name the statistic's components.

    Attributes
    ----------
    statistic : str
        The auxiliary statistic's name.
    labels : tuple of str
        Its components' names.
    periods : tuple of GofTest
        One test per period.
    joint : GofTest
        The test of the periods' statistic vectors summed.
    """

    statistic: str
    labels: tuple[str, ...]
    periods: tuple[GofTest, ...]
    joint: GofTest

    def tests(self) -> list[tuple[str, GofTest]]:
        """(period "1", "2", ... or "joint", test), periods first."""
        return [(str(m), t) for m, t in enumerate(self.periods, 1)] + [("joint", self.joint)]

    def table(self) -> str:
        """Each test's Mahalanobis distance and p, as ``lbsim gof`` prints them."""
        rows = [f"{'statistic':<12}{'period':<8}{'mahalanobis':>13}{'p':>9}"]
        rows += [f"{self.statistic:<12}{m:<8}{t.distance_observed:>13.2f}"
                 f"{p_text(t.p, len(t.distances), bare=True):>9}" for m, t in self.tests()]
        return "\n".join(rows)

    def to_frame(self):
        """One row per test: statistic, period, mahalanobis, p (pandas, imported here)."""
        import pandas as pd

        return pd.DataFrame([(self.statistic, m, t.distance_observed, t.p)
                             for m, t in self.tests()],
                            columns=["statistic", "period", "mahalanobis", "p"])

    def plot(self, path=None, period: str = "joint"):
        """Violins of the simulated components of ``period``'s test with the observed
        values as a red line (matplotlib, imported here); saved to ``path`` if given.
        Returns the figure."""
        import matplotlib.pyplot as plt

        test = dict(self.tests())[period]
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.violinplot(test.simulated, showextrema=False)
        ax.plot(range(1, len(test.observed) + 1), test.observed, "r-o", ms=3)
        ax.set_xticks(range(1, len(self.labels) + 1), self.labels, rotation=90)
        what = "all periods summed" if period == "joint" else f"period {period}"
        ax.set_title(f"{self.statistic}, {what}: {p_text(test.p, len(test.distances))}")
        if self.statistic in STATISTICS:
            ax.set_xlabel(axes_text(self.statistic)[0])
            ax.set_ylabel(axes_text(self.statistic)[1])
        if path is not None:
            fig.savefig(path, bbox_inches="tight")
            plt.close(fig)
        return fig


def gof(observed: Sequence[np.ndarray], simulated: Sequence[np.ndarray],
        statistic: str | Callable = "indegree") -> GofResult:
    """Tests of each period and jointly (sienaGOF with ``join = TRUE``).

    Parameters
    ----------
    observed : sequence of array_like
        ``observed[m]``: the wave at the end of period m + 1.
    simulated : sequence of array_like
        ``simulated[m]``: (R, n, n) networks simulated for period m + 1.
    statistic : str or callable
        A name of :data:`STATISTICS` or a function of (R, n, n) networks to (R, k).

    Returns
    -------
    GofResult
    """
    fn = _statistic(statistic) if isinstance(statistic, str) else statistic
    if len(observed) != len(simulated) or not observed:
        raise ValueError("give one observed wave per set of simulated networks")
    obs = [fn(o)[0] for o in observed]
    sims = [fn(s) for s in simulated]
    periods = tuple(mahalanobis_test(o, s) for o, s in zip(obs, sims, strict=True))
    joint = mahalanobis_test(np.sum(obs, axis=0), np.sum(sims, axis=0))
    name = statistic if isinstance(statistic, str) else getattr(statistic, "__name__", "")
    names = tuple(labels(statistic)) if isinstance(statistic, str) else \
        tuple(str(k) for k in range(len(joint.observed)))
    return GofResult(name, names, periods, joint)


def _statistic(name: str) -> Callable[[np.ndarray], np.ndarray]:
    if name not in STATISTICS:
        raise ValueError(unknown_name(name, "auxiliary statistic", list(STATISTICS)))
    return STATISTICS[name]


def simulate_fit(waves: Sequence[np.ndarray] | ClassData, theta: Mapping, *, runs: int = 1000,
                 covariates: Mapping | None = None, seed: int | None = None,
                 **model) -> list[np.ndarray]:
    """For each period m, ``runs`` networks simulated from wave m with the fitted effects
    and rate ``rate m+1`` (``theta``: parameter name to value, e.g.
    :meth:`Estimate.as_dict`); ``model``: the fit's other :class:`sim.saom.Start` fields
    (dyadic, behaviours, structural_zeros, uncentred), :class:`sim.saom.Model` fields and
    ``behaviour_rates``. ``waves`` a :class:`ClassData`: its waves, with its covariates,
    dyadic covariates and structural zeros."""
    from sim.saom.model import Model
    from sim.saom.simulate import Start, simulate_periods

    if isinstance(waves, ClassData):
        data = waves
        waves, covariates = list(data.waves), dict(data.covariates)
        model.setdefault("dyadic", dict(data.dyadic))
        if data.structural_zeros is not None:
            model.setdefault("structural_zeros", data.structural_zeros)
    values = {Parameter.parse(k): v for k, v in theta.items()}
    effects = {str(k): v for k, v in values.items() if not k.is_rate}
    given = {k: model.pop(k) for k in ("dyadic", "behaviours", "structural_zeros", "uncentred")
             if k in model}
    behaviour_rates = model.pop("behaviour_rates", None)
    fitted = Model(effects, **model)
    seeds = np.random.SeedSequence(seed).spawn(len(waves) - 1)
    return [simulate_periods(Start(waves[m], covariates={} if covariates is None else covariates,
                                   **given), fitted,
                             rate=values[rate(m + 1)], runs=runs, seed=seeds[m],
                             behaviour_rates=behaviour_rates).networks
            for m in range(len(waves) - 1)]


def goodness_of_fit(fit: Estimate, data: ClassData, *, statistic: str | Callable = "indegree",
                    runs: int = 1000, seed: int | None = 1) -> GofResult:
    """The goodness of fit of one class's network model, as RSiena's ``sienaGOF(ans,
    ...)``: each period simulated ``runs`` times from its first wave with the estimates
    (:func:`simulate_fit`), and ``statistic`` of the wave at its end tested against the
    simulated ones (:func:`gof`), as ``lbsim gof`` tests a fit.

    Parameters
    ----------
    fit : Estimate
        The fit of one class (:func:`sim.saom.estimate`).
    data : ClassData
        The class it was fitted to, with its covariates, dyadic covariates and structural
        zeros.
    statistic : str or callable
        A name of :data:`STATISTICS` or a function of (R, n, n) networks to (R, k).
    runs : int
        Simulated networks per period.
    seed : int or None
        Random seed of the simulations.

    Returns
    -------
    GofResult
    """
    from sim.saom.results import Estimate

    if isinstance(statistic, str):
        _statistic(statistic)
    if not isinstance(fit, Estimate) or not isinstance(data, ClassData):
        raise ValueError(f"goodness_of_fit(fit, data): an Estimate and the ClassData it was "
                         f"fitted to, got {type(fit).__name__} and {type(data).__name__}")
    groups = sorted({p.group for p in fit.names if p.group})
    if len(groups) > 1:
        raise ValueError(f"goodness_of_fit checks the fit of one class; this fit has "
                         f"{len(groups)} classes ({', '.join(groups)}): fit each class on "
                         f"its own (estimate(..., separately=True)) and check one of them")
    other = [w for w, v in (("behaviours", data.behaviours),
                            ("composition change", data.composition is not None)) if v]
    if other or any(p.behaviour for p in fit.names):
        raise ValueError(f"goodness_of_fit checks the fit of a class's network, without "
                         f"behaviours or composition change; these have "
                         f"{', '.join(other) or 'behaviour parameters'}")
    periods = sum(p.is_rate for p in fit.names)
    if periods != len(data.waves) - 1:
        raise ValueError(f"the fit has {periods} periods, the data {len(data.waves)} waves; "
                         f"give the ClassData the fit was fitted to")
    theta = {replace(p, group=""): v for p, v in fit.as_dict().items()}  # Data of one class
    return gof(list(data.waves[1:]), simulate_fit(data, theta, runs=runs, seed=seed), statistic)
