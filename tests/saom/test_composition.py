"""Actors joining and leaving (RSiena's composition change, option 1)."""

from dataclasses import replace

import numpy as np
import pytest
from helpers import load_s50

from sim.saom import Algorithm, ClassData, Model, Start, estimate
from sim.saom import composition as cc
from sim.saom.periods import prepare_period, simulate_prepared_period

CHANGES = [(1.3, 3), (1.5, 3), (1.7, 3), (1, 2.4), (1, 2.6), (1, 1.5, 2.5, 3), (1, 1.8)] \
    + [(1, 3)] * 43


def s50_with_changes():
    """s50 with actors 1-3 joining in period 1, 4-5 leaving in period 2, 6 away from 1.5
    to 2.5 and 7 leaving at 1.8: their rows and columns missing where they are absent."""
    w1, w2, w3, alcohol = load_s50()
    w = [a.astype(float) for a in (w1, w2, w3)]
    for k, actors in ((0, [0, 1, 2]), (2, [3, 4, 6]), (1, [5, 6])):
        for j in actors:
            w[k][j, :] = np.nan
            w[k][:, j] = np.nan
    return w, alcohol


def test_change_list_gives_presence_events_and_time_present():
    c = cc.composition([(1.4, 3), (1, 2.5, 2.8, 3), (1, 1), (2, 3)], 4, 3)
    np.testing.assert_array_equal(c.present, [[0, 1, 1], [1, 1, 1], [1, 0, 0], [0, 1, 1]])
    first, second = c.periods
    np.testing.assert_array_equal(first.active, [0, 1, 1, 0])
    assert list(zip(first.times, first.actors, first.kinds, strict=True)) == [
        (0.0, 2, cc.LEAVE), (pytest.approx(0.4), 0, cc.JOIN)]
    assert list(zip(second.times, second.actors, second.kinds, strict=True)) == [
        (0.0, 3, cc.JOIN), (0.5, 1, cc.LEAVE), (pytest.approx(0.8), 1, cc.JOIN)]
    np.testing.assert_allclose(c.exposure, [[0.6, 1.0, 0.0, 0.0], [1.0, 0.7, 0.0, 1.0]])
    for bad in ([(1, 2, 3)], [(2, 1)], [(0.5, 3)], [(1, 4)]):
        with pytest.raises(ValueError, match="composition of actor 1"):
            cc.composition(bad + [(1, 3)] * 3, 4, 3)
    with pytest.raises(ValueError, match="one per actor"):
        cc.composition([(1, 3)], 4, 3)


def test_absent_actors_missing_values_are_zero_before_and_carried_forward_after():
    nan = np.nan
    w1 = np.array([[0, 1, nan], [1, 0, nan], [nan, nan, 0]])
    w2 = np.array([[0, 1, 1], [nan, 0, 0], [1, 1, 0]])
    w3 = np.array([[0, 0, 1], [nan, 0, 1], [nan, nan, 0]])
    present = cc.composition([(1, 3), (1, 1.5), (1.5, 3)], 3, 3).present
    out = cc.fill_absent([w1, w2, w3], present)
    np.testing.assert_array_equal(out[0], [[0, 1, 0], [1, 0, 0], [0, 0, 0]])  # 3 not yet in
    np.testing.assert_array_equal(out[1][1], [1, 0, 0])  # 2 left: its row carried forward
    np.testing.assert_array_equal(out[2][1], [1, 0, 1])  # observed cells stay as given
    assert np.isnan(out[2][2, 0]) and out[1][0, 1] == 1  # a present actor's missing: NaN


