"""One continuous-time process of a network and its behaviours, optionally with score
functions (Snijders, Steglich & Schweinberger 2007, "Modeling the co-evolution of networks
and behavior"; RSiena's ``MiniStep`` loop).

Every variable has actor rates (the network's ``cumrate``, behaviour b's ``bcum[b]``, both
cumulative over actors). The waiting time to the next ministep is exponential with the sum
of all rates; the ministep belongs to the network or to behaviour b in proportion to their
total rates, then to actor i in proportion to i's rate for that variable. A network
ministep is :func:`sim.saom._numba.kernels.ministep_weights`'s choice of a tie to toggle; a
behaviour ministep moves z_i by -1, 0 or +1 (:mod:`sim.saom.behaviour`). Without
behaviours or settings the draws are the network-only model's. In the classroom model a
setting (a growth group) adds ministeps whose choice is restricted to its members.

Scores (Schweinberger & Snijders 2007, Computational Statistics & Data Analysis 51): a
ministep choosing option o among probabilities p contributes c_k(o) - sum_o' p_o' c_k(o')
to the score of beta_k of its variable (``c_k`` the effect's change: signed tie
contribution for the network, the change of s_ik for a behaviour). For a variable with
basic rate rho over a period of length T the number of its ministeps N is Poisson with
mean T rho sum_i r_i (``r_i`` the actor rates relative to rho): its score is
N / rho - T sum_i r_i (:func:`rate_score`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.saom import composition
from sim.saom._numba import kernels
from sim.saom.behaviour import move_probabilities, objective_changes, term_change
from sim.saom.effect_statistics import network_statistics
from sim.saom.program import CovariateArrays


@njit(cache=True, _nrt=False)
def _add_network_scores(i, j, total, x, prog, data, fw, score):
    """score[e] += sign_j c_e(i, j) - sum_h p_h sign_h c_e(i, h) for the option j chosen
    (j = i: no change). fw holds the ministep's structural contributions and weights."""
    n = x.shape[0]
    for h in range(n):  # fw[MASK] is free once the weights are made: the signed weights
        fw[kernels.MASK, h] = fw[kernels.WEIGHTS, h] * (1.0 - 2.0 * x[i, h])
    fw[kernels.MASK, i] = 0.0
    for e in range(prog.beta.shape[0]):
        # an effect whose factors are all ego factors: c_e(h) = m * structural(h)
        m, varying = kernels.ego_part(e, i, prog, data)
        slot = prog.slot[e]
        if prog.gate[e] != kernels.EVAL or varying:
            kernels.effect_row(e, i, x, prog, data, fw)
            expected = kernels.dot_rows(fw, kernels.MASK, kernels.PROD)
        elif slot >= 0:
            expected = m * kernels.dot_rows(fw, kernels.MASK, kernels.BUF + slot)
        else:
            expected = m * kernels.sum_row(fw, kernels.MASK)
        s = -expected / total
        if j != i:
            s += (1.0 - 2.0 * x[i, j]) * kernels.effect_contribution(e, i, j, x, prog, data,
                                                                     fw)
        score[e] += s


@njit(cache=True, _nrt=False)
def _add_behaviour_scores(b, i, d, p, x, indeg, outdeg, beh, data, score, offset):
    """score[offset + e] += c_e(d) - sum_d' p_d' c_e(d') for behaviour b's effects e."""
    r = beh.row[b]
    for e in range(beh.eff_start[b], beh.eff_start[b + 1]):
        down = term_change(beh, e, r, i, -1.0, x, indeg, outdeg, data)
        up = term_change(beh, e, r, i, 1.0, x, indeg, outdeg, data)
        chosen = down if d < 0 else (up if d > 0 else 0.0)
        score[offset + e] += chosen - (p[0] * down + p[2] * up)


SETTING = -2
"""The variable of a setting ministep (network ministeps are -1, behaviours 0, 1, ...)."""


@njit(cache=True)
def _draw_variable(state, cumrate, setting_cum, bcum, total_rate):
    """(variable, actor) of the next ministep: -1 the network, SETTING a setting
    ministep, b >= 0 behaviour b; by the rates, with one uniform draw."""
    n = cumrate.shape[0]
    v = kernels.next_double(state) * total_rate
    net_total = cumrate[n - 1]
    if v < net_total:
        return -1, min(np.searchsorted(cumrate, v, side="right"), n - 1)
    v -= net_total
    if v < setting_cum[n - 1] or bcum.shape[0] == 0:
        return SETTING, min(np.searchsorted(setting_cum, v, side="right"), n - 1)
    v -= setting_cum[n - 1]
    last = bcum.shape[0] - 1
    for b in range(bcum.shape[0]):
        if v < bcum[b, n - 1] or b == last:
            return b, min(np.searchsorted(bcum[b], v, side="right"), n - 1)
        v -= bcum[b, n - 1]
    return last, n - 1


