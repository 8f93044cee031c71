"""Behaviour variables: ordinal traits that co-evolve with the network (RSiena's
``BehaviorVariable``; Steglich, Snijders & Pearson 2010, "Dynamic networks and behavior:
separating selection from influence", Sociological Methodology 40).

A behaviour z takes integer values in [min, max]; ``z̃ = z - mean`` is its centred value.
As RSiena's ``sienaDataCreate`` computes them from the observed waves: ``min``/``max`` and
the range over all waves, the mean as the average over waves of each wave's mean, and
``simMean`` (for ``avSim``, ``totSim`` and the network effect ``simX``) the mean of
``sim_ij = 1 - |z_i - z_j| / range`` over ordered pairs i != j of every wave but the last.

A behaviour ministep of actor i moves z_i by d in {-1, 0, +1} (never out of the range)
with probabilities ∝ exp(sum_k beta_k (s_ik(x, z with z_i + d) - s_ik(x, z))).
:data:`BEHAVIOUR_EFFECTS` lists the statistics s_ik (RSiena manual, Ripley et al.,
"Mathematical definition of effects", behaviour effects); ``N(i)`` are the actors i names,
``x_i+`` their number, ``x_+i`` i's in-degree, ``v`` an actor covariate centred by its
mean. The kernel's change of s_ik is the exact difference, except for ``totSim``, whose
ministep contribution RSiena defines as the difference minus ``x_i+ simMean`` (RSiena
1.5.0, ``SimilarityEffect::calculateChangeContribution``); lbsim follows RSiena there.
Interactions ``A*B`` are RSiena's ``BehaviorInteractionEffect``: statistic s_A s_B / z̃_i
(0 where z̃_i = 0), ministep change c_A c_B / d; with a factor that is not an ego effect
the change differs from the statistic's difference where z̃_i is 0 at either end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from sim.saom import effects as fx
from sim.saom._numba.kernels import start_state
from sim.saom.program import finite_number

LINEAR, QUAD, AV_ALT, TOT_ALT, AV_SIM, TOT_SIM, INDEG, OUTDEG, EFF_FROM = range(9)
EGO_CODES = (LINEAR, AV_ALT, TOT_ALT, INDEG, OUTDEG, EFF_FROM)
"""Effects whose statistic is z̃_i times a quantity that does not depend on z_i: RSiena's
ego effects, which interact with any one other behaviour effect."""


@dataclass(frozen=True)
class BehaviourEffect:
    """One behaviour effect: RSiena short name, kernel code, whether it needs an actor
    covariate, its statistic s_i(x, z)."""

    name: str
    code: int
    needs_covariate: bool
    statistic: str


_TABLE = [
    BehaviourEffect("linear", LINEAR, False, "z̃_i (linear shape, tendency)"),
    BehaviourEffect("quad", QUAD, False, "z̃_i^2 (quadratic shape)"),
    BehaviourEffect("avAlt", AV_ALT, False,
                    "z̃_i mean_{j in N(i)} z̃_j, 0 if x_i+ = 0 (average alter: influence)"),
    BehaviourEffect("totAlt", TOT_ALT, False, "z̃_i sum_{j in N(i)} z̃_j (total alter)"),
    BehaviourEffect("avSim", AV_SIM, False,
                    "mean_{j in N(i)} (sim_ij - simMean), 0 if x_i+ = 0 (average similarity)"),
    BehaviourEffect("totSim", TOT_SIM, False,
                    "sum_{j in N(i)} (sim_ij - simMean) (total similarity; its ministep change "
                    "minus x_i+ simMean, as RSiena)"),
    BehaviourEffect("indeg", INDEG, False, "z̃_i x_+i (in-degree: popularity effect)"),
    BehaviourEffect("outdeg", OUTDEG, False, "z̃_i x_i+ (out-degree: activity effect)"),
    BehaviourEffect("effFrom", EFF_FROM, True,
                    "z̃_i (v_i - mean v) (effect from an actor covariate)"),
]
EGO_NAMES = ("linear", "avAlt", "totAlt", "indeg", "outdeg", "effFrom")
BEHAVIOUR_EFFECTS: dict[str, BehaviourEffect] = {e.name: e for e in _TABLE}
"""Behaviour effects by RSiena short name."""


def describe() -> str:
    """The behaviour effects as a text table."""
    return "\n".join([f"{e.name:<9}{'actor covariate' if e.needs_covariate else '':<17}"
                      f"{e.statistic}" for e in _TABLE]
                     + ["Interactions A*B(*C): statistic s_A s_B / z̃_i, all factors but one "
                        f"ego effects ({', '.join(EGO_NAMES)}), e.g. avAlt*effFrom:care."])


@dataclass(frozen=True)
class Behaviour:
    """A dependent behaviour: observed ``waves`` (n, W) ints and RSiena's statistics of
    them (module docstring)."""

    name: str
    waves: np.ndarray  # missing values imputed (:func:`behaviour`)
    lo: int
    hi: int
    mean: float
    sim_mean: float
    missing: np.ndarray | None = None  # (n, W) bool, None if every value is observed

    def unobserved(self, wave: int) -> np.ndarray:
        """(n,) bool: actors whose value is missing at ``wave`` or the next wave (RSiena:
        they add nothing to that period's behaviour statistics)."""
        if self.missing is None:
            return np.zeros(self.waves.shape[0], dtype=bool)
        return self.missing[:, wave] | self.missing[:, min(wave + 1, self.waves.shape[1] - 1)]

    @property
    def range(self) -> int:
        return self.hi - self.lo


def behaviour(name: str, waves: npt.ArrayLike,
              levels: tuple[int, int] | None = None) -> Behaviour:
    """Validate a behaviour's observed values, an (n,) or (n, W) array of integers (one
    column per wave), and compute its range, mean and simMean. ``levels`` (lo, hi): the
    range of the scale when it is wider than the values observed (default: observed).
    Raises ValueError."""
    a = np.asarray(waves)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] < 2:
        raise ValueError(f"behaviour {name!r} must be an (n,) or (n, waves) array with n >= 2,"
                         f" got shape {np.shape(waves)}")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"behaviour {name!r} must be integers, got dtype {a.dtype}")
    missing = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, dtype=bool)
    seen = a[~missing]
    if not np.all(seen == np.round(seen)):
        raise ValueError(f"behaviour {name!r} must be integers (ordinal levels), got "
                         f"{seen[seen != np.round(seen)][0]!r}")
    empty = np.flatnonzero(missing.all(0))
    if len(empty):
        raise ValueError(f"behaviour {name!r} has no observed value in wave {empty[0] + 1}; "
                         f"every wave needs some")
    lo, hi = int(seen.min()), int(seen.max())
    if levels is not None:
        lo_, hi_ = (int(v) for v in levels)
        if lo < lo_ or hi > hi_:
            bad = seen[(seen < lo_) | (seen > hi_)][0]
            raise ValueError(f"behaviour {name!r} has the value {bad:g}, outside its levels "
                             f"{lo_}..{hi_}; allowed: integers {lo_} to {hi_}")
        lo, hi = lo_, hi_
    if lo == hi:
        raise ValueError(f"behaviour {name!r} never varies (every value is {lo}); a behaviour "
                         f"needs at least two observed levels")
    columns = [a[~missing[:, k], k] for k in range(a.shape[1])]
    mean = float(np.mean([c.mean() for c in columns]))
    total = count = 0.0
    for c in columns[:-1] if len(columns) > 1 else columns:  # pairs of observed actors
        total += float((1 - np.abs(c[:, None] - c[None, :]) / (hi - lo)).sum() - len(c))
        count += len(c) * (len(c) - 1)
    z = _impute(a, missing, columns)
    return Behaviour(str(name), z, lo, hi, mean, total / count if count else 0.0,
                     missing if missing.any() else None)


