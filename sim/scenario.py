"""Scenarios: the schema of a YAML scenario, every default number with its source, loading.

A scenario says who sits in the classes (``population``), how their traits are distributed
(``traits``), how friendships change (``network``, RSiena effects), how traits move
(``trait_dynamics``) and what is done to the children (``interventions``). The sources of
the defaults are the project's scientific specification, docs/model.md (section numbers below),
and the studies it cites. A bad scenario raises :class:`ScenarioError`, whose message lists
every problem on its own line as ``field.path: value — what is allowed``.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.saom.effects import DYADIC, parse_key, parse_rate_key

ACTOR_COVARIATES = ("lb", "notlb", "girl", "shyness", "confidence", "stigma",
                    "felt_stigma", "prejudice", "guardian_care", "communication")
"""Actor covariates effects may name: left-behind (1/0), its complement, gender, the traits.
The ``stigma`` trait reads as felt stigma for left-behind children and as prejudice towards
them for the others (docs/model.md §2); ``felt_stigma`` (= stigma x lb) and ``prejudice``
(= stigma x notlb) keep the two apart."""

DYADIC_COVARIATES = ("same_group",)
"""Dyadic covariates for ``X:``: 1 when i and j share a setting such as a growth group."""

# Objective function, RSiena short names (docs/model.md §4: RSiena fits to
# s50, 50 girls in Glasgow, and klas12b, 25 pupils in the Netherlands, plus LBC studies).
DEFAULT_EFFECTS = {
    # s50 -1.8 (with triad effects); fits range -0.5 ... -2.7. This model adds effects that
    # all lower the number of ties (outActSqrt, the left-behind and stigma effects), so with
    # -1.8 a class of 45 settles at about one nomination per child; -1.45 (with transTrip
    # 0.62) gives the s50 figures over a school year: density 0.045, 2.0 nominations,
    # reciprocity 0.65-0.69, transitivity 0.41-0.45, 5-6% isolates (tests/test_model.py).
    "density": -1.45,
    "recip": 2.4,  # s50 2.3-2.4; klas12b 0.8-1.5
    # s50 0.6-0.86; klas12b 0.18-0.31. Transitive closure feeds on itself: at 0.7 a class
    # of 45 drifts past transitivity 0.55 within a year, at 0.5 it stays near 0.2; 0.62
    # keeps it in the observed 0.37-0.52 all year.
    "transTrip": 0.62,
    "inPopSqrt": -0.5,  # s50 -0.38 ... -0.59
    "outActSqrt": -0.3,  # fits range 0 ... -0.6
    "sameX:girl": 0.6,  # klas12b 0.54-0.76 (age about 12)
    # LBC get fewer nominations in grade-5 Shaanxi classes (Li et al. 2020), no gap in Ling
    # et al. 2017: a sensitivity dimension, 0 ... -0.3.
    "altX:lb": -0.15,
    "sameX:lb": -0.1,  # LBC avoid each other rather than cluster (Li et al. 2020)
    "egoX:confidence": 0.5,  # assumption, to be calibrated
    # Felt envy keeps LBC from approaching peers whose parents are home (Dafang interviews,
    # Zhang & Abdul Wahab 2023); assumption. felt_stigma is 0 for children not left behind,
    # so the effect acts on LBC only.
    "egoX:felt_stigma*altX:notlb": -0.5,
    # klas12b "same primary school" 0.42 (SE 0.14), the stand-in for a shared setting; acts
    # only while the dyadic covariate is non-zero (e.g. among growth-group members).
    "X:same_group": 0.42,
}

# Rate effects (docs/model.md §3; assumption). Shyness lowers the rate of initiating contact, not
# a child's attractiveness: in rural Chinese samples shyness is not associated with lower
# peer standing (Chen, Wang & Cao 2011, Child Dev 82).
DEFAULT_RATE_EFFECTS = {"RateX:shyness": -0.5, "RateX:confidence": 0.3}


# --- Numbers with a range, said in words ------------------------------------------------

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


# --- Keys of the mappings ---------------------------------------------------------------

def _unknown_covariate(name: str, key: str, kind: str, allowed: tuple[str, ...]) -> str:
    near = difflib.get_close_matches(name, allowed, n=1)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    return f"unknown {kind} {name!r} in {key!r}.{hint} Allowed: {', '.join(allowed)}."


def _effect_key(key: str) -> str:
    """Check an objective-function key with the effect registry and the covariate lists."""
    for term in parse_key(key):
        if term.covariate is None:
            continue
        dyadic = term.effect.needs == DYADIC
        allowed = DYADIC_COVARIATES if dyadic else ACTOR_COVARIATES
        if term.covariate not in allowed:
            kind = "dyadic covariate" if dyadic else "actor covariate"
            raise ValueError(_unknown_covariate(term.covariate, key, kind, allowed))
    return key


def _rate_key(key: str) -> str:
    """Check a rate-effect key (``RateX:covariate``)."""
    covariate = parse_rate_key(key)
    if covariate not in ACTOR_COVARIATES:
        raise ValueError(_unknown_covariate(covariate, key, "actor covariate",
                                            ACTOR_COVARIATES))
    return key


def _sums_to_one(shares: dict[str, float]) -> dict[str, float]:
    total = sum(shares.values())
    if abs(total - 1) > 1e-6:
        raise ValueError(f"shares must sum to 1, these sum to {total:.6g}")
    return shares


EffectKey = Annotated[str, AfterValidator(_effect_key)]
RateKey = Annotated[str, AfterValidator(_rate_key)]
MigrationShares = Annotated[dict[Literal["father", "mother", "both"], Share],
                            AfterValidator(_sums_to_one)]
GuardianShares = Annotated[dict[Literal["grandparents", "one_parent", "other_relatives"], Share],
                           AfterValidator(_sums_to_one)]


# --- The schema -------------------------------------------------------------------------

class _Section(BaseModel):
    """Base of every section: unknown keys, NaN/infinity and silent type coercion are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ClassSize(_Section):
    """Pupils per class: mean and sd of the size; every class has min..max pupils."""

    mean: Annotated[float, at_least(2)] = Field(45, description="rural class of about 45 "
                                                "(docs/model.md §2)")
    sd: NonNegative = Field(4, description="assumption")
    min: Annotated[int, at_least(2)] = Field(20, description="assumption; a network needs 2")
    max: Annotated[int, at_least(2)] = Field(70, description="assumption (oversized classes)")

    @model_validator(mode="after")
    def _ordered(self) -> ClassSize:
        if not self.min <= self.mean <= self.max:
            raise ValueError(f"needs min <= mean <= max, got min {self.min}, mean "
                             f"{self.mean:g}, max {self.max}")
        return self


