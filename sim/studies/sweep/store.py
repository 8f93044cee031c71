"""A sweep's folder: spec.json (what was asked, with its digest), one Parquet file per
finished batch, written atomically (temporary file, then rename)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.atomic import MANIFEST, atomic_file, check_folder, remove_own

SPEC = "spec.json"
BATCH = "batch-[0-9][0-9][0-9][0-9][0-9][0-9].parquet"
"""The name of a batch file (:func:`batch_path`) as a glob."""
OWN = (SPEC, BATCH, f".{BATCH}.*.tmp")
"""A sweep folder's own files: its spec, its batches and a batch's temporary file
(:func:`sim.atomic.atomic_file`); nothing else there is deleted or replaced."""


def batch_path(out: str | Path, batch: int) -> Path:
    return Path(out) / f"batch-{batch:06d}.parquet"


def write_batch(out: str | Path, batch: int, frame: pd.DataFrame) -> None:
    """The batch's rows as one Parquet file, written atomically."""
    with atomic_file(batch_path(out, batch)) as tmp:
        frame.to_parquet(tmp, index=False)


def remove_partial(out: str | Path) -> int:
    """Delete temporary batch files left by a sweep that was killed mid-write (their
    batches are not finished, so they run again); return how many."""
    stale = list(Path(out).glob(OWN[2]))
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def finished(out: str | Path) -> set[int]:
    return {int(p.stem.split("-")[1]) for p in Path(out).glob(BATCH)}


def claim(out: str | Path, spec_json: dict, overwrite: bool = False) -> None:
    """Create the folder with spec.json, or check that an existing one holds the same
    spec (then the sweep resumes, whatever else the folder holds). A folder that is not
    empty and holds no sweep of this spec raises FolderError (a ValueError), unless
    ``overwrite``: then lbsim's own files there are deleted and the sweep starts, keeping
    every other file."""
    out = Path(out)
    path = out / SPEC
    if path.exists():
        old = json.loads(path.read_text())
        if old.get("digest") == spec_json["digest"]:
            return
        if not overwrite:
            raise ValueError(f"{out} holds results of a different spec (digest "
                             f"{old.get('digest')}, now {spec_json['digest']}); choose "
                             f"another --out, or pass --overwrite to delete those results "
                             f"(spec.json, batch-*.parquet; other files are kept)")
    check_folder(out, overwrite, OWN)
    if out.exists():
        remove_own(out, OWN)
        (out / MANIFEST).unlink(missing_ok=True)
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(spec_json, indent=2))


def read(out: str | Path) -> pd.DataFrame:
    files = sorted(Path(out).glob(BATCH))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def query(out: str | Path, sql: str) -> pd.DataFrame:
    """Run SQL with DuckDB over the view ``runs`` (every batch file of the folder).

    Parameters
    ----------
    out : str or Path
        The sweep's folder.
    sql : str
        The query, e.g. ``"select count(*) from runs"``.

    Returns
    -------
    DataFrame
        The query's result.
    """
    import duckdb

    con = duckdb.connect()
    files = ", ".join("'" + str(p).replace("'", "''") + "'"
                      for p in sorted(Path(out).glob(BATCH)))
    con.execute(f"CREATE VIEW runs AS SELECT * FROM read_parquet([{files}])")
    return con.execute(sql).df()
