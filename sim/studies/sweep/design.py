"""Experimental designs: the parameter points of a sweep.

Sampled designs (lhs, sobol, morris) draw points u in the unit cube and scale them to each
parameter's [low, high]; a parameter that takes whole numbers (``integer``) gets
:func:`whole`: each of low, low + 1, ..., high takes an equal share of the unit interval.
Morris's four levels 0, 1/3, 2/3, 1 then fall on low, low + d, low + 2d, high with
d = (high - low) / 3 exactly when high - low is a multiple of 3 (otherwise on the nearest
whole numbers below), so its elementary effects keep their step of two levels.
"""

from __future__ import annotations

import itertools

import numpy as np

from sim.studies.sweep.spec import Sweep


def salib_problem(spec: Sweep, unit_integers: bool = False) -> dict:
    """SALib's problem: the parameters with their bounds ([0, 1] for whole-number ones
    with ``unit_integers``, to be mapped by :func:`whole`)."""
    names = list(spec.parameters)
    return {"num_vars": len(names), "names": names,
            "bounds": [[0.0, 1.0] if unit_integers and spec.parameters[k].integer
                       else [spec.parameters[k].low, spec.parameters[k].high] for k in names]}


def whole(u: np.ndarray, low: float, high: float) -> np.ndarray:
    """Unit samples ``u`` as whole numbers low..high, each with an equal share of [0, 1]:
    low + floor(u (high - low + 1)), and high at u = 1."""
    n = int(high) - int(low) + 1
    return int(low) + np.minimum(np.floor(np.asarray(u) * n), n - 1).astype(np.int64)


def points(spec: Sweep) -> list[dict]:
    """The design's points, each a mapping of dotted path to value, in a fixed order.

    grid: every combination of the values; lhs: a Latin hypercube of ``samples`` points
    (scipy, seeded by the spec's seed); sobol: Saltelli's scheme for Sobol indices, N (2D
    + 2) points; morris: ``samples`` Morris trajectories (SALib)."""
    names = list(spec.parameters)
    params = [spec.parameters[k] for k in names]
    if spec.design == "grid":
        kind = [int if p.integer else (lambda v: v) for p in params]
        values = [p.values or [f(v) for v in p.bounds] for p, f in zip(params, kind, strict=True)]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
    problem = salib_problem(spec, unit_integers=True)
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), seed=spec.seed).random(spec.samples)
        lows = np.array([b[0] for b in problem["bounds"]])
        highs = np.array([b[1] for b in problem["bounds"]])
        matrix = qmc.scale(unit, lows, highs)
    elif spec.design == "sobol":
        from SALib.sample import sobol

        matrix = sobol.sample(problem, spec.samples, calc_second_order=True, seed=spec.seed)
    else:
        from SALib.sample import morris

        matrix = morris.sample(problem, spec.samples, seed=spec.seed)
    columns = [whole(matrix[:, j], *p.bounds).tolist() if p.integer
               else matrix[:, j].astype(float).tolist() for j, p in enumerate(params)]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
