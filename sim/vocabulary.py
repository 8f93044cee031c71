"""The names every room of lbsim shares: traits, covariates, settings, outcomes.

A leaf module: it imports nothing from ``sim``, so every other module can import it and
imports point one way. Positions in the model's arrays come from here and nowhere else:
``traits[Trait.STIGMA]`` is the stigma row, ``labels[Label.SAME_GROUP]`` the shared-setting
row.
"""

from __future__ import annotations

from dataclasses import dataclass
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
                                     "communication", "in_group")
"""Actor covariates effects may name: left-behind (1/0), its complement, gender, the traits,
``felt_stigma`` (= stigma x lb) and ``prejudice`` (= stigma x notlb), which keep the two
readings of the stigma trait apart, and ``in_group``: the strength of the child's shared
setting (a growth group; 0 outside one), e.g. for a behaviour effect ``effFrom:in_group``
through which a group moves a trait run as a behaviour while it meets."""

UNCENTRED: tuple[str, ...] = ("felt_stigma", "prejudice", "in_group")
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


@dataclass(frozen=True)
class Outcome:
    """One reported quantity. ``level``: ``count`` and ``rate`` are columns of the weekly
    table (rows per class and per population), ``trait`` its trait means by group, ``child``
    a trial's per-child value; ``summary``: in a run's summary.json; ``trial``: a class
    outcome of virtual trials."""

    name: str
    level: str
    definition: str
    summary: bool = False
    trial: bool = False


_TRAIT_MEANS = tuple(
    Outcome(f"{t}_{g}", "trait", f"mean {t} of the {label}",
            summary=t in ("confidence", "stigma"))
    for t in TRAITS for g, label in (("lb", "left-behind children"),
                                     ("non_lb", "children not left behind")))

OUTCOMES: tuple[Outcome, ...] = (
    Outcome("n", "count", "children"),
    Outcome("ties", "count", "nominations within the class"),
    Outcome("isolates_in", "count", "children nobody names"),
    Outcome("isolates_total", "count", "children with no tie in or out"),
    Outcome("isolates_lb", "count", "left-behind children nobody names"),
    Outcome("density", "rate", "ties / sum n (n - 1)", summary=True, trial=True),
    Outcome("mean_degree", "rate", "ties / n", summary=True),
    Outcome("reciprocity", "rate", "2 mutual dyads / ties", summary=True),
    Outcome("transitivity", "rate", "transitive triplets / two-paths", summary=True),
    Outcome("isolates_in_share", "rate", "isolates_in / n", summary=True),
    Outcome("isolates_total_share", "rate", "isolates_total / n", summary=True),
    Outcome("isolates_lb_share", "rate", "isolates_lb / left-behind children"),
    Outcome("indegree_lb", "rate", "mean in-degree of left-behind children", summary=True),
    Outcome("indegree_non_lb", "rate", "mean in-degree of the others", summary=True),
    Outcome("indegree_gap", "rate", "indegree_non_lb - indegree_lb", summary=True,
            trial=True),
    Outcome("reciprocated_friend_lb", "rate",
            "share of left-behind children with a reciprocated tie", summary=True),
    Outcome("reciprocated_friend_non_lb", "rate",
            "share of the others with a reciprocated tie", summary=True),
    Outcome("coleman_lb", "rate", "Coleman's homophily of left-behind children",
            summary=True),
    Outcome("ei_lb", "rate", "E-I index on left-behind status", summary=True),
    Outcome("coleman_girl", "rate", "Coleman's homophily of girls", summary=True),
    Outcome("same_gender_share", "rate", "share of ties within a gender", summary=True),
    *_TRAIT_MEANS,
    Outcome("in_degree", "child", "nominations the child receives"),
    Outcome("reciprocated_friends", "child", "the child's reciprocated ties"),
    Outcome("isolated", "child", "1 if nobody names the child, else 0"),
    Outcome("confidence", "child", "the child's confidence"),
    Outcome("felt_stigma", "child", "a left-behind child's felt stigma (others: none)"),
    Outcome("named_members", "child",
            "nominations a group member gives to fellow members of its group"),
    Outcome("named_by_non_members", "child",
            "nominations a group member receives from children outside its group"),
)
"""Every outcome lbsim reports, in the order of the weekly table's columns."""

COLUMNS = tuple(o.name for o in OUTCOMES if o.level in ("count", "rate", "trait"))
"""Outcome columns of the weekly table (after week, replica, school, class)."""
SUMMARY = tuple(o.name for o in OUTCOMES if o.summary)
"""Outcomes of a run's summary.json (the whole population in the last week)."""
CHILD_OUTCOMES = tuple(o.name for o in OUTCOMES if o.level == "child")
CLASS_OUTCOMES = tuple(o.name for o in OUTCOMES if o.trial)
"""Per-child and per-class outcomes of virtual trials."""

DEFAULT_MAGNITUDES = "posterior"
"""The assumption-marked magnitudes every command uses unless told otherwise
(:mod:`sim.studies.magnitudes`): the posterior inferred from published experiments, shipped as
sim/data/posterior/posterior.csv. ``defaults`` gives the scenario as written."""
