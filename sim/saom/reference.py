"""A slow, plain numpy SAOM simulator: the reference the numba kernels are tested against.

Nothing here uses change statistics: the objective function f_i(x) = sum_k beta_k s_ik(x)
is evaluated from each statistic's definition on every network the ministep could lead to,
and the choice probabilities are exp(f_i(x') - f_i(x)) normalised (RSiena's ministep).
The one exception is gwespFF, whose ministep contribution RSiena defines as the toggled
tie's own weight w(TP_ij) rather than a difference of statistics; the reference follows
that definition. A creation effect enters the difference only for options that create a
tie, an endowment effect only for options that drop one.

It doubles as the baseline of ``benchmarks/bench_saom.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from sim.saom import effects as fx
from sim.saom import specification
from sim.saom.model import Model
from sim.saom.start import Start


def structural_statistic(code: int, y: np.ndarray, i: int, gw: np.ndarray) -> np.ndarray:
    """s_i of the structural effect ``code`` for each network of the stack y (m, n, n)."""
    row = y[:, i, :]  # x_ij for each network
    if code == fx.RECIP:
        return (row * y[:, :, i]).sum(1)
    if code == fx.TRANS_TRIP:
        return np.einsum("mj,mh,mhj->m", row, row, y)
    if code == fx.TRANS_TIES:
        tp = np.einsum("mh,mhj->mj", row, y)
        return (row * (tp > 0)).sum(1)
    if code == fx.CYCLE3:
        return np.einsum("mj,mjh,mh->m", row, y, y[:, :, i])
    if code == fx.GWESP_FF:
        tp = np.einsum("mh,mhj->mj", row, y).astype(int)
        return (row * gw[tp]).sum(1)
    if code == fx.IN_POP:
        return (row * y.sum(1)).sum(1)
    if code == fx.IN_POP_SQRT:
        return (row * np.sqrt(y.sum(1))).sum(1)
    if code == fx.OUT_ACT:
        return row.sum(1) ** 2
    if code == fx.OUT_ACT_SQRT:
        return row.sum(1) ** 1.5
    if code == fx.OUT_POP:
        return (row * y.sum(2)).sum(1)
    if code == fx.OUT_POP_SQRT:
        return (row * np.sqrt(y.sum(2))).sum(1)
    raise ValueError(f"unknown structural code {code}")


def effect_statistic(terms: Sequence[fx.Term], y: npt.ArrayLike, i: int,
                     covariates: Mapping | None = None, dyadic: Mapping | None = None,
                     gw: np.ndarray | None = None,
                     uncentred: Collection[str] = (), behaviours: Sequence = ()) -> np.ndarray:
    """s_i(x) of an effect (a tuple of parsed terms) for each network of the stack y.

    Dyadic effects and their interactions: sum_j x_ij prod_t c_t(i, j) (recip has
    c(i, j) = x_ji). Ego x other: prod_ego (v_i - mean v) * s_i(other).
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 2:
        y = y[None]
    n = y.shape[1]
    gw = specification.gwesp_weights(69.0, n) if gw is None else gw
    covariates, dyadic = covariates or {}, dyadic or {}
    key = "*".join(map(str, terms))
    factors = [specification.term_factor(t, n, covariates, dyadic, key, uncentred, behaviours)
               for t in terms]
    structural = [t for t, f in zip(terms, factors, strict=True) if f is None]
    fixed = np.ones((n, n))
    for f in factors:
        if f is not None:
            fixed = fixed * f
    if not structural:
        return (y[:, i, :] * fixed[i]).sum(1)
    code = structural[0].effect.code
    if code == fx.RECIP and all(t.effect.is_dyadic for t in terms):
        return (y[:, i, :] * y[:, :, i] * fixed[i]).sum(1)
    # ego effects times one structural effect: the ego factor is constant over j
    return fixed[i, (i + 1) % n] * structural_statistic(code, y, i, gw)


def choice_probabilities(x: npt.ArrayLike, i: int, spec: specification.Specification,
                         covariates: Mapping | None = None,
                         dyadic: Mapping | None = None) -> np.ndarray:
    """P(option j) for actor i (index i = "no change") by evaluating f_i on every option.
    Behaviours of ``spec`` are covariates at their start values."""
    x = np.asarray(x, dtype=float)
    covariates = {**(covariates or {}), **{b.name: b.waves[:, 0] for b in spec.behaviours}}
    n = x.shape[0]
    y = np.repeat(x[None], n, axis=0)
    idx = np.arange(n)
    y[idx, i, idx] = 1 - y[idx, i, idx]
    y[i, i, i] = 0  # option i: no change
    delta = np.zeros(n)
    for (beta, terms), g in zip(spec.terms.values(), spec.program.gate, strict=True):
        # a creation effect counts for options that create a tie, an endowment effect for
        # options that drop one (RSiena's effect types)
        kind = fx.EFFECT_TYPES[g]
        gate = 1.0 if kind == "eval" else (x[i] == (1.0 if kind == "endow" else 0.0))
        gw_terms = [t for t in terms if t.effect.kind == "structural"
                    and t.effect.code == fx.GWESP_FF]
        if gw_terms:  # RSiena: contribution of the toggled tie is w(TP_ij), signed
            gw = specification.gwesp_weights(gw_terms[0].param, n)
            tp = (x[i] @ x).astype(int)
            ego = [f for t in terms if t is not gw_terms[0]
                   if (f := specification.term_factor(t, n, covariates, dyadic or {}, "",
                                                      spec.uncentred, spec.behaviours))
                   is not None]
            mult = np.prod([f[i, 0] for f in ego]) if ego else 1.0
            sign = 1 - 2 * x[i]
            delta += gate * beta * mult * sign * gw[tp]
            continue
        s = effect_statistic(terms, y, i, covariates, dyadic, spec.gwesp_weights,
                             spec.uncentred, spec.behaviours)
        delta += gate * beta * (s - s[i])
    delta[i] = 0.0
    ok = spec.allowed[i].astype(bool).copy()
    if x[i].sum() >= spec.max_outdegree:
        ok &= x[i] == 1
    ok[i] = True
    w = np.where(ok, np.exp(np.where(ok, delta, 0.0) - delta[ok].max()), 0.0)
    return w / w.sum()


