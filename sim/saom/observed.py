"""The observed waves as the method of moments reads them (:mod:`sim.saom.moments`): the
periods between waves, each starting from its wave, with RSiena's treatment of missing tie
values (the last observed value, 0 if none), structural codes 10 and 11 (tie fixed absent
or present), the nomination cap (RSiena's ``MaxDegree``: no observed wave may exceed it),
composition change, time dummies (RSiena's ``includeTimeDummy``) and, for several classes,
sienaGroupCreate's pooled centring of covariates; and the starting values of the effects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from sim.saom import behaviour as bh
from sim.saom import composition as comp
from sim.saom import effects as fx
from sim.saom import specification
from sim.saom.data import ClassData, Data
from sim.saom.model import Model
from sim.saom.names import DUMMY, Parameter, rate
from sim.saom.periods import (
    Period,
    prepare_period,
)
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
