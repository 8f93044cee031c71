"""Effect statistics s_k(x) = sum_i s_ik(x) of whole networks, from the kernels' change
statistics, so the simulation and the estimation read one definition of every effect.

For a statistic with s_i(x) = 0 when i names nobody (all effects of
:mod:`sim.saom.effects`), s_i(x) is the sum of the changes made by adding i's ties one at
a time to the network with i's row emptied: each change is the kernel's contribution
c_ij (:func:`sim.saom._numba.structural.contributions` times the covariate factors of
:func:`sim.saom._numba.kernels.effect_row`). gwespFF is the exception: RSiena's ministep uses
the toggled tie's own weight w(TP_ij), not the exact change, while its statistic is
sum_j x_ij w(TP_ij) (RSiena manual, Ripley et al., "Mathematical definition of effects");
its weights are read at the full network, where TP_ij does not involve the tie i -> j.

These are RSiena's target statistics for method-of-moments estimation (Snijders 2001):
``density`` counts ties, ``recip`` reciprocated ordered pairs, ``transTrip`` transitive
triplets, ``inPopSqrt`` sum_j x_+j^1.5, covariate effects their centred sums.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from sim.saom import effects as fx
from sim.saom import program
from sim.saom._numba import kernels, structural
from sim.saom.effects import GWESP_FF, TRANS_TIES, TRANS_TRIP
from sim.saom.program import ProgramArrays
from sim.saom.specification import Specification


@njit(cache=True, _nrt=False)
def _refresh(x, xt, i, indeg, outdeg, prog, iw, fw):
    """Two-paths and every structural contribution of actor i at the current network."""
    codes, gw = prog.codes, prog.gwesp
    k = structural.out_neighbours(x, i, iw)
    for a in range(codes.shape[0]):
        if codes[a] == TRANS_TRIP or codes[a] == TRANS_TIES or codes[a] == GWESP_FF:
            structural.two_paths_from(x, k, iw)
            break
    for a in range(codes.shape[0]):
        structural.contributions(codes[a], x, xt, i, indeg, outdeg, k, iw, gw, fw,
                                 kernels.BUF + a)


INCREMENTAL, LINEAR, QUADRATIC, AT_FULL = 0, 1, 2, 3
"""How :func:`network_statistics` sums effect e over actor i's ties: LINEAR, c_ij does not
depend on i's other ties, so s_i = sum_j x_ij c_ij at the full network; QUADRATIC, s_i is
multilinear and homogeneous of degree 2 in i's ties (transTrip), so s_i = 1/2 sum_j x_ij
c_ij (Euler's theorem); AT_FULL, gwespFF (the module docstring); INCREMENTAL, any other
effect, i's ties added one at a time."""


@njit(cache=True)
def _row_degrees(prog):
    """Each effect's way of summing (INCREMENTAL, LINEAR, QUADRATIC or AT_FULL)."""
    slot, codes = prog.slot, prog.codes
    mode = np.zeros(slot.shape[0], dtype=np.int64)
    for e in range(slot.shape[0]):
        code = codes[slot[e]] if slot[e] >= 0 else -1
        if code == GWESP_FF:
            mode[e] = AT_FULL
        elif prog.gate[e] != kernels.EVAL:
            mode[e] = INCREMENTAL
        elif code == TRANS_TRIP:
            mode[e] = QUADRATIC
        elif code in (-1, fx.RECIP, fx.CYCLE3, fx.IN_POP, fx.IN_POP_SQRT, fx.OUT_POP,
                      fx.OUT_POP_SQRT):
            mode[e] = LINEAR
    return mode


@njit(cache=True)
def network_statistics(x0, prog, data, out):
    """out[e] = sum_i s_ie(x0) for every effect e of the compiled program ``prog``."""
    n = x0.shape[0]
    n_eff = prog.slot.shape[0]
    mode = _row_degrees(prog)
    incremental = False
    for e in range(n_eff):
        incremental = incremental or mode[e] == INCREMENTAL
    x, xt, indeg, outdeg = kernels.start_state(x0)
    iw, fw, bits, scale = kernels.workspace(n, prog.codes.shape[0])
    _sum_statistics(x, xt, indeg, outdeg, prog, data, iw, fw, np.empty(n, dtype=np.int64),
                    mode, incremental, out)


@njit(cache=True, _nrt=False)
def _sum_statistics(x, xt, indeg, outdeg, prog, data, iw, fw, ties, mode, incremental, out):
    """:func:`network_statistics` on the working copies (x, xt, degrees) and workspaces,
    without allocating (compiled without reference counting, which its inner loops would
    otherwise pay on every array they read from the tuples)."""
    n = x.shape[0]
    n_eff = mode.shape[0]
    for e in range(n_eff):
        out[e] = 0.0
    for i in range(n):
        d = 0
        for j in range(n):
            if x[i, j]:
                ties[d] = j
                d += 1
        if d == 0:
            continue
        _refresh(x, xt, i, indeg, outdeg, prog, iw, fw)
        for e in range(n_eff):
            if mode[e] == LINEAR:
                for t in range(d):
                    out[e] += kernels.effect_contribution(e, i, ties[t], x, prog, data, fw)
            elif mode[e] == QUADRATIC:
                acc = 0.0
                for t in range(d):
                    acc += kernels.effect_contribution(e, i, ties[t], x, prog, data, fw)
                out[e] += 0.5 * acc
            elif mode[e] == AT_FULL:
                kernels.effect_row(e, i, x, prog, data, fw)
                for t in range(d):
                    out[e] += fw[kernels.PROD, ties[t]]
        if incremental:
            _add_incrementally(i, ties, d, x, xt, indeg, outdeg, prog, data, iw, fw, mode, out)


@njit(cache=True, _nrt=False)
def _add_incrementally(i, ties, d, x, xt, indeg, outdeg, prog, data, iw, fw, mode, out):
    """out[e] += s_ie for the INCREMENTAL effects: i's row emptied, then its ``d`` ties
    added back one by one, each adding its change c_ij."""
    for t in range(d):
        j = ties[t]
        x[i, j] = 0
        xt[j, i] = 0
        indeg[j] -= 1
    outdeg[i] = 0
    for t in range(d):
        j = ties[t]
        _refresh(x, xt, i, indeg, outdeg, prog, iw, fw)
        for e in range(mode.shape[0]):
            if mode[e] == INCREMENTAL:
                out[e] += kernels.effect_contribution(e, i, j, x, prog, data, fw)
        x[i, j] = 1
        xt[j, i] = 1
        indeg[j] += 1
        outdeg[i] += 1


@njit(cache=True)
def _option_contributions(x0, prog, data, out):
    n = x0.shape[0]
    x, xt, indeg, outdeg = kernels.start_state(x0)
    iw, fw, bits, scale = kernels.workspace(n, prog.codes.shape[0])
    for i in range(n):
        _refresh(x, xt, i, indeg, outdeg, prog, iw, fw)
        for e in range(prog.slot.shape[0]):
            kernels.effect_row(e, i, x, prog, data, fw)
            for j in range(n):
                out[i, e, j] = 0.0 if j == i else (1.0 - 2.0 * x[i, j]) * fw[kernels.PROD, j]


def option_contributions(network: npt.ArrayLike, spec: Specification) -> np.ndarray:
    """C[i, k, j]: what effect k adds to actor i's objective function if i toggles the tie
    i -> j in ``network`` (the kernel's contribution c_ij of effect k alone, with the sign
    of the toggle: + when it creates the tie, - when it drops it; 0 for j = i, "no
    change"), so that a ministep chooses j with probability proportional to
    exp(sum_k beta_k C[i, k, j]) among the options it may take. Shape (n, K, n)."""
    x = np.ascontiguousarray(network, dtype=np.int8)
    if x.shape != (spec.n, spec.n):
        raise ValueError(f"network must be {spec.n} x {spec.n}, got shape {np.shape(network)}")
    prog, data = spec.kernel_args()
    out = np.zeros((spec.n, len(spec.program.beta), spec.n))
    _option_contributions(x, prog, data, out)
    return out


@njit(cache=True, parallel=True)
def _stack_statistics(xs, prog, data, out):
    for r in prange(xs.shape[0]):
        network_statistics(xs[r], prog, data, out[r])


def effect_statistics(networks: npt.ArrayLike, spec: Specification) -> np.ndarray:
    """sum_i s_ik(x) for each effect k of ``spec`` (in the order of its effects mapping):
    shape (K,) for one n x n network, (R, K) for a stack (R, n, n)."""
    xs = np.asarray(networks, dtype=np.int8)
    single = xs.ndim == 2
    xs = np.ascontiguousarray(xs[None] if single else xs)
    if xs.ndim != 3 or xs.shape[1:] != (spec.n, spec.n):
        raise ValueError(f"networks must be {spec.n} x {spec.n} or (R, {spec.n}, {spec.n}), "
                         f"got shape {np.shape(networks)}")
    prog, data = spec.kernel_args()
    out = np.zeros((xs.shape[0], len(spec.program.beta)))
    _stack_statistics(xs, prog, data, out)
    return out[0] if single else out


def hamming(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """sum_ij |a_ij - b_ij|: ties changed between two networks (stacks broadcast)."""
    return np.abs(np.asarray(a, dtype=np.int64) - np.asarray(b, dtype=np.int64)).sum((-2, -1))


@njit(cache=True)
def _covariate_factors(prog, data, e, out):
    """out[i, j] = the product of effect e's covariate factors (ego ones included) for the
    tie i -> j; 1 for an effect without any."""
    n = out.shape[0]
    x = np.zeros((n, n), dtype=np.int8)
    iw, fw, bits, scale = kernels.workspace(n, prog.codes.shape[0])
    single = ProgramArrays(np.ones(1), np.full(1, -1, dtype=np.int64), prog.fac_start[e:e + 2],
                           prog.fac_kind, prog.fac_cov, prog.codes, prog.gwesp,
                           np.zeros(1, dtype=np.int64),  # effect e, no structural part, eval
                           prog.objective_address)
    for i in range(n):
        kernels.effect_row(0, i, x, single, data, fw)
        for j in range(n):
            out[i, j] = fw[kernels.PROD, j]


def tie_statistics(code: int, y: np.ndarray) -> np.ndarray:
    """RSiena's ``tieStatistic`` of the tie i -> j in each network of the stack y (R, n, n),
    which creation and endowment statistics sum over ties gained or lost: 1 for density
    and covariate effects, x_ji (recip), #two-paths i -> h -> j (transTrip), whether there
    is one (transTies), #two-paths j -> h -> i / 3 (cycle3), x_+j (inPop), x_j+ (outPop),
    x_i+ (outAct) and their square roots (the Sqrt variants)."""
    if code < 0:
        return np.ones_like(y)
    if code == fx.RECIP:
        return y.transpose(0, 2, 1)
    if code in (fx.TRANS_TRIP, fx.TRANS_TIES, fx.CYCLE3):
        tp = y @ y
        if code == fx.TRANS_TIES:
            return (tp > 0).astype(float)
        return tp if code == fx.TRANS_TRIP else tp.transpose(0, 2, 1) / 3.0
    degree = {fx.IN_POP: y.sum(1)[:, None, :], fx.IN_POP_SQRT: y.sum(1)[:, None, :],
              fx.OUT_POP: y.sum(2)[:, None, :], fx.OUT_POP_SQRT: y.sum(2)[:, None, :],
              fx.OUT_ACT: y.sum(2)[:, :, None], fx.OUT_ACT_SQRT: y.sum(2)[:, :, None]}
    if code not in degree:
        raise ValueError("gwespFF cannot be estimated as a creation or endowment effect; "
                         "allowed: density, recip, transTrip, transTies, cycle3, inPop, "
                         "outPop, outAct (and Sqrt), covariate effects")
    d = np.broadcast_to(degree[code], y.shape)
    return np.sqrt(d) if code in (fx.IN_POP_SQRT, fx.OUT_POP_SQRT, fx.OUT_ACT_SQRT) else d


def typed_statistics(start: np.ndarray, ends: np.ndarray, spec: Specification) -> np.ndarray:
    """Target statistics of the creation and endowment effects of ``spec`` (in order) for a
    period from network ``start`` to each of ``ends`` (R, n, n), as RSiena's
    ``StatisticCalculator``: a creation effect sums its tie statistic, read in the end
    network, over the ties gained; an endowment effect minus the sum over the ties lost,
    read in the start network (the minus sign as RSiena's, so that its statistic rises
    with its parameter). Shape (R, number of typed effects)."""
    prog, data = spec.kernel_args()
    x0 = np.asarray(start, dtype=float)[None]
    xs = np.asarray(ends, dtype=float)
    cols = []
    factor = np.empty((spec.n, spec.n))
    for e in np.flatnonzero(spec.program.gate != program.EVAL):
        _covariate_factors(prog, data, e, factor)
        slot = spec.program.slot[e]
        code = int(spec.program.codes[slot]) if slot >= 0 else -1
        if spec.program.gate[e] == program.CREATION:
            cols.append((xs * (1 - x0) * tie_statistics(code, xs) * factor).sum((1, 2)))
        else:
            lost = x0 * (1 - xs)
            cols.append(-(lost * tie_statistics(code, x0) * factor).sum((1, 2)))
    return np.stack(cols, axis=1) if cols else np.zeros((len(xs), 0))