def test_kernel_freezes_absent_actors_and_counts_time_present():
    """Actors absent at the end (leaving at 0 and at 0.5) have their start ties, one joining
    at 0.999 hardly changes any; the ministeps average rate x sum of the time present."""
    w1, _, _, alcohol = load_s50()
    per = prepare_period(Start(w1, covariates={"alc": alcohol}),
                         Model({"density": -1.5, "recip": 2.0}))
    changes = [(1, 1.0), (1.999, 2), (1, 1.5)] + [(1, 2)] * 47
    c = cc.composition(changes, 50, 2)
    per = replace(per, composition=c.periods[0], present=c.exposure[0])
    res = simulate_prepared_period(per, np.array([-1.5, 2.0]), 6.0, 3, 400)
    for j in (0, 2):  # absent at the end: set back to the start
        np.testing.assert_array_equal(res.networks[:, j, :], np.broadcast_to(w1[j], (400, 50)))
        np.testing.assert_array_equal(res.networks[:, :, j], np.broadcast_to(w1[:, j], (400, 50)))
    changed = (res.networks[:, 1, :] != w1[1]).sum(1) + (res.networks[:, :, 1] != w1[:, 1]).sum(1)
    assert changed.mean() < 0.05  # present for the last 0.001 of the period only
    assert (res.networks[:, 3:] != w1[3:]).sum((1, 2)).mean() > 50  # the others act
    expected = 6.0 * c.exposure[0].sum()
    mean, sd = res.counts[:, 0].mean(), res.counts[:, 0].std() / np.sqrt(400)
    assert abs(mean - expected) < 4 * sd, (mean, expected)


def test_targets_equal_rsienas_for_s50_with_joiners_and_leavers():
    """RSiena 1.5.0's targets for these data (sienaCompositionChange(CHANGES), option 1;
    siena07 with transTrip and simX of alcohol, R 4.2, 2026-12-01): 111 92 238 160 225
    21.85571."""
    w, alcohol = s50_with_changes()
    est = estimate(ClassData(w, covariates={"alc": alcohol}, composition=CHANGES),
                   Model(["density", "recip", "transTrip", "simX:alc"]),
                   seed=1, algorithm=Algorithm(subphases=1, n3=50, refine=0))
    np.testing.assert_allclose(est.targets, [111, 92, 238, 160, 225, 21.85571], atol=1e-5)
    with pytest.raises(ValueError, match="composition change works with"):
        estimate(ClassData(w, composition=CHANGES), Model(["density"]), conditional=True)


@pytest.mark.slow
def test_estimates_match_rsiena_with_joiners_and_leavers():
    """RSiena 1.5.0 (seeds 1 and 2) on the same data: rates 8.05, 5.18 / 8.03, 5.28,
    density -2.644 (0.125), recip 2.392 (0.213), transTrip 0.603 (0.078), simX 0.593
    (0.298) / -2.639, 2.388, 0.596, 0.584."""
    w, alcohol = s50_with_changes()
    est = estimate(ClassData(w, covariates={"alc": alcohol}, composition=CHANGES),
                   Model(["density", "recip", "transTrip", "simX:alc"]),
                   seed=1)
    rsiena = np.array([8.04, 5.23, -2.642, 2.390, 0.600, 0.589])
    se = np.array([1.9, 0.95, 0.125, 0.213, 0.078, 0.298])
    assert est.converged
    assert np.all(np.abs(est.theta - rsiena) < se), est.theta


def test_estimate_command_reads_missing_ties_and_a_change_file(tmp_path):
    from typer.testing import CliRunner

    from sim.cli.main import app
    from sim.io.read import DataError, read_adjacency

    w, alcohol = s50_with_changes()
    files = []
    for k, wave in enumerate(w):
        path = tmp_path / f"w{k + 1}.txt"
        path.write_text("\n".join(" ".join("NA" if np.isnan(v) else str(int(v)) for v in row)
                                  for row in wave) + "\n")
        files.append(str(path))
    expected = w[0].copy()
    np.fill_diagonal(expected, 0)
    np.testing.assert_array_equal(read_adjacency(files[0], wave=True), expected)
    with pytest.raises(DataError, match="'NA' is not a number; allowed: 0 or 1"):
        read_adjacency(files[0])
    changes = tmp_path / "changes.txt"
    changes.write_text("\n".join(" ".join(map(str, c)) for c in CHANGES) + "\n")
    result = CliRunner().invoke(app, ["estimate", *files, "--composition", str(changes),
                                      "--effects", "density,recip"])
    assert result.exit_code == 0, result.output
    assert [line.split()[2] for line in result.output.splitlines()
            if line.startswith("changes")] == ["111.00", "92.00"]
    changes.write_text("1 3\n1 x\n")
    bad = CliRunner().invoke(app, ["estimate", *files, "--composition", str(changes)])
    assert bad.exit_code == 2 and "line 2" in bad.output


