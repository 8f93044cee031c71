"""Where batches run: a local process pool (default) or a Dask distributed cluster.

Every batch is a pure function of (spec, base scenario, its tasks), so the results do not
depend on the executor, the number of workers or the order batches finish in.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from sim.saom.dask_periods import dask_client
from sim.studies.sweep.runner import run_batch
from sim.studies.sweep.spec import Sweep


def run_local(spec: Sweep, base: dict, batches: dict[int, list], out: str, workers: int,
              on_done: Callable[[dict], object]) -> None:
    """Run the batches on ``workers`` processes, forked from a server process that has
    imported the model once (never from this process, whose numba threads may run: the
    server runs no kernel, so forking it is safe, and workers start without re-importing).
    """
    if workers <= 1:
        for b, batch_tasks in batches.items():
            on_done(run_batch(spec, base, b, batch_tasks, out))
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.world.model", "sim.studies.sweep.runner"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(run_batch, spec, base, b, t, out) for b, t in batches.items()]
        for future in as_completed(futures):
            on_done(future.result())


def run_dask(spec: Sweep, base: dict, batches: dict[int, list], out: str,
             on_done: Callable[[dict], object], scheduler: str | None = None,
             local_workers: int | None = None) -> None:
    """Run the batches on a Dask cluster: an existing scheduler, or a LocalCluster
    (ValueError naming an address where no scheduler answers)."""
    from dask.distributed import as_completed as dask_completed

    with dask_client(scheduler, None if scheduler else local_workers or 1) as client:
        assert client is not None, "a scheduler or local workers are given"
        futures = [client.submit(run_batch, spec, base, b, t, out, pure=False)
                   for b, t in batches.items()]
        for future in dask_completed(futures):
            on_done(future.result())
