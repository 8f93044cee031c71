"""lbsim robustness: Morris indices of the assumption-marked magnitudes over a trial."""

import numpy as np
import pandas as pd
import pytest
from helpers import assert_drawn
from typer.testing import CliRunner

from sim.cli.main import app
from sim.studies.robustness import ASSUMPTIONS, Assumption, problem, robustness
from sim.world.scenario import parse_scenario


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
                       assumptions=ASSUMED).indices.set_index(["outcome", "time", "parameter"])
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


# --- which ranges: the posterior's central 95% unless told ---------------------------------

def test_the_posterior_screens_each_magnitudes_central_95_percent_and_defaults_the_documented():
    from sim.studies.magnitudes import posterior, screening_ranges, screening_words

    assert screening_ranges("defaults") is ASSUMPTIONS  # the very call lbsim made before
    assert screening_ranges("prior") is ASSUMPTIONS
    shipped, ranges = posterior().table, screening_ranges()
    assert [a.path for a in ranges] == [a.path for a in ASSUMPTIONS]
    for a, documented in zip(ranges, ASSUMPTIONS, strict=True):
        values = np.sort(shipped[a.path].to_numpy(float))
        inside = ((values >= a.low) & (values <= a.high)).mean()
        assert 0.9 <= inside and a.low < a.high  # the central 95% of 40 draws, by count
        assert documented.low <= a.low and a.high <= documented.high
        assert "central 95%" in a.why
    assert "central 95%" in screening_words() and "documented" in screening_words("defaults")


def test_robustness_command_takes_the_posteriors_ranges_unless_told(tmp_path, monkeypatch):
    """The command hands write_robustness the posterior's ranges by default and, with
    --magnitudes defaults, the documented ranges themselves (the call it made before)."""
    import yaml

    import sim.studies.robustness as rob
    from sim.studies.magnitudes import screening_ranges

    seen = []

    def fake(config, out, overwrite, ranges="", **kwargs):
        seen.append(kwargs["assumptions"])
        out.mkdir()
        return rob.RobustnessResult(config.name, kwargs["trajectories"], pd.DataFrame(
            columns=["outcome", "time", "g_mean", "parameter", "mu_star", "mu_star_low",
                     "mu_star_high", "sigma"]), ranges, out)

    monkeypatch.setattr(rob, "write_robustness", fake)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario().model_dump(mode="json")))
    told = CliRunner().invoke(app, ["robustness", str(path), "--out", str(tmp_path / "a"),
                                    "--magnitudes", "defaults"])
    untold = CliRunner().invoke(app, ["robustness", str(path), "--out", str(tmp_path / "b")])
    assert told.exit_code == 0 and untold.exit_code == 0, told.output + untold.output
    assert seen[0] is ASSUMPTIONS and seen[1] == screening_ranges("posterior")
    assert "ranges: the documented ranges" in told.output
    assert "ranges: the central 95% (2.5 to 97.5 percentiles) of the posterior" in untold.output
    bad = CliRunner().invoke(app, ["robustness", str(path), "--out", str(tmp_path / "c"),
                                   "--magnitudes", "posteriour"])
    assert bad.exit_code == 2 and "'posterior'" in bad.output and len(seen) == 2


def test_robustness_text_prints_a_legend_and_each_magnitudes_range_screened():
    from sim.studies.robustness import LEGEND, robustness_text

    rows = [{"outcome": "isolated", "time": "post", "g_mean": 0.2, "parameter": p,
             "mu_star": m, "mu_star_low": m / 2, "mu_star_high": 2 * m, "sigma": m / 3,
             "low": low, "high": high}
            for p, m, low, high in [("a.b", 0.1, 0.25, 0.75), ("c.d", 0.3, 12.5, 61.25)]]
    lines = robustness_text(pd.DataFrame(rows)).splitlines()
    assert lines[0] == LEGEND and "sigma" in LEGEND and "[" in LEGEND
    assert lines[2].startswith("  c.d") and lines[2].endswith(
        "0.300 [0.150, 0.600]  sigma 0.100  range 12.5 to 61.25")
    assert lines[3].endswith("range 0.25 to 0.75")
