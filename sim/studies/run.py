"""Run a scenario and write its results atomically (``lbsim run``).

Everything is written into a temporary folder beside ``out`` and renamed into place at
the end, so a run that fails or is interrupted leaves no partial output folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.atomic import atomic_folder
from sim.studies.result import Result
from sim.version import lbsim_version
from sim.viz import plots
from sim.vocabulary import SUMMARY
from sim.world.interventions import group_members
from sim.world.model import PeerNetworkModel
from sim.world.scenario import Scenario

PRINTED = ("density", "reciprocity", "transitivity", "isolates_in_share", "indegree_lb",
           "indegree_non_lb", "indegree_gap", "reciprocated_friend_lb")
"""The final outcomes ``lbsim run`` prints."""


@dataclass(frozen=True, repr=False)
class RunResult(Result):
    """A run of a scenario: ``weekly``, the timeseries (one row per class and week, class
    -1 the whole population; :meth:`sim.world.model.PeerNetworkModel.run`), ``summary``
    (summary.json's contents), the folder ``out`` and the ``files`` written there, and the
    interventions' weeks (``shade``, :func:`sim.viz.plots.intervention_weeks`).

    Attributes
    ----------
    out : Path
        The folder written.
    summary : dict
        summary.json's contents.
    weekly : DataFrame
        The timeseries: one row per class and week (class -1: the whole population).
    files : tuple of Path
        The files written.
    shade : tuple
        The interventions' weeks as (first, last, name).
    """

    out: Path
    summary: dict
    weekly: pd.DataFrame
    files: tuple[Path, ...]
    shade: tuple = ()

    def table(self) -> str:
        """The scenario, its size, weeks, seed and time, then the final outcomes."""
        s = self.summary
        classes = s["classes"]
        lines = [f"{s['scenario']}: {s['children']:,} children in {classes} "
                 f"class{'es' if classes != 1 else ''}, {s['weeks']} weeks, "
                 f"seed {s['seed']}, {s['seconds']:.1f} s -> {self.out}"]
        for key in PRINTED:
            value = s["outcomes"][key]
            lines.append(f"  {key:<28}{'n/a' if value is None else f'{value:.3f}'}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The weekly timeseries."""
        return self.weekly.copy()

    def plot(self, path: str | Path | None = None):
        """The population's outcomes by week (outcomes.png,
        :func:`sim.viz.plots.trajectories_figure`)."""
        return plots.trajectories_figure(self.weekly, path, shade=self.shade)


def run_scenario(scenario: Scenario, out: Path, *, seed: int | None = None,
                 weeks: int | None = None, csv: bool = False,
                 progress: Callable[[int], object] | None = None,
                 overwrite: bool = False) -> RunResult:
    """Run ``scenario`` and write timeseries, summary.json and figures into ``out``.

    Parameters
    ----------
    scenario : Scenario
        What to run.
    out : Path
        The folder, written whole or not at all.
    seed : int, optional
        Overrides the scenario's seed.
    weeks : int, optional
        Overrides the scenario's weeks.
    csv : bool
        Write the timeseries as CSV (else Parquet).
    progress : callable, optional
        Called with each week simulated.
    overwrite : bool
        Replace a folder that is not empty.

    Returns
    -------
    RunResult
        The timeseries, the summary and the files written. Raises FolderError if ``out``
        may not be written (:func:`sim.atomic.check_folder`)."""
    if weeks is not None:
        scenario = scenario.override({"weeks": int(weeks)})
    with atomic_folder(out, overwrite) as tmp:
        start = time.perf_counter()
        model = PeerNetworkModel(scenario, seed=seed)
        first = model.population.network(0).copy()
        table = model.run(progress=progress)
        seconds = time.perf_counter() - start
        series = "timeseries.csv" if csv else "timeseries.parquet"
        if csv:
            table.to_csv(tmp / series, index=False)
        else:
            table.to_parquet(tmp / series, index=False)
        final = table[(table["class"] == -1) & (table["week"] == model.week)].iloc[0]
        summary = {
            "scenario": scenario.name, "seed": model.seed, "weeks": model.week,
            "lbsim_version": lbsim_version(), "children": model.population.n_children,
            "classes": model.population.n_classes, "ministeps": model.ministeps,
            "seconds": round(seconds, 3),
            "outcomes": {k: (None if np.isnan(final[k]) else float(final[k]))
                         for k in SUMMARY},
            "scenario_settings": scenario.model_dump(mode="json"),
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
        pop = model.population
        lb = pop.lb[pop.start[0]:pop.start[0] + pop.size[0]]
        members = np.zeros(pop.n_children, dtype=bool)
        members[group_members(model)] = True
        ringed = members[pop.start[0]:pop.start[0] + pop.size[0]]
        name = pop.class_label(0)
        plots.network_figure(first, pop.network(0), lb, tmp / "network_first_class.png",
                             labels=(f"{name}, week 0", f"{name}, week {model.week}"),
                             highlight=ringed if ringed.any() else None,
                             highlight_label="growth group (ties among members blue)")
        result = RunResult(Path(out), summary, table,
                           tuple(Path(out) / name for name in (
                               series, "summary.json", "network_first_class.png",
                               "outcomes.png")),
                           tuple(plots.intervention_weeks(scenario)))
        result.plot(tmp / "outcomes.png")
    return result
