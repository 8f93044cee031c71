"""Method-of-moments estimation of a SAOM by stochastic approximation (Robbins-Monro).

Snijders (2001), "The statistical evaluation of social network dynamics", Sociological
Methodology 31; the estimation chapter of the RSiena manual (Ripley et al.). For observed
waves x(t0), x(t1), ..., the parameters are one basic rate per period and the objective
function parameters beta_k; theta is chosen so that the expected statistics of periods
simulated from the observed waves equal their observed values:

- rate of period m: the Hamming distance sum_ij |x_ij(t_m+1) - x_ij(t_m)|;
- effect k: sum over periods of sum_i s_ik(x(t_m+1)) (:mod:`sim.saom.effect_statistics`).

The algorithm (:func:`robbins_monro`) works for any statistics function with common
random numbers: phase 1 estimates the derivative matrix D = dE[S]/dtheta by finite
differences with common random numbers and takes one Newton step; phase 2 runs
``subphases`` Robbins-Monro subphases theta <- theta - a D0^-1 (S - target), the gain a
halving each subphase, D0 = D with its off-diagonal shrunk by ``1 - diagonalize``,
subphase k lasting at least (7 + p) 2.52^(k-1) iterations and ending once every statistic's
successive deviations are negatively correlated (at most 200 more), theta then set to the
subphase's average; phase 3 simulates ``n3`` times at the estimate for the convergence
t-ratios (mean - target) / sd, the overall maximum convergence ratio
sqrt(d' Sigma^-1 d) over the deviations d of the means, and the covariance of the estimate
D^-1 Sigma D^-T (delta method, Snijders 2001, section 6).

Randomness: every simulation's seeds derive from (seed, phase, iteration), so the same seed
gives the same estimate on any number of threads.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.saom import specification
from sim.saom.dask_periods import spread
from sim.saom.data import ClassData, Data
from sim.saom.effect_statistics import hamming
from sim.saom.model import Model
from sim.saom.names import Parameter, rate
from sim.saom.observed import _without_dummies, class_periods, classes_periods
from sim.saom.periods import (
    Period,
    layout,
    observed_statistics,
    simulate_statistics,
)
from sim.saom.results import Estimate, Phase3
from sim.saom.rng import SeedLike
from sim.saom.robbins_monro import Algorithm, robbins_monro

if TYPE_CHECKING:
    from dask.distributed import Client


def _fit(periods: list[Period], ends: list[np.ndarray], effects: dict[str, float],
         rates_of: list[Parameter], model: Model, seed, settings, clock: float,
         client: Client | None = None) -> Estimate:
    """Method of moments for ``periods`` (period m from its ``x0`` to ``ends[m]``, its rate
    ``rates_of[m]``, behaviour b's the same period's rate of b) with common effect
    parameters, and ``model``'s time dummies (:func:`_without_dummies`; the statistic of
    effect k's dummy of period m is effect k's statistic of period m); the periods
    simulated on ``client``'s Dask workers if given (:mod:`sim.saom.dask_periods`)."""
    m_count, n_beh, k_count, _ = layout(periods)
    spec0 = periods[0].spec
    variables = [b.name for b in spec0.behaviours]
    beh_rates_of = [rate(r.period, r.group, b) for b in variables for r in rates_of]
    dummies = _without_dummies(model, m_count)[1]
    if dummies and client is not None:
        raise ValueError("time dummies are simulated here, not on Dask workers; allowed "
                         "with them: no scheduler")
    names = tuple([*rates_of, *beh_rates_of]
                  + [Parameter.parse(k) for k in [*effects, *spec0.beh_labels]] + [*dummies])
    all_rates = [*rates_of, *beh_rates_of]
    changes = [hamming(ends[m], per.x0) for m, per in enumerate(periods)]
    moves = [np.abs(per.behaviour_values(1)[b] - per.behaviour_values(0)[b]).sum()
             for b in range(n_beh) for per in periods]
    quiet = [k for k, c in enumerate(changes + moves) if c == 0]
    if quiet:
        period = str(all_rates[quiet[0]]).removeprefix("rate ")
        raise ValueError(f"period {period}: its two waves are identical, no change to "
                         f"estimate the rate from")
    starts = model.rates
    if starts is None:
        starts = tuple(max(2.0 * float(c) / per.spec.n, 0.5)
                       for per, c in zip(periods, changes, strict=True))
    rates = [specification.finite_number(r, "starting rate") for r in starts]
    if len(rates) != m_count or min(rates) <= 0:
        raise ValueError(f"rates needs {m_count} positive starting values, one per period")
    beh_rates = [max(2.0 * c / spec0.n, 0.5) for c in moves]
    theta0 = np.array(rates + beh_rates + list(effects.values()) + list(spec0.beh.beta)
                      + list(dummies.values()), dtype=float)
    fixed = model.fixed
    unknown = [f for f in fixed if f not in names]
    if unknown:
        raise ValueError(f"fixed names '{unknown[0]}', not a parameter; parameters: "
                         f"{', '.join(map(str, names))}")
    is_fixed = np.array([k in fixed for k in names])
    free_keys = [k for k in names if k not in fixed]
    tied = [k for k in ("density[creation]", "density[endow]") if k in free_keys]
    rates_free = any(k.is_rate for k in free_keys)
    if tied and "density" in free_keys and rates_free:
        raise ValueError(f"{tied[0]!r} is not identified next to density and the rates: "
                         f"ties gained and lost are (changes +- (ties at the end - ties at "
                         f"the start)) / 2; fix one of them (e.g. the rates) or use another "
                         f"endowment effect (recip[endow], a covariate's)")
    positive = np.array([k.is_rate for k in names])
    period_targets = np.zeros((m_count, len(effects) + len(spec0.beh_labels)))
    cells = [(d.period - 1, list(effects).index(d.effect)) for d in dummies]
    observed = observed_statistics(periods, ends, period_targets)
    observed = np.concatenate([observed, [period_targets[c] for c in cells]])
    stat_names = tuple(k.statistic for k in names)
    free = ~is_fixed
    targets = np.asarray(observed[free] if model.targets is None else model.targets,
                         dtype=float)
    if targets.shape != (int(free.sum()),) or not np.isfinite(targets).all():
        raise ValueError(f"targets must be {int(free.sum())} finite numbers (rates first), "
                         f"got {targets!r}")

    keep = _Keep(names, observed, names[len(all_rates):len(names) - len(dummies)], rates_of,
                 period_targets)
    core = len(names) - len(dummies)
    base = len(all_rates)

    def simulate(theta, seed_, runs, with_scores):
        by_period = keep.arrays(runs) if with_scores or dummies else None
        betas = None
        if dummies:
            betas = np.tile(theta[base:base + k_count], (m_count, 1))
            for (m, k), value in zip(cells, theta[core:], strict=True):
                betas[m, k] += value
        stats, u = simulate_statistics(periods, theta[:core], seed_, runs, with_scores,
                                       by_period=by_period, betas=betas, packed=packed)
        if dummies:
            stats = np.hstack([stats, by_period[0][:, [m for m, _ in cells],
                                                   [k for _, k in cells]]])
            if u is not None:
                u = np.hstack([u, by_period[1][:, [m for m, _ in cells], [k for _, k in cells]]])
        return (stats[:, free], (None if u is None else u[:, free]),
                keep.record(stats, u, by_period) if with_scores else None)

    with spread(periods, client) if not dummies else nullcontext() as packed:
        res = robbins_monro(simulate, theta0, targets, fixed=is_fixed, positive=positive,
                            seed=seed, algorithm=settings or Algorithm())
    se = np.full(len(names), np.nan)
    se[free] = np.sqrt(np.clip(np.diag(res.cov), 0, None))
    return Estimate(names, res.theta, se, is_fixed, res.cov,
                    tuple(s for s, f in zip(stat_names, free, strict=True) if f), targets,
                    res.mean, res.sd, res.t, res.ratio, res.derivative,
                    res.iterations, time.perf_counter() - clock, _phase3(res.record))


