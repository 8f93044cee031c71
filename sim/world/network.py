"""Friendship dynamics of the classroom model (docs/model.md §3, §4): the ``network``
section of a scenario (an RSiena SAOM per class, every default with its source), the
shared settings children are in, and the weekly SAOM ministeps of every class.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import AfterValidator, Field

from sim.saom import behaviour as bh
from sim.saom.classes import ClassCovariates, RateModel, UnitNetworks, simulate_classes
from sim.saom.effects import DYADIC, parse_key, parse_rate_key
from sim.saom.program import compile_effects
from sim.saom.specification import NO_CAP
from sim.schema import Count, NonNegative, Section, strictly_between
from sim.suggest import unknown_name
from sim.vocabulary import (
    ACTOR_COVARIATES,
    DYADIC_COVARIATES,
    LABELS,
    UNCENTRED,
    UNCENTRED_LABELS,
    Label,
    Trait,
)
from sim.world.population import Population
from sim.world.traits import trait_levels

# Objective function, RSiena short names (docs/model.md §4: RSiena fits to
# s50, 50 girls in Glasgow, and klas12b, 25 pupils in the Netherlands, plus LBC studies).
DEFAULT_EFFECTS = {
    # s50 -1.8 (with triad effects); fits range -0.5 ... -2.7. This model adds effects that
    # all lower the number of ties (outActSqrt, the left-behind and stigma effects), so with
    # -1.8 a class of 45 settles at about one nomination per child; -1.45 (with transTrip
    # 0.62) gives the s50 figures over a school year: density 0.045, 2.0 nominations,
    # reciprocity 0.65-0.69, transitivity 0.41-0.45, 5-6% isolates (tests/world/test_model.py).
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
    # Trait covariates are per standard deviation of the trait (population.trait_scales).
    # Confident children nominate more: assumption, range 0 ... 0.3 per SD (was 0.5 per
    # unit of the 0..1 scale = 0.08 per SD).
    "egoX:confidence": 0.08,
    # Felt envy keeps LBC from approaching peers whose parents are home (Dafang interviews,
    # Zhang & Abdul Wahab 2023); assumption. felt_stigma is 0 for children not left behind,
    # so the effect acts on LBC only. Range -0.3 ... 0 per SD (was -0.5 per unit).
    "egoX:felt_stigma*altX:notlb": -0.07,
    # A shared setting (growth-group members): klas12b's "same primary school" dyadic
    # covariate, 0.606 (SE 0.137), RSiena manual (Ripley et al.), Knecht's data; range
    # 0.33-0.88 (2 SE). Acts only while the setting's strength is non-zero.
    "X:same_group": 0.606,
}

# Rate effects (docs/model.md §3; assumption). Shyness lowers the rate of initiating contact, not
# a child's attractiveness: in rural Chinese samples shyness is not associated with lower
# peer standing (Chen, Wang & Cao 2011, Child Dev 82).
# Per SD (were -0.5 and 0.3 per unit of the 0..1 scale); ranges -0.3 ... 0 and 0 ... 0.3.
DEFAULT_RATE_EFFECTS = {"RateX:shyness": -0.08, "RateX:confidence": 0.05}


def _effect_key(key: str) -> str:
    """Check an objective-function key with the effect registry and the covariate lists."""
    for term in parse_key(key):
        if term.covariate is None:
            continue
        dyadic = term.effect.needs == DYADIC
        allowed = DYADIC_COVARIATES if dyadic else ACTOR_COVARIATES
        if term.covariate not in allowed:
            kind = "dyadic covariate" if dyadic else "actor covariate"
            raise ValueError(unknown_name(term.covariate, kind, allowed, key))
    return key


def _rate_key(key: str) -> str:
    """Check a rate-effect key (``RateX:covariate``)."""
    covariate = parse_rate_key(key)
    if covariate not in ACTOR_COVARIATES:
        raise ValueError(unknown_name(covariate, "actor covariate", ACTOR_COVARIATES, key))
    return key

EffectKey = Annotated[str, AfterValidator(_effect_key)]
RateKey = Annotated[str, AfterValidator(_rate_key)]


class NetworkSection(Section):
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


class SharedSettings:
    """Label covariates (rows of :class:`~sim.vocabulary.Label`): the setting each child is
    in (``labels``, -1: none) and its strength; w_ij = strength_i when i and j share a
    label. A child's class is one label; shared settings such as growth groups are opened,
    faded and closed by interventions through these methods only."""

    def __init__(self, klass: np.ndarray):
        n = len(klass)
        self.labels = np.full((len(LABELS), n), -1, dtype=np.int64)
        self.labels[Label.SAME_CLASS] = klass
        self.strength = np.zeros((len(LABELS), n))
        self.strength[Label.SAME_CLASS] = 1.0
        # rate of setting ministeps per school year at full strength (SAME_GROUP settings)
        self.contact = np.zeros(n)
        self.centred = np.array([name not in UNCENTRED_LABELS for name in LABELS])
        self._next = 0

    def new_label(self) -> int:
        """A fresh label value (a new shared setting)."""
        self._next += 1
        return self._next - 1

    def open(self, children: np.ndarray, label: int | np.ndarray, strength: float,
             row: Label = Label.SAME_GROUP, contact: float = 0.0) -> None:
        """Put ``children`` in setting ``label`` (one value or one per child) with
        ``strength``; in a SAME_GROUP setting each gets ``contact`` setting ministeps a
        year at full strength (opportunities to reconsider ties to the setting's other
        children only: RSiena's settings model), scaled by the strength as it fades."""
        self.labels[row, children] = label
        self.strength[row, children] = strength
        if row == Label.SAME_GROUP:
            self.contact[children] = contact

    def close(self, children: np.ndarray, row: Label = Label.SAME_GROUP) -> None:
        """Take ``children`` out of their setting."""
        self.labels[row, children] = -1
        self.strength[row, children] = 0.0
        if row == Label.SAME_GROUP:
            self.contact[children] = 0.0

    def label_of(self, children: np.ndarray, row: Label = Label.SAME_GROUP) -> np.ndarray:
        return self.labels[row, children].copy()

    def strength_of(self, children: np.ndarray, row: Label = Label.SAME_GROUP) -> np.ndarray:
        return self.strength[row, children].copy()

    def set_strength(self, children: np.ndarray, strength: float | np.ndarray,
                     row: Label = Label.SAME_GROUP) -> None:
        self.strength[row, children] = strength


def classroom_effects(section: NetworkSection) -> dict[str, float]:
    """The scenario's effects as the kernel runs them: with cross-class ties, -penalty on
    every tie and +penalty back on ties within the class (``X:same_class``)."""
    effects = dict(section.effects)
    if section.cross_class_ties:
        effects["density"] = effects.get("density", 0.0) - section.cross_class_penalty
        effects["X:same_class"] = section.cross_class_penalty
    return effects


class NetworkDynamics:
    """The SAOM of every unit (a class, or a school with cross-class ties), advanced
    together by :meth:`simulate`. Holds the compiled effects, the rate effects, the shared
    settings, each unit's transposed network and allowed ties, the degrees and one random
    stream per unit (``states``, advanced in place)."""

    def __init__(self, section: NetworkSection, population: Population, states: np.ndarray,
                 behaviours: dict | None = None, trait_sd: np.ndarray | None = None):
        self.section, self.population, self.states = section, population, states
        # trait covariates are read per standard deviation (population.trait_scales)
        self.trait_sd = np.ones(len(Trait)) if trait_sd is None else np.asarray(trait_sd)
        # traits that run as behaviours: their levels are extra covariate rows
        self.behaviours = dict(behaviours or {})
        rows = [*ACTOR_COVARIATES, *(f"{t} level" for t in self.behaviours)]
        self.program = compile_effects(classroom_effects(section), rows, (), LABELS)
        scales = [bh.Behaviour(f"{t} level", np.zeros((0, 1), dtype=np.int64), 1, b.levels,
                               0.0, 0.0) for t, b in self.behaviours.items()]
        beh, _ = bh.compile_behaviour_effects(
            scales, {f"{t} level": b.effects for t, b in self.behaviours.items()}, rows)
        self.beh = beh._replace(
            mirror=np.array([ACTOR_COVARIATES.index(t) for t in self.behaviours],
                            dtype=np.int64),
            mirror_scale=np.array([1.0 / self.trait_sd[Trait[t.upper()]]
                                   for t in self.behaviours]))
        self.beh_rates = np.array([b.rate for b in self.behaviours.values()], dtype=float)
        self.rate_cov = np.array([ACTOR_COVARIATES.index(parse_rate_key(k))
                                  for k in section.rate_effects], dtype=np.int64)
        self.rate_alpha = np.array(list(section.rate_effects.values()), dtype=float)
        self.centred = np.array([c not in UNCENTRED for c in rows])
        self.cap = NO_CAP if section.max_outdegree is None else int(section.max_outdegree)
        self.settings = SharedSettings(population.klass)
        pop = population
        self.xt = np.empty_like(pop.xbuf)
        self.allowed = np.empty_like(pop.xbuf)
        for u in range(pop.n_units):
            m, o = pop.unit_size[u], pop.unit_off[u]
            self.xt[o:o + m * m] = pop.unit_network(u).T.ravel()
            self.allowed[o:o + m * m] = (1 - np.eye(m, dtype=np.int8)).ravel()
        self.indegree = np.zeros(pop.n_children, dtype=np.int64)
        self.outdegree = np.zeros(pop.n_children, dtype=np.int64)
        for u in range(pop.n_units):
            x, s = pop.unit_network(u), pop.unit_start[u]
            self.indegree[s:s + pop.unit_size[u]] = x.sum(0)
            self.outdegree[s:s + pop.unit_size[u]] = x.sum(1)

    def connect(self, members: np.ndarray) -> None:
        """Let ``members`` (a group meeting across the classes of a school) befriend each
        other: if they sit in several units, those units (and any between them, the same
        school's classes) become one, continuing the first unit's random stream; ties
        between classes are then allowed among the members only. A tie made this way may
        last after the group."""
        pop = self.population
        units = np.unique(pop.class_unit[pop.klass[members]])
        if len(units) > 1:
            self._merge(int(units.min()), int(units.max()))
        u = pop.class_unit[pop.klass[members[0]]]
        m, o, s = pop.unit_size[u], pop.unit_off[u], pop.unit_start[u]
        allowed = self.allowed[o:o + m * m].reshape(m, m)
        rows = np.asarray(members) - s
        allowed[np.ix_(rows, rows)] = 1
        allowed[rows, rows] = 0

    def _merge(self, a: int, b: int) -> None:
        """Units a..b become one: their networks side by side on the diagonal of one
        matrix, ties across the old units forbidden."""
        pop = self.population
        sizes, s0 = pop.unit_size[a:b + 1], pop.unit_start[a]
        big = int(sizes.sum())
        blocks = []
        for buf in (pop.xbuf, self.xt, self.allowed):
            new = np.zeros((big, big), dtype=buf.dtype)
            for u in range(a, b + 1):
                m, o, r = pop.unit_size[u], pop.unit_off[u], pop.unit_start[u] - s0
                new[r:r + m, r:r + m] = buf[o:o + m * m].reshape(m, m)
            end = pop.unit_off[b] + pop.unit_size[b] ** 2
            blocks.append(np.concatenate([buf[:pop.unit_off[a]], new.ravel(), buf[end:]]))
        pop.xbuf, self.xt, self.allowed = blocks
        pop.unit_size = np.concatenate([pop.unit_size[:a], [big], pop.unit_size[b + 1:]])
        pop.unit_start = np.concatenate([[0], np.cumsum(pop.unit_size)[:-1]]).astype(np.int64)
        pop.unit_off = np.concatenate([[0], np.cumsum(pop.unit_size ** 2)[:-1]]).astype(
            np.int64)
        cu = pop.class_unit
        pop.class_unit = np.where(cu > b, cu - (b - a), np.minimum(cu, a)).astype(np.int64)
        pop.class_pos = (pop.start - pop.unit_start[pop.class_unit]).astype(np.int64)
        self.states = np.concatenate([self.states[:a + 1], self.states[b + 1:]])

    def simulate(self, period: float, covariates: np.ndarray,
                 traits: np.ndarray | None = None) -> int:
        """Advance every unit by ``period`` years with actor ``covariates``
        ((len(ACTOR_COVARIATES), N)); return the number of ministeps. With ``traits``
        (rows of :class:`~sim.vocabulary.Trait`), the traits that run as behaviours move
        with the network and are written back; without, they stay as they are."""
        pop, st = self.population, self.settings
        if self.behaviours:  # each behaviour's levels, a row after the covariates
            levels = [trait_levels(covariates[ACTOR_COVARIATES.index(t)]
                                   * self.trait_sd[Trait[t.upper()]], b.levels)
                      for t, b in self.behaviours.items()]
            covariates = np.ascontiguousarray(np.vstack([covariates, *levels]))
        moving = traits is not None and len(self.behaviours) > 0
        mirrors = [covariates[ACTOR_COVARIATES.index(t)].copy()
                   for t in self.behaviours] if moving else []
        beh = self.beh if moving else bh.no_behaviours()
        steps = np.zeros(pop.n_units, dtype=np.int64)
        nets = UnitNetworks(pop.xbuf, self.xt, self.allowed, pop.unit_off, pop.unit_start,
                            pop.unit_size, self.indegree, self.outdegree)
        covs = ClassCovariates(covariates, self.centred, self.program.sim_needed, st.labels,
                               st.strength, st.centred)
        simulate_classes(nets, self.program.arrays(int(pop.unit_size.max())), covs,
                         RateModel(float(self.section.rate), self.rate_alpha, self.rate_cov),
                         self.cap, float(period), self.states, steps, beh,
                         self.beh_rates if moving else np.zeros(0), st.contact,
                         int(Label.SAME_GROUP))
        if moving:
            assert traits is not None, "moving: traits were given"
            for t, before in zip(self.behaviours, mirrors, strict=True):
                k, row = Trait[t.upper()], ACTOR_COVARIATES.index(t)
                moved = covariates[row] != before  # the others keep their exact value
                traits[k, moved] = covariates[row, moved] * self.trait_sd[k]
        return int(steps.sum())
