"""Validate a SAOM specification for one network and prepare what the kernel reads.

:func:`build` checks the network, effects, covariates, rates, cap and structural zeros,
and returns a :class:`Specification`: the effects compiled by :mod:`sim.saom.program`, the
covariate data (centred as RSiena centres them: actor covariates by their mean; the
similarity of ``simX`` by its mean over ordered pairs i != j; dyadic covariates by their
mean over off-diagonal entries; ``sameX`` compares raw values), the actor rates
``rate * exp(sum_h alpha_h (v_hi - mean v_h))``, the allowed ties (0 for structural zeros
and i = j) and the cap. :func:`term_factor` gives each covariate term's n x n factor in
plain numpy, for the reference simulator and the tests.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.saom import behaviour as bh
from sim.saom import effects as fx
from sim.saom import program as program_
from sim.saom.model import Model
from sim.saom.program import finite_number, gwesp_weights
from sim.saom.start import Start, check_network

NO_CAP = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Specification:
    """A validated model for one network: the compiled program, its covariate data, actor
    rates, allowed ties and the out-degree cap."""

    n: int
    program: program_.Program
    data: program_.CovariateData
    rates: np.ndarray
    allowed: np.ndarray
    max_outdegree: int
    uncentred: tuple[str, ...] = ()  # covariates used as they are (RSiena centered=FALSE)
    behaviours: tuple[bh.Behaviour, ...] = ()
    beh: bh.BehaviourArrays = field(default_factory=bh.no_behaviours)
    beh_rates: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (B, n)
    beh_labels: tuple[str, ...] = ()  # parameter names of the behaviour effects

    def behaviour_args(self, scale: np.ndarray | None = None) -> tuple:
        """(behaviour arrays, cumulative actor rates (B, n)), each behaviour's rates times
        ``scale[b]`` if given."""
        rates = self.beh_rates if scale is None else self.beh_rates * np.asarray(scale)[:, None]
        return self.beh, np.ascontiguousarray(np.cumsum(rates, axis=1).reshape(
            len(self.behaviours), self.n))

    @property
    def terms(self) -> dict:
        return self.program.terms

    @property
    def gwesp_weights(self) -> np.ndarray:
        return gwesp_weights(self.program.gwesp_param, self.n)

    def kernel_args(self) -> tuple:
        """(program arrays, covariate arrays) as the kernels take them."""
        return self.program.arrays(self.n), self.data.arrays()


def _actor_covariate(covariates: Mapping, name: str, n: int, key: str) -> np.ndarray:
    if name not in covariates:
        have = ", ".join(covariates) or "none"
        raise ValueError(f"effect {key!r} needs actor covariate {name!r}; covariates given: "
                         f"{have}")
    v = np.asarray(covariates[name], dtype=float)
    if v.shape != (n,):
        raise ValueError(f"actor covariate {name!r} must have shape ({n},), got {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"actor covariate {name!r} contains NaN or infinite values")
    return v


def _dyadic_covariate(dyadic: Mapping, name: str, n: int, key: str) -> np.ndarray:
    if name not in dyadic:
        have = ", ".join(dyadic) or "none"
        raise ValueError(f"effect {key!r} needs dyadic covariate {name!r}; dyadic covariates "
                         f"given: {have}")
    w = np.asarray(dyadic[name], dtype=float)
    if w.shape != (n, n):
        raise ValueError(f"dyadic covariate {name!r} must have shape ({n}, {n}), got {w.shape}")
    off = ~np.eye(n, dtype=bool)
    if not np.isfinite(w[off]).all():
        raise ValueError(f"dyadic covariate {name!r} contains NaN or infinite values")
    return w


def similarity(v: np.ndarray) -> np.ndarray:
    """RSiena's centred similarity: 1 - |v_i - v_j| / range(v), minus its mean over i != j."""
    rng = v.max() - v.min()
    if rng == 0:
        raise ValueError("simX needs a covariate that varies: its range is 0")
    sim = 1.0 - np.abs(v[:, None] - v[None, :]) / rng
    n = len(v)
    off = ~np.eye(n, dtype=bool)
    return sim - sim[off].mean()


