"""Synthetic schools, classes and children from a scenario (docs/model.md §2).

Everything is arrays with one row per child, children of a class contiguous, classes of a
school contiguous. Networks are simulated per *unit*: a class when ties stay within
classes (the default), a school when the scenario allows cross-class ties. Each unit's
network is an m x m block stored row-major in one flat int8 buffer. The initial networks
are random within classes with the scenario's ``initial_density``; the model then runs
them through ``burn_in_years`` of SAOM dynamics so a class already looks like a real one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, Field, model_validator

from sim.io.survey import check_survey, read_survey
from sim.schema import Count, NonNegative, Positive, Section, Share, at_least, between
from sim.vocabulary import ACTOR_COVARIATES, GUARDIANS, MIGRATION, TRAITS, Trait


def _sums_to_one(shares: dict[str, float]) -> dict[str, float]:
    total = sum(shares.values())
    if abs(total - 1) > 1e-6:
        raise ValueError(f"shares must sum to 1, these sum to {total:.6g}")
    return shares

MigrationShares = Annotated[dict[Literal["father", "mother", "both"], Share],
                            AfterValidator(_sums_to_one)]
GuardianShares = Annotated[dict[Literal["grandparents", "one_parent", "other_relatives"], Share],
                           AfterValidator(_sums_to_one)]


class ClassSize(Section):
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


class SeparationMonths(Section):
    """Months a left-behind child has lived apart from the migrant parent(s); assumption."""

    mean: NonNegative = 30
    sd: NonNegative = 15


class FromFiles(Section):
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


class PopulationSection(Section):
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
    def _school_spread(self) -> PopulationSection:
        m, sd = self.left_behind_share, self.left_behind_school_sd
        if sd > 0 and not sd ** 2 < m * (1 - m):
            raise ValueError(f"left_behind_school_sd {sd:g} is too large for a share of "
                             f"{m:g}: it must be below sqrt(share x (1 - share)) = "
                             f"{(m * (1 - m)) ** 0.5:.3f}")
        return self

class TraitDistribution(Section):
    """Beta(a, b) on 0..1; left-behind children add ``left_behind_shift``, clipped to 0..1."""

    a: Positive
    b: Positive
    left_behind_shift: Annotated[float, between(-1, 1)] = 0.0

    @property
    def sd(self) -> float:
        """The Beta's standard deviation, sqrt(ab / ((a + b)^2 (a + b + 1))): the unit the
        network effects read the trait in."""
        a, b = self.a, self.b
        return float(np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))))


class TraitsSection(Section):
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


@dataclass(kw_only=True)
class Population:
    """Children, classes and network units. Class c holds children start[c] ..
    start[c] + size[c] - 1 and sits at rows class_pos[c] .. of unit class_unit[c]; unit u
    holds children unit_start[u] .. + unit_size[u] - 1, its network is
    xbuf[unit_off[u]:unit_off[u] + unit_size[u]**2] (row-major).

    Attributes
    ----------
    school, klass : ndarray, shape (N,)
        Each child's school and class (global index).
    lb, girl : ndarray of bool, shape (N,)
        Left-behind children and girls.
    migration : ndarray, shape (N,)
        Index into ``MIGRATION``; -1 if not left behind.
    guardian : ndarray, shape (N,)
        Index into ``GUARDIANS``.
    separation_months : ndarray, shape (N,)
        Months separated from a migrant parent; 0 if not left behind.
    traits : ndarray, shape (len(TRAITS), N)
        The traits, on 0..1.
    start, size : ndarray, shape (C,)
        Each class's first child and size.
    class_school, class_unit, class_pos : ndarray, shape (C,)
        Each class's school, network unit, and first row in its unit's network.
    unit_start, unit_size, unit_off : ndarray, shape (U,)
        Each unit's first child, size, and offset of its network in ``xbuf``.
    xbuf : ndarray of int8
        The networks, flat, one row-major block per unit.
    ids : ndarray, shape (N,), or None
        Each child's id: a survey's own, else its index.
    class_names : ndarray, shape (C,), or None
        Each class's name: a survey's, else 1, 2, ...
    """

    school: np.ndarray  # (N,) school index
    klass: np.ndarray  # (N,) class index (global)
    lb: np.ndarray  # (N,) bool, left behind
    girl: np.ndarray  # (N,) bool
    migration: np.ndarray  # (N,) index into MIGRATION, -1 if not left behind
    guardian: np.ndarray  # (N,) index into GUARDIANS
    separation_months: np.ndarray  # (N,) 0 if not left behind
    traits: np.ndarray  # (len(TRAITS), N) on 0..1
    start: np.ndarray  # (C,)
    size: np.ndarray  # (C,)
    class_school: np.ndarray  # (C,)
    class_unit: np.ndarray  # (C,)
    class_pos: np.ndarray  # (C,) first row of the class in its unit's network
    unit_start: np.ndarray  # (U,)
    unit_size: np.ndarray  # (U,)
    unit_off: np.ndarray  # (U,)
    xbuf: np.ndarray  # flat int8 networks, one block per unit
    ids: np.ndarray | None = None  # (N,) each child's id: a survey's own, else its index
    class_names: np.ndarray | None = None  # (C,) each class's name: a survey's, else 1, 2, ...

    @property
    def n_children(self) -> int:
        return len(self.lb)

    @property
    def n_classes(self) -> int:
        return len(self.size)

    @property
    def n_units(self) -> int:
        return len(self.unit_size)

    def unit_network(self, u: int) -> np.ndarray:
        """Unit u's adjacency matrix (a view: writing to it changes the population)."""
        m, o = self.unit_size[u], self.unit_off[u]
        return self.xbuf[o:o + m * m].reshape(m, m)

    def class_label(self, c: int) -> str:
        """How class index ``c`` is named wherever a person reads it (figures, the app,
        ``Child`` and exports): ``"class 1"`` for index 0 of a generated school (classes
        are numbered from 1), ``"class 5A"`` for a surveyed class named 5A."""
        names = self.class_names
        return f"class {names[c] if names is not None else c + 1}"

    def network(self, c: int) -> np.ndarray:
        """Class c's adjacency matrix: the ties among its children (a view)."""
        a, n = self.class_pos[c], self.size[c]
        return self.unit_network(self.class_unit[c])[a:a + n, a:a + n]

    def ties(self, senders: np.ndarray, receivers: np.ndarray) -> np.ndarray:
        """x[i, j] for children i in ``senders`` and j in ``receivers`` (0 where they are
        in different units: no tie is possible)."""
        senders, receivers = np.asarray(senders), np.asarray(receivers)
        us = self.class_unit[self.klass[senders]]
        ur = self.class_unit[self.klass[receivers]]
        out = np.zeros((len(senders), len(receivers)), dtype=np.int8)
        for u in np.intersect1d(us, ur):
            a, b = np.flatnonzero(us == u), np.flatnonzero(ur == u)
            s = self.unit_start[u]
            out[np.ix_(a, b)] = self.unit_network(u)[np.ix_(senders[a] - s, receivers[b] - s)]
        return out


