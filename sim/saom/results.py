"""The estimate of a SAOM as a frozen result, in the convention of every result of
:mod:`sim.saom`: ``.table()`` the text report, ``.to_frame()`` a pandas DataFrame (pandas
imported only then), the arrays as attributes.

An :class:`Estimate` holds the method-of-moments fit (:func:`sim.saom.estimate`): the
parameters (:class:`sim.saom.names.Parameter`), estimates, standard errors, the phase-3
statistics against their targets with the t-ratios (simulated mean - target) / simulated
sd, the overall maximum convergence ratio and the covariance of the estimated parameters
(Snijders 2001; the RSiena manual's estimation chapter).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.saom.names import Parameter
from sim.saom.robbins_monro import RATIO_MAX, T_MAX


class UnknownParameter(KeyError, ValueError):
    """A parameter name that a result does not have (a KeyError, as for a mapping, and a
    ValueError, as for a bad argument)."""

    def __str__(self) -> str:
        return str(self.args[0])


def period_derivative(g: np.ndarray, u: np.ndarray) -> np.ndarray:
    """D[k, l] = sum over periods m of the covariance over the runs of statistic k and
    score l in period m, from ``g`` and ``u`` of shape (runs, M, P) (RSiena's derivative
    from scores and deviations, period by period)."""
    return np.einsum("rmk,rml->kl", g - g.mean(0), u) / len(g)


@dataclass(frozen=True, repr=False)
class Phase3:
    """The simulations of phase 3 at the estimate, kept as RSiena keeps them (``sf``,
    ``sf2``, ``ssc`` of a sienaFit) for the tests that follow an estimate (score-type
    tests, the time test): each run's statistics and scores of every parameter, estimated
    or fixed, and each period's effect statistics and scores.

    Attributes
    ----------
    names : tuple of Parameter
        The columns of ``statistics`` and ``scores``: every parameter that has a
        statistic (a conditional fit's rates have none).
    statistics, scores : ndarray, shape (runs, P)
        Each run's statistics and score functions (d log-likelihood / d theta).
    targets : ndarray, shape (P,)
        The observed statistics.
    effects : tuple of Parameter
        The columns of the period arrays: the effects (network, then behaviour).
    periods : tuple of str
        The periods' labels (``1``, ``2``; ``<class> 1`` for several classes).
    period_statistics, period_scores : ndarray, shape (runs, M, K + E)
        Each run's effect statistics and scores, period by period.
    period_targets : ndarray, shape (M, K + E)
        The observed effect statistics of each period.
    """

    names: tuple[Parameter, ...]
    statistics: np.ndarray
    scores: np.ndarray
    targets: np.ndarray
    effects: tuple[Parameter, ...]
    periods: tuple[str, ...]
    period_statistics: np.ndarray
    period_scores: np.ndarray
    period_targets: np.ndarray

    @property
    def deviations(self) -> np.ndarray:
        """Mean simulated minus observed statistic, per parameter (RSiena's ``fra``)."""
        return self.statistics.mean(0) - self.targets

    @property
    def covariance(self) -> np.ndarray:
        """The covariance of the statistics over the runs (RSiena's ``msf``)."""
        return np.atleast_2d(np.cov(self.statistics, rowvar=False))

    @property
    def derivative(self) -> np.ndarray:
        """D[k, l] = dE[S_k]/dtheta_l = sum over periods m of Cov(S_km, U_lm) over the runs
        (Schweinberger and Snijders 2007), for every parameter; the periods are simulated
        independently, so their cross-covariances, 0 in expectation, are left out, as
        RSiena's ``dfra`` leaves them out (a rate's statistic and score belong to its own
        period: one period's rate does not move another period's statistics). Computed
        period by period over the columns a period has (its rates, the effects, its time
        dummies), so its memory does not grow with the number of periods squared."""
        p = len(self.names)
        out = np.zeros((p, p))
        effects = {str(e): k for k, e in enumerate(self.effects)}
        for m, label in enumerate(self.periods):
            cols, source = [], []
            for c, name in enumerate(self.names):
                if str(name) in effects:
                    cols.append(c)
                    source.append(("period", effects[str(name)]))
                elif name.is_rate and f"{name.group} {name.period}".strip() == label:
                    cols.append(c)
                    source.append(("total", c))
                elif name.is_dummy and name.period == m + 1:
                    cols.append(c)
                    source.append(("period", effects[name.effect]))
            g = np.column_stack([self.period_statistics[:, m, k] if kind == "period"
                                 else self.statistics[:, k] for kind, k in source])
            u = np.column_stack([self.period_scores[:, m, k] if kind == "period"
                                 else self.scores[:, k] for kind, k in source])
            out[np.ix_(cols, cols)] += (g - g.mean(0)).T @ u / len(g)
        return out

    def column(self, name: str | Parameter) -> int:
        """The column of parameter ``name``; UnknownParameter naming the columns if it has
        none."""
        try:
            return [str(p) for p in self.names].index(str(name))
        except ValueError:
            raise UnknownParameter(f"no statistic of parameter {str(name)!r} in phase 3; "
                                   f"parameters: {', '.join(map(str, self.names))}") from None


@dataclass(frozen=True, repr=False)
class Estimate:
    """Estimates, standard errors and the phase-3 check of convergence.

    ``names`` label the parameters (estimated and fixed; :class:`Parameter` values, which
    equal their printed names) and ``stat_names`` the statistics of the estimated ones;
    ``t_ratios`` = (simulated mean - target) / simulated sd; ``se`` is NaN for fixed
    parameters, ``cov`` is over the estimated ones.

    Attributes
    ----------
    names : tuple of Parameter
        The parameters, estimated and fixed.
    theta : ndarray
        The estimates (fixed parameters at their values).
    se : ndarray
        Standard errors; NaN for fixed parameters.
    fixed : ndarray of bool
        Which parameters were held fixed.
    cov : ndarray
        Covariance of the estimated parameters.
    stat_names : tuple of str
        The statistics of the estimated parameters.
    targets : ndarray
        The observed statistics the method of moments matches.
    sim_mean, sim_sd : ndarray
        Phase 3's mean and standard deviation of the simulated statistics.
    t_ratios : ndarray
        The convergence t-ratios (sim_mean - targets) / sim_sd.
    max_ratio : float
        The overall maximum convergence ratio (RSiena's ``tconv.max``).
    derivative : ndarray
        The derivative of the expected statistics by the parameters.
    iterations : dict
        The iterations of each phase.
    seconds : float
        Wall-clock time of the estimation.
    phase3 : Phase3 or None
        The phase-3 simulations (for score-type and time tests); None when not kept.
    """

    names: tuple[Parameter, ...]
    theta: np.ndarray
    se: np.ndarray  # NaN for fixed parameters
    fixed: np.ndarray
    cov: np.ndarray  # of the estimated parameters
    stat_names: tuple[str, ...]
    targets: np.ndarray
    sim_mean: np.ndarray
    sim_sd: np.ndarray
    t_ratios: np.ndarray
    max_ratio: float
    derivative: np.ndarray
    iterations: dict = field(default_factory=dict)
    seconds: float = 0.0
    phase3: Phase3 | None = None

    @property
    def converged(self) -> bool:
        """RSiena's rule of thumb: every |t| < 0.1 and the overall ratio < 0.25."""
        return bool(np.all(np.abs(self.t_ratios) < T_MAX) and self.max_ratio < RATIO_MAX)

    def as_dict(self) -> dict[Parameter, float]:
        """Parameter -> estimate (keys equal their printed names: ``d["density"]``)."""
        return {Parameter.parse(k): float(v)
                for k, v in zip(self.names, self.theta, strict=True)}

    def __getitem__(self, name: str | Parameter) -> float:
        """The estimate of parameter ``name`` (``est["density"]``)."""
        return float(self.theta[self.index(name)])

    def __contains__(self, name: object) -> bool:
        return str(name) in {str(p) for p in self.names}

    def __iter__(self):
        """The parameters' names, in order (``dict(zip(est, est.theta))``)."""
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return (f"<Estimate: {len(self.names)} parameters ({', '.join(map(str, self.names))}); "
                f"overall maximum convergence ratio {self.max_ratio:.3f}; .table() prints it>")

    def index(self, name: str | Parameter) -> int:
        """The position of parameter ``name`` in :attr:`names`; ValueError naming the
        parameters if it is not one."""
        try:
            return [str(p) for p in self.names].index(str(name))  # a Parameter equals its name
        except ValueError:
            raise UnknownParameter(f"no parameter {str(name)!r}; parameters: "
                             f"{', '.join(map(str, self.names))}") from None

    def cov_names(self) -> list[str]:
        """The parameters :attr:`cov` is over: the estimated ones (for a conditional fit,
        whose rates are estimated afterwards, the estimated effects); ValueError if
        :attr:`cov` fits neither."""
        free = [str(n) for n, f in zip(self.names, self.fixed, strict=True) if not f]
        if len(free) != len(self.cov):
            free = [n for n in free if not Parameter.parse(n).is_rate]
        if len(free) != len(self.cov):
            raise ValueError(f"covariance of {len(self.cov)} parameters; estimated: {free}")
        return free

    def table(self) -> str:
        """The report: parameters with SEs, statistics against targets, convergence."""
        rows = [f"{'parameter':<28}{'estimate':>10}{'SE':>9}"]
        for name, v, s, f in zip(self.names, self.theta, self.se, self.fixed, strict=True):
            rows.append(f"{name:<28}{v:>10.3f}{'fixed' if f else f'{s:.3f}':>9}")
        rows.append("")
        rows.append(f"{'statistic':<28}{'target':>10}{'simulated':>11}{'sd':>9}{'t-ratio':>9}")
        for stat, t, m, s, r in zip(self.stat_names, self.targets, self.sim_mean, self.sim_sd,
                                    self.t_ratios, strict=True):
            rows.append(f"{stat:<28}{t:>10.2f}{m:>11.2f}{s:>9.2f}{r:>9.3f}")
        verdict = "converged" if self.converged else "NOT converged (|t| >= 0.1 or ratio >= 0.25)"
        rows.append(f"\noverall maximum convergence ratio {self.max_ratio:.3f}: {verdict}")
        return "\n".join(rows)

    def to_frame(self):
        """One row per parameter: ``parameter`` (its name), ``estimate``, ``se`` (NaN when
        fixed), ``fixed``, and for the estimated ones ``target``, ``simulated``, ``sd``,
        ``t_ratio`` of its statistic (NaN for fixed parameters and a conditional fit's
        rates, which have no statistic)."""
        import pandas as pd

        stats = dict(zip(self.stat_names, zip(self.targets, self.sim_mean, self.sim_sd,
                                              self.t_ratios, strict=True), strict=True))
        nan4 = (np.nan,) * 4
        rows = []
        for name, v, s, f in zip(self.names, self.theta, self.se, self.fixed, strict=True):
            p = Parameter.parse(name)
            rows.append((str(p), float(v), float(s), bool(f),
                         *(nan4 if f else stats.get(p.statistic, nan4))))
        return pd.DataFrame(rows, columns=["parameter", "estimate", "se", "fixed", "target",
                                           "simulated", "sd", "t_ratio"])


def run_rows(networks: np.ndarray, ministeps: dict[str, np.ndarray],
             behaviours: dict[str, np.ndarray]) -> tuple[list[str], list[tuple]]:
    """Columns and rows (one per simulated run) of simulated periods: the ties of the
    final network, each variable's ministeps, each behaviour's mean final value."""
    columns = ["ties", *(f"ministeps {k}" for k in ministeps), *(f"mean {k}" for k in
                                                                   behaviours)]
    ties = (np.asarray(networks) != 0).sum(axis=(1, 2))
    values = [ties, *ministeps.values(), *(np.asarray(v).mean(1) for v in behaviours.values())]
    return columns, [tuple(float(c[r]) for c in values) for r in range(len(ties))]


def runs_table(networks, ministeps, behaviours) -> str:
    """The runs of :func:`run_rows` summarised: each column's mean and sd over the runs."""
    columns, rows = run_rows(networks, ministeps, behaviours)
    values = np.array(rows, dtype=float).reshape(len(rows), len(columns))
    out = [f"{len(rows)} runs of {np.shape(networks)[1]} actors", f"{'':<20}{'mean':>10}"
           f"{'sd':>9}"]
    sd = values.std(0, ddof=1) if len(rows) > 1 else np.zeros(len(columns))
    out += [f"{c:<20}{values[:, k].mean():>10.2f}{sd[k]:>9.2f}" for k, c in enumerate(columns)]
    return "\n".join(out)


def runs_frame(networks, ministeps, behaviours):
    """:func:`run_rows` as a pandas DataFrame (pandas imported here)."""
    import pandas as pd

    columns, rows = run_rows(networks, ministeps, behaviours)
    return pd.DataFrame(rows, columns=columns)
