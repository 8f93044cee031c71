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
the documents are checked against what it saved. The computations that draw the shipped
posterior's magnitudes saved its fingerprint: a posterior.csv replaced without `make docs`
fails.
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


POSTERIOR_ANSWERS = {"staffing", "trial_dafang_posterior", "trial_lvillage_posterior"}
"""The computations that draw the shipped posterior's magnitudes."""


def test_posterior_numbers_were_made_with_the_shipped_posterior():
    """Replacing sim/data/posterior/posterior.csv without `make docs` fails here: every
    computation that drew the posterior recorded its fingerprint in docs/numbers.json."""
    shipped = computations.posterior_fingerprint()
    recorded = {name: {k: v for k, v in entry["values"].items() if k.startswith("posterior.")
                       and k in shipped} for name, entry in NUMBERS.items()}
    recorded = {name: v for name, v in recorded.items() if v}
    assert set(recorded) == POSTERIOR_ANSWERS, (
        f"computations with a posterior fingerprint: {sorted(recorded)}; expected "
        f"{sorted(POSTERIOR_ANSWERS)}")
    stale = {name: v for name, v in recorded.items() if v != shipped}
    assert not stale, (f"docs/numbers.json was made with another posterior (recorded: "
                       f"{stale}, shipped: {shipped}); run `make docs`")


def test_the_fingerprint_notices_another_posterior(tmp_path):
    from sim.studies.magnitudes import posterior_path

    text = posterior_path().read_text()
    same, other = tmp_path / "same.csv", tmp_path / "other.csv"
    same.write_text(text)
    lines = text.splitlines(keepends=True)
    first = lines[1].split(",")
    first[0] = repr(float(first[0]) + 1e-6)
    other.write_text(lines[0] + ",".join(first) + "".join(lines[2:]))
    shipped = computations.posterior_fingerprint()
    assert computations.posterior_fingerprint(same) == shipped
    assert computations.posterior_fingerprint(other)["posterior.sha256"] != \
        shipped["posterior.sha256"]


def _isolates_rows(avoided: dict, half: float):
    """A plan table's left-behind isolates rows (sim.studies.sweep.report.plan_table's columns):
    one worker per school, most left-behind first, each dose avoiding ``avoided[dose]``
    isolates with an interval of +- ``half``, 1,000 yuan a worker."""
    import pandas as pd

    rows = []
    for dose, a in avoided.items():
        known = a - half > 0 and dose > 0
        rows.append({"outcome": "isolates_lb", "interventions.0.workers": dose,
                     "interventions.0.targeting": "most_lbc",
                     "interventions.0.placement": "one_per_school", "time": "end",
                     "isolates_avoided": a, "diff_low": -a - half, "diff_high": -a + half,
                     "diff_magnitudes_share": 0.5,
                     "cost_per_isolate_avoided": 1000 * dose / a if known else float("nan"),
                     "cpia_low": 1000 * dose / (a + half) if known else float("nan"),
                     "cpia_high": 1000 * dose / (a - half) if known else float("nan")})
    return pd.DataFrame(rows)


def test_the_posterior_staffing_answer_says_where_a_conclusion_turns():
    """A dose whose isolates-avoided interval excludes 0 with the defaults and includes it
    with the posterior loses its cost per isolate avoided, and the sentence names it."""
    defaults = _isolates_rows({0: 0.0, 20: 100.0, 60: 300.0}, 50.0)
    posterior = _isolates_rows({0: 0.0, 20: 100.0, 60: 300.0}, 150.0)
    posterior.attrs["magnitude_draws"] = 4
    values = computations.posterior_staffing_values(posterior, defaults)
    assert values["posterior.best.20.end.cost_text"] == computations.NOT_ESTIMABLE
    assert values["posterior.best.20.end.excludes_0"] == "no"
    assert values["posterior.best.60.end.excludes_0"] == "yes"
    assert values["posterior.best.60.end.cost_text"] == "200 [100-400]"
    assert "includes 0 for 20 workers at the end of the year" in values["posterior.turns"]
    assert "60 workers" not in values["posterior.turns"]
    again = defaults.copy()
    again.attrs["magnitude_draws"] = 4
    same = computations.posterior_staffing_values(again, defaults)
    assert same["posterior.turns"].startswith("the posterior turns no conclusion")


def test_a_cost_per_isolate_is_shown_only_where_the_interval_excludes_0():
    values = NUMBERS["staffing"]["values"]
    keys = [k.removesuffix(".excludes_0") for k in values if k.endswith(".excludes_0")]
    assert any(k.startswith("posterior.") for k in keys) and any(k.startswith("best.")
                                                                for k in keys)
    for key in keys:
        shown = values[f"{key}.cost_text"] != computations.NOT_ESTIMABLE
        assert shown == (values[f"{key}.excludes_0"] == "yes"
                         and values[f"{key}.avoided"] > 0), key


def test_the_side_by_side_tables_show_the_answers_their_sentences_speak_of():
    """docs/researcher.md's table has a posterior, share and defaults cell for every answer
    the generated "turns" sentence weighs; docs/policy.md's for every dose of the spec."""
    text = (ROOT / "docs" / "researcher.md").read_text()
    names = {"dafang_yuchong.yaml": "trial_dafang", "shanxi_l_village.yaml": "trial_lvillage"}
    for scenario, answers in computations.TRIAL_ANSWERS.items():
        for outcome, time, _ in answers:
            key = f"{outcome}.{time}"
            for marker in (f"{names[scenario]}_posterior.{key}-->",
                           f"{names[scenario]}_posterior.{key}.share|",
                           f"{names[scenario]}.{key}-->"):
                assert f"<!--={marker}" in text, marker
        assert f"<!--={names[scenario]}_posterior.turns-->" in text
    policy = (ROOT / "docs" / "policy.md").read_text()
    for key in NUMBERS["staffing"]["values"]:
        if key.startswith("posterior.best.") and key.endswith(".end"):
            for marker in (key, f"{key}.share|", f"{key}.cost_text", key[len("posterior."):],
                           f"{key[len('posterior.'):]}.cost_text"):
                assert f"<!--=staffing.{marker}" in policy, marker
    assert "<!--=staffing.posterior.turns-->" in policy
