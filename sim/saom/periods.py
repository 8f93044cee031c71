"""Periods between observed waves, simulated for estimation, and their statistics.

A period runs from the observed network x(t_m) (and behaviours z(t_m)) for one unit of
time. Its statistics are RSiena's targets (``StatisticCalculator``):

- the network's rate: the Hamming distance sum_ij |x_ij(t_m+1) - x_ij(t_m)|;
- a behaviour's rate: sum_i |z_i(t_m+1) - z_i(t_m)|;
- a network effect: sum_i s_ik(x(t_m+1)), behaviours read at their values at t_m; a
  creation or endowment effect its sum over the ties gained or lost
  (:func:`sim.saom.statistics.typed_statistics`);
- a behaviour effect: sum_i s_ik(x(t_m), z(t_m+1)), the network at the period's start.

Parameters theta are laid out as: the network's rate of every period, each behaviour's
rate of every period (behaviour by behaviour), the network effects, the behaviour effects
(in the order of :attr:`Specification.beh_labels`); the statistics likewise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from sim.saom import behaviour as bh
from sim.saom import coevolution, specification
from sim.saom.program import EVAL
from sim.saom.robbins_monro import child_seed
from sim.saom.simulate import SeedLike, run_seeds
from sim.saom.statistics import effect_statistics, hamming, typed_statistics

SMALL_BATCH = 32


@dataclass(frozen=True)
class Period:
    """A period to simulate: its start network, the validated specification (effects,
    covariates, behaviours starting at wave ``wave``, cap, zeros), the actor rates relative
    to the basic rate, its length, the tie variables unobserved at its start or end."""

    x0: np.ndarray
    spec: specification.Specification
    relative_rates: np.ndarray
    length: float = 1.0
    unobserved: np.ndarray | None = None
    wave: int = 0
    fixed_end: np.ndarray | None = None  # cells structurally fixed at the period's end
    fixed_values: np.ndarray | None = None  # the end wave, whose values they take

    def observed_part(self, x: np.ndarray) -> np.ndarray:
        """``x`` (one network or a stack) as the statistics of the period see it: the
        unobserved cells set to 0 (RSiena: ties missing at either end removed) and the
        cells structurally fixed at the end set to their fixed value."""
        if self.unobserved is None and self.fixed_end is None:
            return x
        x = x.copy()
        if self.unobserved is not None:
            x[..., self.unobserved] = 0
        if self.fixed_end is not None:
            x[..., self.fixed_end] = self.fixed_values[self.fixed_end]
        return x

    def behaviour_values(self, at: int) -> np.ndarray:
        """The observed behaviours (B, n) at wave ``wave + at``."""
        return np.array([b.waves[:, self.wave + at] for b in self.spec.behaviours],
                        dtype=float).reshape(-1, self.spec.n)


def prepare_period(x0: npt.ArrayLike, effects: Mapping[str, float], *,
                   covariates: Mapping | None = None, dyadic: Mapping | None = None,
                   rate_effects: Mapping[str, float] | None = None,
                   max_outdegree: int | None = None, structural_zeros: npt.ArrayLike | None = None,
                   length: float = 1.0, behaviours: Mapping | None = None,
                   behaviour_effects: Mapping | None = None,
                   behaviour_rate_effects: Mapping | None = None, wave: int = 0) -> Period:
    """Validate a period's model once (ValueError naming the problem); behaviours start
    at their column ``wave``."""
    x, spec = specification.build(x0, effects, rate=1.0, covariates=covariates,
                                  dyadic=dyadic, rate_effects=rate_effects,
                                  max_outdegree=max_outdegree,
                                  structural_zeros=structural_zeros, behaviours=behaviours,
                                  behaviour_effects=behaviour_effects,
                                  behaviour_rates={k: 1.0 for k in behaviours or {}},
                                  behaviour_rate_effects=behaviour_rate_effects, start=wave)
    return Period(x, spec, spec.rates.copy(), float(length), wave=wave)


@dataclass(frozen=True)
class Runs:
    """Simulated periods: networks (R, n, n), behaviours (R, B, n), ministeps per variable
    (R, 1 + B), scores of the effects (R, K + E) or None, times (R,) or None."""

    networks: np.ndarray
    behaviours: np.ndarray
    counts: np.ndarray
    scores: np.ndarray | None
    times: np.ndarray | None = None  # conditional simulation: each run's length


def simulate_runs(per: Period, beta: np.ndarray, rate: float, seed: SeedLike, runs: int,
                  scored: bool = False, beh_beta: npt.ArrayLike = (),
                  beh_rates: npt.ArrayLike = (), target: int = -1) -> Runs:
    """``runs`` periods from ``per``'s start with network effect parameters ``beta``, basic
    rate ``rate``, behaviour effect parameters ``beh_beta`` and behaviour basic rates
    ``beh_rates``; with ``target`` >= 0, each run lasts until that many tie variables
    have changed (conditional simulation), ``Runs.times`` its length."""
    spec = per.spec
    n, n_beh = spec.n, len(spec.behaviours)
    prog, data = spec.kernel_args()
    prog = prog._replace(beta=np.ascontiguousarray(beta, dtype=float))
    cumrate = np.cumsum(rate * per.relative_rates)
    uniform = bool(np.all(per.relative_rates == per.relative_rates[0]))
    nets = np.empty((runs, n, n), dtype=np.int8)
    seeds = run_seeds(seed, runs)
    beh, bcum = spec.behaviour_args(np.asarray(beh_rates, dtype=float).reshape(n_beh))
    beh = beh._replace(beta=np.ascontiguousarray(beh_beta, dtype=float))
    z = np.empty((runs, n_beh, n))
    counts = np.empty((runs, 1 + n_beh), dtype=np.int64)
    u = np.empty((runs, len(beta) + len(beh.beta) if scored else 0))
    times = np.zeros(runs)
    coevolution.simulate_runs(per.x0, prog, data, spec.allowed, spec.max_outdegree, cumrate,
                              uniform, beh, bcum, per.length, seeds, nets, z, counts, u,
                              int(target), times)
    return Runs(nets, z, counts, u if scored else None, times if target >= 0 else None)


def simulate_networks(per: Period, beta: np.ndarray, rate: float, seed: SeedLike, runs: int,
                      scored: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Network-only :func:`simulate_runs`: (networks, ministeps (R,), scores or None)."""
    res = simulate_runs(per, beta, rate, seed, runs, scored)
    return res.networks, res.counts[:, 0], res.scores