def _impute(a: np.ndarray, missing: np.ndarray, columns: list[np.ndarray]) -> np.ndarray:
    """Missing values as RSiena fills them for the simulation (``unpackBehavior``): an
    actor missing in every wave takes each wave's mode (the smallest of the most common
    values); then the last observed value is carried forward, then the next one back."""
    z = np.where(missing, 0, a).astype(np.int64)
    if not missing.any():
        return z
    modes = []
    for c in columns:
        values, counts = np.unique(np.round(c).astype(np.int64), return_counts=True)
        modes.append(values[np.argmax(counts)])
    known = ~missing
    never = missing.all(1)
    z[never] = modes
    known[never] = True
    for k in range(1, z.shape[1]):
        fill = ~known[:, k] & known[:, k - 1]
        z[fill, k], known[fill, k] = z[fill, k - 1], True
    for k in range(z.shape[1] - 2, -1, -1):
        fill = ~known[:, k] & known[:, k + 1]
        z[fill, k], known[fill, k] = z[fill, k + 1], True
    return z


class BehaviourArrays(NamedTuple):
    """Behaviours as the kernels read them. Behaviour b's current values are row
    ``row[b]`` of the covariate arrays' ``actor`` (so network effects read them), its
    mean, range and simMean columns ``row[b]`` of ``actor_stats``; its effects are
    ``eff_start[b]:eff_start[b + 1]`` with parameters ``beta``; effect e has up to three
    factors (an interaction), codes ``code[e]`` and covariate rows ``cov[e]`` (-1 for
    none). ``mirror[b]`` (-1: none) is a row that follows
    behaviour b on a 0..1 scale, (z - lo + 0.5) / (hi - lo + 1): the classroom model's
    trait held in levels; times ``mirror_scale[b]``."""

    row: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    eff_start: np.ndarray
    beta: np.ndarray
    code: np.ndarray
    cov: np.ndarray
    mirror: np.ndarray
    mirror_scale: np.ndarray


