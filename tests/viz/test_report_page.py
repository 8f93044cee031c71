"""The staffing report as people read it: plans that are the same plan merged, numbers
printed without "-0.0", costs per isolate avoided only where they exist, the terminal
table, and report.html in headless Chromium checked against plans.csv."""

import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sweeps import staffing_sweep
from typer.testing import CliRunner

from sim.cli.main import app
from sim.studies.sweep import store
from sim.studies.sweep.plans import (
    NOT_ESTIMABLE,
    cost_per_isolate,
    distinct_plans,
    interval,
    number,
    plan_name,
    plans_text,
)
from sim.studies.sweep.report import plan_table
from sim.studies.sweep.report_html import assumptions, read_robustness
from sim.world.interventions.staffing import StaffingSection
from sim.world.scenario import value_at

runner = CliRunner()
CHROMIUM = "/usr/bin/chromium"
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NEGATIVE_ZERO = re.compile(r"-0(?:\.0+)?(?![\d.])")
WORKERS, PLACEMENT = "interventions.0.workers", "interventions.0.placement"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """0, 2 or 6 workers in a county of 6 schools, one per school or shared, 4 replications
    with common seeds (tests/studies/test_report.py)."""
    return staffing_sweep(tmp_path_factory.mktemp("page"))


# --- numbers as printed -------------------------------------------------------------------


def test_numbers_that_round_to_zero_print_as_zero():
    assert NEGATIVE_ZERO.search("a -0.0 b") and NEGATIVE_ZERO.search("[-0, 1]")
    assert not NEGATIVE_ZERO.search("-0.04 [-0.05, 0.0] -0.1")
    assert number(-0.0) == "0.0" and number(-0.04) == "0.0" and number(-0.004, 2) == "0.00"
    assert number(-0.06) == "-0.1" and number(-0.6, 0) == "-1"
    assert number(1234567.891, 0) == "1,234,568" and number(-1234.56) == "-1,234.6"
    assert number(float("nan")) == "n/a" and number(float("inf")) == "n/a"
    assert interval(-0.01, 0.349) == "[0.0, 0.3]"
    assert interval(-12.5, -0.0001, 2) == "[-12.50, 0.00]"
    for x in np.random.default_rng(1).normal(0, 0.05, 500):
        for digits in (0, 1, 2):
            shown = number(x, digits)
            assert float(shown) == pytest.approx(x, abs=0.5 * 10 ** -digits + 1e-12)
            assert shown.startswith("-") == (round(x, digits) < 0)


def _row(cost, cpia, low, high, diff_low, diff_high):
    return {"cost_per_year": cost, "cost_per_isolate_avoided": cpia, "cpia_low": low,
            "cpia_high": high, "diff_low": diff_low, "diff_high": diff_high}


def test_cost_per_isolate_only_where_the_interval_excludes_zero():
    nan = float("nan")
    assert cost_per_isolate(_row(0, nan, nan, nan, 0, 0)) == "no cost"
    assert cost_per_isolate(_row(120000, 40000.4, 30000, 60000, -4, -2)) == \
        "40,000 [30,000, 60,000]"
    assert cost_per_isolate(_row(120000, nan, nan, nan, -4, 1)) == NOT_ESTIMABLE
    assert cost_per_isolate(_row(120000, nan, nan, nan, nan, nan)) == NOT_ESTIMABLE
    assert "adds isolates" in cost_per_isolate(_row(120000, nan, nan, nan, 1, 3))


# --- the same plan ------------------------------------------------------------------------


def test_staffing_without_workers_or_with_a_worker_per_school_is_one_plan():
    none = StaffingSection(type="staffing", workers=0)
    assert StaffingSection(type="staffing", workers=0, placement="shared", targeting="random",
                    cost_per_worker=1.0).effective(6) == none
    assert StaffingSection(type="staffing", workers=6, placement="shared").effective(6) == \
        StaffingSection(type="staffing", workers=6)
    assert StaffingSection(type="staffing", workers=8, placement="shared").effective(6) == \
        StaffingSection(type="staffing", workers=8)
    fewer = StaffingSection(type="staffing", workers=5, placement="shared")
    assert fewer.effective(6) == fewer and fewer.effective(6) != StaffingSection(type="staffing",
                                                                          workers=5)
    assert StaffingSection(type="staffing", workers=6, placement="shared").effective(None) \
        .placement == "shared"


