"""Calibrate a scenario's friendship dynamics to observed data (``lbsim calibrate``).

A targets file says what to reproduce, in one of two ways:

``wave: path``
    a second wave of the scenario's surveyed class (``population.from_files``, wave 1):
    the rate and the ``fit`` effects are estimated by method of moments from the two waves
    (:func:`sim.saom.estimate`), the scenario's other effects held at their values.
``statistics: {density, reciprocity, transitivity[, lbc_indegree]}``
    statistics the scenario's classes should show after their burn-in: the ``fit``
    effects are moved until the classes simulated from the scenario's start networks
    through ``network.burn_in_years`` reproduce them on average (the same Robbins-Monro
    loop, derivatives by central differences with common random numbers). The rate is
    kept: cross-sectional statistics do not identify it.

Both work at the level of the SAOM engine (:mod:`sim.saom`) on the scenario's population
(:meth:`sim.world.scenario.Scenario.draw_population`), not the full weekly classroom model: traits
are
held at their starting values and covariates are centred by the class mean (the classroom
model leaves ``felt_stigma`` and ``prejudice`` uncentred).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from sim.atomic import atomic_file
from sim.io.read import read_adjacency
from sim.saom import Algorithm, ClassData, Estimate, Model, descriptives, estimate
from sim.saom.effects import parse_key
from sim.saom.periods import prepare_period, simulate_prepared_period
from sim.saom.robbins_monro import robbins_monro
from sim.saom.start import Start
from sim.vocabulary import ACTOR_COVARIATES, DYADIC_COVARIATES
from sim.world.population import actor_covariates, trait_scales
from sim.world.scenario import Scenario, ScenarioError, parse_scenario, read_yaml

CORE = ("density", "recip", "transTrip")
"""Effects always fitted: each has its statistic (ties, reciprocity, transitivity)."""

STATISTICS = {"density": "density", "reciprocity": "recip", "transitivity": "transTrip",
              "lbc_indegree": "altX:lb"}
"""Observed statistic -> the effect it identifies (lbc_indegree: mean in-degree of the
left-behind children, fitted by altX:lb)."""

KEYS = ("wave", "class", "years_between_waves", "statistics", "fit", "runs")


class TargetsError(ValueError):
    """A targets file that cannot be used; one ``field: value — allowed`` line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid targets file:\n" + "\n".join(problems))


@dataclass
class Targets:
    """A checked targets file."""

    wave: Path | None = None
    klass: int = 0
    years: float = 1.0
    statistics: dict[str, float] = field(default_factory=dict)
    fit: list[str] = field(default_factory=list)
    runs: int = 4


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and bool(np.isfinite(value))


def load_targets(path: str | Path) -> Targets:
    """Read and check a targets file; TargetsError lists every problem."""
    path = Path(path)
    try:
        data = read_yaml(path)
    except ScenarioError as e:
        raise TargetsError(e.problems) from None
    if not isinstance(data, dict):
        raise TargetsError([f"(top level): {data!r} — a mapping with 'wave: file' or "
                            f"'statistics: {{...}}'"])
    problems = [f"{k}: {data[k]!r} — unknown key; allowed: {', '.join(KEYS)}"
                for k in data if k not in KEYS]
    t = Targets()
    if ("wave" in data) == ("statistics" in data):
        problems.append("wave/statistics: — give exactly one: 'wave: second-wave matrix' "
                        "or 'statistics: {density: ..., reciprocity: ..., transitivity: ...}'")
    if "wave" in data:
        if not isinstance(data["wave"], str):
            problems.append(f"wave: {data['wave']!r} — a path to an adjacency matrix file")
        else:
            t.wave = (path.parent / data["wave"]).resolve()
            if not t.wave.is_file():
                problems.append(f"wave: {data['wave']!r} — no such file (paths are relative "
                                f"to the targets file)")
    if "statistics" in data:
        stats = data["statistics"]
        if not isinstance(stats, dict):
            problems.append(f"statistics: {stats!r} — a mapping of {', '.join(STATISTICS)}")
            stats = {}
        for k, v in stats.items():
            if k not in STATISTICS:
                problems.append(f"statistics.{k}: {v!r} — unknown statistic; allowed: "
                                f"{', '.join(STATISTICS)}")
            elif not _number(v) or v < 0 or (k != "lbc_indegree" and v > 1):
                allowed = "a number >= 0" if k == "lbc_indegree" else "a number in 0..1"
                problems.append(f"statistics.{k}: {v!r} — {allowed}")
            else:
                t.statistics[k] = float(v)
        for k in ("density", "reciprocity", "transitivity"):
            if isinstance(stats, dict) and k not in stats:
                problems.append(f"statistics.{k}: (missing) — required (it fits "
                                f"{STATISTICS[k]})")
    for key, check, allowed in (
            ("class", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
             "a class index >= 0"),
            ("years_between_waves", lambda v: _number(v) and v > 0, "a number > 0"),
            ("runs", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
             "a whole number >= 1")):
        if key in data and not check(data[key]):
            problems.append(f"{key}: {data[key]!r} — {allowed}")
    t.klass = data.get("class", 0) if not any(p.startswith("class:") for p in problems) else 0
    t.years = float(data.get("years_between_waves", 1.0)) if _number(
        data.get("years_between_waves", 1.0)) else 1.0
    t.runs = data.get("runs", 4) if isinstance(data.get("runs", 4), int) else 4
    fit = data.get("fit", [])
    if not isinstance(fit, list):
        problems.append(f"fit: {fit!r} — a list of effect names, e.g. [altX:lb, sameX:lb]")
        fit = []
    for k in fit:
        try:
            parse_key(str(k))
        except ValueError as e:
            problems.append(f"fit: {k!r} — {e}")
            continue
        if k in CORE:
            problems.append(f"fit: {k!r} — always fitted; list only extra effects")
        elif "statistics" in data and k != "altX:lb":
            problems.append(f"fit: {k!r} — with statistics only altX:lb (from "
                            f"lbc_indegree) can be fitted")
        else:
            t.fit.append(str(k))
    if "lbc_indegree" in t.statistics and "altX:lb" not in t.fit:
        t.fit.append("altX:lb")
    if "altX:lb" in t.fit and t.statistics and "lbc_indegree" not in t.statistics:
        problems.append("statistics.lbc_indegree: (missing) — required to fit altX:lb")
    if problems:
        raise TargetsError(problems)
    return t


