"""Sweeps whose number of runs does not divide by the batch size: every run in exactly one
batch, and every run done."""

from pathlib import Path

import pandas as pd
import pytest

from sim.studies.sweep import store
from sim.studies.sweep.runner import batches, tasks
from sim.studies.sweep.spec import Sweep
from sim.studies.sweep.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("common", [False, True])
@pytest.mark.parametrize("points, replications, size", [(1, 7, 3), (3, 3, 2), (2, 5, 4),
                                                          (1, 2, 5), (2, 3, 3)])
def test_every_run_is_in_exactly_one_batch(points, replications, size, common):
    spec = Sweep(name="b", base="x.yaml", parameters={}, replications=replications,
                     batch_size=size, common_seeds=common)
    all_tasks = tasks(spec, [{}] * points)
    cut = batches(spec, all_tasks)
    runs = points * replications
    assert list(cut) == list(range(-(-runs // size)))
    assert all(len(b) == size for b in list(cut.values())[:-1])
    assert sorted(t["run"] for b in cut.values() for t in b) == list(range(runs))


def test_a_sweep_of_five_runs_in_batches_of_two_runs_all_five(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"base: {ROOT / 'scenarios' / 'single_class.yaml'}\nname: odd\n"
                    "weeks: 1\nbatch_size: 2\nreplications: 5\n"
                    "overrides: {network.burn_in_years: 0.1}\n"
                    "parameters:\n  population.left_behind_share: {values: [0.3]}\n")
    counts = run_sweep(spec, tmp_path / "out", workers=1)
    assert (counts.runs, counts.done, counts.failed, counts.skipped) == (5, 5, 0, 0)
    assert sorted(store.read(tmp_path / "out")["run"]) == [0, 1, 2, 3, 4]


def test_a_sweeps_overwrite_deletes_only_the_files_a_sweep_writes(tmp_path):
    """A user's files named like a sweep's (batch-notes.parquet, .batch-x.tmp) are not a
    sweep's: starting another spec with --overwrite deletes spec.json, the batches and a
    batch's temporary file, and keeps them."""
    from sim.studies.sweep import store

    out = tmp_path / "s"
    store.claim(out, {"digest": "a"})
    store.write_batch(out, 0, pd.DataFrame({"x": [1]}))
    leftover = out / ".batch-000001.parquet.k3j2.tmp"
    leftover.write_text("")
    mine = ["batch-notes.parquet", ".batch-x.tmp", "notes.txt"]
    for name in mine:
        (out / name).write_text("mine")
    assert store.remove_partial(out) == 1 and not leftover.exists()
    store.claim(out, {"digest": "b"}, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == sorted([*mine, "spec.json"])
    assert all((out / name).read_text() == "mine" for name in mine)


def test_a_query_reads_the_sweeps_batches_only(tmp_path):
    """lbsim query's view holds the batches, not a user's file named like one."""
    from sim.studies.sweep import store

    out = tmp_path / "s'q"  # a quote in the path is escaped
    store.claim(out, {"digest": "a"})
    store.write_batch(out, 0, pd.DataFrame({"x": [1, 2]}))
    store.write_batch(out, 1, pd.DataFrame({"x": [3]}))
    (out / "batch-notes.parquet").write_text("not a parquet file")
    assert store.query(out, "SELECT sum(x) AS s FROM runs")["s"].iloc[0] == 6
