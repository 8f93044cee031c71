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
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from sim.saom import behaviour as bh
from sim.saom import composition as comp
from sim.saom import effects as fx
from sim.saom import specification
from sim.saom.effect_statistics import hamming
from sim.saom.periods import (  # noqa: F401 (simulate_networks: public here)
    Period,
    layout,
    observed_statistics,
    prepare_period,
    simulate_networks,
    simulate_statistics,
)
from sim.saom.rng import SeedLike
from sim.saom.robbins_monro import RATIO_MAX, T_MAX, Settings, child_seed, robbins_monro


@dataclass(frozen=True)
class Estimate:
    """Estimates, standard errors and the phase-3 check of convergence.

    ``names`` label the parameters (estimated and fixed) and ``stat_names`` the statistics
    of the estimated ones; ``t_ratios`` = (simulated mean - target) / simulated sd.
    """

    names: tuple[str, ...]
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

    @property
    def converged(self) -> bool:
        """RSiena's rule of thumb: every |t| < 0.1 and the overall ratio < 0.25."""
        return bool(np.all(np.abs(self.t_ratios) < T_MAX) and self.max_ratio < RATIO_MAX)

    def as_dict(self) -> dict:
        """Parameter name -> estimate."""
        return {k: float(v) for k, v in zip(self.names, self.theta, strict=True)}

    def table(self) -> str:
        """The report: parameters with SEs, statistics against targets, convergence."""
        rows = [f"{'parameter':<28}{'estimate':>10}{'SE':>9}"]
        for name, v, s, f in zip(self.names, self.theta, self.se, self.fixed, strict=True):
            rows.append(f"{name:<28}{v:>10.3f}{'fixed' if f else f'{s:.3f}':>9}")
        rows.append("")
        rows.append(f"{'statistic':<28}{'target':>10}{'simulated':>11}{'sd':>9}{'t-ratio':>9}")
        for name, t, m, s, r in zip(self.stat_names, self.targets, self.sim_mean, self.sim_sd,
                                    self.t_ratios, strict=True):
            rows.append(f"{name:<28}{t:>10.2f}{m:>11.2f}{s:>9.2f}{r:>9.3f}")
        verdict = "converged" if self.converged else "NOT converged (|t| >= 0.1 or ratio >= 0.25)"
        rows.append(f"\noverall maximum convergence ratio {self.max_ratio:.3f}: {verdict}")
        return "\n".join(rows)


def _periods(waves, effects, covariates, dyadic, rate_effects, max_outdegree,
             structural_zeros, behaviours=None, behaviour_effects=None,
             behaviour_rate_effects=None) -> list[Period]:
    return [prepare_period(waves[m], effects, covariates=covariates, dyadic=dyadic,
                           rate_effects=rate_effects, max_outdegree=max_outdegree,
                           structural_zeros=structural_zeros, behaviours=behaviours,
                           behaviour_effects=behaviour_effects,
                           behaviour_rate_effects=behaviour_rate_effects, wave=m)
            for m in range(len(waves) - 1)]


