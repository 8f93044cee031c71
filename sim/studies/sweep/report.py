"""``lbsim report``: a staffing sweep as tables, a dose–response figure and a printable page
(docs/model.md §7: for staffing policies, outcome per worker and per yuan; the page and the
terminal table: :mod:`sim.studies.sweep.report_html`, :mod:`sim.studies.sweep.plans`).

Each plan (design point) is compared with its control: the point with the dose parameter
(by default the one naming ``workers``) at its lowest value and every other parameter
equal. With common seeds the comparison is paired by replication (the same county in both
arms), otherwise the two arms' means are compared (Welch). Intervals are 95% t intervals
over replications. Cost per year: each staffing intervention's workers x cost per worker.
Cost per isolate avoided: cost / (left-behind isolates in the control - in the plan), with
the interval from the difference's bounds; only where that interval excludes zero (elsewhere
it is "not estimable").

When the sweep drew the assumption-marked magnitudes (``magnitudes`` in the spec), a
replication has the same draw at every point, so differences are paired by replication, and
each interval is the t interval over the draws' means (D - 1 degrees of freedom): the
one-way random-effects interval of :mod:`sim.studies.trials`, which includes the magnitudes'
uncertainty and the runs' noise; ``ci_magnitudes_share`` and ``diff_magnitudes_share`` are
the parts of the mean's and the difference's variance from the magnitudes
(:func:`sim.studies.trials.draw_components`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.atomic import atomic_folder
from sim.studies.result import Result
from sim.studies.sweep import store
from sim.studies.sweep.plans import parameters, setting_words
from sim.studies.sweep.spec import scenario_from

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


def _ci_by_draw(values: np.ndarray, draw: np.ndarray | None) -> tuple[float, ...]:
    """(mean, low, high) as :func:`_ci`, without ``draw``; with each value's draw of the
    magnitudes: the t interval over the draws' means and, fourth, the magnitudes' share of
    its variance."""
    if draw is None:
        return _ci(values)
    from sim.studies.trials import draw_components

    ok = np.isfinite(values)
    values, draw = values[ok], draw[ok]
    if len(values) < 2:
        return (*_ci(values), np.nan)
    ids, inverse = np.unique(draw, return_inverse=True)
    means = np.bincount(inverse, weights=values) / np.bincount(inverse)
    mean, low, high = _ci(means) if len(ids) > 1 else _ci(values)
    return mean, low, high, float(draw_components(values, draw)["magnitudes_share"])


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
    isolates) cost per isolate avoided. ``attrs``: the dose, the base scenario, the spec
    and the folder.

    Parameters
    ----------
    folder : str or Path
        The sweep's folder.
    dose : str, optional
        The parameter whose values are the plans' doses (default: the one naming workers).
    end_week : int, optional
        The end-of-year week (default: the last week kept).

    Returns
    -------
    DataFrame
        The plan table.
    """
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
    drawn = "draw" in done and done["draw"].notna().any()
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
                split = {}
                if drawn:  # paired by replication: the same draw in both
                    paired = mine[o].sub(ctrl[o]).dropna()
                    mean, lo, hi, share = _ci_by_draw(mine[o].to_numpy(float),
                                                      mine["draw"].to_numpy())
                    diff, dlo, dhi, dshare = _ci_by_draw(
                        paired.to_numpy(float), mine["draw"].loc[paired.index].to_numpy())
                    split = {"ci_magnitudes_share": share, "diff_magnitudes_share": dshare}
                elif spec.get("common_seeds"):
                    mean, lo, hi = _ci(mine[o].to_numpy(float))
                    paired = mine[o].sub(ctrl[o]).dropna().to_numpy(float)
                    diff, dlo, dhi = _ci(paired)
                else:
                    mean, lo, hi = _ci(mine[o].to_numpy(float))
                    diff, dlo, dhi = _welch(mine[o].to_numpy(float), ctrl[o].to_numpy(float))
                row = {"point": int(p), **{k[len("param:"):]: v for k, v in values.items()},
                       "time": label, "week": week, "outcome": o,
                       "replications": len(mine), "mean": mean, "ci_low": lo, "ci_high": hi,
                       "difference": diff, "diff_low": dlo, "diff_high": dhi,
                       "control_point": control, "cost_per_year": cost, **split}
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
    table.attrs.update(dose=dose, base=base, spec=spec, folder=str(folder),
                       magnitude_draws=len(meta.get("magnitude_draws", [])) if drawn else 0,
                       magnitude_values=meta.get("magnitude_draws", []) if drawn else [])
    return table


FIGURE_ROWS = {
    "isolates_lb": ("Left-behind isolates avoided", "children"),
    "indegree_gap": ("Change in the in-degree gap", "friend nominations per child"),
    "cost_per_isolate_avoided": ("Cost per isolate avoided", "yuan per child"),
}
"""The dose-response figure's rows: title and the y axis's unit."""


