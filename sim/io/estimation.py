"""What to fit, from where the data are: ``lbsim estimate``'s decisions, as a library.

:func:`read_observed` reads the classes named by :class:`Sources` (wave files, a bundled
data set, or a manifest of classes, :mod:`sim.io.manifest`); :func:`fit_observed` fits
them by :func:`sim.saom.estimate`: one class (a :class:`sim.saom.ClassData`), several as
one model with common effects and a rate per class and period (a :class:`sim.saom.Data`,
RSiena's ``sienaGroupCreate``), or each on its own and pooled (``separately``, RSiena's
``siena08``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.data import ClassWaves
from sim.io.fit import FitClass
from sim.io.manifest import read_manifest
from sim.io.read import DataError
from sim.io.waves import (
    bundled_classes,
    read_behaviour_effects,
    read_behaviours,
    read_composition,
    read_waves,
)
from sim.saom import ClassData, Data, Estimate, Model, Parameter, estimate
from sim.saom.names import DUMMY


@dataclass(frozen=True)
class Sources:
    """Where the observed data are: ``waves`` (wave files), ``data`` (a bundled data set,
    :func:`sim.data.names`) or ``classes`` (a manifest); ``covariates`` (``NAME=FILE[:COLUMN]``
    or a data set's ``NAME[:COLUMN]``), ``behaviours`` (``NAME=FILE``), ``behaviour_effects``
    (``NAME=EFFECTS``) and ``composition`` (a change file) as :mod:`sim.io.waves` reads
    them; a manifest names each class's covariates, behaviours and composition itself."""

    waves: Sequence[str | Path] = ()
    data: str | None = None
    classes: str | Path | None = None
    covariates: Sequence[str] = ()
    behaviours: Sequence[str] = ()
    behaviour_effects: Sequence[str] = ()
    composition: str | Path | None = None

    def record(self, effects: str) -> dict:
        """The sources as a saved fit records them (:func:`sim.io.fit.save_fit`)."""
        out = {"data": self.data, "waves": [str(Path(w).resolve()) for w in self.waves],
               "effects": effects, "covariate": list(self.covariates),
               "behaviour": list(self.behaviours),
               "behaviour_effects": list(self.behaviour_effects),
               "composition": None if self.composition is None
               else str(Path(self.composition).resolve())}
        if self.classes is not None:
            out["classes"] = str(Path(self.classes).resolve())
        return out


@dataclass(frozen=True)
class Observed:
    """The classes to fit (one, or several) and the behaviours' effects (name -> effects)."""

    classes: tuple[ClassWaves, ...]
    behaviour_effects: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Fitted:
    """A fit: ``report`` (what ``lbsim estimate`` prints), ``estimate`` (the one model;
    None for separate fits), ``fits`` (every fit), and what a saved fit records of the data
    (``classes``) and the model options (``model``)."""

    report: str
    estimate: Estimate | None
    fits: list[Estimate]
    classes: list[FitClass]
    model: dict


def read_observed(sources: Sources) -> Observed:
    """The classes ``sources`` name, read and checked.

    Parameters
    ----------
    sources : Sources
        Wave files, a bundled data set or a manifest, and the options that go with them.

    Returns
    -------
    Observed
        The classes: a manifest's, a several-class data set's (when no covariates or
        behaviours are named), or the one class of the wave files or data set.
    """
    if sources.classes is not None:
        given = [what for what, v in (("wave files", sources.waves), ("a data set",
                 sources.data), ("covariates", sources.covariates), ("behaviours",
                 sources.behaviours), ("a composition file", sources.composition)) if v]
        if given:
            raise DataError(f"a manifest of classes names each class's waves, covariates, "
                            f"behaviours and composition; {', '.join(given)} given as well")
        classes = tuple(read_manifest(sources.classes))
        effects = read_behaviour_effects(sources.behaviour_effects, list(classes[0].behaviours))
        return Observed(classes, effects)
    several = bundled_classes(sources.data) if sources.data is not None \
        and not sources.waves and "/" not in sources.data and not sources.covariates \
        and not sources.behaviours else ()
    if len(several) > 1:
        if sources.composition is not None:
            raise DataError("a composition file is for the waves of one class; give its "
                            "wave files")
        return Observed(several)
    nets, covs = read_waves(sources.waves, sources.data, sources.covariates)
    behaviours, effects = read_behaviours(sources.behaviours, sources.behaviour_effects,
                                          sources.data, len(nets))
    changes = None if sources.composition is None else read_composition(sources.composition)
    return Observed((ClassWaves("", tuple(nets), covs, behaviours, changes),), effects)



def parse_fixed(given: Sequence[str]) -> dict[str, float | None]:
    """``--fix`` values, ``NAME`` or ``NAME=VALUE``, as a mapping of names to values (None
    without one); DataError naming a bad one."""
    out: dict[str, float | None] = {}
    for item in given:
        name, _, value = item.partition("=")
        name = name.strip()
        if not name:
            raise DataError(f"--fix {item!r}: allowed: NAME or NAME=VALUE, e.g. inPop or "
                            f"recip=1.5")
        try:
            number = float(value) if value.strip() else None
        except ValueError:
            number = float("nan")
        if number is not None and not math.isfinite(number):
            raise DataError(f"--fix {item!r}: the value {value!r} is not a finite number")
        if name in out:
            raise DataError(f"--fix {item!r}: {name} is fixed twice; give each effect once")
        out[name] = number
    return out


def parse_time_dummies(given: Sequence[str]) -> list[str]:
    """``--time-dummy`` values, ``EFFECT:PERIOD`` (``recip:2``, ``egoX:alcohol:3``), as
    the parameters' names (``recip x period 2``, RSiena's ``includeTimeDummy``);
    DataError naming a bad one."""
    out = []
    for item in given:
        effect, _, period = item.strip().rpartition(":")
        if not effect or not period.strip().isdigit() or int(period) < 2:
            raise DataError(f"--time-dummy {item!r}: allowed: EFFECT:PERIOD with a period "
                            f"2, 3, ... (period 1 is the reference), e.g. recip:2")
        out.append(f"{effect.strip()}{DUMMY}{int(period)}")
    return out


def model_of(effects: Sequence[str], behaviour_effects: Mapping[str, Sequence[str]],
             fixed: Mapping[str, float | None] | None = None,
             max_outdegree: int | None = None) -> Model:
    """The model ``lbsim estimate`` fits: ``effects`` (network) and ``behaviour_effects``
    (per behaviour), with the parameters in ``fixed`` held at the values given (None: the
    default start, 0 for effects other than density; a name that is not among the
    effects adds it, a behaviour's as ``<behaviour>: <effect>``), at most
    ``max_outdegree`` nominations (RSiena's ``MaxDegree``)."""
    fixed = dict(fixed or {})
    network: dict[str, float | None] = dict.fromkeys(effects)
    behaviour = {b: dict.fromkeys(e, 0.0) for b, e in behaviour_effects.items()}
    for name, value in fixed.items():
        p = Parameter.parse(name, list(behaviour))
        if p.is_rate:
            raise ValueError(f"--fix {name}: rates are estimated; allowed: an effect, e.g. "
                             f"--fix inPop or --fix recip=1.5")
        if not p.behaviour:
            network[str(p)] = value
        elif p.behaviour not in behaviour:
            raise ValueError(f"--fix {name}: no behaviour {p.behaviour!r} in the model; "
                             f"behaviours: {', '.join(behaviour) or 'none (--behaviour)'}")
        else:
            behaviour[p.behaviour][p.effect] = 0.0 if value is None else value
    return Model(network, fixed=tuple(Parameter.parse(n, list(behaviour)) for n in fixed),
                 max_outdegree=max_outdegree,
                 behaviour_effects=behaviour or None)


def fit_observed(observed: Observed, effects: Sequence[str], *, separately: bool = False,
                 conditional: bool = False, seed: int = 1,
                 fixed: Mapping[str, float | None] | None = None,
                 max_outdegree: int | None = None, scheduler: Any = None) -> Fitted:
    """Fit ``observed``: one class alone, several as one model with common effects, or
    (``separately``) each class on its own, pooled by meta-analysis.

    Parameters
    ----------
    observed : Observed
        The classes (:func:`read_observed`).
    effects : sequence of str
        RSiena short names of the network effects.
    separately : bool
        Fit each of several classes on its own (seeds ``seed``, ``seed + 1``, ...) and pool
        the estimates (:class:`sim.saom.MetaAnalysis`).
    conditional : bool
        RSiena's conditional estimation (``cond = TRUE``): the rates estimated from the
        simulated times, outside the Robbins-Monro iteration (for many classes the way to
        fit them in time linear in their number: docs/speed.md).
    seed : int
        Random seed.
    fixed : mapping of str to float or None, optional
        Parameters held at a value (:func:`model_of`).
    max_outdegree : int, optional
        At most this many nominations (RSiena's ``MaxDegree``).
    scheduler : str or dask.distributed.Client, optional
        Simulate on Dask workers (:func:`sim.saom.estimate`'s ``scheduler``; not with
        ``separately``).

    Returns
    -------
    Fitted
    """
    classes = observed.classes
    names = [c.name for c in classes]
    waves = [list(c.waves) for c in classes]
    covariates = [dict(c.covariates) for c in classes]
    has_behaviours = any(c.behaviours for c in classes)
    has_composition = any(c.composition is not None for c in classes)
    if separately:
        if scheduler is not None:
            raise ValueError("separate fits run here, not on Dask workers; drop the "
                             "scheduler or --separately")
        if len(classes) < 2:
            raise ValueError("separate fits need several classes (a data set of several, "
                             "e.g. baerveldt, or a manifest); these data are one class")
        if conditional or has_behaviours or has_composition:
            raise ValueError("separate fits take networks with covariates, estimated "
                             "unconditionally; these have "
                             + ", ".join(w for w, v in (("conditional estimation", conditional),
                                                        ("behaviours", has_behaviours),
                                                        ("composition change",
                                                         has_composition)) if v))
        meta = estimate(Data.from_records(classes),
                        model_of(effects, {}, fixed, max_outdegree), seed=seed,
                        separately=True)
        return Fitted(meta.table(), None, list(meta.fits), [], {})
    if len(classes) > 1:
        behaviours = [dict(c.behaviours) for c in classes] if has_behaviours else None
        compositions = [c.composition for c in classes] if has_composition else None
        est = estimate(Data.from_records(classes),
                       model_of(effects, observed.behaviour_effects, fixed, max_outdegree),
                       seed=seed, conditional=conditional, scheduler=scheduler)
        head = f"{len(classes)} classes ({', '.join(names)})"
        model: dict[str, Any] = {} if not (has_behaviours or has_composition) else {
            "behaviours": behaviours, "behaviour_effects": observed.behaviour_effects,
            "compositions": compositions}
        if conditional:
            model["conditional"] = True
    else:
        (c,) = classes
        est = estimate(ClassData.from_record(c),
                       model_of(effects, observed.behaviour_effects, fixed, max_outdegree),
                       seed=seed, conditional=conditional, scheduler=scheduler)
        head = f"{len(waves[0])} waves of {len(waves[0][0])} actors"
        model = {"conditional": conditional, "behaviours": c.behaviours,
                 "behaviour_effects": observed.behaviour_effects,
                 "composition": c.composition}
    if fixed:
        model["fixed"] = dict(fixed)
    if max_outdegree is not None:
        model["max_outdegree"] = max_outdegree
    fitted = [FitClass(*c) for c in zip(names, waves, covariates, strict=True)]
    return Fitted(f"{head}, seed {seed}, {est.seconds:.1f} s\n{est.table()}", est, [est],
                  fitted, model)
