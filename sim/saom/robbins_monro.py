"""Robbins-Monro stochastic approximation for method-of-moments estimation (Snijders 2001,
"The statistical evaluation of social network dynamics", Sociological Methodology 31;
the estimation chapter of the RSiena manual): phase 1 (derivative and a Newton step),
phase 2 (``subphases`` subphases with a gain halving each time), phase 3 (convergence
t-ratios, overall maximum convergence ratio, covariance of the estimate), for any
statistics function with common random numbers. See :mod:`sim.saom.moments` for the
SAOM it is used on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.saom.rng import SeedLike

T_MAX, RATIO_MAX = 0.1, 0.25
"""Convergence: every |t-ratio| < 0.1 and the overall maximum ratio < 0.25 (RSiena
manual's rule of thumb)."""

StatFn = Callable[[np.ndarray, np.random.SeedSequence, int, bool], tuple]
"""simulate(theta, seed, runs, scores) -> (statistics (runs, p), score functions (runs, p)
or None[, record]); the same seed gives the same random numbers (common random numbers for
finite differences when there are no scores). A third element, if any, is kept from the
final phase 3 as :attr:`RobbinsMonro.record` (the caller's record of those simulations)."""


@dataclass(frozen=True)
class Algorithm:
    """The estimation algorithm's settings, as RSiena's ``sienaAlgorithmCreate``; defaults
    follow it where it has one (firstg 0.2, reduceg 0.5, nsub 4, n3 1000, diagonalize 0.2,
    truncation 5).

    Attributes
    ----------
    n1 : int
        Phase-1 runs; 0 means max(50, 7 + 3p) for p parameters (RSiena: 7 + 3p).
    firstg : float
        The first Robbins-Monro gain.
    reduceg : float
        The factor that reduces the gain at each subphase.
    subphases : int
        Phase-2 subphases (RSiena's ``nsub``).
    n3 : int
        Phase-3 runs.
    diagonalize : float
        Weight of the derivative matrix's diagonal in the updates (RSiena's ``diagonalize``).
    truncation : float
        Bound on a step's size (RSiena's ``truncation``).
    epsilon : float
        Step of the central differences used without scores (relative for rates).
    phase2_runs : int
        Simulations averaged per Robbins-Monro iteration.
    refine : int
        At most this many Newton steps from phase 3, each checked by a new phase 3.
    """

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

    def __post_init__(self) -> None:
        counts = {"n1": 0, "subphases": 1, "n3": 2, "phase2_runs": 1, "refine": 0}
        for name, least in counts.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) \
                    or value < least:
                raise ValueError(f"Algorithm {name}: {value!r}; allowed: an integer >= {least}")
        bounds = {"firstg": (0, None), "reduceg": (0, 1), "diagonalize": (0, 1),
                  "truncation": (0, None), "epsilon": (0, None)}
        for name, (low, high) in bounds.items():
            value = getattr(self, name)
            ok = (not isinstance(value, bool) and isinstance(value, int | float | np.floating)
                  and (value > low if name != "diagonalize" else value >= low)
                  and (high is None or value <= high))
            if not ok:
                allowed = (f"a number in [{low}, {high}]" if name == "diagonalize" else
                           f"a number > {low}" + (f" and <= {high}" if high else ""))
                raise ValueError(f"Algorithm {name}: {value!r}; allowed: {allowed}")


@dataclass(frozen=True)
class RobbinsMonro:
    """The result of :func:`robbins_monro`: the estimate ``theta`` (all parameters), and
    for the free ones the phase-3 ``mean`` and ``sd`` of the statistics, the t-ratios
    ``t`` = (mean - target) / sd, the overall maximum convergence ``ratio``, the
    covariance ``cov`` = D^-1 Sigma D^-T, the ``derivative`` D, and the ``iterations``
    of each phase.

    Attributes
    ----------
    theta : ndarray
        The estimate of every parameter (fixed ones at their values).
    mean, sd : ndarray
        Phase 3's mean and standard deviation of each free parameter's statistic.
    t : ndarray
        The convergence t-ratios (mean - target) / sd.
    ratio : float
        The overall maximum convergence ratio (RSiena's ``tconv.max``).
    cov : ndarray
        The covariance of the free parameters' estimates, D^-1 Sigma D^-T.
    derivative : ndarray
        D, the derivative of the expected statistics by the parameters.
    iterations : dict
        The iterations of each phase.
    record : object
        What ``simulate`` returned third in the final phase 3 (None if nothing).
    """

    theta: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    t: np.ndarray
    ratio: float
    cov: np.ndarray
    derivative: np.ndarray
    iterations: dict
    record: object = None

    @property
    def converged(self) -> bool:
        """Every |t| < 0.1 and the overall ratio < 0.25 (the RSiena manual)."""
        return bool(np.all(np.abs(self.t) < T_MAX) and self.ratio < RATIO_MAX)

    def table(self) -> str:
        """Each free statistic's phase-3 mean, sd and t-ratio, and the convergence."""
        rows = [f"{'statistic':<10}{'simulated':>11}{'sd':>9}{'t-ratio':>9}"]
        rows += [f"{k:<10}{m:>11.3f}{s:>9.3f}{t:>9.3f}"
                 for k, (m, s, t) in enumerate(zip(self.mean, self.sd, self.t, strict=True))]
        rows.append(f"overall maximum convergence ratio {self.ratio:.3f}: "
                    f"{'converged' if self.converged else 'NOT converged'}")
        return "\n".join(rows)

    def to_frame(self):
        """One row per free statistic: mean, sd, t (pandas, imported here)."""
        import pandas as pd

        return pd.DataFrame({"mean": self.mean, "sd": self.sd, "t": self.t})


