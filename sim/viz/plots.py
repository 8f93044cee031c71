"""matplotlib figures of a run: a class network and outcome trajectories.

Figures are built as ``matplotlib.figure.Figure`` objects, not through pyplot, so the same
functions serve ``lbsim run`` (saved to files), notebooks (returned and shown) and the
interactive app (drawn in a browser page, one figure per session and thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.world.model import PeerNetworkModel

LB_COLOUR, OTHER_COLOUR = "#d95f02", "#1b9e77"
HIGHLIGHT_COLOUR = "#3f37c9"
SHADES = ("#4895ef", "#f4a261", "#90be6d", "#b5838d")  # intervention weeks, in order


def class_network(model: PeerNetworkModel, c: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Class ``c`` of a model now: its adjacency matrix (a copy) and left-behind flags.

    Parameters
    ----------
    model : PeerNetworkModel
        The model.
    c : int
        The class, 0..C-1.

    Returns
    -------
    tuple of (ndarray, ndarray)
        The class's network (n, n) and its children's left-behind flags (n,).
    """
    pop = model.population
    if not 0 <= c < pop.n_classes:
        raise ValueError(f"class {c} does not exist: the model has classes 0..{pop.n_classes - 1}")
    lb = pop.lb[pop.start[c]:pop.start[c] + pop.size[c]].astype(bool)
    return pop.network(c).copy(), lb


def layout(x: np.ndarray, pos: dict | None = None, iterations: int = 50) -> dict:
    """Positions for a class's children: a spring layout of the friendships, started from
    ``pos`` (if given) so an evolving network moves smoothly instead of jumping."""
    g = nx.from_numpy_array(np.maximum(x, x.T))
    pos = nx.spring_layout(g, pos=pos, iterations=iterations, seed=1)
    # isolates and small groups drift far off: bring them back to the edge of the class
    xy = np.array([pos[k] for k in g])
    centre = np.median(xy, axis=0)
    r = np.linalg.norm(xy - centre, axis=1)
    edge = 1.15 * np.quantile(r, 0.9)
    far = r > edge
    xy[far] = centre + (xy[far] - centre) * (edge / r[far])[:, None]
    return dict(zip(g, xy, strict=True))


def draw_network(ax: Axes, x: np.ndarray, lb: np.ndarray, title: str, pos: dict | None = None,
                 highlight: npt.ArrayLike | None = None) -> dict:
    """Draw a class: left-behind children orange, others green, size by in-degree,
    isolates (no ties at all) outlined in black, ``highlight`` (a boolean mask, e.g. the
    growth-group members) ringed in blue and the ties among them drawn in blue.

    Parameters
    ----------
    ax : Axes
        Where to draw.
    x : ndarray, shape (n, n)
        The class's network.
    lb : ndarray of bool, shape (n,)
        Left-behind children.
    title : str
        The panel's title.
    pos : dict, optional
        Node positions (default: :func:`layout` of ``x``).
    highlight : array of bool, optional
        Children to ring in blue.

    Returns
    -------
    dict
        The positions used (pass them on to keep a layout).
    """
    g = nx.from_numpy_array(x, create_using=nx.DiGraph)
    if pos is None:
        pos = layout(x)
    indeg = x.sum(0)
    isolated = (indeg + x.sum(1)) == 0
    ring = np.zeros(len(lb), bool) if highlight is None else np.asarray(highlight, bool)
    among = [(i, j) for i, j in g.edges if ring[i] and ring[j]]
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.35, arrowsize=6, width=0.7,
                           edgelist=[e for e in g.edges if e not in set(among)])
    if among:
        nx.draw_networkx_edges(g, pos, ax=ax, edgelist=among, edge_color=HIGHLIGHT_COLOUR,
                               alpha=0.9, arrowsize=8, width=1.6)
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=40 + 35 * indeg,
                           node_color=[LB_COLOUR if v else OTHER_COLOUR for v in lb],
                           edgecolors=[HIGHLIGHT_COLOUR if r else "black" if i else "none"
                                       for r, i in zip(ring, isolated, strict=True)],
                           linewidths=[2.5 if r else 1.0 for r in ring])
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    return pos


def network_legend(fig: Figure, highlight: str | None = None) -> None:
    """The colour key of :func:`draw_network` along the bottom of ``fig``."""
    handles = [Line2D([], [], marker="o", ls="", color=c, label=t) for c, t in
               ((LB_COLOUR, "left behind"), (OTHER_COLOUR, "not left behind"))]
    handles.append(Line2D([], [], marker="o", ls="", color="white", markeredgecolor="black",
                          label="isolate (no ties)"))
    if highlight:
        handles.append(Line2D([], [], marker="o", ls="", color="white", markeredgewidth=2,
                              markeredgecolor=HIGHLIGHT_COLOUR, label=highlight))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False,
               fontsize=8)