class SeparationMonths(_Section):
    """Months a left-behind child has lived apart from the migrant parent(s); assumption."""

    mean: NonNegative = 30
    sd: NonNegative = 15


class FromFiles(_Section):
    """A surveyed class as the population: nominations as an edge list (CSV ``from,to``)
    or an adjacency matrix, plus an attributes CSV (``id``, ``class``, ``school``,
    ``girl``/``gender``, ``left_behind``/``lb``, trait columns). Paths are relative to the
    scenario file. See sim/io/read.py for the formats."""

    edges: str | None = None
    matrix: str | None = None
    attributes: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FromFiles:
        if (self.edges is None) == (self.matrix is None):
            raise ValueError("give edges (a from,to CSV) or matrix (an adjacency matrix), "
                             "exactly one")
        if self.edges is not None and self.attributes is None:
            raise ValueError("an edge list needs attributes, a CSV listing every child's id")
        return self

    def paths(self) -> list[tuple[str, str]]:
        """(field, path) of the files given."""
        return [(k, v) for k, v in (("edges", self.edges), ("matrix", self.matrix),
                                    ("attributes", self.attributes)) if v is not None]


class Population(_Section):
    """Schools, classes and the fixed attributes of the children (docs/model.md §2). With
    ``from_files`` the children, classes and start network come from a survey and the
    sizes and shares here only fill in what the files do not give."""

    schools: Count = 1
    classes_per_school: Count = 1
    class_size: ClassSize = ClassSize()
    left_behind_share: Share = Field(
        0.207, description="Dafang County, Guizhou, 2021: 25,378 of 122,403 pupils in "
        "compulsory education were left behind (Zhang & Abdul Wahab 2023; docs/model.md §1)")
    left_behind_school_sd: NonNegative = Field(
        0.0, description="SD of the left-behind share between schools (each school's share "
        "drawn from a Beta with mean left_behind_share and this SD); 0: the same share in "
        "every school. A county figure hides remote villages with far more LBC than towns; "
        "the size of that spread is an assumption")
    girl_share: Share = Field(0.48, description="assumption: slightly under half, as the "
                              "sex ratio of rural cohorts is skewed towards boys")
    grade: Annotated[int, between(1, 9)] = Field(
        5, description="1-6 primary, 7-9 junior secondary; the Dafang growth group was grade "
        "5, ages 10-11 (docs/model.md §1)")
    migration: MigrationShares = Field(
        {"father": 0.45, "mother": 0.10, "both": 0.45},
        description="which parent(s) work away, shares of LBC; assumption")
    guardian: GuardianShares = Field(
        {"grandparents": 0.75, "one_parent": 0.15, "other_relatives": 0.10},
        description="who cares for an LBC; assumption, 'mostly grandparents' (docs/model.md §1)")
    separation_months: SeparationMonths = SeparationMonths()
    from_files: FromFiles | None = Field(
        None, description="start from a surveyed class instead of the generator; its "
        "network is the start state, so network.burn_in_years defaults to 0")

    @model_validator(mode="after")
    def _school_spread(self) -> Population:
        m, sd = self.left_behind_share, self.left_behind_school_sd
        if sd > 0 and not sd ** 2 < m * (1 - m):
            raise ValueError(f"left_behind_school_sd {sd:g} is too large for a share of "
                             f"{m:g}: it must be below sqrt(share x (1 - share)) = "
                             f"{(m * (1 - m)) ** 0.5:.3f}")
        return self