def no_behaviours() -> BehaviourArrays:
    """The arrays of a model without behaviours."""
    i64 = np.int64
    return BehaviourArrays(np.zeros(0, i64), np.zeros(0), np.zeros(0), np.zeros(1, i64),
                           np.zeros(0), np.zeros((0, 3), i64), np.zeros((0, 3), i64),
                           np.zeros(0, i64), np.zeros(0))


def parameter_name(variable: str, key: str) -> str:
    """How estimates name behaviour ``variable``'s effect ``key``: ``"drink: avAlt"``."""
    return f"{variable}: {key}"


def compile_behaviour_effects(behaviours: Sequence[Behaviour],
                              effects: Mapping[str, Mapping[str, float]],
                              actor: Sequence[str]) -> tuple[BehaviourArrays, list[str]]:
    """Compile each behaviour's effects (``effects[name]``: RSiena short names to
    parameters; ``effFrom:<covariate>``) for covariate rows named ``actor`` (behaviours
    among them). Returns the arrays and the parameter names in kernel order."""
    actor = list(actor)
    names = [b.name for b in behaviours]
    unknown = [k for k in effects if k not in names]
    if unknown:
        raise ValueError(f"behaviour_effects names {unknown[0]!r}, which is not a behaviour; "
                         f"behaviours: {', '.join(names) or 'none'}")
    start, beta, code, cov, labels = [0], [], [], [], []
    for name in names:
        for key, value in (effects.get(name) or {}).items():
            factors = [_factor(name, part, key, actor) for part in str(key).split("*")]
            if len(factors) > 3 or sum(f[0] not in EGO_CODES for f in factors) > 1:
                raise ValueError(
                    f"behaviour interaction {key!r} is not allowed: at most three factors, "
                    f"all but one of them ego effects ({', '.join(EGO_NAMES)})")
            factors += [(-1, -1)] * (3 - len(factors))
            beta.append(finite_number(value, f"parameter of behaviour effect {key!r}"))
            code.append([f[0] for f in factors])
            cov.append([f[1] for f in factors])
            labels.append(parameter_name(name, key))
        start.append(len(beta))
    i64 = np.int64
    rows = np.array([actor.index(b) for b in names], dtype=i64)
    return (BehaviourArrays(rows, np.array([b.lo for b in behaviours], dtype=float),
                            np.array([b.hi for b in behaviours], dtype=float),
                            np.array(start, dtype=i64), np.array(beta, dtype=float),
                            np.array(code, dtype=i64).reshape(-1, 3),
                            np.array(cov, dtype=i64).reshape(-1, 3),
                            np.full(len(names), -1, dtype=i64), np.ones(len(names))), labels)


