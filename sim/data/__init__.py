"""Public classroom network data sets bundled with lbsim.

``load(name)`` returns a :class:`Dataset`: its classes, each with its observed waves (n x n
adjacency matrices, row i names column j) and actor covariates (one row per actor, one
column per wave), and the description of its README (source, citation, coding).

Waves without missing cells are int8 0/1 matrices. A wave with missing cells (``NA`` in
the files) is float64 with NaN at each missing cell and 0 on the diagonal; an absent
respondent is a row of NaN (RSiena's convention for missing tie variables).

>>> import sim.data
>>> s50 = sim.data.load("s50")
>>> s50.waves[0].shape, s50.covariates["alcohol"].shape
((50, 50), (50, 3))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

# name -> (folder, ((class name, wave files), ...), {covariate: file})
_REGISTRY = {
    "s50": ("s50", (("s50", ("s50-w1.txt", "s50-w2.txt", "s50-w3.txt")),),
            {"alcohol": "s50-alcohol.txt", "smoking": "s50-smoking.txt"}),
    "vdbunt": ("vdbunt", (("vdbunt", ("vdbunt-w1.txt", "vdbunt-w2.txt")),), {}),
    "baerveldt": ("baerveldt",
                  tuple((f"school{k}", (f"school{k}-w1.txt", f"school{k}-w2.txt"))
                        for k in ("01", "03", "04", "06")), {}),
}


@dataclass(frozen=True)
class ClassWaves:
    """One class: ``waves`` (n x n matrices, one per observation), ``covariates``
    (name -> (n, waves) array, or (n,) for one constant over the waves), dependent
    ``behaviours`` (name -> (n, waves) array) and ``composition`` (actors joining and
    leaving: per actor its intervals of presence, RSiena's change list; None if none)."""

    name: str
    waves: tuple[np.ndarray, ...]
    covariates: dict[str, np.ndarray] = field(default_factory=dict)
    behaviours: dict[str, np.ndarray] = field(default_factory=dict)
    composition: list[list[float]] | None = None

    @property
    def n(self) -> int:
        return self.waves[0].shape[0]

    def missing(self, wave: int) -> np.ndarray:
        """Boolean n x n mask of the missing cells of wave ``wave`` (0-based)."""
        w = self.waves[wave]
        return np.isnan(w) if w.dtype.kind == "f" else np.zeros(w.shape, bool)


@dataclass(frozen=True)
class Dataset:
    """A bundled data set: one or more classes observed in waves, and its README."""

    name: str
    classes: tuple[ClassWaves, ...]
    description: str

    @property
    def title(self) -> str:
        """The README's heading after the name: what the data are."""
        return self.description.splitlines()[0].lstrip("# ").partition(": ")[2].strip()

    def _only(self) -> ClassWaves:
        if len(self.classes) != 1:
            names = ", ".join(f"{self.name}/{c.name}" for c in self.classes)
            raise AttributeError(f"data set {self.name!r} has {len(self.classes)} classes; "
                                 f"use .classes or load one of: {names}")
        return self.classes[0]

    @property
    def waves(self) -> tuple[np.ndarray, ...]:
        """The waves of a one-class data set."""
        return self._only().waves

    @property
    def covariates(self) -> dict[str, np.ndarray]:
        """The actor covariates of a one-class data set (name -> (n, waves))."""
        return self._only().covariates

    def __repr__(self) -> str:
        parts = []
        for c in self.classes:
            missing = sum(int(c.missing(k).sum()) for k in range(len(c.waves)))
            covs = f", covariates {', '.join(c.covariates)}" if c.covariates else ""
            miss = f", {missing} missing cells" if missing else ""
            parts.append(f"{c.name}: {c.n} actors, {len(c.waves)} waves{covs}{miss}")
        return f"Dataset({self.name!r}: {self.title}; " + "; ".join(parts) + ")"


def names() -> list[str]:
    """The bundled data sets' names (a class of a several-class set is ``name/class``).

    Examples
    --------
    >>> names()[:3]
    ['s50', 'vdbunt', 'baerveldt']
    >>> "baerveldt/school01" in names()
    True
    """
    out = []
    for name, (_, classes, _) in _REGISTRY.items():
        out.append(name)
        if len(classes) > 1:
            out += [f"{name}/{c}" for c, _ in classes]
    return out


def _read(text: str, source: str) -> np.ndarray:
    rows = [line.split() for line in text.splitlines() if line.strip()]
    values = np.array([[np.nan if v == "NA" else float(v) for v in r] for r in rows])
    if values.ndim != 2:
        raise ValueError(f"{source}: rows of unequal length")
    return values


def _wave(values: np.ndarray) -> np.ndarray:
    np.fill_diagonal(values, 0.0)
    return values if np.isnan(values).any() else values.astype(np.int8)


def load(name: str) -> Dataset:
    """The bundled data set ``name`` (see :func:`names`); ``"baerveldt/school01"`` gives
    one class of a several-class set."""
    base, _, one = name.partition("/")
    if base not in _REGISTRY:
        raise ValueError(f"no bundled data set {name!r}; allowed: {', '.join(names())}")
    directory, classes, covariate_files = _REGISTRY[base]
    if one and one not in {c for c, _ in classes}:
        raise ValueError(f"data set {base!r} has no class {one!r}; allowed: "
                         f"{', '.join(f'{base}/{c}' for c, _ in classes)}")
    root = resources.files(__name__) / directory
    out = []
    for cname, files in classes:
        if one and cname != one:
            continue
        waves = tuple(_wave(_read((root / f).read_text(), f"{directory}/{f}")) for f in files)
        covs = {k: _read((root / f).read_text(), f"{directory}/{f}")
                for k, f in covariate_files.items()}
        out.append(ClassWaves(cname, waves, covs))
    return Dataset(name, tuple(out), (root / "README.md").read_text())


def folder(name: str) -> Path:
    """The folder holding data set ``name``'s files (installed with the package)."""
    if name.partition("/")[0] not in _REGISTRY:
        raise ValueError(f"no bundled data set {name!r}; allowed: {', '.join(names())}")
    return Path(str(resources.files(__name__) / _REGISTRY[name.partition("/")[0]][0]))
