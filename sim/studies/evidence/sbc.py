"""Simulation-based calibration (SBC; Talts et al. 2018, arXiv:1804.06788) of the inference
of the magnitudes from the published findings (:mod:`sim.studies.evidence.calibration`), by a
reference table.

- Reference table (:func:`reference_table`): ``draws`` parameter vectors from the
  calibration's prior (:data:`PARAMETERS`: the uniforms of
  :data:`sim.studies.robustness.ASSUMPTIONS`
  and the nuisance :data:`sim.studies.evidence.calibration.DOSE`, drawn by
  :func:`sim.studies.magnitudes.prior`), each
  with every fitted finding simulated by :func:`sim.studies.evidence.calibration.simulate_findings`.
- Leave-one-out SBC (:func:`sbc`): each row in turn is the truth, its simulated figures the
  observed targets; rejection ABC over the *other* rows with the calibration's distance
  (the sum of squared differences over the published SEs,
  :func:`sim.studies.evidence.calibration.targets`)
  accepts the ``accept`` nearest (a tolerance quantile q = accept / (rows - 1)), optionally
  regression-adjusted (Beaumont, Zhang & Balding 2002, Genetics 162: 2025-2035; a uniform
  kernel). Per magnitude: the true value's rank among the accepted values (0 to accept) and
  whether it lies inside the central 50% and 90% intervals of the accepted values.
- Summary (:func:`summarise`): per magnitude the coverage of each interval with its
  Clopper-Pearson 95% interval beside the rate expected under calibration, a chi-squared
  test of uniform ranks, and the mean posterior SD / prior SD.

What this checks: the model, prior, distance and acceptance, i.e. the ABC posterior at
tolerance q, not pyabc's sequential steps (tests/studies/test_calibration.py checks those on a
normal mean). Rejection ABC at a positive tolerance is in general conservative: its
posterior is wider than the exact one, so coverage at or above the expected rate is what a correct
calibration gives; below it beyond binomial noise is a failure.

Intervals come from ranks: with L accepted values the true value's rank r is uniform on
0..L under calibration; the central interval of level c is [x_(a), x_(L+1-a)] of the sorted
accepted values, a = floor((1 - c) (L + 1) / 2) (at least 1), which holds the true value
when a <= r <= L - a, with probability (L + 1 - 2a) / (L + 1) exactly (c itself when
(1 - c) (L + 1) / 2 is a whole number, e.g. L = 19 or 39 for 50% and 90%).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.studies.evidence.calibration import DOSE, INFORMS, REPLICATIONS, simulate_findings
from sim.studies.robustness import ASSUMPTIONS, Assumption

PARAMETERS: tuple[Assumption, ...] = ASSUMPTIONS + (DOSE,)
"""The calibration's parameters: the assumption-marked magnitudes and the dose elasticity."""

LEVELS = (0.5, 0.9)
"""Central interval levels whose coverage is checked."""

FIGURE = "finding:"
"""Prefix of a reference table's simulated-figure columns (the rest are parameters)."""


def row_seed(seed: int, row: int) -> int:
    """The replication seed of a reference table's row (independent streams by row)."""
    return int(np.random.SeedSequence([seed, row]).generate_state(1)[0] % (2**31 - 1))


