"""The interactive classroom: a class's friendship network in the browser (Solara, with
Mesa's SolaraViz controller).

``lbsim viz`` (or ``solara run sim/viz/app.py``) serves :func:`Page` in a browser; in a notebook
cell, ``from sim.viz.app import Page; Page()`` shows the same thing. Sliders set the left-behind
share, the felt stigma and shyness of left-behind children, the growth group's size and
its number of sessions, each showing its value; Reset builds a new model with them, Step
and ▶ run school weeks. The classes' networks (left-behind children orange, size by
in-degree, group members ringed) and the density, isolation and left-behind gap curves
follow every week.

The base scenario is ``scenarios/dafang_yuchong.yaml`` unless the environment variable
``LBSIM_VIZ_SCENARIO`` names another file (``lbsim viz SCENARIO`` sets it).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim.viz import plots
from sim.world.interventions import group_members
from sim.world.model import PeerNetworkModel
from sim.world.scenario import Scenario, load_scenario

SCENARIO_VARIABLE = "LBSIM_VIZ_SCENARIO"
DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "dafang_yuchong.yaml"
SHOWN_CLASSES = 2
"""Classes drawn side by side (the first ones of the first school)."""

LIVE_PLOTS = (("density", "density"), ("isolates_in_share", "never nominated (share)"),
              ("indegree_gap", "in-degree gap (others - LBC)"),
              ("confidence_lb", "confidence of LBC"))


@cache
def _load(path: str) -> Scenario:
    return load_scenario(path)


def base_scenario() -> Scenario:
    """The scenario the sliders start from (``LBSIM_VIZ_SCENARIO`` or the Dafang school)."""
    return _load(os.environ.get(SCENARIO_VARIABLE) or str(DEFAULT_SCENARIO))


def _group_index(base: Scenario) -> int | None:
    """Index of the base scenario's first growth group among its interventions, if any."""
    return next((k for k, s in enumerate(base.interventions) if s.type == "growth_group"),
                None)


def scenario_for(base: Scenario, left_behind_share: float | None = None,
                 stigma: float | None = None, shyness: float | None = None,
                 group_size: int | None = None, sessions: int | None = None) -> Scenario:
    """``base`` with the sliders' values: the left-behind share, the felt-stigma and
    shyness shifts of left-behind children, and the first growth group's size and number
    of sessions (its first ``sessions`` sessions; 0 removes the group). None keeps the
    base's value."""
    changes: dict[str, object] = {}
    if left_behind_share is not None:
        changes["population.left_behind_share"] = float(left_behind_share)
    if stigma is not None:
        changes["traits.stigma.left_behind_shift"] = float(stigma)
    if shyness is not None:
        changes["traits.shyness.left_behind_shift"] = float(shyness)
    k = _group_index(base)
    if k is None and (group_size is not None or sessions):
        raise ValueError(f"scenario {base.name!r} has no growth group whose size or "
                         f"sessions could be set")
    if group_size is not None:
        changes[f"interventions.{k}.group_size"] = int(group_size)
    if sessions is not None and k is not None:
        available = base.interventions[k].sessions
        if not 0 <= sessions <= len(available):
            raise ValueError(f"sessions must be between 0 and {len(available)} (the "
                             f"group's programme), got {sessions}")
        if sessions == 0:
            changes["interventions"] = [s.model_dump() for j, s in
                                        enumerate(base.interventions) if j != k]
        else:
            changes[f"interventions.{k}.sessions"] = [s.model_dump() for s in
                                                      available[:sessions]]
    return base.override(changes) if changes else base


class ClassroomModel(PeerNetworkModel):
    """:class:`PeerNetworkModel` built from keyword arguments, as SolaraViz passes them
    (see :func:`scenario_for`); it stops running after the scenario's weeks."""

    def __init__(self, left_behind_share: float | None = None, stigma: float | None = None,
                 shyness: float | None = None, group_size: int | None = None,
                 sessions: int | None = None, seed: int | None = None,
                 base: Scenario | None = None):
        config = scenario_for(base or base_scenario(), left_behind_share, stigma, shyness,
                              group_size, sessions)
        super().__init__(config, seed=seed)
        self.positions: dict[int, dict] = {}

    def step(self) -> None:
        super().step()
        self.running = self.week < self.config.weeks

    def group_members(self) -> np.ndarray:
        """Indices of the children recruited into a growth group so far (every
        intervention's ``members``: none for family and classroom levers)."""
        return group_members(self)


def on_grid(spec: dict) -> dict:
    """A slider with its value moved to the nearest step within its range: the value the
    browser's slider holds (and shows), so the model built from it is the one shown."""
    lo, hi, step = spec["min"], spec["max"], spec["step"]
    value = min(max(lo + round((spec["value"] - lo) / step) * step, lo), hi)
    return {**spec, "value": round(value, 6) if spec["type"] == "SliderFloat" else int(value)}


