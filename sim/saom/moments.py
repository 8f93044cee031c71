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

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from sim.saom import behaviour as bh
from sim.saom import composition as comp
from sim.saom import effects as fx
from sim.saom import specification
from sim.saom.data import ClassData, Data
from sim.saom.effect_statistics import hamming
from sim.saom.model import Model
from sim.saom.names import DUMMY, Parameter, rate
from sim.saom.periods import (
    Period,
    layout,
    observed_statistics,
    prepare_period,
    simulate_statistics,
)
from sim.saom.results import Estimate, Phase3
from sim.saom.rng import SeedLike
from sim.saom.robbins_monro import Algorithm, child_seed, robbins_monro
from sim.saom.start import Start


def _periods(waves: Sequence[np.ndarray], data: ClassData, model: Model,
             behaviours: Mapping | None = None) -> list[Period]:
    """The periods between ``waves`` (the class's waves as estimated: missing ties filled),
    each starting from its wave with ``data``'s covariates and structural zeros and the
    ``behaviours`` given (default: none), for ``model`` (its effects mapped to values)."""
    return [prepare_period(Start(waves[m], covariates=data.covariates, dyadic=data.dyadic,
                                 behaviours=behaviours or {},
                                 structural_zeros=data.structural_zeros), model, wave=m)
            for m in range(len(waves) - 1)]


def _checked_waves(waves, where: str = "") -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The waves with missing tie values (NaN) filled as RSiena fills them, and the masks
    of the missing cells. A missing value takes the last observed value of that tie in
    an earlier wave, 0 if there is none; the diagonal is ignored."""
    if isinstance(waves, np.ndarray) and waves.ndim == 3:
        waves = list(waves)
    if not isinstance(waves, Sequence) or len(waves) < 2:
        raise ValueError(f"{where}waves must be a sequence of at least two n x n networks")
    filled: list[np.ndarray] = []
    missing: list[np.ndarray] = []
    for k, w in enumerate(waves):
        a = np.array(w, dtype=float) if np.asarray(w).dtype.kind == "f" else np.asarray(w)
        miss = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, dtype=bool)
        if a.ndim == 2 and a.shape[0] == a.shape[1]:
            np.fill_diagonal(miss, False)
            if a.dtype.kind == "f":
                np.fill_diagonal(a, 0.0)
        if miss.any():
            previous = filled[-1] if filled and filled[-1].shape == a.shape else 0
            a = np.where(miss, previous, a)
        filled.append(specification.check_network(a, f"{where}wave {k + 1}"))
        missing.append(miss)
    n = filled[0].shape[0]
    for k, w in enumerate(filled):
        if w.shape != (n, n):
            raise ValueError(f"{where}wave {k + 1} is {w.shape[0]} x {w.shape[1]}, wave 1 is "
                             f"{n} x {n}: all waves need the same actors")
    return filled, missing


def _check_cap(waves: list[np.ndarray], missing: list[np.ndarray], cap: int | None,
               where: str = "") -> None:
    """RSiena's check of MaxDegree against the data: no observed wave (each one, the last
    too; a missing tie counts as absent) may have an out-degree above the cap, else the
    simulations could never reach the observed statistics."""
    if cap is None:
        return
    out = [np.where(m, 0, w).sum(1) for w, m in zip(waves, missing, strict=True)]
    largest = max(int(o.max()) for o in out)
    if largest > cap:
        k = next(k for k, o in enumerate(out) if o.max() == largest)
        raise ValueError(f"{where}wave {k + 1}: actor {int(out[k].argmax())} names {largest} "
                         f"friends, more than max_outdegree = {cap} (RSiena's MaxDegree); "
                         f"allowed: at least {largest}, the largest observed out-degree, or "
                         f"None")


STRUCTURAL_ZERO, STRUCTURAL_ONE = 10, 11
"""RSiena's codes for tie values fixed by design in a wave: absent (10) or present (11)."""


def _structural(waves) -> tuple[list, list[np.ndarray]]:
    """The waves with RSiena's structural codes 10 and 11 read as 0 and 1, and the masks
    of the structurally fixed cells of each wave."""
    if isinstance(waves, np.ndarray) and waves.ndim == 3:
        waves = list(waves)
    if not isinstance(waves, Sequence):
        return waves, []
    out, fixed = [], []
    for w in waves:
        a = np.asarray(w)
        mask = np.isin(a, (STRUCTURAL_ZERO, STRUCTURAL_ONE)) if a.dtype.kind in "biuf" \
            else np.zeros(np.shape(a), dtype=bool)
        out.append(np.where(mask, a - STRUCTURAL_ZERO, a) if mask.any() else w)
        fixed.append(mask)
    return out, fixed


