"""The plans of a staffing report as people read them: design points that are the same
plan merged into one, each named in plain words, and numbers printed as the report prints
them (no "-0.0", intervals in brackets, a cost per isolate avoided only where it exists).

Two design points are the same plan when their scenarios are equal once every staffing
intervention is replaced by the plan it amounts to (:meth:`StaffingSection.effective`): no workers
whatever their placement, or workers shared between schools when there are at least as
many workers as schools (each then serves one school, as under ``one_per_school``).
"""

from __future__ import annotations

import json
import math

import pandas as pd

from sim.studies.sweep.spec import scenario_from

PLACEMENTS = {"one_per_school": "one per school", "shared": "shared between schools"}
TARGETING = {"most_lbc": "schools with most left-behind children first",
             "random": "schools in random order"}
NOT_ESTIMABLE = "not estimable: interval includes 0"


def parameters(table: pd.DataFrame) -> list[str]:
    """The swept parameters of a plan table (its columns between ``point`` and ``time``)."""
    return list(table.columns[1:table.columns.get_loc("time")])


def plan_key(base: dict, values: dict) -> str:
    """The scenario a design point amounts to, as text: equal for points that are the same
    plan (staffing replaced by its effective plan)."""
    scenario = scenario_from(base, values)
    population = scenario.population
    schools = population.schools if population.from_files is None else None
    effective = [i.effective(schools) if i.type == "staffing" else i
                 for i in scenario.interventions]
    data = scenario.model_copy(update={"interventions": effective}).model_dump(mode="json")
    return json.dumps(data, sort_keys=True)


def _value(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def setting_words(key: str, value) -> str:
    """One swept setting in plain words: a staffing placement or targeting by its
    meaning, a number of workers as "4 social workers", anything else as ``name value``."""
    field = key.split(".")[-1]
    if field == "workers":
        return f"{int(value)} social worker{'s' if int(value) != 1 else ''}"
    if field == "placement":
        return PLACEMENTS.get(value, _value(value))
    if field == "targeting":
        return TARGETING.get(value, _value(value))
    return f"{field.replace('_', ' ')} {_value(value)}"


def plan_name(values: dict, every_setting: bool = False) -> str:
    """A plan in plain words (:func:`setting_words`, joined): "4 social workers, one per
    school"; "No social workers" when no intervention has any (its other staffing settings
    then do not matter), unless ``every_setting``: "0 social workers, shared between
    schools"."""
    workers = [k for k in values if k.endswith(".workers")]
    none = bool(workers) and all(int(values[k]) == 0 for k in workers) and not every_setting
    words = []
    for key, v in values.items():
        staffing = any(key.startswith(w[:-len("workers")]) for w in workers)
        if none and key in workers:
            words.append("no social workers")
        elif not (none and staffing):
            words.append(setting_words(key, v))
    name = ", ".join(words)
    return name[:1].upper() + name[1:]


def distinct_plans(table: pd.DataFrame, base: dict) -> pd.DataFrame:
    """The rows of a plan table (:func:`sim.studies.sweep.report.plan_table`) for one design point
    per distinct plan (the first), with its ``plan`` name and ``same_as``: the settings of
    the other design points that are the same plan ("" if none), in the dose's order."""
    params = parameters(table)
    # as Python values (one whole-number parameter alone would come as numpy integers)
    points = table.drop_duplicates("point").set_index("point")[params].astype(object)
    keys = {p: plan_key(base, dict(v)) for p, v in points.iterrows()}
    first: dict[str, int] = {}
    for p in points.index:
        first.setdefault(keys[p], p)
    same_as = {q: "; ".join(plan_name(dict(points.loc[p]), every_setting=True)
                            for p in points.index if keys[p] == keys[q] and p != q)
               for q in first.values()}
    out = table[table["point"].isin(list(first.values()))].copy()
    out.insert(1, "plan", out["point"].map(lambda q: plan_name(dict(points.loc[q]))))
    out.insert(2, "same_as", out["point"].map(same_as))
    dose = table.attrs["dose"]
    order = points.loc[list(first.values())].sort_values(dose, kind="stable").index
    rank = {p: k for k, p in enumerate(order)}
    out = out.sort_values("point", key=lambda s: s.map(rank), kind="stable")
    out.attrs.update(table.attrs)
    return out.reset_index(drop=True)


def number(x: float, digits: int = 1) -> str:
    """``x`` rounded to ``digits`` with thousands separators; a value that rounds to zero
    prints as 0 (never "-0.0"); a missing value as "n/a"."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{round(float(x), digits) + 0.0:,.{digits}f}"


def interval(low: float, high: float, digits: int = 1) -> str:
    """A 95% interval as "[low, high]" (see :func:`number`)."""
    return f"[{number(low, digits)}, {number(high, digits)}]"


def cost_per_isolate(row) -> str:
    """The cost per isolate avoided of an ``isolates_lb`` row with its interval, or why
    there is none: no cost, an interval of isolates avoided that includes 0, or a plan that
    adds isolates."""
    if not row["cost_per_year"]:
        return "no cost"
    if math.isfinite(row["cost_per_isolate_avoided"]):
        return (f"{number(row['cost_per_isolate_avoided'], 0)} "
                f"{interval(row['cpia_low'], row['cpia_high'], 0)}")
    if math.isfinite(row["diff_low"]) and row["diff_low"] > 0:
        return "none avoided: the plan adds isolates"
    return NOT_ESTIMABLE


def share(x: float | None) -> str:
    """A share as a whole percentage, "n/a" when unknown."""
    return "n/a" if x is None or not math.isfinite(x) else f"{100 * x:.0f}%"


def magnitudes_words(spec: dict, draws: int, replications: int = 0) -> str:
    """What a report's intervals include, in words (``replications`` per plan)."""
    from sim.studies.magnitudes import describe

    if not draws:
        return ("Intervals: the runs' noise only, with the assumed magnitudes at the "
                "scenario's values ('magnitudes: defaults'; a sweep draws them from the "
                "posterior unless told).")
    unsplit = (" (n/a: one run a draw, which cannot tell the two apart)"
               if replications and replications <= draws else "")
    return (f"Intervals include the assumed magnitudes' uncertainty (magnitudes: "
            f"{describe(spec.get('magnitudes', 'defaults'), draws)}) and the runs' noise; \"From "
            f"magnitudes\": the share of the isolates-avoided interval's variance from the "
            f"magnitudes{unsplit}.")


TIMES = {"end": "End of the school year", "follow_up": "Follow-up"}


def aligned(rows: list[list[str]]) -> list[str]:
    """Rows of cells as text lines: the first column left-aligned, the others right-aligned,
    each as wide as its widest cell, two spaces apart."""
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                      for k, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
            for r in rows]