class TraitDistribution(_Section):
    """Beta(a, b) on 0..1; left-behind children add ``left_behind_shift``, clipped to 0..1."""

    a: Positive
    b: Positive
    left_behind_shift: Annotated[float, between(-1, 1)] = 0.0


class Traits(_Section):
    """Starting traits (docs/model.md §2). The Betas are assumptions; the directions of the LBC
    shifts follow the Dafang children's own accounts (docs/model.md §1): shyer, less confident,
    more felt stigma, less guardian care, weaker verbal skills."""

    shyness: TraitDistribution = TraitDistribution(a=2, b=5, left_behind_shift=0.05)  # 0.29
    confidence: TraitDistribution = TraitDistribution(a=5, b=3, left_behind_shift=-0.05)  # .63
    # For non-LBC, stigma is the prejudice they hold towards LBC (docs/model.md §2).
    stigma: TraitDistribution = TraitDistribution(a=2, b=6, left_behind_shift=0.10)  # 0.25
    guardian_care: TraitDistribution = TraitDistribution(a=5, b=2,
                                                         left_behind_shift=-0.15)  # 0.71
    communication: TraitDistribution = TraitDistribution(a=4, b=3,
                                                         left_behind_shift=-0.05)  # 0.57


class Network(_Section):
    """Friendship dynamics: an RSiena SAOM per class (docs/model.md §3)."""

    rate: NonNegative = Field(
        6.85, description="opportunities to change a tie per child per school year: s50 "
        "RSiena fit 6.85 (period 1) and 5.41 (period 2); docs/model.md §3 quotes 5-10 per period")
    weeks_per_year: Count = Field(40, description="teaching weeks in a school year (assumption)")
    effects: dict[EffectKey, float] = Field(
        DEFAULT_EFFECTS, description="RSiena short name -> parameter; a scenario's mapping "
        "replaces the defaults as a whole (see DEFAULT_EFFECTS for sources)")
    rate_effects: dict[RateKey, float] = Field(
        DEFAULT_RATE_EFFECTS, description="RateX:covariate -> parameter (assumption)")
    max_outdegree: Count | None = Field(5, description="survey's nomination cap (docs/model.md §2)")
    cross_class_ties: bool = Field(False, description="allow ties across classes of a school")
    cross_class_penalty: NonNegative = Field(
        2.0, description="subtracted from a cross-class tie's utility; assumption: ties form "
        "mainly within a class (docs/model.md §2)")
    initial_density: Annotated[float, strictly_between(0, 1)] = Field(
        0.05, description="s50 density 0.046-0.050 (docs/model.md §8): about 2.2 nominations in a "
        "class of 45")
    burn_in_years: NonNegative = Field(
        7.0, description="years simulated from a random network so the start looks like a "
        "real class: after 7 years transitivity has built up to observed levels (0.4-0.5) "
        "while the density is stable; shorter burn-ins start with too few closed triads")


