"""The numbers in README.md, docs/*.md and the notebooks' text are computed, not typed
(docs/make_docs.py).

The rule. A number a document reports as a result of lbsim (an estimate, an effect size,
a p-value, isolates avoided, a network statistic of simulated classes) is a marker
``<!--=NAME.KEY|FORMAT-->TEXT<!--/-->`` whose TEXT `make docs` writes from
docs/numbers.json, where computation NAME of docs/computations.py (a documented command at
a stated seed) saved it. Everything else is an input and must say so: commands and code
in backticks, and inputs in prose (defaults with their sources, published figures such as
RSiena's estimates or the Dafang County statistics, a check's design) inside
``<!-- inputs: WHY -->...<!-- /inputs -->``. Outside those, a number with decimals, a
percentage or a whole number of 100 or more fails the test (years, versions, ranges of
levels such as 1..5 and the conventions 95%, 80% and 0.05 excepted; small whole numbers such as
"wave 1" or "12 weeks" are structure and not checked). Machine timings are not results of
the model and are not reproducible: they live only in docs/speed.md, which is exempt
(:data:`EXEMPT`).

Drift. A document whose marker text differs from docs/numbers.json fails (someone edited
the number by hand, or numbers.json changed without `make docs`). The cheap computations
are run again and must give exactly what numbers.json holds (the ``quick`` ones in every
test run, a few seconds; the ``slow`` ones, trials, fits, goodness of fit and the
robustness design, with the slow tests, about a minute and a half); the ``expensive`` one,
the county staffing sweep (minutes on two cores), is recomputed only by `make docs`, and
the documents are checked against what it saved.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXEMPT = {
    "speed.md": "benchmark timings of one machine on a stated date (make bench); they vary "
                "from run to run, so they are measurements, not regenerated results",
}


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(ROOT / "docs"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


make_docs = _load("make_docs")
computations = _load("computations")
NUMBERS = make_docs.load_numbers()


@pytest.mark.parametrize("path", make_docs.documents(), ids=lambda p: p.name)
def test_documents_show_the_computed_numbers(path):
    text = path.read_text()
    assert make_docs.render(text, NUMBERS) == text, (
        f"{path.name}: a number differs from docs/numbers.json; run `make docs` "
        f"(or `python docs/make_docs.py --render`) instead of editing it by hand")


@pytest.mark.parametrize("path", make_docs.documents(), ids=lambda p: p.name)
def test_no_result_is_typed_by_hand(path):
    if path.name in EXEMPT:
        pytest.skip(EXEMPT[path.name])
    found = make_docs.hand_typed(path.read_text())
    assert not found, (
        f"{path.name}: numbers typed by hand (line, number): {found}; compute them in "
        f"docs/computations.py and write a marker, or mark an input with "
        f"<!-- inputs: WHY -->...<!-- /inputs -->")


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_notebook_text_types_no_result(path):
    """A notebook's Markdown follows the same rule; its results are printed by its code."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    found = [(k, make_docs.hand_typed(c.source)) for k, c in enumerate(nb.cells)
             if c.cell_type == "markdown"]
    found = [(k, f) for k, f in found if f]
    assert not found, (f"{path.name}: numbers typed in Markdown cells (cell, [(line, "
                       f"number)]): {found}; print them from the values the notebook "
                       f"computes, or mark inputs with <!-- inputs: WHY -->")


def test_every_computation_has_its_numbers_command_and_seed():
    assert set(NUMBERS) == set(computations.COMPUTATIONS), (
        "docs/numbers.json and docs/computations.py name different computations; "
        "run `make docs`")
    for name, entry in NUMBERS.items():
        c = computations.COMPUTATIONS[name]
        assert (entry["command"], entry["seed"], entry["cost"]) == (c.command, c.seed, c.cost)
        assert entry["values"], name


