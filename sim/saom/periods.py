"""Periods between observed waves, simulated for estimation, and their statistics.

A period runs from the observed network x(t_m) (and behaviours z(t_m)) for one unit of
time. Its statistics are RSiena's targets (``StatisticCalculator``):

- the network's rate: the Hamming distance sum_ij |x_ij(t_m+1) - x_ij(t_m)|;
- a behaviour's rate: sum_i |z_i(t_m+1) - z_i(t_m)|;
- a network effect: sum_i s_ik(x(t_m+1)), behaviours read at their values at t_m; a
  creation or endowment effect its sum over the ties gained or lost
  (:func:`sim.saom.effect_statistics.typed_statistics`);
- a behaviour effect: sum_i s_ik(x(t_m), z(t_m+1)), the network at the period's start.

Parameters theta are laid out as: the network's rate of every period, each behaviour's
rate of every period (behaviour by behaviour), the network effects, the behaviour effects
(in the order of :attr:`Specification.beh_labels`); the statistics likewise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numba
import numpy as np
import numpy.typing as npt

from sim.saom import behaviour as bh
from sim.saom import composition, specification
from sim.saom._numba import coevolution
from sim.saom.composition import CompositionArrays
from sim.saom.effect_statistics import effect_statistics, hamming, typed_statistics
from sim.saom.model import Model
from sim.saom.packed import PackedPeriods, PackedRuns
from sim.saom.program import EVAL, SIM
from sim.saom.results import runs_frame, runs_table
from sim.saom.rng import SeedLike, run_seeds
from sim.saom.robbins_monro import child_seed
from sim.saom.start import Start

if TYPE_CHECKING:
    from sim.saom.dask_periods import DaskPeriods

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
    composition: CompositionArrays | None = None  # actors joining and leaving in it
    present: np.ndarray | None = None  # each actor's share of the period present
    batch_key: bytes | None = field(init=False, repr=False, compare=False)  # _batch_key

    def __post_init__(self):
        object.__setattr__(self, "batch_key", _batch_key(self))

    @property
    def uniform_rates(self) -> bool:
        """Every actor has the same rate (the kernel then draws actors without a search)."""
        return bool(np.all(self.relative_rates == self.relative_rates[0]))

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
            assert self.fixed_values is not None, "fixed_end comes with the end wave's values"
            x[..., self.fixed_end] = self.fixed_values[self.fixed_end]
        return x

    def behaviour_values(self, at: int) -> np.ndarray:
        """The observed behaviours (B, n) at wave ``wave + at``."""
        return np.array([b.waves[:, self.wave + at] for b in self.spec.behaviours],
                        dtype=float).reshape(-1, self.spec.n)


def _batch_key(per: Period) -> bytes | None:
    """Periods with the same key share every kernel argument but their start, rates and
    length, so one kernel call simulates them together; None for a period that is never
    batched (behaviours, whose values differ by wave, or cells unobserved or fixed)."""
    spec = per.spec
    if spec.behaviours or per.unobserved is not None or per.fixed_end is not None \
            or per.composition is not None:
        return None
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((spec.n, spec.max_outdegree, per.uniform_rates)).encode())
    prog, data = spec.kernel_args()
    for a in (spec.allowed, *prog[1:], *data):
        a = np.ascontiguousarray(a)
        digest.update(repr((a.shape, a.dtype.str)).encode())
        digest.update(a.tobytes())
    return digest.digest()


def batches(periods: Sequence[Period]) -> list[list[int]]:
    """Indices of ``periods`` grouped into runs of consecutive periods with one
    :func:`_batch_key` (a period without a key alone)."""
    out: list[list[int]] = []
    for m, per in enumerate(periods):
        if out and per.batch_key is not None and periods[out[-1][0]].batch_key == per.batch_key:
            out[-1].append(m)
        else:
            out.append([m])
    return out


def prepare_period(start: Start, model: Model, *, length: float = 1.0,
                   wave: int = 0) -> Period:
    """Validate a period's model once (ValueError naming the problem).

    Parameters
    ----------
    start : Start
        The period's first network, with its covariates, behaviours and structural zeros.
    model : Model
        The model, its effects mapped to values (those of the estimate's start).
    length : float
        The period's length in the rate's units.
    wave : int
        The behaviours start at their observed column ``wave``.

    Returns
    -------
    Period
        The period, every basic rate 1 (the rates are given when it is simulated).
    """
    x, spec = specification.build(start, model, rate=1.0,
                                  behaviour_rates={k: 1.0 for k in start.behaviours},
                                  wave=wave)
    return Period(x, spec, spec.rates.copy(), float(length), wave=wave)


@dataclass(frozen=True)
class Runs:
    """Simulated periods, R runs of a class of n actors with B behaviours.

    Attributes
    ----------
    networks : ndarray, shape (R, n, n)
        Each run's network at the period's end.
    behaviours : ndarray, shape (R, B, n)
        Each run's behaviours at the period's end.
    counts : ndarray, shape (R, 1 + B)
        Ministeps of the network, then of each behaviour.
    scores : ndarray, shape (R, K + E), or None
        The score functions of the K network and E behaviour effects, when asked for.
    times : ndarray, shape (R,), or None
        Conditional simulation: each run's length.
    statistics : ndarray, shape (R, K), or None
        The effect statistics of the simulated networks.
    """

    networks: np.ndarray
    behaviours: np.ndarray
    counts: np.ndarray
    scores: np.ndarray | None
    times: np.ndarray | None = None  # conditional simulation: each run's length
    statistics: np.ndarray | None = None  # effect statistics of the networks (R, K)

    @property
    def ministeps(self) -> np.ndarray:
        """(R,): the network's ministeps of each run."""
        return self.counts[:, 0]

    def _columns(self):
        names = [f"behaviour {b}" for b in range(self.behaviours.shape[1])]
        return (self.networks, {"network": self.counts[:, 0],
                                **{k: self.counts[:, 1 + b] for b, k in enumerate(names)}},
                {k: self.behaviours[:, b] for b, k in enumerate(names)})

    def table(self) -> str:
        """Ties, ministeps and behaviour means: mean and sd over the runs."""
        return runs_table(*self._columns())

    def to_frame(self):
        """One row per run: ties, ministeps of each variable, behaviours' mean values."""
        return runs_frame(*self._columns())


def simulate_prepared_period(per: Period, beta: np.ndarray, rate: float, seed: SeedLike, runs: int,
                             with_scores: bool = False, beh_beta: npt.ArrayLike = (),
                             beh_rates: npt.ArrayLike = (), target: int = -1) -> Runs:
    """``runs`` periods from ``per``'s start with network effect parameters ``beta``, basic
    rate ``rate``, behaviour effect parameters ``beh_beta`` and behaviour basic rates
    ``beh_rates``; with ``target`` >= 0, each run lasts until that many tie variables
    have changed (conditional simulation), ``Runs.times`` its length."""
    return simulate_batch([per], beta, [rate], [seed], runs, with_scores, beh_beta, beh_rates,
                          [target])[0]


def simulate_batch(pers: Sequence[Period], beta: np.ndarray, rates: Sequence[float] | np.ndarray,
                   seeds: Sequence[SeedLike], runs: int, with_scores: bool = False,
                   beh_beta: npt.ArrayLike = (), beh_rates: npt.ArrayLike = (),
                   targets: npt.ArrayLike | None = None,
                   statistics: bool = False) -> list[Runs]:
    """:func:`simulate_prepared_period` of each period ``pers[m]`` (rate ``rates[m]``, seed
    ``seeds[m]``, target ``targets[m]``) in one kernel call, for periods of one
    :func:`batches` batch: the same runs as period by period. With ``statistics``, the
    kernel also computes the effect statistics of each network (``Runs.statistics``)
    where no cell of the period is unobserved or fixed."""
    per = pers[0]
    if len(pers) > 1 and (per.batch_key is None
                          or any(p.batch_key != per.batch_key for p in pers)):
        raise ValueError("periods simulated together must share their kernel data")
    spec = per.spec
    n, n_beh, count = spec.n, len(spec.behaviours), len(pers)
    prog, data = spec.kernel_args()
    prog = prog._replace(beta=np.ascontiguousarray(beta, dtype=float))
    cumrates = np.stack([np.cumsum(r * p.relative_rates) for r, p in zip(rates, pers, strict=True)])
    targets = np.full(count, -1) if targets is None else np.asarray(targets)
    beh, bcum = spec.behaviour_args(np.asarray(beh_rates, dtype=float).reshape(n_beh))
    beh = beh._replace(beta=np.ascontiguousarray(beh_beta, dtype=float))
    total = count * runs
    nets = np.empty((total, n, n), dtype=np.int8)
    z = np.empty((total, n_beh, n))
    counts = np.empty((total, 1 + n_beh), dtype=np.int64)
    u = np.empty((total, len(beta) + len(beh.beta) if with_scores else 0))
    times = np.zeros(total)
    statistics = statistics and all(p.unobserved is None and p.fixed_end is None
                                    and all(b.missing is None for b in p.spec.behaviours)
                                    for p in pers)
    stats = np.zeros((total, len(beta) if statistics else 0))
    coevolution.simulate_independent_runs(np.stack([p.x0 for p in pers]),
                              np.repeat(np.arange(count), runs), prog, data, spec.allowed,
                              spec.max_outdegree, cumrates, per.uniform_rates, beh, bcum,
                              np.array([p.length for p in pers], dtype=float),
                              np.concatenate([run_seeds(s, runs) for s in seeds]), nets, z,
                              counts, u, targets.astype(np.int64), times, stats,
                              per.composition or composition.fixed(n))
    return [Runs(nets[part], z[part], counts[part], u[part] if with_scores else None,
                 times[part] if targets[m] >= 0 else None,
                 stats[part] if statistics else None)
            for m, part in enumerate(slice(m * runs, (m + 1) * runs) for m in range(count))]


def layout(periods: Sequence[Period]) -> tuple[int, int, int, int]:
    """(periods M, behaviours B, network effects K, behaviour effects E)."""
    spec = periods[0].spec
    return len(periods), len(spec.behaviours), len(spec.program.beta), len(spec.beh.beta)


def simulate_statistics(periods: Sequence[Period], theta: np.ndarray,
                        seed: np.random.SeedSequence, runs: int, with_scores: bool = False,
                        targets: Sequence[int] | None = None,
                        times: np.ndarray | None = None,
                        by_period: tuple[np.ndarray, np.ndarray] | None = None,
                        betas: np.ndarray | None = None,
                        packed: PackedPeriods | DaskPeriods | None = None,
                        ) -> tuple[np.ndarray, np.ndarray | None]:
    """Statistics of ``runs`` simulations of every period from its observed start, in the
    layout of the module docstring; with ``with_scores``, also the score functions of theta
    (same shape), else None. With ``targets`` (one per period), period m's runs last
    until ``targets[m]`` tie variables have changed (conditional simulation) and
    ``times[:, m]`` gets their lengths. With ``by_period`` = (statistics, scores), arrays
    of shape (runs, M, K + E), each period's effect statistics and scores (with
    ``with_scores``) are also written there, period by period (RSiena's ``sf2`` and
    ``ssc``). With ``betas`` (M, K), period m's network effect parameters are ``betas[m]``
    instead of theta's (time dummies); periods of one batch with different ones are
    simulated apart. With ``packed`` (``periods`` packed once per fit, in this process or
    on Dask workers: :func:`sim.saom.dask_periods.spread`; no ``betas``), every period's
    runs come from one call of its ``simulate``: the same rows."""
    m_count, n_beh, k_count, e_count = layout(periods)
    width = m_count * (1 + n_beh) + k_count + e_count
    out = np.zeros((runs, width))
    u = np.zeros((runs, width)) if with_scores else None
    base = m_count * (1 + n_beh)
    if packed is not None and betas is not None:
        raise ValueError("packed periods share one beta; time dummies are simulated apart")
    if packed is not None:
        with threads_for(runs, m_count):
            packed_runs = packed.simulate(theta[:m_count], theta[base:], seed, runs,
                                          with_scores, targets)
        _add_packed(periods, theta, packed_runs, out, u, times, by_period)
        return out, u
    groups = batches(periods)
    if betas is not None:
        groups = [part for g in groups for part in _same_beta(g, betas)]
    with threads_for(runs, max(len(g) for g in groups)):
        for group in groups:
            pers = [periods[m] for m in group]
            rate_at = [m_count + b * m_count + group[0] for b in range(n_beh)]
            beta = theta[base:base + k_count] if betas is None else betas[group[0]]
            results = simulate_batch(pers, beta, theta[group],
                                     [child_seed(seed, m) for m in group], runs, with_scores,
                                     theta[base + k_count:], theta[rate_at],
                                     None if targets is None else [targets[m] for m in group],
                                     statistics=True)
            for m, per, res in zip(group, pers, results, strict=True):
                if times is not None:
                    times[:, m] = res.times
                if u is not None:
                    _add_scores(per, theta, m, m_count, res, u)
                period_statistics(per, m, m_count, res.networks, res.behaviours, out,
                                  res.statistics, None if by_period is None
                                  else by_period[0][:, m])
                if by_period is not None and with_scores:
                    by_period[1][:, m] = res.scores
    return out, u


def _add_packed(periods: Sequence[Period], theta: np.ndarray, res: PackedRuns,
                out: np.ndarray, u: np.ndarray | None, times: np.ndarray | None,
                by_period: tuple[np.ndarray, np.ndarray] | None) -> None:
    """Write packed runs ``res`` in simulate_statistics's layout (network-only periods)."""
    m_count = len(periods)
    out[:, :m_count] = res.distances.T
    out[:, m_count:] = res.statistics.sum(0)
    if times is not None:
        times[:] = res.times.T
    if by_period is not None:
        by_period[0][:] = res.statistics.transpose(1, 0, 2)
    if u is not None:
        exposure = np.array([p.length * float(np.sum(p.relative_rates)) for p in periods])
        u[:, :m_count] = (res.counts / theta[:m_count, None] - exposure[:, None]).T
        u[:, m_count:] = res.scores.sum(0)
        if by_period is not None:
            by_period[1][:] = res.scores.transpose(1, 0, 2)


def _same_beta(group: list[int], betas: np.ndarray) -> list[list[int]]:
    """``group`` split into runs of consecutive periods with equal ``betas`` rows."""
    out: list[list[int]] = []
    for m in group:
        if out and np.array_equal(betas[out[-1][0]], betas[m]):
            out[-1].append(m)
        else:
            out.append([m])
    return out


@contextmanager
def threads_for(runs: int, side_by_side: int = 1):
    """One numba thread for small batches of one period: waking the thread pool costs
    more than a few runs, but less than a period simulated ``side_by_side`` with others
    (results do not depend on the number of threads)."""
    before = numba.get_num_threads()
    if runs < SMALL_BATCH and side_by_side == 1:
        numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _add_scores(per, theta, m, m_count, res, u):
    """Add period m's scores (its rates', then the effects') to u."""
    _, n_beh, _, _ = layout([per])
    base = m_count * (1 + n_beh)
    rate_at = [m_count + b * m_count + m for b in range(n_beh)]
    exposure = per.relative_rates if per.present is None else per.relative_rates * per.present
    u[:, m] = coevolution.rate_score(res.counts[:, 0], theta[m], exposure, per.length)
    for b, at in enumerate(rate_at):
        u[:, at] = coevolution.rate_score(res.counts[:, 1 + b], theta[at],
                                          per.spec.beh_rates[b], per.length)
    u[:, base:] += res.scores


def period_statistics(per: Period, m: int, m_count: int, nets: np.ndarray, z: np.ndarray,
                      out: np.ndarray, stats: np.ndarray | None = None,
                      own: np.ndarray | None = None) -> None:
    """Add period ``per``'s statistics of end networks ``nets`` (R, n, n) and behaviours
    ``z`` (R, B, n) to ``out`` (R, width); ``stats``: the effect statistics of
    ``per.observed_part(nets)`` if already computed; ``own`` (R, K + E), if given, gets
    the period's effect statistics alone."""
    _, n_beh, k_count, _ = layout([per])
    base = m_count * (1 + n_beh)
    nets = per.observed_part(nets)
    out[:, m] = hamming(nets, per.observed_part(per.x0))
    z0 = per.behaviour_values(0)
    z = np.array(z, dtype=float)
    for b, var in enumerate(per.spec.behaviours):  # actors missing at an end add nothing
        skip = var.unobserved(per.wave)
        out[:, m_count + b * m_count + m] = (np.abs(z[:, b] - z0[b]) * ~skip).sum(-1)
        z[:, b, skip] = var.mean
    if stats is None:
        stats = _with_missing_behaviours(per, nets)
    else:
        stats = stats.copy()
    typed = per.spec.program.gate != EVAL
    if typed.any():
        stats[:, typed] = typed_statistics(per.observed_part(per.x0), nets, per.spec)
    out[:, base:base + k_count] += stats
    if own is not None:
        own[:, :k_count] = stats
    if n_beh:
        moves = bh.behaviour_statistics(per.spec.behaviours, per.spec.beh, per.spec.data,
                                        per.observed_part(per.x0), z)
        out[:, base + k_count:] += moves
        if own is not None:
            own[:, k_count:] = moves


def _with_missing_behaviours(per: Period, nets: np.ndarray) -> np.ndarray:
    """Effect statistics of ``nets`` (R, n, n) as RSiena computes them when a behaviour
    that network effects read is missing at the period's start: the actor's centred value
    is 0, so its ego and alter factors are 0 and a similarity with it is 0 (plain
    ``simX`` only: other effects with such a similarity raise ValueError)."""
    spec = per.spec
    gaps = [(int(spec.beh.row[b]), var, var.missing[:, per.wave])
            for b, var in enumerate(spec.behaviours)
            if var.missing is not None and var.missing[:, per.wave].any()]
    if not gaps:
        return effect_statistics(nets, spec=spec)
    actor = spec.data.actor.copy()
    for row, var, gap in gaps:
        actor[row, gap] = var.mean
    stats = effect_statistics(nets, spec=replace(spec, data=replace(spec.data, actor=actor)))
    prog = spec.program
    for e in range(len(prog.beta)):
        kinds = prog.fac_kind[prog.fac_start[e]:prog.fac_start[e + 1]]
        rows = prog.fac_cov[prog.fac_start[e]:prog.fac_start[e + 1]]
        for row, var, gap in gaps:
            if not np.any((kinds == SIM) & (rows == row)):
                continue
            if len(kinds) > 1 or prog.slot[e] >= 0 or prog.gate[e] != EVAL:
                raise ValueError(f"behaviour {var.name!r} has missing values; of the effects "
                                 f"with its similarity only simX:{var.name} is allowed")
            v, (_, rng, sim_mean) = spec.data.actor[row], spec.data.actor_stats[:, row]
            sim = (1.0 - sim_mean) - np.abs(v[:, None] - v[None, :]) / rng
            seen = ~gap
            stats[:, e] = (nets * (sim * seen[:, None] * seen[None, :])).sum((1, 2))
    return stats


def observed_statistics(periods: Sequence[Period], ends: Sequence[npt.ArrayLike],
                        by_period: np.ndarray | None = None) -> np.ndarray:
    """The targets: each period's statistics of its end wave ``ends[m]`` and the
    behaviours observed there; tie variables missing at either end of a period count in
    neither. With ``by_period`` (shape (M, K + E)), each period's effect statistics are
    also written there."""
    m_count, n_beh, k_count, e_count = layout(periods)
    out = np.zeros((1, m_count * (1 + n_beh) + k_count + e_count))
    for m, per in enumerate(periods):
        end = specification.check_network(ends[m])
        period_statistics(per, m, m_count, end[None], per.behaviour_values(1)[None], out,
                          own=None if by_period is None else by_period[m:m + 1])
    return out[0]
