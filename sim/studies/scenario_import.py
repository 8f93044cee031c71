"""``lbsim import``: write a scenario whose population is a surveyed class.

The scenario names the survey files by paths relative to itself. It is written to a
temporary file beside ``out``, loaded back with the scenario loader (so every check of
``lbsim run`` passes), and only then renamed into place.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import yaml

from sim.atomic import atomic_file, check_file
from sim.io.read import DataError
from sim.io.survey import check_survey, read_survey
from sim.studies.result import Result
from sim.world.scenario import load_scenario

DEFAULT_CAP = 5
"""The scenario's default nomination cap (network.max_outdegree); raised to the survey's
largest out-degree when a child named more."""


@dataclass(frozen=True, repr=False)
class ImportResult(Result):
    """A scenario written from a survey: the file ``out``, the surveyed ``children``,
    ``classes``, ``schools``, nominations (``ties``) and the most a child gave
    (``max_outdegree``).

    Attributes
    ----------
    out : Path
        The scenario file written.
    children, classes, schools : int
        The surveyed children, classes and schools.
    ties : int
        The nominations.
    max_outdegree : int
        The most nominations a child gave.
    """

    out: Path
    children: int
    classes: int
    schools: int
    ties: int
    max_outdegree: int

    def table(self) -> str:
        """One line: the file, the children and classes, the nominations."""
        return (f"{self.out}: {self.children} children in {self.classes} classes, "
                f"{self.ties} nominations (at most {self.max_outdegree} per child)")

    def to_frame(self):
        """One row: the fields (``out`` as text)."""
        import pandas as pd

        return pd.DataFrame([{**asdict(self), "out": str(self.out)}])


def is_edge_list(path: str | Path) -> bool:
    """True when the file's first non-blank line is the header ``from,to``."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            if line.strip():
                return line.replace(" ", "").strip().lower().startswith("from,to")
    return False


def import_scenario(ties: str | Path, attributes: str | Path | None, out: str | Path,
                    name: str | None = None,
                    cross_class_ties: bool = False, overwrite: bool = False) -> ImportResult:
    """Write ``out``, a scenario starting from the survey in ``ties`` (edge list or matrix)
    and ``attributes`` (optional for a matrix).

    Parameters
    ----------
    ties : str or Path
        The nominations: an edge list (CSV ``from,to``) or an adjacency matrix.
    attributes : str or Path or None
        The attributes CSV (:func:`sim.io.read.read_attributes`).
    out : str or Path
        The scenario file to write.
    name : str, optional
        The scenario's name (default: the file's stem).
    cross_class_ties : bool
        Allow nominations between the classes of a school (``network.cross_class_ties``).
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    ImportResult
        The file and the surveyed class in numbers. Raises DataError (bad files),
        FolderError (``out`` exists, or is a folder), or ScenarioError."""
    out = Path(out)
    check_file(out, overwrite)
    kind = "edges" if is_edge_list(ties) else "matrix"
    survey = read_survey(**{kind: ties}, attributes=attributes)
    check_survey(survey, cross_class_ties, None)
    outdegree = int(np.bincount(survey.tie_from, minlength=survey.n).max()) \
        if len(survey.tie_from) else 0
    base = out.resolve().parent
    files = {kind: os.path.relpath(Path(ties).resolve(), base)}
    if attributes is not None:
        files["attributes"] = os.path.relpath(Path(attributes).resolve(), base)
    network: dict = {}
    if outdegree > DEFAULT_CAP:
        network["max_outdegree"] = outdegree
    if cross_class_ties:
        network["cross_class_ties"] = True
    scenario = {"name": name or out.stem,
                "description": f"Surveyed class imported from {Path(ties).name}: "
                               f"{survey.n} children, {len(survey.tie_from)} nominations.",
                "population": {"from_files": files}}
    if network:
        scenario["network"] = network
    with atomic_file(out) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("# Written by lbsim import; paths are relative to this file.\n")
            yaml.safe_dump(scenario, f, sort_keys=False, allow_unicode=True)
        load_scenario(tmp)  # the same checks as lbsim run
    return ImportResult(out, survey.n, len(survey.class_names), len(survey.school_names),
                        len(survey.tie_from), outdegree)
