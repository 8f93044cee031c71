"""A manifest of classes: a researcher's own files for a SAOM of several classes.

``read_manifest(path)`` reads a YAML file listing each class's files and returns the
classes as :class:`sim.data.ClassWaves`, the records :func:`sim.data.load` returns for a
bundled data set::

    classes:
      - name: school01
        waves: [school01-w1.txt, school01-w2.txt]   # adjacency matrices, 2 or more
        covariates:                                 # optional: NAME: FILE or FILE:COLUMN
          girl: school01-actors.txt:1               #   (column from 1; default 1)
        behaviours:                                 # optional: NAME: FILE, a column a wave
          drink: school01-drink.txt
        composition: school01-joiners.txt           # optional: actors joining and leaving
      - name: school03
        waves: [school03-w1.txt, school03-w2.txt]

Paths are relative to the manifest. Files are read as for ``lbsim estimate``
(:func:`sim.io.read.read_adjacency`, :func:`sim.io.read.read_table`,
:func:`sim.io.waves.read_composition`). Every class needs the same covariates and
behaviours. A problem raises :class:`DataError` naming the manifest, its line, the field,
the value and what is allowed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from sim.data import ClassWaves
from sim.io.read import DataError, read_adjacency, read_table
from sim.io.waves import check_behaviour, column, read_composition

FIELDS = ("name", "waves", "covariates", "behaviours", "composition")
"""The fields of a class in a manifest (``name`` and ``waves`` required)."""


class _Where:
    """Says where a manifest's node is: ``path, line L: field``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, node: yaml.Node | None, field: str, message: str) -> DataError:
        line = f", line {node.start_mark.line + 1}" if node is not None else ""
        return DataError(f"{self.path}{line}: {field}: {message}")


def _compose(path: Path) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: manifest not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: cannot read the manifest ({e})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f", line {mark.line + 1}" if mark else ""
        raise DataError(f"{path}{where}: not valid YAML: {e.problem or e.context}") from None
    return node


def _mapping(where: _Where, node: yaml.Node, field: str, allowed: str) -> dict:
    """A mapping node as {key: (key node, value node)}; unknown or repeated keys refused."""
    if not isinstance(node, yaml.MappingNode):
        raise where.error(node, field, f"expected {allowed}")
    out = {}
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name in out:
            raise where.error(key, field, f"{name!r} appears twice")
        out[name] = (key, value)
    return out


