"""The names every room of lbsim shares: traits, covariates, settings, family categories.

A leaf module: it imports nothing from ``sim``, so every other module can import it and
imports point one way. Positions in the model's arrays come from here and nowhere else:
``traits[Trait.STIGMA]`` is the stigma row, ``labels[Label.SAME_GROUP]`` the shared-setting
row.
"""

from __future__ import annotations

from enum import IntEnum


class Trait(IntEnum):
    """Traits of a child on a 0..1 scale: the rows of ``model.traits``. ``stigma`` is felt
    stigma for a left-behind child and prejudice towards left-behind children for the
    others."""

    SHYNESS = 0
    CONFIDENCE = 1
    STIGMA = 2
    GUARDIAN_CARE = 3
    COMMUNICATION = 4

    @property
    def key(self) -> str:
        """The trait's name in scenarios, covariates and tables (``"guardian_care"``)."""
        return self.name.lower()


TRAITS: tuple[str, ...] = tuple(t.key for t in Trait)
"""Trait names in row order."""

ACTOR_COVARIATES: tuple[str, ...] = ("lb", "notlb", "girl", "shyness", "confidence", "stigma",
                                     "felt_stigma", "prejudice", "guardian_care",
                                     "communication")
"""Actor covariates effects may name: left-behind (1/0), its complement, gender, the traits,
and ``felt_stigma`` (= stigma x lb) and ``prejudice`` (= stigma x notlb), which keep the two
readings of the stigma trait apart."""

UNCENTRED: tuple[str, ...] = ("felt_stigma", "prejudice")
"""Covariates used as they are, not centred: zero for the children they do not apply to."""


class Label(IntEnum):
    """Label covariates: w_ij = strength_i when i and j share the label (rows of the model's
    settings). ``SAME_GROUP`` is a shared setting such as a growth group (``X:same_group``);
    ``SAME_CLASS`` the class, used when ties may cross classes."""

    SAME_GROUP = 0
    SAME_CLASS = 1

    @property
    def key(self) -> str:
        return self.name.lower()


LABELS: tuple[str, ...] = tuple(label.key for label in Label)
"""Label covariate names in row order."""

DYADIC_COVARIATES: tuple[str, ...] = (Label.SAME_GROUP.key,)
"""Dyadic covariates a scenario's ``X:`` effects may name."""

UNCENTRED_LABELS: tuple[str, ...] = (Label.SAME_CLASS.key,)
"""Labels used as they are: the cross-class penalty leaves ties within a class alone."""

MIGRATION: tuple[str, ...] = ("father", "mother", "both")
"""Which parent(s) of a left-behind child work away (index -1: not left behind)."""

GUARDIANS: tuple[str, ...] = ("parents", "grandparents", "one_parent", "other_relatives")
"""Who cares for the child."""

STAGES: tuple[str, ...] = ("thaw", "change", "reinvention")
"""The growth-group model's stages: trust is built in the thaw stage, change-stage sessions
work in proportion to it, reinvention consolidates (Zhang & Abdul Wahab 2023)."""
