"""Each replication kind run through lbsim's own world (docs/evidence.md): models of the
classroom world (:class:`~sim.world.model.PeerNetworkModel`), shared settings opened through
:class:`~sim.world.network.SharedSettings` as interventions open them, virtual trials
(:mod:`sim.studies.trials`). Replication r of a finding runs seed ``seed + r``; each kind returns
the figure of every replication (or, for a trial, the trial's g and interval), and
:func:`simulate` summarises them as :class:`Simulated`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.saom import descriptives
from sim.studies.evidence.spec import (
    Correlation,
    DyadTieProbability,
    Jaccard,
    Published,
    TrialEffect,
    World,
)
from sim.studies.trials import _snapshot, virtual_trial
from sim.world.model import PeerNetworkModel
from sim.world.scenario import Scenario

Z95 = 1.959964


@dataclass(frozen=True)
class Simulated:
    """lbsim's figure: ``estimate`` with its interval (``low``, ``high``), described by
    ``interval``; ``details`` adds figures behind it (e.g. both tie probabilities)."""

    estimate: float
    low: float
    high: float
    interval: str
    replications: int
    details: str = ""


def summarise(values: np.ndarray, interval: str) -> tuple[float, float, float, str]:
    """Mean and interval of replication figures (NaN ones left out): mean +- 1.96 SE
    (``se``) or the 2.5 and 97.5 percentiles (``percentile``)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return (float(v.mean()) if len(v) else np.nan, np.nan, np.nan,
                f"{len(v)} defined replication(s): no interval")
    mean = float(v.mean())
    if interval == "percentile":
        low, high = np.percentile(v, [2.5, 97.5])
        return mean, float(low), float(high), f"2.5-97.5 percentiles of {len(v)} replications"
    half = Z95 * v.std(ddof=1) / np.sqrt(len(v))
    return mean, mean - half, mean + half, f"mean +- 1.96 SE over {len(v)} replications"


def _model(scenario: Scenario, seed: int) -> PeerNetworkModel:
    return PeerNetworkModel(scenario, seed=seed, collect=False, agents=False)


def _run_to(model: PeerNetworkModel, week: int) -> None:
    while model.week < week:
        model.step()


def class_children(model: PeerNetworkModel, c: int) -> np.ndarray:
    pop = model.population
    return np.arange(pop.start[c], pop.start[c] + pop.size[c])