def _covariates(pop, members: np.ndarray, scenario: Scenario) -> dict[str, np.ndarray]:
    """The scenario's actor covariates of the children ``members`` (starting values, traits
    per standard deviation as the model reads them)."""
    values = actor_covariates(pop.lb[members], pop.girl[members], pop.traits[:, members],
                              scales=trait_scales(scenario.traits))
    return dict(zip(ACTOR_COVARIATES, values, strict=True))


def _usable_effects(scenario: Scenario, covariates) -> dict[str, float]:
    """The scenario's effects, without similarity effects of constant covariates (they
    are 0 in the kernel) and with the dyadic settings (off without interventions)."""
    effects = {}
    for key, value in scenario.network.effects.items():
        terms = parse_key(key)
        if any(t.effect.kind == "sim" and np.ptp(covariates[t.covariate]) == 0
               for t in terms):
            continue
        effects[key] = value
    return effects


@dataclass
class Calibration:
    """The result: the estimate, the calibrated scenario mapping, and what was done."""

    estimate: Estimate
    scenario: dict
    method: str

    def report(self) -> str:
        return f"{self.method}\n\n{self.estimate.table()}"


def calibrate(scenario: Scenario, targets: Targets, seed: int | None = None,
              settings: Algorithm | None = None) -> Calibration:
    """Fit the scenario's rate (wave targets) and density, recip, transTrip and the
    ``fit`` effects. Raises ValueError (or DataError) naming the problem."""
    seed = scenario.seed if seed is None else seed
    pop = scenario.draw_population(np.random.default_rng(
        np.random.SeedSequence(scenario.seed).spawn(2)[0]))
    net = scenario.network
    if targets.klass >= pop.n_classes:
        raise TargetsError([f"class: {targets.klass} — the scenario has {pop.n_classes} "
                            f"class(es): 0..{pop.n_classes - 1}"])
    free = list(CORE) + targets.fit
    if targets.wave is not None:
        result, method = _calibrate_wave(scenario, pop, targets, free, seed,
                                         settings or Algorithm())
    else:
        result, method = _calibrate_statistics(scenario, pop, targets, free, seed,
                                               settings or Algorithm(n3=500))
    data = scenario.model_dump(mode="json")
    values = result.as_dict()
    data["network"]["effects"] = {**net.effects, **{k: round(values[k], 4) for k in free}}
    if targets.wave is not None:
        data["network"]["rate"] = round(values["rate 1"] / targets.years, 4)
    parse_scenario(data, source="calibrated scenario")  # it must still be valid
    return Calibration(result, data, method)


