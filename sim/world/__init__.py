"""The classroom world: population, friendship dynamics, traits, outcomes, interventions,
Mesa agents, the model and the scenario that configures it."""
