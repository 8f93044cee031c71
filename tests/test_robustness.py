"""lbsim robustness: Morris indices of the assumption-marked magnitudes over a trial."""

import numpy as np
import pandas as pd
import pytest
from helpers import assert_drawn
from typer.testing import CliRunner

from sim.cli import app
from sim.robustness import ASSUMPTIONS, Assumption, problem, robustness
from sim.scenario import parse_scenario


def scenario(**extra):
    """Two sessions without a feedback theme (so the barrier magnitude cannot matter)."""
    return parse_scenario({
        "name": "rob", "weeks": 12,
        "population": {"schools": 1, "classes_per_school": 1,
                       "class_size": {"mean": 30, "sd": 0, "min": 10}},
        "network": {"burn_in_years": 0.5},
        "interventions": [{"type": "growth_group", "start_week": 2, "acceptance": 1.0,
                           "sessions": [{"theme": "nice_to_meet_you", "stage": "thaw"},
                                        {"theme": "flying_with_joy", "stage": "change"}],
                           **extra}]})


ASSUMED = (Assumption("interventions.{group}.magnitudes.barrier", 0.02, 0.08, "test"),
           Assumption("interventions.{group}.magnitudes.confidence", 0.0, 0.05, "test"))


def test_a_magnitude_the_outcome_cannot_depend_on_has_index_zero():
    table = robustness(scenario(), trajectories=3, replications=2, follow_up_weeks=3,
                       assumptions=ASSUMED).set_index(["outcome", "time", "parameter"])
    barrier = table.xs("interventions.0.magnitudes.barrier", level="parameter")
    assert (barrier["mu_star"] == 0).all() and (barrier["sigma"] == 0).all()
    confidence = table.loc[("confidence", "post", "interventions.0.magnitudes.confidence")]
    assert confidence["mu_star"] > 0.1  # and the one it depends on does not


def test_every_assumption_has_a_documented_range_that_validates():
    prob, used = problem(scenario())
    assert prob["num_vars"] == len(ASSUMPTIONS) and all(a.low < a.high and a.why
                                                        for a in used)
    for a in used:  # both ends of every range are valid scenario values
        for v in (a.low, a.high):
            scenario().override({a.path: v})
    with pytest.raises(ValueError, match="no growth group"):
        problem(scenario().model_copy(update={"interventions": []}))


@pytest.mark.slow
def test_robustness_command_writes_table_and_figure(tmp_path):
    path = tmp_path / "s.yaml"
    import yaml
    path.write_text(yaml.safe_dump(scenario().model_dump(mode="json")))
    out = tmp_path / "rob"
    result = CliRunner().invoke(app, ["robustness", str(path), "--trajectories", "2",
                                      "--replications", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "robustness.csv")
    assert set(table["time"]) == {"post", "follow_up"} and np.isfinite(table["mu_star"]).all()
    assert_drawn(out / "robustness.png")
    again = CliRunner().invoke(app, ["robustness", str(path), "--out", str(out)])
    assert again.exit_code == 2 and "exists" in again.output