def _with_missing(periods: list[Period], missing: list[np.ndarray],
                  structural: list[np.ndarray] | None = None,
                  waves: list[np.ndarray] | None = None) -> list[Period]:
    """Periods with tie variables missing at their start or end carry them; tie
    variables structurally fixed at a period's start cannot change in it, and those fixed
    at its end take their fixed value in its statistics (RSiena's treatment)."""
    out = []
    for m, per in enumerate(periods):
        unobserved = missing[m] | missing[m + 1]
        if unobserved.any():
            per = replace(per, unobserved=unobserved)
        if structural and (structural[m].any() or structural[m + 1].any()):
            assert waves is not None, "cells fixed at a period's end take the end wave's values"
            spec = replace(per.spec, allowed=np.where(structural[m], 0, per.spec.allowed)
                           .astype(np.int8))
            per = replace(per, spec=spec, fixed_end=structural[m + 1],
                          fixed_values=waves[m + 1])
        out.append(per)
    return out


def _start_values(effects, groups: list[list[np.ndarray]]) -> dict[str, float]:
    """Effects as a mapping to starting values: given, or (for a name given without one,
    or mapped to None) density at half the logit of the mean observed density and the
    others 0 (with density alone, the stationary odds of a tie are exp(2 beta): it is made
    with weight exp(beta) and dropped with exp(-beta))."""
    given = effects if isinstance(effects, Mapping) else dict.fromkeys(effects)
    if any(v is None for v in given.values()):
        dens = float(np.mean([w.sum() / (len(w) * (len(w) - 1)) for g in groups for w in g]))
        dens = min(max(dens, 1e-3), 1 - 1e-3)
        effects = {k: (v if v is not None else 0.5 * math.log(dens / (1 - dens))
                       if k == "density" else 0.0) for k, v in given.items()}
    for k in effects:
        if fx.split_type(k)[1] != "eval" and "gwespFF" in k:
            raise ValueError(f"cannot estimate {k!r}: gwespFF has no creation or endowment "
                             f"statistic; allowed types of gwespFF: eval")
    return dict(effects)


def _fit(periods: list[Period], ends: list[np.ndarray], effects: dict[str, float],
         rates_of: list[Parameter], model: Model, seed, settings, clock: float) -> Estimate:
    """Method of moments for ``periods`` (period m from its ``x0`` to ``ends[m]``, its rate
    ``rates_of[m]``, behaviour b's the same period's rate of b) with common effect
    parameters, and ``model``'s time dummies (:func:`_without_dummies`; the statistic of
    effect k's dummy of period m is effect k's statistic of period m)."""
    m_count, n_beh, k_count, _ = layout(periods)
    spec0 = periods[0].spec
    variables = [b.name for b in spec0.behaviours]
    beh_rates_of = [rate(r.period, r.group, b) for b in variables for r in rates_of]
    dummies = _without_dummies(model, m_count)[1]
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
                                       by_period=by_period, betas=betas)
        if dummies:
            stats = np.hstack([stats, by_period[0][:, [m for m, _ in cells],
                                                   [k for _, k in cells]]])
            if u is not None:
                u = np.hstack([u, by_period[1][:, [m for m, _ in cells], [k for _, k in cells]]])
        return (stats[:, free], (None if u is None else u[:, free]),
                keep.record(stats, u, by_period) if with_scores else None)

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
                     clock: float) -> Estimate:
    """Conditional method of moments (RSiena's ``cond = TRUE``): each period is simulated
    with basic rate 1 until as many tie variables have changed as between its observed
    waves, so the rates leave the Robbins-Monro iteration; the effects fit their targets,
    and each period's rate (named ``rates_of[m]``) is estimated afterwards as the mean
    simulated time its changes took (RSiena: ``z$rate``), its standard error the times'
    standard deviation (``z$vrate``), from ``settings.n3`` simulations at the estimate."""
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
                                     seed_, runs, with_scores, distances, times, by_period)
        return out[:, m_count:], None if u is None else u[:, m_count:], times

    def simulate(theta, seed_, runs, with_scores):
        by_period = keep.arrays(runs) if with_scores else None
        stats, u, _ = runs_of(theta, seed_, runs, with_scores, by_period)
        return (stats[:, free], (None if u is None else u[:, free]),
                None if by_period is None else keep.record(stats, u, by_period))

    res = robbins_monro(simulate, np.array(list(effects.values()), dtype=float), targets,
                        fixed=is_fixed, seed=seed, algorithm=settings)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    _, _, times = runs_of(res.theta, child_seed(root, 4), settings.n3, False)
    se = np.full(len(names), np.nan)
    se[free] = np.sqrt(np.clip(np.diag(res.cov), 0, None))
    return Estimate((*rates_of, *names), np.concatenate([times.mean(0), res.theta]),
                    np.concatenate([times.std(0, ddof=1), se]),
                    np.concatenate([np.zeros(m_count, bool), is_fixed]), res.cov,
                    tuple(n.statistic for n, f in zip(names, free, strict=True) if f),
                    targets, res.mean, res.sd, res.t, res.ratio, res.derivative,
                    res.iterations, time.perf_counter() - clock, _phase3(res.record))


