"""The pieces every scenario section is built from: a strict base class and numbers with
a range, said in words.

Sections live next to what they configure (population, network, trait dynamics, each
intervention); :mod:`sim.world.scenario` assembles them into a scenario. A value out of range
raises with the allowed range as the message (e.g. 'must be between 0 and 1'), which the
scenario's error lines quote.

Naming rule: a whole YAML file is named for what it is (:class:`~sim.world.scenario.Scenario`,
:class:`~sim.studies.sweep.spec.Sweep`, :class:`~sim.studies.evidence.spec.Findings`); a
part of one that configures something the model runs is ``<Thing>Section`` and the running
thing ``<Thing>`` (``PopulationSection`` / ``Population``, ``TraitDynamicsSection`` /
``TraitDynamics``, ``GrowthGroupSection`` / ``GrowthGroup``); other parts are named for
what they are (``Parameter``, ``Finding``, ``Session``). "Specification" is the SAOM's
model specification only (:class:`sim.saom.specification.Specification`); no section class
is called a spec (the file formats keep their words: a sweep file is still "the spec" in
its folder's ``meta.json`` and on the command line).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict


class Section(BaseModel):
    """Base of every section: unknown keys, NaN/infinity and silent type coercion are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def _check(ok: Callable[[Any], bool], allowed: str) -> AfterValidator:
    """A validator that raises ``allowed`` (e.g. 'must be at least 0') when ``ok`` fails."""

    def check(value):
        if not ok(value):
            raise ValueError(allowed)
        return value

    return AfterValidator(check)


def between(lo: float, hi: float) -> AfterValidator:
    return _check(lambda v: lo <= v <= hi, f"must be between {lo:g} and {hi:g}")


def strictly_between(lo: float, hi: float) -> AfterValidator:
    return _check(lambda v: lo < v < hi, f"must be strictly between {lo:g} and {hi:g}")


def at_least(lo: float) -> AfterValidator:
    return _check(lambda v: v >= lo, f"must be at least {lo:g}")


def above(lo: float) -> AfterValidator:
    return _check(lambda v: v > lo, f"must be greater than {lo:g}")


Share = Annotated[float, between(0, 1)]
NonNegative = Annotated[float, at_least(0)]
Positive = Annotated[float, above(0)]
Count = Annotated[int, at_least(1)]