def open_groups(model: PeerNetworkModel, size: int, contact: float, strength: float
                ) -> np.ndarray:
    """Split every class at random (the interventions' stream) into groups of ``size``,
    the last taking the remainder, and open each as a shared setting; returns each child's
    group label (-1: none)."""
    rng = model.replica_rngs[0]
    for c in range(model.population.n_classes):
        children = rng.permutation(class_children(model, c))
        k = max(1, len(children) // size)
        for g, members in enumerate(np.array_split(children[:k * size], k)):
            if g == k - 1:
                members = np.concatenate([members, children[k * size:]])
            if len(members) >= 2:
                model.settings.open(members, model.settings.new_label(), strength,
                                    contact=contact)
    return model.settings.label_of(np.arange(model.population.n_children))


def tie_probabilities(model: PeerNetworkModel, labels: np.ndarray, measure: str
                      ) -> tuple[float, float]:
    """Share of tied pairs (mutual, or either way) among setting-mates and among the other
    pairs of a class, pooled over the classes."""
    tied = np.zeros(2)
    pairs = np.zeros(2)
    for c in range(model.population.n_classes):
        x = model.population.network(c).astype(bool)
        both = (x & x.T) if measure == "mutual" else (x | x.T)
        lab = labels[class_children(model, c)]
        mates = (lab[:, None] == lab[None, :]) & (lab[:, None] >= 0)
        upper = np.triu(np.ones_like(x), 1)
        for k, mask in enumerate((mates & upper, ~mates & upper)):
            tied[k] += both[mask].sum()
            pairs[k] += mask.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tied / pairs
    return float(p[0]), float(p[1])


SUMMARY = {"difference": lambda s, o: s - o, "ratio": lambda s, o: s / o if o > 0 else np.nan,
           "setting": lambda s, o: s, "others": lambda s, o: o}


def dyad_tie_probability(rep: DyadTieProbability, scenario: Scenario, replications: int,
                         seed: int) -> Simulated:
    """Tie probability of setting-mates and others at the end of the shared setting."""
    st = rep.setting
    values, levels = [], []
    for r in range(replications):
        model = _model(scenario, seed + r)
        _run_to(model, st.start_week - 1)
        labels = open_groups(model, st.size, st.contact(), st.setting_strength())
        _run_to(model, st.start_week - 1 + st.weeks)
        s, o = tie_probabilities(model, labels, rep.measure)
        levels.append((s, o))
        values.append(SUMMARY[rep.summary](s, o))
    mean, low, high, how = summarise(np.array(values), rep.interval)
    s, o = np.nanmean(np.array(levels), axis=0)
    return Simulated(mean, low, high, how, replications,
                     f"{rep.measure} tie: setting-mates {s:.3f}, other classmates {o:.3f}; "
                     f"{st.dose()}")


def trial_effect(rep: TrialEffect, scenario: Scenario, replications: int, seed: int,
                 cache: dict | None = None) -> Simulated:
    """Hedges' g and its 95% interval from :func:`sim.studies.trials.virtual_trial` (one trial
    serves every finding of the same scenario, replications, seed and follow-up)."""
    key = (scenario.model_dump_json(), replications, seed, rep.follow_up_weeks)
    cache = {} if cache is None else cache
    if key not in cache:
        cache[key] = virtual_trial(scenario, replications, seed, rep.follow_up_weeks).effects
    table = cache[key]
    row = table[(table["level"] == "child") & (table["outcome"] == rep.outcome)
                & (table["time"] == rep.time)].iloc[0]
    return Simulated(float(row["g"]), float(row["ci_low"]), float(row["ci_high"]),
                     f"Hedges' g +- 1.96 SE over {int(row['replications'])} replications "
                     f"(sim.studies.trials)", replications,
                     f"treated {row['mean_treated']:.3f}, control {row['mean_control']:.3f}")


def correlation(rep: Correlation, scenario: Scenario, replications: int, seed: int
                ) -> Simulated:
    """Pearson's r of x and sign * y over the chosen children of each replication."""
    week = scenario.weeks if rep.week is None else rep.week
    values, counts = [], []
    for r in range(replications):
        model = _model(scenario, seed + r)
        _run_to(model, week)
        snap = _snapshot(model)
        x, y = snap[rep.x], rep.sign * snap[rep.y]
        who = model.population.lb if rep.who == "lb" else np.ones(len(x), dtype=bool)
        ok = who & np.isfinite(x) & np.isfinite(y)
        counts.append(int(ok.sum()))
        defined = ok.sum() > 2 and np.std(x[ok]) > 0 and np.std(y[ok]) > 0
        values.append(float(np.corrcoef(x[ok], y[ok])[0, 1]) if defined else np.nan)
    mean, low, high, how = summarise(np.array(values), rep.interval)
    sign = "-" if rep.sign < 0 else ""
    return Simulated(mean, low, high, how, replications,
                     f"r({rep.x}, {sign}{rep.y}) over {np.mean(counts):.0f} children "
                     f"({rep.who}) in week {week}")


def jaccard(rep: Jaccard, scenario: Scenario, replications: int, seed: int) -> Simulated:
    """Jaccard's index of each class's ties in weeks ``start`` and ``end``, averaged over
    the classes of each replication."""
    values = []
    for r in range(replications):
        model = _model(scenario, seed + r)
        _run_to(model, rep.start)
        pop = model.population
        before = [pop.network(c).copy() for c in range(pop.n_classes)]
        _run_to(model, rep.end)
        values.append(np.nanmean([descriptives.jaccard(b, pop.network(c))
                                  for c, b in enumerate(before)]))
    mean, low, high, how = summarise(np.array(values), rep.interval)
    return Simulated(mean, low, high, how, replications,
                     f"weeks {rep.start} -> {rep.end}, {model.population.n_classes} "
                     f"class(es) a replication")


def simulate(rep: World, scenario: Scenario, replications: int, seed: int,
             cache: dict | None = None) -> Simulated:
    """lbsim's figure for a replication spec."""
    if isinstance(rep, TrialEffect):
        return trial_effect(rep, scenario, replications, seed, cache)
    runs: dict[type[World], Callable[..., Simulated]] = {
        DyadTieProbability: dyad_tie_probability, Correlation: correlation, Jaccard: jaccard}
    return runs[type(rep)](rep, scenario, replications, seed)


def data_jaccard(name: str) -> tuple[float, float, float, str]:
    """Jaccard's index between consecutive waves of a bundled data set: mean, lowest,
    highest, and the values in words."""
    from sim.data import load

    waves = load(name).waves
    values = [descriptives.jaccard(a, b) for a, b in zip(waves[:-1], waves[1:], strict=True)]
    text = ", ".join(f"waves {k + 1}-{k + 2}: {v:.3f}" for k, v in enumerate(values))
    return float(np.mean(values)), min(values), max(values), f"{name} {text}"


def published(pub: Published) -> tuple[float, float | None, float | None, str]:
    """The published figure: as given, or computed from its bundled data set."""
    if pub.from_data is not None:
        est, low, high, text = data_jaccard(pub.from_data)
        return est, low, high, f"range over the periods ({text})"
    assert pub.estimate is not None  # Published checks: an estimate or from_data
    return pub.estimate, pub.low, pub.high, pub.interval


def agreement(estimate: float, low: float | None, high: float | None,
              sim: Simulated) -> tuple[bool, bool]:
    """(agree, inside): ``inside`` when the published estimate lies in the simulated
    interval; ``agree`` when the published and simulated intervals overlap, or, for a
    figure published without an interval, when it is inside."""
    if not (np.isfinite(sim.low) and np.isfinite(sim.high)):
        return False, False
    inside = bool(sim.low <= estimate <= sim.high)
    if low is None or high is None:
        return inside, inside
    return bool(low <= sim.high and sim.low <= high), inside