def trait_scales(section: TraitsSection) -> np.ndarray:
    """(len(TRAITS),): each trait's standard deviation in the population's distribution
    (:attr:`TraitDistribution.sd`), the unit of the trait covariates."""
    return np.array([getattr(section, name).sd for name in TRAITS])


def actor_covariates(lb: np.ndarray, girl: np.ndarray, traits: np.ndarray,
                     in_group: np.ndarray | None = None,
                     scales: np.ndarray | None = None) -> np.ndarray:
    """(len(ACTOR_COVARIATES), N): the values of the covariates effects can name, for
    children with left-behind status ``lb``, gender ``girl``, ``traits`` (rows of
    :class:`~sim.vocabulary.Trait`) and shared-setting strength ``in_group`` (0 if
    None). Traits (and felt stigma, prejudice) are divided by ``scales``
    (:func:`trait_scales`; 1 if None), so trait effects are per standard deviation."""
    lb = lb.astype(float)
    if scales is not None:
        traits = traits / np.asarray(scales)[:, None]
    stigma = traits[Trait.STIGMA]
    values = {"lb": lb, "notlb": 1.0 - lb, "girl": girl.astype(float),
              "felt_stigma": stigma * lb, "prejudice": stigma * (1.0 - lb),
              "in_group": np.zeros(len(lb)) if in_group is None else in_group.astype(float)}
    values.update({name: traits[k] for k, name in enumerate(TRAITS)})
    return np.stack([values[name] for name in ACTOR_COVARIATES])


def class_sizes(p: PopulationSection, rng: np.random.Generator) -> np.ndarray:
    """One size per class: rounded Normal(mean, sd) clipped to [min, max]."""
    count = p.schools * p.classes_per_school
    sizes = np.rint(rng.normal(p.class_size.mean, p.class_size.sd, count))
    return np.clip(sizes, p.class_size.min, p.class_size.max).astype(np.int64)


