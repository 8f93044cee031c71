"""The sweep specification (YAML), validated like scenarios."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
    problem_line,
    read_yaml,
)
from sim.schema import Section, at_least
from sim.vocabulary import COLUMNS


class Parameter(Section):
    """Values for a grid design, or a [low, high] range for sampled designs."""

    values: list[float | int | str | bool] | None = None
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError("give either 'values' or both 'low' and 'high'")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError("'low' must be below 'high'")
        return self


class SweepSpec(Section):
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

    def digest(self) -> str:
        """A hash of everything that decides the results."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class SweepError(ValueError):
    """A sweep spec that cannot be run; the message lists every problem."""


def load_spec(path: str | Path) -> tuple[SweepSpec, dict]:
    """Validate the spec, its base scenario and every parameter path (by applying each
    parameter's first value or bounds to the base); return (spec, base scenario dump).
    Raises SweepError before anything runs."""
    from pydantic import ValidationError

    path = Path(path)
    try:
        data = read_yaml(path)
    except ScenarioError as e:
        raise SweepError(str(e)) from None
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as e:
        lines = [problem_line(err, data) for err in e.errors()]
        raise SweepError(f"invalid sweep {path}:\n" + "\n".join(lines)) from None
    base_path = (path.parent / spec.base).resolve()
    try:
        base = load_scenario(base_path)
    except ScenarioError as e:
        raise SweepError(f"base scenario of {path}: {e}") from None
    if spec.design != "grid":
        bad = [k for k, p in spec.parameters.items() if p.low is None]
        if bad:
            raise SweepError(f"{path}: design {spec.design!r} needs 'low' and 'high' for "
                             f"{', '.join(bad)}")
    try:
        base = base.override({**spec.overrides,
                              **({"weeks": spec.weeks} if spec.weeks is not None else {})})
    except ScenarioError as e:
        raise SweepError(f"invalid overrides in {path}:\n" + "\n".join(e.problems)) from None
    problems = []
    for key, p in spec.parameters.items():
        for value in (p.values or [p.low, p.high]):
            try:
                base.override({key: value})
            except ScenarioError as e:
                problems.extend(e.problems)
                break
    if problems:
        raise SweepError(f"invalid parameters in {path}:\n" + "\n".join(problems))
    unknown = [o for o in spec.outcomes if o not in COLUMNS]
    if unknown:
        raise SweepError(f"{path}: unknown outcomes {', '.join(unknown)}; allowed: "
                         f"{', '.join(COLUMNS)}")
    return spec, base.model_dump(mode="json")


def scenario_from(base: dict, point: dict) -> Scenario:
    """The base scenario with a design point's values (validated)."""
    return parse_scenario(base).override(point)


