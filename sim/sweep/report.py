"""``lbsim report``: a staffing sweep as tables and a dose–response figure (docs/model.md §7:
for staffing policies, outcome per worker and per yuan).

Each plan (design point) is compared with its control: the point with the dose parameter
(by default the one naming ``workers``) at its lowest value and every other parameter
equal. With common seeds the comparison is paired by replication (the same county in both
arms), otherwise the two arms' means are compared (Welch). Intervals are 95% t intervals
over replications. Cost per year: each staffing intervention's workers x cost per worker.
Cost per isolate avoided: cost / (left-behind isolates in the control - in the plan), with
the interval from the difference's bounds; only where that interval excludes zero (elsewhere
the plan is "not distinguishable from 0").
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.atomic import atomic_folder
from sim.sweep import store
from sim.sweep.spec import scenario_from

OUTCOMES = ("isolates_lb", "indegree_lb", "indegree_gap")


class ReportError(ValueError):
    """A sweep folder that cannot be reported on; the message says why."""


def load(folder: str | Path) -> tuple[dict, pd.DataFrame]:
    """(spec.json contents, the rows of finished runs) of a sweep folder."""
    folder = Path(folder)
    path = folder / store.SPEC
    if not path.is_file():
        raise ReportError(f"{folder} is not a sweep folder: no {store.SPEC} (run "
                          f"`lbsim sweep SPEC --out {folder}` first)")
    meta = json.loads(path.read_text())
    rows = store.read(folder)
    if rows.empty:
        raise ReportError(f"{folder} holds no finished runs yet")
    return meta, rows


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    n = len(values)
    mean = float(values.mean()) if n else np.nan
    if n < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def _welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    diff = a.mean() - b.mean()
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    if not se > 0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = stats.t.ppf(0.975, df) * se
    return diff, diff - half, diff + half


def yearly_cost(base: dict, values: dict) -> float:
    """Yuan a year for the staffing interventions of the scenario at a design point."""
    scenario = scenario_from(base, values)
    return float(sum(i.workers * i.cost_per_worker for i in scenario.interventions
                     if i.type == "staffing"))


def plan_table(folder: str | Path, dose: str | None = None,
               end_week: int | None = None) -> pd.DataFrame:
    """One row per plan x time (end of year, follow-up) x outcome: mean and CI, the
    difference from the control with its CI, cost per year and (for left-behind
    isolates) cost per isolate avoided."""
    meta, rows = load(folder)
    spec, base = meta["spec"], meta["base"]
    params = [f"param:{k}" for k in spec["parameters"]]
    if dose is None:
        named = [k for k in spec["parameters"] if k.endswith("workers")]
        if not named:
            raise ReportError(f"no parameter names workers; give --dose, one of: "
                              f"{', '.join(spec['parameters'])}")
        dose = named[0]
    if dose not in spec["parameters"]:
        raise ReportError(f"--dose {dose!r} is not a parameter of the sweep; parameters: "
                          f"{', '.join(spec['parameters'])}")
    outcomes = [o for o in OUTCOMES if o in spec["outcomes"]]
    if not outcomes:
        raise ReportError(f"the sweep kept none of {', '.join(OUTCOMES)}")
    done = rows[rows["status"] == "done"]
    last = int(done["week"].max())
    end = end_week if end_week is not None else max(spec.get("at") or [last])
    times = {"end": end, "follow_up": last} if end != last else {"end": end}
    missing = [w for w in times.values() if w not in set(done["week"])]
    if missing:
        raise ReportError(f"week {missing[0]} was not kept; kept weeks: "
                          f"{sorted(set(done['week']))}")
    points = done.drop_duplicates("point").set_index("point")[params]
    others = [p for p in params if p != f"param:{dose}"]
    low = points[f"param:{dose}"].min()
    out = []
    for p, values in points.iterrows():
        same = (points[others] == values[others]).all(axis=1) if others else \
            pd.Series(True, index=points.index)
        controls = points.index[same & (points[f"param:{dose}"] == low)]
        control = int(controls[0]) if len(controls) else \
            int(points.index[points[f"param:{dose}"] == low][0])
        point_values = {k[len("param:"):]: v for k, v in values.items()}
        cost = yearly_cost(base, point_values)
        for label, week in times.items():
            mine = done[(done["point"] == p) & (done["week"] == week)].set_index("replication")
            ctrl = done[(done["point"] == control) & (done["week"] == week)].set_index(
                "replication")
            for o in outcomes:
                mean, lo, hi = _ci(mine[o].to_numpy(float))
                if spec.get("common_seeds"):
                    paired = mine[o].sub(ctrl[o]).dropna().to_numpy(float)
                    diff, dlo, dhi = _ci(paired)
                else:
                    diff, dlo, dhi = _welch(mine[o].to_numpy(float), ctrl[o].to_numpy(float))
                row = {"point": int(p), **{k[len("param:"):]: v for k, v in values.items()},
                       "time": label, "week": week, "outcome": o,
                       "replications": len(mine), "mean": mean, "ci_low": lo, "ci_high": hi,
                       "difference": diff, "diff_low": dlo, "diff_high": dhi,
                       "control_point": control, "cost_per_year": cost}
                if o == "isolates_lb":
                    avoided = -diff
                    row["isolates_avoided"] = avoided
                    # only where the interval of isolates avoided excludes 0: elsewhere the
                    # plan is not distinguishable from none and a cost per isolate is void
                    known = bool(dhi < 0 and cost)
                    row["cost_per_isolate_avoided"] = cost / avoided if known else np.nan
                    row["cpia_low"] = cost / -dlo if known else np.nan
                    row["cpia_high"] = cost / -dhi if known else np.nan
                out.append(row)
    table = pd.DataFrame(out)
    table.attrs["dose"] = dose
    return table


def plans_text(table: pd.DataFrame) -> str:
    """The left-behind isolates rows of a plan table as aligned text: each plan's mean,
    the isolates it avoids with their 95% interval, its yearly cost and the cost per
    isolate avoided with its interval, or "not distinguishable from 0" where the interval
    of isolates avoided includes 0."""
    dose = table.attrs["dose"]
    others = [c for c in table.columns[1:table.columns.get_loc("time")] if c != dose]
    lines = [f"{'plan':<36}{'time':<10}{'LBC isolates':>14}{'avoided [95% CI]':>26}"
             f"{'yuan/yr':>12}  {'yuan per isolate avoided [95% CI]'}"]
    for _, row in table[table["outcome"] == "isolates_lb"].iterrows():
        plan = ", ".join([f"{row[dose]:g} {dose.split('.')[-1]}"] +
                         [str(row[c]) for c in others])
        cpia = row["cost_per_isolate_avoided"]
        if cpia == cpia:
            cost = f"{cpia:,.0f} [{row['cpia_low']:,.0f}, {row['cpia_high']:,.0f}]"
        else:
            cost = "no cost" if not row["cost_per_year"] else "not distinguishable from 0"
        lines.append(f"{plan[:35]:<36}{row['time']:<10}{row['mean']:>14.1f}"
                     f"{row['isolates_avoided']:>9.1f} [{-row['diff_high']:>6.1f}, "
                     f"{-row['diff_low']:>6.1f}]{row['cost_per_year']:>12,.0f}  {cost}")
    return "\n".join(lines)


def dose_response_figure(table: pd.DataFrame, path: str | Path) -> None:
    """Left-behind isolates avoided (and the in-degree change) against the dose, a line
    per combination of the other parameters, a panel per time; error bars: 95% CI."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dose = table.attrs["dose"]
    times = list(dict.fromkeys(table["time"]))
    shown = [o for o in ("isolates_lb", "indegree_lb") if o in set(table["outcome"])]
    fig, axes = plt.subplots(len(shown), len(times), figsize=(5.5 * len(times),
                                                              3.8 * len(shown)),
                             squeeze=False)
    params = [c for c in table.columns[1:table.columns.get_loc("time")] if c != dose]
    titles = {"isolates_lb": "left-behind isolates avoided",
              "indegree_lb": "change in LBC mean in-degree"}
    for i, o in enumerate(shown):
        for j, t in enumerate(times):
            ax = axes[i][j]
            sub = table[(table["outcome"] == o) & (table["time"] == t)]
            for key, line in (sub.groupby(params) if params else [((), sub)]):
                line = line.sort_values(dose)
                sign = -1.0 if o == "isolates_lb" else 1.0
                y = sign * line["difference"]
                lo, hi = sign * line["diff_low"], sign * line["diff_high"]
                err = np.abs(np.vstack([y - np.minimum(lo, hi), np.maximum(lo, hi) - y]))
                label = ", ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
                ax.errorbar(line[dose], y, yerr=err, marker="o", capsize=3, label=label)
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_xlabel(dose.split(".")[-1])
            ax.set_title(f"{titles[o]} ({t.replace('_', '-')}, week "
                         f"{int(sub['week'].iloc[0])})", fontsize=10)
            if i == 0 and j == 0 and params:
                ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(folder: str | Path, out: str | Path | None = None, dose: str | None = None,
                 end_week: int | None = None, overwrite: bool = False) -> pd.DataFrame:
    """plans.csv and dose_response.png in ``out`` (default DIR/report), atomically; a
    folder that is not empty only with ``overwrite`` (:func:`sim.atomic.atomic_folder`)."""
    table = plan_table(folder, dose, end_week)
    out = Path(out) if out is not None else Path(folder) / "report"
    with atomic_folder(out, overwrite) as tmp:
        table.to_csv(tmp / "plans.csv", index=False)
        dose_response_figure(table, tmp / "dose_response.png")
    return table