def draw_traits(section: TraitsSection, lb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Beta(a, b) per trait, plus the left-behind shift for LBC, clipped to [0, 1]."""
    out = np.empty((len(TRAITS), len(lb)))
    for k, name in enumerate(TRAITS):
        d = getattr(section, name)
        out[k] = np.clip(rng.beta(d.a, d.b, len(lb)) + d.left_behind_shift * lb, 0.0, 1.0)
    return out


def random_networks(unit_size: np.ndarray, class_unit: np.ndarray, class_pos: np.ndarray,
                    size: np.ndarray, density: float, cap: int | None,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Flat buffer of unit networks with Bernoulli(density) ties within each class (no
    self-ties, at most ``cap`` out-ties per child, extra ones dropped at random), and the
    offset of each unit."""
    unit_off = np.concatenate([[0], np.cumsum(unit_size.astype(np.int64) ** 2)[:-1]])
    xbuf = np.zeros(int((unit_size.astype(np.int64) ** 2).sum()), dtype=np.int8)
    for c, n in enumerate(size):
        x = (rng.random((n, n)) < density).astype(np.int8)
        np.fill_diagonal(x, 0)
        if cap is not None:
            for i in np.flatnonzero(x.sum(1) > cap):
                ties = np.flatnonzero(x[i])
                x[i, rng.choice(ties, len(ties) - cap, replace=False)] = 0
        u, a = class_unit[c], class_pos[c]
        m, o = unit_size[u], unit_off[u]
        xbuf[o:o + m * m].reshape(m, m)[a:a + n, a:a + n] = x
    return xbuf, unit_off


def school_shares(p: PopulationSection, rng: np.random.Generator) -> np.ndarray:
    """Each school's left-behind share: Beta with mean ``left_behind_share`` and SD
    ``left_behind_school_sd`` (a = m k, b = (1 - m) k, k = m (1 - m) / sd^2 - 1), or the
    county share everywhere when the SD is 0 (no draw then)."""
    m, sd = p.left_behind_share, p.left_behind_school_sd
    if sd == 0 or m in (0.0, 1.0):
        return np.full(p.schools, m)
    k = m * (1 - m) / sd ** 2 - 1
    return rng.beta(m * k, (1 - m) * k, p.schools)


def build_population(p: PopulationSection, traits_section: TraitsSection,
                     rng: np.random.Generator, *, initial_density: float, max_outdegree: int | None,
                     cross_class_ties: bool) -> Population:
    """Draw the schools, classes and children a scenario's ``population`` and ``traits``
    describe, with random start networks of ``initial_density`` (at most ``max_outdegree``
    nominations each; one network per school with ``cross_class_ties``)."""
    if p.from_files is not None:
        return survey_population(p, traits_section, rng, max_outdegree=max_outdegree,
                                 cross_class_ties=cross_class_ties)
    size = class_sizes(p, rng)
    n_total = int(size.sum())
    class_school = np.repeat(np.arange(p.schools), p.classes_per_school)
    klass = np.repeat(np.arange(len(size)), size)
    lb = rng.random(n_total) < school_shares(p, rng)[class_school[klass]]
    girl = rng.random(n_total) < p.girl_share
    migration, guardian, months = draw_family(p, lb, rng)
    traits = draw_traits(traits_section, lb, rng)
    start, class_unit, class_pos, unit_start, unit_size = units(
        size, class_school, cross_class_ties)
    xbuf, unit_off = random_networks(unit_size, class_unit, class_pos, size,
                                     initial_density, max_outdegree, rng)
    return Population(
        school=class_school[klass], klass=klass, lb=lb, girl=girl, migration=migration,
        guardian=guardian, separation_months=months, traits=traits, start=start, size=size,
        class_school=class_school, class_unit=class_unit, class_pos=class_pos,
        unit_start=unit_start, unit_size=unit_size, unit_off=unit_off.astype(np.int64),
        xbuf=xbuf, ids=np.arange(n_total).astype(str).astype(object),
        class_names=np.arange(1, len(size) + 1).astype(str).astype(object))


def draw_family(p: PopulationSection, lb: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Migration type, guardian and months of separation (left-behind children only)."""
    n = len(lb)
    mig_names = list(p.migration)
    mig_draw = rng.choice(len(mig_names), n, p=list(p.migration.values()))
    migration = np.where(lb, np.array([MIGRATION.index(k) for k in mig_names])[mig_draw], -1)
    g_names = list(p.guardian)
    g_draw = rng.choice(len(g_names), n, p=list(p.guardian.values()))
    guardian = np.where(lb, np.array([GUARDIANS.index(k) for k in g_names])[g_draw], 0)
    months = np.maximum(0.0, rng.normal(p.separation_months.mean, p.separation_months.sd, n))
    return migration.astype(np.int64), guardian.astype(np.int64), np.where(lb, months, 0.0)


def units(size: np.ndarray, class_school: np.ndarray, cross_class_ties: bool
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Network units: (class start, class unit, class row in its unit, unit start, unit
    size). A unit is a class, or a school when ties may cross classes."""
    start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    if cross_class_ties:  # one network per school
        class_unit = np.asarray(class_school, dtype=np.int64)
        unit_size = np.bincount(class_unit, weights=size).astype(np.int64)
    else:  # one network per class
        class_unit = np.arange(len(size), dtype=np.int64)
        unit_size = np.asarray(size, dtype=np.int64).copy()
    unit_start = np.concatenate([[0], np.cumsum(unit_size)[:-1]]).astype(np.int64)
    return start, class_unit, start - unit_start[class_unit], unit_start, unit_size


def survey_population(p: PopulationSection, traits_section: TraitsSection,
                      rng: np.random.Generator, *, max_outdegree: int | None,
                      cross_class_ties: bool) -> Population:
    """The surveyed children of ``population.from_files`` with their nominations as the
    start network. Gender, left-behind status and traits the files do not give are drawn
    as for a generated class (traits from the Betas with the left-behind shift); family
    details are always drawn. Raises DataError for files that do not fit the scenario."""
    files = p.from_files
    if files is None:
        raise ValueError("survey_population needs population.from_files")
    survey = read_survey(files.edges, files.matrix, files.attributes)
    check_survey(survey, cross_class_ties, max_outdegree)
    n = survey.n
    lb = rng.random(n) < p.left_behind_share if survey.lb is None else survey.lb.astype(bool)
    girl = rng.random(n) < p.girl_share if survey.girl is None else survey.girl.astype(bool)
    migration, guardian, months = draw_family(p, lb, rng)
    traits = draw_traits(traits_section, lb, rng)
    for name, values in survey.traits.items():
        k = Trait[name.upper()]
        traits[k] = np.where(np.isnan(values), traits[k], values)
    size = np.bincount(survey.klass, minlength=len(survey.class_names)).astype(np.int64)
    class_school = np.zeros(len(size), dtype=np.int64)
    class_school[survey.klass] = survey.school
    start, class_unit, class_pos, unit_start, unit_size = units(
        size, class_school, cross_class_ties)
    unit_off = np.concatenate([[0], np.cumsum(unit_size ** 2)[:-1]]).astype(np.int64)
    xbuf = np.zeros(int((unit_size ** 2).sum()), dtype=np.int8)
    unit = class_unit[survey.klass]  # each child's unit (ties never leave it: checked)
    f, t = survey.tie_from, survey.tie_to
    u = unit[f]
    xbuf[unit_off[u] + (f - unit_start[u]) * unit_size[u] + (t - unit_start[u])] = 1
    return Population(
        school=survey.school, klass=survey.klass, lb=lb, girl=girl, migration=migration,
        guardian=guardian, separation_months=months, traits=traits, start=start, size=size,
        class_school=class_school, class_unit=class_unit, class_pos=class_pos,
        unit_start=unit_start, unit_size=unit_size, unit_off=unit_off, xbuf=xbuf,
        ids=survey.ids.copy(), class_names=np.array(survey.class_names, dtype=object))


# Population fields that hold indices, and what each indexes (so stacking offsets them).
_INDEX_OF = {"school": "schools", "klass": "classes", "start": "children",
             "class_school": "schools", "class_unit": "units", "unit_start": "children",
             "unit_off": "cells"}


def stack_populations(pops: list[Population]) -> Population:
    """One population holding ``pops`` side by side (replicas of a scenario run as one
    model): schools, classes, units and children of ``pops[1]`` follow those of
    ``pops[0]``, and so on; every index is offset accordingly."""
    if len(pops) == 1:
        return pops[0]
    offsets = {"schools": 0, "classes": 0, "units": 0, "children": 0, "cells": 0}
    parts: dict[str, list[np.ndarray]] = {f.name: [] for f in fields(Population)}
    for pop in pops:
        for name in parts:
            value = getattr(pop, name)
            if name in _INDEX_OF:
                value = value + offsets[_INDEX_OF[name]]
            parts[name].append(value)
        offsets["schools"] += int(pop.class_school.max()) + 1 if pop.n_classes else 0
        offsets["classes"] += pop.n_classes
        offsets["units"] += pop.n_units
        offsets["children"] += pop.n_children
        offsets["cells"] += len(pop.xbuf)
    axis = {name: (1 if name == "traits" else 0) for name in parts}
    return Population(**{name: np.concatenate(v, axis=axis[name]) for name, v in parts.items()})
