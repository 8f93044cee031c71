"""The ``lbsim`` command: parses, calls the library, prints. Each command imports what it
needs when it runs, so ``lbsim --help`` and ``lbsim estimate`` load neither Mesa, pandas
nor matplotlib."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

import sim
from sim.cli import fitted as cli_fitted
from sim.cli import saom as cli_saom
from sim.cli import sweeps as cli_sweeps
from sim.cli.support import (
    App,
    announce_compiling,
    no_terminal,
)
from sim.cli.support import (
    Overwrite as _Overwrite,
)
from sim.cli.support import (
    fail as _fail,
)
from sim.cli.support import (
    scenario as _scenario,
)
from sim.cli.support import (
    writing as _writing,
)
from sim.version import lbsim_version
from sim.vocabulary import DEFAULT_MAGNITUDES

app = App(add_completion=False, no_args_is_help=True,
          help="lbsim: peer networks of rural left-behind children, simulated.")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"lbsim {lbsim_version()}")
        raise typer.Exit()


def _terminated(signum: int, _frame) -> None:
    """SIGTERM (``kill``) ends a command as Ctrl-C does: through its cleanup, so no
    half-written result is left behind (:mod:`sim.atomic`); exit code 128 + 15."""
    raise SystemExit(128 + signum)


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="print lbsim's version and exit")] = False,
):
    """lbsim: peer networks of rural left-behind children, simulated."""
    import atexit
    import gc
    import signal

    signal.signal(signal.SIGTERM, _terminated)
    # At exit the interpreter would collect every object (numba's compiler, the loaded
    # kernels: a quarter of a second after a fit); frozen, they are left to the OS. What a
    # command writes is closed and renamed in place before it returns (sim.atomic).
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    # numba's OpenMP threads wait for the next kernel call spinning (libgomp's default):
    # on a machine busy with other work the spinning thread takes the core the kernel's
    # caller needs (the s50 fit took 3-4x as long with the load at 4 per core). Passive
    # waiting, unless the user chose otherwise; read when numba starts its threads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    notice = announce_compiling(sim.NUMBA_CACHE)
    if notice is not None:
        ctx.call_on_close(notice.unregister)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path | None, typer.Option(help="output folder (default out/<name>)")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="seed (default: the scenario's)")] = None,
    weeks: Annotated[int | None, typer.Option(min=1, help="weeks to run")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="timeseries as CSV, not Parquet")] = False,
    overwrite: _Overwrite = False,
):
    """Run a scenario: timeseries, summary.json and figures, written atomically.

    Examples:
      lbsim run scenarios/single_class.yaml --weeks 4 --out out/try
      lbsim run scenarios/dafang_yuchong.yaml --seed 7 --csv
    """
    from sim.studies.run import run_scenario

    config = _scenario(scenario, weeks=weeks)  # a --weeks out of range is the scenario's error
    out = out or Path("out") / config.name
    total = config.weeks
    with _writing(out, overwrite), typer.progressbar(
            length=total, label=f"{config.name}: weeks", file=sys.stderr,
            hidden=no_terminal()) as bar:
        result = run_scenario(config, out, seed=seed, weeks=weeks, csv=csv,
                              progress=lambda _week: bar.update(1), overwrite=overwrite)
    typer.echo(result.table())


@app.command()
def compare(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file with interventions")],
    replications: Annotated[int, typer.Option(min=2, help="replications per arm")] = 20,
    out: Annotated[Path | None, typer.Option(help="output folder (default "
                                                  "out/<name>-compare)")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="first seed (default: the "
                                                         "scenario's)")] = None,
    follow_up: Annotated[int, typer.Option(min=1, help="weeks from post to follow-up")] = 12,
    magnitudes: Annotated[str, typer.Option(help=(
        "the assumption-marked magnitudes: 'posterior' (inferred from published experiments), "
        "'prior' (uniform over their documented ranges), 'defaults' (the scenario's own values, "
        "no draws) or a CSV/Parquet file of draws (columns: their paths)"))] = DEFAULT_MAGNITUDES,
    draws: Annotated[int | None, typer.Option(
        min=1, help="draws of the magnitudes, replications/draws replications each (default: "
                    "the most, 5+, with 2+ each, else 1 each; "
                    "sim.studies.magnitudes.default_draws)")
    ] = None,
    overwrite: _Overwrite = False,
):
    """Virtual trial: the scenario's interventions against none, common random numbers.

    Examples:
      lbsim compare scenarios/dafang_yuchong.yaml --replications 40
      lbsim compare scenarios/single_class.yaml --replications 4 --follow-up 24
      lbsim compare scenarios/dafang_yuchong.yaml --magnitudes defaults
    """
    from sim.studies.magnitudes import DrawsError, MagnitudesError, sample_for_trial
    from sim.studies.trials import write_comparison

    config = _scenario(scenario)
    if not config.interventions and not config.arms:
        _fail(f"{scenario}: the scenario has no interventions to compare with a control arm")
    try:
        sample = sample_for_trial(magnitudes, replications,
                                  config.seed if seed is None else seed, draws, config)
    except MagnitudesError as e:
        _fail(f"{'--draws' if isinstance(e, DrawsError) else '--magnitudes'}: {e}")
    n_arms = max(1, len(config.arms))
    out = out or Path("out") / f"{config.name}-compare"
    with _writing(out, overwrite), typer.progressbar(
            length=replications * n_arms, label=f"{config.name}: replications",
            file=sys.stderr, hidden=no_terminal()) as bar:
        last = [0]

        def tick(done: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        result = write_comparison(config, out, replications=replications, seed=seed,
                                  follow_up_weeks=follow_up, overwrite=overwrite,
                                  progress=tick, magnitudes=sample)
    typer.echo(result.table())


@app.command()
def robustness(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file with a growth group")],
    trajectories: Annotated[int, typer.Option(min=2, help="Morris trajectories")] = 4,
    replications: Annotated[int, typer.Option(min=2, help="replications per trial")] = 4,
    out: Annotated[Path | None, typer.Option(help="folder (out/<name>-robustness)")] = None,
    seed: Annotated[int, typer.Option(min=0, help="seed of the design and the trials")] = 1,
    magnitudes: Annotated[str, typer.Option(help=(
        "'posterior' or a file of draws: screen each magnitude's central 95% in it; 'defaults' "
        "or 'prior': the documented ranges (not the scenario's values)"))] = DEFAULT_MAGNITUDES,
    overwrite: _Overwrite = False,
):
    """How the trial's effects depend on each assumption (Morris mu* over its range).

    Examples:
      lbsim robustness scenarios/dafang_yuchong.yaml --trajectories 4
      lbsim robustness scenarios/dafang_yuchong.yaml --magnitudes defaults
    """
    from sim.studies.magnitudes import MagnitudesError, screening_ranges, screening_words
    from sim.studies.robustness import write_robustness

    config = _scenario(scenario)
    out = out or Path("out") / f"{config.name}-robustness"
    if not any(s.type == "growth_group" for s in config.interventions):
        _fail(f"{scenario}: no growth group; robustness varies a growth group's assumptions")
    try:
        ranges = screening_ranges(magnitudes)
    except MagnitudesError as e:
        _fail(f"--magnitudes: {e}")
    with _writing(out, overwrite):
        result = write_robustness(config, out, overwrite, ranges=screening_words(magnitudes),
                                  trajectories=trajectories, replications=replications,
                                  seed=seed, assumptions=ranges)
    typer.echo(result.table())


@app.command()
def evidence(
    findings: Annotated[Path | None, typer.Argument(
        help="findings YAML (default: the table shipped with lbsim, docs/evidence.md)")] = None,
    replications: Annotated[int, typer.Option(min=2, help="replications per finding")] = 40,
    seed: Annotated[int, typer.Option(min=0, help="first seed (replication r: seed + r)")] = 1,
    out: Annotated[Path | None, typer.Option(help="folder to write evidence.csv to")] = None,
    overwrite: _Overwrite = False,
):
    """Published findings against lbsim's own replay of each design: published and
    simulated figures with their intervals, and whether they agree.

    Examples:
      lbsim evidence
      lbsim evidence my_findings.yaml --replications 20 --out out/evidence
    """
    from contextlib import nullcontext

    from sim.studies.evidence.spec import EvidenceError, load_findings
    from sim.studies.evidence.table import evidence as run_evidence
    from sim.studies.evidence.table import evidence_text, write_evidence

    if findings is not None and not findings.is_file():
        _fail(f"{findings}: no such file (a findings YAML; see docs/evidence.md)")
    try:
        listed, _ = load_findings(findings)
    except EvidenceError as e:
        _fail(str(e))
    with (_writing(out, overwrite) if out is not None else nullcontext()), typer.progressbar(
            length=len(listed.findings), label="findings", file=sys.stderr,
            hidden=no_terminal()) as bar:
        kwargs: dict[str, Any] = {"path": findings, "replications": replications,
                                  "seed": seed, "progress": lambda _done, _total: bar.update(1)}
        table = (write_evidence(out, overwrite, **kwargs) if out is not None
                 else run_evidence(**kwargs))
    typer.echo(evidence_text(table))
    typer.echo(f"{len(table)} findings, {replications} replications each, seed {seed}"
               + (f" -> {out / 'evidence.csv'}" if out is not None else ""))


for command in (cli_sweeps.sweep, cli_sweeps.query, cli_sweeps.report, cli_sweeps.analyze):
    app.command()(command)


@app.command()
def viz(
    scenario: Annotated[Path | None, typer.Argument(help="base scenario (default: "
                                                         "scenarios/dafang_yuchong.yaml)")] = None,
    port: Annotated[int, typer.Option(min=0, help="port to serve on (0: any free one)")] = 8765,
    host: Annotated[str, typer.Option(help="address to listen on")] = "localhost",
    open_browser: Annotated[bool, typer.Option("--open", help="open a browser tab")] = False,
):
    """Explore a class in the browser: sliders, the network and live outcome plots."""
    import os
    import socket

    if scenario is not None:
        _scenario(scenario)
    try:
        from sim.viz.app import SCENARIO_VARIABLE
    except ImportError as e:
        _fail(f"the app needs the viz extra ({e}): pip install -e '.[viz]'")

    # offline use: no update check, no usage reports
    env = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", **os.environ}
    if scenario is not None:
        env[SCENARIO_VARIABLE] = str(scenario.resolve())
    if port == 0:  # pick the free port here, so the address printed is the one served
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    app_file = Path(__file__).parents[1] / "viz" / "app.py"
    command = [sys.executable, "-m", "solara", "run", str(app_file), "--host", host,
               "--port", str(port), "--production", "--no-check-version",
               "--open" if open_browser else "--no-open"]
    typer.echo(f"serving {scenario or 'the Dafang school'} on http://{host}:{port} "
               f"(Ctrl-C stops)", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # the server replaces this process (same PID): Ctrl-C, kill and SIGTERM stop it, and no
    # child is left serving
    os.execve(sys.executable, command, env)


@app.command("import")
def import_(
    ties: Annotated[Path, typer.Argument(help="edge list (CSV with header from,to) or "
                                              "adjacency matrix (whitespace or CSV)")],
    out: Annotated[Path, typer.Option(help="scenario YAML to write")],
    attributes: Annotated[Path | None, typer.Argument(
        help="CSV: id, class, school, girl/gender, left_behind/lb, traits (optional for a "
             "matrix: ids 1..n, one class)")] = None,
    name: Annotated[str | None, typer.Option(help="scenario name (default: the file's "
                                                  "stem)")] = None,
    cross_class_ties: Annotated[bool, typer.Option(help="allow nominations across classes "
                                                        "of a school")] = False,
    overwrite: Annotated[bool, typer.Option(help="replace an existing file")] = False,
):
    """Write a scenario that starts from a surveyed class (paths relative to it).

    Examples:
      lbsim import survey/edges.csv survey/attributes.csv --out class.yaml
      lbsim import survey/matrix.txt --out class.yaml --name class3
    """
    from sim.studies.scenario_import import import_scenario

    try:
        with _writing(out, overwrite, file=True):
            result = import_scenario(ties, attributes, out, name=name,
                                     cross_class_ties=cross_class_ties, overwrite=overwrite)
    except ValueError as e:  # DataError and ScenarioError are ValueErrors
        _fail(str(e))
    typer.echo(result.table())


@app.command()
def export(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path, typer.Option(help="output folder")],
    weeks: Annotated[str | None, typer.Option(help="weeks to export, e.g. 0,20,40 (0 = the "
                                                   "start; default: 0 and the last week)")]
    = None,
    fmt: Annotated[str, typer.Option("--format", help="comma-separated: edgelist, graphml, "
                                                      "rsiena")] = "edgelist,graphml,rsiena",
    seed: Annotated[int | None, typer.Option(min=0, help="seed (default: the scenario's)")] = None,
    overwrite: _Overwrite = False,
):
    """Run a scenario and write its networks at the given weeks, written atomically.

    Examples:
      lbsim export scenarios/single_class.yaml --weeks 0,20,40 --out out/nets
      lbsim export class.yaml --format graphml --out out/class-graphml
    """
    from sim.studies.network_export import FORMATS, export_networks, parse_weeks

    config = _scenario(scenario)
    try:
        chosen = parse_weeks(weeks if weeks is not None else f"0,{config.weeks}")
    except ValueError as e:
        _fail(str(e))
    formats = [f.strip() for f in fmt.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        _fail(f"--format {fmt!r}: allowed: {', '.join(FORMATS)} (comma-separated)")
    with _writing(out, overwrite):
        files = export_networks(config, out, chosen, formats, seed=seed, overwrite=overwrite)
    typer.echo(f"{config.name}: weeks {', '.join(map(str, chosen))} -> {out} "
               f"({len(files)} files)")
    outside = out / "rsiena" / "outside-ties.csv"
    if outside.is_file() and (n := len(outside.read_text().splitlines()) - 1):
        typer.echo(f"  {n} nominations between RSiena units (a growth group across classes) "
                   f"are in {outside}, not in the matrices")


def validate_command(path: str) -> int:
    """``lbsim validate SCENARIO``: print a one-line summary and a note for each change of
    an intervention that reaches no tie (0), or the problems (2)."""
    from sim.world.pathways import pathways_text
    from sim.world.scenario import ScenarioError, load_scenario, summary_line

    try:
        config = load_scenario(path)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(summary_line(config))
    if notes := pathways_text(config):
        print(notes)
    return 0


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="scenario YAML file")]):
    """Check a scenario file: every problem with its field, value and what is allowed.

    Examples:
      lbsim validate scenarios/dafang_county.yaml
    """
    raise typer.Exit(validate_command(str(scenario)))


for engine_command in (cli_saom.simulate, cli_saom.estimate, cli_saom.gof, cli_saom.calibrate,
                       cli_saom.effects):
    app.command()(engine_command)
for fitted_command in cli_fitted.COMMANDS:
    app.command()(fitted_command)


if __name__ == "__main__":
    app()