def test_plan_names_are_plain_words():
    assert plan_name({WORKERS: 0, PLACEMENT: "shared"}) == "No social workers"
    assert plan_name({WORKERS: 0, PLACEMENT: "shared"}, every_setting=True) == \
        "0 social workers, shared between schools"
    assert plan_name({WORKERS: 1, PLACEMENT: "one_per_school",
                      "interventions.0.targeting": "random"}) == \
        "1 social worker, one per school, schools in random order"
    assert plan_name({WORKERS: 4, "population.schools": 12}) == "4 social workers, schools 12"


def test_merged_design_points_are_the_same_simulation(sweep):
    """The plans merged (no workers under either placement; 6 shared workers in 6 schools
    and 6 one per school) give the very same runs under common seeds; the plans kept apart
    do not."""
    table = plan_table(sweep)
    plans = distinct_plans(table, table.attrs["base"])
    kept = plans.drop_duplicates("point")
    assert list(kept["plan"]) == ["No social workers", "2 social workers, one per school",
                                  "2 social workers, shared between schools",
                                  "6 social workers, one per school"]
    assert list(kept["same_as"]) == ["0 social workers, shared between schools", "", "",
                                     "6 social workers, shared between schools"]
    rows = store.read(sweep).sort_values(["week", "replication"])

    def runs(workers, placement):
        mine = rows[(rows[f"param:{WORKERS}"] == workers)
                    & (rows[f"param:{PLACEMENT}"] == placement)]
        return mine[["isolates_lb", "indegree_lb", "indegree_gap", "density"]].to_numpy()

    assert np.array_equal(runs(0, "one_per_school"), runs(0, "shared"))
    assert np.array_equal(runs(6, "one_per_school"), runs(6, "shared"))
    assert not np.array_equal(runs(2, "one_per_school"), runs(2, "shared"))
    assert set(plans["outcome"]) == set(table["outcome"])
    assert len(plans) == len(table) * 4 // 6


def test_terminal_table_one_row_per_plan_full_names_and_gap(sweep):
    table = plan_table(sweep)
    text = plans_text(table)
    assert not NEGATIVE_ZERO.search(text)
    assert "In-degree gap" in text and "Change in gap" in text
    plans = distinct_plans(table, table.attrs["base"])
    for time, part in plans[plans["outcome"] == "isolates_lb"].groupby("time"):
        block = text.split({"end": "End of the school year",
                            "follow_up": "Follow-up"}[time])[1].split("\n\n")[0]
        lines = block.splitlines()[2:]  # after the week and the header
        assert len(lines) == len(part) == 4
        for line, r in zip(lines, part.itertuples(), strict=True):
            assert line.startswith(r.plan + "  ")
            avoided = f"{number(r.isolates_avoided)} {interval(-r.diff_high, -r.diff_low)}"
            assert avoided in line
            if r.cost_per_year and r.diff_high >= 0:
                assert line.endswith(NOT_ESTIMABLE)
            elif r.cost_per_year:
                assert line.endswith(interval(r.cpia_low, r.cpia_high, 0))
                assert number(r.cost_per_isolate_avoided, 0) in line
    assert '"No social workers" also stands for: 0 social workers, shared between schools' \
        in text


# --- what the answer depends on -----------------------------------------------------------


