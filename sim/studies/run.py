"""Run a scenario and write its results atomically (``lbsim run``).

Everything is written into a temporary folder beside ``out`` and renamed into place at
the end, so a run that fails or is interrupted leaves no partial output folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.atomic import atomic_folder
from sim.version import lbsim_version
from sim.viz import plots
from sim.vocabulary import SUMMARY
from sim.world.interventions import group_members
from sim.world.model import PeerNetworkModel
from sim.world.scenario import Scenario


def run_scenario(scenario: Scenario, out: Path, *, seed: int | None = None,
                 weeks: int | None = None, csv: bool = False,
                 progress: Callable[[int], object] | None = None,
                 overwrite: bool = False) -> dict:
    """Run ``scenario`` and write timeseries, summary.json and figures into ``out``.
    Returns the summary. Raises FolderError if ``out`` may not be written
    (:func:`sim.atomic.check_folder`)."""
    if weeks is not None:
        scenario = scenario.override({"weeks": int(weeks)})
    with atomic_folder(out, overwrite) as tmp:
        start = time.perf_counter()
        model = PeerNetworkModel(scenario, seed=seed)
        first = model.population.network(0).copy()
        table = model.run(progress=progress)
        seconds = time.perf_counter() - start
        if csv:
            table.to_csv(tmp / "timeseries.csv", index=False)
        else:
            table.to_parquet(tmp / "timeseries.parquet", index=False)
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
        plots.trajectories_figure(table, tmp / "outcomes.png",
                                  shade=plots.intervention_weeks(scenario))
    return summary
