"""A fit's periods simulated on Dask workers (sim.saom.dask_periods): the rows and the
estimate of the local run at the same seed, and clear errors for what Dask cannot do."""

from __future__ import annotations

import numpy as np
import pytest
from test_packed import EFFECTS, _classes

from sim.saom import Algorithm, ClassData, Model, estimate
from sim.saom import dask_periods as dp
from sim.saom import periods as per_mod
from sim.saom.observed import classes_periods
from sim.saom.packed import PackedPeriods, PackedRuns

distributed = pytest.importorskip("dask.distributed")
QUICK = Algorithm(subphases=1, n3=60, refine=0)


@pytest.fixture(scope="module")
def client():
    """Two workers in this process (quick to start; the processes=True fit is slow)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def _fields(res: PackedRuns) -> list[np.ndarray]:
    return [res.counts, res.scores, res.statistics, res.distances, res.times]


def test_periods_packed_in_parts_give_the_rows_of_one_packing():
    periods, _, effects, _ = classes_periods(_classes([12, 15, 12, 9, 10]), Model(list(EFFECTS)))
    rates, beta, seed = np.array([3.0, 2.5, 4.0, 3.5, 2.0]), np.array(list(EFFECTS.values())), \
        np.random.SeedSequence(11)
    whole = PackedPeriods(periods).simulate(rates, beta, seed, 6, True)
    parts = PackedRuns.join([PackedPeriods(periods[:2]).simulate(rates[:2], beta, seed, 6, True),
                             PackedPeriods(periods[2:]).simulate(rates[2:], beta, seed, 6, True,
                                                                 first=2)])
    for a, b in zip(_fields(whole), _fields(parts), strict=True):
        assert np.array_equal(a, b)
    unshifted = PackedPeriods(periods[2:]).simulate(rates[2:], beta, seed, 6, True)
    assert not np.array_equal(unshifted.statistics, whole.statistics[2:])  # the offset matters


@pytest.mark.parametrize("runs,conditional", [(1, False), (7, False), (5, True)])
def test_dask_gives_the_rows_of_the_local_run(client, runs, conditional):
    periods, _, effects, _ = classes_periods(_classes([12, 15, 12, 9, 11]), Model(list(EFFECTS)))
    m, k = len(periods), len(effects)
    theta = np.concatenate([np.full(m, 1.0 if conditional else 3.0), list(EFFECTS.values())])
    targets = [6, 9, 4, 7, 5] if conditional else None
    got = []
    with dp.spread(periods, client) as spread:
        assert len(spread.parts) == 2 and len(set(spread.workers)) == 2
        for packed in (None, spread):
            by_period = (np.zeros((runs, m, k)), np.zeros((runs, m, k)))
            times = np.zeros((runs, m))
            out, u = per_mod.simulate_statistics(
                periods, theta, np.random.SeedSequence(5), runs, True, targets,
                times if conditional else None, by_period, packed=packed)
            got.append((out, u, *by_period, times))
    for a, b in zip(*got, strict=True):
        assert np.array_equal(a, b)
    assert got[0][0][:, m:].sum() != 0
    if conditional:
        assert got[0][-1].min() > 0


@pytest.mark.parametrize("conditional", [True, False])
def test_a_fit_on_dask_is_the_local_fit(client, conditional):
    data = _classes([12, 14, 13, 11], seed=3)
    model = Model(["density", "recip", "egoX:v"])
    local = estimate(data, model, seed=4, algorithm=QUICK, conditional=conditional)
    on_dask = estimate(data, model, seed=4, algorithm=QUICK, conditional=conditional,
                       scheduler=client)
    assert on_dask.names == local.names
    for a, b in [(on_dask.theta, local.theta), (on_dask.se, local.se),
                 (on_dask.cov, local.cov), (on_dask.t_ratios, local.t_ratios)]:
        assert np.array_equal(a, b, equal_nan=True)
    assert client.status == "running"  # a client given is left open


def test_what_dask_cannot_simulate_is_refused(client):
    data = _classes([12, 14], seed=3)
    with pytest.raises(ValueError, match="separately"):
        estimate(data, Model(["density"]), separately=True, scheduler=client)
    waves = list(data.classes[0].waves)
    with pytest.raises(ValueError, match="time dummies"):
        estimate(ClassData([*waves, waves[0]]), Model(["density", "recip", "recip x period 2"]),
                 scheduler=client)
    rng = np.random.default_rng(0)
    drink = rng.integers(1, 4, size=(12, 2)).astype(float)
    with pytest.raises(ValueError, match="networks alone"):
        estimate(ClassData(waves, behaviours={"drink": drink}), Model(["density"]),
                 scheduler=client, algorithm=QUICK)


def test_a_wrong_scheduler_is_named(monkeypatch):
    with pytest.raises(ValueError, match="'foo://x': not an address"):
        estimate(_classes([12, 14]), Model(["density"]), scheduler="foo://x")
    monkeypatch.setattr(dp, "CONNECT_SECONDS", 1)
    with pytest.raises(ValueError, match=r"'tcp://127.0.0.1:1': no Dask scheduler answers"):
        estimate(_classes([12, 14]), Model(["density"]), scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="not both"):
        with dp.dask_client("tcp://127.0.0.1:1", 2):
            pass
    with pytest.raises(ValueError, match="got int"):
        with dp.dask_client(8786):
            pass


@pytest.mark.slow
def test_worker_processes_give_the_local_fit_and_survive_a_lost_worker():
    import os

    data = _classes([12, 14, 13], seed=5)
    model = Model(["density", "recip"])
    local = estimate(data, model, seed=2, algorithm=QUICK, conditional=True)
    periods, _, _, _ = classes_periods(data, model)
    args = (np.full(len(periods), 3.0), np.array([-1.5, 1.0]), np.random.SeedSequence(8), 4,
            True)
    here = PackedPeriods(periods).simulate(*args)
    with dp.dask_client(local_workers=2) as client:
        on_dask = estimate(data, model, seed=2, algorithm=QUICK, conditional=True,
                           scheduler=client)
        with dp.spread(periods, client) as spread:
            before = spread.simulate(*args)
            lost = spread.workers[0]
            with pytest.raises(Exception):  # noqa: B017 (the worker dies mid-call)
                client.run(os._exit, 1, workers=[lost])
            after = spread.simulate(*args)
            assert lost not in spread.workers
    assert np.array_equal(on_dask.theta, local.theta)
    assert np.array_equal(on_dask.se, local.se)
    for got in (before, after):
        for a, b in zip(_fields(here), _fields(got), strict=True):
            assert np.array_equal(a, b)


def test_the_estimate_command_on_a_scheduler_prints_the_local_fit(client):
    from typer.testing import CliRunner

    from sim.cli.main import app

    args = ["estimate", "--data", "s50", "--effects", "density,recip", "--conditional"]
    here = CliRunner().invoke(app, args)
    there = CliRunner().invoke(app, [*args, "--scheduler", client.scheduler.address])
    assert here.exit_code == 0 and there.exit_code == 0, there.output
    first, *table = here.output.splitlines()  # the first line has the fit's seconds
    assert first.startswith("3 waves of 50 actors") and there.output.splitlines()[1:] == table
    assert client.status == "running"


def test_the_estimate_command_refuses_a_wrong_scheduler(monkeypatch):
    from typer.testing import CliRunner

    from sim.cli.main import app

    monkeypatch.setattr(dp, "CONNECT_SECONDS", 1)
    for extra, message in [(["--scheduler", "tcp://127.0.0.1:1"], "no Dask scheduler answers"),
                           (["--scheduler", "tcp://127.0.0.1:1", "--dask-local", "2"],
                            "not both"),
                           (["--dask-local", "2", "--separately"], "--separately")]:
        result = CliRunner().invoke(app, ["estimate", "--data", "baerveldt", *extra])
        assert result.exit_code == 2 and message in result.output, result.output
