"""Experimental designs: the parameter points of a sweep."""

from __future__ import annotations

import itertools

import numpy as np

from sim.sweep.spec import SweepSpec


def salib_problem(spec: SweepSpec) -> dict:
    names = list(spec.parameters)
    return {"num_vars": len(names), "names": names,
            "bounds": [[spec.parameters[k].low, spec.parameters[k].high] for k in names]}


def points(spec: SweepSpec) -> list[dict]:
    """The design's points, each a mapping of dotted path to value, in a fixed order.

    grid: every combination of the values; lhs: a Latin hypercube of ``samples`` points
    (scipy, seeded by the spec's seed); sobol: Saltelli's scheme for Sobol indices, N (2D
    + 2) points; morris: ``samples`` Morris trajectories (SALib)."""
    names = list(spec.parameters)
    if spec.design == "grid":
        values = [spec.parameters[k].values or [spec.parameters[k].low,
                                                spec.parameters[k].high] for k in names]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
    problem = salib_problem(spec)
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
    return [{k: float(v) for k, v in zip(names, row, strict=True)} for row in matrix]