def test_the_checks_notice_a_drifted_or_typed_number():
    """The two checks above can fail: a marker's text edited by hand and a number typed
    outside markers are both caught."""
    text = "g = <!--=trial_dafang.confidence.post.g-->0.37<!--/--> right after."
    rendered = make_docs.render(text, NUMBERS)
    shown = make_docs.value_text(NUMBERS["trial_dafang"]["values"]["confidence.post.g"], None)
    stale = rendered.replace(f"-->{shown}<", "-->9.99<")
    assert stale != rendered and make_docs.render(stale, NUMBERS) == rendered
    assert make_docs.hand_typed("confidence g = 0.37 and 1,200 isolates") == [
        (1, "0.37"), (1, "1,200")]
    assert make_docs.hand_typed("`--runs 1000`, wave 1, 95% CI, <!-- inputs: x -->0.606"
                                "<!-- /inputs -->, Beelmann & Lösel 2006") == []
    with pytest.raises(KeyError, match="no value"):
        make_docs.render("<!--=trial_dafang.nothing-->1<!--/-->", NUMBERS)


def _same(stored, now) -> bool:
    if isinstance(stored, float) or isinstance(now, float):
        both_nan = math.isnan(stored) and math.isnan(now)
        return both_nan or math.isclose(stored, now, rel_tol=1e-9, abs_tol=1e-12)
    return stored == now


def _check_recomputed(name: str):
    now = computations.COMPUTATIONS[name].run()
    stored = NUMBERS[name]["values"]
    assert set(now) == set(stored), f"{name}: values added or gone; run `make docs`"
    drifted = {k: (stored[k], now[k]) for k in stored if not _same(stored[k], now[k])}
    assert not drifted, (f"{name} ({NUMBERS[name]['command']}) computes other numbers "
                         f"now (stored, now): {drifted}; run `make docs` and read the "
                         f"documents again")


def _by_cost(cost: str) -> list[str]:
    return [n for n, c in computations.COMPUTATIONS.items() if c.cost == cost]


@pytest.mark.parametrize("name", _by_cost("quick"))
def test_quick_numbers_are_what_their_commands_give_now(name):
    _check_recomputed(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", _by_cost("slow"))
def test_slow_numbers_are_what_their_commands_give_now(name):
    _check_recomputed(name)


def _drifted(name: str, now: dict) -> set[str]:
    stored = NUMBERS[name]["values"]
    return {k for k in stored if k not in now or not _same(stored[k], now[k])}


def test_replacing_the_shipped_posterior_without_make_docs_fails_the_drift_test(tmp_path):
    """docs/model.md §11 reads sim/data/posterior: a new posterior.csv or
    identifiability.csv changes what `calibration` computes, so
    test_quick_numbers_are_what_their_commands_give_now[calibration] fails until `make
    docs` has rewritten the section."""
    import shutil

    import pandas as pd

    shipped = computations.POSTERIOR
    assert not _drifted("calibration", computations.calibration(shipped))
    same = "network.effects.X:same_group"
    for name, key in (("posterior.csv", f"{same.rsplit('.', 1)[-1]}.interval"),
                      ("identifiability.csv", "acceptance.reading")):
        folder = tmp_path / name
        shutil.copytree(shipped, folder)
        table = pd.read_csv(folder / name)
        if name == "posterior.csv":
            table[same] = table[same].to_numpy()[::-1] * 0.99 + 0.003
        else:
            table.loc[table["magnitude"] == "interventions.{group}.acceptance",
                      "sd_ratio"] = 0.5 if NUMBERS["calibration"]["values"][
                          "acceptance.sd_ratio"] > 0.6 else 0.95
        table.to_csv(folder / name, index=False)
        assert key in _drifted("calibration", computations.calibration(folder)), name


def test_the_calibration_reading_of_the_sd_ratio():
    assert computations._reading(0.95).startswith("not identified")
    assert computations._reading(0.75) == "narrowed a little"
    assert computations._reading(0.4) == "narrowed by the findings"
