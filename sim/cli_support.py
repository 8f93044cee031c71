"""What the ``lbsim`` commands share: failing with a message, loading a scenario or a
matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer


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
