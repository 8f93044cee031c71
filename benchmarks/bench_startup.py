"""Where the time of a whole ``lbsim estimate`` command goes, in a new process each time;
prints a table. Run: ``python benchmarks/bench_startup.py [--repeats 5]``.

The command is the s50 model of ``bench_estimate.py`` (3 waves, 7 effects), or one given
after ``--``. It runs in a fresh interpreter through a small driver that records the wall
clock at a few points (the driver's own imports are numba's dispatcher and
:mod:`sim.io.estimation`, which the command imports before fitting anyway), split into:

- interpreter: from starting the process to its first line of Python (``python -c pass``);
- imports and parsing: ``sim.cli.main``, typer's parsing of the options, the command's
  imports (:mod:`sim.io.estimation`, hence :mod:`sim.saom` and numba);
- data: reading the bundled data set (``read_observed``);
- numba set-up and kernels: every call of numba's ``Dispatcher.compile``, which on a warm
  cache loads a kernel from numba's cache and, the first time, sets numba's compiler up
  (its ``refresh``, which imports numba's implementations of Python's and numpy's
  functions);
- fit: the estimation itself (``fit_observed``) without that;
- output and exit: printing the report and the interpreter's exit.

The command runs with Python's bytecode cache on, as by default (without it, every
process compiles lbsim's modules from source again: 0.1-0.2 s more of imports).

Each part's median, minimum and maximum over the repeats (after one run that fills numba's
cache if cold), and its median CPU time (the process's, all threads; the interpreter's
start is counted from the process's start): on a shared machine the spread says how noisy
the figures are, and the CPU time what a part costs without waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

# Runs the command as `lbsim` does, timing the parts by the wall clock and by the process's
# CPU time (all its threads); writes the marks to the file named by LBSIM_STARTUP_MARKS
# when the interpreter exits.
DRIVER = r"""
import time
def now():
    return [time.time(), time.process_time()]
marks = {"main": now(), "data": [0.0, 0.0], "fit": [0.0, 0.0], "kernels": [0.0, 0.0]}
import atexit, json, os, sys
import sim.io.estimation as estimation
from numba.core.dispatcher import Dispatcher

depth = dict.fromkeys(marks, 0)

def timed(key, fn):
    # fn, adding its seconds to marks[key] (the outermost call only: compiling a kernel
    # compiles its callees through the same method), the first start and the last end
    def wrapper(*args, **kwargs):
        start = now()
        marks.setdefault(key + "_start", start)
        depth[key] += 1
        try:
            return fn(*args, **kwargs)
        finally:
            depth[key] -= 1
            if not depth[key]:
                end = marks[key + "_end"] = now()
                marks[key] = [m + e - s for m, e, s in zip(marks[key], end, start)]
    return wrapper

estimation.read_observed = timed("data", estimation.read_observed)
estimation.fit_observed = timed("fit", estimation.fit_observed)
Dispatcher.compile = timed("kernels", Dispatcher.compile)
atexit.register(lambda: open(os.environ["LBSIM_STARTUP_MARKS"], "w").write(json.dumps(marks)))
from sim.cli.main import app
app(sys.argv[1:], prog_name="lbsim")
"""
CLOCKS = ("wall", "cpu")


def run_once(args: list[str]) -> dict[str, dict[str, float]]:
    """One command in a new process: its parts in seconds (see the module's docstring) by
    the wall clock and in CPU time."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "marks.json")
        env = dict(os.environ, LBSIM_STARTUP_MARKS=path)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # Python's default: bytecode cached
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.time()
        subprocess.run([sys.executable, "-c", DRIVER, *args], check=True, env=env,
                       capture_output=True)
        end = [time.time(), 0.0]
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(path) as f:
            m = json.load(f)
    end[1] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    begin = [start, 0.0]
    return {clock: {"interpreter": m["main"][i] - begin[i],
                    "imports and parsing": m["data_start"][i] - m["main"][i],
                    "data": m["data"][i],
                    "numba set-up and kernels": m["kernels"][i],
                    "fit": m["fit"][i] - m["kernels"][i],
                    "output and exit": end[i] - m["fit_end"][i],
                    "whole command": end[i] - begin[i]}
            for i, clock in enumerate(CLOCKS)}


def interpreter_alone(repeats: int) -> float:
    """The median seconds of ``python -c pass`` (the interpreter's own start and exit)."""
    times = []
    for _ in range(repeats):
        start = time.time()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.time() - start)
    return statistics.median(times)


def breakdown(args: list[str], repeats: int = 5) -> dict[str, dict[str, list[float]]]:
    """Each part's seconds over ``repeats`` runs of the command (after one warm-up run), by
    the wall clock (``["wall"]``) and in CPU time (``["cpu"]``)."""
    run_once(args)  # fills numba's cache if cold
    runs = [run_once(args) for _ in range(repeats)]
    return {clock: {part: [r[clock][part] for r in runs] for part in runs[0][clock]}
            for clock in CLOCKS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("command", nargs="*", help="another lbsim command to time (after --)")
    given = ap.parse_args()
    if given.command:
        command = given.command
    else:
        from bench_estimate import S50_COMMAND as command
    parts = breakdown(command, repeats=given.repeats)
    print(f"\nlbsim {' '.join(command)}\n{given.repeats} runs, each in a new process; "
          f"python -c pass: {interpreter_alone(given.repeats):.3f} s")
    print(f"{'part':<28}{'median s':>10}{'min':>8}{'max':>8}{'CPU s':>8}")
    for part, times in parts["wall"].items():
        print(f"{part:<28}{statistics.median(times):>10.3f}{min(times):>8.3f}"
              f"{max(times):>8.3f}{statistics.median(parts['cpu'][part]):>8.3f}")


if __name__ == "__main__":
    main()