class TraitDynamics(_Section):
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


# --- Interventions (docs/model.md §1, §5, §6) ----------------------------------------------

STAGES = ("thaw", "change", "reinvention")
"""The growth-group model's stages: trust is built in the thaw stage, change-stage sessions
work in proportion to it, reinvention consolidates (Zhang & Abdul Wahab 2023)."""


def _theme(theme: str) -> str:
    from sim.interventions.sessions import CATALOGUE

    if theme not in CATALOGUE:
        near = difflib.get_close_matches(theme, list(CATALOGUE), n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ValueError(f"unknown session theme {theme!r}.{hint} Allowed: "
                         f"{', '.join(CATALOGUE)}")
    return theme


class Session(_Section):
    """One group session: a theme from the catalogue (sim/interventions/sessions.py), its
    stage, and its week (default: weekly from the group's start)."""

    theme: Annotated[str, AfterValidator(_theme)]
    stage: Literal["thaw", "change", "reinvention"]
    week: Annotated[int, at_least(1)] | None = None


# The seven Dafang sessions (Zhang & Abdul Wahab 2023; docs/model.md §1).
DAFANG_SESSIONS = [
    {"theme": "nice_to_meet_you", "stage": "thaw"},
    {"theme": "the_real_me", "stage": "thaw"},
    {"theme": "easy_communication", "stage": "change"},
    {"theme": "flying_with_joy", "stage": "change"},
    {"theme": "happy_outdoor_activities", "stage": "change"},
    {"theme": "truth_or_dare", "stage": "reinvention"},
    {"theme": "tomorrow_will_be_better", "stage": "reinvention"},
]


class GroupMagnitudes(_Section):
    """Sizes of the session mechanisms (trait units are the 0..1 trait scale; the traits'
    SD is about 0.15). Calibrated so members' confidence rises by about d = 0.4 right after
    the group and 0.28 three months later, as social-skills training does (Beelmann &
    Lösel 2006: d 0.39 post, 0.28 follow-up; de Mooij et al. 2020: d 0.37); assumptions
    otherwise."""

    setting: Share = Field(1.0, description="strength of X:same_group among members while "
                                            "the group runs")
    setting_retention: Share = Field(0.85, description="weekly retention of the setting's "
                                                       "strength after the last session")
    consolidated_retention: Share = Field(0.95, description="the same after a "
                                                            "consolidation session")
    confidence: Annotated[float, between(-1, 1)] = 0.013
    stigma: Annotated[float, between(-1, 1)] = -0.03
    shyness: Annotated[float, between(-1, 1)] = -0.02
    communication: Annotated[float, between(-1, 1)] = 0.03
    guardian_care: Annotated[float, between(-1, 1)] = 0.03
    barrier: Annotated[float, between(-1, 1)] = Field(
        0.04, description="feedback: each member's main barrier (highest shyness or stigma, "
                          "lowest confidence or communication) moves by this much")
    outing_partners: Annotated[int, at_least(0)] = Field(
        3, description="joint activity: non-member classmates who share the setting that "
                       "week (the outing with other children)")
    untrusted: Share = Field(0.5, description="share of a change-stage session's effect "
                                              "without any thaw session before it")
    thaw_for_trust: Annotated[int, at_least(1)] = Field(
        2, description="thaw sessions that build full trust (Dafang held 2)")
    retention: Share = Field(0.3, description="share of the trait gains that consolidation "
                                              "makes lasting (added to the baseline)")


class GrowthGroup(_Section):
    """A growth group run by a school social worker (docs/model.md §6)."""

    type: Literal["growth_group"]
    name: str = "growth group"
    target: Literal["lowest_indegree_lbc", "random_lbc", "isolates"] = Field(
        "lowest_indegree_lbc", description="teacher referral of the LBC with the lowest "
                                           "in-degree (Dafang), random LBC, or all isolates")
    scope: Literal["school", "class"] = Field("school", description="one group per school "
                                                                   "or per class")
    group_size: Annotated[int, between(2, 20)] = Field(6, description="Dafang: 6 (docs/model.md "
                                                                      "§1); 6-10 usual")
    acceptance: Share = Field(0.7, description="chance an invited child joins; recruitment "
                                               "was 'not smooth' in Dafang (assumption)")
    start_week: Annotated[int, at_least(1)] = 4
    interval_weeks: Annotated[int, at_least(1)] = 1
    hours_per_session: NonNegative = Field(3.0, description="session plus preparation")
    worker_hours_per_week: NonNegative = Field(
        20.0, description="hours the social worker can give the groups (assumption)")
    sessions: list[Session] = Field(default_factory=lambda: [Session(**s) for s in
                                                             DAFANG_SESSIONS])
    magnitudes: GroupMagnitudes = GroupMagnitudes()

    def session_weeks(self) -> list[int]:
        """The week of each session: its own, or weekly (every ``interval_weeks``) from
        ``start_week``."""
        return [s.week if s.week is not None else self.start_week + k * self.interval_weeks
                for k, s in enumerate(self.sessions)]


class FamilyContact(_Section):
    """Regular contact with the migrant parent (video calls): guardian care and confidence
    of left-behind children rise each week it runs (docs/model.md §6; assumption)."""

    type: Literal["family_contact"]
    start_week: Annotated[int, at_least(1)] = 4
    weeks: Annotated[int, at_least(1)] = 12
    share: Share = Field(1.0, description="share of LBC whose families take part")
    guardian_care: Annotated[float, between(-1, 1)] = 0.005
    confidence: Annotated[float, between(-1, 1)] = 0.002


class AntiStigma(_Section):
    """A teacher-led anti-stigma activity: peers' prejudice and LBC's felt stigma fall
    (docs/model.md §6; assumption)."""

    type: Literal["anti_stigma"]
    week: Annotated[int, at_least(1)] = 6
    prejudice: Annotated[float, between(-1, 1)] = -0.05
    felt_stigma: Annotated[float, between(-1, 1)] = -0.02


class TeacherTraining(_Section):
    """Teacher training in interaction skills: every child's shyness falls and
    communication rises a little (docs/model.md §6; assumption)."""

    type: Literal["teacher_training"]
    week: Annotated[int, at_least(1)] = 2
    shyness: Annotated[float, between(-1, 1)] = -0.01
    communication: Annotated[float, between(-1, 1)] = 0.01


class Staffing(_Section):
    """A county's school social workers (docs/model.md §6): how many, placed one per school or
    each sharing several schools (travel costs hours), which schools first, each running
    the growth group ``group`` in classes of the schools it serves, up to
    ``groups_per_term`` at once, in each of ``terms`` terms."""

    type: Literal["staffing"]
    workers: Annotated[int, at_least(0)] = 1
    placement: Literal["one_per_school", "shared"] = "one_per_school"
    targeting: Literal["most_lbc", "random"] = Field(
        "most_lbc", description="schools served first: most left-behind children, or random")
    hours_per_week: NonNegative = Field(40.0, description="a full-time worker (assumption)")
    travel_hours_per_school: NonNegative = Field(
        4.0, description="weekly hours lost per extra school a shared worker covers "
                         "(assumption: rural travel)")
    groups_per_term: Annotated[int, at_least(1)] = Field(
        4, description="growth groups one worker can run at once (assumption)")
    terms: Annotated[int, at_least(1)] = Field(
        2, description="terms a year, each with its own groups (two semesters)")
    term_weeks: Annotated[int, at_least(1)] = Field(
        20, description="weeks from one term's groups to the next's (40-week year)")
    cost_per_worker: NonNegative = Field(
        60000.0, description="yuan per worker per year, salary and overheads (assumption)")
    group: GrowthGroup = GrowthGroup(type="growth_group")


Intervention = Annotated[GrowthGroup | FamilyContact | AntiStigma | TeacherTraining | Staffing,
                         Field(discriminator="type")]


class Scenario(_Section):
    """One simulation setting: population, traits, network, trait dynamics, interventions."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    seed: Annotated[int, at_least(0)] = 1
    weeks: Annotated[int, between(1, 520)] = Field(
        40, description="one school year of 40 teaching weeks (assumption)")
    population: Population
    traits: Traits = Traits()
    network: Network = Network()
    trait_dynamics: TraitDynamics = TraitDynamics()
    interventions: list[Intervention] = Field(
        [], description="growth_group, family_contact, anti_stigma, teacher_training, "
                        "staffing")
    arms: dict[str, list[Intervention]] = Field(
        {}, description="named alternatives to `interventions` for `lbsim compare`, each "
                        "compared with the control arm (no interventions)")

    @model_validator(mode="after")
    def _survey_not_burnt_in(self) -> Scenario:
        """A surveyed network is the start state: no burn-in unless the scenario asks."""
        if (self.population.from_files is not None
                and "burn_in_years" not in self.network.model_fields_set):
            self.network = self.network.model_copy(update={"burn_in_years": 0.0})
        return self

    def override(self, dotted: Mapping[str, object]) -> Scenario:
        """A validated copy with fields replaced by dotted path, e.g. ``network.effects.recip``.

        Inside a mapping such as ``network.effects`` the rest of the path is one key, which
        may be new (it is validated like any other key).
        """
        data = self.model_dump()
        problems = []
        for path, value in dotted.items():
            try:
                _set_path(data, path, value)
            except ValueError as e:
                problems.append(f"{path}: {value!r} — {e}")
        if problems:
            raise ScenarioError(problems, "overrides")
        return parse_scenario(data, source="scenario with overrides")


def _section(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The section class of ``model.field``, or None when the field is not a section."""
    annotation = model.model_fields[field].annotation
    for a in (annotation, *get_args(annotation)):  # a section, or an optional one
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


def _set_path(data: dict, path: str, value: object) -> None:
    parts = path.split(".")
    model: type[BaseModel] | None = Scenario
    node = data
    if len(parts) > 2 and parts[0] == "interventions":  # interventions.<index>.<field>...
        try:
            node = data["interventions"][int(parts[1])]
        except (ValueError, IndexError):
            raise ValueError(f"interventions.{parts[1]}: no such intervention (the list has "
                             f"{len(data['interventions'])})") from None
        model, parts = INTERVENTION_TYPES[node["type"]], parts[2:]
    for i, part in enumerate(parts):
        if model is None:  # a free-form mapping: the rest of the path is one key
            node[".".join(parts[i:])] = value
            return
        if part not in model.model_fields:
            raise ValueError(f"unknown setting {part!r}; {_did_you_mean(part, model)}")
        if i == len(parts) - 1:
            node[part] = value
            return
        if not isinstance(node[part], dict):
            raise ValueError(f"{'.'.join(parts[:i + 1])} is a single value, not a section")
        model, node = _section(model, part), node[part]


# --- Errors for people ------------------------------------------------------------------

class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = list(problems)
        lines = "\n".join(self.problems)
        if source is None:
            super().__init__(lines)
        else:
            n = len(self.problems)
            super().__init__(f"invalid {source} ({n} problem{'s' * (n != 1)}):\n{lines}")


_ALLOWED = {
    "missing": "required",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "dict_type": "must be a mapping (key: value lines)",
    "model_type": "must be a mapping (key: value lines)",
    "list_type": "must be a list",
}


def _did_you_mean(word: object, model_or_options: type[BaseModel] | list[str] | None) -> str:
    if isinstance(model_or_options, type):
        options = list(model_or_options.model_fields)
    else:
        options = list(model_or_options or [])
    near = difflib.get_close_matches(str(word), options, n=1)
    return f"did you mean {near[0]!r}?" if near else f"allowed: {', '.join(options)}"


INTERVENTION_TYPES = {"growth_group": GrowthGroup, "family_contact": FamilyContact,
                      "anti_stigma": AntiStigma, "teacher_training": TeacherTraining,
                      "staffing": Staffing}


def _section_at(loc: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Scenario
    if len(loc) >= 3 and loc[0] == "interventions":  # interventions.<i>.<type>. ...
        model, loc = INTERVENTION_TYPES.get(loc[2]), loc[3:]
    for part in loc:
        if isinstance(part, int):
            continue  # a list index
        if model is None or part not in model.model_fields:
            return None
        model = _section(model, part)
    return model


def _lookup(data: object, loc: tuple) -> object:
    for part in loc:
        data = data[part]  # type: ignore[index]
    return data


def problem_line(error: dict, data: Mapping) -> str:
    """One pydantic error as ``path: value — what is allowed``."""
    loc, kind = tuple(error["loc"]), error["type"]
    value = error.get("input")
    if loc and loc[-1] == "[key]":  # a bad key of a mapping: show the key's value
        loc = loc[:-1]
        try:
            value = _lookup(data, loc)
        except (KeyError, IndexError, TypeError):
            pass
    if kind == "extra_forbidden":
        allowed = f"unknown key; {_did_you_mean(loc[-1], _section_at(loc[:-1]))}"
    elif kind == "literal_error":
        options = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        allowed = f"unknown key; {_did_you_mean(loc[-1], options)}"
    elif kind == "value_error":
        allowed = str(error["ctx"]["error"])
    elif kind in ("union_tag_not_found", "union_tag_invalid"):
        allowed = (f"an intervention needs a 'type': one of "
                   f"{', '.join(INTERVENTION_TYPES)}")
    else:
        allowed = _ALLOWED.get(kind, error["msg"])
    shown = "(missing)" if kind == "missing" else repr(value)
    return f"{'.'.join(map(str, loc)) or '(top level)'}: {shown} — {allowed}"


# --- Loading ----------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """YAML's safe loader, but duplicate keys are errors and ``1e-3`` is a number."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    seen = []
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.append(key)
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_implicit_resolver(  # YAML 1.1 reads 1e-3 as text; scientists write it as a number
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


def parse_scenario(mapping: object, source: str = "scenario") -> Scenario:
    """Validate a mapping (e.g. parsed YAML) into a Scenario, or raise ScenarioError."""
    if not isinstance(mapping, Mapping):
        got = "nothing (an empty document)" if mapping is None else type(mapping).__name__
        raise ScenarioError([f"{source}: the top level must be a mapping of settings "
                             f"(name: ..., population: ...), got {got}"])
    try:
        return Scenario.model_validate(dict(mapping))
    except ValidationError as e:
        raise ScenarioError([problem_line(err, mapping) for err in e.errors()], source) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML scenario file, or raise ScenarioError. Survey files
    (``population.from_files``) are resolved relative to the file and checked."""
    scenario = parse_scenario(read_yaml(path), source=str(path))
    if scenario.population.from_files is not None:
        scenario = _with_survey(scenario, Path(path).parent, str(path))
    return scenario


def _with_survey(scenario: Scenario, base: Path, source: str) -> Scenario:
    """``scenario`` with its survey paths made absolute; the files are read and checked."""
    from sim.io.read import DataError
    from sim.io.survey import check_survey, read_survey

    files = scenario.population.from_files
    resolved = {k: str((base / v).resolve()) for k, v in files.paths()}
    problems = [f"population.from_files.{k}: {getattr(files, k)!r} — no such file "
                f"({resolved[k]}); paths are relative to the scenario file"
                for k in resolved if not Path(resolved[k]).is_file()]
    if problems:
        raise ScenarioError(problems, source)
    scenario.population.from_files = files.model_copy(update=resolved)
    try:
        check_survey(read_survey(**resolved), scenario.network.cross_class_ties,
                     scenario.network.max_outdegree)
    except DataError as e:
        raise ScenarioError([f"population.from_files: {e}"], source) from None
    return scenario


def read_yaml(path: str | Path) -> object:
    """Parse a YAML file (duplicate keys refused, 1e-3 read as a number), or raise
    ScenarioError naming the file and the line."""
    path = Path(path)
    if path.is_dir():
        raise ScenarioError([f"{path}: is a directory; give a .yaml file"])
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError([f"{path}: cannot read the file ({e})"]) from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError([f"{path}: not valid YAML{where}: {e.problem or e.context}"]) \
            from None
    except yaml.YAMLError as e:
        raise ScenarioError([f"{path}: not valid YAML: {e}"]) from None
    return data


def validate_command(path: str) -> int:
    """``lbsim validate SCENARIO``: print a one-line summary (0) or the problems (2)."""
    try:
        s = load_scenario(path)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    p = s.population
    classes = p.schools * p.classes_per_school
    if p.from_files is not None:
        from sim.io.survey import read_survey

        survey = read_survey(**dict(p.from_files.paths()))
        classes = len(survey.class_names)
        p = p.model_copy(update={"schools": len(survey.school_names)})

    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    print(f"OK: {s.name} ({n(p.schools, 'school', 'schools')}, "
          f"{n(classes, 'class', 'classes')}, {n(s.weeks, 'week', 'weeks')})")
    return 0
