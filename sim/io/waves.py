"""Observed waves and actor covariates for estimation, from files or a bundled data set.

``read_waves(files, data, covariates)`` takes wave files (adjacency matrices) or the name
of a bundled data set (:mod:`sim.data`), and covariate specifications as the command line
writes them: ``NAME=FILE[:COLUMN]`` (a table, column from 1) or, with a data set,
``NAME[:COLUMN]`` naming one of its covariates. Problems raise :class:`DataError` saying
what is wrong and what is allowed, naming the arguments by what they hold (a covariate, a
behaviour, a data set), not by the options of a command line.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

import sim.data
from sim.io.read import DataError, _lines, read_adjacency, read_table


def bundled_classes(name: str) -> tuple[sim.data.ClassWaves, ...]:
    """The classes of bundled data set ``name`` (:func:`sim.data.load`), or a DataError."""
    try:
        return sim.data.load(name).classes
    except ValueError as e:
        raise DataError(str(e)) from None


def _bundled_class(name: str) -> tuple[tuple[np.ndarray, ...], dict[str, np.ndarray]]:
    classes = bundled_classes(name)
    if len(classes) > 1:
        raise DataError(f"data set {name!r} has {len(classes)} classes; name one: "
                        + ", ".join(f"{name}/{c.name}" for c in classes))
    return classes[0].waves, classes[0].covariates


def read_groups(data: str) -> tuple[list[str], list[list[np.ndarray]], list[dict]]:
    """The classes of bundled data set ``data``: names, waves, covariates."""
    classes = bundled_classes(data)
    return ([c.name for c in classes], [list(c.waves) for c in classes],
            [dict(c.covariates) for c in classes])


def read_waves(files: Sequence[str | Path] | None, data: str | None,
               covariates: Sequence[str] = ()) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
    """The waves and the named covariates (one value per actor).

    Parameters
    ----------
    files : sequence of str or Path, or None
        One adjacency matrix per wave (:func:`sim.io.read.read_adjacency`), or None.
    data : str or None
        Instead of files: a bundled data set, e.g. ``"s50"`` or ``"baerveldt/school04"``.
    covariates : sequence of str
        Each ``NAME=FILE[:COLUMN]``, or ``NAME[:COLUMN]`` of the bundled data set.

    Returns
    -------
    tuple of (list of ndarray, dict of str to ndarray)
        The waves (NaN = missing tie) and each covariate's values.
    """
    if (data is None) == (not files):
        raise DataError("give the waves either as files or as the name of a bundled data set; "
                        f"{'both were given' if files else 'neither was given'}")
    bundled: dict[str, np.ndarray] = {}
    if data is not None:
        waves, bundled = _bundled_class(data)
        nets = list(waves)
    else:
        assert files, "the check above: files are given when a data set is not"
        for f in files:
            if not Path(f).is_file():
                raise DataError(f"{f} not found (or not a file)")
        nets = [read_adjacency(f, wave=True) for f in files]
    covs = {}
    for spec in covariates:
        name, table, source, col = _named_table(spec, data, bundled, "covariate")
        covs[name] = column(table, col, f"covariate {spec!r}", source)
    return nets, covs


def column(table: np.ndarray, col: str, what: str, source: str) -> np.ndarray:
    """Column ``col`` of ``table`` (text, counted from 1; empty: the first), or a
    DataError starting with ``what`` and naming ``source`` (where the table came from)."""
    if col and not col.isdigit():
        raise DataError(f"{what}: COLUMN must be a whole number >= 1")
    k = int(col or 1)
    if not 1 <= k <= table.shape[1]:
        raise DataError(f"{what}: column {k}; {source} has columns 1..{table.shape[1]}")
    return table[:, k - 1]


def check_behaviour(table: np.ndarray, n_waves: int, what: str, source: str) -> np.ndarray:
    """``table`` if it has a column per wave (a behaviour), else a DataError starting with
    ``what`` and naming ``source``."""
    if table.shape[1] != n_waves:
        raise DataError(f"{what}: {source} has {table.shape[1]} columns; a behaviour needs "
                        f"one per wave ({n_waves})")
    return table


def read_behaviours(specs: Sequence[str], effects: Sequence[str], data: str | None,
                    n_waves: int) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Behaviours ``NAME=FILE`` (one column per wave) or, with a data set, ``NAME=COVARIATE``
    (that covariate's table, e.g. s50's alcohol), and their effects ``NAME=EFFECTS``
    (comma-separated): (name -> (n, waves) array, name -> effect names)."""
    bundled = _bundled_class(data)[1] if data is not None else {}
    out = {}
    for spec in specs:
        name, eq, rest = spec.partition("=")
        if data is not None and eq and rest in bundled:
            table = np.atleast_2d(bundled[rest].T).T
            source = f"data set {data!r}'s {rest}"
        else:
            if data is not None and eq and not Path(rest).is_file():
                raise DataError(f"behaviour {spec!r}: {rest!r} is neither a covariate of "
                                f"data set {data!r} ({', '.join(bundled)}) nor a file")
            name, table, source, col = _named_table(spec, None, {}, "behaviour")
            if col:
                raise DataError(f"behaviour {spec!r}: a behaviour takes every column (one "
                                f"per wave); write NAME=FILE")
        out[name] = check_behaviour(table, n_waves, f"behaviour {spec!r}", source)
    return out, read_behaviour_effects(effects, out)