@njit(cache=True)
def _within_setting(i, labels, fw):
    """Keep only the options j that share i's setting (``labels``), and no change; return
    the new sum of the weights."""
    for j in range(fw.shape[1]):
        if j != i and labels[j] != labels[i]:
            fw[kernels.WEIGHTS, j] = 0.0
    return kernels._sum_weights(fw)


@njit(cache=True)
def simulate_one(x, xt, indeg, outdeg, prog, data, allowed, cap, cumrate, uniform_rate, beh,
                 bcum, setting_cum, setting_row, period, state, score, counts, x_start,
                 target, comp, active, allowed_all, full_rates):
    """Run the process in place on (x, xt, degrees) and the behaviour rows of
    ``data.actor`` for ``period``. counts[0] gets the network's ministeps (setting
    ministeps included), counts[1 + b] behaviour b's. A setting ministep (rates
    cumulated in ``setting_cum``) is a network ministep whose choice is restricted to the
    actors sharing the actor's setting (row ``setting_row`` of ``data.labels``): RSiena's
    settings model. With ``score`` non-empty, it accumulates the scores of the network
    effects (first ``len(prog.beta)``) and then of the behaviour effects. With ``target``
    >= 0 the period ends instead when the network first differs from ``x_start`` in
    ``target`` tie variables (RSiena's conditional simulation). The composition events
    ``comp`` (:mod:`sim.saom.composition`, at times ``comp.times * period``) update the
    actors ``active``, the ties ``allowed`` (of ``allowed_all``) and the actor rates
    ``cumrate`` (of ``full_rates``). Returns the time simulated."""
    n = x.shape[0]
    n_beh = beh.row.shape[0]
    iw, fw, bits, scale = kernels.workspace(n, prog.codes.shape[0])
    changes, p = np.zeros(2), np.zeros(3)
    scored = score.shape[0] > 0
    k_net = prog.beta.shape[0]
    net_total = cumrate[n - 1]
    total_rate = net_total + setting_cum[n - 1]
    for b in range(n_beh):
        total_rate += bcum[b, n - 1]
    only_network = total_rate == net_total
    n_events, ev = comp.times.shape[0], 0
    if total_rate <= 0.0 and n_events == 0:
        return 0.0
    t = 0.0
    distance = 0
    if target == 0:
        return 0.0
    while True:
        u = kernels.next_double(state)
        t = t - np.log(1.0 - u) / total_rate if total_rate > 0.0 else np.inf
        if ev < n_events and t >= comp.times[ev] * period:  # an actor joins or leaves
            t = comp.times[ev] * period
            composition.apply_event(comp.actors[ev], comp.kinds[ev], x, xt, indeg, outdeg,
                                    x_start, allowed_all, allowed, active)
            composition.rebuild_rates(full_rates, active, cumrate)
            total_rate += cumrate[n - 1] - net_total
            net_total = cumrate[n - 1]
            ev += 1
            continue
        if target < 0 and t > period:
            return period
        if only_network:  # the draws of a network-only model
            var = -1
            i = kernels.draw_actor(state, cumrate, net_total, uniform_rate)
        else:
            var, i = _draw_variable(state, cumrate, setting_cum, bcum, total_rate)
        if var < 0:
            total = kernels.ministep_weights(i, x, xt, indeg, outdeg, prog, data, allowed,
                                             cap, iw, fw, bits, scale)
            if var == SETTING:
                total = _within_setting(i, data.labels[setting_row], fw)
            j = kernels.choose(fw, kernels.next_double(state) * total)
            if scored:
                _add_network_scores(i, j, total, x, prog, data, fw, score)
            kernels.toggle(x, xt, indeg, outdeg, i, j)
            counts[0] += 1
            if target >= 0 and j != i:
                distance += 1 if x[i, j] != x_start[i, j] else -1
                if distance >= target:
                    return t
        else:
            objective_changes(var, i, x, indeg, outdeg, beh, data, changes)
            move_probabilities(var, i, beh, data, changes, p)
            u = kernels.next_double(state)
            d = -1 if u < p[0] else (0 if u < p[0] + p[1] else 1)
            if scored:
                _add_behaviour_scores(var, i, d, p, x, indeg, outdeg, beh, data, score, k_net)
            z = data.actor[beh.row[var], i] + d
            data.actor[beh.row[var], i] = z
            if beh.mirror[var] >= 0:
                data.actor[beh.mirror[var], i] = beh.mirror_scale[var] * (
                    z - beh.lo[var] + 0.5) / (beh.hi[var] - beh.lo[var] + 1.0)
            counts[1 + var] += 1