def simulate_period(network: npt.ArrayLike, effects: Mapping[str, float], *, rate: float,
                    covariates: Mapping | None = None, dyadic: Mapping | None = None,
                    rate_effects: Mapping[str, float] | None = None, period: float = 1.0,
                    max_outdegree: int | None = None,
                    structural_zeros: npt.ArrayLike | None = None,
                    rng: int | np.random.SeedSequence | np.random.Generator | None = None,
                    uncentred: Collection[str] = ()) -> tuple[np.ndarray, int]:
    """Reference version of :func:`sim.saom.simulate_period` (numpy's Generator ``rng``).

    Returns ``(network, ministeps)``.
    """
    x, spec = specification.build(
        Start(np.asarray(network), covariates=covariates or {}, dyadic=dyadic or {},
              structural_zeros=structural_zeros, uncentred=tuple(uncentred)),
        Model(effects, rate_effects=rate_effects, max_outdegree=max_outdegree), rate=rate)
    rng = np.random.default_rng(rng)
    x = x.astype(float)
    total = spec.rates.sum()
    p_actor = spec.rates / total
    t, steps = 0.0, 0
    while total > 0:
        t += rng.exponential(1.0 / total)
        if t > period:
            break
        i = rng.choice(spec.n, p=p_actor)
        j = rng.choice(spec.n, p=choice_probabilities(x, i, spec, covariates, dyadic))
        if j != i:
            x[i, j] = 1 - x[i, j]
        steps += 1
    return x.astype(np.int8), steps


def behaviour_probabilities(x: np.ndarray, z: np.ndarray, i: int, b, effects: Mapping,
                            covariates: Mapping | None = None) -> np.ndarray:
    """P(move -1, 0, +1) of actor i's behaviour ``b`` (:class:`Behaviour`, values z (n,))
    from the effects' statistics s_i evaluated at z and at z with z_i moved; totSim adds
    RSiena's -x_i+ simMean to each move."""
    from sim.saom import behaviour as bh  # the definitions of the statistics

    covariates = covariates or {}
    delta = np.zeros(3)
    for s, d in enumerate((-1, 0, 1)):
        if d == 0 or not b.lo <= z[i] + d <= b.hi:
            continue
        moved = z.astype(float).copy()
        moved[i] += d
        for key, beta in effects.items():
            pair = np.stack([z.astype(float), moved])
            zc = pair[:, i] - b.mean
            si, totsim = None, False
            for part in key.split("*"):  # an interaction: s_1 s_2 ... / z̃_i^(factors - 1)
                name, _, cov = part.partition(":")
                code = bh.BEHAVIOUR_EFFECTS[name].code
                totsim |= code == bh.TOT_SIM
                v = None if not cov else (np.asarray(covariates[cov], np.float64)
                                          - np.mean(covariates[cov]))
                f = bh.actor_statistics(code, np.stack([x, x]), pair, b, v)[:, i]
                si = f if si is None else np.where(zc != 0, si * f / np.where(zc != 0, zc, 1),
                                                   0.0)
            assert si is not None  # a key has at least one effect
            delta[s] += beta * (si[1] - si[0] - (x[i].sum() * b.sim_mean if totsim else 0.0))
    ok = np.array([b.lo <= z[i] - 1, True, z[i] + 1 <= b.hi])
    w = np.where(ok, np.exp(delta - delta[ok].max()), 0.0)
    return w / w.sum()


def coevolve_period(network: npt.ArrayLike, effects: Mapping[str, float], *, rate: float,
                    behaviour, behaviour_effects: Mapping[str, float], behaviour_rate: float,
                    covariates: Mapping | None = None, period: float = 1.0,
                    rng: int | np.random.Generator | None = None) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """Reference co-evolution of a network and one behaviour (uniform rates): the next
    ministep after an exponential time with rate n (rate + behaviour_rate), the network's
    with probability rate / (rate + behaviour_rate), the actor uniform. Network effects
    may name the behaviour, read at its current values. Returns (network, behaviour)."""
    rng = np.random.default_rng(rng)
    x = np.asarray(network, dtype=float).copy()
    z = behaviour.waves[:, 0].astype(float).copy()
    n = len(z)
    t = 0.0
    while True:
        t += rng.exponential(1.0 / (n * (rate + behaviour_rate)))
        if t > period:
            return x.astype(np.int8), z.astype(np.int64)
        i = int(rng.integers(n))
        if rng.random() < rate / (rate + behaviour_rate):
            now = replace(behaviour, waves=z.astype(np.int64)[:, None])
            _, spec = specification.build(
                Start(x, covariates=covariates or {}, behaviours={behaviour.name: now}),
                Model(effects), rate=rate, behaviour_rates={behaviour.name: behaviour_rate})
            p = choice_probabilities(x, i, spec, covariates)
            j = rng.choice(n, p=p)
            if j != i:
                x[i, j] = 1 - x[i, j]
        else:
            d = rng.choice(3, p=behaviour_probabilities(x, z, i, behaviour,
                                                         behaviour_effects, covariates)) - 1
            z[i] += d

