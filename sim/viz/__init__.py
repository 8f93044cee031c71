"""What people look at: matplotlib figures of a run (:mod:`sim.viz.plots`) and the
interactive classroom in the browser (:mod:`sim.viz.app`).

The figures are imported on first use (:mod:`sim.lazy`), so importing ``sim.viz`` loads
no matplotlib."""

from sim.lazy import lazy_exports

_HOMES = {
    "class_network": "sim.viz.plots",
    "draw_network": "sim.viz.plots",
    "network_figure": "sim.viz.plots",
    "trajectories_figure": "sim.viz.plots",
    "effect_sizes_figure": "sim.viz.plots",
    "gof_figure": "sim.viz.plots",
    "prior_posterior_figure": "sim.viz.plots",
}

__all__ = list(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
