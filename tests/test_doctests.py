"""The examples in lbsim's docstrings (``>>>`` lines) run and print what they show.

Every module of ``sim`` whose source holds ``>>>`` is collected (a text search, so nothing
is imported at collection) and its docstring examples are run with ``doctest``
(ELLIPSIS: ``...`` stands for any text, e.g. a temporary folder's path;
NORMALIZE_WHITESPACE). A module listed in :data:`SKIPPED` is reported as skipped with why.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPED: dict[str, str] = {
    "sim.viz.app": "imports solara and Mesa's browser front end when imported",
}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def modules_with_examples() -> list[str]:
    """Dotted names of the modules of sim whose source holds a ``>>>`` line."""
    found = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_the_package_has_docstring_examples():
    assert len(modules_with_examples()) >= 5


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples_run(name):
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    assert tests, f"{name}: '>>>' in the source, but no docstring example doctest can find"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    assert runner.failures == 0, f"{name}: docstring examples failed\n" + "".join(report)