def plans_text(table: pd.DataFrame) -> str:
    """A plan table (:func:`sim.studies.sweep.report.plan_table`) as text for a terminal: a table
    per time (end of year, follow-up), one row per distinct plan, its full name,
    left-behind isolates, isolates avoided, the in-degree gap and its change, the yearly
    cost and the cost per isolate avoided, with 95% intervals (and, when the sweep drew
    the magnitudes, the share of the isolates-avoided interval from them); then the plans
    merged."""
    plans = distinct_plans(table, table.attrs["base"])
    wide = plans.set_index(["point", "time", "outcome"])
    lines = ["Staffing plans compared with no social workers (95% intervals in brackets).",
             "Isolates: left-behind children no classmate names as a friend. In-degree gap:",
             "friend nominations received, other children minus left-behind children."]
    draws = table.attrs.get("magnitude_draws", 0)
    lines += [magnitudes_words(table.attrs["spec"], draws, int(table["replications"].max()))]
    for time, part in plans.groupby("time", sort=False):
        week = int(part["week"].iloc[0])
        rows = [["Plan", "Isolates", "Isolates avoided", "In-degree gap", "Change in gap",
                 "Yuan a year", "Yuan per isolate avoided"] + (["From magnitudes"] if draws
                                                               else [])]
        for point in dict.fromkeys(part["point"]):
            first = part[part["point"] == point].iloc[0]
            row = [first["plan"], "n/a", "n/a", "n/a", "n/a",
                   number(first["cost_per_year"], 0), "n/a"] + (["n/a"] if draws else [])
            if (point, time, "isolates_lb") in wide.index:
                iso = wide.loc[(point, time, "isolates_lb")]
                row[1:3] = [number(iso["mean"]), f"{number(iso['isolates_avoided'])} "
                            f"{interval(-iso['diff_high'], -iso['diff_low'])}"]
                row[6] = cost_per_isolate(iso)
                if draws:
                    row[7] = share(iso["diff_magnitudes_share"])
            if (point, time, "indegree_gap") in wide.index:
                gap = wide.loc[(point, time, "indegree_gap")]
                row[3:5] = [f"{number(gap['mean'], 2)} "
                            f"{interval(gap['ci_low'], gap['ci_high'], 2)}",
                            f"{number(gap['difference'], 2)} "
                            f"{interval(gap['diff_low'], gap['diff_high'], 2)}"]
            rows.append(row)
        lines += ["", f"{TIMES.get(time, time)} (week {week})", *aligned(rows)]
    merged = plans.drop_duplicates("point")
    merged = merged[merged["same_as"] != ""]
    if len(merged):
        lines.append("")
    for r in merged.itertuples():
        lines.append(f'"{r.plan}" also stands for: {r.same_as} (the same plan).')
    return "\n".join(lines)
