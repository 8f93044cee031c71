"""Figures (sim/viz/plots.py): built as Figure objects, saved only when asked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import assert_drawn, drawn_share
from matplotlib.figure import Figure

from sim.viz import plots
from sim.world.model import PeerNetworkModel
from sim.world.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model():
    scenario = load_scenario(ROOT / "scenarios" / "single_class.yaml").override(
        {"weeks": 3, "network.burn_in_years": 1.0})
    m = PeerNetworkModel(scenario, seed=2)
    m.run()
    return m


def test_class_network_is_a_copy_with_flags(model):
    x, lb = plots.class_network(model, 0)
    assert x.shape == (len(lb), len(lb)) and lb.dtype == bool
    x[:] = 0
    assert plots.class_network(model, 0)[0].sum() > 0
    with pytest.raises(ValueError, match="classes 0..0"):
        plots.class_network(model, 1)


def test_network_figure_returns_and_saves(model, tmp_path):
    x, lb = plots.class_network(model, 0)
    ring = np.zeros(len(lb), dtype=bool)
    ring[:3] = True
    fig = plots.network_figure(x, x, lb, highlight=ring, highlight_label="group")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert not list(tmp_path.iterdir())
    plots.network_figure(x, x, lb, tmp_path / "n.png")
    assert_drawn(tmp_path / "n.png")
    empty = np.zeros_like(x)
    plots.network_figure(empty, empty, lb, tmp_path / "empty.png")
    assert drawn_share(tmp_path / "empty.png") < drawn_share(tmp_path / "n.png")  # ties drawn


def test_layout_moves_on_from_given_positions(model):
    x, _ = plots.class_network(model, 0)
    first = plots.layout(x)
    assert set(first) == set(range(len(x)))
    again = plots.layout(x, first, iterations=1)
    moved = np.mean([np.linalg.norm(again[k] - first[k]) for k in first])
    assert moved < 0.5  # a small step from the old layout, not a new one


def test_trajectories_need_their_columns(model):
    fig = plots.trajectories_figure(model.outcomes, columns=(("density", "d"),), ncols=1)
    assert len(fig.axes) == 1
    with pytest.raises(ValueError, match="no column nonsense"):
        plots.trajectories_figure(model.outcomes, columns=(("nonsense", "x"),))


def test_trajectories_shade_each_interventions_weeks(model):
    fig = plots.trajectories_figure(model.outcomes, columns=(("density", "d"),), ncols=1,
                                    shade=[(1, 2, "growth group"), (3, 3, "family")])
    spans = [p for p in fig.axes[0].patches]
    assert [tuple(np.round(p.get_x() + np.array([0, p.get_width()]), 3)) for p in spans] == [
        (0.5, 2.5), (2.5, 3.5)]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["growth group", "family"]


def test_ties_among_ringed_members_are_drawn_apart(model):
    from matplotlib.figure import Figure as F
    x, lb = plots.class_network(model, 0)
    ring = np.zeros(len(lb), dtype=bool)
    i, j = np.argwhere(x)[0]
    ring[[i, j]] = True
    ax = F().subplots()
    plots.draw_network(ax, x, lb, "t", highlight=ring)
    colours = {tuple(np.round(c.get_edgecolor()[:3], 3)) for c in ax.patches}
    assert len(colours) == 2  # the members' tie in the highlight colour, the rest grey
