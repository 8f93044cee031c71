"""Where the time of an estimation goes; prints a table per fit. Run: ``make bench``.

The fits of :mod:`bench_estimate` (20 simulated classes of 45 with common effects; s50's
three waves and 7 effects), timed with lbsim's own functions wrapped by timers:

- setup: preparing the periods and the observed statistics, before phase 1;
- phases 1, 2 and 3 of the Robbins-Monro algorithm (wall clock from the first simulation
  of a phase to the first of the next; phase 3 to the end, its refinements included);
- within them, exclusive times: the kernel (``simulate_period_runs`` for packed periods,
  ``simulate_independent_runs`` otherwise: ministeps, the effect statistics it computes,
  the scores, Hamming distances), the call's preparation around it (``PackedPeriods.simulate``
  or ``simulate_batch``: arguments, seeds), the statistics computed in Python
  (``_add_packed`` or ``period_statistics``: layout, typed and behaviour statistics), the
  rate scores (``_add_scores``), the derivative and phase-3 algebra, and the rest: Python
  per iteration (the Robbins-Monro loop, array handling).

The wrappers cost about a microsecond a call; the parts sum to the fit's wall time.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager

import numpy as np
from bench_estimate import GROUP_MODEL, S50_EFFECTS, classes

import sim.data
from sim.saom import ClassData, Data, Model, estimate
from sim.saom import periods as periods_module
from sim.saom import robbins_monro as rm_module
from sim.saom._numba import coevolution
from sim.saom.packed import PackedPeriods

PARTS = {  # label: (module or class, function name), ...
    "kernel": ((coevolution, "simulate_period_runs"), (coevolution, "simulate_independent_runs")),
    "call preparation": ((PackedPeriods, "simulate"), (periods_module, "simulate_batch")),
    "statistics (Python)": ((periods_module, "_add_packed"),
                            (periods_module, "period_statistics")),
    "rate scores": ((periods_module, "_add_scores"),),
    "derivative and phase-3 algebra": ((rm_module, "_phase3"),),
}


class Clock:
    """Exclusive time per wrapped function (a stack: a caller's time excludes its callees'),
    and the start of each phase (the first simulation whose seed's key names it)."""

    def __init__(self):
        self.exclusive: defaultdict = defaultdict(float)  # (label, phase) -> seconds
        self.calls: defaultdict = defaultdict(int)
        self.stack: list[list] = []
        self.phase_start: dict[int, float] = {}
        self.phase = 0  # 0: setup

    def wrap(self, label, fn):
        def timed(*args, **kwargs):
            self.stack.append([label, 0.0])
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                _, children = self.stack.pop()
                self.exclusive[label, self.phase] += elapsed - children
                self.calls[label, self.phase] += 1
                if self.stack:
                    self.stack[-1][1] += elapsed
        return timed

    def phase_of(self, fn):
        def marked(periods, theta, seed, *args, **kwargs):
            key = seed.spawn_key
            if key:
                self.phase_start.setdefault(key[0], time.perf_counter())
                self.phase = key[0]
            return fn(periods, theta, seed, *args, **kwargs)
        return marked


@contextmanager
def instrumented(clock: Clock):
    saved = []
    for label, places in PARTS.items():
        for module, name in places:
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, clock.wrap(label, getattr(module, name)))
    from sim.saom import moments
    saved.append((moments, "simulate_statistics", moments.simulate_statistics))
    moments.simulate_statistics = clock.phase_of(moments.simulate_statistics)
    try:
        yield
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)


def breakdown(title: str, data, model: Model, seed: int) -> None:
    estimate(data, model, seed=seed)  # compile and warm
    clock = Clock()
    with instrumented(clock):
        start = time.perf_counter()
        fit = estimate(data, model, seed=seed)
        total = time.perf_counter() - start
    marks = [clock.phase_start.get(p, np.nan) for p in (1, 2, 3)]
    phases = {"setup": marks[0] - start,
              "phase 1": marks[1] - marks[0], "phase 2": marks[2] - marks[1],
              "phase 3": start + total - marks[2]}
    print(f"\n{title}: {total:.2f} s, converged {fit.converged}, iterations "
          f"{fit.iterations.get('phase2', 0)} in phase 2, {fit.iterations.get('phase3', 0)} "
          f"runs in phase 3")
    columns = ["setup", "phase 1", "phase 2", "phase 3"]
    print(f"{'part (exclusive seconds)':<34}" + "".join(f"{c:>9}" for c in columns)
          + f"{'total':>9}{'share':>7}")
    labels = [*PARTS, "Python per iteration (the rest)"]
    rest = dict(zip(range(4), phases.values(), strict=True))
    for label in labels[:-1]:
        for p in range(4):
            rest[p] -= clock.exclusive.get((label, p), 0.0)
    for label in labels:
        row = [rest[p] if label == labels[-1] else clock.exclusive.get((label, p), 0.0)
               for p in range(4)]
        print(f"{label:<34}" + "".join(f"{v:>9.2f}" for v in row)
              + f"{sum(row):>9.2f}{sum(row) / total:>7.0%}")
    print(f"{'wall clock':<34}" + "".join(f"{v:>9.2f}" for v in phases.values())
          + f"{total:>9.2f}")
    calls = [clock.calls.get(("kernel", p), 0) for p in range(4)]
    print(f"{'kernel calls':<34}" + "".join(f"{c:>9}" for c in calls))

def main():
    groups, covs = classes()
    data = Data([ClassData(w, covariates=c) for w, c in zip(groups, covs, strict=True)])
    breakdown("1. 20 classes of 45, 2 waves, 4 effects + 20 rates", data,
              Model(list(GROUP_MODEL)), seed=2)
    s50 = sim.data.load("s50")
    s50_data = ClassData(list(s50.waves), covariates={"alc": s50.covariates["alcohol"][:, 0]})
    breakdown("2. s50, 3 waves, 7 effects + 2 rates", s50_data, Model(S50_EFFECTS), seed=1)


if __name__ == "__main__":
    main()