def term_factor(term: fx.Term, n: int, covariates: Mapping, dyadic: Mapping,
                key: str, uncentred: Collection[str] = (),
                behaviours: Collection[bh.Behaviour] = ()) -> np.ndarray | None:
    """The n x n contribution c_ij of a covariate term, or None for a structural term.
    Covariates named in ``uncentred`` are used without subtracting their mean; a covariate
    that is one of ``behaviours`` is centred by the behaviour's mean, range and simMean."""
    kind = term.effect.kind
    if kind == "structural":
        return None
    if kind == "density":
        return np.ones((n, n))
    name = term.covariate
    assert name is not None, f"a {kind} effect names its covariate"
    if kind == "dyadic":
        w = _dyadic_covariate(dyadic, name, n, key)
        off = ~np.eye(n, dtype=bool)
        return w if name in uncentred else w - w[off].mean()
    v = _actor_covariate(covariates, name, n, key)
    beh = {b.name: b for b in behaviours}.get(name)
    mean = beh.mean if beh else v.mean()
    c = v if name in uncentred else v - mean
    if kind == "ego":
        return np.repeat(c[:, None], n, axis=1)
    if kind == "alter":
        return np.repeat(c[None, :], n, axis=0)
    if kind == "sim":
        if beh:
            return 1.0 - np.abs(v[:, None] - v[None, :]) / beh.range - beh.sim_mean
        return similarity(v)
    if kind == "same":
        return (v[:, None] == v[None, :]).astype(float)
    if kind == "egoalt":
        return np.outer(c, c)
    raise AssertionError(kind)


def build(start: Start, model: Model, *, rate: float,
          behaviour_rates: Mapping[str, float] | None = None, wave: int = 0) -> tuple:
    """Validate a model for the state a period starts from.

    Parameters
    ----------
    start : Start
        The network, covariates (``start.uncentred``: used as they are, not centred by
        their mean, RSiena's ``centered = FALSE``; rate effects always centre), behaviours
        and structural zeros. Network effects may name a behaviour as a covariate.
    model : Model
        Network effects mapped to parameters, ``rate_effects``, ``max_outdegree``,
        ``behaviour_effects`` (per behaviour, RSiena short names to parameters) and
        ``behaviour_rate_effects`` (per behaviour, its ``RateX`` effects).
    rate : float
        The network's basic rate.
    behaviour_rates : mapping of str to float, optional
        Per behaviour, its basic rate.
    wave : int
        The behaviours start from their observed column ``wave``.

    Returns
    -------
    tuple
        ``(x, Specification)``: the network as int8 and the validated model. Raises
        ValueError naming the problem.
    """
    if not isinstance(model.effects, Mapping):
        raise ValueError(f"model effects: {list(model.effects)!r}; allowed: a mapping of "
                         f"effects to values, e.g. {{'density': -1.8, 'recip': 2.4}}")
    unset = [k for k, v in model.effects.items() if v is None]
    if unset:
        raise ValueError(f"model effects: {unset[0]!r} has no value; allowed: a number (None, "
                         f"the default start, is for estimation)")
    effects = {k: v for k, v in model.effects.items() if v is not None}
    rate_effects, max_outdegree = model.rate_effects, model.max_outdegree
    structural_zeros, uncentred = start.structural_zeros, start.uncentred
    behaviours, behaviour_effects = start.behaviours, model.behaviour_effects
    behaviour_rate_effects = model.behaviour_rate_effects
    x = check_network(start.network)
    n = x.shape[0]
    covariates: dict[str, Any] = dict(start.covariates)
    dyadic: dict[str, Any] = dict(start.dyadic)
    for name in covariates:  # check every covariate given, used or not
        covariates[name] = _actor_covariate(covariates, name, n, f"covariate {name}")
    dependent = _behaviours(behaviours, n, covariates)
    for what, given in (("behaviour_rates", behaviour_rates),
                        ("behaviour_rate_effects", behaviour_rate_effects)):
        stray = [k for k in (given or {}) if k not in [b.name for b in dependent]]
        if stray:
            raise ValueError(f"{what} names {stray[0]!r}, which is not a behaviour; "
                             f"behaviours: {', '.join(b.name for b in dependent) or 'none'}")
    for b in dependent:
        covariates[b.name] = b.waves[:, wave].astype(float)
    for name in dyadic:
        dyadic[name] = _dyadic_covariate(dyadic, name, n, f"covariate {name}")
    prog = program_.compile_effects(effects, list(covariates), list(dyadic))
    for _, terms in prog.terms.values():
        for t in terms:
            if t.effect.kind == "sim" and t.covariate not in [b.name for b in dependent]:
                similarity(covariates[t.covariate])  # raises if the covariate is constant
    data = program_.covariate_data(
        prog, n, np.array([covariates[k] for k in covariates]).reshape(len(covariates), n),
        np.array([dyadic[k] for k in dyadic]).reshape(len(dyadic), n, n) if dyadic else None)
    uncentred = tuple(uncentred)
    unknown = [k for k in uncentred if k not in covariates and k not in dyadic]
    if unknown:
        raise ValueError(f"uncentred names {unknown[0]!r}, which is not a covariate given; "
                         f"covariates: {', '.join([*covariates, *dyadic]) or 'none'}")
    for a, name in enumerate(covariates):
        if name in uncentred:
            data.actor_stats[0, a] = 0.0
    for d, name in enumerate(dyadic):
        if name in uncentred:
            data.dyadic_means[d] = 0.0
    names = list(covariates)
    for b in dependent:  # centred as RSiena centres a behaviour, from all its waves
        if b.name in uncentred:
            raise ValueError(f"uncentred names behaviour {b.name!r}; behaviours are centred "
                             f"by their mean")
        data.actor_stats[:, names.index(b.name)] = b.mean, b.range, b.sim_mean

    rates = _actor_rates(finite_number(rate, "rate"), rate_effects or {}, covariates, n)

    allowed = np.ones((n, n), dtype=np.int8)
    np.fill_diagonal(allowed, 0)
    if structural_zeros is not None:
        z = np.asarray(structural_zeros)
        if z.shape != (n, n):
            raise ValueError(f"structural_zeros must have shape ({n}, {n}), got {z.shape}")
        if z.dtype.kind not in "biuf" or not np.isin(z, (0, 1)).all():
            raise ValueError("structural_zeros must be a 0/1 or boolean matrix (1 = tie "
                             "forbidden)")
        z = z.astype(bool)
        clash = z & (x == 1)
        if clash.any():
            i, j = np.argwhere(clash)[0]
            raise ValueError(f"network has a tie {i} -> {j} where structural_zeros forbids "
                             f"one; remove it or lift the zero")
        allowed[z] = 0
    if max_outdegree is None:
        cap = NO_CAP
    else:
        if isinstance(max_outdegree, bool) or not float(max_outdegree).is_integer() \
                or max_outdegree < 1:
            raise ValueError(f"max_outdegree must be a positive integer or None, got "
                             f"{max_outdegree!r}")
        cap = int(max_outdegree)
        over = np.flatnonzero(x.sum(1) > cap)
        if len(over):
            raise ValueError(f"actor {over[0]} already names {x[over[0]].sum()} friends, more "
                             f"than max_outdegree = {cap}")
    beh, labels = bh.compile_behaviour_effects(dependent, behaviour_effects or {}, names)
    beh_rates = np.array([_behaviour_rates(b.name, behaviour_rates, behaviour_rate_effects,
                                           covariates) for b in dependent]).reshape(-1, n)
    return x, Specification(n, prog, data, rates, allowed, cap, uncentred, tuple(dependent),
                            beh, beh_rates, tuple(labels))


