"""``report.html``: a staffing report for the people who decide, in one self-contained,
printable page (Jinja2 template ``sim/studies/sweep/templates/report.html.j2``; the figure embedded
as
SVG): one row per distinct plan (:mod:`sim.studies.sweep.plans`) with cost and cost per isolate
avoided, what the intervals include, and what the answer depends on: the assumed
magnitudes (:data:`sim.studies.robustness.ASSUMPTIONS`, the staffing settings marked as
assumptions) with their values in the sweep's scenario, ranked by Morris mu* when a
``lbsim robustness`` result is given.
"""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.studies.magnitudes import WORDS
from sim.studies.robustness import ASSUMPTIONS, group_places
from sim.studies.sweep.plans import (
    TIMES,
    cost_per_isolate,
    distinct_plans,
    number,
    parameters,
    share,
)
from sim.studies.sweep.spec import scenario_from
from sim.world.scenario import value_at

PLAIN = {
    "X:same_group": "How much more likely children in the same group are to become friends",
    "contact": "Extra chances a year for group members to make friends with each other",
    "setting_retention": "How long the group's bond lasts after its last session",
    "consolidated_retention": "The same, after a closing (consolidation) session",
    "confidence": "Change in a member's confidence per session",
    "stigma": "Change in a member's felt stigma per session",
    "shyness": "Change in a member's shyness per session",
    "barrier": "Progress on each member's main difficulty per session",
    "retention": "Share of the gains that last after the group ends",
    "acceptance": "Share of invited children who join a group",
    "adjustment": "How quickly children's confidence and stigma settle",
    "reciprocated_friends": "How much each mutual friendship lifts a child's confidence",
    "hours_per_week": "A social worker's working hours a week",
    "travel_hours_per_school": "Hours a shared worker loses travelling, per extra school",
    "groups_per_term": "Groups one worker can run at the same time",
    "cost_per_worker": "Cost of one social worker a year (yuan)",
}
"""Plain words for the assumed magnitudes, by the last part of their path."""

ROBUSTNESS_OUTCOMES = {"isolated": "isolation", "in_degree": "friends naming a child"}
"""The ``lbsim robustness`` outcomes the report shows (closest to its own outcomes)."""


class RobustnessError(ValueError):
    """A robustness result that cannot be read; the message says why."""


def assumptions(base: dict, robustness: pd.DataFrame | None = None) -> list[dict]:
    """The assumed magnitudes behind the sweep's scenario: name in plain words, dotted
    path, value here, documented range and source (robustness's ASSUMPTIONS, then the
    staffing settings whose description marks them as assumptions); with a robustness
    table, mu* (and its 95% half-width) per shown outcome at post, largest first, and the
    range it screened (``screened``: low, high; from its low and high columns)."""
    from sim.world.interventions.staffing import StaffingSection

    scenario = scenario_from(base, {})
    data = scenario.model_dump(mode="json")
    groups = group_places(scenario)  # the first growth group (its own or a staffing plan's)
    rows: list[dict[str, Any]] = []
    for a in ASSUMPTIONS:
        if "{group}" in a.path and not groups:
            continue
        path = a.path.format(group=groups[0]) if "{group}" in a.path else a.path
        rows.append({"key": a.path.replace("interventions.{group}.", ""), "path": path,
                     "value": value_at(data, path), "low": a.low, "high": a.high,
                     "why": a.why, "assumption": a.path})
    for k, i in enumerate(data["interventions"]):
        if i["type"] != "staffing":
            continue
        for name, field in StaffingSection.model_fields.items():
            if "assumption" in (field.description or ""):
                rows.append({"key": name, "path": f"interventions.{k}.{name}",
                             "value": i[name], "low": None, "high": None,
                             "why": field.description})
        break
    for r in rows:
        r["name"] = PLAIN.get(r["key"].split(".")[-1], r["key"])
    if robustness is None:
        return rows
    post = robustness[robustness["time"] == "post"]
    # robustness paths name the trial scenario's growth group: match on the rest
    key = post["parameter"].str.replace(r"^interventions\.\d+\.", "", regex=True)
    for r in rows:
        for outcome in ROBUSTNESS_OUTCOMES:
            hit = post[(post["outcome"] == outcome) & (key == r["key"])]
            r[outcome] = tuple(float(hit[c].iloc[0]) for c in
                               ("mu_star", "mu_star_low", "mu_star_high")) if len(hit) else None
            if len(hit) and {"low", "high"} <= set(hit.columns):
                r["screened"] = (float(hit["low"].iloc[0]), float(hit["high"].iloc[0]))
    first = next(iter(ROBUSTNESS_OUTCOMES))
    return sorted(rows, key=lambda r: -(r[first][0] if r.get(first) else -1.0))


