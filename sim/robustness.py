"""``lbsim robustness``: how a virtual trial's answer depends on the model's assumptions.

Every magnitude marked as an assumption (:data:`ASSUMPTIONS`, each with the range its
documentation gives) is varied at once over Morris trajectories (Morris 1991; SALib's
sampler and analysis, Campolongo et al. 2007's mu*): each design point is a scenario with
those values, run as a virtual trial (:func:`sim.trials.virtual_trial`) with the same
seeds at every point, so a magnitude the outcome cannot depend on has elementary effects
of exactly zero. Reported per outcome and time (post, follow-up): mu* (the mean absolute
change of Hedges' g for a move across the range, scaled to the whole range), its 95%
bootstrap interval and sigma (spread: interactions or non-linearity).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.atomic import atomic_folder
from sim.scenario import Scenario
from sim.trials import virtual_trial


@dataclass(frozen=True)
class Assumption:
    """A magnitude without a firm source: dotted path (``{group}`` is the index of the
    scenario's growth group), its range and where the range comes from."""

    path: str
    low: float
    high: float
    why: str


ASSUMPTIONS = (
    Assumption("network.effects.X:same_group", 0.33, 0.88,
               "klas12b same primary school 0.606, +- 2 SE (RSiena manual)"),
    Assumption("interventions.{group}.magnitudes.contact", 0.0, 80.0,
               "assumption: setting ministeps per member-year, 0 to two a week"),
    Assumption("interventions.{group}.magnitudes.setting_retention", 0.70, 0.95,
               "assumption: the setting's half-life 2 to 13 weeks"),
    Assumption("interventions.{group}.magnitudes.consolidated_retention", 0.85, 0.99,
               "assumption: the same after a consolidation session, 4 to 69 weeks"),
    Assumption("interventions.{group}.magnitudes.confidence", 0.0065, 0.026,
               "assumption: half to twice the value calibrated to d 0.39 (Beelmann & Losel)"),
    Assumption("interventions.{group}.magnitudes.stigma", -0.06, -0.015,
               "assumption: half to twice the default"),
    Assumption("interventions.{group}.magnitudes.shyness", -0.04, -0.01,
               "assumption: half to twice the default"),
    Assumption("interventions.{group}.magnitudes.barrier", 0.02, 0.08,
               "assumption: half to twice the default"),
    Assumption("interventions.{group}.magnitudes.retention", 0.1, 0.5,
               "assumption: share of gains consolidation makes lasting"),
    Assumption("interventions.{group}.acceptance", 0.5, 0.9,
               "assumption: recruitment 'not smooth' in Dafang"),
    Assumption("trait_dynamics.adjustment", 0.025, 0.1,
               "assumption: a trait's gap to its target halves in 7 to 28 weeks"),
)
"""The assumption-marked magnitudes and their documented ranges (docs/model.md §4, §6)."""

OUTCOMES = ("confidence", "felt_stigma", "in_degree", "isolated", "named_members",
            "named_by_non_members")


def problem(scenario: Scenario,
            assumptions: tuple[Assumption, ...] = ASSUMPTIONS) -> tuple[dict, list]:
    """SALib's problem for a scenario's assumptions (paths resolved to its first growth
    group) and the assumptions used; ValueError if the scenario has no growth group."""
    groups = [k for k, s in enumerate(scenario.interventions) if s.type == "growth_group"]
    if not groups:
        raise ValueError(f"scenario {scenario.name!r} has no growth group to vary; "
                         f"robustness varies the growth group's assumptions")
    used = [Assumption(a.path.format(group=groups[0]), a.low, a.high, a.why)
            for a in assumptions]
    return ({"num_vars": len(used), "names": [a.path for a in used],
             "bounds": [[a.low, a.high] for a in used]}, used)


def robustness(scenario: Scenario, trajectories: int = 4, replications: int = 4,
               seed: int = 1, follow_up_weeks: int = 12,
               assumptions: tuple[Assumption, ...] = ASSUMPTIONS,
               progress=None) -> pd.DataFrame:
    """Morris indices of each assumption for each trial outcome at post and follow-up:
    one row per (outcome, time, parameter)."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    prob, used = problem(scenario, assumptions)
    matrix = sample.sample(prob, trajectories, seed=seed)
    answers = []
    for k, row in enumerate(matrix):
        point = scenario.override({name: float(v) for name, v in zip(prob["names"], row,
                                                                        strict=True)})
        table = virtual_trial(point, replications, seed, follow_up_weeks)
        answers.append(table[table["level"] == "child"].set_index(["outcome", "time"])["g"])
        if progress is not None:
            progress(k + 1, len(matrix))
    answers = pd.DataFrame(answers)
    out = []
    for outcome in OUTCOMES:
        for time in ("post", "follow_up"):
            y = answers[(outcome, time)].to_numpy(float)
            if not np.isfinite(y).all():
                continue
            res = analyze.analyze(prob, matrix, y, seed=seed)
            for j, a in enumerate(used):
                out.append({"outcome": outcome, "time": time, "parameter": a.path,
                            "low": a.low, "high": a.high, "g_mean": float(y.mean()),
                            "mu_star": float(res["mu_star"][j]),
                            "mu_star_conf": float(res["mu_star_conf"][j]),
                            "sigma": float(res["sigma"][j]), "range": a.why})
    return pd.DataFrame(out)


def robustness_text(table: pd.DataFrame) -> str:
    """Per outcome and time: g's mean over the design and the assumptions by mu*."""
    lines = []
    for (outcome, time), part in table.groupby(["outcome", "time"], sort=False):
        lines.append(f"{outcome} ({time}): g {part['g_mean'].iloc[0]:.2f} on average")
        for r in part.sort_values("mu_star", ascending=False).itertuples():
            lines.append(f"  {r.parameter:<54}{r.mu_star:>7.3f} +- {r.mu_star_conf:<6.3f}"
                         f"sigma {r.sigma:.3f}")
    return "\n".join(lines)


def write_robustness(scenario: Scenario, out: Path, overwrite: bool = False,
                     **kwargs) -> pd.DataFrame:
    """:func:`robustness`, written atomically into ``out``: robustness.csv and
    robustness.png (mu* of every assumption, one panel per outcome and time)."""
    from matplotlib.figure import Figure

    with atomic_folder(out, overwrite) as tmp:
        table = robustness(scenario, **kwargs)
        table.to_csv(tmp / "robustness.csv", index=False)
        panels = list(table.groupby(["outcome", "time"], sort=False))
        fig = Figure(figsize=(11, 2.2 * len(panels)))
        axes = np.atleast_1d(fig.subplots(len(panels), 1, sharex=True))
        for ax, ((outcome, time), part) in zip(axes, panels, strict=True):
            ax.barh(part["parameter"].str.split(".").str[-1], part["mu_star"],
                    xerr=part["mu_star_conf"], color="#4895ef")
            ax.set_title(f"{outcome}, {time}: g {part['g_mean'].iloc[0]:.2f}", fontsize=9)
            ax.tick_params(labelsize=7)
        axes[-1].set_xlabel("Morris mu*: change of g across the assumption's range")
        fig.tight_layout()
        fig.savefig(tmp / "robustness.png", dpi=100)
    return table
