"""A fit's periods simulated on Dask workers (``dask.distributed``).

The M periods are split into contiguous chunks, one per worker. Each chunk is sent to its
worker once per fit and packed there (:class:`sim.saom.packed.PackedPeriods`), where it
stays; every simulation then sends each chunk only its rates, the effect parameters, the
seed and the number of runs, and joins the chunks' runs along the periods. Run r of
period m draws from key (m, r) of the seed whichever worker simulates it, so the rows
are those of the local run at the same seed.

The workers need the same lbsim as this process; start one worker per machine with one
Dask thread (``dask worker ADDRESS --nthreads 1``): the kernel runs a chunk's periods on
the machine's cores, shared among the workers of one machine (a LocalCluster's). Each
chunk is pinned to its worker; if a worker is lost, the chunks are placed again on the
workers left (the rows do not change).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numba
import numpy as np

from sim.saom.packed import PackedPeriods, PackedRuns, packable

if TYPE_CHECKING:
    from dask.distributed import Client, Future

CONNECT_SECONDS = 10
"""How long to wait for a scheduler to answer, and for its first worker."""


@contextmanager
def dask_client(scheduler: str | Client | None = None,
                local_workers: int | None = None) -> Iterator[Client | None]:
    """A Dask client for the duration of the block: connected to the address
    ``scheduler`` (e.g. ``tcp://host:8786``) or given as a ``Client`` (left open), or a
    LocalCluster of ``local_workers`` processes of one thread each; None when neither is
    given. ValueError when both are given, or nothing answers at the address."""
    if scheduler is not None and local_workers is not None:
        raise ValueError("give a scheduler or a number of local workers, not both")
    if scheduler is None and local_workers is None:
        yield None
        return
    from dask.distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        if not isinstance(scheduler, str):
            raise ValueError(f"scheduler: an address such as tcp://host:8786 or a "
                             f"dask.distributed.Client, got {type(scheduler).__name__}")
        try:
            client = Client(scheduler, timeout=f"{CONNECT_SECONDS}s")
        except (OSError, TimeoutError, ValueError) as e:
            what = "not an address" if isinstance(e, ValueError) else \
                "no Dask scheduler answers there"
            raise ValueError(f"scheduler {scheduler!r}: {what} ({e}); allowed: the address "
                             f"of a running scheduler, e.g. tcp://host:8786") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class DaskPeriods:
    """``periods`` (:class:`sim.saom.periods.Period`) packed in contiguous chunks on the
    workers of ``client``; simulates as :meth:`PackedPeriods.simulate` does (the same
    runs). :meth:`close` frees the workers' copies."""

    def __init__(self, periods: Sequence, client: Client):
        if not packable(periods):
            raise ValueError("Dask simulates periods of networks alone (no behaviours, "
                             "missing or structurally fixed ties, composition change, "
                             "creation or endowment effects); allowed for these: no "
                             "scheduler")
        self.periods, self.client = periods, client
        self.packed: list[Future] = []
        self._place()

    def _place(self) -> None:
        """Split the periods among the workers there are now, and pack each chunk there."""
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise ValueError(f"the Dask scheduler has no worker (waited {CONNECT_SECONDS} "
                             f"s); start one: dask worker ADDRESS") from None
        info = self.client.scheduler_info()["workers"]
        workers = sorted(info)
        hosts = Counter(info[w]["host"] for w in workers)
        self.parts = [(int(c[0]), int(c[-1]) + 1) for c in
                      np.array_split(np.arange(len(self.periods)), len(workers)) if len(c)]
        self.workers = workers[:len(self.parts)]
        self.sharing = [hosts[info[w]["host"]] for w in self.workers]  # workers on its host
        for (a, b), worker in zip(self.parts, self.workers, strict=True):
            [chunk] = self.client.scatter([list(self.periods[a:b])], workers=[worker],
                                          hash=False)
            self.packed.append(self.client.submit(PackedPeriods, chunk, workers=[worker],
                                                  pure=False))
            chunk.release()

    def simulate(self, rates: np.ndarray, beta: np.ndarray, seed: np.random.SeedSequence,
                 runs: int, with_scores: bool,
                 targets: Sequence[int] | None = None) -> PackedRuns:
        """:meth:`PackedPeriods.simulate` of all the periods, each chunk on its worker; if
        a worker was lost, the chunks are placed again on the workers left, once."""
        from concurrent.futures import CancelledError

        args = (np.asarray(rates, dtype=float), np.asarray(beta, dtype=float), seed, runs,
                with_scores, targets)
        try:
            return self._simulate(*args)
        except CancelledError:  # lost dependencies: a worker left with its chunk
            self.close()
            self._place()
            return self._simulate(*args)

    def _simulate(self, rates, beta, seed, runs, with_scores, targets) -> PackedRuns:
        futures = [self.client.submit(
            _simulate, packed, rates[a:b], beta, seed, runs, with_scores,
            None if targets is None else list(targets[a:b]), a, sharing, workers=[worker],
            pure=False)
            for packed, (a, b), worker, sharing in zip(self.packed, self.parts, self.workers,
                                                       self.sharing, strict=True)]
        return PackedRuns.join(self.client.gather(futures))

    def close(self) -> None:
        for packed in self.packed:
            packed.release()
        self.packed = []


def _simulate(packed: PackedPeriods, rates, beta, seed, runs, with_scores, targets, first,
              sharing: int) -> PackedRuns:
    """A chunk's runs on its worker, with its share of the host's cores as numba threads
    (``sharing`` workers on the host; the runs do not depend on the number of threads)."""
    before = numba.get_num_threads()
    numba.set_num_threads(max(1, numba.config.NUMBA_NUM_THREADS // sharing))
    try:
        return packed.simulate(rates, beta, seed, runs, with_scores, targets, first)
    finally:
        numba.set_num_threads(before)


@contextmanager
def spread(periods: Sequence, client: Client | None
           ) -> Iterator[DaskPeriods | PackedPeriods | None]:
    """``periods`` on ``client``'s workers for the block; without a client, packed in this
    process (None when they cannot be packed: :func:`sim.saom.packed.packable`)."""
    if client is None:
        yield PackedPeriods(periods) if packable(periods) else None
        return
    spread = DaskPeriods(periods, client)
    try:
        yield spread
    finally:
        spread.close()