def reference_table(draws: int, seed: int,
                    replications: int | Mapping[str, int] = REPLICATIONS,
                    informs: Mapping[str, tuple[str, ...]] = INFORMS,
                    progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """``draws`` prior draws of :data:`PARAMETERS` (one column each, by path), the
    replication seed of each row and each finding of ``informs`` simulated under it
    (columns ``finding:<id>``)."""
    from sim.studies.evidence.spec import load_findings
    from sim.studies.magnitudes import prior

    findings, worlds = load_findings()
    params = prior(draws, seed, PARAMETERS).table
    rows = []
    for i, draw in enumerate(params.to_dict("records")):
        s = row_seed(seed, i)
        figures = simulate_findings(draw, findings, worlds, replications, s, informs)
        rows.append({"seed": s, **{FIGURE + k: v for k, v in figures.items()}})
        if progress is not None:
            progress(i + 1, draws)
    return pd.concat([params, pd.DataFrame(rows)], axis=1)


def split(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(parameters, simulated figures) of a reference table; figures keyed by finding id."""
    figures = [c for c in table.columns if c.startswith(FIGURE)]
    params = [c for c in table.columns if c not in figures and c != "seed"]
    return table[params], table[figures].rename(columns=lambda c: c[len(FIGURE):])


def distances(figures: np.ndarray, observed: np.ndarray, se: np.ndarray) -> np.ndarray:
    """Each row's :func:`sim.studies.evidence.calibration.distance` to ``observed``: sum of squared
    differences over ``se``; infinite where a figure is undefined."""
    d = (((figures - observed) / se) ** 2).sum(axis=1)
    return np.where(np.isfinite(d), d, np.inf)


def nearest(figures: np.ndarray, observed: np.ndarray, se: np.ndarray, accept: int,
            exclude: int) -> np.ndarray:
    """Indices of the ``accept`` rows nearest ``observed`` (ties by index), never the row
    ``exclude`` (the truth's own)."""
    d = distances(figures, observed, se)
    d[exclude] = np.inf
    idx = np.argsort(d, kind="stable")[:accept]
    if not np.isfinite(d[idx]).all():
        raise ValueError(f"fewer than {accept} rows with defined figures to accept")
    return idx


def regression_adjust(theta: np.ndarray, stats: np.ndarray, observed: np.ndarray,
                      se: np.ndarray) -> np.ndarray:
    """Beaumont et al. 2002's adjustment with a uniform kernel: theta - (s - s_obs) beta,
    beta the least-squares slopes of the accepted parameters on their standardised
    figures."""
    x = (stats - observed) / se
    design = np.column_stack([np.ones(len(x)), x])
    beta = np.linalg.lstsq(design, theta, rcond=None)[0][1:]
    return theta - x @ beta


def interval_rank(level: float, accept: int) -> int:
    """a: the central ``level`` interval of ``accept`` sorted values is [x_(a), x_(L+1-a)]."""
    return max(1, int(np.floor((1 - level) * (accept + 1) / 2 + 1e-9)))


def expected_coverage(level: float, accept: int) -> float:
    """Probability that a calibrated posterior's interval of that level holds the truth."""
    a = interval_rank(level, accept)
    return (accept + 1 - 2 * a) / (accept + 1)


def sbc(params: pd.DataFrame, figures: pd.DataFrame, se: Mapping[str, float], accept: int,
        truths: Sequence[int] | None = None, observed: np.ndarray | None = None,
        adjust: bool = False) -> pd.DataFrame:
    """Leave-one-out SBC: for each row of ``truths`` (default: every row whose figures are
    all defined), rejection ABC over the other rows with ``observed`` (default: the row's
    own figures) as targets; one row per truth and parameter: the true value, its rank among
    the ``accept`` accepted values, their SD and whether each :data:`LEVELS` interval holds
    it."""
    names = list(se)
    sims = figures[names].to_numpy(float)
    theta = params.to_numpy(float)
    scale = np.array([se[k] for k in names], float)
    rows = np.flatnonzero(np.isfinite(sims).all(axis=1)) if truths is None \
        else np.asarray(truths, int)
    obs = sims[rows] if observed is None else np.asarray(observed, float)
    if not 1 <= accept < len(sims) - 1:
        raise ValueError(f"accept must be 1 to {len(sims) - 2} (rows - 2), not {accept}")
    out = []
    for k, t in enumerate(rows):
        idx = nearest(sims, obs[k], scale, accept, exclude=int(t))
        post = theta[idx]
        if adjust:
            post = regression_adjust(post, sims[idx], obs[k], scale)
        rank = (post < theta[t]).sum(axis=0)
        for j, name in enumerate(params.columns):
            row = {"truth": int(t), "parameter": name, "value": theta[t, j],
                   "rank": int(rank[j]), "posterior_sd": float(post[:, j].std(ddof=1))}
            for level in LEVELS:
                a = interval_rank(level, accept)
                row[f"inside_{level:g}"] = bool(a <= rank[j] <= accept - a)
            out.append(row)
    return pd.DataFrame(out)


def summarise(ranks: pd.DataFrame, accept: int, prior_sd: Mapping[str, float],
              bins: int = 10) -> pd.DataFrame:
    """Per parameter: truths, for each of :data:`LEVELS` the coverage, its Clopper-Pearson
    95% interval and the rate expected under calibration (``below``: the interval lies
    under it); the p-value of a chi-squared test that the ranks 0..accept are uniform
    (grouped into ``bins`` bins of equal probability, which needs (accept + 1) divisible
    by ``bins``); mean posterior SD / prior SD."""
    from scipy import stats

    if (accept + 1) % bins:
        raise ValueError(f"accept + 1 = {accept + 1} is not divisible into {bins} rank bins")
    rows = []
    for name, part in ranks.groupby("parameter", sort=False):
        n = len(part)
        row = {"parameter": name, "truths": n}
        for level in LEVELS:
            hits = int(part[f"inside_{level:g}"].sum())
            ci = stats.binomtest(hits, n).proportion_ci(0.95, method="exact")
            expected = expected_coverage(level, accept)
            row |= {f"coverage_{level:g}": hits / n, f"low_{level:g}": ci.low,
                    f"high_{level:g}": ci.high, f"expected_{level:g}": expected,
                    f"below_{level:g}": bool(ci.high < expected)}
        counts = np.bincount(part["rank"].to_numpy() * bins // (accept + 1), minlength=bins)
        row["rank_p"] = float(stats.chisquare(counts).pvalue)
        row["sd_ratio"] = float(part["posterior_sd"].mean() / prior_sd[name])
        rows.append(row)
    return pd.DataFrame(rows)


def prior_sds(assumptions: tuple[Assumption, ...] = PARAMETERS) -> dict[str, float]:
    """Each parameter's prior SD: (high - low) / sqrt 12 (uniform)."""
    return {a.path: (a.high - a.low) / np.sqrt(12) for a in assumptions}


def check(table: pd.DataFrame, accept: int, adjust: bool = False,
          informs: Mapping[str, tuple[str, ...]] = INFORMS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranks, summary) of a reference table of the shipped calibration: the distance's SEs
    are the published ones (:func:`sim.studies.evidence.calibration.targets`)."""
    from sim.studies.evidence.calibration import targets
    from sim.studies.evidence.spec import load_findings

    findings, _ = load_findings()
    se = {k: t.se for k, t in targets(findings, informs).items()}
    params, figures = split(table)
    ranks = sbc(params, figures, se, accept, adjust=adjust)
    return ranks, summarise(ranks, accept, prior_sds())


def markdown(summary: pd.DataFrame) -> str:
    """The summary as a Markdown table (the SBC README's)."""
    head = ("| magnitude | truths | 50% coverage [95% CI] | 90% coverage [95% CI] | "
            "rank uniformity p | posterior SD / prior SD |\n|---|---|---|---|---|---|")
    lines = [head]
    for r in summary.to_dict("records"):
        cells = []
        for level in LEVELS:
            flag = " **below**" if r[f"below_{level:g}"] else ""
            cells.append(f"{r[f'coverage_{level:g}']:.2f} [{r[f'low_{level:g}']:.2f}, "
                         f"{r[f'high_{level:g}']:.2f}]{flag}")
        lines.append(f"| {r['parameter']} | {r['truths']} | {cells[0]} | {cells[1]} | "
                     f"{r['rank_p']:.3f} | {r['sd_ratio']:.2f} |")
    return "\n".join(lines)


def rank_figure(ranks: pd.DataFrame, accept: int, bins: int = 10,
                path: str | Path | None = None):
    """A histogram of the ranks per parameter (``bins`` bins of equal probability) with the
    band holding 99% of a bin's count under uniform ranks (Talts et al. 2018, fig. 1)."""
    from matplotlib.figure import Figure
    from scipy import stats

    names = list(dict.fromkeys(ranks["parameter"]))
    cols = 4
    fig = Figure(figsize=(11, 2.3 * -(-len(names) // cols)), layout="constrained")
    axes = fig.subplots(-(-len(names) // cols), cols, squeeze=False).ravel()
    labels = {a.path: a.name for a in PARAMETERS}
    for ax, name in zip(axes, names, strict=False):
        r = ranks.loc[ranks["parameter"] == name, "rank"].to_numpy()
        counts = np.bincount(r * bins // (accept + 1), minlength=bins)
        low, high = stats.binom.ppf(np.array([0.005, 0.995]), len(r), 1 / bins)
        ax.axhspan(low, high, color="#bbbbbb", alpha=0.5, lw=0)
        ax.axhline(len(r) / bins, color="#777", lw=0.8, ls="--")
        ax.bar(np.arange(bins), counts, width=0.9, color="#4895ef")
        ax.set_title(labels.get(name, name), fontsize=9)
        ax.set_xticks([0, bins - 1], ["lowest", "highest"], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    fig.suptitle("Rank of the true value among the accepted values (grey: 99% band under "
                 "calibration)", fontsize=10)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def accepted(table: pd.DataFrame, accept: int,
             informs: Mapping[str, tuple[str, ...]] = INFORMS) -> tuple[pd.DataFrame, np.ndarray]:
    """Rejection ABC on a reference table given the published findings (Pritchard et al.
    1999, Mol Biol Evol 16: 1791-1798): the ``accept`` rows nearest the published figures
    by the calibration's distance, as (parameters, their distances); equal weights. The
    same acceptance :func:`check` verifies by leave-one-out."""
    from sim.studies.evidence.calibration import targets
    from sim.studies.evidence.spec import load_findings

    findings, _ = load_findings()
    published = targets(findings, informs)
    params, figures = split(table)
    missing = set(published) - set(figures.columns)
    if missing:
        raise ValueError(f"the reference table has no figure for {', '.join(sorted(missing))}")
    keys = list(published)
    observed = np.array([published[k].estimate for k in keys])
    se = np.array([published[k].se for k in keys])
    if not 1 <= accept <= len(table):
        raise ValueError(f"accept 1 to {len(table)} rows of the table, not {accept}")
    d = distances(figures[keys].to_numpy(float), observed, se)
    idx = np.argsort(d, kind="stable")[:accept]
    return params.iloc[idx].reset_index(drop=True), d[idx]