def read_robustness(path: str | Path) -> pd.DataFrame:
    """A ``lbsim robustness`` result, from its folder or robustness.csv (``attrs["source"]``:
    the file)."""
    path = Path(path)
    csv = path / "robustness.csv" if path.is_dir() else path
    if not csv.is_file():
        raise RobustnessError(f"--robustness {path}: no robustness.csv there (make one with "
                              f"`lbsim robustness SCENARIO --out {path}`)")
    table = pd.read_csv(csv)
    need = {"outcome", "time", "parameter", "mu_star", "mu_star_low", "mu_star_high"}
    if not need <= set(table.columns):
        raise RobustnessError(f"{csv} is not a robustness result: it lacks "
                              f"{', '.join(sorted(need - set(table.columns)))}")
    table.attrs["source"] = str(csv)
    return table


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"
    return str(v)


def _svg(figure) -> str:
    """The figure as base64 SVG, the same bytes at the same seed: no date of drawing, and
    element ids from a fixed salt (matplotlib draws them at random otherwise)."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "lbsim"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _cell(value: float, low: float, high: float, digits: int) -> dict:
    return {"value": number(value, digits),
            "range": f"{number(low, digits)} to {number(high, digits)}"
            if math.isfinite(low) and math.isfinite(high) else ""}


def plan_rows(table: pd.DataFrame) -> dict[str, dict]:
    """Per time: its heading and one row of display strings per distinct plan."""
    plans = distinct_plans(table, table.attrs["base"])
    wide = plans.set_index(["point", "time", "outcome"])
    out = {}
    for time, part in plans.groupby("time", sort=False):
        rows = []
        for point in dict.fromkeys(part["point"]):
            first = part[part["point"] == point].iloc[0]
            row = {"plan": first["plan"], "same_as": first["same_as"],
                   "cost": number(first["cost_per_year"], 0)}
            if (point, time, "isolates_lb") in wide.index:
                iso = wide.loc[(point, time, "isolates_lb")]
                row["isolates"] = _cell(iso["mean"], iso["ci_low"], iso["ci_high"], 1)
                row["avoided"] = _cell(iso["isolates_avoided"], -iso["diff_high"],
                                       -iso["diff_low"], 1)
                cpia = cost_per_isolate(iso)
                if cpia[:1].isdigit():
                    row["cpia"] = _cell(iso["cost_per_isolate_avoided"], iso["cpia_low"],
                                        iso["cpia_high"], 0)
                else:  # "not estimable: interval includes 0" as value and reason
                    value, _, why = cpia.partition(": ")
                    row["cpia"] = {"value": value, "range": why}
                if point == iso["control_point"]:
                    row["avoided"]["range"] = "the comparison"
                elif math.isfinite(iso.get("diff_magnitudes_share", math.nan)):
                    row["avoided"]["range"] += (f", {share(iso['diff_magnitudes_share'])} "
                                                f"from magnitudes")
            if (point, time, "indegree_gap") in wide.index:
                gap = wide.loc[(point, time, "indegree_gap")]
                row["gap"] = _cell(gap["mean"], gap["ci_low"], gap["ci_high"], 2)
                row["gap_change"] = _cell(gap["difference"], gap["diff_low"],
                                          gap["diff_high"], 2)
                if point == gap["control_point"]:
                    row["gap_change"]["range"] = "the comparison"
            rows.append(row)
        out[time] = {"heading": f"{TIMES.get(time, time)} (week {int(part['week'].iloc[0])})",
                     "rows": rows}
    return out


def _summary(table: pd.DataFrame) -> dict:
    """The control's isolates at the first time, and the plans avoiding most isolates and
    costing least per isolate avoided there (None where no plan qualifies)."""
    plans = distinct_plans(table, table.attrs["base"])
    first = plans[(plans["time"] == plans["time"].iloc[0])
                  & (plans["outcome"] == "isolates_lb")]
    if first.empty:
        return {}
    control = first[first["point"] == first["control_point"]]
    known = first[first["diff_high"] < 0]
    cheap = first[first["cost_per_isolate_avoided"].notna()]
    most = known.loc[known["isolates_avoided"].idxmax()] if len(known) else None
    best = cheap.loc[cheap["cost_per_isolate_avoided"].idxmin()] if len(cheap) else None
    # other plans whose interval of isolates avoided reaches the largest estimate's interval
    close = 0 if most is None else int(((known["diff_low"] <= most["diff_high"])
                                        & (known["point"] != most["point"])).sum())
    near = 0 if best is None else int(((cheap["cpia_low"] <= best["cpia_high"])
                                       & (cheap["point"] != best["point"])).sum())
    return {
        "time": TIMES.get(first["time"].iloc[0], first["time"].iloc[0]).lower(),
        "week": int(first["week"].iloc[0]),
        "control": number(control["mean"].iloc[0], 0) if len(control) else None,
        "most": None if most is None else {
            "plan": most["plan"], "avoided": number(most["isolates_avoided"], 0),
            "low": number(-most["diff_high"], 0), "high": number(-most["diff_low"], 0),
            "cost": number(most["cost_per_year"], 0), "close": close},
        "cheapest": None if best is None else {
            "plan": best["plan"], "cpia": number(best["cost_per_isolate_avoided"], 0),
            "low": number(best["cpia_low"], 0), "high": number(best["cpia_high"], 0),
            "close": near},
    }


def drawn_ranges(table: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Per assumption path, the range of the distribution the sweep drew its magnitudes
    from: the shipped posterior's 2.5 and 97.5 percentiles, the prior's documented range
    (its bounds), or (a file) the 2.5 and 97.5 percentiles of the draws the sweep used; {}
    when it drew none."""
    from sim.studies.magnitudes import central_range, screening_ranges

    source = table.attrs["spec"].get("magnitudes")
    values = pd.DataFrame(table.attrs.get("magnitude_values", []))
    if not table.attrs.get("magnitude_draws", 0) or values.empty:
        return {}
    if source in ("prior", "posterior"):
        return {a.path: (a.low, a.high) for a in screening_ranges(source)}
    return {str(c): central_range(values[c]) for c in values}