def _save(fig: Figure, path) -> Figure:
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def network_figure(before: np.ndarray, after: np.ndarray, lb: np.ndarray,
                   path: str | Path | None = None, labels: Sequence[str] = ("start", "end"),
                   highlight: npt.ArrayLike | None = None,
                   highlight_label: str | None = None) -> Figure:
    """A class network at two moments side by side, in one layout of the ties of both
    (so a child sits in the same place twice); saved to ``path`` if given.

    Parameters
    ----------
    before, after : ndarray, shape (n, n)
        The class's network at the two moments.
    lb : ndarray of bool, shape (n,)
        Left-behind children.
    path : str or Path, optional
        Where to save the figure.
    labels : sequence of str
        The two panels' titles.
    highlight : array of bool, optional
        Children to ring in blue (:func:`draw_network`).
    highlight_label : str, optional
        The legend's name for them.

    Returns
    -------
    Figure
        The matplotlib figure.
    """
    fig = Figure(figsize=(10, 5))
    axes = fig.subplots(1, 2)
    pos = layout(np.maximum(before, after))
    draw_network(axes[0], before, lb, labels[0], pos=pos, highlight=highlight)
    draw_network(axes[1], after, lb, labels[1], pos=pos, highlight=highlight)
    network_legend(fig, highlight_label if highlight is not None else None)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return _save(fig, path)


TRAJECTORIES = (("density", "density"), ("reciprocity", "reciprocity"),
                ("transitivity", "transitivity"), ("isolates_in_share", "never nominated"),
                ("indegree_gap", "in-degree gap (others - LBC)"),
                ("reciprocated_friend_lb", "LBC with a reciprocated friend"))


def intervention_weeks(scenario) -> list[tuple[float, float, str]]:
    """(first week, last week, name) of each of a scenario's interventions."""
    return [(spec.first_week, spec.last_week, spec.type.replace("_", " "))
            for spec in scenario.interventions]


