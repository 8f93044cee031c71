"""numba kernels: the SAOM ministep loop (the hot core of lbsim).

State per simulated network: ``x`` (n x n int8, x[i, j] = 1 if i names j), its transpose
``xt`` kept in step (so columns are contiguous), in- and out-degrees. A ministep
(Snijders 2001; RSiena's ``NetworkVariable``): actor i is chosen with probability
proportional to its rate, the waiting time is exponential with the total rate; i then toggles
one tie i -> j, or nothing, with multinomial-logit probabilities
``P(j) ∝ exp(sign_j * c_ij)``, ``c_ij = f_i(x with i->j) - f_i(x without i->j)``,
``sign_j = +1`` if the tie is absent (creating) and ``-1`` if present (dropping), and weight
``exp(0) = 1`` for "no change".

Randomness comes from :mod:`sim.saom.rng`, one stream per run seeded from
``numpy.random.SeedSequence``, so results do not depend on how runs are spread over threads.
The loop over ministeps, with behaviours and settings, is :mod:`sim.saom._numba.coevolution`.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir as llvm_ir
from numba import njit, types
from numba.core import cgutils, errors
from numba.extending import intrinsic

from sim.saom._numba import objective
from sim.saom._numba.fastexp import exp_rows
from sim.saom.effects import ENDOW, EVAL
from sim.saom.factors import ALTER, DYADIC, EGO, EGOALT, LABEL, SAME, SIM
from sim.saom.rng import next_double

# Float scratch rows ``fw`` (float64, (BUF + codes) x n) of a simulated network; the
# integer rows ``iw`` are :mod:`sim.saom._numba.structural`'s.
PROD, SCORE, MASK, WEIGHTS, BUF = 0, 1, 2, 3, 4  # BUF + a: contributions of codes[a]


@njit(cache=True)
def workspace(n, n_codes):
    """Scratch arrays of one simulated network: (iw, fw, bits, scale)."""
    bits = np.empty(n, dtype=np.int64)
    return (np.zeros((3, n), dtype=np.int64), np.zeros((BUF + n_codes, n)), bits,
            bits.view(np.float64))


@njit(inline="always")
def exp_weights(fw, bits, scale):
    """fw[WEIGHTS, j] = fw[MASK, j] * exp(fw[SCORE, j])
    (:func:`sim.saom._numba.fastexp.exp_rows`)."""
    exp_rows(fw, SCORE, WEIGHTS, MASK, bits, scale)


@njit(inline="always")
def ego_part(e, i, prog, data):
    """(the product of effect e's ego factors for actor i, whether e has other factors)."""
    cov, cstats = data[0], data[1]
    m = 1.0
    varying = False
    for f in range(prog.fac_start[e], prog.fac_start[e + 1]):
        if prog.fac_kind[f] == EGO:
            m *= cov[prog.fac_cov[f], i] - cstats[0, prog.fac_cov[f]]
        else:
            varying = True
    return m, varying


@njit(cache=True, _nrt=False, fastmath={"contract"}, inline="always")
def effect_row(e, i, x, prog, data, fw):
    """fw[PROD, j] = effect e's contribution c_ij alone (parameter 1) for every option j:
    the ego factors, then the other factors multiplied in, times the structural
    contribution, 0 where a creation or endowment effect does not count (the terms of
    :mod:`sim.saom._numba.objective`)."""
    slot, fac_start, fac_kind, fac_cov, gate = (prog.slot, prog.fac_start, prog.fac_kind,
                                                prog.fac_cov, prog.gate)
    n = fw.shape[1]
    m, varying = ego_part(e, i, prog, data)
    for j in range(n):
        fw[PROD, j] = m
    if varying:
        for f in range(fac_start[e], fac_start[e + 1]):
            if gate[e] == EVAL or fac_kind[f] != EGO:
                _multiply_factor(fac_kind[f], fac_cov[f], i, data, fw)
    if slot[e] >= 0:
        row = BUF + slot[e]
        for j in range(n):
            fw[PROD, j] *= fw[row, j]
    if gate[e] != EVAL:
        keep = 1 if gate[e] == ENDOW else 0
        for j in range(n):
            if x[i, j] != keep:
                fw[PROD, j] = 0.0


@njit(cache=True, _nrt=False, fastmath={"contract"})
def _multiply_factor(kind, c, i, data, fw):
    """fw[PROD, j] *= factor(i, j) for a covariate factor that varies with j."""
    cov, cstats, dyad, dmean, labels, strength, lmean = data
    n = fw.shape[1]
    if kind == ALTER:
        for j in range(n):
            fw[PROD, j] *= cov[c, j] - cstats[0, c]
    elif kind == SIM:
        if cstats[1, c] > 0.0:
            inv, vi, base = 1.0 / cstats[1, c], cov[c, i], 1.0 - cstats[2, c]
            for j in range(n):
                fw[PROD, j] *= base - abs(vi - cov[c, j]) * inv
        else:  # a covariate without variation has no similarity effect
            for j in range(n):
                fw[PROD, j] = 0.0
    elif kind == SAME:
        vi = cov[c, i]
        for j in range(n):
            fw[PROD, j] *= 1.0 if cov[c, j] == vi else 0.0
    elif kind == EGOALT:
        vi = cov[c, i] - cstats[0, c]
        for j in range(n):
            fw[PROD, j] *= vi * (cov[c, j] - cstats[0, c])
    elif kind == DYADIC:
        for j in range(n):
            fw[PROD, j] *= dyad[c, i, j] - dmean[c]
    elif kind == LABEL:
        li, si = labels[c, i], strength[c, i]
        for j in range(n):
            w = si if (li >= 0 and labels[c, j] == li) else 0.0
            fw[PROD, j] *= w - lmean[c]


@intrinsic
def fused_multiply_add(typingctx, a, b, c):
    """a * b + c rounded once (LLVM's ``fma``), whatever the caller's fastmath flags."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        double = llvm_ir.DoubleType()
        fma = cgutils.get_or_insert_function(
            builder.module, llvm_ir.FunctionType(double, [double] * 3), "llvm.fma.f64")
        return builder.call(fma, args)

    return sig, codegen


@intrinsic
def call_objective(typingctx, address, i, x, xt, indeg, outdeg, iw, gw, data, fw, beta,
                   fac_cov):
    """Call the compiled objective at ``address`` (:mod:`sim.saom._numba.objective`; an
    integer, so the kernels' arguments stay numbers and arrays that numba's dispatcher
    types quickly). The arguments must have the objective's types."""
    want = objective.signature(data)
    got = (i, x, xt, indeg, outdeg, iw, gw, data, fw, beta, fac_cov)
    if not isinstance(address, types.Integer) or tuple(want.args) != got:
        raise errors.TypingError(f"the compiled objective takes {want.args}, got {got}")

    def codegen(context, builder, signature, args):
        fn = builder.inttoptr(args[0], context.get_value_type(types.FunctionType(want).ftype))
        builder.call(fn, args[1:])
        return context.get_dummy_value()

    return types.void(address, *got), codegen


@njit(inline="always")
def factor_at(kind, c, i, j, data, fused=False):
    """The covariate factor ``kind`` (row ``c``, not EGO: :func:`ego_part`) of the tie
    i -> j, as :func:`_multiply_factor` multiplies it in (``fused``: the similarity's
    product and difference rounded once, as :func:`_multiply_factor` compiles them)."""
    cov, cstats, dyad, dmean, labels, strength, lmean = data
    if kind == ALTER:
        return cov[c, j] - cstats[0, c]
    if kind == SIM:
        if cstats[1, c] > 0.0:
            d, inv, base = abs(cov[c, i] - cov[c, j]), 1.0 / cstats[1, c], 1.0 - cstats[2, c]
            return fused_multiply_add(-d, inv, base) if fused else base - d * inv
        return 0.0
    if kind == SAME:
        return 1.0 if cov[c, j] == cov[c, i] else 0.0
    if kind == EGOALT:
        return (cov[c, i] - cstats[0, c]) * (cov[c, j] - cstats[0, c])
    if kind == DYADIC:
        return dyad[c, i, j] - dmean[c]
    w = strength[c, i] if (labels[c, i] >= 0 and labels[c, j] == labels[c, i]) else 0.0
    return w - lmean[c]  # LABEL


@njit(inline="always")
def effect_contribution(e, i, j, x, prog, data, fw):
    """Effect e's contribution c_ij alone (parameter 1) for the one option j, as
    :func:`effect_row` computes it (ego factors first, the same products; a creation
    effect only where x_ij = 0, an endowment effect only where x_ij = 1); the structural
    contributions are in fw[BUF + slot]."""
    if prog.gate[e] != EVAL and x[i, j] != (1 if prog.gate[e] == ENDOW else 0):
        return 0.0
    m, _ = ego_part(e, i, prog, data)
    for f in range(prog.fac_start[e], prog.fac_start[e + 1]):
        if prog.fac_kind[f] != EGO:
            m *= factor_at(prog.fac_kind[f], prog.fac_cov[f], i, j, data)
    slot = prog.slot[e]
    return m * fw[BUF + slot, j] if slot >= 0 else m


@njit(cache=True, _nrt=False, fastmath={"contract", "nnan", "ninf", "nsz"})
def ministep_weights(i, x, xt, indeg, outdeg, prog, data, allowed, cap, iw, fw, bits,
                     scale):
    """Fill fw[WEIGHTS, j] (unnormalised choice probabilities of actor i; index i is
    "no change") and return their sum.

    ``prog`` is :meth:`Program.arrays`, ``data`` :meth:`CovariateData.arrays`. Toggling
    gives +c_ij when it creates the tie and -c_ij when it drops it; options that are
    structural zeros or would exceed the out-degree cap get weight 0. If a weight comes
    near overflow, all are rescaled by exp(-max) (and "no change" gets exp(-max)).
    """
    n = x.shape[0]
    call_objective(prog.objective_address, i, x, xt, indeg, outdeg, iw, prog.gwesp, data, fw,
                   prog.beta, prog.fac_cov)
    room = 1.0 if outdeg[i] < cap else 0.0
    for j in range(n):
        xij = x[i, j] + 0.0
        fw[SCORE, j] *= 1.0 - 2.0 * xij
        fw[MASK, j] = allowed[i, j] * min(xij + room, 1.0)
    exp_weights(fw, bits, scale)
    fw[WEIGHTS, i] = 1.0
    total = _sum_weights(fw)
    if not total < 1e300:  # some weight near overflow: rescale all by exp(-max)
        top = 0.0
        for j in range(n):
            if fw[MASK, j] > 0.0:
                top = max(top, fw[SCORE, j])
        for j in range(n):
            fw[SCORE, j] -= top
        exp_weights(fw, bits, scale)
        fw[WEIGHTS, i] = math.exp(-top)
        total = _sum_weights(fw)
    return total


@njit(cache=True, _nrt=False, inline="always")
def sum_row(fw, a):
    """Sum of fw[a] in a fixed order (four running sums), so the result does not depend
    on how the compiler vectorises."""
    n = fw.shape[1]
    t0 = t1 = t2 = t3 = 0.0
    e = n - n % 4
    for j in range(0, e, 4):
        t0 += fw[a, j]
        t1 += fw[a, j + 1]
        t2 += fw[a, j + 2]
        t3 += fw[a, j + 3]
    for j in range(e, n):
        t0 += fw[a, j]
    return (t0 + t1) + (t2 + t3)


@njit(inline="always")
def _sum_weights(fw):
    """Sum of fw[WEIGHTS] (:func:`sum_row`)."""
    return sum_row(fw, WEIGHTS)


@njit(cache=True, _nrt=False, inline="always")
def dot_rows(fw, a, b):
    """sum_j fw[a, j] fw[b, j] in a fixed order (four running sums, as :func:`sum_row`)."""
    n = fw.shape[1]
    t0 = t1 = t2 = t3 = 0.0
    e = n - n % 4
    for j in range(0, e, 4):
        t0 += fw[a, j] * fw[b, j]
        t1 += fw[a, j + 1] * fw[b, j + 1]
        t2 += fw[a, j + 2] * fw[b, j + 2]
        t3 += fw[a, j + 3] * fw[b, j + 3]
    for j in range(e, n):
        t0 += fw[a, j] * fw[b, j]
    return (t0 + t1) + (t2 + t3)


@njit(cache=True, _nrt=False)
def choose(fw, r):
    """The option j where the running sum of fw[WEIGHTS] first exceeds r (0 <= r < sum),
    scanning blocks of four; never an option of weight 0."""
    n = fw.shape[1]
    j = 0
    while j + 4 < n:
        block = (fw[WEIGHTS, j] + fw[WEIGHTS, j + 1]) + (fw[WEIGHTS, j + 2]
                                                         + fw[WEIGHTS, j + 3])
        if r < block:
            break
        r -= block
        j += 4
    while j < n - 1 and r >= fw[WEIGHTS, j]:
        r -= fw[WEIGHTS, j]
        j += 1
    while fw[WEIGHTS, j] == 0.0:  # rounding at the end of the scan: step back to an option
        j -= 1
    return j


@njit(cache=True, _nrt=False)
def draw_actor(state, cumrate, total_rate, uniform_rate):
    """The actor of the next ministep: uniform, or by the cumulative actor rates."""
    n = cumrate.shape[0]
    u = next_double(state)
    if uniform_rate:
        i = int(u * n)
    else:
        i = np.searchsorted(cumrate, u * total_rate, side="right")
    return min(i, n - 1)


@njit(cache=True, _nrt=False)
def toggle(x, xt, indeg, outdeg, i, j):
    """Actor i's choice j: create or drop the tie i -> j (j = i: no change)."""
    if j != i:
        if x[i, j]:
            x[i, j] = 0
            xt[j, i] = 0
            outdeg[i] -= 1
            indeg[j] -= 1
        else:
            x[i, j] = 1
            xt[j, i] = 1
            outdeg[i] += 1
            indeg[j] += 1


@njit(cache=True)
def start_state(x0):
    """A run's working copies of network ``x0``: (x, its transpose, in-degrees,
    out-degrees)."""
    n = x0.shape[0]
    x = x0.copy()
    xt = np.ascontiguousarray(x0.T)
    indeg = np.zeros(n, dtype=np.int64)
    outdeg = np.zeros(n, dtype=np.int64)
    for a in range(n):
        for b in range(n):
            outdeg[a] += x[a, b]
            indeg[b] += x[a, b]
    return x, xt, indeg, outdeg
