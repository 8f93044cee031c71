"""Observed data for estimation, as RSiena's ``sienaDataCreate`` (one class,
:class:`ClassData`) and ``sienaGroupCreate`` (several classes, :class:`Data`).

A class's data: its waves (n x n 0/1 networks; ``NaN`` a missing tie; RSiena's structural
codes 10 and 11 a tie fixed absent or present), constant actor covariates (n,), constant
dyadic covariates (n, n), dependent behaviours ((n, waves) integers, ``NaN`` missing, or
:class:`sim.saom.behaviour.Behaviour`), RSiena's composition change list (per actor its
intervals of presence in wave time, :mod:`sim.saom.composition`) and structural zeros
(n x n, 1 forbids the tie in every period). The shapes are checked here; the values when
a model is fitted to them (:func:`sim.saom.estimate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Protocol

import numpy as np
import numpy.typing as npt

from sim.saom import behaviour as bh


class Record(Protocol):
    """A class's record of waves, as :class:`sim.data.ClassWaves`: its name, waves,
    covariates ((n,) or (n, waves)), behaviours and composition change."""

    @property
    def name(self) -> str: ...
    @property
    def waves(self) -> Sequence[np.ndarray]: ...
    @property
    def covariates(self) -> Mapping[str, np.ndarray]: ...
    @property
    def behaviours(self) -> Mapping[str, np.ndarray]: ...
    @property
    def composition(self) -> Sequence | None: ...


class Records(Protocol):
    """Records of classes, as a bundled :class:`sim.data.Dataset`."""

    @property
    def classes(self) -> Sequence[Record]: ...


def _frozen(mapping: Mapping | None, what: str) -> Mapping:
    if mapping is None:
        return MappingProxyType({})
    if not isinstance(mapping, Mapping):
        raise ValueError(f"{what}: a mapping of names to arrays, got "
                         f"{type(mapping).__name__}")
    bad = [k for k in mapping if not isinstance(k, str) or not k or " " in k]
    if bad:
        raise ValueError(f"{what}: name {bad[0]!r}; allowed: non-empty names without spaces")
    return MappingProxyType(dict(mapping))


def covariates(mapping: Mapping | None, what: str, shape: tuple[int, ...] | None) -> Mapping:
    """``mapping`` (names to arrays) read-only, each array checked to have ``shape``
    ((n,) actor, (n, n) dyadic covariates; None: any); raises ValueError naming
    ``what[name]``."""
    given = _frozen(mapping, what)
    for k, v in given.items():
        if shape is not None and np.shape(v) != shape:
            raise ValueError(f"{what}[{k!r}]: shape {np.shape(v)}; allowed: {shape}, one "
                             f"value per actor" + (" pair" if len(shape) == 2 else ""))
    return given


@dataclass(frozen=True)
class ClassData:
    """One class's observed data (module docstring; RSiena's ``sienaDataCreate``).

    Parameters
    ----------
    waves : sequence of array_like
        At least two n x n networks (or an (W, n, n) array).
    covariates, dyadic : mapping of str to array_like, optional
        Constant actor covariates (n,) and dyadic covariates (n, n).
    behaviours : mapping of str to array_like or Behaviour, optional
        Dependent behaviours, one column per wave.
    composition : sequence, optional
        Joiners and leavers: per actor its intervals of presence, e.g. ``(1.4, 3)``.
    structural_zeros : array_like, optional
        n x n, 1 forbids the tie.
    name : str
        The class's name (its rates are ``rate <name> <period>`` when several classes are
        fitted together).
    """

    waves: Sequence[np.ndarray] | np.ndarray  # a tuple of n x n arrays once made
    covariates: Mapping[str, np.ndarray] = field(default_factory=dict)
    dyadic: Mapping[str, np.ndarray] = field(default_factory=dict)
    behaviours: Mapping[str, np.ndarray | bh.Behaviour] = field(default_factory=dict)
    composition: Sequence | None = None
    structural_zeros: npt.ArrayLike | None = None
    name: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or any(c.isspace() for c in self.name):
            raise ValueError(f"class name {self.name!r}: allowed: a name without spaces")
        where = f"class {self.name}: " if self.name else ""
        waves = self.waves
        if isinstance(waves, np.ndarray) and waves.ndim == 3:
            waves = list(waves)
        if isinstance(waves, np.ndarray | str) or not isinstance(waves, Sequence) \
                or len(waves) < 2:
            raise ValueError(f"{where}waves: a sequence of at least two n x n networks, got "
                             f"{type(self.waves).__name__}")
        waves = tuple(np.array(w) for w in waves)
        for k, w in enumerate(waves):
            shape = " x ".join(map(str, w.shape)) or "a scalar"
            if w.ndim != 2 or w.shape[0] != w.shape[1] or w.dtype.kind not in "biuf":
                raise ValueError(f"{where}wave {k + 1}: {shape} of {w.dtype}; allowed: a square "
                                 f"n x n matrix of numbers (0, 1, 10, 11 or NaN)")
            if w.shape != waves[0].shape:
                raise ValueError(f"{where}wave {k + 1}: {shape}, wave 1 is "
                                 f"{waves[0].shape[0]} x {waves[0].shape[1]}; allowed: the same "
                                 f"actors in every wave")
        n = waves[0].shape[0]
        object.__setattr__(self, "waves", waves)
        for k, v in (self.covariates.items() if isinstance(self.covariates, Mapping) else ()):
            if np.ndim(v) == 2 and np.shape(v)[0] == n:
                raise ValueError(f"{where}covariates[{k!r}]: shape {np.shape(v)}, one column "
                                 f"per wave; allowed: ({n},), one constant value per actor: "
                                 f"take one wave's column, as ClassData.from_record(record, "
                                 f"wave=1) does")
        for what, shape in (("covariates", (n,)), ("dyadic", (n, n))):
            object.__setattr__(self, what, covariates(getattr(self, what), f"{where}{what}",
                                                      shape))
        behaviours = _frozen(self.behaviours, f"{where}behaviours")
        for k, v in behaviours.items():
            shape = v.waves.shape if isinstance(v, bh.Behaviour) else np.shape(v)
            if len(shape) != 2 or shape != (n, len(waves)):
                raise ValueError(f"{where}behaviours[{k!r}]: shape {shape}; allowed: "
                                 f"({n}, {len(waves)}), one column per wave")
        object.__setattr__(self, "behaviours", behaviours)
        if self.composition is not None and (isinstance(self.composition, str | bytes)
                                             or len(self.composition) != n):
            size = "a string" if isinstance(self.composition, str | bytes) else \
                f"{len(self.composition)} entries"
            raise ValueError(f"{where}composition has {size}; give one per actor ({n})")
        if self.structural_zeros is not None and np.shape(self.structural_zeros) != (n, n):
            raise ValueError(f"{where}structural_zeros: shape "
                             f"{np.shape(self.structural_zeros)}; allowed: ({n}, {n})")

    @property
    def n(self) -> int:
        """The number of actors."""
        return self.waves[0].shape[0]

    @classmethod
    def from_record(cls, record: Record, wave: int = 1) -> ClassData:
        """One class's record of waves (:class:`sim.data.ClassWaves`: a bundled data set's,
        :func:`sim.data.load`, or a manifest's, :func:`sim.io.manifest.read_manifest`) as
        ClassData: covariates observed at every wave ((n, waves)) held constant at wave
        ``wave``'s values (RSiena's constant covariate, ``coCovar``, is usually the first
        wave's), constant ones ((n,)) as they are; behaviours, composition and name carried.

        Parameters
        ----------
        record : sim.data.ClassWaves
            The class's waves, covariates, behaviours and composition change.
        wave : int
            The wave (from 1) whose covariate values are taken.

        Returns
        -------
        ClassData
        """
        where = f"class {record.name}: " if record.name else ""
        covariates = {}
        for k, v in record.covariates.items():
            v = np.asarray(v)
            if v.ndim == 2:
                if isinstance(wave, bool) or not isinstance(wave, int | np.integer) \
                        or not 1 <= wave <= v.shape[1]:
                    raise ValueError(f"{where}covariates[{k!r}] has {v.shape[1]} waves; "
                                     f"wave {wave!r} asked; allowed: 1 to {v.shape[1]}")
                v = v[:, wave - 1]
            covariates[k] = v
        return cls(record.waves, covariates=covariates, behaviours=record.behaviours,
                   composition=record.composition, name=record.name)


@dataclass(frozen=True)
class Data:
    """Several classes as one data set (RSiena's ``sienaGroupCreate``): the same actor
    and dyadic covariates and behaviours in every class; classes may differ in size and
    number of waves. Unnamed classes are named 1, 2, ... by their position.

    Parameters
    ----------
    classes : sequence of ClassData
        The classes, with distinct names (records of waves, :class:`sim.data.ClassWaves`,
        convert with :meth:`from_records`).
    """

    classes: Sequence[ClassData]  # a tuple, the unnamed classes named, once made

    def __post_init__(self):
        classes = self.classes
        if isinstance(classes, ClassData):
            classes = (classes,)
        if not isinstance(classes, Sequence) or not classes \
                or not all(isinstance(c, ClassData) for c in classes):
            got = sorted({type(c).__name__ for c in classes}) \
                if isinstance(classes, Sequence) else [type(classes).__name__]
            hint = "; convert records of waves with Data.from_records(records) (or one " \
                   "with ClassData.from_record(record))" \
                if {"ClassWaves", "Dataset"} & set(got) else ""
            raise ValueError(f"Data classes: a non-empty list of ClassData, got "
                             f"{', '.join(got) or 'an empty list'}{hint}")
        classes = tuple(c if c.name else replace(c, name=str(g + 1))
                        for g, c in enumerate(classes))
        names = [c.name for c in classes]
        twice = sorted({k for k in names if names.count(k) > 1})
        if twice:
            raise ValueError(f"Data classes: name {twice[0]!r} given twice; allowed: distinct "
                             f"names")
        for what, label in (("covariates", "actor covariates"),
                            ("dyadic", "dyadic covariates"), ("behaviours", "behaviours")):
            keys = [sorted(getattr(c, what)) for c in classes]
            if any(k != keys[0] for k in keys):
                raise ValueError(f"Data {what}: every class needs the same {label} (the same "
                                 f"names in every class); classes have "
                                 + "; ".join(", ".join(k) or "none" for k in keys))
        object.__setattr__(self, "classes", classes)

    @property
    def names(self) -> tuple[str, ...]:
        """The classes' names."""
        return tuple(c.name for c in self.classes)

    @classmethod
    def from_records(cls, records: Sequence[Record] | Records, wave: int = 1) -> Data:
        """Records of classes (:class:`sim.data.ClassWaves`, or a bundled
        :class:`sim.data.Dataset`) as Data, each by :meth:`ClassData.from_record`.

        Parameters
        ----------
        records : sequence of sim.data.ClassWaves, or sim.data.Dataset
            The classes.
        wave : int
            The wave (from 1) whose values covariates observed at every wave take.

        Returns
        -------
        Data
        """
        classes = records if isinstance(records, Sequence) else records.classes
        return cls([ClassData.from_record(r, wave) for r in classes])


def as_data(data: Data | ClassData) -> Data:
    """``data`` as :class:`Data` (one class for a :class:`ClassData`)."""
    if isinstance(data, ClassData):
        return Data((data,))
    if not isinstance(data, Data):
        raise ValueError(f"data: a ClassData (one class) or Data (several), got "
                         f"{type(data).__name__}")
    return data