def test_classes_with_joiners_and_leavers_have_rsienas_targets():
    """RSiena 1.5.0, sienaGroupCreate of s50's halves, the first with pupils 1-2 joining
    at 1.4 and 1.6 and pupil 3 leaving at 2.5 (transTrip; R 4.2, 2026-12-01): targets 39
    26 30 30 154 118 121; estimates (seeds 1 / 2) density -3.181 (0.26) / -3.168, recip
    3.279 (0.39) / 3.273, transTrip 0.673 (0.12) / 0.666."""
    from helpers import groups_data

    w1, w2, w3, _ = load_s50()
    halves = [[w[h, h].astype(float) for w in (w1, w2, w3)]
              for h in (slice(0, 25), slice(25, 50))]
    for j in (0, 1):
        halves[0][0][j, :] = halves[0][0][:, j] = np.nan
    halves[0][2][2, :] = halves[0][2][:, 2] = np.nan
    changes = [[(1.4, 3), (1.6, 3), (1, 2.5)] + [(1, 3)] * 22, None]
    est = estimate(groups_data(halves, compositions=changes),
                   Model(["density", "recip", "transTrip"]),
                   seed=1)
    np.testing.assert_allclose(est.targets, [39, 26, 30, 30, 154, 118, 121])
    got = est.as_dict()
    for name, value, se in (("density", -3.175, 0.26), ("recip", 3.276, 0.39),
                            ("transTrip", 0.670, 0.12)):
        assert abs(got[name] - value) < 0.5 * se, (name, got[name])


def test_joiners_and_leavers_same_runs_on_one_and_two_threads():
    import numba

    w1, _, _, alcohol = load_s50()
    per = prepare_period(Start(w1), Model({"density": -1.5, "recip": 2.0}))
    c = cc.composition([(1, 1.3), (1.6, 2)] + [(1, 2)] * 48, 50, 2)
    per = replace(per, composition=c.periods[0], present=c.exposure[0])
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate_prepared_period(per, np.array([-1.5, 2.0]), 6.0, 9, 64, with_scores=True)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate_prepared_period(per, np.array([-1.5, 2.0]), 6.0, 9, 64, with_scores=True)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.networks, two.networks)
    np.testing.assert_array_equal(one.scores, two.scores)


def test_change_lists_that_do_not_fit_are_named():
    from helpers import groups_data
    from typer.testing import CliRunner

    from sim.cli.main import app

    w1, w2, _, _ = load_s50()
    drink = np.ones((50, 2))
    with pytest.raises(ValueError, match="change lists or behaviours, not both"):
        estimate(groups_data([[w1, w2], [w1, w2]], compositions=[[(1, 2)] * 50, None],
                             behaviours=[{"z": drink}, {"z": drink}]), Model(["density"]))
    changes = [(1, 2)] * 50
    with pytest.raises(ValueError, match="composition has 50 entries; give one per actor"):
        estimate(groups_data([[w1[:20, :20], w2[:20, :20]]], compositions=[changes]),
                 Model(["density"]))
    result = CliRunner().invoke(app, ["estimate", "--data", "baerveldt", "--composition",
                                      "changes.txt"])
    assert result.exit_code == 2 and "one class" in result.output
