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

import numpy as np

from sim.io.survey import check_survey, read_survey
from sim.scenario import Scenario
from sim.vocabulary import ACTOR_COVARIATES, GUARDIANS, MIGRATION, TRAITS, Trait


@dataclass
class Population:
    """Children, classes and network units. Class c holds children start[c] ..
    start[c] + size[c] - 1 and sits at rows class_pos[c] .. of unit class_unit[c]; unit u
    holds children unit_start[u] .. + unit_size[u] - 1, its network is
    xbuf[unit_off[u]:unit_off[u] + unit_size[u]**2] (row-major)."""

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
    class_names: np.ndarray | None = None  # (C,) each class's label: a survey's, else index

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

    def network(self, c: int) -> np.ndarray:
        """Class c's adjacency matrix: the ties among its children (a view)."""
        a, n = self.class_pos[c], self.size[c]
        return self.unit_network(self.class_unit[c])[a:a + n, a:a + n]


def actor_covariates(lb: np.ndarray, girl: np.ndarray, traits: np.ndarray) -> np.ndarray:
    """(len(ACTOR_COVARIATES), N): the values of the covariates effects can name, for
    children with left-behind status ``lb``, gender ``girl`` and ``traits`` (rows of
    :class:`~sim.vocabulary.Trait`)."""
    lb = lb.astype(float)
    stigma = traits[Trait.STIGMA]
    values = {"lb": lb, "notlb": 1.0 - lb, "girl": girl.astype(float),
              "felt_stigma": stigma * lb, "prejudice": stigma * (1.0 - lb)}
    values.update({name: traits[k] for k, name in enumerate(TRAITS)})
    return np.stack([values[name] for name in ACTOR_COVARIATES])


def class_sizes(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """One size per class: rounded Normal(mean, sd) clipped to [min, max]."""
    p = scenario.population
    count = p.schools * p.classes_per_school
    sizes = np.rint(rng.normal(p.class_size.mean, p.class_size.sd, count))
    return np.clip(sizes, p.class_size.min, p.class_size.max).astype(np.int64)


def draw_traits(scenario: Scenario, lb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Beta(a, b) per trait, plus the left-behind shift for LBC, clipped to [0, 1]."""
    out = np.empty((len(TRAITS), len(lb)))
    for k, name in enumerate(TRAITS):
        d = getattr(scenario.traits, name)
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


def school_shares(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Each school's left-behind share: Beta with mean ``left_behind_share`` and SD
    ``left_behind_school_sd`` (a = m k, b = (1 - m) k, k = m (1 - m) / sd^2 - 1), or the
    county share everywhere when the SD is 0 (no draw then)."""
    p = scenario.population
    m, sd = p.left_behind_share, p.left_behind_school_sd
    if sd == 0 or m in (0.0, 1.0):
        return np.full(p.schools, m)
    k = m * (1 - m) / sd ** 2 - 1
    return rng.beta(m * k, (1 - m) * k, p.schools)


def build_population(scenario: Scenario, rng: np.random.Generator) -> Population:
    """Draw the schools, classes and children of ``scenario``."""
    p = scenario.population
    if p.from_files is not None:
        return survey_population(scenario, rng)
    size = class_sizes(scenario, rng)
    n_total = int(size.sum())
    class_school = np.repeat(np.arange(p.schools), p.classes_per_school)
    klass = np.repeat(np.arange(len(size)), size)
    lb = rng.random(n_total) < school_shares(scenario, rng)[class_school[klass]]
    girl = rng.random(n_total) < p.girl_share
    migration, guardian, months = draw_family(scenario, lb, rng)
    traits = draw_traits(scenario, lb, rng)
    start, class_unit, class_pos, unit_start, unit_size = units(
        size, class_school, scenario.network.cross_class_ties)
    xbuf, unit_off = random_networks(unit_size, class_unit, class_pos, size,
                                     scenario.network.initial_density,
                                     scenario.network.max_outdegree, rng)
    return Population(class_school[klass], klass, lb, girl, migration, guardian, months,
                      traits, start, size, class_school, class_unit, class_pos, unit_start,
                      unit_size, unit_off.astype(np.int64), xbuf,
                      np.arange(n_total).astype(str).astype(object),
                      np.arange(len(size)).astype(str).astype(object))


def draw_family(scenario: Scenario, lb: np.ndarray, rng: np.random.Generator):
    """Migration type, guardian and months of separation (left-behind children only)."""
    p, n = scenario.population, len(lb)
    mig_names = list(p.migration)
    mig_draw = rng.choice(len(mig_names), n, p=list(p.migration.values()))
    migration = np.where(lb, np.array([MIGRATION.index(k) for k in mig_names])[mig_draw], -1)
    g_names = list(p.guardian)
    g_draw = rng.choice(len(g_names), n, p=list(p.guardian.values()))
    guardian = np.where(lb, np.array([GUARDIANS.index(k) for k in g_names])[g_draw], 0)
    months = np.maximum(0.0, rng.normal(p.separation_months.mean, p.separation_months.sd, n))
    return migration.astype(np.int64), guardian.astype(np.int64), np.where(lb, months, 0.0)


def units(size: np.ndarray, class_school: np.ndarray, cross_class_ties: bool):
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


def survey_population(scenario: Scenario, rng: np.random.Generator) -> Population:
    """The surveyed children of ``population.from_files`` with their nominations as the
    start network. Gender, left-behind status and traits the files do not give are drawn
    as for a generated class (traits from the Betas with the left-behind shift); family
    details are always drawn. Raises DataError for files that do not fit the scenario."""
    files, net = scenario.population.from_files, scenario.network
    survey = read_survey(files.edges, files.matrix, files.attributes)
    check_survey(survey, net.cross_class_ties, net.max_outdegree)
    n, p = survey.n, scenario.population
    lb = rng.random(n) < p.left_behind_share if survey.lb is None else survey.lb.astype(bool)
    girl = rng.random(n) < p.girl_share if survey.girl is None else survey.girl.astype(bool)
    migration, guardian, months = draw_family(scenario, lb, rng)
    traits = draw_traits(scenario, lb, rng)
    for name, values in survey.traits.items():
        k = Trait[name.upper()]
        traits[k] = np.where(np.isnan(values), traits[k], values)
    size = np.bincount(survey.klass, minlength=len(survey.class_names)).astype(np.int64)
    class_school = np.zeros(len(size), dtype=np.int64)
    class_school[survey.klass] = survey.school
    start, class_unit, class_pos, unit_start, unit_size = units(
        size, class_school, net.cross_class_ties)
    unit_off = np.concatenate([[0], np.cumsum(unit_size ** 2)[:-1]]).astype(np.int64)
    xbuf = np.zeros(int((unit_size ** 2).sum()), dtype=np.int8)
    unit = class_unit[survey.klass]  # each child's unit (ties never leave it: checked)
    f, t = survey.tie_from, survey.tie_to
    u = unit[f]
    xbuf[unit_off[u] + (f - unit_start[u]) * unit_size[u] + (t - unit_start[u])] = 1
    return Population(survey.school, survey.klass, lb, girl, migration, guardian, months,
                      traits, start, size, class_school, class_unit, class_pos, unit_start,
                      unit_size, unit_off, xbuf, survey.ids.copy(),
                      np.array(survey.class_names, dtype=object))


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