def layout(periods: Sequence[Period]) -> tuple[int, int, int, int]:
    """(periods M, behaviours B, network effects K, behaviour effects E)."""
    spec = periods[0].spec
    return len(periods), len(spec.behaviours), len(spec.program.beta), len(spec.beh.beta)


def simulate_statistics(periods: Sequence[Period], theta: np.ndarray,
                        seed: np.random.SeedSequence, runs: int,
                        scores: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Statistics of ``runs`` simulations of every period from its observed start, in the
    layout of the module docstring; with ``scores``, also the score functions of theta
    (same shape), else None."""
    m_count, n_beh, k_count, e_count = layout(periods)
    width = m_count * (1 + n_beh) + k_count + e_count
    out = np.zeros((runs, width))
    u = np.zeros((runs, width)) if scores else None
    with threads_for(runs):
        for m, per in enumerate(periods):
            _simulate_period(per, theta, m, m_count, child_seed(seed, m), runs, out, u)
    return out, u


@contextmanager
def threads_for(runs: int):
    """One numba thread for small batches: waking the thread pool costs more than a few
    periods (results do not depend on the number of threads)."""
    before = numba.get_num_threads()
    if runs < SMALL_BATCH:
        numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _simulate_period(per, theta, m, m_count, seed, runs, out, u):
    _, n_beh, k_count, _ = layout([per])
    base = m_count * (1 + n_beh)
    rate_at = [m_count + b * m_count + m for b in range(n_beh)]
    res = simulate_runs(per, theta[base:base + k_count], theta[m], seed, runs, u is not None,
                        theta[base + k_count:], theta[rate_at])
    if u is not None:
        u[:, m] = coevolution.rate_score(res.counts[:, 0], theta[m], per.relative_rates,
                                         per.length)
        for b, at in enumerate(rate_at):
            u[:, at] = coevolution.rate_score(res.counts[:, 1 + b], theta[at],
                                              per.spec.beh_rates[b], per.length)
        u[:, base:] += res.scores
    period_statistics(per, m, m_count, res.networks, res.behaviours, out)


def period_statistics(per: Period, m: int, m_count: int, nets: np.ndarray, z: np.ndarray,
                       out: np.ndarray) -> None:
    """Add period ``per``'s statistics of end networks ``nets`` (R, n, n) and behaviours
    ``z`` (R, B, n) to ``out`` (R, width)."""
    _, n_beh, k_count, _ = layout([per])
    base = m_count * (1 + n_beh)
    nets = per.observed_part(nets)
    out[:, m] = hamming(nets, per.observed_part(per.x0))
    z0 = per.behaviour_values(0)
    for b in range(n_beh):
        out[:, m_count + b * m_count + m] = np.abs(z[:, b] - z0[b]).sum(-1)
    stats = effect_statistics(nets, spec=per.spec)
    typed = per.spec.program.gate != EVAL
    if typed.any():
        stats[:, typed] = typed_statistics(per.observed_part(per.x0), nets, per.spec)
    out[:, base:base + k_count] += stats
    if n_beh:
        out[:, base + k_count:] += bh.behaviour_statistics(
            per.spec.behaviours, per.spec.beh, per.spec.data,
            per.observed_part(per.x0), z)


def observed_statistics(periods: Sequence[Period], ends: Sequence[npt.ArrayLike]) -> np.ndarray:
    """The targets: each period's statistics of its end wave ``ends[m]`` and the
    behaviours observed there; tie variables missing at either end of a period count in
    neither."""
    m_count, n_beh, k_count, e_count = layout(periods)
    out = np.zeros((1, m_count * (1 + n_beh) + k_count + e_count))
    for m, per in enumerate(periods):
        end = specification.check_network(ends[m])
        period_statistics(per, m, m_count, end[None], per.behaviour_values(1)[None], out)
    return out[0]
