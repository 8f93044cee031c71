"""Replicas side by side in one model, and start states reused: both must give exactly
what separate models built from scratch give."""

import numpy as np
import pandas as pd
import pytest

from sim.world.model import PeerNetworkModel
from sim.world.scenario import load_scenario, parse_scenario


def programme():
    """L Village's multi-level programme on two schools of two small classes, short."""
    base = load_scenario("scenarios/shanxi_l_village.yaml")
    return base.override({"population.schools": 2, "population.classes_per_school": 2,
                          "population.class_size.mean": 20, "network.burn_in_years": 0.3,
                          "weeks": 24})


def single_rows(config, seed):
    model = PeerNetworkModel(config, seed=seed)
    table = model.run()
    return model, table


def test_each_replica_equals_its_own_model():
    config = programme()
    seeds = [11, 5, 23]
    stacked = PeerNetworkModel(config, replicas=seeds)
    table = stacked.run()
    pop = stacked.population
    assert stacked.n_replicas == 3
    classes_per = pop.n_classes // 3
    for r, seed in enumerate(seeds):
        alone, own = single_rows(config, seed)
        # the population row of replica r equals the alone model's
        mine = table[(table["class"] == -1) & (table["replica"] == r)].reset_index(drop=True)
        theirs = own[own["class"] == -1].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine.drop(columns=["replica"]),
                                      theirs.drop(columns=["replica"]))
        # and so do its class rows, once the class numbers are shifted back
        rows = table[(table["class"] >= 0) & (table["replica"] == r)].copy()
        rows["class"] -= r * classes_per
        rows["school"] -= r * config.population.schools
        pd.testing.assert_frame_equal(
            rows.drop(columns=["replica"]).reset_index(drop=True),
            own[own["class"] >= 0].drop(columns=["replica"]).reset_index(drop=True))
        # the networks and traits at the end are the same, child for child
        for c in range(classes_per):
            np.testing.assert_array_equal(pop.network(r * classes_per + c),
                                          alone.population.network(c))
        kids = stacked.replica_children(r)
        np.testing.assert_array_equal(stacked.traits[:, kids], alone.traits)
    # the programme really ran in every replica (else the test shows little)
    (groups,) = [p for p in stacked.interventions if hasattr(p, "groups")]
    assert groups.group_team == [0, 0, 1, 1, 2, 2]  # a group per school, a team per replica
    assert all(len(g) >= 4 for g in groups.groups)
    assert all(len(held) == 6 for held in groups.held)


def test_replicas_differ_from_each_other():
    stacked = PeerNetworkModel(programme(), replicas=[1, 2])
    table = stacked.run(4)
    final = table[(table["class"] == -1) & (table["week"] == 4)]
    assert len(final) == 2 and final["ties"].iloc[0] != final["ties"].iloc[1]


@pytest.mark.parametrize("replicas", [None, [4, 9]])
def test_a_start_state_gives_the_model_built_from_scratch(replicas):
    config = programme()
    control = config.model_copy(update={"interventions": []})
    first = PeerNetworkModel(control, seed=4, replicas=replicas)
    fresh = PeerNetworkModel(config, seed=4, replicas=replicas)
    reused = PeerNetworkModel(config, seed=4, replicas=replicas, start=first.start)
    first.run()  # running the control must not disturb the start state it handed out
    again = PeerNetworkModel(config, seed=4, replicas=replicas, start=first.start)
    expected = fresh.run()
    pd.testing.assert_frame_equal(reused.run(), expected)
    pd.testing.assert_frame_equal(again.run(), expected)
    assert reused.ministeps == fresh.ministeps


def test_a_start_state_of_another_world_is_refused():
    config = programme()
    first = PeerNetworkModel(config, seed=4)
    with pytest.raises(ValueError, match="another scenario or other seeds"):
        PeerNetworkModel(config, seed=5, start=first.start)
    other = config.override({"network.effects.recip": 1.0})
    with pytest.raises(ValueError, match="another scenario or other seeds"):
        PeerNetworkModel(other, seed=4, start=first.start)


def test_no_replicas_is_an_error():
    with pytest.raises(ValueError, match="at least one seed"):
        PeerNetworkModel(parse_scenario({"name": "x", "population": {"schools": 1}}),
                         replicas=[])
