"""Failure injection: a writer that dies after writing part of a file leaves nothing that a
resume, a query or a user would read, for every writer of lbsim."""

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import yaml

import sim.data
from sim.studies.network_export import export_networks
from sim.studies.run import run_scenario
from sim.studies.scenario_calibration import write_scenario
from sim.studies.scenario_import import import_scenario
from sim.studies.sweep import store
from sim.studies.sweep.report import write_report
from sim.world.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]


class DiskFull(OSError):
    pass


def half_then_fail(write):
    """A replacement for a writer ``write(obj, path_or_file, ...)``: it writes the first
    half of what the real writer would write, then raises."""
    def broken(obj, target, *args, **kwargs):
        import io

        buffer = io.BytesIO() if not hasattr(target, "write") or "b" in getattr(
            target, "mode", "b") else io.StringIO()
        write(obj, buffer, *args, **kwargs)
        data = buffer.getvalue()
        if hasattr(target, "write"):
            target.write(data[:len(data) // 2])
            target.flush()
        else:
            mode = "wb" if isinstance(data, bytes) else "w"
            with open(target, mode) as f:
                f.write(data[:len(data) // 2])
        raise DiskFull("no space left on device (injected)")
    return broken


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    """Every file or folder under ``folder`` except the names in ``keep``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.relative_to(folder).parts[0] not in keep)


def small_scenario(weeks=3):
    return parse_scenario({"name": "tiny", "weeks": weeks, "population": {
        "schools": 1, "classes_per_school": 1, "class_size": {"mean": 20, "sd": 0}},
        "network": {"burn_in_years": 0.2}})


def test_sweep_batch_killed_mid_write_is_not_finished_and_not_read(tmp_path, monkeypatch):
    frame = pd.DataFrame({"point": [0, 1], "density": [0.1, 0.2]})
    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_then_fail(pd.DataFrame.to_parquet))
    with pytest.raises(DiskFull):
        store.write_batch(tmp_path, 0, frame)
    monkeypatch.undo()
    assert store.finished(tmp_path) == set()  # a resume runs batch 0 again
    assert store.read(tmp_path).empty
    assert not list(tmp_path.glob("batch-*.parquet"))
    assert store.remove_partial(tmp_path) == 0  # nothing half-written was left behind
    store.write_batch(tmp_path, 0, frame)
    assert store.finished(tmp_path) == {0}
    assert store.read(tmp_path).equals(frame)


def test_sweep_spec_killed_mid_write_leaves_no_spec(tmp_path, monkeypatch):
    real = Path.write_text

    def broken(self, data, *args, **kwargs):
        real(self, data[:len(data) // 2])
        raise DiskFull("no space left on device (injected)")

    monkeypatch.setattr(Path, "write_text", broken)
    with pytest.raises(DiskFull):
        store.claim(tmp_path / "out", {"digest": "d", "spec": {"x": 1}})
    assert leftovers(tmp_path / "out", set()) == []


def test_run_killed_mid_write_leaves_no_output_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_then_fail(pd.DataFrame.to_parquet))
    with pytest.raises(DiskFull):
        run_scenario(small_scenario(), tmp_path / "run")
    assert leftovers(tmp_path, set()) == []


def test_import_killed_mid_write_leaves_no_scenario(tmp_path, monkeypatch):
    matrix = tmp_path / "w1.txt"
    np.savetxt(matrix, sim.data.load("s50").waves[0], fmt="%d")
    monkeypatch.setattr(yaml, "safe_dump", half_then_fail(yaml.safe_dump))
    with pytest.raises(DiskFull):
        import_scenario(matrix, None, tmp_path / "class.yaml")
    assert leftovers(tmp_path, {"w1.txt"}) == []


def test_calibrated_scenario_killed_mid_write_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setattr(yaml, "safe_dump", half_then_fail(yaml.safe_dump))
    with pytest.raises(DiskFull):
        write_scenario({"name": "c", "population": {}}, tmp_path / "c.yaml")
    assert leftovers(tmp_path, set()) == []


def test_export_killed_mid_write_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(nx, "write_graphml", half_then_fail(nx.write_graphml))
    with pytest.raises(DiskFull):
        export_networks(small_scenario(), tmp_path / "net", weeks=[0, 2],
                        formats=["edgelist", "graphml"])
    assert leftovers(tmp_path, set()) == []


def test_report_killed_mid_write_leaves_no_report(tmp_path, monkeypatch):
    from sweeps import synthetic_sweep

    out = synthetic_sweep(tmp_path, {0: [10, 12, 11], 1: [7, 8, 9]})
    before = leftovers(out, set())
    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail(pd.DataFrame.to_csv))
    with pytest.raises(DiskFull):
        write_report(out)
    assert leftovers(out, set()) == before


def test_results_get_the_mode_of_the_users_other_files(tmp_path):
    """Not tempfile's private 0600 / 0700: 0666 / 0777 less the umask, as open and mkdir
    give."""
    import os
    import stat

    from sim.atomic import atomic_file, atomic_folder

    umask = os.umask(0o022)
    try:
        with atomic_folder(tmp_path / "out") as tmp:
            (tmp / "a.csv").write_text("x\n")
        with atomic_file(tmp_path / "one.yaml") as tmp:
            tmp.write_text("x: 1\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "one.yaml").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out" / ".lbsim-outputs").stat().st_mode) == 0o644


def test_kill_ends_a_command_through_its_cleanup(tmp_path):
    """lbsim turns SIGTERM (kill) into SystemExit(143), so a writer's cleanup runs as for
    Ctrl-C: the temporary folder of an interrupted atomic write is removed."""
    import signal
    from pathlib import Path

    from typer.testing import CliRunner

    import sim.cli.main
    from sim.atomic import atomic_folder

    before = signal.getsignal(signal.SIGTERM)
    try:
        result = CliRunner().invoke(sim.cli.main.app, ["validate", str(
            Path(__file__).resolve().parents[1] / "scenarios" / "single_class.yaml")])
        assert result.exit_code == 0, result.output
        handler = signal.getsignal(signal.SIGTERM)
        assert handler is sim.cli.main._terminated
    finally:
        signal.signal(signal.SIGTERM, before)
    with pytest.raises(SystemExit) as ended, atomic_folder(tmp_path / "out") as tmp:
        (tmp / "half.csv").write_text("x\n")
        handler(signal.SIGTERM, None)
    assert ended.value.code == 143
    assert list(tmp_path.iterdir()) == []
