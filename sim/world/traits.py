"""Traits of the classroom model and how they move week by week (docs/model.md §5): the
``trait_dynamics`` section of a scenario, the traits' state with its baselines, and the
weekly relaxation towards targets set by each child's situation.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from sim.saom.behaviour import Behaviour, compile_behaviour_effects
from sim.schema import NonNegative, Section, Share
from sim.vocabulary import ACTOR_COVARIATES, Trait
from sim.world.outcomes import ChildCount

EvolvingTrait = Literal["shyness", "confidence", "stigma"]


class TraitBehaviourSection(Section):
    """A trait held in ``levels`` levels (level = 1 + floor(trait x levels), capped at
    ``levels``) that evolves as an SAOM behaviour with the network (RSiena's behaviour
    co-evolution, :mod:`sim.saom.behaviour`) instead of the relaxation rule: a move changes
    the level by one, and the trait becomes that level's midpoint. Network effects read
    the trait (0..1); behaviour effects the levels, centred by the class mean."""

    levels: int = Field(5, ge=2, le=20, description="number of levels (e.g. a 1-5 scale)")
    rate: NonNegative = Field(
        1.5, description="opportunities to change a level per child per school year; s50 "
        "drinking: 1.3-1.8 per year (RSiena fit, docs/researcher.md); assumption for traits")
    effects: dict[str, float] = Field(
        {"linear": 0.0, "quad": -0.3, "avAlt": 1.0},
        description="behaviour effects (lbsim effects) -> parameters; effFrom:<covariate> "
        "names an actor covariate; assumption: no source for these traits yet")

    @field_validator("effects")
    @classmethod
    def _known(cls, effects: dict[str, float]) -> dict[str, float]:
        """Checked by the compiler the model uses (effect names, covariates, interactions)."""
        scale = Behaviour("trait", np.zeros((0, 1), dtype=np.int64), 1, 2, 0.0, 0.0)
        compile_behaviour_effects([scale], {"trait": effects}, [*ACTOR_COVARIATES, "trait"])
        return effects


def trait_levels(values: np.ndarray, levels: int) -> np.ndarray:
    """The level 1..levels of trait values in 0..1: 1 + floor(value x levels), capped."""
    return np.minimum(1.0 + np.floor(values * levels), float(levels))


class TraitDynamicsSection(Section):
    """Weekly drift of each trait towards a target set by its drivers (docs/model.md §5).

    Each mapping is driver -> weight (positive pulls the trait up); all are assumptions to be
    calibrated, e.g. against d = 0.39 after social-skills training and 0.28 three months on
    (Beelmann & Lösel 2006).
    """

    adjustment: Share = Field(0.05, description="share of the gap to the target closed per "
                              "week (gap halves in about 14 weeks); assumption")
    confidence: dict[Literal["guardian_care", "reciprocated_friends", "stigma",
                             "unreturned_nominations"], float] = Field(
        {"guardian_care": 0.2, "reciprocated_friends": 0.05, "stigma": -0.2,
         "unreturned_nominations": -0.05},
        description="support raises it (r = -0.36 with loneliness, Huang et al. 2022)")
    stigma: dict[Literal["ties_to_non_lb", "rejection"], float] = Field(
        {"ties_to_non_lb": -0.05, "rejection": 0.05})
    shyness: dict[Literal["reciprocated_friends"], float] = Field(
        {"reciprocated_friends": -0.02})
    behaviours: dict[EvolvingTrait, TraitBehaviourSection] = Field(
        {}, description="traits that evolve as SAOM behaviours instead (the rule above "
        "then leaves them alone)")


class TraitState:
    """The children's traits now (``values``: rows of :class:`~sim.vocabulary.Trait`, the
    array the Child agents view) and the baselines the weekly dynamics pull them back to.
    Interventions change traits only through :meth:`shift` and :meth:`raise_baseline`."""

    def __init__(self, values: np.ndarray):
        self.values = values
        self.baseline = values.copy()

    def shift(self, children: np.ndarray, trait: Trait, amount, lasting: bool = False
              ) -> np.ndarray:
        """Move ``trait`` of ``children`` by ``amount`` (one value or one per child),
        clipped to 0..1; ``lasting``: the baseline moves with it (nothing pulls it back).
        Returns each child's actual change."""
        before = self.values[trait, children].copy()
        self.values[trait, children] = np.clip(before + amount, 0.0, 1.0)
        if lasting:
            self.baseline[trait, children] = self.values[trait, children]
        return self.values[trait, children] - before

    def raise_baseline(self, children: np.ndarray, amounts: np.ndarray) -> None:
        """Add ``amounts`` ((len(Trait), len(children))) to the children's baselines,
        clipped to 0..1: part of a gain made lasting."""
        self.baseline[:, children] += amounts
        np.clip(self.baseline, 0.0, 1.0, out=self.baseline)


def drivers(traits: np.ndarray, lb: np.ndarray, child_counts: np.ndarray
            ) -> dict[str, np.ndarray]:
    """What moves the traits, per child: reciprocated friends, unreturned nominations,
    reciprocated ties to children not left behind, rejection (= unreturned nominations),
    guardian care, felt stigma (stigma of left-behind children). ``child_counts``: this
    week's :class:`~sim.world.outcomes.ChildCount` rows. Every value is a new array (the
    recorder refills ``child_counts`` every week)."""
    recip = child_counts[ChildCount.RECIPROCATED].copy()
    recip_non = child_counts[ChildCount.RECIPROCATED_NON_LB].copy()
    unreturned = child_counts[ChildCount.OUTDEGREE] - recip
    return {"reciprocated_friends": recip, "unreturned_nominations": unreturned,
            "ties_to_non_lb": recip_non, "rejection": unreturned,
            "guardian_care": traits[Trait.GUARDIAN_CARE].copy(),
            "stigma": traits[Trait.STIGMA] * lb}


class TraitDynamics:
    """Each week each trait moves by ``adjustment`` x (target - trait), where target = the
    trait's baseline + sum_d weight_d (driver_d - its value in week 0). Felt stigma moves
    for left-behind children only; guardian care only by interventions; traits that run as
    behaviours (``behaviours``) move with the network instead."""

    def __init__(self, section: TraitDynamicsSection, state: TraitState, lb: np.ndarray,
                 child_counts: np.ndarray):
        self.section, self.state, self.lb = section, state, lb
        self.child_counts = child_counts  # the recorder's array, refilled every week
        self.baseline_drivers = drivers(state.values, lb, child_counts)

    def step(self) -> None:
        td, t = self.section, self.state.values
        now = drivers(t, self.lb, self.child_counts)
        for name, weights in (("confidence", td.confidence), ("stigma", td.stigma),
                              ("shyness", td.shyness)):
            if name in td.behaviours:
                continue
            k = Trait[name.upper()]
            target = self.state.baseline[k].copy()
            for driver, w in weights.items():
                target += w * (now[driver] - self.baseline_drivers[driver])
            new = t[k] + td.adjustment * (target - t[k])
            if name == "stigma":
                new = np.where(self.lb, new, t[k])
            t[k] = np.clip(new, 0.0, 1.0)
