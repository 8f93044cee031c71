"""Simulated periods with their score functions: the derivative of the log-probability of
the simulated path with respect to each parameter (Schweinberger & Snijders 2007,
"Markov models for digraph panel data: Monte Carlo-based derivative estimation",
Computational Statistics & Data Analysis 51; RSiena's default for method of moments).

For the objective function parameter beta_k, a ministep of actor i choosing option j*
among probabilities p_j contributes sign_j* c_k(i, j*) - sum_j p_j sign_j c_k(i, j)
(``c_k`` the effect's contribution, ``sign`` +1 to create a tie, -1 to drop it, 0 for no
change). For the basic rate rho of a period of length T the number of ministeps is Poisson
with mean T rho sum_i r_i (``r_i`` the actor rates relative to rho), so its score is
N / rho - T sum_i r_i. The ministep loop is :func:`sim.saom.kernels.simulate_one`'s, with
the same random draws, so a run gives the same network as :func:`simulate_periods`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.saom import kernels
from sim.saom.program import ProgramArrays


@njit(cache=True)
def _add_scores(i, j, total, x, prog, data, one, fw, score):
    """score[e] += sign_j c_e(i, j) - sum_h p_h sign_h c_e(i, h) for the option j chosen
    (j = i: no change). fw holds the ministep's structural contributions and weights."""
    n = x.shape[0]
    for e in range(score.shape[0]):
        single = ProgramArrays(one, prog.slot[e:e + 1], prog.fac_start[e:e + 2], prog.fac_kind,
                           prog.fac_cov, prog.codes, prog.gwesp, prog.gate[e:e + 1])
        kernels.add_effects(i, x, single, data, fw)
        expected = 0.0
        for h in range(n):
            if h != i:
                expected += fw[kernels.WEIGHTS, h] * (1.0 - 2.0 * x[i, h]) \
                    * fw[kernels.SCORE, h]
        s = -expected / total
        if j != i:
            s += (1.0 - 2.0 * x[i, j]) * fw[kernels.SCORE, j]
        score[e] += s


@njit(cache=True)
def _simulate_one_scored(x, xt, indeg, outdeg, prog, data, allowed, cap, cumrate,
                         uniform_rate, period, state, score):
    n = x.shape[0]
    iw, fw, bits, scale = kernels.workspace(n, prog.codes.shape[0])
    one = np.ones(1)
    total_rate = cumrate[n - 1]
    steps = 0
    if total_rate <= 0.0:
        return 0
    t = 0.0
    while True:
        t += -np.log(1.0 - kernels.next_double(state)) / total_rate
        if t > period:
            break
        i = kernels.draw_actor(state, cumrate, total_rate, uniform_rate)
        total = kernels.ministep_weights(i, x, xt, indeg, outdeg, prog, data, allowed, cap,
                                         iw, fw, bits, scale)
        j = kernels.choose(fw, kernels.next_double(state) * total)
        _add_scores(i, j, total, x, prog, data, one, fw, score)
        steps += 1
        kernels.toggle(x, xt, indeg, outdeg, i, j)
    return steps


@njit(cache=True, parallel=True)
def simulate_runs_scored(x0, prog, data, allowed, cap, cumrate, uniform_rate, period, seeds,
                         out, steps, scores):
    """As :func:`sim.saom.kernels.simulate_runs`, plus scores[r, e]: run r's score for the
    parameter of effect e."""
    for r in prange(out.shape[0]):
        x, xt, indeg, outdeg = kernels.start_state(x0)
        state = seeds[r].copy()
        for e in range(scores.shape[1]):
            scores[r, e] = 0.0
        steps[r] = _simulate_one_scored(x, xt, indeg, outdeg, prog, data, allowed, cap,
                                        cumrate, uniform_rate, period, state, scores[r])
        out[r] = x


def rate_score(ministeps: np.ndarray, rate: float, relative_rates: np.ndarray,
               period: float = 1.0) -> np.ndarray:
    """Score of the basic rate: N / rho - period sum_i r_i, per run."""
    return ministeps / rate - period * float(np.sum(relative_rates))