def _factor(name: str, part: str, key: str, actor: list[str]) -> tuple[int, int]:
    """(code, covariate row or -1) of one factor of behaviour ``name``'s effect ``key``."""
    base, _, covariate = part.strip().partition(":")
    if base not in BEHAVIOUR_EFFECTS:
        raise fx.unknown(f"behaviour effect (of {name!r})", base, list(BEHAVIOUR_EFFECTS))
    eff = BEHAVIOUR_EFFECTS[base]
    if eff.needs_covariate and not covariate:
        raise ValueError(f"behaviour effect {key!r} needs an actor covariate: write "
                         f"'{base}:<name>'")
    if not eff.needs_covariate and covariate:
        raise ValueError(f"behaviour effect {base!r} takes no covariate, got {key!r}")
    if covariate and covariate not in actor:
        raise ValueError(f"behaviour effect {key!r} needs actor covariate {covariate!r}; "
                         f"covariates given: {', '.join(actor) or 'none'}")
    return eff.code, actor.index(covariate) if covariate else -1


@njit(cache=True, _nrt=False, inline="always")
def effect_change(code, c, i, d, x, indeg, outdeg, z, zmean, zrange, zsim, cov, cstats):
    """Change of effect ``code``'s s_i when actor i's behaviour (values z, mean, range,
    simMean) moves by d = +-1 (RSiena's ministep contribution; module docstring); ``c``
    the row of effFrom's covariate in ``cov``."""
    n = z.shape[0]
    if code == LINEAR:
        return d
    if code == QUAD:
        return (2.0 * (z[i] - zmean) + d) * d
    if code == INDEG:
        return d * indeg[i]
    if code == OUTDEG:
        return d * outdeg[i]
    if code == EFF_FROM:
        return d * (cov[c, i] - cstats[0, c])
    k = outdeg[i]
    if k == 0:
        return 0.0
    if code == AV_ALT or code == TOT_ALT:
        total = 0.0
        for j in range(n):
            if x[i, j]:
                total += z[j] - zmean
        return d * total / (k if code == AV_ALT else 1.0)
    closer = 0.0  # alters the move brings closer minus those it moves away from
    for j in range(n):
        if x[i, j]:
            if (z[j] - z[i]) * d > 0:
                closer += 1.0
            else:
                closer -= 1.0
    if code == AV_SIM:
        return closer / zrange / k
    return closer / zrange - k * zsim  # TOT_SIM, RSiena's contribution


@njit(cache=True, _nrt=False, inline="always")
def term_change(beh, e, r, i, d, x, indeg, outdeg, data):
    """Change of behaviour effect e (on behaviour row r) when actor i moves by d: the
    product of its factors' changes divided by d per extra factor (RSiena's
    ``BehaviorInteractionEffect``)."""
    cov, cstats = data.actor, data.actor_stats
    z = cov[r]
    total = 1.0
    for f in range(3):
        if beh.code[e, f] < 0:
            break
        c = effect_change(beh.code[e, f], beh.cov[e, f], i, d, x, indeg, outdeg, z,
                          cstats[0, r], cstats[1, r], cstats[2, r], cov, cstats)
        total *= c if f == 0 else c / d
    return total


@njit(cache=True, _nrt=False)
def objective_changes(b, i, x, indeg, outdeg, beh, data, out):
    """out[0], out[1]: the change of behaviour b's objective function of actor i for the
    moves -1 and +1."""
    r = beh.row[b]
    out[0] = 0.0
    out[1] = 0.0
    for e in range(beh.eff_start[b], beh.eff_start[b + 1]):
        for s in range(2):
            out[s] += beh.beta[e] * term_change(beh, e, r, i, 2.0 * s - 1.0, x, indeg,
                                                outdeg, data)


@njit(cache=True)
def _move_contributions(b, x, beh, data, out):
    n = x.shape[0]
    _, _, indeg, outdeg = start_state(x)
    r = beh.row[b]
    for i in range(n):
        for e in range(beh.eff_start[b], beh.eff_start[b + 1]):
            for s in (0, 2):
                out[i, e - beh.eff_start[b], s] = term_change(beh, e, r, i, s - 1.0, x, indeg,
                                                              outdeg, data)