def _checked_waves(waves, where: str = "") -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The waves with missing tie values (NaN) filled as RSiena fills them, and the masks
    of the missing cells. A missing value takes the last observed value of that tie in
    an earlier wave, 0 if there is none; the diagonal is ignored."""
    if isinstance(waves, np.ndarray) and waves.ndim == 3:
        waves = list(waves)
    if not isinstance(waves, Sequence) or len(waves) < 2:
        raise ValueError(f"{where}waves must be a sequence of at least two n x n networks")
    filled, missing = [], []
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
            spec = replace(per.spec, allowed=np.where(structural[m], 0, per.spec.allowed)
                           .astype(np.int8))
            per = replace(per, spec=spec, fixed_end=structural[m + 1],
                          fixed_values=waves[m + 1])
        out.append(per)
    return out


def _start_values(effects, groups: list[list[np.ndarray]]) -> dict[str, float]:
    """Effects as a mapping to starting values: given, or density at half the logit of the
    mean observed density and the others 0 (with density alone, the stationary odds of a
    tie are exp(2 beta): it is made with weight exp(beta) and dropped with exp(-beta))."""
    if not isinstance(effects, Mapping):
        dens = float(np.mean([w.sum() / (len(w) * (len(w) - 1)) for g in groups for w in g]))
        dens = min(max(dens, 1e-3), 1 - 1e-3)
        effects = {k: (0.5 * math.log(dens / (1 - dens)) if k == "density" else 0.0)
                   for k in effects}
    for k in effects:
        if fx.split_type(k)[1] != "eval" and "gwespFF" in k:
            raise ValueError(f"cannot estimate {k!r}: gwespFF has no creation or endowment "
                             f"statistic; allowed types of gwespFF: eval")
    return dict(effects)


def _fit(periods: list[Period], ends: list[np.ndarray], effects: dict[str, float],
         labels: list[str], rates, fixed, targets, seed, settings, clock: float) -> Estimate:
    """Method of moments for ``periods`` (period m from its ``x0`` to ``ends[m]``, its rate
    named ``rate <labels[m]>``, behaviour b's ``rate <b> <labels[m]>``) with common effect
    parameters."""
    m_count, n_beh, _, _ = layout(periods)
    spec0 = periods[0].spec
    variables = [b.name for b in spec0.behaviours]
    rate_labels = [f"{b} {label}" for b in variables for label in labels]
    names = tuple([f"rate {label}" for label in [*labels, *rate_labels]] + list(effects)
                  + list(spec0.beh_labels))
    changes = [hamming(ends[m], per.x0) for m, per in enumerate(periods)]
    moves = [np.abs(per.behaviour_values(1)[b] - per.behaviour_values(0)[b]).sum()
             for b in range(n_beh) for per in periods]
    quiet = [k for k, c in enumerate(changes + moves) if c == 0]
    if quiet:
        raise ValueError(f"period {([*labels, *rate_labels])[quiet[0]]}: its two waves are "
                         f"identical, no change to estimate the rate from")
    if rates is None:
        rates = [max(2.0 * c / per.spec.n, 0.5) for per, c in zip(periods, changes,
                                                                   strict=True)]
    rates = [specification.finite_number(r, "starting rate") for r in rates]
    if len(rates) != m_count or min(rates) <= 0:
        raise ValueError(f"rates needs {m_count} positive starting values, one per period")
    beh_rates = [max(2.0 * c / spec0.n, 0.5) for c in moves]
    theta0 = np.array(rates + beh_rates + list(effects.values()) + list(spec0.beh.beta),
                      dtype=float)
    unknown = [f for f in fixed if f not in names]
    if unknown:
        raise ValueError(f"fixed names {unknown[0]!r}, not a parameter; parameters: "
                         f"{', '.join(names)}")
    is_fixed = np.array([k in fixed for k in names])
    free_keys = [k for k in names if k not in fixed]
    tied = [k for k in ("density[creation]", "density[endow]") if k in free_keys]
    rates_free = any(k.startswith("rate ") for k in free_keys)
    if tied and "density" in free_keys and rates_free:
        raise ValueError(f"{tied[0]!r} is not identified next to density and the rates: "
                         f"ties gained and lost are (changes +- (ties at the end - ties at "
                         f"the start)) / 2; fix one of them (e.g. the rates) or use another "
                         f"endowment effect (recip[endow], a covariate's)")
    positive = np.arange(len(names)) < m_count * (1 + n_beh)
    observed = observed_statistics(periods, ends)
    stat_names = tuple([f"changes {label}" for label in [*labels, *rate_labels]]
                       + list(effects) + list(spec0.beh_labels))
    free = ~is_fixed
    if targets is None:
        targets = observed[free]
    targets = np.asarray(targets, dtype=float)
    if targets.shape != (int(free.sum()),) or not np.isfinite(targets).all():
        raise ValueError(f"targets must be {int(free.sum())} finite numbers (rates first), "
                         f"got {targets!r}")

    def simulate(theta, seed_, runs, with_scores):
        stats, u = simulate_statistics(periods, theta, seed_, runs, with_scores)
        return stats[:, free], (None if u is None else u[:, free])

    res = robbins_monro(simulate, theta0, targets, fixed=is_fixed, positive=positive,
                        seed=seed, settings=settings or Settings())
    se = np.full(len(names), np.nan)
    se[free] = np.sqrt(np.clip(np.diag(res["cov"]), 0, None))
    return Estimate(names, res["theta"], se, is_fixed, res["cov"],
                    tuple(s for s, f in zip(stat_names, free, strict=True) if f), targets,
                    res["mean"], res["sd"], res["t"], res["ratio"], res["derivative"],
                    res["iterations"], time.perf_counter() - clock)


def _fit_conditional(periods: list[Period], ends: list[np.ndarray], effects: dict[str, float],
                     fixed, seed, settings, clock: float) -> Estimate:
    """Conditional method of moments (RSiena's ``cond = TRUE``): each period is simulated
    with basic rate 1 until as many tie variables have changed as between its observed
    waves, so the rates leave the Robbins-Monro iteration; the effects fit their targets,
    and each period's rate is estimated afterwards as the mean simulated time its changes
    took (RSiena: ``z$rate``), its standard error the times' standard deviation
    (``z$vrate``), from ``settings.n3`` simulations at the estimate."""
    if any(per.spec.behaviours for per in periods) or any(
            per.unobserved is not None or per.fixed_end is not None for per in periods):
        raise ValueError("conditional estimation needs complete waves of a network without "
                         "behaviours, missing ties or structural codes; allowed there: "
                         "conditional=False")
    m_count = len(periods)
    distances = [int(hamming(ends[m], per.x0)) for m, per in enumerate(periods)]
    if min(distances) == 0:
        raise ValueError(f"period {distances.index(0) + 1}: its two waves are identical")
    names = list(effects)
    unknown = [f for f in fixed if f not in names]
    if unknown:
        raise ValueError(f"fixed names {unknown[0]!r}, not an effect; effects: "
                         f"{', '.join(names)}")
    is_fixed = np.array([k in fixed for k in names])
    free = ~is_fixed
    targets = observed_statistics(periods, ends)[m_count:][free]
    settings = settings or Settings()

    def runs_of(theta, seed_, runs, with_scores):  # basic rates 1, until the distances
        times = np.zeros((runs, m_count))
        out, u = simulate_statistics(periods, np.concatenate([np.ones(m_count), theta]),
                                     seed_, runs, with_scores, distances, times)
        return out[:, m_count:], None if u is None else u[:, m_count:], times

    def simulate(theta, seed_, runs, with_scores):
        stats, u, _ = runs_of(theta, seed_, runs, with_scores)
        return stats[:, free], (None if u is None else u[:, free])

    res = robbins_monro(simulate, np.array(list(effects.values()), dtype=float), targets,
                        fixed=is_fixed, seed=seed, settings=settings)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    _, _, times = runs_of(res["theta"], child_seed(root, 4), settings.n3, False)
    se = np.full(len(names), np.nan)
    se[free] = np.sqrt(np.clip(np.diag(res["cov"]), 0, None))
    labels = tuple(f"rate {m + 1}" for m in range(m_count))
    return Estimate(labels + tuple(names), np.concatenate([times.mean(0), res["theta"]]),
                    np.concatenate([times.std(0, ddof=1), se]),
                    np.concatenate([np.zeros(m_count, bool), is_fixed]), res["cov"],
                    tuple(n for n, f in zip(names, free, strict=True) if f), targets,
                    res["mean"], res["sd"], res["t"], res["ratio"], res["derivative"],
                    res["iterations"], time.perf_counter() - clock)


def estimate(waves: Sequence, effects: Sequence[str] | Mapping[str, float], *,
             covariates: Mapping | None = None, dyadic: Mapping | None = None,
             rate_effects: Mapping[str, float] | None = None,
             max_outdegree: int | None = None, structural_zeros: npt.ArrayLike | None = None,
             rates: Sequence[float] | None = None,
             fixed: Sequence[str] = (), targets: Sequence[float] | None = None,
             seed: SeedLike = None, settings: Settings | None = None,
             behaviours: Mapping | None = None, behaviour_effects: Mapping | None = None,
             behaviour_rate_effects: Mapping | None = None,
             conditional: bool = False,
             composition: Sequence[Sequence[float]] | None = None) -> Estimate:
    """Estimate a SAOM from observed ``waves`` (at least two n x n networks).

    effects: RSiena short names, or a mapping to starting values (default: density at the
        logit of the observed density, others 0).
    rates: starting basic rates, one per period (default: 2 x changes / n).
    fixed: effect keys (or ``rate 1`` ...) held at their starting values.
    targets: override the observed statistics (rates first, then effects), e.g. to fit
        statistics that are not those of the waves.
    covariates, dyadic, rate_effects, max_outdegree, structural_zeros: as in
        :func:`sim.saom.simulate_periods`; covariates are constant over the periods.
    behaviours: dependent behaviours by name, (n, waves) integer arrays, one column per
        wave (network-behaviour co-evolution, :mod:`sim.saom.periods`), or
        :class:`sim.saom.behaviour.Behaviour` objects (to set the scale and centring).
    behaviour_effects: per behaviour, RSiena short names or a mapping to starting values
        (default ``linear`` and ``quad``, RSiena's defaults; starting values 0); their
        parameters are named ``"<behaviour>: <effect>"``, the rates ``rate <behaviour> m``.
    behaviour_rate_effects: per behaviour, ``RateX`` effects held at the values given.
    conditional: RSiena's conditional estimation (``cond = TRUE``, :func:`_fit_conditional`);
        ``rates`` and ``targets`` do not apply.
    composition: actors joining and leaving, RSiena's change list (per actor its
        intervals of presence in wave time, e.g. ``(1.4, 3)``; :mod:`sim.saom.composition`).
    Raises ValueError on bad input.
    """
    clock = time.perf_counter()
    waves, structural = _structural(waves)
    if composition is not None and (conditional or behaviours):
        raise ValueError("composition change works with the unconditional estimation of a "
                         "network; drop conditional or behaviours")
    waves, change = comp.prepare(composition, waves)
    waves, missing = _checked_waves(waves)
    effects = _start_values(effects, [waves])
    behaviours, behaviour_effects = _behaviour_model(behaviours, behaviour_effects,
                                                     len(waves))
    periods = _with_missing(_periods(waves, effects, covariates, dyadic, rate_effects,
                                     max_outdegree, structural_zeros, behaviours,
                                     behaviour_effects, behaviour_rate_effects), missing,
                            structural, waves)
    periods = comp.attach(periods, change)
    if conditional:
        return _fit_conditional(periods, waves[1:], effects, fixed, seed, settings, clock)
    return _fit(periods, waves[1:], effects,
                [str(m + 1) for m in range(len(periods))], rates, fixed, targets, seed,
                settings, clock)


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


def estimate_groups(groups: Sequence[Sequence], effects: Sequence[str] | Mapping[str, float],
                    *, covariates: Sequence[Mapping] | None = None,
                    names: Sequence[str] | None = None,
                    rate_effects: Mapping[str, float] | None = None,
                    max_outdegree: int | None = None, rates: Sequence[float] | None = None,
                    fixed: Sequence[str] = (), targets: Sequence[float] | None = None,
                    seed: SeedLike = None, settings: Settings | None = None,
                    behaviours: Sequence[Mapping] | None = None,
                    behaviour_effects: Mapping | None = None,
                    compositions: Sequence | None = None) -> Estimate:
    """Estimate one SAOM from several classes, as RSiena estimates ``sienaGroupCreate``
    data: ``groups[g]`` is class g's waves (classes may differ in size and in their number
    of waves), ``covariates[g]`` its actor covariates; the effect parameters are common,
    every period of every class has its own rate, named ``rate <class> <period>``
    (classes named ``names``, default 1, 2, ...). As in sienaGroupCreate, an actor
    covariate is centred by its mean over the actors of all classes, and simX by the mean
    similarity over the pairs of all classes, with the range of all classes. Behaviours
    (``behaviours[g]`` class g's, the same names in every class) have common effect
    parameters and a rate per class and period; each class's range, mean and simMean are
    its own, as RSiena's ``BehaviorLongitudinalData`` computes them per group.
    ``compositions[g]``: class g's joiners and leavers (None: none), as in :func:`estimate`.
    Other arguments as in :func:`estimate`; ``rates`` one per period, classes in order."""
    clock = time.perf_counter()
    if isinstance(groups, np.ndarray) or not isinstance(groups, Sequence) or not groups:
        raise ValueError("groups must be a non-empty list of classes, each a list of waves")
    names = [str(g + 1) for g in range(len(groups))] if names is None else list(names)
    covariates = [{} for _ in groups] if covariates is None else list(covariates)
    if len(names) != len(groups) or len(covariates) != len(groups):
        raise ValueError(f"{len(groups)} classes: give as many names and covariate "
                         f"mappings, got {len(names)} and {len(covariates)}")
    if compositions is not None and (behaviours is not None or len(compositions) != len(groups)):
        raise ValueError(f"compositions: give one change list (or None) per class "
                         f"({len(groups)}), for networks without behaviours")
    coded = [_structural(g) for g in groups]  # RSiena's 10 and 11, per class
    changes = [comp.prepare(c, w) for (w, _), c in
               zip(coded, compositions or [None] * len(groups), strict=True)]
    checked = [_checked_waves(g, f"class {name}: ") for (g, _), name in zip(changes, names,
                                                                            strict=True)]
    waves = [w for w, _ in checked]
    keys = set(covariates[0])
    if any(set(c) != keys for c in covariates):
        raise ValueError("every class needs the same actor covariates; classes have "
                         + "; ".join(", ".join(sorted(c)) or "none" for c in covariates))
    effects = _start_values(effects, waves)
    behaviours = [{} for _ in groups] if behaviours is None else list(behaviours)
    if len(behaviours) != len(groups) or any(set(b) != set(behaviours[0]) for b in behaviours):
        raise ValueError(f"{len(groups)} classes: give a mapping of behaviours for each, with "
                         f"the same names in every class")
    periods, classes, ends, labels = [], [], [], []
    for g, (w, cov) in enumerate(zip(waves, covariates, strict=True)):
        beh, beh_effects = _behaviour_model(behaviours[g], behaviour_effects, len(w))
        made = _periods(w, effects, cov, None, rate_effects, max_outdegree, None, beh,
                        beh_effects)
        made = comp.attach(_with_missing(made, checked[g][1], coded[g][1], w), changes[g][1])
        for m, per in enumerate(made):
            periods.append(per)
            classes.append(g)
            ends.append(w[m + 1])
            labels.append(f"{names[g]} {m + 1}")
    _pool_covariate_statistics(periods, classes, covariates, rate_effects or {})
    return _fit(periods, ends, effects, labels, rates, fixed, targets, seed, settings, clock)


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