def trajectories_figure(table: pd.DataFrame, path: str | Path | None = None,
                        columns: Sequence[tuple[str, str]] = TRAJECTORIES,
                        ncols: int = 3,
                        shade: Sequence[tuple[float, float, str]] = ()) -> Figure:
    """Population-level outcomes by week, one panel per (column, title) in ``columns``,
    the weeks of each intervention in ``shade`` ((first, last, name), e.g.
    :func:`intervention_weeks`) shaded; saved to ``path`` if given.

    Parameters
    ----------
    table : DataFrame
        The outcome table, one row per week (population rows).
    path : str or Path, optional
        Where to save the figure.
    columns : sequence of (str, str)
        The panels: outcome column and title.
    ncols : int
        Panels per row.
    shade : sequence of (float, float, str)
        Intervention weeks to shade: first, last, name.

    Returns
    -------
    Figure
        The matplotlib figure.
    """
    missing = [col for col, _ in columns if col not in table]
    if missing:
        raise ValueError(f"the outcome table has no column {', '.join(missing)}")
    pop = table[table["class"] == -1]
    nrows = -(-len(columns) // ncols)
    fig = Figure(figsize=(4 * ncols, 3 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
    for ax, (col, label) in zip(axes, columns, strict=False):
        for k, (first, last, _) in enumerate(shade):
            ax.axvspan(first - 0.5, last + 0.5, color=SHADES[k % len(SHADES)], alpha=0.25,
                       lw=0)
        ax.plot(pop["week"], pop[col], color="#444", marker="." if len(pop) < 3 else None)
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
        ax.set_xlabel("week")
    for ax in axes[len(columns):]:
        ax.set_axis_off()
    if shade:
        fig.legend(handles=[Patch(color=SHADES[k % len(SHADES)], alpha=0.25, label=name)
                            for k, (_, _, name) in enumerate(shade)],
                   loc="lower center", ncol=len(shade), frameon=False, fontsize=8)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
    else:
        fig.tight_layout()
    return _save(fig, path)


SOCIAL_SKILLS_TRAINING = (("post", 0.39, "just after"), ("follow_up", 0.28, "at follow-up"))
"""Social-skills training for children, d just after and at follow-up (Beelmann & Lösel
2006): what the growth group's confidence effect is calibrated to (docs/model.md §5, §6)."""
TIME_STYLES = {"post": ("#1b9e77", "o", "--"), "follow_up": ("#7570b3", "s", ":")}
"""Colour, marker and benchmark line style of each measurement time."""


def effect_sizes_figure(table: pd.DataFrame, path: str | Path | None = None,
                        title: str = "") -> Figure:
    """Hedges' g with 95% intervals for each outcome at post and follow-up, with the
    benchmarks of :data:`SOCIAL_SKILLS_TRAINING` as vertical lines in the legend; saved to
    ``path`` if given.

    Parameters
    ----------
    table : DataFrame
        A trial's effect sizes (:class:`sim.studies.trials.TrialResult`'s table).
    path : str or Path, optional
        Where to save the figure.
    title : str
        The figure's title.

    Returns
    -------
    Figure
        The matplotlib figure.
    """
    rows = table[table["time"] != "pre"].reset_index(drop=True)
    arms = rows["arm"] if "arm" in rows else [""] * len(rows)
    labels = [f"{a + ': ' if len(set(arms)) > 1 else ''}{r.outcome.replace('_', ' ')}"
              f"{' (class)' if getattr(r, 'level', 'child') == 'class' else ''}, "
              f"{r.time.replace('_', '-')}" for a, r in zip(arms, rows.itertuples(),
                                                             strict=True)]
    y = np.arange(len(rows))[::-1]
    fig = Figure(figsize=(7.5, 0.3 * len(rows) + 2.4), layout="constrained")
    ax = fig.subplots()
    ax.axvline(0, color="#999", lw=0.8)
    handles: list[Line2D | ErrorbarContainer] = []
    for time, d, when in SOCIAL_SKILLS_TRAINING:
        colour, _, style = TIME_STYLES[time]
        handles.append(ax.axvline(d, color=colour, lw=1.2, ls=style,
                                  label=f"social-skills training {when}: d = {d:.2f} "
                                        f"(Beelmann & Lösel 2006)"))
    for time, (colour, marker, _) in TIME_STYLES.items():
        at = (rows["time"] == time).to_numpy()
        if at.any():
            part = rows[at]
            handles.insert(len(handles) - 2, ax.errorbar(
                part["g"], y[at], xerr=[part["g"] - part["ci_low"], part["ci_high"] - part["g"]],
                fmt=marker, color=colour, ms=4, capsize=2,
                label=f"{time.replace('_', '-')}: g, 95% CI"))
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(y.min() - 0.7, y.max() + 0.7)
    ax.set_xlabel("Hedges' g: treated children against the same children in the control arm",
                  fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title, fontsize=10)
    fig.legend(handles=handles, loc="outside lower center", ncol=1, frameon=False,
               fontsize=8)
    return _save(fig, path)


def gof_figure(simulated: np.ndarray, observed: np.ndarray, labels: Sequence[str], p: float,
               title: str, path: str | Path | None = None,
               standardise: bool = False, axes_text: tuple[str, str] = ("", "")) -> Figure:
    """sienaGOF's plot: the simulated distribution of each component of an auxiliary
    statistic as a violin, its 5th and 95th percentiles dashed, the observed values joined
    by a red line, the test's p (:func:`sim.saom.gof.p_text`) in the title; ``axes_text``:
    the x and y axis labels; ``standardise``: each component centred and scaled by the
    simulations' mean and SD (plot.sienaGOF's center and scale, for components of very
    different sizes).

    Parameters
    ----------
    simulated : ndarray, shape (R, S)
        The simulated statistic vectors.
    observed : ndarray, shape (S,)
        The observed one.
    labels : sequence of str
        The components' names.
    p : float
        The test's p-value.
    title : str
        The figure's title.
    path : str or Path, optional
        Where to save the figure.
    standardise : bool
        Centre and scale each component.
    axes_text : tuple of (str, str)
        The x and y axis labels.

    Returns
    -------
    Figure
        The matplotlib figure.
    """
    from sim.saom.gof import p_text

    if standardise:
        mean, sd = simulated.mean(0), simulated.std(0)
        sd = np.where(sd > 0, sd, 1.0)
        simulated, observed = (simulated - mean) / sd, (observed - mean) / sd
    fig = Figure(figsize=(max(6.0, 0.45 * len(labels) + 2.0), 4.2), layout="constrained")
    ax = fig.subplots()
    pos = np.arange(1, len(labels) + 1)
    varying = simulated.std(0) > 0
    if varying.any():
        parts = ax.violinplot(simulated[:, varying], positions=pos[varying], showmeans=False,
                              showextrema=False)
        for body in parts["bodies"]:  # type: ignore[attr-defined]  # a list (stubs: Collection)
            body.set_facecolor("#bbbbbb")
            body.set_alpha(0.8)
    ax.plot(pos, np.percentile(simulated, 5, axis=0), color="#777", lw=0.8, ls="--")
    ax.plot(pos, np.percentile(simulated, 95, axis=0), color="#777", lw=0.8, ls="--")
    ax.plot(pos, observed, color="#d62728", marker="o", ms=4, lw=1.2)
    ax.set_xticks(pos, labels, fontsize=8, rotation=45 if len(labels) > 9 else 0)
    ax.set_title(f"{title}: {p_text(p, len(simulated))}", fontsize=10)
    xlabel, ylabel = axes_text
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(f"{ylabel}, standardised" if standardise else ylabel, fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(handles=[
        Line2D([], [], color="#d62728", marker="o", ms=4, lw=1.2, label="observed"),
        Patch(color="#bbbbbb", alpha=0.8, label=f"simulated ({len(simulated)} runs)"),
        Line2D([], [], color="#777", lw=0.8, ls="--", label="simulated 5th-95th percentile")],
        frameon=False, fontsize=8, loc="best")
    return _save(fig, path)


PRIOR_COLOUR, POSTERIOR_COLOUR, DEFAULT_COLOUR = "#bbbbbb", "#3f37c9", "#d95f02"


def prior_posterior_figure(table: pd.DataFrame, draws: pd.DataFrame,
                           magnitudes: Sequence[tuple[str, str]],
                           path: str | Path | None = None, ncols: int = 4) -> Figure:
    """One panel per magnitude (path, label) in ``magnitudes``: its uniform prior over the
    documented range, the posterior draws' histogram (``draws``: a column per path; a
    magnitude without draws shows the posterior mean +- SD of ``table``), its default
    marked, and posterior SD / prior SD in the title. ``table``: one row per magnitude
    with the columns of sim.studies.evidence.calibration.identifiability. Saved to ``path`` if
    given.

    Parameters
    ----------
    table : DataFrame
        One row per magnitude: its prior and posterior summaries.
    draws : DataFrame
        Posterior draws, a column per magnitude's path.
    magnitudes : sequence of (str, str)
        The panels: magnitude path and label.
    path : str or Path, optional
        Where to save the figure.
    ncols : int
        Panels per row.

    Returns
    -------
    Figure
        The matplotlib figure.
    """
    rows = table.set_index("magnitude")
    missing = [p for p, _ in magnitudes if p not in rows.index]
    if missing:
        raise ValueError(f"the identifiability table has no row for {', '.join(missing)}")
    nrows = -(-len(magnitudes) // ncols)
    fig = Figure(figsize=(3.4 * ncols, 2.5 * nrows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, (name, label) in zip(axes, magnitudes, strict=False):
        r = rows.loc[name]
        width = r["high"] - r["low"]
        ax.fill_between([r["low"], r["high"]], 0, 1 / width, color=PRIOR_COLOUR, alpha=0.6,
                        lw=0, step="pre")
        top = 1 / width
        if name in draws:
            heights, _, _ = ax.hist(draws[name], bins=np.linspace(r["low"], r["high"], 16),
                                    density=True, color=POSTERIOR_COLOUR, alpha=0.7)
            top = max(top, heights.max())
        else:
            mean, sd = r["posterior_mean"], r["posterior_sd"]
            top = 2.5 / width
            ax.errorbar([mean], [1.6 / width], xerr=[sd], fmt="o", color=POSTERIOR_COLOUR,
                        capsize=3)
            ax.text(mean, 1.75 / width, "posterior mean ± SD\n(draws not shipped)",
                    ha="center", va="bottom", fontsize=7, color=POSTERIOR_COLOUR)
        ax.axvline(r["default"], color=DEFAULT_COLOUR, ls="--", lw=1.4)
        ax.set_xlim(r["low"] - 0.04 * width, r["high"] + 0.04 * width)
        ax.set_ylim(0, 1.15 * top)
        ax.set_yticks([])
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.tick_params(axis="x", labelsize=8)
        ax.set_title(f"{label}\nposterior SD / prior SD {r['sd_ratio']:.2f}", fontsize=9)
    for ax in axes[len(magnitudes):]:
        ax.set_axis_off()
    fig.legend(handles=[
        Patch(color=PRIOR_COLOUR, alpha=0.6, label="prior: uniform over the documented range"),
        Patch(color=POSTERIOR_COLOUR, alpha=0.7, label=f"posterior ({len(draws)} draws)"),
        Line2D([], [], color=DEFAULT_COLOUR, ls="--", lw=1.4, label="default")],
        loc="outside lower center", ncol=3, frameon=False, fontsize=8)
    fig.supylabel("probability density (the prior's and the histogram's areas are 1)",
                  fontsize=8)
    return _save(fig, path)
