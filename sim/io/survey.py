"""A surveyed class (or school) from files: nominations and attributes checked together.

The children are put in the order the simulator needs, schools then classes contiguous,
each in order of first appearance in the attributes file; ``ids`` keeps the survey's own
ids so exports can use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.io.read import Attributes, DataError, read_adjacency, read_attributes, read_edge_list


@dataclass
class Survey:
    """A surveyed population, children in simulation order.

    Attributes
    ----------
    ids : ndarray
        The children's ids.
    klass : ndarray
        Each child's class, 0..C-1.
    school : ndarray
        Each child's school, 0..S-1.
    class_names, school_names : list of str
        The file's labels of the classes and schools.
    girl, lb : ndarray of bool, or None
        Girls and left-behind children; None when not surveyed.
    traits : dict of str to ndarray
        Trait -> values, NaN where the simulation draws one.
    tie_from, tie_to : ndarray
        The nominations as indices of the nominating and nominated child.
    tie_line : ndarray
        The line each nomination came from.
    ties_file : Path
        The file of the nominations.
    """

    ids: np.ndarray
    klass: np.ndarray
    school: np.ndarray
    class_names: list[str]
    school_names: list[str]
    girl: np.ndarray | None
    lb: np.ndarray | None
    traits: dict[str, np.ndarray]
    tie_from: np.ndarray
    tie_to: np.ndarray
    tie_line: np.ndarray
    ties_file: Path

    @property
    def n(self) -> int:
        return len(self.ids)


def _one_class(n: int, path: Path) -> Attributes:
    """Attributes for a matrix read without an attributes file: ids 1..n, one class."""
    ids = [str(k + 1) for k in range(n)]
    return Attributes(path, ids, [0] * n, ["1"] * n, ["1"] * n, None, None, {})


def read_survey(edges: str | Path | None = None, matrix: str | Path | None = None,
                attributes: str | Path | None = None) -> Survey:
    """Read an edge list or a matrix (exactly one) and the attributes file (optional for a
    matrix: then ids 1..n in one class). Raises DataError naming the file and line.

    Parameters
    ----------
    edges : str or Path, optional
        An edge list (CSV with header ``from,to``; :func:`sim.io.read.read_edge_list`).
    matrix : str or Path, optional
        An adjacency matrix (:func:`sim.io.read.read_adjacency`).
    attributes : str or Path, optional
        The attributes CSV (:func:`sim.io.read.read_attributes`).

    Returns
    -------
    Survey
        The children and their nominations.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = Path(folder.name) / "class.txt"
    >>> _ = path.write_text("0 1 0\\n0 0 1\\n1 1 0\\n")
    >>> survey = read_survey(matrix=path)
    >>> list(survey.ids), survey.class_names
    (['1', '2', '3'], ['1'])
    >>> [(int(i), int(j)) for i, j in zip(survey.tie_from, survey.tie_to)]  # i names j
    [(0, 1), (1, 2), (2, 0), (2, 1)]
    >>> read_survey(edges=path)
    Traceback (most recent call last):
    sim.io.read.DataError: an edge list needs an attributes file (it lists every child)
    >>> folder.cleanup()
    """
    if (edges is None) == (matrix is None):
        raise DataError("give either an edge list or an adjacency matrix, not both or none")
    if edges is not None and attributes is None:
        raise DataError("an edge list needs an attributes file (it lists every child)")
    if matrix is not None:
        x = read_adjacency(matrix)
        attrs = read_attributes(attributes) if attributes is not None else \
            _one_class(len(x), Path(matrix))
        if len(x) != len(attrs.ids):
            raise DataError(f"{matrix}: {len(x)} rows but {attrs.path} lists "
                            f"{len(attrs.ids)} children; allowed: one row per child, in the "
                            f"attributes file's order")
        src, dst = np.nonzero(x)
        lines = _matrix_lines(Path(matrix))[src]
        ties_file = Path(matrix)
    else:
        assert edges is not None and attributes is not None  # both checked above
        attrs = read_attributes(attributes)
        index = {i: k for k, i in enumerate(attrs.ids)}
        froms: list[int] = []
        tos: list[int] = []
        line_numbers: list[int] = []
        for k, a, b in read_edge_list(edges):
            for who in (a, b):
                if who not in index:
                    raise DataError(f"{edges}, line {k}: id {who!r} is not in {attrs.path}; "
                                    f"allowed: the ids of the attributes file")
            froms.append(index[a])
            tos.append(index[b])
            line_numbers.append(k)
        src, dst, lines = (np.array(v, dtype=np.int64) for v in (froms, tos, line_numbers))
        ties_file = Path(edges)
    return _ordered(attrs, src, dst, lines, ties_file)


def _matrix_lines(path: Path) -> np.ndarray:
    """The line number of each non-blank line (matrix row) of a file."""
    text = path.read_text(encoding="utf-8-sig").splitlines()
    return np.array([k for k, s in enumerate(text, 1) if s.strip()], dtype=np.int64)


def _ordered(attrs: Attributes, src, dst, lines, ties_file: Path) -> Survey:
    """Sort children by school, then class, by first appearance; renumber the ties."""
    school_names = list(dict.fromkeys(attrs.school))
    class_names = []
    class_school: dict[str, tuple[str, int]] = {}
    for s, c, k in zip(attrs.school, attrs.klass, attrs.line, strict=True):
        if c in class_school and class_school[c][0] != s:
            raise DataError(f"{attrs.path}, line {k}: class {c!r} is in school "
                            f"{class_school[c][0]!r} on line {class_school[c][1]}; a class "
                            f"belongs to one school")
        class_school.setdefault(c, (s, k))
    for s in school_names:
        class_names += [c for c in dict.fromkeys(attrs.klass) if class_school[c][0] == s]
    klass = np.array([class_names.index(c) for c in attrs.klass], dtype=np.int64)
    order = np.argsort(klass, kind="stable")  # schools are contiguous in class order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    school = np.array([school_names.index(class_school[c][0]) for c in class_names])
    return Survey(np.array(attrs.ids, dtype=object)[order], klass[order], school[klass[order]],
                  class_names, school_names,
                  None if attrs.girl is None else attrs.girl[order],
                  None if attrs.lb is None else attrs.lb[order],
                  {t: v[order] for t, v in attrs.traits.items()},
                  rank[np.asarray(src, dtype=np.int64)], rank[np.asarray(dst, dtype=np.int64)],
                  np.asarray(lines, dtype=np.int64), ties_file)


def check_survey(survey: Survey, cross_class_ties: bool, max_outdegree: int | None) -> None:
    """Ties must stay within a class (within a school with ``cross_class_ties``) and no
    child may name more than ``max_outdegree``. Raises DataError naming the line."""
    f, t = survey.tie_from, survey.tie_to
    unit = survey.school if cross_class_ties else survey.klass
    bad = np.flatnonzero(unit[f] != unit[t])
    if len(bad):
        k = bad[np.argmin(survey.tie_line[bad])]
        a, b = survey.ids[f[k]], survey.ids[t[k]]
        if cross_class_ties:
            what = (f"{a} (school {survey.school_names[survey.school[f[k]]]}) names {b} "
                    f"(school {survey.school_names[survey.school[t[k]]]}); allowed: ties "
                    f"within a school")
        else:
            what = (f"{a} (class {survey.class_names[survey.klass[f[k]]]}) names {b} (class "
                    f"{survey.class_names[survey.klass[t[k]]]}); allowed: ties within a "
                    f"class, or set network.cross_class_ties: true for ties within a school")
        raise DataError(f"{survey.ties_file}, line {survey.tie_line[k]}: {what}")
    if max_outdegree is not None and len(f):
        out = np.bincount(f, minlength=survey.n)
        i = int(np.argmax(out))
        if out[i] > max_outdegree:
            k = survey.tie_line[f == i].max()
            raise DataError(f"{survey.ties_file}, line {k}: {survey.ids[i]} names "
                            f"{out[i]} friends, more than network.max_outdegree "
                            f"({max_outdegree}); allowed: set network.max_outdegree to at "
                            f"least {out.max()}, or null for no cap")