def model_params(base: Scenario) -> dict:
    """Sliders for ``base`` (each's starting value on its grid, :func:`on_grid`); the
    growth-group sliders only if it has a group."""
    p, t = base.population, base.traits
    params = {
        "left_behind_share": {"type": "SliderFloat", "label": "share left behind",
                              "value": p.left_behind_share, "min": 0.0, "max": 0.8,
                              "step": 0.01},
        "stigma": {"type": "SliderFloat", "label": "extra felt stigma of LBC",
                   "value": t.stigma.left_behind_shift, "min": -0.2, "max": 0.5,
                   "step": 0.05},
        "shyness": {"type": "SliderFloat", "label": "extra shyness of LBC",
                    "value": t.shyness.left_behind_shift, "min": -0.2, "max": 0.5,
                    "step": 0.05},
    }
    k = _group_index(base)
    if k is not None:
        group = base.interventions[k]
        params["group_size"] = {"type": "SliderInt", "label": "growth group size",
                                "value": group.group_size, "min": 2, "max": 20, "step": 1}
        params["sessions"] = {"type": "SliderInt", "label": "group sessions (0: none)",
                              "value": len(group.sessions), "min": 0,
                              "max": len(group.sessions), "step": 1}
    params["seed"] = {"type": "SliderInt", "label": "seed", "value": base.seed, "min": 0,
                      "max": max(50, base.seed), "step": 1}
    return {name: on_grid(spec) for name, spec in params.items()}


def network_figure(model: ClassroomModel) -> Figure:
    """The first classes' networks now, each in the layout it had last week, moved on."""
    shown = min(SHOWN_CLASSES, model.population.n_classes)
    fig = Figure(figsize=(3.6 * shown, 4.0))
    axes = np.atleast_1d(fig.subplots(1, shown))
    members = np.zeros(model.population.n_children, dtype=bool)
    members[model.group_members()] = True
    pop = model.population
    for c, ax in enumerate(axes):
        x, lb = plots.class_network(model, c)
        pos = plots.layout(x, model.positions.get(c), iterations=50 if c not in
                           model.positions else 8)
        model.positions[c] = pos
        plots.draw_network(ax, x, lb, f"{pop.class_label(c)}, week {model.week}", pos=pos,
                           highlight=members[pop.start[c]:pop.start[c] + pop.size[c]])
    plots.network_legend(fig, "growth group" if members.any() else None)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


@solara.component
def NetworkView(model: ClassroomModel):
    """The class networks, redrawn every week."""
    update_counter.get()
    return solara.FigureMatplotlib(network_figure(model), format="png")


@solara.component
def OutcomesView(model: ClassroomModel):
    """Density, isolation, the left-behind gap and LBC confidence, week by week."""
    update_counter.get()
    fig = plots.trajectories_figure(model.outcomes, columns=LIVE_PLOTS, ncols=2,
                                    shade=plots.intervention_weeks(model.config))
    return solara.FigureMatplotlib(fig, format="png")


def slider_label(spec: dict, value: float) -> str:
    """A slider's label with its value: ``"share left behind: 0.20"``."""
    shown = f"{value:.2f}" if spec["type"] == "SliderFloat" else f"{int(value)}"
    return f"{spec['label']}: {shown}"


@solara.component
def Sliders(params: dict, values: solara.Reactive[dict]):
    """One slider per entry of :func:`model_params`, each showing its value."""
    for name, spec in params.items():
        value = values.value.get(name, spec["value"])
        slider = solara.SliderFloat if spec["type"] == "SliderFloat" else solara.SliderInt

        def change(v, name=name):
            values.set({**values.value, name: v})

        slider(slider_label(spec, value), value=value, on_value=change, min=spec["min"],
               max=spec["max"], step=spec["step"])


@solara.component
def WeekView(model: ClassroomModel):
    """The school week the model has reached."""
    update_counter.get()
    solara.Text(f"week {model.week} of {model.config.weeks}")


PLAY_INTERVAL_MS = 200
"""Pause between weeks while ▶ plays."""


@solara.component
def Page():
    """The app, one model per browser session (or notebook cell): Reset, ▶ and Step (Mesa's
    SolaraViz controller) and the sliders in the sidebar, the networks and outcome curves
    beside them. Mesa's own tuning controls (play and render intervals, threads) and its
    page tabs are left out: students see only the model's settings."""
    base = base_scenario()
    params = model_params(base)
    start = {**{k: v["value"] for k, v in params.items()}, "base": base}
    model = solara.use_reactive(solara.use_memo(lambda: ClassroomModel(**start), []))
    values = solara.use_reactive(start)
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    with solara.AppBar():
        solara.AppBarTitle(f"lbsim: {base.name}")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run the school year"):
            ModelController(model, model_parameters=values, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
            WeekView(model.value)
        with solara.Card("The school", subtitle="Reset builds a new school with these"):
            Sliders(params, values)
    with solara.ColumnsResponsive(default=12, large=6):
        with solara.Card("Friendships in the classes", classes=["lbsim-figure"]):
            NetworkView(model.value)
        with solara.Card("The school, week by week", classes=["lbsim-figure"]):
            OutcomesView(model.value)
