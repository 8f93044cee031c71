"""``lbsim analyze``: sensitivity indices of a Sobol or Morris sweep (SALib).

Each design point's outcome is its mean over replications at the last kept week. Sobol
(Saltelli's scheme): first-order S1 and total ST indices with 95% bootstrap intervals
(Sobol 2001; Saltelli et al. 2010). Morris elementary effects: mu* (mean absolute effect,
with its 95% percentile bootstrap interval over trajectories, never below 0) and sigma
(Morris 1991; Campolongo et al. 2007), as :func:`sim.studies.robustness.morris_indices` computes
them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.atomic import atomic_folder
from sim.studies.sweep import design
from sim.studies.sweep.report import ReportError, load
from sim.studies.sweep.spec import Sweep


def indices(folder: str | Path) -> pd.DataFrame:
    """One row per outcome x parameter with the design's indices."""
    meta, rows = load(folder)
    spec = Sweep.model_validate(meta["spec"])
    if spec.design not in ("sobol", "morris"):
        raise ReportError(f"sensitivity indices need a sobol or morris design; this sweep's "
                          f"design is {spec.design!r}")
    done = rows[rows["status"] == "done"]
    last = done[done["week"] == done["week"].max()]
    points = design.points(spec)
    means = last.groupby("point")[spec.outcomes].mean()
    if len(means) != len(points):
        raise ReportError(f"{len(points) - len(means)} of {len(points)} design points have "
                          f"no finished run; finish the sweep (re-run `lbsim sweep`) first")
    problem = design.salib_problem(spec)
    matrix = np.array([[p[k] for k in problem["names"]] for p in points], dtype=float)
    out = []
    for o in spec.outcomes:
        y = means[o].to_numpy(float)
        if not np.isfinite(y).all():
            continue  # an outcome undefined somewhere (e.g. no LBC) has no indices
        if spec.design == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=True, seed=spec.seed)
            for k, name in enumerate(problem["names"]):
                out.append({"outcome": o, "parameter": name, "S1": res["S1"][k],
                            "S1_conf": res["S1_conf"][k], "ST": res["ST"][k],
                            "ST_conf": res["ST_conf"][k]})
        else:  # the same indices as lbsim robustness: mu*'s interval never below 0
            from sim.studies.robustness import elementary_effects, morris_indices

            res = morris_indices(elementary_effects(problem, matrix, y), seed=spec.seed)
            for k, name in enumerate(problem["names"]):
                out.append({"outcome": o, "parameter": name, "mu_star": res["mu_star"][k],
                            "mu_star_low": res["mu_star_low"][k],
                            "mu_star_high": res["mu_star_high"][k], "sigma": res["sigma"][k]})
    return pd.DataFrame(out)


def figure(table: pd.DataFrame, path: str | Path) -> None:
    """A panel per outcome: S1 and ST bars (Sobol) or mu* bars with sigma (Morris)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outcomes = list(dict.fromkeys(table["outcome"]))
    cols = min(3, len(outcomes))
    rows = -(-len(outcomes) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
    for ax, o in zip(axes.flat, outcomes, strict=False):
        sub = table[table["outcome"] == o]
        x = np.arange(len(sub))
        names = [p.split(".")[-1] for p in sub["parameter"]]
        if "S1" in sub:
            ax.bar(x - 0.2, sub["S1"], 0.4, yerr=sub["S1_conf"], label="S1", capsize=2)
            ax.bar(x + 0.2, sub["ST"], 0.4, yerr=sub["ST_conf"], label="ST", capsize=2)
        else:
            ax.bar(x - 0.2, sub["mu_star"], 0.4, label="mu* (95% bootstrap interval)",
                   yerr=[sub["mu_star"] - sub["mu_star_low"], sub["mu_star_high"] - sub["mu_star"]],
                   capsize=2)
            ax.bar(x + 0.2, sub["sigma"], 0.4, label="sigma")
        ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
        ax.set_title(o, fontsize=10)
        ax.axhline(0, color="grey", lw=0.8)
    axes.flat[0].legend(fontsize=8)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_analysis(folder: str | Path, out: str | Path | None = None,
                   overwrite: bool = False) -> pd.DataFrame:
    """indices.csv and indices.png in ``out`` (default DIR/analysis), atomically; a folder
    that is not empty only with ``overwrite`` (:func:`sim.atomic.atomic_folder`)."""
    table = indices(folder)
    out = Path(out) if out is not None else Path(folder) / "analysis"
    with atomic_folder(out, overwrite) as tmp:
        table.to_csv(tmp / "indices.csv", index=False)
        figure(table, tmp / "indices.png")
    return table
