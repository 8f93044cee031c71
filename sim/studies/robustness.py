"""``lbsim robustness``: how a virtual trial's answer depends on the model's assumptions.

Every magnitude marked as an assumption (:data:`ASSUMPTIONS`, each with the range its
documentation gives) is varied at once over Morris trajectories (Morris 1991; SALib's
sampler and analysis, Campolongo et al. 2007's mu*): each design point is a scenario with
those values, run as a virtual trial (:func:`sim.studies.trials.virtual_trial`) with the same
seeds at every point, so a magnitude the outcome cannot depend on has elementary effects
of exactly zero. Reported per outcome and time (post, follow-up): mu* (the mean absolute
change of Hedges' g for a move across the range, scaled to the whole range), its 95%
percentile bootstrap interval over trajectories (mu* is a mean of absolute values, so the
interval cannot reach below 0, unlike SALib's mu* +- 1.96 bootstrap SD) and sigma (spread:
interactions or non-linearity).

The ranges are the ``assumptions``' own (by default the documented ones); ``lbsim
robustness`` passes :func:`sim.studies.magnitudes.screening_ranges` of its ``--magnitudes``: by
default each magnitude's central 95% posterior range, ``defaults`` the documented ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.atomic import atomic_folder
from sim.studies.result import Result
from sim.studies.trials import virtual_trial
from sim.world.scenario import Scenario


@dataclass(frozen=True)
class Assumption:
    """A magnitude without a firm source: dotted path (``{group}`` is the index of the
    scenario's growth group), its range, where the range comes from and a short name for
    figures (default: the path's last part)."""

    path: str
    low: float
    high: float
    why: str
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.path.rsplit(".", 1)[-1]


ASSUMPTIONS = (
    Assumption("network.effects.X:same_group", 0.33, 0.88,
               "klas12b same primary school 0.606, +- 2 SE (RSiena manual)",
               "same-group tie effect"),
    Assumption("interventions.{group}.magnitudes.contact", 0.0, 80.0,
               "assumption: setting ministeps per member-year, 0 to two a week",
               "contact in the setting"),
    Assumption("interventions.{group}.magnitudes.setting_retention", 0.70, 0.95,
               "assumption: the setting's half-life 2 to 13 weeks",
               "setting's weekly retention"),
    Assumption("interventions.{group}.magnitudes.consolidated_retention", 0.85, 0.99,
               "assumption: the same after a consolidation session, 4 to 69 weeks",
               "weekly retention, consolidated"),
    Assumption("interventions.{group}.magnitudes.confidence", 0.0065, 0.026,
               "assumption: half to twice the value calibrated to d 0.39 (Beelmann & Losel)",
               "confidence per session"),
    Assumption("interventions.{group}.magnitudes.stigma", -0.06, -0.015,
               "assumption: half to twice the default",
               "stigma per session"),
    Assumption("interventions.{group}.magnitudes.shyness", -0.04, -0.01,
               "assumption: half to twice the default",
               "shyness per session"),
    Assumption("interventions.{group}.magnitudes.barrier", 0.02, 0.08,
               "assumption: half to twice the default",
               "barrier per session"),
    Assumption("interventions.{group}.magnitudes.retention", 0.1, 0.5,
               "assumption: share of gains consolidation makes lasting",
               "share of gains kept"),
    Assumption("interventions.{group}.acceptance", 0.5, 0.9,
               "assumption: recruitment 'not smooth' in Dafang",
               "acceptance"),
    Assumption("trait_dynamics.adjustment", 0.025, 0.1,
               "assumption: a trait's gap to its target halves in 7 to 28 weeks",
               "traits' weekly adjustment"),
    Assumption("trait_dynamics.confidence.reciprocated_friends", 0.0, 0.2,
               "assumption: from no pull to four times the default 0.05 a friend",
               "friends' pull on confidence"),
)
"""The assumption-marked magnitudes and their documented ranges (docs/model.md §4, §6)."""

@dataclass(frozen=True, repr=False)
class RobustnessResult(Result):
    """A Morris screening of ``scenario``'s assumptions over ``trajectories``: ``indices``,
    one row per (outcome, time, parameter) with mu*, its 95% interval and sigma (module
    docstring); ``ranges``, the ranges screened in words; ``out``, the folder written
    (robustness.csv and .png), if any.

    Attributes
    ----------
    scenario : str
        The scenario's name.
    trajectories : int
        Morris trajectories (Morris 1991; Campolongo et al. 2007 for mu*).
    indices : DataFrame
        One row per (outcome, time, parameter): mu*, its 95% interval and sigma.
    ranges : str
        The ranges screened, in words.
    out : Path or None
        The folder written, if any.
    """

    scenario: str
    trajectories: int
    indices: pd.DataFrame
    ranges: str = ""
    out: Path | None = None

    def table(self) -> str:
        """The screening, the ranges, then :func:`robustness_text`."""
        head = [f"{self.scenario}: {self.trajectories} trajectories -> {self.out}"
                ] if self.out is not None else []
        head += [f"ranges: {self.ranges}"] if self.ranges else []
        return "\n".join([*head, robustness_text(self.indices)])

    def to_frame(self) -> pd.DataFrame:
        """The Morris indices."""
        return self.indices.copy()

    def plot(self, path: str | Path | None = None):
        """Each assumption's mu* per outcome (:func:`robustness_figure`)."""
        return robustness_figure(self.indices, None if path is None else Path(path))


OUTCOMES = ("confidence", "felt_stigma", "in_degree", "isolated", "named_members",
            "named_by_non_members")


GROUP_KINDS = {"growth_group": "{k}", "staffing": "{k}.group"}
"""What ``{group}`` in an assumption's path stands for, by intervention type: the growth
group's index, or a staffing plan's growth group (the one all its workers run)."""


def group_places(scenario: Scenario, kinds: tuple[str, ...] = tuple(GROUP_KINDS)) -> list[str]:
    """What ``{group}`` resolves to in ``scenario``: one entry per intervention of the given
    kinds (default: growth groups and staffing plans), in the scenario's order."""
    return [GROUP_KINDS[s.type].format(k=k) for k, s in enumerate(scenario.interventions)
            if s.type in kinds]


def problem(scenario: Scenario,
            assumptions: tuple[Assumption, ...] = ASSUMPTIONS) -> tuple[dict, list]:
    """SALib's problem for a scenario's assumptions (paths resolved to its first growth
    group) and the assumptions used; ValueError if the scenario has no growth group."""
    groups = group_places(scenario, ("growth_group",))
    if not groups:
        raise ValueError(f"scenario {scenario.name!r} has no growth group to vary; "
                         f"robustness varies the growth group's assumptions")
    used = [Assumption(a.path.format(group=groups[0]), a.low, a.high, a.why, a.label)
            for a in assumptions]
    return ({"num_vars": len(used), "names": [a.path for a in used],
             "bounds": [[a.low, a.high] for a in used]}, used)


def elementary_effects(prob: dict, matrix: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(inputs, trajectories): Morris's elementary effects of a design from SALib's Morris
    sampler, whose trajectories are ``inputs + 1`` consecutive points that each move one
    input: the change of ``y`` divided by the input's change as a share of its range."""
    k = prob["num_vars"]
    low, high = np.asarray(prob["bounds"], float).T
    x = ((matrix - low) / (high - low)).reshape(-1, k + 1, k)
    dy = np.diff(y.reshape(-1, k + 1), axis=1)
    dx = np.diff(x, axis=1)
    moved = np.argmax(np.abs(dx), axis=2)  # the input each step moves
    out = np.empty((k, len(x)))
    for t in range(len(x)):
        out[moved[t], t] = dy[t] / dx[t, np.arange(k), moved[t]]
    return out


def morris_indices(effects: np.ndarray, seed: int = 1,
                   resamples: int = 1000) -> dict[str, np.ndarray]:
    """mu* (mean absolute elementary effect), sigma (their SD) and mu*'s 95% percentile
    bootstrap interval over trajectories (``mu_star_low``, ``mu_star_high``), per input."""
    rng = np.random.default_rng(seed)
    n = effects.shape[1]
    draws = np.abs(effects)[:, rng.integers(n, size=(resamples, n))].mean(axis=2)
    low, high = np.percentile(draws, [2.5, 97.5], axis=1)
    return {"mu_star": np.abs(effects).mean(1), "sigma": effects.std(1, ddof=1),
            "mu_star_low": low, "mu_star_high": high}


def robustness(scenario: Scenario, trajectories: int = 4, replications: int = 4,
               seed: int = 1, follow_up_weeks: int = 12,
               assumptions: tuple[Assumption, ...] = ASSUMPTIONS,
               progress=None) -> RobustnessResult:
    """Morris indices of each assumption for each trial outcome at post and follow-up.

    Returns
    -------
    RobustnessResult
        Its ``indices``: one row per (outcome, time, parameter).
    """
    from SALib.sample import morris as sample

    prob, used = problem(scenario, assumptions)
    matrix = sample.sample(prob, trajectories, seed=seed)
    answers = []
    for k, row in enumerate(matrix):
        point = scenario.override({name: float(v) for name, v in zip(prob["names"], row,
                                                                        strict=True)})
        table = virtual_trial(point, replications, seed, follow_up_weeks).effects
        answers.append(table[table["level"] == "child"].set_index(["outcome", "time"])["g"])
        if progress is not None:
            progress(k + 1, len(matrix))
    answers = pd.DataFrame(answers)
    out = []
    for outcome in OUTCOMES:
        for time in ("post", "follow_up"):
            y = answers[(outcome, time)].to_numpy(float)
            if not np.isfinite(y).all():
                continue
            res = morris_indices(elementary_effects(prob, matrix, y), seed)
            for j, a in enumerate(used):
                out.append({"outcome": outcome, "time": time, "parameter": a.path,
                            "name": a.name, "low": a.low, "high": a.high, "g_mean": float(y.mean()),
                            **{key: float(v[j]) for key, v in res.items()}, "range": a.why})
    return RobustnessResult(scenario.name, trajectories, pd.DataFrame(out))


LEGEND = ("per magnitude: mu* [its 95% bootstrap interval over trajectories], the mean "
          "absolute change of the trial's effect size g when the magnitude moves across the "
          "range screened; sigma, how much those changes differ (large: the effect depends on "
          "the other magnitudes or is not linear); the range screened")
"""What a line of :func:`robustness_text` shows."""


def robustness_text(table: pd.DataFrame) -> str:
    """A legend (:data:`LEGEND`), then per outcome and time: g's mean over the design and
    the assumptions by mu*, with mu*'s 95% interval, sigma and the range screened."""
    lines = [LEGEND]
    for (outcome, time), part in table.groupby(["outcome", "time"], sort=False):
        lines.append(f"{outcome} ({time}): g {part['g_mean'].iloc[0]:.2f} on average")
        for r in part.sort_values("mu_star", ascending=False).itertuples():
            lines.append(f"  {r.parameter:<54}{r.mu_star:>7.3f} [{r.mu_star_low:.3f}, "
                         f"{r.mu_star_high:.3f}]  sigma {r.sigma:.3f}  "
                         f"range {r.low:.4g} to {r.high:.4g}")
    return "\n".join(lines)


TIMES = {"post": ("#1b9e77", "o", "just after the group", "after"),
         "follow_up": ("#7570b3", "s", "at follow-up", "at follow-up")}
"""Colour, marker, legend label and title word of each measurement time."""


def robustness_figure(table: pd.DataFrame, path: Path | None = None, ncols: int = 3):
    """One panel per outcome: each assumption's mu* with its 95% interval, just after the
    group and at follow-up; saved to ``path`` if given. Returns the figure."""
    from matplotlib.figure import Figure

    outcomes = list(dict.fromkeys(table["outcome"]))
    first = table.drop_duplicates("parameter")
    names, rows_y = first["parameter"].tolist(), [
        f"{r.name} ({r.low:g} to {r.high:g})" for r in first.itertuples()]
    nrows = -(-len(outcomes) // ncols)
    fig = Figure(figsize=(4.6 * ncols + 1, 0.32 * len(names) * nrows + 1.8),
                 layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
    y = np.arange(len(names))[::-1]
    for ax, outcome in zip(axes, outcomes, strict=False):
        part = table[table["outcome"] == outcome]
        means = []
        for k, (time, (colour, marker, label, word)) in enumerate(TIMES.items()):
            rows = part[part["time"] == time].set_index("parameter").reindex(names)
            if rows["mu_star"].isna().all():
                continue
            ax.errorbar(rows["mu_star"], y + (0.17 if k == 0 else -0.17), fmt=marker,
                        color=colour, ms=4, capsize=2, label=label,
                        xerr=[rows["mu_star"] - rows["mu_star_low"],
                              rows["mu_star_high"] - rows["mu_star"]])
            means.append(f"{rows['g_mean'].dropna().iloc[0]:.2f} {word}")
        ax.set_title(f"{outcome.replace('_', ' ')}\n(mean g {', '.join(means)})", fontsize=10)
        ax.set_xlim(left=0)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(labelsize=9)
    axes[0].set_yticks(y, rows_y)
    for ax in axes[len(outcomes):]:
        ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=2, frameon=False,
               fontsize=10, title="How much each assumption moves the trial's effect sizes "
                                  "(Morris screening)", title_fontsize=12)
    fig.supxlabel("mu*: mean absolute change of g when the assumption moves across its range "
                  "(95% percentile bootstrap interval over trajectories)", fontsize=10)
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def write_robustness(scenario: Scenario, out: Path, overwrite: bool = False,
                     ranges: str = "", **kwargs) -> RobustnessResult:
    """:func:`robustness` (``kwargs``), written atomically into ``out``: robustness.csv and
    robustness.png (:func:`robustness_figure`).

    Parameters
    ----------
    ranges
        The ranges screened, in words (e.g. :func:`sim.studies.magnitudes.screening_words`),
        for the result's text.

    Returns
    -------
    RobustnessResult
        The screening, with ``out`` and ``ranges`` set.
    """
    with atomic_folder(out, overwrite) as tmp:
        result = robustness(scenario, **kwargs)
        result.indices.to_csv(tmp / "robustness.csv", index=False)
        result.plot(tmp / "robustness.png")
    return replace(result, ranges=ranges, out=Path(out))
