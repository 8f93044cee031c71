"""Observed waves and actor covariates for estimation, from files or a bundled data set.

``read_waves(files, data, covariates)`` takes wave files (adjacency matrices) or the name
of a bundled data set (:mod:`sim.data`), and covariate specifications as the command line
writes them: ``NAME=FILE[:COLUMN]`` (a table, column from 1) or, with a data set,
``NAME[:COLUMN]`` naming one of its covariates. Problems raise :class:`DataError` saying
what is wrong and what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

import sim.data
from sim.io.read import DataError, read_adjacency, read_table


def _bundled_class(name: str) -> tuple[tuple[np.ndarray, ...], dict[str, np.ndarray]]:
    try:
        dataset = sim.data.load(name)
    except ValueError as e:
        raise DataError(f"--data: {e}") from None
    if len(dataset.classes) > 1:
        raise DataError(f"--data {name!r} has {len(dataset.classes)} classes; name one: "
                        + ", ".join(f"{name}/{c.name}" for c in dataset.classes))
    return dataset.waves, dataset.covariates


def read_groups(data: str) -> tuple[list[str], list[list[np.ndarray]], list[dict]]:
    """The classes of bundled data set ``data``: names, waves, covariates."""
    try:
        dataset = sim.data.load(data)
    except ValueError as e:
        raise DataError(f"--data: {e}") from None
    return ([c.name for c in dataset.classes], [list(c.waves) for c in dataset.classes],
            [dict(c.covariates) for c in dataset.classes])


def read_waves(files: Sequence[str | Path] | None, data: str | None,
               covariates: Sequence[str] = ()) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
    """The waves and the named covariates (one value per actor)."""
    if (data is None) == (not files):
        raise DataError("give the waves either as files or as a bundled data set (--data "
                        f"NAME); {'both were given' if files else 'neither was given'}")
    bundled: dict[str, np.ndarray] = {}
    if data is not None:
        waves, bundled = _bundled_class(data)
        nets = list(waves)
    else:
        for f in files:
            if not Path(f).is_file():
                raise DataError(f"{f} not found (or not a file)")
        nets = [read_adjacency(f) for f in files]
    covs = {}
    for spec in covariates:
        name, eq, rest = spec.partition("=")
        if not eq and data is not None:
            name, _, col = spec.partition(":")
            if name not in bundled:
                raise DataError(f"--covariate {spec!r}: data set {data!r} has covariates "
                                f"{', '.join(bundled) or 'none'}")
            table, source = bundled[name], f"data set {data!r}"
        else:
            path, _, col = rest.partition(":")
            if not eq or not name or not path:
                raise DataError(
                    f"--covariate {spec!r}: write NAME=FILE or NAME=FILE:COLUMN (COLUMN >= "
                    f"1){'' if data is None else ', or NAME[:COLUMN] of the data set'}")
            if not Path(path).is_file():
                raise DataError(f"{path} not found (or not a file)")
            table, source = read_table(path)[0], path
        if col and not col.isdigit():
            raise DataError(f"--covariate {spec!r}: COLUMN must be a whole number >= 1")
        table = np.atleast_2d(table.T).T
        k = int(col or 1)
        if not 1 <= k <= table.shape[1]:
            raise DataError(f"--covariate {spec!r}: column {k}; {source} has columns "
                            f"1..{table.shape[1]}")
        covs[name] = table[:, k - 1]
    return nets, covs
