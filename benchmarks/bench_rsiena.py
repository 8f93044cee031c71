"""lbsim side by side with RSiena 1.5.0 on this machine: the same data, the same model,
seconds and estimates. Run: ``python benchmarks/bench_rsiena.py [--fits groups s50]
[--seeds 1 2 3]`` (needs ``Rscript`` with RSiena; without it the benchmark says it is
skipped and exits 0).

Fits (those of benchmarks/bench_estimate.py):

- ``groups``: 20 simulated classes of 45, two waves each (``bench_estimate.classes``);
  density, recip, transTrip, egoX of the covariate v, common to the classes, and a rate per
  class: lbsim's ``estimate`` of a ``Data``, RSiena's ``sienaGroupCreate`` + ``siena07``;
- ``s50``: RSiena's s50 data, three waves, ``bench_estimate.S50_EFFECTS`` with alcohol
  (wave 1) as a constant covariate.

The data are written to files once (a manifest for ``lbsim estimate --classes``, wave files
for one class, and ``classes.csv`` for scripts/rsiena/bench_fit.R, which fits them in R).
Per seed S: lbsim's ``estimate(seed=S)`` in this process (numba compiled beforehand), the
whole ``lbsim estimate ... --seed S --out DIR`` command in a new process (start-up and
saving included), and ``siena07`` with ``sienaAlgorithmCreate(seed = S, cond = FALSE)``
(unconditional, lbsim's default) and with RSiena's default ``cond`` (conditional here: one
network), each timed alone (``system.time``) and as the whole ``Rscript``. With
``--conditional`` lbsim also fits conditionally (``conditional=True``), compared with
RSiena's default.

Two stochastic fits differ by Monte Carlo noise, so estimates are compared over seeds: per
parameter the mean over seeds of (lbsim - RSiena) / RSiena's SE, the spread of each
program's estimates over seeds in the same units, and the standard error of that mean
difference, sqrt((sd_lbsim^2 + sd_RSiena^2) / seeds). The machine's other jobs make the
seconds noisy: the table gives the mean and the range over seeds, wall-clock and CPU, and
the ratios of the means and of the minima. Not part of ``make bench``: RSiena's fits take
minutes per seed (the 20 classes' more than s50's).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
import yaml
from bench_estimate import GROUP_MODEL, S50_EFFECTS, classes

import sim.data
from sim.data import ClassWaves
from sim.io.fit import load_fit
from sim.saom import Algorithm, ClassData, Data, Model, estimate
from sim.saom.names import Parameter, rate

R_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "rsiena" / "bench_fit.R"
RATES_SHOWN = 4
"""With more rates than this, the table sums them up in one line."""


def group_records() -> list[ClassWaves]:
    """The 20 classes of bench_estimate.py, named c01..c20."""
    groups, covs = classes()
    return [ClassWaves(f"c{k + 1:02d}", tuple(w), {"v": c["v"]})
            for k, (w, c) in enumerate(zip(groups, covs, strict=True))]


def s50_records() -> list[ClassWaves]:
    """s50's three waves, alcohol of wave 1 as the constant covariate alc."""
    s50 = sim.data.load("s50")
    return [ClassWaves("s50", tuple(s50.waves), {"alc": s50.covariates["alcohol"][:, 0]})]


FITS = {"groups": (group_records, list(GROUP_MODEL),
                   "20 classes of 45, 2 waves, 4 effects + 20 rates"),
        "s50": (s50_records, S50_EFFECTS, "s50, 3 waves, 7 effects + 2 rates")}


def write_classes(folder: Path, records: list[ClassWaves]) -> None:
    """Each class's waves (``NAME-wK.txt``) and covariates (``NAME-COV.txt``) in ``folder``,
    with ``manifest.yaml`` (lbsim estimate --classes) and ``classes.csv`` (bench_fit.R)."""
    entries, rows = [], []
    for c in records:
        waves = []
        for k, w in enumerate(c.waves, 1):
            np.savetxt(folder / f"{c.name}-w{k}.txt", w, fmt="%d")
            waves.append(f"{c.name}-w{k}.txt")
        covs = {}
        for name, values in c.covariates.items():
            np.savetxt(folder / f"{c.name}-{name}.txt", values, fmt="%.17g")
            covs[name] = f"{c.name}-{name}.txt"
        entries.append({"name": c.name, "waves": waves, "covariates": covs})
        rows.append([c.name, ";".join(waves), *covs.values()])
    (folder / "manifest.yaml").write_text(yaml.safe_dump({"classes": entries}))
    with open(folder / "classes.csv", "w", newline="") as f:
        csv.writer(f).writerows([["class", "waves", *records[0].covariates], *rows])


