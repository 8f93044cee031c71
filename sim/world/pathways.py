"""Which of an intervention's changes reach the friendships, and through what.

An intervention moves traits of some children (its ``moves``, :class:`~sim.world.interventions.base.
Move`) or opens a shared setting. A moved trait reaches the ties only if the scenario's SAOM
reads it: an objective-function or rate effect naming the trait's covariate (for stigma:
``felt_stigma`` of left-behind children, ``prejudice`` of the others, ``stigma`` of both),
directly or after the weekly trait dynamics carry it into another trait the SAOM reads
(guardian care and felt stigma drive confidence, docs/model.md §5). A change with no such
pathway moves a trait and no tie; :func:`pathways_text` says so plainly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.saom.effects import parse_key, parse_rate_key
from sim.vocabulary import Label
from sim.world.interventions.base import Move

SETTING_EFFECT = f"X:{Label.SAME_GROUP.key}"


@dataclass(frozen=True)
class Pathway:
    """One change of an intervention and the effects through which it reaches the ties
    (``through`` empty: none)."""

    intervention: str
    move: Move
    through: tuple[str, ...]


def covariates_of(move: Move) -> set[str]:
    """The actor covariates a change of ``move.trait`` in ``move.who`` changes."""
    if move.trait != "stigma":
        return {move.trait}
    return {"stigma"} | ({"felt_stigma"} if move.who in ("lb", "all") else set()) | (
        {"prejudice"} if move.who in ("non_lb", "all") else set())


def readers(network) -> dict[str, list[str]]:
    """covariate -> the scenario's effects (objective function and rate) that read it."""
    found: dict[str, list[str]] = {}
    for key, value in network.effects.items():
        for term in parse_key(key):
            if term.covariate is not None and value:
                found.setdefault(term.covariate, []).append(key)
    for key, value in network.rate_effects.items():
        if value:
            found.setdefault(parse_rate_key(key), []).append(key)
    return found


def carried(move: Move, dynamics) -> list[Move]:
    """The traits the weekly dynamics move when ``move``'s trait moves (docs/model.md §5:
    confidence follows guardian care and felt stigma, the latter of left-behind children
    only); traits run as SAOM behaviours have no such drift."""
    if "confidence" in dynamics.behaviours:
        return []
    weights = dynamics.confidence
    drives = (move.trait == "guardian_care" and weights.get("guardian_care", 0.0)) or (
        move.trait == "stigma" and move.who in ("lb", "all") and weights.get("stigma", 0.0))
    return [Move("confidence", move.who)] if drives else []


def pathways(scenario) -> list[Pathway]:
    """Every change of every intervention in ``scenario`` (its arms included) with the
    effects it reaches the ties through."""
    read = readers(scenario.network)
    sections = list(scenario.interventions) + [s for arm in scenario.arms.values() for s in arm]
    found, seen = [], set()
    for section in sections:
        for move in section.moves():
            if (section.type, move) in seen:
                continue
            seen.add((section.type, move))
            if move.trait == "setting":
                through = ([SETTING_EFFECT] if scenario.network.effects.get(SETTING_EFFECT)
                           else []) + ["setting ministeps (contact)"]
            else:
                through = sorted({k for c in covariates_of(move) for k in read.get(c, [])})
                for then in carried(move, scenario.trait_dynamics):
                    through += [f"{then.trait} ({k})" for c in covariates_of(then)
                                for k in read.get(c, [])]
            found.append(Pathway(section.type, move, tuple(through)))
    return found


WHO = {"lb": "left-behind children", "non_lb": "children not left behind",
       "all": "all children"}


def pathways_text(scenario) -> str:
    """One line per change that reaches no tie (empty if every change does): what it moves
    and that no effect reads it.

    Parameters
    ----------
    scenario : Scenario
        The scenario whose interventions and trait dynamics are traced (:func:`pathways`).

    Returns
    -------
    str
        The warnings, one a line.
    """
    lines = []
    for p in pathways(scenario):
        if not p.through:
            name = "prejudice" if (p.move.trait, p.move.who) == ("stigma", "non_lb") \
                else p.move.trait
            lines.append(f"note: {p.intervention} moves {name} of {WHO[p.move.who]}, which no "
                         f"effect of the network reads (nor the trait dynamics carry into "
                         f"one): that part moves a trait and no tie")
    return "\n".join(lines)
