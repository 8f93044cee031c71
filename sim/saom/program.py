"""Compile effect specifications into flat arrays the kernel evaluates on the fly.

An objective function sum_k beta_k s_ik(x) is a list of effects; each effect is a
parameter, at most one network-dependent ("structural") factor and any number of
covariate factors (RSiena's interactions). For the tie i -> j the kernel adds
``beta * prod_f factor_f(i, j) * c_code(i, j)`` (c = 1 without a structural factor), where
``c_code`` is the structural effect's contribution and the covariate factors are:

=========  ==============================================================
kind       factor(i, j) (covariates centred as RSiena centres them)
=========  ==============================================================
EGO        v_i - mean v
ALTER      v_j - mean v
SIM        1 - |v_i - v_j| / range(v) - mean over pairs i != j of the same
SAME       1{v_i = v_j}
EGOALT     (v_i - mean v)(v_j - mean v)
DYADIC     w_ij - mean over i != j of w
LABEL      w_ij = s_i 1{l_i = l_j >= 0} (a shared setting with strength s),
           minus its mean over i != j
=========  ==============================================================

The covariate values live in :class:`CovariateData` arrays per network, so the same
compiled program serves one network (``simulate_period``) or thousands of classes whose
traits change every week (the classroom model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, NamedTuple

import numba
import numpy as np
import numpy.typing as npt
from numba import njit

from sim.saom import effects as fx
from sim.saom._numba import objective as objectives
from sim.saom.effects import CREATION, ENDOW, EVAL  # noqa: F401 (read from here too)
from sim.saom.factors import ALTER, DYADIC, EGO, EGOALT, LABEL, SAME, SIM

_KIND = {"ego": EGO, "alter": ALTER, "sim": SIM, "same": SAME, "egoalt": EGOALT}


HOST_ONLY = {"kernel": None}
"""Field metadata: a field the kernels do not read (it stays out of the kernel tuple)."""


def kernel_tuple(name: str, cls: type, extra: Sequence[str] = ()) -> type:
    """The named tuple the kernels take (numba takes named tuples, not dataclasses) with
    the fields of the dataclass ``cls`` in order, each renamed by its metadata ``kernel``
    (``HOST_ONLY``: left out), so a field is added in one place.

    Parameters
    ----------
    name
        The tuple's class name.
    cls
        The dataclass it mirrors.
    extra
        Fields the kernels take after those (properties of ``cls``, such as compiled code).

    Returns
    -------
    type
        A :class:`typing.NamedTuple` of arrays (and the ``extra`` fields).
    """
    names = [f.metadata.get("kernel", f.name) for f in fields(cls)]
    return NamedTuple(name, [(n, np.ndarray) for n in names if n is not None]
                      + [(n, Any) for n in extra])


@dataclass(frozen=True)
class Program:
    """A compiled objective function (see the module docstring).

    ``slot[e]`` is the index into ``codes`` of effect e's structural factor, or -1;
    effect e's covariate factors are ``fac_kind/fac_cov[fac_start[e]:fac_start[e+1]]``,
    ``fac_cov`` indexing the actor covariates, dyadic matrices or label covariates by kind.
    """

    beta: np.ndarray
    slot: np.ndarray
    fac_start: np.ndarray
    fac_kind: np.ndarray
    fac_cov: np.ndarray
    codes: np.ndarray
    gwesp_param: float = field(metadata={"kernel": "gwesp"})  # the kernels: w(k), k = 0..n
    terms: dict = field(metadata=HOST_ONLY)  # effect key -> (beta, parsed terms)
    sim_needed: np.ndarray = field(metadata=HOST_ONLY)  # (actor covariates,) bool: for simX
    gate: np.ndarray  # (effects,) EVAL, CREATION or ENDOW

    @cached_property
    def objective(self) -> Any:
        """The objective compiled for this program's structure
        (:mod:`sim.saom._numba.objective`)."""
        return objectives.compiled(
            objectives.structure(self.codes, self.gate, self.slot, self.fac_start,
                                 self.fac_kind),
            numba.typeof(covariate_data(self, 1).arrays()))

    @property
    def objective_address(self) -> int:
        """Where :attr:`objective` is in this process's memory."""
        return self.objective.address

    def arrays(self, n: int) -> ProgramArrays:
        """What the kernels take, with the GWESP weights for n actors."""
        return ProgramArrays(**{k: getattr(self, k) for k in ProgramArrays._fields
                                if k != "gwesp"}, gwesp=gwesp_weights(self.gwesp_param, n))