def test_assumptions_show_the_scenarios_values_and_a_robustness_ranking(sweep, tmp_path):
    table = plan_table(sweep)
    base = table.attrs["base"]
    base["interventions"][0]["group"]["magnitudes"] = {"contact": 17.0}
    base["interventions"][0]["cost_per_worker"] = 45000.0
    rows = {r["key"]: r for r in assumptions(base)}
    assert rows["magnitudes.contact"]["value"] == 17.0
    assert rows["magnitudes.contact"]["path"] == "interventions.0.group.magnitudes.contact"
    assert rows["cost_per_worker"]["value"] == 45000.0
    assert rows["network.effects.X:same_group"]["value"] == value_at(
        {"network": {"effects": {"X:same_group": 0.606}}}, "network.effects.X:same_group")
    # a ranking by mu* for isolation at post (other outcomes and times do not rank)
    mu = {"network.effects.X:same_group": 0.5, "interventions.3.magnitudes.contact": 1.5,
          "trait_dynamics.adjustment": 0.1}
    shown = {(o, t, p): m if (o, t) == ("isolated", "post") else 9 - m for p, m in mu.items()
             for o in ("isolated", "in_degree", "confidence") for t in ("post", "follow_up")}
    result = pd.DataFrame(
        [{"outcome": o, "time": t, "parameter": p, "mu_star": m, "mu_star_low": 0.9 * m,
          "mu_star_high": 1.1 * m, "sigma": 0.0, "low": mu[p] / 10, "high": 10 * mu[p]}
         for (o, t, p), m in shown.items()])
    result.to_csv(tmp_path / "robustness.csv", index=False)
    ranked = assumptions(base, read_robustness(tmp_path))
    assert [r["key"] for r in ranked[:3]] == ["magnitudes.contact",
                                              "network.effects.X:same_group",
                                              "trait_dynamics.adjustment"]
    assert ranked[0]["isolated"] == pytest.approx((1.5, 1.35, 1.65))
    assert ranked[0]["in_degree"] == pytest.approx((7.5, 6.75, 8.25))
    assert all(r["isolated"] is None for r in ranked[3:])
    # the page names the two that matter most, in that order, and shows their mu*
    result = runner.invoke(app, ["report", str(sweep), "--out", str(tmp_path / "r"),
                                 "--robustness", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r" / "report.html").read_text()
    first, second = (r["name"][:1].lower() + r["name"][1:] for r in ranked[:2])
    assert f"depends most on:\n<b>{first} and {second}</b>" in page
    assert page.index(">1.50<") < page.index(">0.50<") < page.index(">0.10<")
    # the range column shows the range each magnitude was screened over (robustness.csv's
    # low and high at post), documented ranges only for those it did not screen
    assert ranked[0]["screened"] == pytest.approx((0.15, 15.0))
    assert "screened: 0.15 to 15<" in page and "screened: 0.01 to 1<" in page
    acceptance = next(r for r in ranked if r["key"] == "acceptance")
    assert "screened" not in acceptance and "0.5 to 0.9 (documented)" in page


def test_magnitudes_drawn_from_the_posterior_show_its_central_95_and_its_source():
    from sim.studies.magnitudes import posterior
    from sim.studies.sweep.report_html import basis, drawn_ranges, range_text

    path = "interventions.{group}.magnitudes.contact"
    table = pd.DataFrame()
    table.attrs.update(spec={"magnitudes": "posterior"}, magnitude_draws=1,
                       magnitude_values=[{path: 30.0}])
    low, high = np.percentile(posterior().table[path], [2.5, 97.5])
    assert drawn_ranges(table)[path] == pytest.approx((low, high))
    row = {"low": 0.0, "high": 80.0, "assumption": path}
    assert range_text(row, drawn_ranges(table), "posterior") == (
        f"drawn from the posterior (2.5-97.5%: {low:.3g} to {high:.3g})")
    assert basis(table).startswith("inferred from published experiments")
    table.attrs.update(magnitude_draws=0, magnitude_values=[])  # drew none: the defaults
    assert drawn_ranges(table) == {} and basis(table).startswith("at the scenario's values")
    assert range_text(row, {}, None) == "0 to 80 (documented)"


def test_report_refuses_a_robustness_result_it_cannot_read(sweep, tmp_path):
    before = sorted(p.name for p in sweep.iterdir())
    result = runner.invoke(app, ["report", str(sweep), "--out", str(tmp_path / "r"),
                                 "--robustness", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no robustness.csv" in result.output
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["report", str(sweep), "--out", str(tmp_path / "r"),
                                 "--robustness", str(tmp_path / "bad.csv")])
    assert result.exit_code == 2 and "not a robustness result" in result.output
    assert not (tmp_path / "r").exists()
    assert sorted(p.name for p in sweep.iterdir()) == before


# --- report.html in a browser -------------------------------------------------------------


def _numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)]


@pytest.mark.slow
def test_report_page_in_chromium_matches_plans_csv(sweep, tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    from PIL import Image
    from playwright.sync_api import sync_playwright

    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(sweep), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    assert not re.findall(r'(?:src|href)="(?!data:|#)', html), "not self-contained"
    csv = pd.read_csv(out / "plans.csv")
    shot = tmp_path / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.goto((out / "report.html").as_uri())
            page.screenshot(path=str(shot), full_page=True)
            tables = page.locator("table.plans")
            headings = [page.locator("h2").nth(k).inner_text()
                        for k in range(page.locator("h2").count())]
            cells = [[[td.inner_text() for td in row.locator("td").all()]
                      for row in tables.nth(k).locator("tbody tr").all()]
                     for k in range(tables.count())]
            figure = page.locator("figure img").evaluate("i => [i.naturalWidth, i.width]")
            body = page.locator("body").inner_text()
            # printed on A4 (210 mm less 2 x 12 mm margins at 96 px per inch): nothing wider
            page.emulate_media(media="print")
            page.set_viewport_size({"width": round(186 / 25.4 * 96), "height": 1000})
            overflow = page.evaluate("document.documentElement.scrollWidth"
                                     " - document.documentElement.clientWidth")
            spilled = page.evaluate(
                "[...document.querySelectorAll('td, th, p, li, dd, figcaption')]"
                ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)")
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert (pixels.min(-1) < 235).mean() > 0.05, "the page is blank"
    assert figure[0] > 0 and figure[1] > 300, "the figure did not render"
    assert overflow <= 0, f"the printed page is {overflow} px too wide for A4"
    assert not spilled, f"text spills out of its box on A4: {spilled}"
    assert 2 <= len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) <= 6, "A4 pages"
    assert not NEGATIVE_ZERO.search(body)
    assert ("The number of isolates avoided rests on the assumed magnitudes below, at the "
            "scenario's values") in body
    assert "only how much results vary from one simulated run" in body

    table = plan_table(sweep)
    plans = distinct_plans(table, table.attrs["base"])
    times = list(dict.fromkeys(plans["time"]))
    assert len(cells) == len(times) == 2
    assert any(h.startswith("End of the school year (week 10)") for h in headings)
    assert any(h.startswith("Follow-up (week 14)") for h in headings)
    for k, time in enumerate(times):
        part = plans[plans["time"] == time]
        points = list(dict.fromkeys(part["point"]))
        assert len(cells[k]) == len(points) == 4  # one row per distinct plan
        for row, point in zip(cells[k], points, strict=True):
            mine = csv[(csv["point"] == point) & (csv["time"] == time)].set_index("outcome")
            iso, gap = mine.loc["isolates_lb"], mine.loc["indegree_gap"]
            name = part[part["point"] == point]["plan"].iloc[0]
            assert row[0].startswith(name)
            assert _numbers(row[1]) == [round(iso["cost_per_year"])]
            assert _numbers(row[2]) == pytest.approx(
                [iso["mean"], iso["ci_low"], iso["ci_high"]], abs=0.051)
            avoided = _numbers(row[3])
            assert avoided[0] == pytest.approx(iso["isolates_avoided"], abs=0.051)
            if point != iso["control_point"]:
                assert avoided[1:] == pytest.approx([-iso["diff_high"], -iso["diff_low"]],
                                                    abs=0.051)
            if math.isfinite(iso["cost_per_isolate_avoided"]):
                assert _numbers(row[4]) == pytest.approx(
                    [iso["cost_per_isolate_avoided"], iso["cpia_low"], iso["cpia_high"]],
                    abs=0.51)
            elif iso["cost_per_year"]:
                assert row[4].startswith("not estimable") and "includes 0" in row[4]
            assert _numbers(row[5]) == pytest.approx(
                [gap["mean"], gap["ci_low"], gap["ci_high"]], abs=0.0051)
            assert _numbers(row[6])[0] == pytest.approx(gap["difference"], abs=0.0051)
