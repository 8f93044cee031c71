"""Running one batch of a sweep: each run's scenario, seed and kept outcomes as rows."""

from __future__ import annotations

import traceback

import numpy as np
import pandas as pd

from sim.studies.sweep import store
from sim.studies.sweep.spec import Sweep, scenario_from
from sim.version import lbsim_version
from sim.world.model import PeerNetworkModel, start_key

NON_PARAMETER = ("run", "point", "replication", "seed", "status", "error", "week",
                 "lbsim_version", "draw")


def run_seed(sweep_seed: int, run: int) -> int:
    """The seed of run ``run``: from (sweep seed, run) only, never from the executor."""
    return int(np.random.SeedSequence([sweep_seed, run]).generate_state(1)[0] >> 1)


def tasks(spec: Sweep, design: list[dict], magnitudes=None) -> list[dict]:
    """One task per run: point x replication, numbered in a fixed order (run = point x
    replications + replication). With ``common_seeds`` a replication's seed is the same
    at every point. With a sample of ``magnitudes`` (:class:`sim.studies.magnitudes.Sample`), the
    replications are shared out among its draws in equal blocks: replication r takes
    ``draw`` r // (replications / draws) at every point, and its ``magnitudes`` (applied
    to all but the paths the spec's parameters and overrides set: :func:`run_group`)."""
    per_draw = spec.replications // len(magnitudes) if magnitudes is not None else 0
    out = []
    for p, values in enumerate(design):
        for r in range(spec.replications):
            task = {"run": p * spec.replications + r, "point": p, "replication": r,
                    "seed": run_seed(spec.seed, r if spec.common_seeds
                                     else p * spec.replications + r), "values": values}
            if per_draw:
                task.update(draw=r // per_draw, magnitudes=magnitudes.draw(r // per_draw))
            out.append(task)
    return out


def batches(spec: Sweep, all_tasks: list[dict]) -> dict[int, list[dict]]:
    """Runs cut into batches of ``batch_size``: in run order, or replication by
    replication with ``common_seeds`` (so a batch holds the runs that share a world)."""
    order = all_tasks
    if spec.common_seeds:
        order = sorted(all_tasks, key=lambda t: (t["replication"], t["point"]))
    size = spec.batch_size
    return {b: order[b * size:(b + 1) * size] for b in range((len(order) + size - 1) // size)}


def _common(task: dict) -> dict:
    drawn = {"draw": task["draw"]} if "draw" in task else {}
    return {"run": task["run"], "point": task["point"], "replication": task["replication"],
            "seed": task["seed"], **drawn, "lbsim_version": lbsim_version(),
            **{f"param:{k}": v for k, v in task["values"].items()}}


def kept_weeks(spec: Sweep, weeks: int) -> set[int]:
    """The weeks whose outcomes a run keeps: the last, every ``every`` weeks, and those
    listed in ``at`` (up to the last)."""
    every = set(range(0, weeks + 1, spec.every)) if spec.every else set()
    return {weeks} | every | {w for w in spec.at if w <= weeks}


def _rows(spec, group: list[dict], table: pd.DataFrame) -> list[dict]:
    """The rows of each run of a group simulated as replicas of one model."""
    kept = table[table["class"] == -1]
    replica, week = kept["replica"].to_numpy(), kept["week"].to_numpy()
    values = {o: kept[o].to_numpy(float) for o in spec.outcomes}
    common = [_common(task) for task in group]
    return [{**common[replica[i]], "status": "done", "error": "", "week": int(week[i]),
             **{o: float(values[o][i]) for o in spec.outcomes}}
            for i in np.lexsort((week, replica))]


def _failed(spec, task: dict) -> list[dict]:
    return [{**_common(task), "status": "failed", "error": traceback.format_exc(limit=8),
             "week": -1, **{o: float("nan") for o in spec.outcomes}}]


def run_group(spec: Sweep, base: dict, group: list[dict], starts: dict) -> list[dict]:
    """Rows of runs at one design point (and draw of the magnitudes), simulated side by
    side as replicas of one model (each exactly as it would run alone). If that raises,
    each run is retried alone so a failing run becomes one 'failed' row with its
    traceback. ``starts`` caches start states (worlds after the burn-in) by key, for the
    runs that share them."""
    seeds = [t["seed"] for t in group]
    try:
        scenario = scenario_from(base, group[0]["values"])
        if "magnitudes" in group[0]:  # but what the sweep varies or fixes itself
            from sim.studies.magnitudes import apply  # only then: it loads the trials' plotting

            scenario = apply(scenario, group[0]["magnitudes"],
                             {*spec.parameters, *spec.overrides})
        model = PeerNetworkModel(scenario, replicas=seeds,
                                 start=starts.get(start_key(scenario, seeds)),
                                 collect=kept_weeks(spec, scenario.weeks), agents=False)
        starts[model.start.key] = model.start
        return _rows(spec, group, model.run())
    except Exception:
        if len(group) == 1:
            return _failed(spec, group[0])
        return [row for task in group for row in run_group(spec, base, [task], starts)]


def run_batch(spec: Sweep, base: dict, batch: int, batch_tasks: list[dict], out: str) -> dict:
    """Run a batch and write it atomically; return its counts. Runs on a worker. Runs at
    the same point (and draw of the magnitudes) are simulated together; runs sharing a
    world share its start state."""
    import numba

    numba.set_num_threads(1)  # one process per core: no oversubscription
    groups: dict[tuple, list[dict]] = {}
    for task in batch_tasks:
        groups.setdefault((task["point"], task.get("draw")), []).append(task)
    starts: dict = {}
    rows = [row for group in groups.values() for row in run_group(spec, base, group, starts)]
    frame = pd.DataFrame(sorted(rows, key=lambda row: (row["run"], row["week"])))
    store.write_batch(out, batch, frame)
    failed = int((frame.drop_duplicates("run")["status"] == "failed").sum())
    return {"batch": batch, "runs": len(batch_tasks), "failed": failed}