def range_text(row: dict, drawn: dict[str, tuple[float, float]], source: str | None) -> str:
    """The range an assumption's row shows: where the sweep drew it from, the range a
    robustness result screened, else its documented range (blank when it has none)."""
    if row["low"] is None:
        return ""
    parts = []
    short = "{:.3g}".format  # an estimated range's ends, to 3 significant digits
    if row["assumption"] in drawn:
        low, high = drawn[row["assumption"]]
        name = "the posterior" if source == "posterior" else f"the file {source}"
        parts.append(f"drawn uniformly over {short(low)} to {short(high)} (documented)"
                     if source == "prior" else
                     f"drawn from {name} (2.5-97.5%: {short(low)} to {short(high)})")
    if "screened" in row:
        parts.append(f"screened: {short(row['screened'][0])} to {short(row['screened'][1])}")
    return "; ".join(parts) or f"{_value(row['low'])} to {_value(row['high'])} (documented)"


def _magnitudes(table: pd.DataFrame) -> dict | None:
    """When the sweep drew the magnitudes: their source, the number of draws and the median
    share of the isolates-avoided intervals' variance from them (plans other than the
    control; None when one run a draw cannot tell it); None otherwise."""
    draws = table.attrs.get("magnitude_draws", 0)
    if not draws:
        return None
    spec = table.attrs["spec"]
    rows = table[(table["outcome"] == "isolates_lb") & (table["point"] != table["control_point"])]
    source = spec["magnitudes"]
    median = rows["diff_magnitudes_share"].median()
    return {"draws": draws, "share": share(median) if math.isfinite(median) else None,
            "source": f"from {WORDS.get(source, f'the file {source}')}",
            "name": SOURCES.get(source, f"the file {source}")}


