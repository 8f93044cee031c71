"""Read survey files: adjacency matrices, edge lists, attribute tables.

Every problem raises :class:`DataError` naming the file and, where there is one,
the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.vocabulary import TRAITS


class DataError(ValueError):
    """A survey file that cannot be read: the message names the file and line."""


def _where(path: Path, line: int | None = None) -> str:
    return f"{path}, line {line}" if line is not None else str(path)


def _lines(path: Path):
    """(line number, text) of the non-blank lines of ``path``."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not a UTF-8 text file ({e.reason})") from None
    return [(k, s) for k, s in enumerate(text.splitlines(), 1) if s.strip()]


MISSING = ("NA", "na", "NaN", "nan", ".")
"""How a file may write a missing value (read as NaN where missing values are allowed)."""


def read_table(path: str | Path, allowed: str = "a number",
               missing: bool = False) -> tuple[np.ndarray, list[int]]:
    """A numeric table, whitespace or comma separated, every row the same length: the
    values (float; with ``missing``, :data:`MISSING` cells NaN) and the line number of
    each row."""
    path = Path(path)
    rows = _lines(path)
    if not rows:
        raise DataError(f"{path}: empty file; expected rows of numbers")
    values, lines = [], []
    for k, text in rows:
        cells = [c.strip() for c in text.split(",")] if "," in text else text.split()
        try:
            values.append([np.nan if missing and c in MISSING else float(c) for c in cells])
        except ValueError:
            c = next(c for c in cells if not _is_number(c) and not (missing and c in MISSING))
            raise DataError(f"{_where(path, k)}: {c!r} is not a number; allowed: "
                            f"{allowed}") from None
        if len(cells) != len(values[0]):
            raise DataError(f"{_where(path, k)}: {len(cells)} values, line {rows[0][0]} has "
                            f"{len(values[0])}; allowed: rows of equal length")
        lines.append(k)
    table = np.array(values)
    bad = np.argwhere(~np.isfinite(table) & ~(missing & np.isnan(table)))
    if len(bad):
        raise DataError(f"{_where(path, lines[bad[0][0]])}: {table[tuple(bad[0])]} is not a "
                        f"finite number; allowed: {allowed}")
    return table, lines


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_adjacency(path: str | Path, wave: bool = False) -> np.ndarray:
    """A square 0/1 matrix, whitespace or comma separated, zero diagonal (int8).

    Row i, column j = 1 means i names j. A ``wave`` for estimation may also have missing
    values (:data:`MISSING`, then the matrix is float with NaN) and RSiena's structural
    codes 10 and 11.

    Parameters
    ----------
    path : str or Path
        The matrix file.
    wave : bool
        Read an observed wave for estimation: missing values and structural codes allowed.

    Returns
    -------
    ndarray, shape (n, n)
        int8, or float with NaN for missing ties when ``wave`` is set.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = Path(folder.name) / "wave1.txt"
    >>> _ = path.write_text("0 1 0\\n0 0 1\\n1 1 0\\n")
    >>> read_adjacency(path)
    array([[0, 1, 0],
           [0, 0, 1],
           [1, 1, 0]], dtype=int8)
    >>> _ = path.write_text("0 1 0\\n0 0 2\\n1 1 0\\n")
    >>> read_adjacency(path)
    Traceback (most recent call last):
    sim.io.read.DataError: .../wave1.txt, line 2: 2 in column 3; allowed: 0 or 1
    >>> folder.cleanup()
    """
    path = Path(path)
    allowed = "0, 1, 10, 11 or NA" if wave else "0 or 1"
    table, lines = read_table(path, allowed, missing=wave)
    n = len(table)
    if table.shape[1] != n:
        raise DataError(f"{_where(path, lines[0])}: {table.shape[1]} values per row but "
                        f"{n} rows; allowed: a square matrix")
    ok = np.isin(table, (0, 1, 10, 11) if wave else (0, 1)) | np.isnan(table)
    bad = np.argwhere(~ok)
    if len(bad):
        i, j = bad[0]
        raise DataError(f"{_where(path, lines[i])}: {table[i, j]:g} in column {j + 1}; "
                        f"allowed: {allowed}")
    diagonal = np.flatnonzero(np.nan_to_num(np.diag(table)))
    if len(diagonal):
        i = diagonal[0]
        raise DataError(f"{_where(path, lines[i])}: self-nomination (row {i + 1} names "
                        f"itself); allowed: 0 on the diagonal")
    if np.isnan(table).any():
        np.fill_diagonal(table, 0.0)
        return table
    return table.astype(np.int8)


