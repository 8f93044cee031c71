"""The ``lbsim`` commands of the SAOM engine: simulate, estimate, gof, calibrate, effects
(registered on the app in :mod:`sim.cli.main`). Each imports what it needs when it runs."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import sim.data
from sim.cli.support import (
    Overwrite as _Overwrite,
)
from sim.cli.support import (
    fail as _fail,
)
from sim.cli.support import (
    load_matrix as _load_matrix,
)
from sim.cli.support import (
    scenario as _scenario,
)
from sim.cli.support import (
    writing as _writing,
)

if TYPE_CHECKING:
    import numpy as np

    from sim.saom import Parameter

EFFECTS = "density,recip,transTrip"


def simulate(
    data: Annotated[str, typer.Option(help="bundled data set 's50' or a folder with "
                                           "s50-w1.txt, s50-w2.txt, s50-alcohol.txt")] = "s50",
    runs: Annotated[int, typer.Option(min=1, help="independent periods to simulate")] = 1000,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 1,
    threads: Annotated[int, typer.Option(min=0, help="numba threads (0 = all cores)")] = 0,
):
    """Simulate the s50 period 1 -> 2 with RSiena's estimates and compare with wave 2.

    A demonstration: the model is always s50's (RSiena's estimates, alcohol
    as covariate); --data only swaps the three files. For a model of your
    own, call sim.saom.simulate_periods (docs/researcher.md).

    Examples:
      lbsim simulate --runs 1000 --seed 1
    """
    from sim.studies.s50_demo import s50_demo

    folder = sim.data.folder(data) if data in sim.data.names() else Path(data)
    needed = [folder / f"s50-{part}.txt" for part in ("w1", "w2", "alcohol")]
    if missing := [p.name for p in needed if not p.is_file()]:
        _fail(f"--data {data}: no {', '.join(missing)} there; allowed: s50, or a folder with "
              f"s50-w1.txt, s50-w2.txt and s50-alcohol.txt (simulate runs s50's model only; "
              f"for a model of your own use sim.saom.simulate_periods)")
    try:
        typer.echo(s50_demo(_load_matrix(folder / "s50-w1.txt"),
                            _load_matrix(folder / "s50-w2.txt"),
                            _load_matrix(folder / "s50-alcohol.txt", adjacency=False),
                            runs, seed, threads))
    except ValueError as e:
        _fail(str(e))


def estimate(
    waves: Annotated[list[Path] | None, typer.Argument(
        help="adjacency matrices of waves 1, 2, ... (or --data)")] = None,
    data: Annotated[str | None, typer.Option(
        help="a bundled data set instead of wave files: s50, vdbunt, baerveldt/school01, ...")]
    = None,
    classes: Annotated[Path | None, typer.Option(
        help="a manifest (YAML) of several classes' files instead of wave files: each "
             "class's name, waves, covariates, behaviours, composition")] = None,
    effects: Annotated[str, typer.Option(help="comma-separated RSiena short names")] =
    EFFECTS,
    covariate: Annotated[list[str] | None, typer.Option(
        help="NAME=FILE[:COLUMN] actor covariate, constant over periods (column from 1); "
             "with --data also NAME[:COLUMN], a covariate of the data set")]
    = None,
    behaviour: Annotated[list[str] | None, typer.Option(
        help="NAME=FILE a dependent behaviour, one column per wave (with --data also "
             "NAME=COVARIATE, e.g. drink=alcohol); network effects may name it")] = None,
    behaviour_effects: Annotated[list[str] | None, typer.Option(
        help="NAME=EFFECTS: comma-separated (default linear,quad)")] = None,
    conditional: Annotated[bool, typer.Option(help="RSiena's cond = TRUE")] = False,
    separately: Annotated[bool, typer.Option(help="a fit per class, pooled (siena08)")] = False,
    composition: Annotated[Path | None, typer.Option(
        help="actors joining and leaving: per actor a line of its intervals of presence in "
             "wave time, e.g. '1.4 3' (RSiena's sienaCompositionChangeFromFile)")] = None,
    fix: Annotated[list[str] | None, typer.Option(
        help="NAME[=VALUE] hold an effect at VALUE (default 0, density its default start), "
             "adding it to the model if not in --effects; lbsim score-test --fit tests it "
             "(RSiena's fix = TRUE, test = TRUE)")] = None,
    max_degree: Annotated[int | None, typer.Option(
        min=1, help="at most this many nominations per actor in the simulations (RSiena's "
                    "MaxDegree); the observed waves must not exceed it")] = None,
    time_dummy: Annotated[list[str] | None, typer.Option(
        help="EFFECT:PERIOD a parameter 'EFFECT x period PERIOD' added to the effect's in "
             "that period (RSiena's includeTimeDummy; lbsim time-test --fit suggests "
             "them); one class, unconditional")] = None,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="simulate the periods on the workers of this Dask scheduler, e.g. "
             "tcp://host:8786 (the same estimate as here)")] = None,
    dask_local: Annotated[int | None, typer.Option(
        min=1, help="simulate the periods on a Dask LocalCluster of N worker processes")]
    = None,
    out: Annotated[Path | None, typer.Option(
        help="folder to save the fit in (fit.json, estimates.csv, covariance.csv, "
             "phase3.npz); load it "
             "with lbsim gof --fit or sim.io.fit.load_fit")] = None,
    overwrite: _Overwrite = False,
):
    """Estimate a SAOM from observed waves by method of moments (Robbins-Monro); several
    classes (--data baerveldt, or your files listed in --classes) as one model with a rate
    per class and period (RSiena's sienaGroupCreate) or --separately; with --behaviour,
    co-evolution.

    Examples:
      lbsim estimate --data s50 --covariate alcohol --effects density,simX:alcohol
      lbsim estimate w1.txt w2.txt w3.txt --effects density,recip,transTrip
      lbsim estimate --data s50 --effects density,recip,transTrip --out out/fit
      lbsim estimate --data baerveldt --separately
      lbsim estimate --classes classes.yaml --out out/fit
      lbsim estimate --classes classes.yaml --conditional --scheduler tcp://host:8786
      lbsim estimate --data s50 --fix inPop --max-degree 6 --out out/fit
      lbsim estimate --data s50 --effects density,recip,transTrip --time-dummy recip:2
    """
    from sim.io.estimation import (
        Sources,
        fit_observed,
        parse_fixed,
        parse_time_dummies,
        read_observed,
    )
    from sim.io.fit import FIT_FILES, save_fit
    from sim.io.read import DataError
    from sim.saom.dask_periods import dask_client

    keys = [e.strip() for e in effects.split(",") if e.strip()]
    if out is not None and separately:
        _fail("--out saves one fit; --separately fits each class on its own: drop one")
    if scheduler is not None and dask_local is not None:
        _fail("give --scheduler or --dask-local, not both")
    if separately and (scheduler is not None or dask_local is not None):
        _fail("--separately fits each class here; drop --scheduler/--dask-local or "
              "--separately")
    sources = Sources(waves or (), data, classes, covariate or (), behaviour or (),
                      behaviour_effects or (), composition)
    try:
        fixed = parse_fixed(fix or ())
        keys += [d for d in parse_time_dummies(time_dummy or ()) if d not in keys]
        observed = read_observed(sources)
        with _writing(out, overwrite, writes=FIT_FILES) if out is not None else nullcontext(), \
                dask_client(scheduler, dask_local) as client:
            fitted = fit_observed(observed, keys, separately=separately,
                                  conditional=conditional, seed=seed, fixed=fixed,
                                  max_outdegree=max_degree, scheduler=client)
    except (DataError, ValueError) as e:
        _fail(str(e))
    typer.echo(fitted.report)
    if out is not None:
        assert fitted.estimate is not None, "one fit: --out with --separately failed above"
        with _writing(out, overwrite):
            save_fit(out, fitted.estimate, effects=keys, classes=fitted.classes,
                     model=fitted.model, source=sources.record(effects), seed=seed,
                     overwrite=overwrite)
        typer.echo(f"-> {out} (fit.json, estimates.csv, covariance.csv, phase3.npz)")


def gof(
    waves: Annotated[list[Path] | None, typer.Argument(
        help="adjacency matrices of waves 1, 2, ... (or --data)")] = None,
    data: Annotated[str | None, typer.Option(help="a bundled data set instead of files")]
    = None,
    effects: Annotated[str | None, typer.Option(
        help=f"comma-separated RSiena short names (default {EFFECTS})")] = None,
    covariate: Annotated[list[str] | None, typer.Option(help="as for lbsim estimate")] = None,
    statistics: Annotated[str, typer.Option(help="auxiliary statistics: indegree, "
                                                 "outdegree, triads, geodesic")] =
    "indegree,outdegree,triads,geodesic",
    runs: Annotated[int, typer.Option(min=10, help="simulated networks per period")] = 1000,
    out: Annotated[Path | None, typer.Option(help="folder for gof.csv and the violin "
                                                  "plots")] = None,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 1,
    scenario: Annotated[Path | None, typer.Option(
        help="instead of a fit: a scenario's classes (runs of them) against every wave")]
    = None,
    fit: Annotated[Path | None, typer.Option(
        help="a fit saved by lbsim estimate --out, with its waves and covariates, instead "
             "of estimating one")] = None,
    overwrite: _Overwrite = False,
):
    """Goodness of fit (RSiena's sienaGOF): estimate the model (or take a saved --fit),
    simulate each period from its first wave, and test auxiliary statistics of the next
    wave (Mahalanobis p).

    Examples:
      lbsim gof --data s50 --out out/gof
      lbsim gof --fit out/fit --out out/gof-fit
      lbsim gof --data s50 --scenario scenarios/single_class.yaml --runs 200
    """
    from sim.io.read import DataError
    from sim.io.waves import read_waves
    from sim.studies.gof_report import check_fit, fit_text, scenario_fit

    names = [s.strip() for s in statistics.split(",") if s.strip()]
    given = [o for o, v in (("WAVES", waves), ("--data", data), ("--effects", effects),
                            ("--covariate", covariate), ("--scenario", scenario)) if v]
    if fit is not None and given:
        _fail(f"--fit brings its waves, effects and covariates; drop {', '.join(given)}")
    try:
        with _writing(out, overwrite) if out is not None else nullcontext():
            if fit is not None:
                nets, covs, theta = _saved(fit)
            else:
                nets, covs = read_waves(waves, data, covariate or [])
                theta = None
            rows = scenario_fit(_scenario(scenario), nets, names, classes=runs, seed=seed,
                                out=out, overwrite=overwrite) \
                if scenario else check_fit(nets, [e.strip() for e in (effects or EFFECTS)
                                                  .split(",") if e.strip()], names,
                                           covariates=covs, runs=runs, seed=seed, out=out,
                                           overwrite=overwrite, fit=theta)
    except (DataError, ValueError) as e:
        _fail(str(e))
    typer.echo(f"{len(nets)} waves of {len(nets[0])} actors, {runs} simulations per period")
    typer.echo(fit_text(rows))
    if out is not None:
        typer.echo(f"-> {out} (gof.csv, gof-<statistic>.png)")


def _saved(folder: Path) -> tuple[list[np.ndarray], dict[str, np.ndarray],
                                  dict[Parameter, float]]:
    """The waves, covariates and parameters of a fit saved by ``lbsim estimate --out``,
    if ``lbsim gof`` can check it (one class, a network without behaviours or composition
    change); ValueError otherwise."""
    from sim.io.fit import load_fit

    saved = load_fit(folder)
    model = saved.model
    if len(saved.classes) != 1 or model.get("behaviours") or model.get("composition"):
        raise ValueError(f"{folder}: lbsim gof checks the fit of one class's network, "
                         f"without behaviours or composition change; this fit has "
                         f"{len(saved.classes)} classes"
                         + (", behaviours" if model.get("behaviours") else "")
                         + (", composition change" if model.get("composition") else ""))
    return saved.classes[0].waves, saved.classes[0].covariates, saved.estimate.as_dict()


def calibrate(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    targets: Annotated[Path, typer.Option(help="targets YAML: 'wave: file' or "
                                               "'statistics: {...}'")],
    out: Annotated[Path | None, typer.Option(help="calibrated scenario (default "
                                                  "<scenario>-calibrated.yaml)")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="seed (default: the scenario's)")] = None,
    overwrite: Annotated[bool, typer.Option(help="replace an existing --out file")] = False,
):
    """Fit the scenario's rate, density, recip, transTrip (and listed effects) to targets.

    Examples:
      lbsim calibrate class.yaml --targets targets.yaml --out calibrated.yaml
    """
    from sim.io.read import DataError
    from sim.studies.scenario_calibration import (
        TargetsError,
        load_targets,
        write_scenario,
    )
    from sim.studies.scenario_calibration import (
        calibrate as calibrate_scenario,
    )

    config = _scenario(scenario)
    try:
        wanted = load_targets(targets)
    except TargetsError as e:
        _fail(str(e))
    out = out or scenario.with_name(f"{scenario.stem}-calibrated.yaml")
    try:
        with _writing(out, overwrite, file=True):
            result = calibrate_scenario(config, wanted, seed=seed)
    except (TargetsError, DataError, ValueError) as e:
        _fail(str(e))
    typer.echo(result.report())
    if not result.estimate.converged:
        typer.echo("warning: not converged; the scenario is written, but check the t-ratios",
                   err=True)
    write_scenario(result.scenario, out)
    typer.echo(f"-> {out}")


def effects():
    """List the SAOM effects lbsim knows, with their statistics: network, then behaviour.

    Examples:
      lbsim effects | grep -i trans
    """
    from sim.saom import behaviour, effects

    typer.echo(f"{effects.describe()}\n\nBehaviour effects:\n{behaviour.describe()}")