def _text(where: _Where, node: yaml.Node, field: str, allowed: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
        shown = "(empty)" if isinstance(node, yaml.ScalarNode) else "a list or mapping"
        raise where.error(node, field, f"{shown}; allowed: {allowed}")
    return node.value.strip()


def _file(where: _Where, node: yaml.Node, field: str, text: str) -> Path:
    path = where.path.parent / text
    if not path.is_file():
        raise where.error(node, field, f"{text!r}: no such file ({path}); paths are "
                                       f"relative to the manifest")
    return path


def _read(where: _Where, node: yaml.Node, field: str, read, *args):
    """``read(*args)``, its DataError (a file's problem) prefixed by the manifest's place."""
    try:
        return read(*args)
    except DataError as e:
        raise where.error(node, field, str(e)) from None


def _waves(where: _Where, node: yaml.Node, field: str) -> tuple[np.ndarray, ...]:
    if not isinstance(node, yaml.SequenceNode) or len(node.value) < 2:
        raise where.error(node, field, "expected a list of 2 or more wave files "
                                       "(adjacency matrices), e.g. [w1.txt, w2.txt]")
    waves: list[np.ndarray] = []
    for k, item in enumerate(node.value):
        at = f"{field}[{k}]"
        path = _file(where, item, at, _text(where, item, at, "a file name"))
        wave = _read(where, item, at, read_adjacency, path, True)
        if waves and wave.shape != waves[0].shape:
            raise where.error(item, at, f"{item.value!r} has {len(wave)} actors, the first "
                                        f"wave {len(waves[0])}; allowed: every wave of a "
                                        f"class has the same actors")
        waves.append(wave)
    return tuple(waves)


def _tables(where: _Where, node: yaml.Node | None, field: str, n: int,
            n_waves: int) -> dict[str, np.ndarray]:
    """Covariates (``NAME: FILE[:COLUMN]``, one value an actor) or, with ``n_waves``,
    behaviours (``NAME: FILE``, a column a wave)."""
    if node is None:
        return {}
    behaviour = field.endswith("behaviours")
    form = "NAME: FILE" if behaviour else "NAME: FILE or NAME: FILE:COLUMN (COLUMN >= 1)"
    out = {}
    for name, (_, value) in _mapping(where, node, field, f"a mapping {form}").items():
        at = f"{field}.{name}"
        text = _text(where, value, at, form)
        path_text, col = (text, "") if behaviour or ":" not in text else \
            text.rsplit(":", 1)
        path = _file(where, value, at, path_text)
        table = np.atleast_2d(_read(where, value, at, read_table, path)[0].T).T
        if len(table) != n:
            raise where.error(value, at, f"{path_text!r} has {len(table)} rows; the class "
                                         f"has {n} actors (one row each)")
        out[name] = _read(where, value, at, check_behaviour, table, n_waves, text, path_text) \
            if behaviour else _read(where, value, at, column, table, col, text, path_text)
    return out


def _class(where: _Where, node: yaml.Node, field: str) -> ClassWaves:
    keys = _mapping(where, node, field, f"a class: a mapping of {', '.join(FIELDS)}")
    for key, (key_node, _) in keys.items():
        if key not in FIELDS:
            raise where.error(key_node, field, f"unknown field {key!r}; allowed: "
                                               f"{', '.join(FIELDS)}")
    for key in ("name", "waves"):
        if key not in keys:
            raise where.error(node, field, f"missing field {key!r}; a class needs name and "
                                           f"waves")
    name = _text(where, keys["name"][1], f"{field}.name", "the class's name")
    waves = _waves(where, keys["waves"][1], f"{field}.waves")
    n = len(waves[0])
    covariates = _tables(where, keys.get("covariates", (None, None))[1],
                         f"{field}.covariates", n, len(waves))
    behaviours = _tables(where, keys.get("behaviours", (None, None))[1],
                         f"{field}.behaviours", n, len(waves))
    composition = None
    if "composition" in keys:
        value = keys["composition"][1]
        at = f"{field}.composition"
        path = _file(where, value, at, _text(where, value, at, "a file name"))
        composition = _read(where, value, at, read_composition, path)
        if len(composition) != n:
            raise where.error(value, at, f"{value.value!r} has {len(composition)} lines; "
                                         f"the class has {n} actors (one line each)")
    return ClassWaves(name, waves, covariates, behaviours, composition)


def read_manifest(path: str | Path) -> list[ClassWaves]:
    """The classes a manifest lists (see the module), read and checked.

    Parameters
    ----------
    path : str or Path
        The manifest, a YAML file with ``classes:``, a list of classes.

    Returns
    -------
    list of ClassWaves
        Each class's name, waves, covariates (name -> (n,) values), behaviours
        (name -> (n, waves) table) and composition change (None if none).
    """
    where = _Where(Path(path))
    root = _compose(where.path)
    top = _mapping(where, root, "(top level)", "a mapping with 'classes:', a list of "
                                               "classes") if root is not None else {}
    for key, (key_node, _) in top.items():
        if key != "classes":
            raise where.error(key_node, "(top level)", f"unknown field {key!r}; allowed: "
                                                       f"classes")
    node = top.get("classes", (None, None))[1]
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise where.error(node, "classes", "expected a list of classes, each with name "
                                           "and waves")
    classes = [_class(where, item, f"classes[{k}]") for k, item in enumerate(node.value)]
    seen: dict[str, int] = {}
    for k, (c, item) in enumerate(zip(classes, node.value, strict=True)):
        if c.name in seen:
            raise where.error(item, f"classes[{k}].name", f"{c.name!r} is also the name of "
                                                          f"classes[{seen[c.name]}]; "
                                                          f"allowed: a name per class")
        seen[c.name] = k
        for kind in ("covariates", "behaviours"):
            mine, first = sorted(getattr(c, kind)), sorted(getattr(classes[0], kind))
            if mine != first:
                raise where.error(item, f"classes[{k}].{kind}",
                                  f"{', '.join(mine) or 'none'}; classes[0] has "
                                  f"{', '.join(first) or 'none'}; allowed: the same {kind} "
                                  f"in every class")
    return classes