SOURCES = {"posterior": "the posterior inferred from published experiments",
           "prior": "the prior's documented ranges"}
"""What a sweep drew its magnitudes from, in short words (a file is named by its path)."""

BASIS = {"posterior": "inferred from published experiments (docs/evidence.md), not measured "
                      "in this county",
         "prior": "drawn over their documented ranges, which no field study has measured yet",
         "defaults": "at the scenario's values, which no field study has measured yet"}
"""Where the assumed magnitudes behind the answer come from, by the sweep's source."""


def basis(table: pd.DataFrame) -> str:
    """Where the sweep's assumed magnitudes come from, in words (:data:`BASIS`)."""
    source = table.attrs["spec"].get("magnitudes") or "defaults"
    if not table.attrs.get("magnitude_draws", 0):
        source = "defaults"
    return BASIS.get(source, f"drawn from the file {source}")


def render(table: pd.DataFrame, figure, robustness: pd.DataFrame | None = None) -> str:
    """report.html's text for a plan table (:func:`sim.studies.sweep.report.plan_table`), its
    dose-response figure (a matplotlib Figure, embedded as SVG) and optionally a robustness
    result (:func:`read_robustness`)."""
    import jinja2

    from sim.version import lbsim_version

    spec, base = table.attrs["spec"], table.attrs["base"]
    scenario = scenario_from(base, {})
    rows = assumptions(base, robustness)
    magnitudes = _magnitudes(table)
    drawn = drawn_ranges(table)
    for r in rows:  # the ranged assumptions are drawn when the sweep drew the magnitudes
        r["shown"] = "drawn" if r.get("assumption") in drawn else _value(r["value"])
        r["range"] = range_text(r, drawn, spec.get("magnitudes")) if "assumption" in r else ""
        for outcome in ROBUSTNESS_OUTCOMES:
            mu = r.get(outcome)
            r[f"{outcome}_shown"] = {"value": f"{mu[0]:.2f}",
                                     "range": f"[{mu[1]:.2f}, {mu[2]:.2f}]"} \
                if mu else {"value": "not varied", "range": ""}
    cost = next((i.cost_per_worker for i in scenario.interventions if i.type == "staffing"),
                None)
    pop = scenario.population
    env = jinja2.Environment(loader=jinja2.PackageLoader("sim.studies.sweep", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2").render(
        name=spec["name"], folder=table.attrs["folder"], seed=spec["seed"],
        replications=int(table["replications"].max()),
        common_seeds=bool(spec.get("common_seeds")),
        parameters=", ".join(parameters(table)),
        county={"schools": pop.schools, "classes": pop.classes_per_school,
                "class_size": number(pop.class_size.mean, 0),
                "lb_share": number(100 * pop.left_behind_share, 1), "weeks": scenario.weeks},
        cost_per_worker=None if cost is None else number(cost, 0),
        summary=_summary(table), times=plan_rows(table), figure=_svg(figure),
        assumptions=rows, magnitudes=magnitudes, basis=basis(table),
        robustness=None if robustness is None else robustness.attrs.get("source", "given"),
        robustness_outcomes=ROBUSTNESS_OUTCOMES,
        top=[r["name"][:1].lower() + r["name"][1:] for r in rows[:2]]
        if robustness is not None else [],
        version=lbsim_version())
