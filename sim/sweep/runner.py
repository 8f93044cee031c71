"""Running one batch of a sweep: each run's scenario, seed and kept outcomes as rows."""

from __future__ import annotations

import traceback

import numpy as np
import pandas as pd

from sim.run import lbsim_version
from sim.sweep import store
from sim.sweep.spec import scenario_from

NON_PARAMETER = ("run", "point", "replication", "seed", "status", "error", "week",
                 "lbsim_version")


def run_seed(sweep_seed: int, run: int) -> int:
    """The seed of run ``run``: from (sweep seed, run) only, never from the executor."""
    return int(np.random.SeedSequence([sweep_seed, run]).generate_state(1)[0] >> 1)


def tasks(spec, design: list[dict]) -> list[dict]:
    """One task per run: point x replication, numbered in a fixed order."""
    return [{"run": p * spec.replications + r, "point": p, "replication": r,
             "seed": run_seed(spec.seed, p * spec.replications + r), "values": values}
            for p, values in enumerate(design) for r in range(spec.replications)]


def run_one(spec, base: dict, task: dict) -> list[dict]:
    """Rows of one run (one per kept week), or one 'failed' row with the traceback."""
    from sim.model import PeerNetworkModel

    common = {"run": task["run"], "point": task["point"], "replication": task["replication"],
              "seed": task["seed"], "lbsim_version": lbsim_version(),
              **{f"param:{k}": v for k, v in task["values"].items()}}
    try:
        scenario = scenario_from(base, task["values"])
        model = PeerNetworkModel(scenario, seed=task["seed"])
        table = model.run()
        population = table[table["class"] == -1]
        keep = population["week"] == model.week
        if spec.every:
            keep |= population["week"] % spec.every == 0
        rows = []
        for _, r in population[keep].iterrows():
            rows.append({**common, "status": "done", "error": "", "week": int(r["week"]),
                         **{o: float(r[o]) for o in spec.outcomes}})
        return rows
    except Exception:
        return [{**common, "status": "failed", "error": traceback.format_exc(limit=8),
                 "week": -1, **{o: float("nan") for o in spec.outcomes}}]


def run_batch(spec, base: dict, batch: int, batch_tasks: list[dict], out: str) -> dict:
    """Run a batch and write it atomically; return its counts. Runs on a worker."""
    import numba

    numba.set_num_threads(1)  # one process per core: no oversubscription
    rows = [row for task in batch_tasks for row in run_one(spec, base, task)]
    frame = pd.DataFrame(rows)
    store.write_batch(out, batch, frame)
    failed = int((frame.drop_duplicates("run")["status"] == "failed").sum())
    return {"batch": batch, "runs": len(batch_tasks), "failed": failed}
