"""Virtual trials: a scenario's interventions against none, with common random numbers.

Both arms of a replication use the same seed, so they share the population, the initial
networks and every class's random stream until the interventions make them differ; the
treated children (growth-group members, or the left-behind children when no group runs)
are compared with the same children in the control arm. Measured pre (the week before the
first intervention), post (the end of the week of the last session or lever) and at follow-up.

Effect sizes are Hedges' g: the mean treated - control difference over replications and
children, divided by the pooled SD of the child values, with the small-sample correction
J = 1 - 3 / (4 (n_T + n_C) - 9); the 95% interval is g +- 1.96 x the standard error of the
mean difference over replications (divided by the same SD); ``detectable`` is the smallest
|g| the replications find with 80% power, 2.80 standard errors. Class-level outcomes
(density and the left-behind in-degree gap of the classes with treated children) likewise.
Group members also get the nominations they give to fellow members and receive from
children outside their group.

With a sample of magnitudes (:mod:`sim.studies.magnitudes`) of D draws, the R replications are
split into D blocks of K = R / D: replication r of both arms uses draw r // K (common random
numbers and common magnitudes). A replication's paired difference is then
d_ij = mu + a_i + e_ij (draw i, replication j): a one-way random-effects model whose
components are the magnitudes' (a_i, variance s_a^2, between draws) and the replications'
noise (e_ij, variance s_e^2, within a draw). The estimate is the mean of the draw means
m_i; its variance (s_a^2 + s_e^2 mean(1/n_i)) / D includes both sources and is estimated
without bias by var(m_i) / D (the balanced ANOVA estimator MSB / (D K)), which gives the
interval. s_e^2 is estimated by the pooled within-draw variance (MSW), s_a^2 by
var(m_i) - MSW mean(1/n_i) (balanced: (MSB - MSW) / K); ``magnitudes_share`` is the part of
the estimate's variance from the magnitudes, 1 - MSW mean(1/n_i) / var(m_i) (balanced:
1 - MSW / MSB), clipped to [0, 1] (Searle, Casella & McCulloch 1992, Variance Components,
ch. 3). The interval is then m +- t(0.975, D - 1) SE, Student's t over the D draw means,
and ``detectable`` (t(0.975, D - 1) + t(0.8, D - 1)) SE (without draws, the normal ones,
+- 1.96 SE and 2.80 SE).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from sim.atomic import atomic_folder
from sim.studies.result import Result
from sim.viz import plots
from sim.vocabulary import CHILD_OUTCOMES, CLASS_OUTCOMES, Trait
from sim.world.interventions import group_members
from sim.world.model import PeerNetworkModel
from sim.world.outcomes import ChildCount, class_rates
from sim.world.scenario import Scenario

TIMES = ("pre", "post", "follow_up")
DETECTABLE = 1.959964 + 0.841621
"""The smallest |g| these replications detect with 80% power in a two-sided 5% test:
(z_0.975 + z_0.8) x the standard error of g."""


class Magnitudes(Protocol):
    """What a trial reads of a sample of magnitudes (:class:`sim.studies.magnitudes.Sample`,
    not imported: that module builds on :mod:`sim.studies.robustness`, which runs trials)."""

    @property
    def source(self) -> str: ...

    @property
    def drawn(self) -> bool: ...

    def __len__(self) -> int: ...

    def words(self) -> str: ...

    def apply(self, scenario: Scenario, k: int) -> Scenario: ...


@dataclass(frozen=True, repr=False)
class TrialResult(Result):
    """A virtual trial of ``scenario`` (its arms against none) over ``replications``:
    ``effects``, one row per (arm,) level, outcome and time with Hedges' g and its 95%
    interval (module docstring); ``magnitudes``, the sample of magnitudes the replications
    shared (:class:`sim.studies.magnitudes.Sample`, or None: the scenario's own); ``out``,
    the folder written (effect_sizes.csv and .png), if any.

    Attributes
    ----------
    scenario : Scenario
        The trial's setting.
    replications : int
        Replications per arm.
    effects : DataFrame
        One row per (arm,) level, outcome and time: Hedges' g and its 95% interval.
    magnitudes : Sample or None
        The magnitudes' draws the replications shared; None: the scenario's own.
    out : Path or None
        The folder written, if any.
    """

    scenario: Scenario
    replications: int
    effects: pd.DataFrame
    magnitudes: Magnitudes | None = None
    out: Path | None = None

    def table(self) -> str:
        """The trial, the magnitudes, the post and follow-up rows
        (:func:`effect_size_text`) and the pathways an intervention's changes miss
        (:func:`sim.world.pathways.pathways_text`)."""
        from sim.world.pathways import pathways_text

        head = [f"{self.scenario.name}: {self.replications} replications -> {self.out}"
                ] if self.out is not None else []
        if self.magnitudes is not None:
            head.append(f"magnitudes: {self.magnitudes.words()}")
        notes = pathways_text(self.scenario)
        return "\n".join([*head, effect_size_text(self.effects), *([notes] if notes else [])])

    def to_frame(self) -> pd.DataFrame:
        """The effect sizes."""
        return self.effects.copy()

    def plot(self, path: str | Path | None = None):
        """Hedges' g with 95% intervals at post and follow-up
        (:func:`sim.viz.plots.effect_sizes_figure`)."""
        drawn = "" if self.magnitudes is None or not self.magnitudes.drawn else (
            f" ({len(self.magnitudes)} draws of the magnitudes: {self.magnitudes.source})")
        return plots.effect_sizes_figure(
            self.effects, path, title=f"{self.scenario.name}: {self.replications} "
                                      f"replications{drawn}")


def timeline(scenario: Scenario, follow_up_weeks: int) -> dict[str, int]:
    """The weeks of pre, post and follow-up measurement for a scenario's interventions."""
    starts = [spec.first_week for spec in scenario.interventions]
    ends = [spec.last_week for spec in scenario.interventions]
    if not starts:
        raise ValueError(f"scenario {scenario.name!r} has no interventions to compare")
    pre = max(min(starts) - 1, 0)
    post = max(ends)
    return {"pre": pre, "post": post, "follow_up": post + follow_up_weeks}


def _snapshot(model: PeerNetworkModel) -> dict:
    """Every child's outcome values, every class's counts and the networks, now."""
    pop = model.population
    lb = pop.lb
    stigma = model.traits[Trait.STIGMA]
    networks = replace(pop, xbuf=pop.xbuf.copy(), class_unit=pop.class_unit.copy(),
                       class_pos=pop.class_pos.copy(), unit_start=pop.unit_start.copy(),
                       unit_size=pop.unit_size.copy(), unit_off=pop.unit_off.copy())
    return {"networks": networks, "in_degree": model.indegree.astype(float),
            "reciprocated_friends": model.child_counts[ChildCount.RECIPROCATED].copy(),
            "isolated": (model.indegree == 0).astype(float),
            "confidence": model.traits[Trait.CONFIDENCE].copy(),
            "felt_stigma": np.where(lb, stigma, np.nan),
            "counts": model.counts.copy()}


def _group_ties(snap: dict, groups: list[np.ndarray], n: int) -> None:
    """Add each group member's nominations to fellow members and from non-members to a
    snapshot (NaN for children in no group)."""
    named, named_by = np.full(n, np.nan), np.full(n, np.nan)
    for g in groups:
        among = snap["networks"].ties(g, g)
        named[g] = among.sum(1)
        named_by[g] = snap["in_degree"][g] - among.sum(0)
    snap["named_members"], snap["named_by_non_members"] = named, named_by


def _class_values(counts: np.ndarray) -> dict[str, np.ndarray]:
    rates = class_rates(counts)
    return {name: rates[name] for name in CLASS_OUTCOMES}


def _treated(model: PeerNetworkModel) -> np.ndarray:
    """The children in the interventions' groups, or every left-behind child when no group
    ran."""
    members = group_members(model)
    return members if len(members) else np.flatnonzero(model.population.lb)


def virtual_trial(scenario: Scenario, replications: int = 20, seed: int | None = None,
                  follow_up_weeks: int = 12, progress=None,
                  magnitudes: Magnitudes | None = None) -> TrialResult:
    """Run the trial of ``scenario``'s interventions against none.

    Parameters
    ----------
    scenario : Scenario
        The trial's setting; its interventions (or arms) are compared with none.
    replications : int
        Independent replications per arm (at least 2).
    seed : int, optional
        Overrides the scenario's seed.
    follow_up_weeks : int
        Weeks from the end of the interventions to the follow-up measure.
    progress : callable, optional
        Called with the number of replications done.
    magnitudes : Sample, optional
        A :class:`sim.studies.magnitudes.Sample` (``len`` draws, ``apply(scenario, k)``)
        whose draws the replications share out in equal blocks; None: the scenario's own
        (``lbsim compare`` draws :data:`sim.vocabulary.DEFAULT_MAGNITUDES` unless told). A
        sample that sets magnitudes adds the columns ``draws`` and ``magnitudes_share``.

    Returns
    -------
    TrialResult
        Its ``effects``: one row per level, outcome and time with Hedges' g and its 95% CI.
    """
    if replications < 2:
        raise ValueError(f"replications must be at least 2, got {replications}")
    draws = 1 if magnitudes is None else len(magnitudes)
    if replications % draws:
        raise ValueError(f"{replications} replications cannot be shared equally among "
                         f"{draws} draws of magnitudes")
    per_draw = replications // draws
    scenarios = [scenario] if magnitudes is None else [magnitudes.apply(scenario, k)
                                                       for k in range(draws)]
    times = timeline(scenario, follow_up_weeks)
    base = scenario.seed if seed is None else seed
    end = max(times.values())
    controls = [s.model_copy(update={"interventions": []}) for s in scenarios]
    Values = tuple[list[np.ndarray], list[np.ndarray]]  # treated arm's, control arm's
    child: dict[tuple[str, str], Values] = {(o, t): ([], []) for o in CHILD_OUTCOMES
                                            for t in TIMES}
    klass: dict[tuple[str, str], Values] = {(o, t): ([], []) for o in CLASS_OUTCOMES
                                            for t in TIMES}
    for r in range(replications):
        k = r // per_draw
        arms = [PeerNetworkModel(scenarios[k], seed=base + r, collect=False),
                PeerNetworkModel(controls[k], seed=base + r, collect=False)]
        snapshots = {}
        for week in range(end + 1):
            if week > 0:
                for model in arms:
                    model.step()
            for t, when in times.items():
                if when == week:
                    snapshots[t] = [_snapshot(model) for model in arms]
        # the treated children are known once recruited: take their values at every time
        treated = _treated(arms[0])
        classes = np.unique(arms[0].population.klass[treated])
        groups = [g for p in arms[0].interventions for g in p.member_groups()]
        for t, (treat, control) in snapshots.items():
            for snap in (treat, control):
                _group_ties(snap, groups, len(arms[0].population.lb))
            for o in CHILD_OUTCOMES:
                child[(o, t)][0].append(treat[o][treated])
                child[(o, t)][1].append(control[o][treated])
            for a, snap in enumerate((treat, control)):
                for o, v in _class_values(snap["counts"][classes]).items():
                    klass[(o, t)][a].append(v)
        if progress is not None:
            progress(r + 1)
    drawn = magnitudes is not None and magnitudes.drawn
    effects = _effect_sizes(child, klass,
                            np.arange(replications) // per_draw if drawn else None)
    return TrialResult(scenario, replications, effects, magnitudes)


def compare_arms(scenario: Scenario, replications: int = 20, seed: int | None = None,
                 follow_up_weeks: int = 12, progress=None,
                 magnitudes: Magnitudes | None = None) -> TrialResult:
    """:func:`virtual_trial` for each named arm of the scenario (or its interventions),
    against the same control (and the same draws of ``magnitudes``).

    Parameters
    ----------
    scenario : Scenario
        The trial's setting; its interventions (or arms) are compared with none.
    replications : int
        Independent replications per arm (at least 2).
    seed : int, optional
        Overrides the scenario's seed.
    follow_up_weeks : int
        Weeks from the end of the interventions to the follow-up measure.
    progress : callable, optional
        Called with the number of replications done.
    magnitudes : Sample, optional
        Draws of the magnitudes shared by every arm (:func:`virtual_trial`).

    Returns
    -------
    TrialResult
        One result for all arms: its ``effects`` have an ``arm`` column first.
    """
    arms = dict(scenario.arms) or {"interventions": scenario.interventions}
    tables = []
    for k, (name, interventions) in enumerate(arms.items()):
        arm = scenario.model_copy(update={"interventions": interventions, "arms": {}})
        tick = None if progress is None else (
            lambda done, k=k: progress(k * replications + done))
        trial = virtual_trial(arm, replications, seed, follow_up_weeks, tick, magnitudes)
        tables.append(trial.effects.assign(arm=name))
    table = pd.concat(tables, ignore_index=True)
    return TrialResult(scenario, replications,
                       table[["arm", *(c for c in table.columns if c != "arm")]], magnitudes)


def write_comparison(scenario: Scenario, out: Path, replications: int = 20,
                     seed: int | None = None, follow_up_weeks: int = 12,
                     overwrite: bool = False, progress=None,
                     magnitudes: Magnitudes | None = None) -> TrialResult:
    """:func:`compare_arms`, written atomically into ``out``: ``effect_sizes.csv`` and
    ``effect_sizes.png`` (:meth:`TrialResult.plot`).

    Returns
    -------
    TrialResult
        The comparison, with ``out`` set.
    """
    with atomic_folder(out, overwrite) as tmp:
        trial = compare_arms(scenario, replications, seed, follow_up_weeks, progress,
                             magnitudes)
        trial.effects.to_csv(tmp / "effect_sizes.csv", index=False)
        trial.plot(tmp / "effect_sizes.png")
    return replace(trial, out=Path(out))


def effect_size_text(table: pd.DataFrame) -> str:
    """The post and follow-up rows of an effect-size table as aligned text (with the
    interval's share from the magnitudes when they were drawn)."""
    split = "magnitudes_share" in table
    if "arm" not in table:  # one arm: the scenario's interventions
        table = table.assign(arm="interventions")
    lines = [f"{'arm':<16}{'level':<7}{'outcome':<22}{'time':<11}{'treated':>9}"
             f"{'control':>9}{'g':>8}{'95% CI':>18}{'detectable':>12}"
             + (f"{'magnitudes':>12}" if split else "")]
    for r in table[table["time"] != "pre"].itertuples():
        lines.append(f"{r.arm[:15]:<16}{r.level:<7}{r.outcome:<22}{r.time:<11}"
                     f"{r.mean_treated:>9.3f}{r.mean_control:>9.3f}{r.g:>8.2f}   "
                     f"[{r.ci_low:>6.2f}, {r.ci_high:>6.2f}]{r.detectable:>12.2f}"
                     + (f"{_percent(r.magnitudes_share):>12}" if split else ""))
    notes = ["detectable: the smallest |g| these replications find with 80% power "
             "(two-sided 5%)"]
    if split:
        notes += [f"magnitudes: the share of the interval's variance from the spread of the "
                  f"magnitudes within their sample ({int(table['draws'].max())} draws; "
                  f"between draws, clipped at 0), the rest is the replications' noise (within "
                  f"draws); n/a: one replication a draw does not tell them apart. It says "
                  f"nothing of how far the sample moved g from the scenario's own values "
                  f"(--magnitudes defaults); with t over the draws' means, an interval wider "
                  f"than the defaults' and a 0% share do not contradict each other"]
    return "\n".join(lines + notes)


def _percent(share: float) -> str:
    """A share as a whole percentage; "n/a" when unknown (one replication per draw)."""
    return f"{share:.0%}" if np.isfinite(share) else "n/a"


def draw_components(diffs: np.ndarray, draw: np.ndarray) -> dict:
    """The one-way random-effects split of replications' differences ``diffs`` by their
    ``draw`` of the magnitudes (module docstring): ``mean`` (of the draw means), its
    ``se``, the ``between`` (s_a^2) and ``within`` (s_e^2) variance estimates,
    ``magnitudes_share`` and the number of ``draws``. With one draw: the plain mean and SE
    and a share of 0; with one replication per draw the split is unknown (NaN)."""
    ids, inverse = np.unique(draw, return_inverse=True)
    n_i = np.bincount(inverse)
    if len(ids) == 1:
        var = diffs.var(ddof=1)
        return {"mean": diffs.mean(), "se": np.sqrt(var / len(diffs)), "between": 0.0,
                "within": var, "magnitudes_share": 0.0, "draws": 1}
    means = np.bincount(inverse, weights=diffs) / n_i
    spread = means.var(ddof=1)
    df_within = int((n_i - 1).sum())
    within = ((diffs - means[inverse]) ** 2).sum() / df_within if df_within else np.nan
    noise = within * np.mean(1 / n_i)
    share = np.clip(1 - noise / spread, 0, 1) if spread > 0 else np.nan
    return {"mean": means.mean(), "se": np.sqrt(spread / len(ids)), "between": spread - noise,
            "within": within, "magnitudes_share": share, "draws": len(ids)}


def _hedges(treat: list[np.ndarray], control: list[np.ndarray],
            draw: np.ndarray | None = None) -> dict:
    """Hedges' g of paired treated/control values over replications (NaN-aware); with
    each replication's ``draw`` of the magnitudes, the interval includes their uncertainty
    (:func:`draw_components`)."""
    t_all, c_all = np.concatenate(treat), np.concatenate(control)
    ok = np.isfinite(t_all) & np.isfinite(c_all)
    # a replication's mean difference; one whose values are all undefined (NaN) counts as none
    paired = [t - c for t, c in zip(treat, control, strict=True)]
    kept = np.array([np.isfinite(d).any() for d in paired], bool)
    diffs = np.array([d[np.isfinite(d)].mean() for d in paired if np.isfinite(d).any()])
    n = ok.sum()
    sd = np.sqrt((np.var(t_all[ok], ddof=1) + np.var(c_all[ok], ddof=1)) / 2) if n > 1 \
        else np.nan
    row = {"mean_treated": t_all[ok].mean() if n else np.nan,
           "mean_control": c_all[ok].mean() if n else np.nan,
           "difference": diffs.mean() if len(diffs) else np.nan, "sd": sd,
           "n_children": int(n), "replications": len(diffs)}
    split = {}
    if draw is not None:
        parts = draw_components(diffs, np.asarray(draw)[kept]) if len(diffs) > 1 else {}
        split = {"draws": parts.get("draws", len(np.unique(np.asarray(draw)[kept]))),
                 "magnitudes_share": parts.get("magnitudes_share", np.nan)}
        if parts:
            row["difference"] = parts["mean"]
    if not (sd > 0) or len(diffs) < 2:
        return {**row, "g": 0.0 if sd == 0 else np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "detectable": np.nan, **split}
    j = 1 - 3 / (4 * (2 * n) - 9)
    se = diffs.std(ddof=1) / np.sqrt(len(diffs)) if draw is None else parts["se"]
    g = j * row["difference"] / sd
    z, power = 1.96, DETECTABLE
    if draw is not None and parts["draws"] > 1:
        from scipy.stats import t as student

        z = float(student.ppf(0.975, parts["draws"] - 1))
        power = z + float(student.ppf(0.8, parts["draws"] - 1))
    return {**row, "g": g, "ci_low": g - z * j * se / sd, "ci_high": g + z * j * se / sd,
            "detectable": power * j * se / sd, **split}


def _effect_sizes(child: dict, klass: dict, draw: np.ndarray | None = None) -> pd.DataFrame:
    """One row per level, outcome and time; ``draw``: each replication's draw of the
    magnitudes, when they were drawn."""
    rows = []
    for level, table in (("child", child), ("class", klass)):
        for (outcome, t), (treat, control) in table.items():
            rows.append({"level": level, "outcome": outcome, "time": t,
                         **_hedges(treat, control, draw)})
    return pd.DataFrame(rows)
