"""What the ``lbsim`` commands share: failing with a message, loading a scenario or a
matrix, checking where they write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

Overwrite = Annotated[bool, typer.Option(
    help="write into a folder that is not empty, replacing only lbsim's files there")]
"""The --overwrite option of the commands that write a folder (:func:`writing`)."""


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def scenario(path: Path):
    """The scenario at ``path``, or exit with its problems."""
    from sim.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as e:
        fail(str(e))


def load_matrix(path: Path, adjacency: bool = True) -> np.ndarray:
    from sim.io.read import DataError, read_adjacency, read_table
    if not path.is_file():
        fail(f"{path} not found (or not a file)")
    try:
        return read_adjacency(path) if adjacency else read_table(path)[0]
    except DataError as e:
        fail(str(e))


@contextmanager
def writing(out: Path, overwrite: bool, *, file: bool = False,
            first: bool = True) -> Iterator[None]:
    """Check (``first``: before a command computes) that it may write ``out`` (a folder,
    or a file with ``file``; :mod:`sim.atomic`'s rule) and exit 2 naming what is in the
    way; as well when the writer refuses (e.g. a new file would replace a user's)."""
    from sim.atomic import FolderError, check_file, check_folder

    try:
        if first and file:
            check_file(out, overwrite)
        elif first:
            check_folder(out, overwrite)
        yield
    except FolderError as e:
        fail(str(e))