def _behaviours(behaviours: Mapping | None, n: int, covariates: Mapping) -> list[bh.Behaviour]:
    """The behaviours given, validated, each with n actors and a name no covariate has."""
    if behaviours is None:
        return []
    if not isinstance(behaviours, Mapping):
        raise ValueError("behaviours must be a mapping of names to observed values, e.g. "
                         "{'drink': drink_waves}")
    out = []
    for name, values in behaviours.items():
        b = values if isinstance(values, bh.Behaviour) else bh.behaviour(name, values)
        if b.waves.shape[0] != n:
            raise ValueError(f"behaviour {name!r} has {b.waves.shape[0]} actors, the network "
                             f"{n}")
        if name in covariates:
            raise ValueError(f"{name!r} is both a covariate and a behaviour; rename one")
        out.append(b)
    return out


def _behaviour_rates(name: str, rates: Mapping | None, rate_effects: Mapping | None,
                     covariates: Mapping) -> np.ndarray:
    """Behaviour ``name``'s actor rates rate * exp(sum alpha (v_i - mean v))."""
    if not rates or name not in rates:
        raise ValueError(f"behaviour {name!r} needs a basic rate: behaviour_rates="
                         f"{{{name!r}: 1.5}}")
    return _actor_rates(finite_number(rates[name], f"rate of behaviour {name!r}"),
                        (rate_effects or {}).get(name) or {}, covariates,
                        len(covariates[name]))


def _actor_rates(rate: float, rate_effects: Mapping, covariates: Mapping,
                 n: int) -> np.ndarray:
    """rate * exp(sum_h alpha_h (v_hi - mean v_h)) for the ``RateX`` effects given."""
    if rate < 0:
        raise ValueError(f"rate must be >= 0, got {rate}")
    log_rates = np.full(n, math.log(rate) if rate > 0 else -np.inf)
    for key, alpha in rate_effects.items():
        cov = fx.parse_rate_key(key)
        alpha = finite_number(alpha, f"parameter of rate effect {key!r}")
        v = _actor_covariate(covariates, cov, n, key)
        log_rates = log_rates + alpha * (v - v.mean())
    return np.exp(log_rates)