def _csv_rows(path: Path):
    """(line number, cells) of the non-blank rows of a CSV file, cells stripped."""
    import csv

    rows = _lines(path)
    out = []
    for k, text in rows:
        cells = next(csv.reader([text]))
        out.append((k, [c.strip() for c in cells]))
    return out


def _header(path: Path, rows, required: tuple[str, ...], optional: tuple[str, ...]):
    """Column index by name from the first row; unknown or missing columns are errors."""
    if not rows:
        raise DataError(f"{path}: empty file; expected a header line with "
                        f"{', '.join(required)}")
    k, names = rows[0]
    names = [n.lower() for n in names]
    allowed = required + optional
    for name in names:
        if name not in allowed:
            raise DataError(f"{_where(path, k)}: unknown column {name!r}; allowed: "
                            f"{', '.join(allowed)}")
        if names.count(name) > 1:
            raise DataError(f"{_where(path, k)}: column {name!r} appears twice")
    missing = [n for n in required if n not in names]
    if missing:
        raise DataError(f"{_where(path, k)}: missing column {', '.join(map(repr, missing))}; "
                        f"the header needs {', '.join(required)}")
    return {n: names.index(n) for n in names}


def _cells(path: Path, k: int, cells: list[str], width: int) -> list[str]:
    if len(cells) != width:
        raise DataError(f"{_where(path, k)}: {len(cells)} values, the header has {width}")
    return cells


def read_edge_list(path: str | Path) -> list[tuple[int, str, str]]:
    """Nominations ``(line, from, to)`` from a CSV file with the header ``from,to``.

    Ids are kept as text. Self-nominations and repeated rows are errors.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    list of (int, str, str)
        Each nomination's line in the file, nominating id and nominated id.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = Path(folder.name) / "ties.csv"
    >>> _ = path.write_text("from,to\\nA7,B2\\nB2,A7\\n")
    >>> read_edge_list(path)
    [(2, 'A7', 'B2'), (3, 'B2', 'A7')]
    >>> _ = path.write_text("from,to\\nA7,A7\\n")
    >>> read_edge_list(path)
    Traceback (most recent call last):
    sim.io.read.DataError: .../ties.csv, line 2: ...
    >>> folder.cleanup()
    """
    path = Path(path)
    rows = _csv_rows(path)
    col = _header(path, rows, ("from", "to"), ())
    seen: dict[tuple[str, str], int] = {}
    edges = []
    for k, cells in rows[1:]:
        cells = _cells(path, k, cells, len(col))
        a, b = cells[col["from"]], cells[col["to"]]
        if not a or not b:
            raise DataError(f"{_where(path, k)}: empty id; every row needs from and to")
        if a == b:
            raise DataError(f"{_where(path, k)}: self-nomination ({a} names {a}); allowed: "
                            f"ties between two different children")
        if (a, b) in seen:
            raise DataError(f"{_where(path, k)}: duplicate row {a},{b} (first on line "
                            f"{seen[a, b]})")
        seen[a, b] = k
        edges.append((k, a, b))
    return edges


TRAIT_COLUMNS = TRAITS
"""Trait columns an attributes file may have, on 0..1 (the scenario's traits)."""

ATTRIBUTE_COLUMNS = ("id", "class", "school", "girl", "gender", "left_behind", "lb")
"""The other columns: ``girl`` (yes/no, 1/0) or ``gender`` (girl/boy, f/m, female/male);
``left_behind`` or ``lb`` (yes/no, 1/0); ``class`` and ``school`` are labels."""

