"""``lbsim evidence``: every finding, published against simulated, as a table
(docs/evidence.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.atomic import atomic_folder
from sim.studies.evidence.replay import agreement, published, simulate
from sim.studies.evidence.spec import load_findings

COLUMNS = ("id", "kind", "figure", "published", "published_low", "published_high",
           "published_interval", "simulated", "simulated_low", "simulated_high",
           "simulated_interval", "replications", "seed", "agree", "inside", "details",
           "citation")


def evidence(path: str | Path | None = None, replications: int = 20, seed: int = 1,
             progress=None) -> pd.DataFrame:
    """Each finding of the file at ``path`` (default: the shipped table) replayed in
    lbsim: one row with the published and simulated figures and whether they agree.
    ``progress(done, total)`` is called after each finding."""
    if replications < 2:
        raise ValueError(f"replications must be at least 2, got {replications}")
    findings, worlds = load_findings(path)
    rows: list[dict] = []
    cache: dict = {}
    for k, f in enumerate(findings.findings):
        est, low, high, how = published(f.published)
        sim = simulate(f.replication, worlds[f.id], replications, seed, cache)
        agree, inside = agreement(est, low, high, sim)
        rows.append({"id": f.id, "kind": f.replication.kind, "figure": f.figure,
                     "published": est, "published_low": low, "published_high": high,
                     "published_interval": how, "simulated": sim.estimate,
                     "simulated_low": sim.low, "simulated_high": sim.high,
                     "simulated_interval": sim.interval, "replications": sim.replications,
                     "seed": seed, "agree": agree, "inside": inside, "details": sim.details,
                     "citation": f.citation})
        if progress is not None:
            progress(k + 1, len(findings.findings))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _interval(estimate, low, high) -> str:
    if pd.isna(low) or pd.isna(high):
        return f"{estimate:.3f} [no interval]"
    return f"{estimate:.3f} [{low:.3f}, {high:.3f}]"


def evidence_text(table: pd.DataFrame) -> str:
    """One line per finding (published, simulated, agreement) and what lies behind it."""
    lines = [f"{'finding':<34}{'published [interval]':<26}{'simulated [interval]':<26}"
             f"{'agree':<7}inside"]
    for r in table.itertuples():
        lines.append(f"{r.id[:33]:<34}"
                     f"{_interval(r.published, r.published_low, r.published_high):<26}"
                     f"{_interval(r.simulated, r.simulated_low, r.simulated_high):<26}"
                     f"{'yes' if r.agree else 'no':<7}{'yes' if r.inside else 'no'}")
        lines.append(f"  {r.figure}")
        lines.append(f"  published: {r.published_interval}")
        lines.append(f"  simulated: {r.simulated_interval}; {r.details}")
    return "\n".join(lines + [
        "agree: the published and simulated intervals overlap (a figure published without "
        "an interval: it lies in the simulated one); inside: the published estimate lies in "
        "the simulated interval"])


def write_evidence(out: Path, overwrite: bool = False, **kwargs) -> pd.DataFrame:
    """:func:`evidence`, written atomically into ``out`` as evidence.csv."""
    with atomic_folder(out, overwrite) as tmp:
        table = evidence(**kwargs)
        table.to_csv(tmp / "evidence.csv", index=False)
    return table