def fit_class(data: ClassData, model: Model, seed: SeedLike, algorithm: Algorithm | None,
              conditional: bool) -> Estimate:
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
                                algorithm, clock)
    return _fit(periods, ends, effects, rates_of, model, seed, algorithm, clock)


def class_periods(data: ClassData, model: Model) -> tuple[list[Period], list[np.ndarray],
                                                          dict[str, float], list[Parameter]]:
    """What :func:`fit_class` fits: the periods (missing ties filled, structural codes
    read, composition change attached), their end waves, the effects mapped to starting
    values and the rates' names. Raises ValueError on bad input."""
    waves, structural = _structural(list(data.waves))
    waves, change = comp.prepare(data.composition, waves)
    waves, missing = _checked_waves(waves)
    _check_cap(waves, missing, model.max_outdegree)
    model, _ = _without_dummies(model, len(waves) - 1)  # _fit adds their parameters
    effects = _start_values(model.effects, [waves])
    behaviours, behaviour_effects = _behaviour_model(data.behaviours, model.behaviour_effects,
                                                     len(waves))
    valued = replace(model, effects=effects, behaviour_effects=behaviour_effects)
    periods = _with_missing(_periods(waves, data, valued, behaviours), missing, structural,
                            waves)
    periods = comp.attach(periods, change)
    return periods, waves[1:], effects, [rate(m + 1) for m in range(len(periods))]


def _without_dummies(model: Model, m_count: int) -> tuple[Model, dict[Parameter, float]]:
    """``model`` without its time dummies (effects named ``<effect> x period <m>``,
    RSiena's ``includeTimeDummy``), and the dummies mapped to their starting values
    (default 0); ValueError for a dummy of an effect the model does not have or of a
    period it does not have."""
    given = model.effects if isinstance(model.effects, Mapping) else \
        dict.fromkeys(model.effects)
    dummies = {Parameter.parse(k): v for k, v in given.items() if DUMMY in k}
    if not dummies:
        return model, {}
    rest = {k: v for k, v in given.items() if DUMMY not in k}
    for d in dummies:
        if d.effect not in rest:
            raise ValueError(f"time dummy {str(d)!r}: {d.effect!r} is not a network effect "
                             f"of the model; effects: {', '.join(rest)}")
        if d.period > m_count:
            raise ValueError(f"time dummy {str(d)!r}: the data have {m_count} periods; "
                             f"allowed: period 2 to {m_count}")
    starts = {d: 0.0 if v is None else v for d, v in dummies.items()}
    return replace(model, effects=rest if isinstance(model.effects, Mapping)
                   else tuple(rest)), starts


def _behaviour_model(behaviours: Mapping | None, effects: Mapping | None,
                     n_waves: int) -> tuple[dict, dict]:
    """Validated behaviours (each with one column per wave) and their effects as mappings
    to starting values."""
    if not behaviours:
        if effects:
            raise ValueError("behaviour_effects given without behaviours")
        return {}, {}
    if not isinstance(behaviours, Mapping):
        raise ValueError("behaviours must be a mapping of names to (n, waves) arrays")
    made = {k: v if isinstance(v, bh.Behaviour) else bh.behaviour(k, v)
            for k, v in behaviours.items()}
    for k, b in made.items():
        if b.waves.shape[1] != n_waves:
            raise ValueError(f"behaviour {k!r} has {b.waves.shape[1]} waves, the network "
                             f"{n_waves}: give one column per wave")
    effects = dict(effects or {})
    out = {}
    for k in made:
        given = effects.get(k, ("linear", "quad"))
        out[k] = dict(given) if isinstance(given, Mapping) else {e: 0.0 for e in given}
    out.update({k: v for k, v in effects.items() if k not in made})  # build() names them
    return made, out