def dose_response(table: pd.DataFrame):
    """The dose-response figure: a row each for left-behind isolates avoided, the change in
    the in-degree gap (others minus LBC) and the cost per isolate avoided (where the
    interval of isolates avoided excludes 0), a column per time, against the dose with a
    line per combination of the other parameters; error bars: 95% intervals. A top axis
    gives the yearly cost where it is proportional to the dose."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    dose = table.attrs["dose"]
    times = list(dict.fromkeys(table["time"]))
    outcomes = set(table["outcome"])
    rows = [r for r in FIGURE_ROWS if r in outcomes or
            (r == "cost_per_isolate_avoided" and "isolates_lb" in outcomes)]
    fig = Figure(figsize=(5.2 * len(times), 3.0 * len(rows)))
    axes = fig.subplots(len(rows), len(times), squeeze=False, sharex=True)
    params = [c for c in parameters(table) if c != dose]
    proportional = False
    if pd.api.types.is_numeric_dtype(table[dose]):
        paid = table[(table[dose] > 0) & (table["cost_per_year"] > 0)]
        per_unit = paid["cost_per_year"] / paid[dose]
        proportional = len(per_unit) > 0 and bool(np.allclose(per_unit, per_unit.iloc[0]))
    for i, r in enumerate(rows):
        for j, t in enumerate(times):
            ax = axes[i][j]
            o = "isolates_lb" if r == "cost_per_isolate_avoided" else r
            sub = table[(table["outcome"] == o) & (table["time"] == t)]
            points = 0
            for key, line in (sub.groupby(params) if params else [((), sub)]):
                line = line.sort_values(dose)
                if r == "cost_per_isolate_avoided":
                    line = line[np.isfinite(line[r])]
                    y, lo, hi = line[r], line["cpia_low"], line["cpia_high"]
                elif r == "isolates_lb":
                    y, lo, hi = -line["difference"], -line["diff_high"], -line["diff_low"]
                else:
                    y, lo, hi = line["difference"], line["diff_low"], line["diff_high"]
                err = np.abs(np.vstack([y - lo, hi - y]))
                key = key if isinstance(key, tuple) else (key,)
                label = ", ".join(setting_words(p, k) for p, k in zip(params, key,
                                                                       strict=True))
                ax.errorbar(line[dose], y, yerr=err, marker="o", capsize=3, label=label)
                points += len(line)
            title, unit = FIGURE_ROWS[r]
            if r != "cost_per_isolate_avoided":
                ax.axhline(0, color="grey", lw=0.8)
            elif points:  # upper bounds span decades where few isolates are avoided
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter("{x:,.0f}")
                unit += " (log scale)"
            else:
                ax.text(0.5, 0.5, "not estimable:\nevery interval of isolates avoided "
                        "includes 0", ha="center", va="center", transform=ax.transAxes,
                        fontsize=9, color="grey")
                ax.set_yticks([])
            ax.set_ylabel(unit)
            ax.set_xlabel("social workers" if dose.endswith("workers") else
                          dose.split(".")[-1].replace("_", " "))
            ax.tick_params(labelbottom=True)
            if pd.api.types.is_integer_dtype(table[dose]):
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(f"{title} ({t.replace('_', '-')}, week "
                         f"{int(sub['week'].iloc[0])})", fontsize=10)
            if proportional and i == 0:
                unit_cost = float(per_unit.iloc[0])
                top = ax.secondary_xaxis("top", functions=(lambda x, c=unit_cost: x * c / 1e6,
                                                           lambda m, c=unit_cost: m * 1e6 / c))
                top.set_xlabel("cost per year (million yuan)", fontsize=8)
                top.tick_params(labelsize=8)
    if params:
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9,
                   frameon=False)
    fig.tight_layout(rect=(0, 0.04 if params else 0, 1, 1))
    return fig


@dataclass(frozen=True, repr=False)
class ReportResult(Result):
    """A staffing report: ``plans``, the plan table (:func:`plan_table`; its ``attrs`` say
    the dose, spec and base) and ``out``, the folder written (plans.csv,
    dose_response.png, report.html).

    Attributes
    ----------
    plans : DataFrame
        The plan table (:func:`plan_table`).
    out : Path
        The folder written.
    """

    plans: pd.DataFrame
    out: Path

    def table(self) -> str:
        """The plans as text (:func:`sim.studies.sweep.plans.plans_text`) and the folder."""
        from sim.studies.sweep.plans import plans_text

        return (f"{plans_text(self.plans)}\n"
                f"-> {self.out} (report.html, plans.csv, dose_response.png)")

    def to_frame(self) -> pd.DataFrame:
        """The plan table (with its ``attrs``)."""
        return self.plans.copy()

    def plot(self, path: str | Path | None = None):
        """The dose-response figure (:func:`dose_response`)."""
        figure = dose_response(self.plans)
        if path is not None:
            figure.savefig(path, dpi=110)
        return figure


def write_report(folder: str | Path, out: str | Path | None = None, dose: str | None = None,
                 end_week: int | None = None, robustness: str | Path | None = None,
                 overwrite: bool = False) -> ReportResult:
    """plans.csv, dose_response.png and report.html (:mod:`sim.studies.sweep.report_html`, with
    ``robustness``: a ``lbsim robustness`` folder or its robustness.csv) in ``out``
    (default DIR/report), atomically; a folder that is not empty only with ``overwrite``
    (:func:`sim.atomic.atomic_folder`).

    Parameters
    ----------
    folder : str or Path
        The sweep's folder.
    out : str or Path, optional
        The report's folder (default DIR/report).
    dose : str, optional
        The parameter whose values are the plans' doses (default: the one naming workers).
    end_week : int, optional
        The end-of-year week (default: the last week kept).
    robustness : str or Path, optional
        A ``lbsim robustness`` folder or its robustness.csv, shown in the report.
    overwrite : bool
        Replace a folder that is not empty.

    Returns
    -------
    ReportResult
        The plan table (:func:`plan_table`) and the folder written.
    """
    from sim.studies.sweep.report_html import read_robustness, render

    ranking = read_robustness(robustness) if robustness is not None else None
    table = plan_table(folder, dose, end_week)
    out = Path(out) if out is not None else Path(folder) / "report"
    figure = dose_response(table)
    page = render(table, figure, ranking)
    with atomic_folder(out, overwrite) as tmp:
        table.to_csv(tmp / "plans.csv", index=False)
        figure.savefig(tmp / "dose_response.png", dpi=110)
        (tmp / "report.html").write_text(page, encoding="utf-8")
    return ReportResult(table, out)
