"""The classroom world: population, friendship dynamics, traits, outcomes, interventions,
Mesa agents, the model and the scenario that configures it.

The public names are imported on first use (:mod:`sim.lazy`), so importing ``sim.world``
(the command line does, at start-up) loads no Mesa."""

from sim.lazy import lazy_exports

_HOMES = {
    "Scenario": "sim.world.scenario",
    "ScenarioError": "sim.world.scenario",
    "load_scenario": "sim.world.scenario",
    "parse_scenario": "sim.world.scenario",
    "Population": "sim.world.population",
    "PeerNetworkModel": "sim.world.model",
    "pathways_text": "sim.world.pathways",
}

__all__ = list(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
# the module pathways keeps its name: sim.world.pathways.pathways
