"""Method-of-moments estimation of a SAOM by stochastic approximation (Robbins-Monro).

Snijders (2001), "The statistical evaluation of social network dynamics", Sociological
Methodology 31; the estimation chapter of the RSiena manual (Ripley et al.). For observed
waves x(t0), x(t1), ..., the parameters are one basic rate per period and the objective
function parameters beta_k; theta is chosen so that the expected statistics of periods
simulated from the observed waves equal their observed values:

- rate of period m: the Hamming distance sum_ij |x_ij(t_m+1) - x_ij(t_m)|;
- effect k: sum over periods of sum_i s_ik(x(t_m+1)) (:mod:`sim.saom.statistics`).

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
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

from sim.saom import effects as fx
from sim.saom import kernels, scores, specification
from sim.saom.simulate import SeedLike, run_seeds
from sim.saom.statistics import effect_statistics, hamming

SMALL_BATCH = 32
T_MAX, RATIO_MAX = 0.1, 0.25
"""Convergence: every |t-ratio| < 0.1 and the overall maximum ratio < 0.25 (RSiena
manual's rule of thumb)."""

StatFn = Callable[[np.ndarray, np.random.SeedSequence, int, bool], tuple]
"""simulate(theta, seed, runs, scores) -> (statistics (runs, p), score functions (runs, p)
or None); the same seed gives the same random numbers (common random numbers for finite
differences when there are no scores)."""


@dataclass(frozen=True)
class Settings:
    """Algorithm settings; defaults follow RSiena's ``sienaAlgorithmCreate`` where it has
    one (firstg 0.2, reduceg 0.5, nsub 4, n3 1000, diagonalize 0.2, truncation 5)."""

    n1: int = 0  # phase 1 runs; 0: max(50, 7 + 3p) (RSiena 7 + 3p)
    firstg: float = 0.2
    reduceg: float = 0.5
    subphases: int = 4
    n3: int = 1000
    diagonalize: float = 0.2
    truncation: float = 5.0
    epsilon: float = 0.05  # central differences (without scores), relative for rates
    phase2_runs: int = 1  # simulations averaged per Robbins-Monro iteration
    refine: int = 3  # Newton steps from phase 3 (each checked by a new phase 3) at most


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


def _child(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key + key)


def _derivative(simulate: StatFn, theta, free, steps, seed, runs):
    """(statistics at theta, derivative matrix D[k, l] = dE[S_k]/dtheta_l).

    From the score functions when ``simulate`` gives them: D = Cov(S, U) (Schweinberger &
    Snijders 2007); otherwise by central differences with common random numbers.
    """
    base, scores = simulate(theta, seed, runs, True)
    if scores is not None:
        return base, (base - base.mean(0)).T @ scores / runs
    d = np.empty((base.shape[1], len(free)))
    for c, k in enumerate(free):
        up, down = theta.copy(), theta.copy()
        up[k] += steps[c]
        down[k] -= steps[c]
        d[:, c] = (simulate(up, seed, runs, False)[0]
                   - simulate(down, seed, runs, False)[0]).mean(0) / (2 * steps[c])
    return base, d


def _solve(d: np.ndarray, v: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(d, v)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(d, v, rcond=None)[0]


def robbins_monro(simulate: StatFn, theta0: npt.ArrayLike, targets: npt.ArrayLike, *,
                  fixed: npt.ArrayLike | None = None, positive: npt.ArrayLike | None = None,
                  seed: SeedLike = None, settings: Settings = Settings()) -> dict:
    """Find theta with E[simulate(theta)] = targets (see the module docstring).

    ``fixed`` (bool per parameter) are held at theta0 and ``simulate`` returns statistics
    of the free parameters only; ``positive`` parameters (rates) stay above 0. Returns a
    dict with theta, cov, the phase-3 statistics, derivative and iteration counts.
    """
    theta = np.array(theta0, dtype=float)
    targets = np.asarray(targets, dtype=float)
    fixed = np.zeros(len(theta), bool) if fixed is None else np.asarray(fixed, bool)
    positive = np.zeros(len(theta), bool) if positive is None else np.asarray(positive, bool)
    free = np.flatnonzero(~fixed)
    p = len(free)
    if len(targets) != p:
        raise ValueError(f"{len(targets)} targets for {p} free parameters; give one each")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    s = settings

    def steps_at(th):
        scale = np.where(positive[free], np.maximum(1.0, np.abs(th[free])), 1.0)
        return s.epsilon * scale

    # phase 1: derivative and a Newton step
    n1 = s.n1 or max(50, 7 + 3 * p)
    stats, d = _derivative(simulate, theta, free, steps_at(theta), _child(root, 1),
                                   n1)
    sd = stats.std(0)
    sd = np.where(sd > 0, sd, 1.0)
    d0 = (1 - s.diagonalize) * d + s.diagonalize * np.diag(np.diag(d))
    theta = _step(theta, free, positive, s.firstg * _solve(d0, stats.mean(0) - targets))

    # phase 2: Robbins-Monro subphases, theta averaged over each
    counts = {"phase1": n1, "phase2": 0, "phase3": s.n3}
    gain = s.firstg
    it = 0
    for sub in range(s.subphases):
        n_min = int(math.ceil((7 + p) * 2.52 ** sub))
        total = np.zeros(len(theta))  # the fixed parameters stay exactly as given
        prev = None
        cross = np.zeros(p)
        k = 0
        while True:
            it += 1
            dev = simulate(theta, _child(root, 2, it), s.phase2_runs, False)[0].mean(0) - targets
            if prev is not None:
                cross += dev * prev
            prev = dev
            z = dev / sd
            big = np.abs(z).max()
            if big > s.truncation:
                dev = dev * (s.truncation / big)
            theta = _step(theta, free, positive, gain * _solve(d0, dev))
            total += theta
            k += 1
            if (k >= n_min and np.all(cross < 0)) or k >= n_min + 200:
                break
        theta = np.where(fixed, theta, total / k)
        counts["phase2"] += k
        counts[f"subphase{sub + 1}"] = k
        gain *= s.reduceg

    # phase 3: statistics and derivative at the estimate; while the check fails, a Newton
    # step from phase 3's means and derivative, then phase 3 again on fresh simulations
    refined = 0
    while True:
        stats, d = _derivative(simulate, theta, free, steps_at(theta),
                               _child(root, 3, refined), s.n3)
        check = _phase3(stats, d, targets)
        if check["converged"] or refined >= s.refine:
            break
        theta = _step(theta, free, positive, _solve(d, check["mean"] - targets))
        refined += 1
    counts["refinements"] = refined
    return {"theta": theta, **check, "derivative": d, "iterations": counts}


def _phase3(stats, d, targets) -> dict:
    """Convergence t-ratios, the overall maximum convergence ratio and the covariance of
    the estimate D^-1 Sigma D^-T."""
    p = stats.shape[1]
    mean, sigma = stats.mean(0), np.atleast_2d(np.cov(stats, rowvar=False))
    sd = np.sqrt(np.diag(sigma))
    dev = mean - targets
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(sd > 0, dev / sd, np.where(dev == 0, 0.0, np.inf))
    try:
        ratio = float(np.sqrt(max(dev @ np.linalg.solve(sigma, dev), 0.0)))
    except np.linalg.LinAlgError:
        ratio = float("inf")
    try:
        dinv = np.linalg.inv(d)
        cov = dinv @ sigma @ dinv.T
    except np.linalg.LinAlgError:
        cov = np.full((p, p), np.nan)
    converged = bool(np.all(np.abs(t) < T_MAX) and ratio < RATIO_MAX)
    return {"mean": mean, "sd": sd, "t": t, "ratio": ratio, "cov": cov,
            "converged": converged}


def _step(theta, free, positive, delta):
    new = theta.copy()
    new[free] -= delta
    low = positive & (new <= 0)
    new[low] = theta[low] / 2  # a rate stays positive (halve it instead)
    return new


# --- SAOM for observed waves -----------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A period to simulate: its start network, the validated specification (effects,
    covariates, cap, zeros), the actor rates relative to the basic rate, its length."""

    x0: np.ndarray
    spec: specification.Specification
    relative_rates: np.ndarray
    length: float = 1.0


def prepare_period(x0: npt.ArrayLike, effects: Mapping[str, float], *,
                   covariates: Mapping | None = None, dyadic: Mapping | None = None,
                   rate_effects: Mapping[str, float] | None = None,
                   max_outdegree: int | None = None, structural_zeros: npt.ArrayLike | None = None,
                   length: float = 1.0) -> Period:
    """Validate a period's model once (ValueError naming the problem)."""
    x, spec = specification.build(x0, effects, rate=1.0, covariates=covariates,
                                  dyadic=dyadic, rate_effects=rate_effects,
                                  max_outdegree=max_outdegree,
                                  structural_zeros=structural_zeros)
    return Period(x, spec, spec.rates.copy(), float(length))


def _periods(waves, effects, covariates, dyadic, rate_effects, max_outdegree,
             structural_zeros) -> list[Period]:
    return [prepare_period(waves[m], effects, covariates=covariates, dyadic=dyadic,
                           rate_effects=rate_effects, max_outdegree=max_outdegree,
                           structural_zeros=structural_zeros)
            for m in range(len(waves) - 1)]


def simulate_statistics(periods: Sequence[Period], theta: np.ndarray,
                        seed: np.random.SeedSequence, runs: int,
                        scores: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Statistics of ``runs`` simulations of every period from its observed start:
    (runs, M + K) = Hamming distance of each period, then each effect's statistic summed
    over periods; theta = (M rates, K effect parameters). With ``scores``, also the score
    functions (runs, M + K) of theta (:mod:`sim.saom.scores`), else None."""
    m_count = len(periods)
    k_count = len(periods[0].spec.program.beta)
    out = np.zeros((runs, m_count + k_count))
    u = np.zeros((runs, m_count + k_count)) if scores else None
    with _threads_for(runs):
        for m, per in enumerate(periods):
            _simulate_period(per, theta, m, m_count, _child(seed, m), runs, out, u)
    return out, u


@contextmanager
def _threads_for(runs: int):
    """One numba thread for small batches: waking the thread pool costs more than a few
    periods (results do not depend on the number of threads)."""
    before = numba.get_num_threads()
    if runs < SMALL_BATCH:
        numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def simulate_networks(per: Period, beta: np.ndarray, rate: float, seed: SeedLike, runs: int,
                      scored: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``runs`` periods from ``per.x0`` with effect parameters ``beta`` and basic rate
    ``rate``: (networks (runs, n, n), ministeps (runs,), effect scores (runs, K) or None)."""
    spec = per.spec
    prog, data = spec.kernel_args()
    prog = prog._replace(beta=np.ascontiguousarray(beta, dtype=float))
    cumrate = np.cumsum(rate * per.relative_rates)
    uniform = bool(np.all(per.relative_rates == per.relative_rates[0]))
    nets = np.empty((runs, spec.n, spec.n), dtype=np.int8)
    steps = np.empty(runs, dtype=np.int64)
    args = (per.x0, prog, data, spec.allowed, spec.max_outdegree, cumrate, uniform,
            per.length, run_seeds(seed, runs), nets, steps)
    if not scored:
        kernels.simulate_runs(*args)
        return nets, steps, None
    u = np.empty((runs, len(beta)))
    scores.simulate_runs_scored(*args, u)
    return nets, steps, u


def _simulate_period(per, theta, m, m_count, seed, runs, out, u):
    nets, steps, part = simulate_networks(per, theta[m_count:], theta[m], seed, runs,
                                          u is not None)
    if u is not None:
        u[:, m] = scores.rate_score(steps, theta[m], per.relative_rates, per.length)
        u[:, m_count:] += part
    out[:, m] = hamming(nets, per.x0)
    out[:, m_count:] += effect_statistics(nets, spec=per.spec)


def observed_statistics(periods: Sequence[Period], waves: Sequence[npt.ArrayLike]) -> np.ndarray:
    """The targets: Hamming distance of each period, effect statistics summed over the
    waves after the first."""
    stats = [hamming(waves[m + 1], per.x0) for m, per in enumerate(periods)]
    effects = sum(effect_statistics(specification.check_network(waves[m + 1]), per.spec)
                  for m, per in enumerate(periods))
    return np.concatenate([np.array(stats, dtype=float), effects])


def estimate(waves: Sequence, effects: Sequence[str] | Mapping[str, float], *,
             covariates: Mapping | None = None, dyadic: Mapping | None = None,
             rate_effects: Mapping[str, float] | None = None,
             max_outdegree: int | None = None, structural_zeros: npt.ArrayLike | None = None,
             rates: Sequence[float] | None = None,
             fixed: Sequence[str] = (), targets: Sequence[float] | None = None,
             seed: SeedLike = None, settings: Settings = Settings()) -> Estimate:
    """Estimate a SAOM from observed ``waves`` (at least two n x n networks).

    effects: RSiena short names, or a mapping to starting values (default: density at the
        logit of the observed density, others 0).
    rates: starting basic rates, one per period (default: 2 x changes / n).
    fixed: effect keys (or ``rate 1`` ...) held at their starting values.
    targets: override the observed statistics (rates first, then effects), e.g. to fit
        statistics that are not those of the waves.
    covariates, dyadic, rate_effects, max_outdegree, structural_zeros: as in
        :func:`sim.saom.simulate_periods`; covariates are constant over the periods.
    Raises ValueError on bad input.
    """
    clock = time.perf_counter()
    if isinstance(waves, np.ndarray) and waves.ndim == 3:
        waves = list(waves)
    if not isinstance(waves, Sequence) or len(waves) < 2:
        raise ValueError("waves must be a sequence of at least two n x n networks")
    waves = [specification.check_network(w, f"wave {k + 1}") for k, w in enumerate(waves)]
    n = waves[0].shape[0]
    for k, w in enumerate(waves):
        if w.shape != (n, n):
            raise ValueError(f"wave {k + 1} is {w.shape[0]} x {w.shape[1]}, wave 1 is "
                             f"{n} x {n}: all waves need the same actors")
    if not isinstance(effects, Mapping):
        effects = list(effects)
        dens = float(np.mean([w.sum() / (n * (n - 1)) for w in waves]))
        dens = min(max(dens, 1e-3), 1 - 1e-3)
        # with density alone, the stationary odds of a tie are exp(2 beta) (each tie is
        # made with weight exp(beta) and dropped with weight exp(-beta))
        effects = {k: (0.5 * math.log(dens / (1 - dens)) if k == "density" else 0.0)
                   for k in effects}
    typed = [k for k in effects if fx.split_type(k)[1] != "eval"]
    if typed:
        raise ValueError(f"cannot estimate {', '.join(map(repr, typed))} yet: creation and "
                         f"endowment effects can be simulated, but their target statistics "
                         f"(ties created and lost between waves) are not implemented; "
                         f"allowed: effects without a [type]")
    periods = _periods(waves, effects, covariates, dyadic, rate_effects, max_outdegree,
                       structural_zeros)
    m_count = len(periods)
    rate_names = [f"rate {m + 1}" for m in range(m_count)]
    names = tuple(rate_names + list(effects))
    changes = [hamming(waves[m + 1], waves[m]) for m in range(m_count)]
    if min(changes) == 0:
        m = changes.index(0)
        raise ValueError(f"waves {m + 1} and {m + 2} are identical: no change to estimate "
                         f"the rate of period {m + 1} from")
    if rates is None:
        rates = [max(2.0 * c / n, 0.5) for c in changes]
    rates = [specification.finite_number(r, "starting rate") for r in rates]
    if len(rates) != m_count or min(rates) <= 0:
        raise ValueError(f"rates needs {m_count} positive starting values, one per period")
    theta0 = np.array(rates + list(effects.values()), dtype=float)
    unknown = [f for f in fixed if f not in names]
    if unknown:
        raise ValueError(f"fixed names {unknown[0]!r}, not a parameter; parameters: "
                         f"{', '.join(names)}")
    is_fixed = np.array([k in fixed for k in names])
    positive = np.arange(len(names)) < m_count
    observed = observed_statistics(periods, waves)
    stat_names = tuple(["changes " + str(m + 1) for m in range(m_count)] + list(effects))
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
                        seed=seed, settings=settings)
    se = np.full(len(names), np.nan)
    se[free] = np.sqrt(np.clip(np.diag(res["cov"]), 0, None))
    return Estimate(names, res["theta"], se, is_fixed, res["cov"],
                    tuple(s for s, f in zip(stat_names, free, strict=True) if f), targets,
                    res["mean"], res["sd"], res["t"], res["ratio"], res["derivative"],
                    res["iterations"], time.perf_counter() - clock)