def move_contributions(b: int, network: np.ndarray, beh: BehaviourArrays,
                       data) -> np.ndarray:
    """C[i, k, s]: the change of behaviour ``b``'s effect k (its k-th effect) in actor i's
    objective function if i moves by s - 1 (down, stay, up; 0 for stay), the kernel's
    contribution (:func:`term_change`) at ``network`` and the behaviour values in
    ``data.actor``. Shape (n, K_b, 3)."""
    x = np.ascontiguousarray(network, dtype=np.int8)
    out = np.zeros((x.shape[0], int(beh.eff_start[b + 1] - beh.eff_start[b]), 3))
    _move_contributions(b, x, beh, data, out)
    return out


@njit(cache=True, _nrt=False)
def move_probabilities(b, i, beh, data, changes, p):
    """p[0..2]: probabilities of the moves -1, 0, +1 of actor i (moves out of the range
    have probability 0), from the objective changes ``changes`` of -1 and +1."""
    zi = data.actor[beh.row[b], i]
    ok_down, ok_up = zi > beh.lo[b], zi < beh.hi[b]
    top = 0.0
    if ok_down:
        top = max(top, changes[0])
    if ok_up:
        top = max(top, changes[1])
    p[0] = np.exp(changes[0] - top) if ok_down else 0.0
    p[1] = np.exp(-top)
    p[2] = np.exp(changes[1] - top) if ok_up else 0.0
    total = p[0] + p[1] + p[2]
    for s in range(3):
        p[s] /= total


def actor_statistics(code: int, x: np.ndarray, z: np.ndarray, b: Behaviour,
                     v: np.ndarray | None = None) -> np.ndarray:
    """s_i(x, z) of a behaviour effect for every actor (plain numpy, the definition):
    x (R, n, n) networks, z (R, n) behaviour values, ``v`` the centred covariate of
    effFrom. Returns (R, n)."""
    x = np.asarray(x, dtype=float)
    zc = np.asarray(z, dtype=float) - b.mean
    out_deg = x.sum(2)
    safe = np.where(out_deg > 0, out_deg, 1.0)
    if code == LINEAR:
        return zc
    if code == QUAD:
        return zc**2
    if code == INDEG:
        return zc * x.sum(1)
    if code == OUTDEG:
        return zc * out_deg
    if code == EFF_FROM:
        assert v is not None, "effFrom needs its covariate"
        return zc * v[None, :]
    if code in (AV_ALT, TOT_ALT):
        total = np.einsum("rij,rj->ri", x, zc)
        return zc * (total / safe if code == AV_ALT else total)
    zz = np.asarray(z, dtype=float)
    sim = 1.0 - np.abs(zz[:, :, None] - zz[:, None, :]) / b.range - b.sim_mean
    total = (x * sim).sum(2)
    return total / safe if code == AV_SIM else total


def behaviour_statistics(behaviours: Sequence[Behaviour], beh: BehaviourArrays, data,
                         x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """RSiena's target statistics sum_i s_ie(x, z) of every behaviour effect e (kernel
    order) for network(s) x ((n, n) or (R, n, n)) and behaviour values z (R, B, n);
    ``data`` the covariate data (effFrom's covariate centred by its mean). Shape (R, E)."""
    z = np.asarray(z, dtype=float)
    x = np.broadcast_to(np.asarray(x, dtype=float), (z.shape[0],) + np.shape(x)[-2:])
    out = np.zeros((z.shape[0], len(beh.beta)))
    for b, var in enumerate(behaviours):
        zc = z[:, b] - var.mean
        for e in range(beh.eff_start[b], beh.eff_start[b + 1]):
            stat = None
            for code, c in zip(beh.code[e], beh.cov[e], strict=True):
                if code < 0:
                    break
                v = None if c < 0 else data.actor[c] - data.actor_stats[0, c]
                s = actor_statistics(int(code), x, z[:, b], var, v)
                # an interaction: s_1 s_2 ... / z̃_i^(factors - 1), 0 where z̃_i = 0
                stat = s if stat is None else np.divide(stat * s, zc, where=zc != 0,
                                                        out=np.zeros_like(s))
            assert stat is not None  # every effect has at least one term
            out[:, e] = stat.sum(1)
    return out
