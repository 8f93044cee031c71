"""Benchmark of the classroom model; prints tables. Run: ``make bench``.

1. A county the size of Dafang (122,403 pupils in compulsory education, 2021: about 2,720
   classes of 45) for one school year (40 weekly steps, weekly outcomes): wall time and
   peak memory, with the breakdown (population build, burn-in, Mesa agents, trait
   dynamics, SAOM kernels, metrics) so the slowest part is visible. Target: the year in
   at most 10 s under 2 GiB.
2. A single class of 45 for a school year. Target: under 20 ms.
"""

from __future__ import annotations

import argparse
import resource
import time

from sim.world.model import PeerNetworkModel
from sim.world.scenario import parse_scenario

PUPILS = 122_403


def county(schools: int, classes: int, size: int = 45):
    return parse_scenario({"name": "county", "weeks": 40, "population": {
        "schools": schools, "classes_per_school": classes,
        "class_size": {"mean": size, "sd": 0}}})


def timed(scenario, seed=1):
    start = time.perf_counter()
    model = PeerNetworkModel(scenario, seed=seed)
    built = time.perf_counter() - start
    start = time.perf_counter()
    model.run()
    year = time.perf_counter() - start
    return model, built, year


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schools", type=int, default=453, help="453 x 6 classes x 45 = "
                    "122,310 pupils, Dafang's size")
    args = ap.parse_args()
    timed(county(2, 2))  # compile / load the kernels
    model, built, year = timed(county(args.schools, 6))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    pop = model.population
    print(f"\n1. county: {pop.n_children:,} pupils, {pop.n_classes:,} classes, 40 weeks")
    print(f"{'part':<28}{'seconds':>10}")
    for part, seconds in model.timings.items():
        print(f"{part:<28}{seconds:>10.2f}")
    print(f"{'model built (incl. burn-in)':<28}{built:>10.2f}")
    print(f"{'school year (40 steps)':<28}{year:>10.2f}   target <= 10 s")
    print(f"{'peak memory (GiB)':<28}{peak:>10.2f}   target < 2 GiB")
    print(f"{'ministeps (incl. burn-in)':<28}{model.ministeps:>10,}")

    print("\n2. one class of 45, one school year (best of 5)")
    best = min(timed(county(1, 1))[2] for _ in range(5))
    print(f"{'school year (40 steps)':<28}{best * 1000:>10.1f} ms   target < 20 ms")


if __name__ == "__main__":
    main()