def fit_classes(data: Data, model: Model, seed: SeedLike, algorithm: Algorithm | None,
                conditional: bool) -> Estimate:
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
                                algorithm, clock)
    return _fit(periods, ends, effects, rates_of, model, seed, algorithm, clock)


def classes_periods(data: Data, model: Model) -> tuple[list[Period], list[np.ndarray],
                                                      dict[str, float], list[Parameter]]:
    """What :func:`fit_classes` fits (as :func:`class_periods`, for every class, with
    the pooled centring of covariates). Raises ValueError on bad input."""
    classes = data.classes
    if any(c.composition is not None for c in classes) and any(c.behaviours for c in classes):
        raise ValueError("composition change works with networks without behaviours: give "
                         "change lists or behaviours, not both")
    coded = [_structural(list(c.waves)) for c in classes]  # RSiena's 10 and 11, per class
    changes = [comp.prepare(c.composition, w) for (w, _), c in zip(coded, classes, strict=True)]
    checked = [_checked_waves(g, f"class {c.name}: ") for (g, _), c in zip(changes, classes,
                                                                           strict=True)]
    waves = [w for w, _ in checked]
    for (w, miss), c in zip(checked, classes, strict=True):
        _check_cap(w, miss, model.max_outdegree, f"class {c.name}: ")
    if _without_dummies(model, max(len(w) for w in waves))[1]:
        raise ValueError("time dummies are for one class; allowed: a model without "
                         "'<effect> x period <m>' effects for several classes")
    effects = _start_values(model.effects, waves)
    periods, members, ends, rates_of = [], [], [], []
    for g, (w, c) in enumerate(zip(waves, classes, strict=True)):
        beh, beh_effects = _behaviour_model(c.behaviours, model.behaviour_effects, len(w))
        made = _periods(w, c, replace(model, effects=effects, behaviour_effects=beh_effects),
                        beh)
        made = comp.attach(_with_missing(made, checked[g][1], coded[g][1], w), changes[g][1])
        for m, per in enumerate(made):
            periods.append(per)
            members.append(g)
            ends.append(w[m + 1])
            rates_of.append(rate(m + 1, c.name))
    _pool_covariate_statistics(periods, members, [c.covariates for c in classes],
                               model.rate_effects or {})
    _pool_dyadic_means(periods, [c.dyadic for c in classes])
    return periods, ends, effects, rates_of


def _pool_dyadic_means(periods: list[Period], dyadic: list[Mapping]) -> None:
    """Centre each dyadic covariate of every period by its mean over the ordered pairs
    i != j of all classes (sienaGroupCreate's centring)."""
    for d, name in enumerate(dyadic[0]):
        values = [np.asarray(c[name], dtype=float) for c in dyadic]
        total = sum(v.sum() - np.trace(v) for v in values)
        mean = total / sum(len(v) * (len(v) - 1) for v in values)
        for per in periods:
            per.spec.data.dyadic_means[d] = mean


def _pool_covariate_statistics(periods: list[Period], classes: list[int],
                               covariates: list[Mapping], rate_effects: Mapping) -> None:
    """Centre each actor covariate of every period by its mean over all classes, with the
    pooled range and the pooled mean similarity (sienaGroupCreate's centring); rate effects
    likewise."""
    for a, name in enumerate(covariates[0]):
        values = [np.asarray(c[name], dtype=float) for c in covariates]
        pooled = np.concatenate(values)
        mean, rng = pooled.mean(), pooled.max() - pooled.min()
        alpha = sum(float(v) for k, v in rate_effects.items() if fx.parse_rate_key(k) == name)
        pairs = sum(len(v) * (len(v) - 1) for v in values)
        sim = (sum((1 - np.abs(v[:, None] - v[None, :]) / rng).sum() - len(v)
                   for v in values) / pairs) if rng > 0 else 0.0
        for per, g in zip(periods, classes, strict=True):
            per.spec.data.actor_stats[:, a] = mean, rng, sim
            # rates were centred by the class mean: move them to the pooled mean
            per.relative_rates[:] *= np.exp(alpha * (values[g].mean() - mean))