@dataclass
class Run:
    """One fit: wall-clock and CPU seconds of the fit alone and of its whole process (NaN
    where there is none), estimates, SEs and observed target statistics by parameter name,
    max |t| and the overall maximum convergence ratio; targets are keyed by the names of
    their statistics (``changes 1`` for ``rate 1``)."""

    seconds: float
    cpu: float
    whole: float
    whole_cpu: float
    theta: dict[str, float]
    se: dict[str, float] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    max_t: float = np.nan
    ratio: float = np.nan


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_child(command: list[str]) -> tuple[float, float]:
    """Run ``command``; its wall-clock and CPU seconds. Raises RuntimeError with the end of
    its standard error if it fails."""
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:4])} ... exited {done.returncode}:\n"
                           + "\n".join(done.stderr.splitlines()[-15:]))
    return time.perf_counter() - start, _children_cpu() - cpu


def as_data(records: list[ClassWaves]) -> ClassData | Data:
    return ClassData.from_record(records[0]) if len(records) == 1 \
        else Data.from_records(records)


def lbsim_fit(records, effects, seed, conditional, algorithm=None) -> Run:
    data, model = as_data(records), Model(list(effects))
    start, cpu = time.perf_counter(), time.process_time()
    est = estimate(data, model, seed=seed, conditional=conditional, algorithm=algorithm)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    names = [str(n) for n in est.names]
    return Run(seconds, cpu, np.nan, np.nan, dict(zip(names, est.theta, strict=True)),
               dict(zip(names, est.se, strict=True)),
               dict(zip(est.stat_names, est.targets, strict=True)),
               float(np.max(np.abs(est.t_ratios))), float(est.max_ratio))


def lbsim_command(folder: Path, records, effects, seed, conditional) -> Run:
    """The whole ``lbsim estimate`` command in a new process: its seconds and estimates."""
    if len(records) == 1:
        c = records[0]
        source = [str(folder / f"{c.name}-w{k}.txt") for k in range(1, len(c.waves) + 1)]
        for name in c.covariates:
            source += ["--covariate", f"{name}={folder / f'{c.name}-{name}.txt'}"]
    else:
        source = ["--classes", str(folder / "manifest.yaml")]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fit"
        command = [sys.executable, "-m", "sim.cli.main", "estimate", *source,
                   "--effects", ",".join(effects), "--seed", str(seed), "--out", str(out)]
        if conditional:
            command.append("--conditional")
        whole, cpu = _timed_child(command)
        est = load_fit(out).estimate
    return Run(np.nan, np.nan, whole, cpu,
               {str(n): float(t) for n, t in zip(est.names, est.theta, strict=True)})


def rsiena_name(row: dict, several: bool) -> Parameter:
    """lbsim's name of a parameter of bench_fit.R's estimates.csv."""
    if row["short"] == "Rate":
        return rate(int(row["period"]), row["class"] if several else "")
    return Parameter.parse(row["short"] + (f":{row['interaction']}" if row["interaction"]
                                           else ""))


def rsiena_fit(folder: Path, effects, seed, cond: str, several: bool) -> Run:
    with tempfile.TemporaryDirectory() as out:
        whole, cpu = _timed_child(["Rscript", str(R_SCRIPT), str(folder), ",".join(effects),
                                   str(seed), cond, out])
        with open(Path(out) / "estimates.csv") as f:
            rows = list(csv.DictReader(f))
        with open(Path(out) / "summary.csv") as f:
            summary = next(csv.DictReader(f))
    params = [rsiena_name(r, several) for r in rows]
    names = [str(p) for p in params]
    return Run(float(summary["siena07_seconds"]), float(summary["siena07_cpu_seconds"]),
               whole, cpu,
               {n: float(r["theta"]) for n, r in zip(names, rows, strict=True)},
               {n: float(r["se"]) for n, r in zip(names, rows, strict=True)},
               {p.statistic: float(r["target"]) for p, r in zip(params, rows, strict=True)},
               float(summary["max_abs_t"]), float(summary["tconv_max"]))