def _phase3(record: object) -> Phase3 | None:
    return record if isinstance(record, Phase3) else None


@dataclass(frozen=True)
class _Keep:
    """What a fit keeps of its phase-3 simulations (:class:`sim.saom.results.Phase3`):
    the parameters with statistics and their observed values, the effects and each
    period's observed effect statistics, the periods' rates (for their labels)."""

    names: tuple[Parameter, ...]
    targets: np.ndarray
    effects: tuple[Parameter, ...]
    rates_of: list[Parameter]
    period_targets: np.ndarray

    def arrays(self, runs: int) -> tuple[np.ndarray, np.ndarray]:
        shape = (runs, *self.period_targets.shape)
        return np.zeros(shape), np.zeros(shape)

    def record(self, stats, u, by_period) -> Phase3:
        labels = tuple(str(r).removeprefix("rate ") for r in self.rates_of)
        return Phase3(self.names, stats, u, self.targets, self.effects, labels,
                      by_period[0], by_period[1], self.period_targets)


def _fit_conditional(periods: list[Period], ends: list[np.ndarray], effects: dict[str, float],
                     rates_of: list[Parameter], fixed, seed, settings,
                     clock: float, client: Client | None = None) -> Estimate:
    """Conditional method of moments (RSiena's ``cond = TRUE``): each period is simulated
    with basic rate 1 until as many tie variables have changed as between its observed
    waves, so the rates leave the Robbins-Monro iteration; the effects fit their targets,
    and each period's rate (named ``rates_of[m]``) is estimated afterwards as the mean
    simulated time its changes took (RSiena: ``z$rate``), its standard error the times'
    standard deviation (``z$vrate``), from phase 3's simulations at the estimate; the
    periods simulated on ``client``'s Dask workers if given."""
    if any(per.spec.behaviours for per in periods) or any(
            per.unobserved is not None or per.fixed_end is not None for per in periods):
        raise ValueError("conditional estimation needs complete waves of a network without "
                         "behaviours, missing ties or structural codes; allowed there: "
                         "conditional=False")
    m_count = len(periods)
    distances = [int(hamming(ends[m], per.x0)) for m, per in enumerate(periods)]
    if min(distances) == 0:
        period = str(rates_of[distances.index(0)]).removeprefix("rate ")
        raise ValueError(f"period {period}: its two waves are identical")
    names = [Parameter.parse(k) for k in effects]
    unknown = [f for f in fixed if f not in names]
    if unknown:
        raise ValueError(f"fixed names '{unknown[0]}', not an effect; effects: "
                         f"{', '.join(map(str, names))}")
    is_fixed = np.array([k in fixed for k in names])
    free = ~is_fixed
    period_targets = np.zeros((m_count, len(names)))
    observed = observed_statistics(periods, ends, period_targets)[m_count:]
    targets = observed[free]
    settings = settings or Algorithm()
    keep = _Keep(tuple(names), observed, tuple(names), rates_of, period_targets)

    def runs_of(theta, seed_, runs, with_scores, by_period=None):  # rates 1, until distances
        times = np.zeros((runs, m_count))
        out, u = simulate_statistics(periods, np.concatenate([np.ones(m_count), theta]),
                                     seed_, runs, with_scores, distances, times, by_period,
                                     packed=packed)
        return out[:, m_count:], None if u is None else u[:, m_count:], times

    scored_times: list[np.ndarray] = []  # the times of the last simulations with scores: phase 3's

    def simulate(theta, seed_, runs, with_scores):
        by_period = keep.arrays(runs) if with_scores else None
        stats, u, times = runs_of(theta, seed_, runs, with_scores, by_period)
        if with_scores:
            scored_times[:] = [times]
        return (stats[:, free], (None if u is None else u[:, free]),
                None if by_period is None else keep.record(stats, u, by_period))

    with spread(periods, client) as packed:
        res = robbins_monro(simulate, np.array(list(effects.values()), dtype=float), targets,
                            fixed=is_fixed, seed=seed, algorithm=settings)
    times = scored_times[0]  # the final phase 3, at the estimate
    se = np.full(len(names), np.nan)
    se[free] = np.sqrt(np.clip(np.diag(res.cov), 0, None))
    return Estimate((*rates_of, *names), np.concatenate([times.mean(0), res.theta]),
                    np.concatenate([times.std(0, ddof=1), se]),
                    np.concatenate([np.zeros(m_count, bool), is_fixed]), res.cov,
                    tuple(n.statistic for n, f in zip(names, free, strict=True) if f),
                    targets, res.mean, res.sd, res.t, res.ratio, res.derivative,
                    res.iterations, time.perf_counter() - clock, _phase3(res.record))


