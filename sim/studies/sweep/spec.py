"""A sweep file (YAML): what a sweep varies and keeps, validated like scenarios."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.schema import Section, at_least
from sim.suggest import unknown_name
from sim.vocabulary import COLUMNS, DEFAULT_MAGNITUDES
from sim.world.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
    problem_line,
    read_yaml,
    value_at,
)


class Parameter(Section):
    """Values for a grid design, or a [low, high] range for sampled designs (whole numbers
    where the base scenario takes them: ``integer``)."""

    values: list[float | int | str | bool] | None = None
    low: float | None = None
    high: float | None = None
    integer: bool | None = Field(
        None, description="sample whole numbers low..high (sim.studies.sweep.design.whole); by "
                          "default when the base scenario's value there is a whole number")

    @model_validator(mode="after")
    def _one_kind(self):
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError("give either 'values' or both 'low' and 'high'")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError("'low' must be below 'high'")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """``(low, high)``; every parameter without ``values`` has both."""
        if self.low is None or self.high is None:
            raise ValueError("this parameter gives 'values', not 'low' and 'high'")
        return self.low, self.high


class Sweep(Section):
    """A sweep: base scenario, parameters by dotted path, design, replications, outputs."""

    name: Annotated[str, Field(min_length=1)]
    base: str = Field(description="scenario YAML, relative to the spec file")
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: Annotated[int, at_least(1)] = Field(
        8, description="lhs: points; sobol: base samples N (N (2D + 2) points); morris: "
                       "trajectories")
    parameters: dict[str, Parameter]
    replications: Annotated[int, at_least(1)] = 1
    seed: Annotated[int, at_least(0)] = 1
    common_seeds: bool = Field(
        False, description="replication r has the same seed at every point (common random "
                           "numbers): the same children and networks before week 1, so "
                           "points differ only by what they vary; runs of a replication "
                           "then share the world's build and burn-in when the varied "
                           "parameters leave it alone (interventions, weeks)")
    weeks: Annotated[int, at_least(1)] | None = None
    overrides: dict[str, float | int | str | bool] = Field(
        {}, description="fixed changes to the base scenario, by dotted path")
    outcomes: list[str] = Field(default_factory=lambda: [
        "density", "reciprocity", "transitivity", "isolates_in_share", "indegree_lb",
        "indegree_gap", "reciprocated_friend_lb", "confidence_lb"])
    every: Annotated[int, at_least(1)] | None = Field(
        None, description="keep outcomes every this many weeks (default: final week only)")
    at: list[Annotated[int, at_least(0)]] = Field(
        [], description="keep outcomes at these weeks too (e.g. the end of the school year "
                        "before a follow-up)")
    batch_size: Annotated[int, at_least(1)] = 16
    magnitudes: str = Field(
        DEFAULT_MAGNITUDES,
        description="the assumption-marked magnitudes (sim.studies.magnitudes): 'posterior' (the "
                    "default: inferred from published experiments, sim/data/posterior), "
                    "'prior' (uniform over their documented ranges), a CSV/Parquet file of "
                    "draws (relative to the spec), or 'defaults' (the scenario's values, no "
                    "draws); the replications are shared out among the draws in equal "
                    "blocks, replication r using the same draw at every point (common "
                    "magnitudes); the spec's parameters and overrides are never drawn")
    draws: Annotated[int, at_least(1)] | None = Field(
        None, description="draws of the magnitudes (default: the most, 5 or more, that "
                          "leave each 2 replications or more, else one replication a draw: "
                          "sim.studies.magnitudes.default_draws)")

    def digest(self, draws: list[dict] | None = None) -> str:
        """A hash of everything that decides the results (with the magnitudes' ``draws``,
        whose values a file of draws decides)."""
        data = self.model_dump(mode="json")
        for p in data["parameters"].values():  # specs from before 'integer' hash the same
            if p["integer"] is None:
                del p["integer"]
        if data["magnitudes"] == "defaults":  # and specs from before the magnitudes
            data["magnitudes"] = None
        for key in ("magnitudes", "draws"):
            if data[key] is None:
                del data[key]
        if draws:
            data["magnitude_draws"] = draws
        text = json.dumps(data, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class SweepError(ValueError):
    """A sweep spec that cannot be run; the message lists every problem."""


def load_spec(path: str | Path) -> tuple[Sweep, dict]:
    """Validate the spec, its base scenario and every parameter path (by applying each
    parameter's first value or bounds to the base); return (spec, base scenario dump),
    with ``integer`` filled in for sampled parameters. Raises SweepError listing every
    problem before anything runs."""
    from pydantic import ValidationError

    path = Path(path)
    try:
        data = read_yaml(path, "of sweep settings (name: ..., base: ..., parameters: ...)")
    except ScenarioError as e:
        raise SweepError(str(e)) from None
    problems: list[str] = []
    try:
        spec = Sweep.model_validate(data)
    except ValidationError as e:
        spec = None
        problems += [problem_line(err, data, Sweep) for err in e.errors()]
    parameters = {k: p for k, p in _mapping(data.get("parameters")).items()
                  if isinstance(p, dict)}
    sampled = data.get("design", "grid") in ("lhs", "sobol", "morris")
    if sampled:
        problems += [f"parameters.{k}: {p!r} — design {data['design']!r} needs 'low' and "
                     f"'high'" for k, p in parameters.items()
                     if p.get("low") is None or p.get("high") is None]
    outcomes = data.get("outcomes", [])
    if isinstance(outcomes, list):
        problems += [f"outcomes: {unknown_name(str(o), 'outcome', COLUMNS)}"
                     for o in outcomes if o not in COLUMNS]
    base, integer = _base(path, data, parameters, sampled, problems)
    if spec is not None:
        from sim.studies.magnitudes import MagnitudesError

        try:
            magnitude_sample(spec, path.parent, base)
        except MagnitudesError as e:
            problems.append(f"magnitudes: {spec.magnitudes!r} — {e}")
    if problems:
        n = len(problems)
        raise SweepError(f"invalid sweep {path} ({n} problem{'s' * (n != 1)}):\n"
                         + "\n".join(problems))
    assert spec is not None and base is not None
    spec = spec.model_copy(update={"parameters": {  # the bounds' kind of number
        k: p.model_copy(update={"integer": integer[k] or None}) if sampled or p.values is None
        else p
        for k, p in spec.parameters.items()}})
    return spec, base.model_dump(mode="json")


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _base(path: Path, data: dict, parameters: dict, sampled: bool, problems: list[str]
          ) -> tuple[Scenario | None, dict[str, bool]]:
    """The base scenario with the spec's overrides (None if it cannot be had), and for
    each parameter whether it takes whole numbers; checks each parameter's values (or
    bounds, for a ``sampled`` design) on the base and appends what is wrong to
    ``problems``."""
    if not isinstance(data.get("base"), str):
        return None, {}
    try:
        base = load_scenario((path.parent / data["base"]).resolve())
    except ScenarioError as e:
        problems.append(f"base: {data['base']!r} — {e}")
        return None, {}
    fixed = dict(_mapping(data.get("overrides")))
    if isinstance(data.get("weeks"), int) and not isinstance(data["weeks"], bool):
        fixed["weeks"] = data["weeks"]
    try:
        base = base.override(fixed)
    except ScenarioError as e:
        problems += [f"overrides.{line}" for line in e.problems]
        return None, {}
    dump, integer = base.model_dump(mode="json"), {}
    for key, p in parameters.items():
        given = p.get("integer")
        integer[key] = given if isinstance(given, bool) else _whole(value_at(dump, key))
        values = None if sampled else p.get("values")
        from_bounds = values is None
        if from_bounds:
            bounds = [p.get("low"), p.get("high")]
            if not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds):
                continue  # reported by the validation
            if integer[key] and not all(float(b).is_integer() for b in bounds):
                problems.append(f"parameters.{key}: {p!r} — takes whole numbers: give whole "
                                f"numbers as 'low' and 'high'")
                continue
            values = [int(b) for b in bounds] if integer[key] else bounds
        if not isinstance(values, list):
            continue  # reported by the validation
        for value in values:
            try:
                base.override({key: value})
            except ScenarioError as e:
                whole = any("whole number" in line for line in e.problems)
                hint = ("; for a parameter that takes whole numbers set 'integer: true'"
                        if from_bounds and whole else "")
                problems += [f"parameters.{line}{hint}" for line in e.problems]
                break
    return base, integer


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def scenario_from(base: dict, point: dict) -> Scenario:
    """The base scenario with a design point's values (validated). A whole number read
    back as a float (a Parquet row of mixed columns is read as floats) is given as an
    integer: a float setting takes it as the same value, a whole-number one needs it."""
    return parse_scenario(base).override(
        {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in point.items()})




def magnitude_sample(spec: Sweep, folder: str | Path, base: Scenario | None = None):
    """The spec's sample of magnitudes (:mod:`sim.studies.magnitudes`; a file relative to
    ``folder``, the spec's), or None when it draws none (``defaults``); with the ``base``
    scenario, every row checked against it."""
    from sim.studies.magnitudes import NAMED, sample_for_trial

    kind = spec.magnitudes if spec.magnitudes in NAMED else str(
        Path(folder) / spec.magnitudes)
    sample = sample_for_trial(kind, spec.replications, spec.seed, spec.draws, base)
    return sample if sample.drawn else None