def rsiena_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    check = subprocess.run(["Rscript", "-e", "library(RSiena)"], capture_output=True)
    return check.returncode == 0


def _spread(values) -> str:
    v = np.asarray(values, float)
    return f"{v.mean():7.2f} ({v.min():6.2f}-{v.max():6.2f})" if len(v) > 1 \
        else f"{v[0]:7.2f}{'':16}"


def timings(rows: dict[str, list[Run]], whole: bool) -> str:
    """Lines of a table: per row its wall-clock and CPU seconds (the fit alone, or the
    whole process with ``whole``), mean (range) over seeds."""
    wall, cpu = ("whole", "whole_cpu") if whole else ("seconds", "cpu")
    return "\n".join(f"  {label:<40}{_spread([getattr(r, wall) for r in runs])}"
                     f"{_spread([getattr(r, cpu) for r in runs])}" for label, runs in rows.items()
                     if runs)


def speed_up(theirs: list[Run], ours: list[Run], whole: bool) -> str:
    """RSiena's seconds over lbsim's, wall-clock and CPU: the ratio of the means over
    seeds, then of the minima (the runs least slowed by other jobs)."""
    out = ""
    for key in ("whole", "whole_cpu") if whole else ("seconds", "cpu"):
        a, b = ([getattr(r, key) for r in runs] for runs in (theirs, ours))
        out += f"{np.mean(a) / np.mean(b):7.1f} {np.min(a) / np.min(b):6.1f}{'':9}"
    return out


def agreement(ours: list[Run], theirs: list[Run], label: str) -> None:
    """Per parameter: mean estimates over seeds, the mean difference in RSiena's SEs, the
    spreads over seeds in those units and the standard error of the mean difference."""
    names = list(theirs[0].theta)
    k = len(ours)
    print(f"\n  estimates, lbsim vs RSiena {label} (means over {k} seed{'s' * (k > 1)}; "
          f"d = (lbsim - RSiena) / RSiena's SE)")
    print(f"  {'parameter':<16}{'lbsim':>9}{'RSiena':>9}{'SE':>8}{'mean d':>9}"
          f"{'sd lbsim':>10}{'sd RSiena':>10}{'se(d)':>8}")
    rates = []
    for name in names:
        se = np.mean([r.se[name] for r in theirs])
        ol = np.array([r.theta[name] for r in ours]) / se
        th = np.array([r.theta[name] for r in theirs]) / se
        sd_l, sd_r = (np.std(x, ddof=1) if k > 1 else np.nan for x in (ol, th))
        d = float(np.mean(ol - th))
        row = (f"  {name:<16}{np.mean(ol) * se:9.3f}{np.mean(th) * se:9.3f}{se:8.3f}{d:9.3f}"
               f"{sd_l:10.3f}{sd_r:10.3f}{np.sqrt((sd_l ** 2 + sd_r ** 2) / k):8.3f}")
        if name.startswith("rate ") and sum(n.startswith("rate ") for n in names) > RATES_SHOWN:
            rates.append(d)
        else:
            print(row)
    if rates:
        rates = np.array(rates)
        print(f"  {len(rates)} rates: mean d {rates.mean():.3f}, mean |d| "
              f"{np.abs(rates).mean():.3f}, largest |d| {np.abs(rates).max():.3f}")
    for who, runs in (("lbsim", ours), (f"RSiena {label}", theirs)):
        print(f"  {who:<24} max |t| " + " ".join(f"{r.max_t:.3f}" for r in runs)
              + "   overall ratio " + " ".join(f"{r.ratio:.3f}" for r in runs))


