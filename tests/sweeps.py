"""Staffing sweeps for tests: a small county, its staffing spec, a real sweep of it and a
synthetic one whose rows are given."""

import json
from pathlib import Path

import pandas as pd

from sim.studies.sweep import store
from sim.studies.sweep.sweep import run_sweep

COUNTY = """name: small_county
weeks: 14
population: {schools: 6, classes_per_school: 2, class_size: {mean: 25, sd: 2},
             left_behind_share: 0.4, left_behind_school_sd: 0.1}
network: {burn_in_years: 0.3}
interventions:
  - type: staffing
    workers: 1
    terms: 1
    group: {type: growth_group, start_week: 2, acceptance: 1.0}
"""

STAFFING = """name: small_staffing
base: county.yaml
parameters:
  interventions.0.workers: {values: [0, 2, 6]}
  interventions.0.placement: {values: [one_per_school, shared]}
replications: 4
common_seeds: COMMON
seed: 3
at: [10]
outcomes: [isolates_lb, indegree_lb, indegree_gap, density]
batch_size: 6
magnitudes: defaults
"""


def staffing_sweep(folder: Path, common: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "county.yaml").write_text(COUNTY)
    spec = folder / "staffing.yaml"
    spec.write_text(STAFFING.replace("COMMON", str(common).lower()))
    run_sweep(spec, folder / "out", workers=1)
    return folder / "out"


def synthetic_sweep(folder, isolates: dict[int, list[float]], common: bool = True):
    """A sweep folder whose spec is a real staffing spec and whose runs hold the given
    left-behind isolates per point (point 0: no workers; point 1: 2 workers), week 10."""
    from sim.studies.sweep.spec import load_spec

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "county.yaml").write_text(COUNTY)
    spec_file = folder / "staffing.yaml"
    spec_file.write_text(STAFFING.replace("COMMON", str(common).lower())
                         .replace("values: [0, 2, 6]", "values: [0, 2]")
                         .replace("values: [one_per_school, shared]", "values: [shared]")
                         .replace("at: [10]\n", ""))
    spec, base = load_spec(spec_file)
    out = folder / "out"
    out.mkdir()
    meta = {"spec": spec.model_dump(mode="json"), "base": base, "digest": "synthetic"}
    (out / store.SPEC).write_text(json.dumps(meta))
    rows = [{"point": p, "replication": r, "week": 10, "status": "done",
             "param:interventions.0.workers": [0, 2][p],
             "param:interventions.0.placement": "shared", "isolates_lb": v,
             "indegree_lb": 1.0, "indegree_gap": 0.0, "density": 0.05}
            for p, values in isolates.items() for r, v in enumerate(values)]
    store.write_batch(out, 0, pd.DataFrame(rows))
    return out