@njit(cache=True, parallel=True)
def simulate_independent_runs(x0s, starts, prog, data, allowed, cap, cumrates, uniform_rate,
                              beh, bcum, lengths, seeds, out, zout, counts, scores, targets,
                              times, stats, comp):
    """R independent periods, run r from network ``x0s[starts[r]]`` with actor rates
    cumulated in ``cumrates[starts[r]]`` for ``lengths[starts[r]]``, and the behaviour
    values in ``data``: out[r] the network after run r, zout[r, b] behaviour b's values,
    counts[r] the ministeps per variable, scores[r] (R x 0 for none) the scores; seeds[r]
    (4 uint64) seeds run r's stream. ``targets[s]`` >= 0: a run lasts until that many tie
    variables differ from its start, times[r] getting its length (conditional
    simulation). With ``stats`` (R x K, R x 0 for none), stats[r] gets the effect
    statistics of out[r] (:func:`sim.saom.effect_statistics.network_statistics`, the behaviours
    read at the start). ``comp``: the actors joining and leaving
    (:mod:`sim.saom.composition`)."""
    n = x0s.shape[1]
    no_setting = np.zeros(n)
    changing = comp.times.shape[0] > 0
    for i in range(n):
        changing = changing or comp.active[i] == 0
    for r in prange(out.shape[0]):
        s = starts[r]
        x0 = x0s[s]
        x, xt, indeg, outdeg = kernels.start_state(x0)
        run_data = CovariateArrays(data.actor.copy(), data.actor_stats, data.dyadic,
                                   data.dyadic_means, data.labels, data.strength,
                                   data.label_means)
        state = seeds[r].copy()
        for v in range(counts.shape[1]):
            counts[r, v] = 0
        for e in range(scores.shape[1]):
            scores[r, e] = 0.0
        run_allowed, active, cumrate = allowed, comp.active, cumrates[s]
        if changing:
            run_allowed, active, cumrate = allowed.copy(), comp.active.copy(), cumrates[s].copy()
            composition.start(allowed, run_allowed, active)
            composition.rebuild_rates(cumrates[s], active, cumrate)
        t = simulate_one(x, xt, indeg, outdeg, prog, run_data, run_allowed, cap, cumrate,
                         uniform_rate and not changing, beh, bcum, no_setting, -1, lengths[s],
                         state, scores[r], counts[r], x0, targets[s], comp, active, allowed,
                         cumrates[s])
        if changing:
            composition.set_absent_back(x, xt, indeg, outdeg, x0, active)
        if targets[s] >= 0:
            times[r] = t
        out[r] = x
        if stats.shape[1] > 0:
            network_statistics(x, prog, data, stats[r])
        for b in range(beh.row.shape[0]):
            for i in range(n):
                zout[r, b, i] = run_data.actor[beh.row[b], i]


def rate_score(ministeps: np.ndarray, rate: float, relative_rates: np.ndarray,
               period: float = 1.0) -> np.ndarray:
    """Score of a basic rate: N / rho - period sum_i r_i, per run."""
    return ministeps / rate - period * float(np.sum(relative_rates))


@njit(cache=True, parallel=True)
def simulate_period_runs(x0s, progs, datas, alloweds, caps, relative, uniform, behs, bcums,
                         comps, rates, lengths, targets, runs, seeds, counts, scores, stats,
                         distances, times):
    """``runs`` independent runs of every period m (network only, every actor present
    throughout): task t = m * runs + r starts from ``x0s[m]`` with program ``progs[m]``,
    covariates ``datas[m]``, ties ``alloweds[m]``, cap ``caps[m]``, actor rates
    ``rates[m] * relative[m]`` (cumulated) for ``lengths[m]``, from the stream seeded by
    ``seeds[t]``. It gets counts[t] (ministeps), scores[t] (T x 0 for none), stats[t] the
    effect statistics of its end network, distances[t] the tie variables that differ from
    the start and, with ``targets[m]`` >= 0 (conditional simulation: the run lasts until
    that many differ), times[t] its length."""
    for t in prange(counts.shape[0]):
        m = t // runs
        x0, prog, data, allowed = x0s[m], progs[m], datas[m], alloweds[m]
        n = x0.shape[0]
        x, xt, indeg, outdeg = kernels.start_state(x0)
        cumrate = np.empty(n)
        acc = 0.0
        for i in range(n):
            acc += rates[m] * relative[m][i]
            cumrate[i] = acc
        state = seeds[t].copy()
        counts[t, 0] = 0
        for e in range(scores.shape[1]):
            scores[t, e] = 0.0
        comp = comps[m]
        length = simulate_one(x, xt, indeg, outdeg, prog, data, allowed, caps[m], cumrate,
                              uniform[m], behs[m], bcums[m], np.zeros(n), -1, lengths[m],
                              state, scores[t], counts[t], x0, targets[m], comp, comp.active,
                              allowed, cumrate)
        times[t] = length if targets[m] >= 0 else 0.0
        network_statistics(x, prog, data, stats[t])
        d = 0
        for i in range(n):
            for j in range(n):
                d += x[i, j] != x0[i, j]
        distances[t] = d
