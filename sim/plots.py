"""matplotlib figures of a run: a class network and outcome trajectories."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

LB_COLOUR, OTHER_COLOUR = "#d95f02", "#1b9e77"


def draw_network(ax, x: np.ndarray, lb: np.ndarray, title: str, pos=None):
    """Draw a class: left-behind children orange, others green, size by in-degree,
    isolates (no ties at all) outlined in black. Returns the layout used."""
    g = nx.from_numpy_array(x, create_using=nx.DiGraph)
    if pos is None:
        pos = nx.spring_layout(g.to_undirected(), seed=1)
    indeg = x.sum(0)
    isolated = (indeg + x.sum(1)) == 0
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.35, arrowsize=6, width=0.7)
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=40 + 35 * indeg,
                           node_color=[LB_COLOUR if v else OTHER_COLOUR for v in lb],
                           edgecolors=["black" if v else "none" for v in isolated])
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    return pos


def network_figure(before: np.ndarray, after: np.ndarray, lb: np.ndarray, path,
                   labels=("start", "end")):
    """A class network at two moments side by side, saved to ``path``."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    pos = draw_network(axes[0], before, lb, labels[0])
    draw_network(axes[1], after, lb, labels[1], pos=pos)
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=t) for c, t in
               ((LB_COLOUR, "left behind"), (OTHER_COLOUR, "not left behind"))]
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


TRAJECTORIES = (("density", "density"), ("reciprocity", "reciprocity"),
                ("transitivity", "transitivity"), ("isolates_in_share", "never nominated"),
                ("indegree_gap", "in-degree gap (others - LBC)"),
                ("reciprocated_friend_lb", "LBC with a reciprocated friend"))


def trajectories_figure(table: pd.DataFrame, path):
    """Population-level outcomes by week, saved to ``path``."""
    pop = table[table["class"] == -1]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharex=True)
    for ax, (col, label) in zip(axes.ravel(), TRAJECTORIES, strict=True):
        ax.plot(pop["week"], pop[col], color="#444")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("week")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def effect_sizes_figure(table: pd.DataFrame, path, title: str = ""):
    """Hedges' g with 95% intervals for each outcome at post and follow-up."""
    rows = table[table["time"] != "pre"].reset_index(drop=True)
    arms = rows["arm"] if "arm" in rows else [""] * len(rows)
    labels = [f"{a + ': ' if len(set(arms)) > 1 else ''}{r.outcome} "
              f"({r.time.replace('_', '-')})" for a, r in zip(arms, rows.itertuples(),
                                                               strict=True)]
    y = np.arange(len(rows))[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(rows) + 1.2))
    ax.axvline(0, color="#999", lw=0.8)
    for band in (0.39, 0.28):  # social-skills training, post and follow-up (MODEL.md §4)
        ax.axvline(band, color="#d95f02", lw=0.6, ls=":")
    ax.errorbar(rows["g"], y, xerr=[rows["g"] - rows["ci_low"], rows["ci_high"] - rows["g"]],
                fmt="o", color="#1b9e77", ms=4, capsize=2)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("Hedges' g (treated vs the same children in the control arm), 95% CI")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
