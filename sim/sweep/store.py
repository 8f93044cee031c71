"""A sweep's folder: spec.json (what was asked, with its digest), one Parquet file per
finished batch, written atomically (temporary file, then rename)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.atomic import atomic_file

SPEC = "spec.json"


def batch_path(out: str | Path, batch: int) -> Path:
    return Path(out) / f"batch-{batch:06d}.parquet"


def write_batch(out: str | Path, batch: int, frame: pd.DataFrame) -> None:
    """The batch's rows as one Parquet file, written atomically."""
    with atomic_file(batch_path(out, batch)) as tmp:
        frame.to_parquet(tmp, index=False)


def remove_partial(out: str | Path) -> int:
    """Delete temporary batch files left by a sweep that was killed mid-write (their
    batches are not finished, so they run again); return how many."""
    stale = list(Path(out).glob(".batch-*.tmp"))
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def finished(out: str | Path) -> set[int]:
    return {int(p.stem.split("-")[1]) for p in Path(out).glob("batch-*.parquet")}


def claim(out: str | Path, spec_json: dict) -> None:
    """Create the folder with spec.json, or check that an existing one holds the same
    spec; raise ValueError if it differs."""
    out = Path(out)
    path = out / SPEC
    if path.exists():
        old = json.loads(path.read_text())
        if old.get("digest") != spec_json["digest"]:
            raise ValueError(f"{out} holds results of a different spec (digest "
                             f"{old.get('digest')}, now {spec_json['digest']}); use another "
                             f"--out, or delete the folder to start again")
        return
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(spec_json, indent=2))


def read(out: str | Path) -> pd.DataFrame:
    files = sorted(Path(out).glob("batch-*.parquet"))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def query(out: str | Path, sql: str) -> pd.DataFrame:
    """Run SQL with DuckDB over the view ``runs`` (every batch file of the folder)."""
    import duckdb

    con = duckdb.connect()
    pattern = str(Path(out) / "batch-*.parquet")
    con.execute(f"CREATE VIEW runs AS SELECT * FROM read_parquet('{pattern}')")
    return con.execute(sql).df()
