"""``lbsim gof``: estimate a SAOM (or take a saved fit, :mod:`sim.io.fit`), simulate each
period from its first wave with the estimates, and test auxiliary statistics of the wave
at its end (:mod:`sim.saom.gof`); optionally write ``gof.csv`` and one violin plot per
statistic, atomically."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from sim.atomic import atomic_folder
from sim.saom import ClassData, Model, Parameter, estimate, gof
from sim.viz import plots


def check_fit(waves: Sequence[np.ndarray], effects: Sequence[str], statistics: Sequence[str],
              *, covariates: Mapping | None = None, runs: int = 1000, seed: int = 1,
              out: str | Path | None = None, overwrite: bool = False,
              fit: Mapping[Parameter, float] | Mapping[str, float] | None = None,
              ) -> list[tuple[str, str, gof.GofTest]]:
    """(statistic, period or "joint", test) for each auxiliary statistic. ``fit``: the
    parameters (:meth:`Estimate.as_dict`) instead of estimating them from ``waves`` and
    ``effects`` at ``seed``; the simulations use ``seed + 1`` either way."""
    unknown = [s for s in statistics if s not in gof.STATISTICS]
    if unknown or not statistics:
        raise ValueError(f"statistics {', '.join(unknown) or '(none)'}: allowed: "
                         f"{', '.join(gof.STATISTICS)}")
    data = ClassData(waves, covariates={} if covariates is None else covariates)
    if fit is None:
        fit = estimate(data, Model(effects), seed=seed).as_dict()
    sims = gof.simulate_fit(data, fit, runs=runs, seed=seed + 1)  # as gof.goodness_of_fit
    rows = []
    for name in statistics:
        rows += [(name, period, t) for period, t in gof.gof(list(waves[1:]), sims,
                                                              name).tests()]
    if out is not None:
        write_fit(rows, out, overwrite, "all periods summed")
    return rows


def write_fit(rows: list[tuple[str, str, gof.GofTest]], out: str | Path, overwrite: bool,
              what: str) -> None:
    """gof.csv (every row) and a violin figure per statistic (its joint test, else its
    last) in ``out``, atomically."""
    with atomic_folder(out, overwrite) as tmp:
        lines = ["statistic,period,mahalanobis,p"]
        lines += [f"{n},{m},{t.distance_observed:.6g},{t.p:.6g}" for n, m, t in rows]
        (tmp / "gof.csv").write_text("\n".join(lines) + "\n")
        shown = {name: (period, t) for name, period, t in rows
                 if period == "joint" or name not in {r[0] for r in rows if r[1] == "joint"}}
        for name, (period, t) in shown.items():
            title = what if period == "joint" else f"{period} against the simulated classes"
            plots.gof_figure(t.simulated, t.observed, gof.labels(name), t.p,
                             f"{name}, {title}", tmp / f"gof-{name}.png",
                             standardise=name == "triads", axes_text=gof.axes_text(name))


def scenario_fit(scenario, waves: Sequence[np.ndarray], statistics: Sequence[str], *,
                 classes: int = 200, seed: int = 1, out: str | Path | None = None,
                 overwrite: bool = False) -> list[tuple[str, str, gof.GofTest]]:
    """The classroom model's realism: ``classes`` one-class runs of ``scenario`` (class
    size that of the waves, one school year after the burn-in) tested against each
    observed wave's auxiliary statistics, as :func:`check_fit` tests a fit; rows
    (statistic, "wave k", test), written to ``out`` as :func:`check_fit` writes them."""
    from sim.world.model import PeerNetworkModel

    unknown = [s for s in statistics if s not in gof.STATISTICS]
    if unknown or not statistics:
        raise ValueError(f"statistics {', '.join(unknown) or '(none)'}: allowed: "
                         f"{', '.join(gof.STATISTICS)}")
    n = len(waves[0])
    one_class = scenario.override({
        "population.schools": 1, "population.classes_per_school": 1,
        "population.class_size": {"mean": n, "sd": 0, "min": n, "max": n},
        "interventions": [], "arms": {}})
    model = PeerNetworkModel(one_class, replicas=list(range(seed, seed + classes)),
                             collect=False, agents=False)
    model.run()
    pop = model.population
    sims = np.stack([pop.network(c) for c in range(pop.n_classes)])
    rows = []
    for name in statistics:
        fn = gof.STATISTICS[name]
        simulated = fn(sims)
        rows += [(name, f"wave {k + 1}", gof.mahalanobis_test(fn(w)[0], simulated))
                 for k, w in enumerate(waves)]
    if out is not None:
        write_fit(rows, out, overwrite, "")
    return rows


def fit_text(rows: list[tuple[str, str, gof.GofTest]]) -> str:
    """The tests as aligned text: statistic, period, Mahalanobis distance, p."""
    lines = [f"{'statistic':<12}{'period':<8}{'Mahalanobis':>12}{'p':>8}"]
    lines += [f"{n:<12}{m:<8}{t.distance_observed:>12.2f}"
              f"{gof.p_text(t.p, len(t.distances), bare=True):>8}" for n, m, t in rows]
    return "\n".join(lines)
