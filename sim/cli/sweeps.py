"""The ``lbsim`` commands of sweeps: sweep, query, report, analyze (registered on the app in
:mod:`sim.cli.main`). Each imports what it needs when it runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.support import Overwrite as _Overwrite
from sim.cli.support import fail as _fail
from sim.cli.support import no_terminal
from sim.cli.support import writing as _writing


def sweep(
    spec: Annotated[Path, typer.Argument(help="sweep spec YAML (see experiments/)")],
    out: Annotated[Path, typer.Option(help="results folder (re-run to resume)")],
    workers: Annotated[int, typer.Option(min=0, help="local processes (0: one per core)")] = 0,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. "
                                                       "tcp://host:8786")] = None,
    dask_local: Annotated[int | None, typer.Option(min=1, help="start a Dask LocalCluster "
                                                              "with N workers")] = None,
    overwrite: Annotated[bool, typer.Option(help="start in a folder that is not empty, "
                                                 "deleting another spec's results there "
                                                 "(other files are kept)")] = False,
):
    """Run a scenario sweep in batches; resumable, one Parquet file per batch.

    Examples:
      lbsim sweep experiments/smoke.yaml --out out/smoke --workers 2
      lbsim sweep experiments/staffing_small.yaml --out out/staff --dask-local 4
    """
    import os

    from sim.studies.sweep.spec import SweepError
    from sim.studies.sweep.sweep import plan, run_sweep

    if scheduler and dask_local:
        _fail("give --scheduler or --dask-local, not both")
    try:
        planned = plan(spec)
    except SweepError as e:
        _fail(str(e))
    workers = workers or os.cpu_count() or 1
    with typer.progressbar(length=planned.runs, label="runs", file=sys.stderr,
                           show_eta=True, hidden=no_terminal()) as bar:
        def tick(result, counts):
            bar.label = f"runs (failed {counts['failed']})"
            bar.update(result["runs"])

        try:
            result = run_sweep(spec, out, workers=workers, scheduler=scheduler,
                               dask_local=dask_local, progress=tick, overwrite=overwrite)
        except ValueError as e:
            _fail(str(e))
    typer.echo(result.table())


def query(
    folder: Annotated[Path, typer.Argument(help="a sweep's results folder")],
    sql: Annotated[str, typer.Argument(help="SQL over the view `runs`")],
):
    """Query a sweep's results with DuckDB, e.g. "SELECT point, avg(density) FROM runs
    GROUP BY point".

    Examples:
      lbsim query out/smoke "SELECT week, avg(density) FROM runs GROUP BY week"
    """
    from sim.studies.sweep import store
    from sim.studies.sweep.store import query as run_query

    if not any(folder.glob(store.BATCH)):
        _fail(f"{folder}: no results (batch-*.parquet) to query")
    try:
        table = run_query(folder, sql)
    except Exception as e:  # DuckDB's parser and binder errors name the problem
        _fail(f"query failed: {e}")
    typer.echo(table.to_string(index=False))


def report(
    folder: Annotated[Path, typer.Argument(help="a staffing sweep's results folder")],
    out: Annotated[Path | None, typer.Option(help="report folder (default DIR/report)")] = None,
    dose: Annotated[str | None, typer.Option(help="the parameter plans differ by (default: "
                                                  "the one naming workers)")] = None,
    end_week: Annotated[int | None, typer.Option(help="end-of-year week (default: the "
                                                      "spec's last `at` week)")] = None,
    robustness: Annotated[Path | None, typer.Option(
        help="a `lbsim robustness` folder (or its robustness.csv): rank the assumptions "
             "in report.html")] = None,
    overwrite: _Overwrite = False,
):
    """Staffing plans against none: LBC isolates, in-degree and gap at year end and follow-up
    (95% CIs), cost per year and per isolate avoided; plans.csv, dose_response.png and a
    printable report.html.

    Examples:
      lbsim sweep experiments/dafang_staffing.yaml --out out/staffing
      lbsim report out/staffing
      lbsim report out/staffing --robustness out/dafang_yuchong-robustness
    """
    from sim.studies.sweep.report import ReportError, write_report
    from sim.studies.sweep.report_html import RobustnessError

    out = out or folder / "report"
    try:
        with _writing(out, overwrite, first=False):  # quick: the sweep's problems first
            result = write_report(folder, out, dose, end_week, robustness, overwrite=overwrite)
    except (ReportError, RobustnessError) as e:
        _fail(str(e))
    typer.echo(result.table())


def analyze(
    folder: Annotated[Path, typer.Argument(help="a Sobol or Morris sweep's results folder")],
    out: Annotated[Path | None, typer.Option(help="output folder (default DIR/analysis)")]
        = None,
    overwrite: _Overwrite = False,
):
    """Sensitivity indices of a Sobol (S1, ST) or Morris (mu*, sigma) sweep, per outcome
    (SALib); indices.csv and indices.png.

    Examples:
      lbsim analyze out/sens      (a sweep with design: sobol or morris)
    """
    from sim.studies.sweep.analyze import write_analysis
    from sim.studies.sweep.report import ReportError

    out = out or folder / "analysis"
    try:
        with _writing(out, overwrite, first=False):  # quick: the sweep's problems first
            table = write_analysis(folder, out, overwrite=overwrite)
    except ReportError as e:
        _fail(str(e))
    typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    typer.echo(f"-> {out} (indices.csv, indices.png)")