class ProgramArrays(kernel_tuple("ProgramArrays", Program,  # type: ignore[misc]
                                 extra=("objective_address",))):
    """A program as the kernels read it: the fields of :class:`Program` but ``terms`` and
    ``sim_needed``, ``gwesp`` holding the GWESP weights w(k) for k = 0..n, and
    ``objective_address`` (:attr:`Program.objective_address`; another process finds its
    own when the tuple is pickled)."""

    __slots__ = ()

    def __reduce__(self):
        return _arrays_elsewhere, (tuple(self[:-1]), objectives.key(self.objective_address))


def _arrays_elsewhere(fields: tuple, key: tuple) -> ProgramArrays:
    """A pickled :class:`ProgramArrays` with this process's objective address."""
    return ProgramArrays(*fields, objectives.compiled(*key).address)


def gwesp_weights(param: float, n: int) -> np.ndarray:
    """w(k) = e^a (1 - (1 - e^-a)^k) for k = 0..n, a = param / 100 (RSiena's GWESP)."""
    a = param / 100.0
    k = np.arange(n + 1)
    return np.exp(a) * (1.0 - (1.0 - np.exp(-a)) ** k)


def finite_number(value: Any, what: str) -> float:
    """``value`` (anything a user gave) as a finite float, or a ValueError naming ``what``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not np.isfinite(v):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return v


def _missing(kind: str, name: str | None, key: str, have: Sequence[str]) -> ValueError:
    return ValueError(f"effect {key!r} needs {kind} {name!r}; {kind}s given: "
                      f"{', '.join(have) or 'none'}")


def compile_effects(effects: Mapping[str, float], actor: Sequence[str] = (),
                    dyadic: Sequence[str] = (), labels: Sequence[str] = ()) -> Program:
    """Compile ``effects`` (RSiena short names to parameters) for networks whose actor
    covariates, dyadic covariates and label covariates are named ``actor``, ``dyadic`` and
    ``labels`` (their order is the order of the rows of :class:`CovariateData`).
    Raises ValueError naming the effect and what is allowed."""
    if not isinstance(effects, Mapping) or not effects:
        raise ValueError("effects must be a non-empty mapping of effect names to parameters, "
                         "e.g. {'density': -1.8, 'recip': 2.4}")
    actor, dyadic, labels = list(actor), list(dyadic), list(labels)
    beta, slot, fac_start, fac_kind, fac_cov, gate = [], [], [0], [], [], []
    codes: list[int] = []
    gw_param = None
    terms_by_key = {}
    sim_needed = np.zeros(len(actor), dtype=bool)
    for key, value in effects.items():
        terms = fx.parse_key(key)
        gate.append(fx.EFFECT_TYPES.index(fx.split_type(key)[1]))
        b = finite_number(value, f"parameter of effect {key!r}")
        terms_by_key[key] = (b, terms)
        s = -1
        for t in terms:
            kind = t.effect.kind
            if kind == "structural":
                code = t.effect.code
                if code == fx.GWESP_FF:
                    if gw_param is not None and gw_param != t.param:
                        raise ValueError(f"gwespFF is used with two internal parameters "
                                         f"({gw_param:g} and {t.param:g}); use one")
                    gw_param = t.param
                if code not in codes:
                    codes.append(code)
                s = codes.index(code)
            elif kind == "density":
                continue
            elif kind == "dyadic":
                if t.covariate in dyadic:
                    fac_kind.append(DYADIC)
                    fac_cov.append(dyadic.index(t.covariate))
                elif t.covariate in labels:
                    fac_kind.append(LABEL)
                    fac_cov.append(labels.index(t.covariate))
                else:
                    raise _missing("dyadic covariate", t.covariate, key, dyadic + labels)
            else:
                if t.covariate not in actor:
                    raise _missing("actor covariate", t.covariate, key, actor)
                fac_kind.append(_KIND[kind])
                fac_cov.append(actor.index(t.covariate))
                if kind == "sim":
                    sim_needed[actor.index(t.covariate)] = True
        beta.append(b)
        slot.append(s)
        fac_start.append(len(fac_kind))
    i64 = np.int64
    return Program(np.array(beta, dtype=float), np.array(slot, dtype=i64),
                   np.array(fac_start, dtype=i64), np.array(fac_kind, dtype=i64),
                   np.array(fac_cov, dtype=i64), np.array(codes, dtype=i64),
                   69.0 if gw_param is None else gw_param, terms_by_key, sim_needed,
                   np.array(gate, dtype=i64))


@njit(cache=True)
def actor_stats(cov, sim_needed, stats):
    """stats[0] = mean, stats[1] = range, stats[2] = mean similarity over pairs i != j
    (only where sim_needed; O(n log n) from the sorted values) of each covariate row."""
    a_count, n = cov.shape
    for a in range(a_count):
        v = cov[a]
        stats[0, a] = v.mean()
        rng = v.max() - v.min()
        stats[1, a] = rng
        stats[2, a] = 0.0
        if sim_needed[a] and rng > 0 and n > 1:
            s = np.sort(v)
            total = 0.0  # sum over ordered pairs i != j of |v_i - v_j|
            for k in range(n):
                total += 2.0 * (2 * k - n + 1) * s[k]
            stats[2, a] = 1.0 - total / (n * (n - 1)) / rng


@njit(cache=True)
def label_means(labels, strength, out):
    """out[c] = :func:`label_mean` of each label covariate c."""
    for c in range(labels.shape[0]):
        out[c] = label_mean(labels[c], strength[c])


@njit(cache=True)
def label_mean(labels, strength):
    """Mean over i != j of s_i 1{l_i = l_j >= 0}."""
    n = labels.shape[0]
    total = 0.0
    for i in range(n):
        if labels[i] >= 0:
            same = 0
            for j in range(n):
                if labels[j] == labels[i]:
                    same += 1
            total += strength[i] * (same - 1)
    return total / (n * (n - 1))


@dataclass
class CovariateData:
    """Covariate values of one network, with the statistics RSiena centres by."""

    actor: np.ndarray  # (A, n) float
    actor_stats: np.ndarray  # (3, A): mean, range, mean similarity
    dyadic: np.ndarray  # (D, n, n) float
    dyadic_means: np.ndarray  # (D,)
    labels: np.ndarray  # (L, n) int, -1 = none
    strength: np.ndarray  # (L, n) float
    label_means: np.ndarray  # (L,)

    def arrays(self) -> CovariateArrays:
        return CovariateArrays(**{k: getattr(self, k) for k in CovariateArrays._fields})


CovariateArrays = kernel_tuple("CovariateArrays", CovariateData)
CovariateArrays.__doc__ = """One network's covariates as the kernels read them: the fields of
:class:`CovariateData`."""


def covariate_data(program: Program, n: int, actor: npt.ArrayLike | None = None,
                   dyadic: npt.ArrayLike | None = None, labels: npt.ArrayLike | None = None,
                   strength: npt.ArrayLike | None = None) -> CovariateData:
    """Stack covariates (rows in the order given to :func:`compile_effects`) and compute
    their centring statistics."""
    a = np.ascontiguousarray(np.zeros((0, n)) if actor is None else actor, dtype=float)
    stats = np.zeros((3, a.shape[0]))
    need = program.sim_needed if len(program.sim_needed) == a.shape[0] else \
        np.zeros(a.shape[0], dtype=bool)
    actor_stats(a, need, stats)
    d = np.ascontiguousarray(np.zeros((0, 1, 1)) if dyadic is None else dyadic, dtype=float)
    off = ~np.eye(d.shape[1], dtype=bool)
    dmeans = np.array([m[off].mean() for m in d]) if len(d) else np.zeros(0)
    lab = np.ascontiguousarray(np.zeros((0, n), dtype=np.int64) if labels is None else labels,
                               dtype=np.int64)
    st = np.ascontiguousarray(np.ones(lab.shape) if strength is None else strength, dtype=float)
    lmeans = np.zeros(lab.shape[0])
    label_means(lab, st, lmeans)
    return CovariateData(a, stats, d, dmeans, lab, st, lmeans)
