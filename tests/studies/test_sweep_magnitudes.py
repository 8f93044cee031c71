"""Sweeps that draw the assumption-marked magnitudes (``magnitudes:`` in a spec): the same
draw for a replication at every plan, applied as sim.studies.magnitudes applies it, and
``lbsim report`` intervals over the draws' means that say what they include."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sweeps import COUNTY, STAFFING, synthetic_sweep

from sim.studies.magnitudes import apply, prior
from sim.studies.sweep import store
from sim.studies.sweep.plans import plans_text
from sim.studies.sweep.report import plan_table, write_report
from sim.studies.sweep.runner import run_group
from sim.studies.sweep.spec import SweepError, load_spec, scenario_from
from sim.studies.sweep.sweep import plan, run_sweep
from sim.studies.trials import draw_components

DRAWN = (STAFFING.replace("COMMON", "true").replace("values: [0, 2, 6]", "values: [0, 2]")
         .replace("values: [one_per_school, shared]", "values: [shared]")
         .replace("magnitudes: defaults\n", "magnitudes: prior\ndraws: 2\n"))


def write(folder, spec: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "county.yaml").write_text(COUNTY)
    (folder / "staffing.yaml").write_text(spec)
    return folder / "staffing.yaml"


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    path = write(tmp_path_factory.mktemp("drawn"), DRAWN)
    run_sweep(path, path.parent / "out", workers=1)
    return path


def test_a_replication_has_the_same_draw_at_every_plan(drawn):
    rows = store.read(drawn.parent / "out")
    assert (rows["draw"] == rows["replication"] // 2).all()  # 4 replications, 2 draws
    meta = json.loads((drawn.parent / "out" / store.SPEC).read_text())
    assert meta["magnitude_draws"] == prior(2, seed=3).table.to_dict("records")
    plain = write(drawn.parent / "plain",
                  DRAWN.replace("magnitudes: prior\ndraws: 2\n", "magnitudes: defaults\n"))
    assert load_spec(plain)[0].digest() != meta["digest"]


def test_a_run_is_its_scenario_with_its_draw_applied(drawn):
    planned = plan(drawn)
    spec, base, tasks = planned.spec, planned.base, planned.tasks
    task = next(t for t in tasks if t["point"] == 1 and t["replication"] == 3)
    assert task["draw"] == 1 and task["magnitudes"] == prior(2, seed=3).draw(1)
    with_draw = pd.DataFrame(run_group(spec, base, [task], {}))
    scenario = apply(scenario_from(base, task["values"]), task["magnitudes"])
    alone = {k: v for k, v in task.items() if k not in ("draw", "magnitudes")}
    without = pd.DataFrame(run_group(spec, scenario.model_dump(mode="json"), [alone], {}))
    pd.testing.assert_frame_equal(with_draw.drop(columns=["draw"]), without)
    assert with_draw["status"].eq("done").all()
    ignored = pd.DataFrame(run_group(spec, base, [alone], {}))  # the draw matters here
    outcomes = ["isolates_lb", "indegree_lb", "indegree_gap", "density"]
    assert not ignored[outcomes].equals(without[outcomes])


def test_the_report_takes_intervals_over_the_draws_and_says_so(drawn):
    out = drawn.parent / "out"
    table = plan_table(out)
    assert table.attrs["magnitude_draws"] == 2
    rows = store.read(out)
    week = int(table["week"].iloc[0])
    at = rows[rows["week"] == week].set_index(["point", "replication"])["isolates_lb"]
    paired = (at.loc[1] - at.loc[0]).to_numpy(float)
    draw = np.arange(4) // 2
    means = np.array([paired[draw == k].mean() for k in range(2)])  # by hand
    half = stats.t.ppf(0.975, 1) * means.std(ddof=1) / np.sqrt(2)
    r = table[(table["point"] == 1) & (table["outcome"] == "isolates_lb")
              & (table["week"] == week)].iloc[0]
    assert r["difference"] == pytest.approx(means.mean())
    assert r["diff_low"] == pytest.approx(means.mean() - half)
    assert r["diff_high"] == pytest.approx(means.mean() + half)
    assert r["diff_magnitudes_share"] == pytest.approx(
        draw_components(paired, draw)["magnitudes_share"], nan_ok=True)
    text = plans_text(table)
    assert ("Intervals include the assumed magnitudes' uncertainty (magnitudes: 2 draws of "
            "the prior, uniform over their documented ranges)") in text
    assert "From magnitudes" in text
    write_report(out, out=drawn.parent / "report")
    page = (drawn.parent / "report" / "report.html").read_text()
    assert "drawn from the prior, uniform over their documented ranges (2 draws" in page
    assert "from magnitudes</span>" in page  # each plan's share beside its range
    # the drawn ranges are the prior's documented ones, said where they were drawn from
    assert "drawn uniformly over 0 to 80 (documented)" in page
    assert "drawn over their documented ranges, which no field study" in page
    assert "only how much results vary" not in page


def test_a_report_without_drawn_magnitudes_says_its_intervals_are_the_runs_noise(tmp_path):
    table = plan_table(synthetic_sweep(tmp_path, {0: [10, 12, 11], 1: [7, 8, 9]}))
    assert "Intervals: the runs' noise only" in plans_text(table)
    assert "diff_magnitudes_share" not in table


@pytest.mark.parametrize("extra, words", [
    ("magnitudes: posterior.csv\n", "no such file"),
    ("magnitudes: prior\ndraws: 3\n", "multiple of the draws"),
])
def test_a_spec_with_unusable_magnitudes_is_refused(tmp_path, extra, words):
    path = write(tmp_path, DRAWN.replace("magnitudes: prior\ndraws: 2\n", extra))
    with pytest.raises(SweepError, match=f"magnitudes: .*{words}"):
        load_spec(path)


def test_a_sweep_can_draw_from_the_shipped_posterior(tmp_path):
    from sim.studies.magnitudes import posterior
    from sim.studies.sweep.spec import magnitude_sample

    path = write(tmp_path, DRAWN.replace("magnitudes: prior", "magnitudes: posterior"))
    spec, _ = load_spec(path)
    sample = magnitude_sample(spec, path.parent)
    assert sample.source == "posterior" and len(sample) == 2
    shipped = posterior().table
    assert all((shipped == row).all(axis=1).any() for _, row in sample.table.iterrows())


# --- the default: the shipped posterior; 'magnitudes: defaults': the sweep as it was --------

DEFAULTS = DRAWN.replace("magnitudes: prior\ndraws: 2\n", "magnitudes: defaults\n")
UNTOLD = DRAWN.replace("magnitudes: prior\ndraws: 2\n", "")


def test_a_spec_draws_the_shipped_posterior_unless_told(tmp_path):
    from sim.studies.magnitudes import posterior
    from sim.vocabulary import DEFAULT_MAGNITUDES

    planned = plan(write(tmp_path, UNTOLD))
    spec, base, tasks = planned.spec, planned.base, planned.tasks
    assert spec.magnitudes == DEFAULT_MAGNITUDES == "posterior"
    draws = {t["draw"]: t["magnitudes"] for t in tasks}
    assert sorted(draws) == [0, 1, 2, 3]  # 4 replications: too few to split, one a draw
    shipped = posterior().table
    assert all((shipped == pd.Series(d)).all(axis=1).any() for d in draws.values())
    task = next(t for t in tasks if t["point"] == 1)
    alone = {k: v for k, v in task.items() if k not in ("draw", "magnitudes")}
    outcomes = ["isolates_lb", "indegree_lb", "indegree_gap", "density"]
    drawn_rows = pd.DataFrame(run_group(spec, base, [task], {}))[outcomes]
    assert not drawn_rows.equals(pd.DataFrame(run_group(spec, base, [alone], {}))[outcomes])


def test_magnitudes_defaults_is_the_sweep_as_it_was_bit_for_bit(tmp_path):
    """'magnitudes: defaults' plans the tasks of the path without magnitudes, hashes as a
    spec from before the magnitudes (so a folder it made resumes), writes the rows that path
    gives run by run, and its report says its intervals are the runs' noise."""
    from sim.studies.sweep import design
    from sim.studies.sweep.runner import tasks as plain_tasks

    path = write(tmp_path, DEFAULTS)
    planned = plan(path)
    spec, base, tasks = planned.spec, planned.base, planned.tasks
    before = plain_tasks(spec, design.points(spec))
    assert tasks == before and "draw" not in tasks[0]
    assert spec.digest() == spec.model_copy(update={"magnitudes": None}).digest()
    run_sweep(path, tmp_path / "out", workers=1)
    rows = store.read(tmp_path / "out").sort_values(["run", "week"], ignore_index=True)
    alone = pd.DataFrame([row for t in before for row in run_group(spec, base, [t], {})])
    alone = alone.sort_values(["run", "week"], ignore_index=True)
    for column in ["run", "seed", "week", *spec.outcomes]:
        np.testing.assert_array_equal(rows[column].to_numpy(), alone[column].to_numpy())
    table = plan_table(tmp_path / "out")
    assert "Intervals: the runs' noise only" in plans_text(table)
    assert "diff_magnitudes_share" not in table


def test_a_sweep_never_draws_what_it_varies_or_fixes(tmp_path, monkeypatch):
    """A drawn magnitude that the spec sweeps (a parameter) or fixes (an override) keeps
    the spec's value; the others take the draw's."""
    from sim.studies.sweep import runner

    contact = "interventions.0.group.magnitudes.contact"
    acceptance = "interventions.0.group.acceptance"
    text = (UNTOLD.replace("parameters:\n", f"parameters:\n  {contact}: {{values: [5.0]}}\n")
            + f"overrides:\n  {acceptance}: 0.55\n")
    planned = plan(write(tmp_path, text))
    spec, base, tasks = planned.spec, planned.base, planned.tasks
    seen = []

    def capture(scenario, **_):
        seen.append(scenario)
        raise RuntimeError("captured")

    monkeypatch.setattr(runner, "PeerNetworkModel", capture)
    run_group(spec, base, [tasks[0]], {})
    group = seen[0].interventions[0].group
    assert group.magnitudes.contact == 5.0 and group.acceptance == 0.55
    drawn = tasks[0]["magnitudes"]
    assert group.magnitudes.barrier == drawn["interventions.{group}.magnitudes.barrier"]
    assert drawn["interventions.{group}.magnitudes.contact"] != 5.0
