"""Published findings and how lbsim replays them: the findings file (YAML), validated like
scenarios (docs/evidence.md).

A finding holds its citation, the study's design, the figure it reports with its interval
(``published``) and a ``replication``: which lbsim world reproduces the design (a scenario
with overrides) and how the figure is measured and summarised, one of the kinds
``dyad_tie_probability``, ``trial_effect``, ``correlation`` and ``jaccard``. A setting the
design shares (desks, a club) gets its dose explicitly: hours a week become setting
ministeps (``contact``) at a stated rate per hour, by default the growth group's own
(:func:`contact_per_hour`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, ValidationError, model_validator

from sim.schema import Count, NonNegative, Section, Share, at_least
from sim.suggest import nearest
from sim.vocabulary import CHILD_OUTCOMES
from sim.world.interventions.growth_group import GroupMagnitudes, GrowthGroupSection
from sim.world.scenario import Scenario, ScenarioError, load_scenario, problem_line, read_yaml


def bundled_path() -> Path:
    """The shipped findings table."""
    return Path(str(resources.files("sim.data") / "evidence" / "findings.yaml"))


def contact_per_hour() -> float:
    """Setting ministeps a year per hour a week shared, read from the growth group's
    defaults: its ``contact`` (a year, at full strength) for one session of
    ``hours_per_session`` a week. The hours include the worker's preparation, so this is
    if anything a low rate per hour the children share."""
    contact = GroupMagnitudes.model_fields["contact"].default
    hours = GrowthGroupSection.model_fields["hours_per_session"].default
    return contact / hours


class EvidenceError(ValueError):
    """A findings file that cannot be used; the message lists every problem."""


class Published(Section):
    """The figure as published: ``estimate`` and its interval (``low``, ``high``; omit them
    when the source gives none), what the interval is (``interval``), or ``from_data``: a
    bundled data set the figure is computed from (jaccard findings)."""

    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    interval: str = Field("", description="what the interval is: the paper's 95% CI, a "
                                          "range, or how it was derived")
    from_data: Literal["s50"] | None = Field(
        None, description="compute the figure from this bundled data set (sim.data): "
                          "estimate the mean over its periods, interval their range")

    @model_validator(mode="after")
    def _one_source(self) -> Published:
        if (self.estimate is None) == (self.from_data is None):
            raise ValueError("give an 'estimate' (with 'low' and 'high' if published) or "
                             "'from_data', exactly one")
        if (self.low is None) != (self.high is None):
            raise ValueError("give both 'low' and 'high', or neither")
        if self.low is not None and self.high is not None:
            if self.estimate is None:
                raise ValueError("'low' and 'high' go with an 'estimate', not with 'from_data'")
            if not self.low <= self.estimate <= self.high:
                raise ValueError(f"needs low <= estimate <= high, got {self.low:g}, "
                                 f"{self.estimate:g}, {self.high:g}")
        return self


class World(Section):
    """What every replication names: the lbsim world that reproduces the design. The
    scenario is a bundled name (single_class, dafang_yuchong, ...) or a YAML path relative
    to the findings file; ``overrides`` change it by dotted path (as a sweep's);
    ``interventions: false`` drops its interventions (an untreated class)."""

    scenario: str = "single_class"
    overrides: dict[str, float | int | str | bool] = {}
    interventions: bool = True
    interval: Literal["se", "percentile"] = Field(
        "se", description="simulated interval: mean +- 1.96 SE over replications (the "
                          "model's expected figure, for pooled estimates) or the 2.5-97.5 "
                          "percentiles of the replications (what one study of that size "
                          "shows, for a single observed class)")


class SharedSetting(Section):
    """A setting the design makes children share, each class split at random into groups
    of ``size`` (the last takes the remainder): ``hours_per_week`` for ``weeks`` weeks
    from ``start_week``. The dose is ``contact`` = hours_per_week x ``contact_per_hour``
    setting ministeps a year (default: the growth group's rate, :func:`contact_per_hour`);
    members also share the label behind ``X:same_group`` at ``strength`` (default: the
    growth group's ``setting``)."""

    size: Annotated[int, at_least(2)] = 2
    hours_per_week: NonNegative
    weeks: Count
    start_week: Count = 1
    contact_per_hour: NonNegative | None = None
    strength: Share | None = None

    def rate(self) -> float:
        return contact_per_hour() if self.contact_per_hour is None else self.contact_per_hour

    def contact(self) -> float:
        return self.hours_per_week * self.rate()

    def setting_strength(self) -> float:
        default = GroupMagnitudes.model_fields["setting"].default
        return default if self.strength is None else self.strength

    def dose(self) -> str:
        """The dose assumption in words, for the output."""
        source = ("growth-group default: contact "
                  f"{GroupMagnitudes.model_fields['contact'].default:g} a year for "
                  f"{GrowthGroupSection.model_fields['hours_per_session'].default:g} session hours "
                  "a week" if self.contact_per_hour is None else "given")
        return (f"contact {self.contact():.1f}/year = {self.hours_per_week:g} h/week x "
                f"{self.rate():.2f} per weekly hour ({source}); X:same_group strength "
                f"{self.setting_strength():g}; {self.weeks} weeks in groups of {self.size}")


class DyadTieProbability(World):
    """The probability that two classmates are tied at the end of the shared setting:
    setting-mates against the other pairs of their class (``measure``: mutual ties, or a
    tie either way), summarised as their difference, ratio or either level."""

    kind: Literal["dyad_tie_probability"]
    setting: SharedSetting
    measure: Literal["mutual", "either"] = "mutual"
    summary: Literal["difference", "ratio", "setting", "others"] = "difference"


class TrialEffect(World):
    """Hedges' g of a virtual trial (:func:`sim.studies.trials.virtual_trial`) of the scenario's
    interventions against none, for a child outcome at post or follow-up."""

    kind: Literal["trial_effect"]
    outcome: Literal[CHILD_OUTCOMES]  # type: ignore[valid-type]
    time: Literal["post", "follow_up"] = "post"
    follow_up_weeks: Count = Field(12, description="weeks from post to follow-up")

    @model_validator(mode="after")
    def _trial_interval(self) -> TrialEffect:
        if self.interval != "se":
            raise ValueError("a trial_effect's interval is the trial's own (sim.studies.trials): "
                             "'interval' must be 'se'")
        return self


CHILD_VALUES = ("in_degree", "reciprocated_friends", "isolated", "confidence", "felt_stigma")
"""Per-child values a correlation can read (as virtual trials measure them)."""


class Correlation(World):
    """Pearson's r between two per-child values in ``week``, over the children (``who``)
    of a replication's classes pooled; ``sign`` -1 reads y as its opposite (e.g.
    loneliness as minus confidence)."""

    kind: Literal["correlation"]
    x: Literal[CHILD_VALUES]  # type: ignore[valid-type]
    y: Literal[CHILD_VALUES]  # type: ignore[valid-type]
    sign: Literal[1, -1] = 1
    who: Literal["lb", "all"] = "lb"
    week: Annotated[int, at_least(0)] | None = Field(
        None, description="week measured (default: the scenario's last)")


class Jaccard(World):
    """Tie turnover: Jaccard's index of each class's ties in week ``start`` and week
    ``end`` (ties in both / ties in either), averaged over a replication's classes."""

    kind: Literal["jaccard"]
    start: Annotated[int, at_least(0)] = 0
    end: Annotated[int, at_least(1)] = 40

    @model_validator(mode="after")
    def _ordered(self) -> Jaccard:
        if not self.start < self.end:
            raise ValueError(f"needs start < end, got {self.start} and {self.end}")
        return self


Replication = Annotated[DyadTieProbability | TrialEffect | Correlation | Jaccard,
                        Field(discriminator="kind")]

KINDS: dict[str, type[World]] = {get_args(k.model_fields["kind"].annotation)[0]: k
                                 for k in get_args(get_args(Replication)[0])}
"""Every replication kind by name."""


class Finding(Section):
    """One published quantitative finding lbsim must reproduce."""

    id: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9_]+$")]
    citation: Annotated[str, Field(min_length=1)]
    doi: str = ""
    design: Annotated[str, Field(min_length=1)]
    figure: Annotated[str, Field(min_length=1)] = Field(
        description="what the number is, in words")
    published: Published
    read: str = Field("", description="what of the source was read, and what was not")
    replication: Replication


class Findings(Section):
    """A findings file: ``findings``, a list."""

    findings: Annotated[list[Finding], Field(min_length=1)]


def _problem(error: Mapping[str, Any], data: object) -> str:
    """One validation error as ``path: value — what is allowed``; inside a replication
    the allowed keys are its kind's."""
    loc = tuple(error["loc"])
    kind = error["type"]
    if "replication" in loc and len(loc) > loc.index("replication") + 1 \
            and loc[loc.index("replication") + 1] in KINDS:  # the kind's tag: not a key
        i = loc.index("replication")
        error = {**error, "loc": loc[:i + 1] + loc[i + 2:]}
        root: type[Section] = KINDS[loc[i + 1]]
        loc = error["loc"]
    else:
        root, i = Findings, None
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        value = error.get("input")
        shown = value.get("kind", "(missing)") if isinstance(value, dict) else repr(value)
        return (f"{'.'.join(map(str, loc))}.kind: {shown!r} — a replication needs a 'kind': "
                f"one of {', '.join(KINDS)}")
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        near = nearest(error.get("input"), options)
        hint = f"did you mean {near!r}? " if near else ""
        return (f"{'.'.join(map(str, loc))}: {error.get('input')!r} — {hint}allowed: "
                f"{', '.join(options)}")
    if i is not None:
        node: Any = data  # the YAML's nested mappings and lists
        for part in loc[:i + 1]:
            node = node[part]
        line = problem_line({**error, "loc": loc[i + 1:]}, node, root)
        return f"{'.'.join(map(str, loc[:i + 1]))}.{line}"
    return problem_line(error, data, Findings)


def scenario_path(name: str, base: Path) -> Path:
    """A replication's scenario: a bundled one by name, else a path relative to ``base``."""
    bundled = Path(str(resources.files("sim") / "scenarios" / f"{name}.yaml"))
    if "/" not in name and not name.endswith((".yaml", ".yml")) and bundled.is_file():
        return bundled
    return (base / name).resolve()


def bundled_scenarios() -> list[str]:
    """The names of the scenarios shipped with lbsim."""
    return sorted(p.name[:-5] for p in resources.files("sim").joinpath("scenarios").iterdir()
                  if p.name.endswith(".yaml"))


def world(rep: World, scenario: Scenario) -> Scenario:
    """The scenario a replication runs: its scenario with its overrides, without its
    interventions if the replication says so."""
    scenario = scenario.override(rep.overrides)
    return scenario if rep.interventions else scenario.model_copy(
        update={"interventions": [], "arms": {}})


def load_findings(path: str | Path | None = None) -> tuple[Findings, dict[str, Scenario]]:
    """The findings at ``path`` (default: the shipped table) and each finding's scenario,
    or EvidenceError listing every problem (fields, scenarios, overrides) before anything
    runs."""
    path = bundled_path() if path is None else Path(path)
    try:
        data = read_yaml(path, "with 'findings:', a list of findings")
    except ScenarioError as e:
        raise EvidenceError(str(e)) from None
    try:
        findings = Findings.model_validate(data)
    except ValidationError as e:
        problems = [_problem(err, data) for err in e.errors()]
        n = len(problems)
        raise EvidenceError(f"invalid findings {path} ({n} problem{'s' * (n != 1)}):\n"
                            + "\n".join(problems)) from None
    problems, worlds = [], {}
    ids = [f.id for f in findings.findings]
    problems += [f"findings.{k}.id: {i!r} — already the id of finding {ids.index(i)}; ids "
                 f"must be unique" for k, i in enumerate(ids) if ids.index(i) != k]
    for k, f in enumerate(findings.findings):
        rep, where = f.replication, f"findings.{k}.replication"
        try:
            scenario = load_scenario(scenario_path(rep.scenario, path.parent))
        except ScenarioError as e:
            problems.append(f"{where}.scenario: {rep.scenario!r} — a bundled scenario "
                            f"({', '.join(bundled_scenarios())}) or a YAML path relative to "
                            f"the findings file: {e}")
            continue
        try:
            worlds[f.id] = world(rep, scenario)
        except ScenarioError as e:
            problems += [f"{where}.overrides.{line}" for line in e.problems]
            continue
        if f.replication.kind == "trial_effect" and not worlds[f.id].interventions:
            problems.append(f"{where}.scenario: {rep.scenario!r} — a trial_effect needs a "
                            f"scenario with interventions (and 'interventions: true')")
    if problems:
        n = len(problems)
        raise EvidenceError(f"invalid findings {path} ({n} problem{'s' * (n != 1)}):\n"
                            + "\n".join(problems))
    return findings, worlds


