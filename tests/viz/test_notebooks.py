"""The student notebooks (notebooks/*.ipynb) run top to bottom and show their figures.

Each notebook is read into memory and executed by nbclient in the notebooks folder (so its
paths resolve); the executed copy goes to the test's temporary folder, never back into
the repository, where the notebooks are kept without outputs.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SECONDS = 240
"""Budget for one notebook on the 2-core machine (they take 15-40 s)."""

EXPECTED = {  # notebook: (figures at least, shows the interactive app)
    "01_explore_a_class.ipynb": (3, True),
    "02_growth_group_experiment.ipynb": (2, False),
    "03_staffing_policy.ipynb": (1, False),
}

ALL = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_the_notebooks_are_there():
    assert set(EXPECTED) <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{name} has no code"
    assert all(not c.outputs and c.execution_count is None for c in code), (
        f"{name} is committed with outputs; clear them before committing")


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_notebook_runs_top_to_bottom(name, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=SECONDS, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, tmp_path / name)
    assert seconds < SECONDS, f"{name} took {seconds:.0f} s"
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors
    figures = sum("image/png" in o.get("data", {}) for o in outputs)
    widgets = sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                  for o in outputs)
    least, app = EXPECTED.get(name, (1, False))
    assert figures >= least, f"{name} showed {figures} figures, expected {least} or more"
    if app:
        assert widgets >= 1, f"{name} should show the interactive app"


TRIALS = {"virtual_trial", "compare_arms", "write_comparison"}


def _code(nb) -> str:
    """A notebook's code cells as Python (IPython magics left out)."""
    return "\n".join("\n".join(line for line in c.source.splitlines()
                               if not line.lstrip().startswith(("%", "!")))
                     for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", ALL)
def test_notebooks_name_the_magnitudes_of_their_trials_and_sweeps(name):
    """A notebook's virtual trials pass ``magnitudes=`` and the sweep specs it names set
    ``magnitudes:``, so its answers never depend on what a command does by default."""
    import ast
    import re

    from sim.studies.sweep.spec import load_spec

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    calls = [n for n in ast.walk(ast.parse(_code(nb))) if isinstance(n, ast.Call)
             and getattr(n.func, "id", getattr(n.func, "attr", None)) in TRIALS]
    silent = [ast.unparse(n)[:60] for n in calls
              if "magnitudes" not in {k.arg for k in n.keywords}]
    assert not silent, f"{name}: trials without magnitudes=: {silent}"
    text = "\n".join(c.source for c in nb.cells)
    for spec in sorted(set(re.findall(r"experiments/\w+\.yaml", text))):
        assert load_spec(NOTEBOOKS.parent / spec)[0].magnitudes is not None, (
            f"{name} uses {spec}, which does not say which magnitudes it draws")