def bench(fit: str, seeds: list[int], conditional: bool, default_cond: bool) -> None:
    make, effects, title = FITS[fit]
    records = make()
    several = len(records) > 1
    print(f"\n== {fit}: {title}; seeds {', '.join(map(str, seeds))}; lbsim on "
          f"{numba.get_num_threads()} numba threads")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_classes(folder, records)
        warm = Algorithm(n3=50, subphases=1)  # compiles numba's kernels (cached on disk)
        for cond in (False, True) if conditional else (False,):
            lbsim_fit(records[:2], effects, 0, cond, warm)
        conds = {"cond=FALSE": "FALSE"} | ({"default cond": "default"} if default_cond else {})
        ours, commands, theirs = {False: [], True: []}, [], {label: [] for label in conds}
        for s in seeds:  # each seed's fits one after the other: they share the machine's load
            ours[False].append(lbsim_fit(records, effects, s, False))
            if conditional:
                ours[True].append(lbsim_fit(records, effects, s, True))
            try:
                commands.append(lbsim_command(folder, records, effects, s, False))
            except RuntimeError as e:  # reported, and the other fits go on
                print(f"  seed {s}: the lbsim estimate command failed: {e}", file=sys.stderr)
                commands.append(None)
            for label, cond in conds.items():
                theirs[label].append(rsiena_fit(folder, effects, s, cond, several))
            print(f"  seed {s} done: lbsim {ours[False][-1].seconds:.1f} s, RSiena "
                  + ", ".join(f"{k} {v[-1].seconds:.1f} s" for k, v in theirs.items()),
                  file=sys.stderr, flush=True)
        same = max((abs(c.theta[n] - r.theta[n]) for c, r in zip(commands, ours[False],
                                                                    strict=True)
                    if c is not None for n in c.theta), default=np.nan)
        commands = [c for c in commands if c is not None]
        if len(commands) < len(seeds):
            print(f"  the lbsim estimate command failed at {len(seeds) - len(commands)} "
                  f"seed(s): see above; its seconds are over the others")
    print(f"  {'seconds: mean (range) over seeds':<40}{'wall-clock':>23}{'CPU':>23}")
    print("  the fit alone")
    alone = {"lbsim estimate() in process": ours[False]}
    if conditional:
        alone["lbsim estimate(conditional=True)"] = ours[True]
    alone.update({f"RSiena siena07, {label}": runs for label, runs in theirs.items()})
    print(timings(alone, whole=False))
    print("  the whole process")
    print(timings({"lbsim estimate command": commands}
                  | {f"Rscript, {label}": runs for label, runs in theirs.items()}, whole=True))
    print("  RSiena / lbsim (ratio of the means, of the minima)")
    for label, runs in theirs.items():
        print(f"  {'siena07 ' + label + ' / estimate()':<40}"
              f"{speed_up(runs, ours[False], whole=False)}")
        if commands:
            print(f"  {'Rscript ' + label + ' / lbsim estimate':<40}"
                  f"{speed_up(runs, commands, whole=True)}")
    if conditional and default_cond:
        print(f"  {'siena07 default cond / conditional=True':<40}"
              f"{speed_up(theirs['default cond'], ours[True], whole=False)}")
    print(f"  lbsim estimate command's estimates - estimate()'s: max |diff| {same:.1e}")
    ref = theirs["cond=FALSE"][0].targets
    gap = max(abs(ours[False][0].targets[n] - t) / max(abs(t), 1.0) for n, t in ref.items())
    print(f"  observed statistics (targets), lbsim vs RSiena: max relative difference {gap:.1e}")
    agreement(ours[False], theirs["cond=FALSE"], "cond=FALSE")
    if default_cond:
        agreement(ours[False], theirs["default cond"], "default cond (lbsim unconditional)")
    if conditional and default_cond:
        agreement(ours[True], theirs["default cond"], "default cond (lbsim conditional)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fits", nargs="+", choices=list(FITS), default=list(FITS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1],
                        help="fit at each of these seeds (lbsim and RSiena)")
    parser.add_argument("--conditional", action="store_true",
                        help="also fit lbsim conditionally, compared with RSiena's default")
    parser.add_argument("--no-default-cond", dest="default_cond", action="store_false",
                        help="skip RSiena's default (conditional) fits")
    parser.add_argument("--threads", type=int, default=0,
                        help="numba threads of lbsim's fits (default 0: all cores; RSiena's "
                             "siena07 uses one)")
    args = parser.parse_args(argv)
    if args.threads:
        numba.set_num_threads(args.threads)
        os.environ["NUMBA_NUM_THREADS"] = str(args.threads)  # the lbsim command's too
    if not rsiena_available():
        print("bench_rsiena: skipped (no Rscript with the RSiena package on this machine)")
        return
    for fit in args.fits:
        bench(fit, args.seeds, args.conditional, args.default_cond)


if __name__ == "__main__":
    main()
