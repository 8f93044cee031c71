"""``lbsim sweep``: plan the runs, skip finished batches, run the rest, count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.studies.result import Result
from sim.studies.sweep import design, executors, store
from sim.studies.sweep.runner import batches as cut
from sim.studies.sweep.runner import tasks
from sim.studies.sweep.spec import Sweep, load_spec, magnitude_sample


@dataclass(frozen=True, repr=False)
class SweepPlan:
    """What a sweep spec asks for: the ``spec``, the ``base`` scenario (as a dict), every
    run (``tasks``: point, replication, seed, values and draw of the magnitudes) and the
    ``batches`` they are cut into ({batch index: its tasks}).

    Attributes
    ----------
    spec : Sweep
        The sweep spec.
    base : dict
        The base scenario.
    tasks : list of dict
        Every run: point, replication, seed, values and draw of the magnitudes.
    batches : dict of int to list of dict
        Batch index -> its tasks.
    """

    spec: Sweep
    base: dict
    tasks: list[dict]
    batches: dict[int, list[dict]]

    @property
    def runs(self) -> int:
        """How many runs the sweep makes."""
        return len(self.tasks)

    def __repr__(self) -> str:
        return (f"SweepPlan(spec={self.spec.name!r}, runs={self.runs}, "
                f"batches={len(self.batches)})")


@dataclass(frozen=True, repr=False)
class SweepResult(Result):
    """A sweep run (or resumed) into the folder ``out``: its ``runs``, how many were
    ``done`` and ``failed`` now and ``skipped`` (finished before).

    Attributes
    ----------
    out : Path
        The sweep's folder.
    runs : int
        The runs the spec asks for.
    done, failed : int
        Runs done and failed now.
    skipped : int
        Runs finished before (a resumed sweep).
    """

    out: Path
    runs: int
    done: int
    failed: int
    skipped: int

    def table(self) -> str:
        """One line: the folder and the counts."""
        return (f"{self.out}: {self.runs} runs: {self.done} done, {self.failed} failed, "
                f"{self.skipped} skipped (finished before)")

    def to_frame(self):
        """The rows of the finished runs in ``out`` (``store.read``)."""
        return store.read(self.out)


def plan(spec_path: str | Path) -> SweepPlan:
    """What a spec file asks for.

    Parameters
    ----------
    spec_path : str or Path
        The sweep spec (YAML; :func:`sim.studies.sweep.spec.load_spec`).

    Returns
    -------
    SweepPlan
        The spec, its base scenario, every run and the batches.
    """
    spec, base = load_spec(spec_path)
    magnitudes = magnitude_sample(spec, Path(spec_path).parent)
    all_tasks = tasks(spec, design.points(spec), magnitudes)
    return SweepPlan(spec, base, all_tasks, cut(spec, all_tasks))


def magnitude_draws(all_tasks: list[dict]) -> list[dict]:
    """The draws of the magnitudes the tasks use, in order ([] when none)."""
    return list({t["draw"]: t["magnitudes"] for t in all_tasks if "draw" in t}.values())


def run_sweep(spec_path: str | Path, out: str | Path, workers: int = 1,
              scheduler: str | None = None, dask_local: int | None = None,
              progress: Callable[[dict, dict], object] | None = None,
              overwrite: bool = False) -> SweepResult:
    """Run (or resume) a sweep into ``out``. A folder that is not empty and holds no sweep
    of this spec only with ``overwrite`` (:func:`sim.studies.sweep.store.claim`).
    ``progress(batch result, counts so far)`` is called as each batch finishes.

    Parameters
    ----------
    spec_path : str or Path
        The sweep spec.
    out : str or Path
        The sweep's folder (one Parquet file per batch).
    workers : int
        Local processes.
    scheduler : str, optional
        The address of a Dask scheduler to run the batches on.
    dask_local : int, optional
        Run on a local Dask cluster of this many workers.
    progress : callable, optional
        Called with (batch result, counts so far) as each batch finishes.
    overwrite : bool
        Take a folder that holds something else.

    Returns
    -------
    SweepResult
        The folder and the counts of runs done, failed and skipped."""
    planned = plan(spec_path)
    spec, base, all_tasks, batches = (planned.spec, planned.base, planned.tasks,
                                      planned.batches)
    out = Path(out)
    draws = magnitude_draws(all_tasks)
    store.claim(out, {"digest": spec.digest(draws), "spec": spec.model_dump(mode="json"),
                      "base": base, "runs": len(all_tasks),
                      **({"magnitude_draws": draws} if draws else {})}, overwrite)
    store.remove_partial(out)
    finished = store.finished(out)
    todo = {b: t for b, t in batches.items() if b not in finished}
    counts = {"runs": len(all_tasks), "done": 0, "failed": 0,
              "skipped": sum(len(t) for b, t in batches.items() if b in finished)}

    def on_done(result: dict) -> None:
        counts["done"] += result["runs"] - result["failed"]
        counts["failed"] += result["failed"]
        if progress is not None:
            progress(result, counts)

    if scheduler is not None or dask_local is not None:
        executors.run_dask(spec, base, todo, str(out), on_done, scheduler, dask_local)
    else:
        executors.run_local(spec, base, todo, str(out), workers, on_done)
    return SweepResult(out, **counts)