_YES = {"1", "yes", "y", "true"}
_NO = {"0", "no", "n", "false"}
_GIRL = {"girl", "f", "female", "g"}
_BOY = {"boy", "m", "male", "b"}


@dataclass
class Attributes:
    """The attributes file, one row per child in file order.

    Attributes
    ----------
    path : Path
        The file.
    ids : list of str
        The children's ids.
    line : list of int
        Each row's line in the file.
    klass : list of str
        Each child's class label.
    school : list of str
        Each child's school label.
    girl : ndarray of bool, or None
        Girls; None when the column is absent.
    lb : ndarray of bool, or None
        Left-behind children; None when the column is absent.
    traits : dict of str to ndarray
        Trait -> values, NaN for blank cells.
    """

    path: Path
    ids: list[str]
    line: list[int]
    klass: list[str]
    school: list[str]
    girl: np.ndarray | None
    lb: np.ndarray | None
    traits: dict[str, np.ndarray]


def _flag(path: Path, k: int, column: str, value: str, yes: set, no: set) -> bool:
    v = value.lower()
    if v in yes:
        return True
    if v in no:
        return False
    raise DataError(f"{_where(path, k)}: {column} {value!r}; allowed: "
                    f"{', '.join(sorted(yes))} or {', '.join(sorted(no))}")


def read_attributes(path: str | Path) -> Attributes:
    """The attributes CSV: ``id`` (required), ``class`` (default one class), ``school``,
    ``girl`` or ``gender``, ``left_behind`` or ``lb``, and any trait columns (blank cells
    are missing values).

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    Attributes
        One row per child; raises :class:`DataError` naming the line of a bad value.
    """
    path = Path(path)
    rows = _csv_rows(path)
    col = _header(path, rows, ("id",), ATTRIBUTE_COLUMNS[1:] + TRAIT_COLUMNS)
    if "girl" in col and "gender" in col:
        raise DataError(f"{_where(path, rows[0][0])}: give girl or gender, not both")
    if "left_behind" in col and "lb" in col:
        raise DataError(f"{_where(path, rows[0][0])}: give left_behind or lb, not both")
    if len(rows) < 2:
        raise DataError(f"{path}: no children, only a header")
    seen: dict[str, int] = {}
    ids, lines, klass, school, girl, lb = [], [], [], [], [], []
    traits: dict[str, list[float]] = {t: [] for t in TRAIT_COLUMNS if t in col}
    for k, cells in rows[1:]:
        cells = _cells(path, k, cells, len(col))
        i = cells[col["id"]]
        if not i:
            raise DataError(f"{_where(path, k)}: empty id")
        if i in seen:
            raise DataError(f"{_where(path, k)}: duplicate id {i!r} (first on line {seen[i]})")
        seen[i] = k
        ids.append(i)
        lines.append(k)
        klass.append(cells[col["class"]] if "class" in col else "1")
        school.append(cells[col["school"]] if "school" in col else "1")
        if not klass[-1] or not school[-1]:
            raise DataError(f"{_where(path, k)}: empty class or school")
        if "girl" in col:
            girl.append(_flag(path, k, "girl", cells[col["girl"]], _YES, _NO))
        elif "gender" in col:
            girl.append(_flag(path, k, "gender", cells[col["gender"]], _GIRL, _BOY))
        for c in ("left_behind", "lb"):
            if c in col:
                lb.append(_flag(path, k, c, cells[col[c]], _YES, _NO))
        for t, values in traits.items():
            cell = cells[col[t]]
            if not cell:
                values.append(np.nan)
                continue
            try:
                v = float(cell)
            except ValueError:
                raise DataError(f"{_where(path, k)}: {t} {cell!r} is not a number; allowed: "
                                f"0 to 1, or blank to draw it") from None
            if not 0 <= v <= 1:
                raise DataError(f"{_where(path, k)}: {t} {cell!r}; allowed: 0 to 1, or blank "
                                f"to draw it")
            values.append(v)
    return Attributes(path, ids, lines, klass, school,
                      np.array(girl) if girl else None, np.array(lb) if lb else None,
                      {t: np.array(v, dtype=float) for t, v in traits.items()})
