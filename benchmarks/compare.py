"""Run benchmarks of this tree and of another git revision side by side, alternately.

    python benchmarks/compare.py REV [--bench bench_saom.py ...] [--rounds 2] [--quick]

checks REV out in a temporary git worktree, then runs each benchmark script of both trees
(each with its own ``sim`` on PYTHONPATH and its own numba cache) in turn, ``--rounds``
times, and prints the outputs one after the other, so a change is measured against the
previous revision in one run on the same noisy machine. Compare the printed tables row by
row (the ratio of the two figures is the speed-up).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(tree: Path, bench: str, extra: list[str]) -> str:
    env = dict(os.environ, PYTHONPATH=str(tree))
    script = tree / "benchmarks" / bench
    if not script.exists():
        return f"({bench} does not exist in {tree})\n"
    done = subprocess.run([sys.executable, str(script), *extra], cwd=tree, env=env,
                          capture_output=True, text=True)
    return done.stdout + (f"\n[exit {done.returncode}]\n{done.stderr[-2000:]}"
                          if done.returncode else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rev", help="git revision to compare with (e.g. HEAD~1)")
    ap.add_argument("--bench", action="append", help="benchmark file(s) in benchmarks/ "
                    "(default: bench_saom.py and bench_model.py)")
    ap.add_argument("--rounds", type=int, default=2, help="alternations of the two trees")
    ap.add_argument("--where", default=None, help="folder for the worktree (default: a "
                    "temporary folder)")
    ap.add_argument("--quick", action="store_true", help="pass --quick to bench_saom.py")
    args = ap.parse_args()
    benches = args.bench or ["bench_saom.py", "bench_model.py"]
    base = Path(args.where or tempfile.mkdtemp(prefix="lbsim-compare-"))
    other = base / f"lbsim-{args.rev.replace('/', '_')}"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force",
                    str(other), args.rev], check=True, capture_output=True)
    try:
        for bench in benches:
            extra = ["--quick"] if args.quick and bench == "bench_saom.py" else []
            for r in range(args.rounds):
                for label, tree in ((f"this tree ({ROOT})", ROOT), (args.rev, other)):
                    print(f"\n===== {bench}, round {r + 1}: {label}", flush=True)
                    print(run(tree, bench, extra), flush=True)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)],
                       capture_output=True)


if __name__ == "__main__":
    main()