def fit_class(data: ClassData, model: Model, seed: SeedLike, algorithm: Algorithm | None,
              conditional: bool, client: Client | None = None) -> Estimate:
    """The method-of-moments fit of ``model`` to one class (:func:`sim.saom.estimate`);
    its rates are named ``rate 1``, ``rate 2``, ... Raises ValueError on bad input."""
    clock = time.perf_counter()
    if data.composition is not None and (conditional or data.behaviours):
        raise ValueError("composition change works with the unconditional estimation of a "
                         "network; drop conditional or behaviours")
    periods, ends, effects, rates_of = class_periods(data, model)
    if conditional:
        if _without_dummies(model, len(periods))[1]:
            raise ValueError("time dummies are estimated unconditionally; allowed: "
                             "conditional=False")
        return _fit_conditional(periods, ends, effects, rates_of, model.fixed, seed,
                                algorithm, clock, client)
    return _fit(periods, ends, effects, rates_of, model, seed, algorithm, clock, client)


def fit_classes(data: Data, model: Model, seed: SeedLike, algorithm: Algorithm | None,
                conditional: bool, client: Client | None = None) -> Estimate:
    """One model fitted to several classes, as RSiena fits ``sienaGroupCreate`` data
    (:func:`sim.saom.estimate`): the effect parameters are common, every period of every
    class has its own rate, ``rate <class> <period>``. As in sienaGroupCreate, an actor
    covariate is centred by its mean over the actors of all classes, simX by the mean
    similarity over the pairs of all classes with the range of all classes, and a dyadic
    covariate by its mean over the pairs of all classes. Behaviours have common effect
    parameters and a rate per class and period; each class's range, mean and simMean are
    its own, as RSiena's ``BehaviorLongitudinalData`` computes them per group."""
    clock = time.perf_counter()
    periods, ends, effects, rates_of = classes_periods(data, model)
    if conditional:
        return _fit_conditional(periods, ends, effects, rates_of, model.fixed, seed,
                                algorithm, clock, client)
    return _fit(periods, ends, effects, rates_of, model, seed, algorithm, clock, client)