def child_seed(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The seed sequence of (phase, iteration, ...) ``key`` under ``seed``."""
    return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key + key)


def _derivative(simulate: StatFn, theta, free, steps, seed, runs):
    """(statistics at theta, derivative matrix D[k, l] = dE[S_k]/dtheta_l, the record
    ``simulate`` returned or None).

    From the score functions when ``simulate`` gives them: D = Cov(S, U) (Schweinberger &
    Snijders 2007); otherwise by central differences with common random numbers. When
    the record is a fit's :class:`sim.saom.results.Phase3`, a rate's row and column come
    period by period (RSiena's ``dfra``): a period's rate moves only its own period's
    statistics, so the other periods' terms of the totals' covariance are noise alone,
    which with many classes swamps the rates' entries (the effects' block keeps the
    totals' estimator).
    """
    base, scores, *rest = simulate(theta, seed, runs, True)
    record = rest[0] if rest else None
    if scores is not None:
        d = (base - base.mean(0)).T @ scores / runs
        if record is not None and hasattr(record, "derivative"):  # a fit's Phase3
            rate = np.array([k.is_rate for k in record.names])[free]
            if rate.any():
                own = record.derivative[np.ix_(free, free)]
                d[rate], d[:, rate] = own[rate], own[:, rate]
        return base, d, record
    d = np.empty((base.shape[1], len(free)))
    for c, k in enumerate(free):
        up, down = theta.copy(), theta.copy()
        up[k] += steps[c]
        down[k] -= steps[c]
        d[:, c] = (simulate(up, seed, runs, False)[0]
                   - simulate(down, seed, runs, False)[0]).mean(0) / (2 * steps[c])
    return base, d, record


def _solve(d: np.ndarray, v: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(d, v)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(d, v, rcond=None)[0]


def robbins_monro(simulate: StatFn, theta0: npt.ArrayLike, targets: npt.ArrayLike, *,
                  fixed: npt.ArrayLike | None = None, positive: npt.ArrayLike | None = None,
                  seed: SeedLike = None, algorithm: Algorithm = Algorithm()) -> RobbinsMonro:
    """Find theta with E[simulate(theta)] = targets (see the module docstring).

    Parameters
    ----------
    simulate : StatFn
        Statistics (of the free parameters only) of simulations at theta.
    theta0, targets : array_like
        Starting values (all parameters) and targets (free parameters).
    fixed, positive : array_like of bool, optional
        Parameters held at theta0; parameters kept above 0 (rates).
    seed : int or SeedSequence
        Root of every simulation's seed.
    algorithm : Algorithm
        The algorithm's settings.

    Returns
    -------
    RobbinsMonro
        theta, the phase-3 statistics, covariance, derivative and iteration counts.
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
    s = algorithm

    def steps_at(th):
        scale = np.where(positive[free], np.maximum(1.0, np.abs(th[free])), 1.0)
        return s.epsilon * scale

    # phase 1: derivative and a Newton step
    n1 = s.n1 or max(50, 7 + 3 * p)
    stats, d, _ = _derivative(simulate, theta, free, steps_at(theta), child_seed(root, 1),
                              n1)
    retries = 0
    while (np.diag(d) <= 0).any() and retries < 3:
        # a statistic that falls as its own parameter rises: the derivative is noise;
        # estimate it again from twice as many simulations
        retries += 1
        n1 *= 2
        stats, d, _ = _derivative(simulate, theta, free, steps_at(theta),
                                  child_seed(root, 1, retries), n1)
    sd = stats.std(0)
    sd = np.where(sd > 0, sd, 1.0)
    d0 = (1 - s.diagonalize) * d + s.diagonalize * np.diag(np.diag(d))
    theta = _step(theta, free, positive, s.firstg * _solve(d0, stats.mean(0) - targets))

    # phase 2: Robbins-Monro subphases, theta averaged over each
    counts = {"phase1": n1, "phase2": 0, "phase3": s.n3, "phase1_retries": retries}
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
            dev = simulate(theta, child_seed(root, 2, it), s.phase2_runs,
                           False)[0].mean(0) - targets
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
        stats, d, record = _derivative(simulate, theta, free, steps_at(theta),
                                       child_seed(root, 3, refined), s.n3)
        check = _phase3(stats, d, targets)
        if check["converged"] or refined >= s.refine:
            break
        theta = _step(theta, free, positive, _solve(d, check["mean"] - targets))
        refined += 1
    counts["refinements"] = refined
    return RobbinsMonro(theta, check["mean"], check["sd"], check["t"], check["ratio"],
                        check["cov"], d, counts, record)


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


MAX_STEP = 2.0
"""At most this much change of an effect parameter in one step, and at most this factor
for a rate: a derivative estimated from few simulations can be nearly singular, and one
Newton step from it would throw the parameters where the simulations never recover."""


def _step(theta, free, positive, delta):
    new = theta.copy()
    new[free] -= delta
    low = positive & (new <= 0)
    new[low] = theta[low] / 2  # a rate stays positive (halve it instead)
    new = np.where(positive, np.clip(new, theta / MAX_STEP, theta * MAX_STEP),
                   np.clip(new, theta - MAX_STEP, theta + MAX_STEP))
    return new


# --- SAOM for observed waves -----------------------------------------------------------
