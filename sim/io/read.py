"""Read survey files: adjacency matrices, edge lists, attribute tables.

Every problem raises :class:`DataError` naming the file and, where there is one,
the line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


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


def read_adjacency(path) -> np.ndarray:
    """A square 0/1 matrix, whitespace or comma separated, zero diagonal (int8).

    Row i, column j = 1 means i names j.
    """
    path = Path(path)
    rows = _lines(path)
    if not rows:
        raise DataError(f"{path}: empty file; expected a square 0/1 matrix")
    values = []
    for k, text in rows:
        cells = [c.strip() for c in text.split(",")] if "," in text else text.split()
        row = []
        for c in cells:
            try:
                v = float(c)
            except ValueError:
                raise DataError(f"{_where(path, k)}: {c!r} is not a number; "
                                f"allowed: 0 or 1") from None
            if v not in (0.0, 1.0):
                raise DataError(f"{_where(path, k)}: {c!r}; allowed: 0 or 1")
            row.append(int(v))
        values.append((k, row))
    n = len(values)
    for k, row in values:
        if len(row) != n:
            raise DataError(f"{_where(path, k)}: {len(row)} values but the matrix has "
                            f"{n} rows; allowed: a square matrix")
    x = np.array([row for _, row in values], dtype=np.int8)
    for i, (k, _) in enumerate(values):
        if x[i, i]:
            raise DataError(f"{_where(path, k)}: self-nomination (row {i + 1} names "
                            f"itself); allowed: 0 on the diagonal")
    return x