def _calibrate_wave(scenario, pop, targets, free, seed, settings):
    if scenario.population.from_files is None:
        raise TargetsError([f"wave: {str(targets.wave)!r} — a second wave needs the "
                            f"scenario's first wave: population.from_files"])
    c = targets.klass
    w1 = pop.network(c).copy()
    w2 = read_adjacency(targets.wave)
    if w2.shape != w1.shape:
        raise TargetsError([f"wave: {str(targets.wave)!r} — {len(w2)} x {len(w2)} matrix, "
                            f"but {pop.class_label(c)} has {len(w1)} children (the same "
                            f"children, in the order of the scenario's files)"])
    members = np.arange(pop.start[c], pop.start[c] + pop.size[c])
    cov = _covariates(pop, members, scenario)
    effects = _usable_effects(scenario, cov)
    for k in free:
        effects.setdefault(k, 0.0)
    net = scenario.network
    result = estimate(
        ClassData([w1, w2], covariates=cov,
                  dyadic={g: np.zeros((len(w1), len(w1))) for g in DYADIC_COVARIATES}),
        Model(effects, rate_effects=net.rate_effects, max_outdegree=net.max_outdegree,
              rates=[max(net.rate * targets.years, 0.5)],
              fixed=[k for k in effects if k not in free]), seed=seed, algorithm=settings)
    method = (f"Method of moments on {pop.class_label(c)} (wave 1: the scenario's network, wave 2: "
              f"{targets.wave.name}), at the SAOM level with the children's starting traits "
              f"as constant covariates; rate per {targets.years:g} year(s) between waves.")
    return result, method


def _calibrate_statistics(scenario, pop, targets, free, seed, settings):
    net = scenario.network
    if net.burn_in_years <= 0:
        raise TargetsError(["statistics: — the scenario has network.burn_in_years 0: its "
                            "classes are their start networks, nothing to calibrate"])
    classes = []
    for c in range(pop.n_classes):
        members = np.arange(pop.start[c], pop.start[c] + pop.size[c])
        cov = _covariates(pop, members, scenario)
        effects = _usable_effects(scenario, cov)
        for k in free:
            effects.setdefault(k, 0.0)
        start = Start(pop.network(c), covariates=cov,
                      dyadic={g: np.zeros((len(members), len(members)))
                              for g in DYADIC_COVARIATES})
        per = prepare_period(start, Model(effects, rate_effects=net.rate_effects,
                                          max_outdegree=net.max_outdegree),
                             length=net.burn_in_years)
        classes.append((per, list(effects), pop.lb[members]))
    stat_keys = list(targets.statistics)
    order = [STATISTICS[k] for k in stat_keys]

    def simulate(theta, seed_, runs, _scores):
        out = np.zeros((runs, len(stat_keys)))
        for c, (per, keys, lb) in enumerate(classes):
            beta = np.array([net.effects.get(k, 0.0) for k in keys])
            beta[[keys.index(k) for k in order]] = theta
            nets = simulate_prepared_period(per, beta, net.rate,
                                 np.random.SeedSequence(seed_.entropy,
                                                        spawn_key=seed_.spawn_key + (c,)),
                                 runs).networks
            out += _class_statistics(nets, lb, stat_keys)
        return out / len(classes), None

    theta0 = np.array([net.effects.get(k, 0.0) for k in order])
    res = robbins_monro(simulate, theta0, np.array([targets.statistics[k] for k in stat_keys]),
                        seed=seed, algorithm=settings)
    se = np.sqrt(np.clip(np.diag(res.cov), 0, None))
    result = Estimate(tuple(order), res.theta, se, np.zeros(len(order), bool), res.cov,
                      tuple(stat_keys), np.array([targets.statistics[k] for k in stat_keys]),
                      res.mean, res.sd, res.t, res.ratio, res.derivative, res.iterations)
    method = (f"Stochastic approximation: {pop.n_classes} class(es) of the scenario "
              f"simulated from their start networks through {net.burn_in_years:g} burn-in "
              f"years at the SAOM level (starting traits as constant covariates, rate "
              f"{net.rate:g} kept), statistics averaged over classes; SEs are those of the "
              f"class average of one simulated population.")
    return result, method


def _class_statistics(nets, lb, keys) -> np.ndarray:
    cols = []
    for k in keys:
        if k == "lbc_indegree":
            cols.append(nets.sum(1)[:, lb].mean(1) if lb.any() else np.zeros(len(nets)))
        else:
            cols.append(np.nan_to_num(getattr(descriptives, k)(nets)))
    return np.stack(cols, axis=1)


def write_scenario(data: dict, out: Path) -> None:
    """Write the calibrated scenario atomically (a temporary file, then a rename)."""
    with atomic_file(out) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write("# Calibrated by lbsim calibrate (method of moments, sim.saom.estimate)\n")
        yaml.safe_dump(data, f, sort_keys=False, allow_unicode=True)
