"""Benchmark of classroom sweeps end to end through ``lbsim sweep``; prints a table.

Runs of a 45-child class for a school year (40 weeks) with the Dafang growth group
(scenarios/single_class.yaml, its 7-year burn-in included) over a grid of group sizes,
through the local process pool and through a Dask LocalCluster, each with 2 workers.
Two designs: independent seeds at every point, and common seeds (replication r has the
same seed at every point, so a replication's runs share the build and burn-in of its
world). Every command's wall time counts: start-up, worker spawn, numba cache loading,
writing the Parquet batches; the start-up alone (a sweep of 8 runs with the same executor)
is shown beside, and the rate without it. Target (issue 5): at least 300 runs per second
on 2 cores.
Run: ``make bench`` or ``python benchmarks/bench_sweep.py [--replications R]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = """name: bench
base: {base}
design: grid
parameters:
  interventions.0.group_size: {{values: [4, 6, 8, 10]}}
replications: {replications}
common_seeds: {common}
seed: 1
outcomes: [density, isolates_in_share, indegree_lb, indegree_gap, confidence_lb]
batch_size: {batch}
"""


def sweep(folder: Path, replications: int, common: bool, executor: list[str]) -> tuple:
    spec = folder / f"spec-{common}-{executor[0]}.yaml"
    spec.write_text(SPEC.format(base=ROOT / "scenarios" / "single_class.yaml",
                                replications=replications, common=str(common).lower(),
                                batch=min(200, 4 * replications)))
    out = folder / f"out-{common}-{executor[0]}"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sim.cli.main", "sweep", str(spec), "--out",
                           str(out), *executor], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"lbsim sweep failed:\n{done.stderr}")
    shutil.rmtree(out)
    return 4 * replications, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=1500,
                    help="replications per point (4 points)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # warm numba's cache so no row pays for compilation
        sweep(folder, 2, True, ["--workers", "1"])
        print(f"{'executor':<22}{'seeds':<14}{'runs':>7}{'seconds':>10}{'runs/s':>9}"
              f"{'start-up s':>12}{'runs/s after':>14}")
        for executor in (["--workers", "2"], ["--dask-local", "2"]):
            _, startup = sweep(folder, 2, True, executor)
            for common in (True, False):
                runs, seconds = sweep(folder, args.replications, common, executor)
                print(f"{' '.join(executor):<22}{'common' if common else 'independent':<14}"
                      f"{runs:>7}{seconds:>10.1f}{runs / seconds:>9.0f}{startup:>12.1f}"
                      f"{runs / max(seconds - startup, 1e-9):>14.0f}", flush=True)


if __name__ == "__main__":
    main()
