"""The nomination cap in estimation (``Model(max_outdegree=...)``, ``lbsim estimate
--max-degree``), as RSiena's MaxDegree: the simulations of a fit never exceed it, and data
whose observed waves exceed it are refused (RSiena checks every wave's out-degrees,
``maxObsOutDegree``, and stops: "Incompatibility between data and MaxDegree")."""

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli.main import app
from sim.io.waves import read_waves
from sim.saom import Algorithm, ClassData, Data, Model, estimate

runner = CliRunner()
QUICK = Algorithm(n1=10, subphases=1, n3=40, refine=0)


def one_tie_waves(n=12):
    """Three waves in which every actor names at most one friend."""
    waves = []
    for seed in (1, 2, 3):
        rng = np.random.default_rng(seed)
        x = np.zeros((n, n), np.int8)
        for i in range(n):
            if rng.random() < 0.7:
                x[i, rng.choice([k for k in range(n) if k != i])] = 1
        waves.append(x)
    return waves


@pytest.mark.parametrize("cap", [None, 1])
def test_a_capped_fit_never_simulates_more_than_the_cap(cap):
    """With at most one nomination each, x_i+^2 = x_i+ for every actor, so the statistic
    of outAct (sum_i x_i+^2, fixed at 0 but simulated in phase 3) equals that of density
    (sum_i x_i+) in every phase-3 run: they do with max_outdegree = 1, and without a cap
    most runs have an actor naming two or more (rates held at 4 and density started near its
    estimate to keep the fit short)."""
    est = estimate(ClassData(one_tie_waves()),
                   Model({"density": 1.34 if cap else None, "outAct": 0.0}, max_outdegree=cap,
                         fixed=("outAct", "rate 1", "rate 2"), rates=(4.0, 4.0)),
                   seed=1, algorithm=QUICK)
    stats = est.phase3.statistics
    excess = stats[:, est.phase3.column("outAct")] - stats[:, est.phase3.column("density")]
    if cap == 1:
        assert np.all(excess == 0)
        per_period = est.phase3.period_statistics
        effects = [str(e) for e in est.phase3.effects]
        assert np.all(per_period[:, :, effects.index("outAct")]
                      == per_period[:, :, effects.index("density")])
    else:
        assert (excess > 0).mean() > 0.5


def s50_with_a_busy_actor():
    """s50's waves (largest out-degree 5 in each) with actor 0 naming 6 in wave 3 only."""
    nets, _ = read_waves(None, "s50", [])
    nets = [np.array(w) for w in nets]
    row = nets[2][0]
    row[[j for j in range(1, 50) if row[j] == 0][:6 - int(row.sum())]] = 1
    return nets


def test_a_cap_below_a_later_wave_is_refused():
    """Every observed wave counts, the last too (it is no period's start, so the check of
    a period's start network alone would let it through and estimate a model that can
    never reach its targets)."""
    nets = s50_with_a_busy_actor()
    assert [int(w.sum(1).max()) for w in nets] == [5, 5, 6]
    with pytest.raises(ValueError, match=r"wave 3: actor 0 names 6 friends, more than "
                                         r"max_outdegree = 5 .*allowed: at least 6"):
        estimate(ClassData(nets), Model(["density", "recip"], max_outdegree=5), seed=1,
                 algorithm=QUICK)
    with pytest.raises(ValueError, match="class b: wave 3: actor 0 names 6 friends"):
        estimate(Data([ClassData(read_waves(None, "s50", [])[0], name="a"),
                       ClassData(nets, name="b")]),
                 Model(["density", "recip"], max_outdegree=5), seed=1, algorithm=QUICK)


def test_a_missing_tie_does_not_count_against_the_cap():
    """As RSiena (out-degrees with na.rm = TRUE): actor 0's sixth tie missing in wave 3,
    the cap of 5 is accepted (the fit runs) while a cap of 4 is refused."""
    nets = [w.astype(float) for w in s50_with_a_busy_actor()]
    nets[2][0, np.flatnonzero(nets[2][0])[-1]] = np.nan
    with pytest.raises(ValueError, match="more than max_outdegree = 4"):
        estimate(ClassData(nets), Model(["density"], max_outdegree=4), seed=1,
                 algorithm=QUICK)
    est = estimate(ClassData(nets), Model(["density"], max_outdegree=5), seed=1,
                   algorithm=QUICK)
    assert np.isfinite(est.theta).all()


def test_cli_max_degree_below_the_observed_out_degree_exits_2(tmp_path):
    out = tmp_path / "fit"
    result = runner.invoke(app, ["estimate", "--data", "s50", "--max-degree", "4",
                                 "--out", str(out)])
    assert result.exit_code == 2
    assert "more than max_outdegree = 4" in result.output and "at least 5" in result.output
    assert not out.exists()


def test_scores_of_a_capped_process_have_mean_zero():
    """The scores (d log-likelihood / d theta of the simulated ministeps) are those of the
    capped process, as RSiena's: a ministep's expected change of a statistic runs over the
    options left once the cap removes new ties of an actor at the cap. E[score] = 0 at the
    parameters simulated (a score's defining property) for s50 with MaxDegree 5, where the
    cap binds (actors at 5 in the waves), at RSiena's MaxDegree 5 estimates
    (scripts/rsiena/maxdegree.R). Expectations over all options would shift the density
    score by 0.2 to 0.8 per ministep of each of wave 2's actors at the cap (by
    reference.choice_probabilities with and without the cap), some 30 such ministeps a
    run: far beyond 4 standard errors of the mean of 1000 runs (about 0.6)."""
    from helpers import load_s50

    from sim.saom.moments import simulate_statistics
    from sim.saom.observed import _periods

    w1, w2, w3, _ = load_s50()
    effects = {"density": -2.5724, "recip": 2.3369, "transTrip": 0.6646}
    model = Model(effects, max_outdegree=5)
    periods = _periods([w1, w2, w3], ClassData([w1, w2, w3]), model)
    assert all(per.spec.max_outdegree == 5 for per in periods)
    _, u = simulate_statistics(periods, np.array([7.0051, 5.6292, *effects.values()]),
                               np.random.SeedSequence(12), 1000, with_scores=True)
    z = u.mean(0) / (u.std(0) / np.sqrt(len(u)))
    assert np.all(np.abs(z) < 4), z
    assert np.all(u.std(0) > 0)