def read_behaviour_effects(specs: Sequence[str], names: Collection[str]) -> dict[str, list[str]]:
    """The effects of behaviours ``names``, given as ``NAME=EFFECTS`` (comma-separated):
    name -> effect names."""
    chosen = {}
    for spec in specs:
        name, eq, listed = spec.partition("=")
        if not eq or name not in names:
            raise DataError(f"behaviour effects {spec!r}: write NAME=EFFECTS for a "
                            f"behaviour NAME ({', '.join(names) or 'none given'})")
        chosen[name] = [e.strip() for e in listed.split(",") if e.strip()]
    return chosen


def _named_table(spec: str, data: str | None, bundled: dict,
                 what: str) -> tuple[str, np.ndarray, str, str]:
    """``NAME=FILE[:COLUMN]`` (or ``NAME[:COLUMN]`` of the data set), a ``what`` (covariate,
    behaviour): (name, its table as (n, columns), where it came from, COLUMN text)."""
    name, eq, rest = spec.partition("=")
    if not eq and data is not None:
        name, _, col = spec.partition(":")
        if name not in bundled:
            raise DataError(f"{what} {spec!r}: data set {data!r} has covariates "
                            f"{', '.join(bundled) or 'none'}")
        table, source = bundled[name], f"data set {data!r}"
    else:
        path, _, col = rest.partition(":")
        if not eq or not name or not path:
            raise DataError(
                f"{what} {spec!r}: write NAME=FILE or NAME=FILE:COLUMN (COLUMN >= "
                f"1){'' if data is None else ', or NAME[:COLUMN] of the data set'}")
        if not Path(path).is_file():
            raise DataError(f"{path} not found (or not a file)")
        table, source = read_table(path)[0], path
    return name, np.atleast_2d(table.T).T, source, col


def read_composition(path: str | Path) -> list[list[float]]:
    """Actors joining and leaving as RSiena's ``sienaCompositionChangeFromFile`` reads
    them: one line per actor, the times of its intervals of presence (``1 3``,
    ``1.4 3``, ``1 2.5 2.8 3``), separated by spaces or commas."""
    out = []
    for k, text in _lines(Path(path)):
        try:
            out.append([float(v) for v in text.replace(",", " ").split()])
        except ValueError:
            raise DataError(f"{path}, line {k}: {text.strip()!r}; expected the numbers of "
                            f"an actor's intervals of presence, e.g. '1 3' or '1.4 3'") from None
    return out

