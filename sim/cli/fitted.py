"""The ``lbsim`` commands that read a saved fit (``lbsim estimate --out DIR``) and report
what follows an estimate, as RSiena's functions on a sienaFit: tests of parameters (Wald,
score-type, time heterogeneity), selection and influence tables, relative importance.
Registered on the app in :mod:`sim.cli.main` from :data:`COMMANDS`; each imports what it
needs when it runs."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli.support import fail as _fail

if TYPE_CHECKING:
    from sim.io.fit import SavedFit

COMMANDS: list[Callable] = []
"""The commands of this module, in the order ``lbsim --help`` lists them."""

Fit = Annotated[Path, typer.Option(help="a fit saved by lbsim estimate --out")]
"""The --fit option every command here takes."""


def load(folder: Path) -> SavedFit:
    """The fit saved in ``folder``, or exit with the reason it cannot be read."""
    from sim.io.fit import load_fit

    try:
        return load_fit(folder)
    except ValueError as e:
        _fail(str(e))


# --- Wald tests ------------------------------------------------------------------------


def wald(
    fit: Fit,
    parameters: Annotated[list[str], typer.Argument(
        help="the parameters tested, by name (quote names with spaces: 'rate 1')")],
    same: Annotated[bool, typer.Option(
        "--same", help="test that the two parameters are equal (RSiena's testSame.RSiena) "
                       "instead of 0")] = False,
) -> None:
    """Wald test that PARAMETERS are 0, jointly and each alone (RSiena's Multipar.RSiena);
    with --same, that two parameters are equal (testSame.RSiena).

    Examples:
      lbsim wald --fit out/fit recip transTrip
      lbsim wald --fit out/fit --same egoX:alcohol altX:alcohol
    """
    from sim.saom.wald import same_test, wald_test

    estimate = load(fit).estimate
    if same and len(parameters) != 2:
        _fail(f"--same compares two parameters, got {len(parameters)}: "
              f"{' '.join(parameters)}; allowed: {', '.join(estimate.cov_names())}")
    try:
        result = (same_test(estimate, *parameters) if same
                  else wald_test(estimate, parameters))
    except ValueError as e:
        _fail(str(e))
    typer.echo(result.table())


COMMANDS.append(wald)


# --- score-type tests ------------------------------------------------------------------
def score_test(
    fit: Fit,
    parameters: Annotated[list[str] | None, typer.Argument(
        help="the parameters tested, held fixed in the fit (default: all of them; quote "
             "names with spaces: 'drink: avAlt')")] = None,
):
    """Score-type tests of the parameters a fit held fixed (RSiena's fix = TRUE,
    test = TRUE): does an effect belong in the model, without estimating it? Prints the
    joint test, each parameter alone with its one-sided normal variate, and one-step
    estimates.

    Examples:
      lbsim estimate --data s50 --fix inPop --out out/fit
      lbsim score-test --fit out/fit
      lbsim score-test --fit out/fit inPop "drink: avAlt"
    """
    from sim.saom.score_type import score_test as test

    saved = load(fit)
    try:
        result = test(saved.estimate, parameters or None)
    except ValueError as e:
        _fail(str(e))
    typer.echo(result.table())


COMMANDS.append(score_test)



# --- time heterogeneity ----------------------------------------------------------------


def time_test(
    fit: Fit,
    effects: Annotated[str | None, typer.Option(
        help="comma-separated effects whose period dummies are tested (default: every "
             "estimated effect)")] = None,
    plot: Annotated[Path | None, typer.Option(
        help="save each effect's one-step estimate by period (+- 2 SE) to this image")]
    = None,
    overwrite: Annotated[bool, typer.Option(help="replace an existing --plot file")] = False,
):
    """Test the fit's effects for heterogeneity over its periods (RSiena's sienaTimeTest):
    a score-type test of a dummy per effect and period after the first, from the fit's
    phase-3 simulations; prints the joint test, each effect's, each period's, and each
    dummy's one-step estimate and test.

    Examples:
      lbsim time-test --fit out/fit
      lbsim time-test --fit out/fit --effects recip,transTrip --plot time.png
    """
    from sim.saom.time_heterogeneity import time_test as test

    _check_plot(plot, overwrite)
    saved = load(fit)
    wanted = None if effects is None else [e.strip() for e in effects.split(",") if e.strip()]
    if wanted is not None and not wanted:
        _fail(f"--effects {effects!r}: name at least one effect of the fit")
    try:
        result = test(saved.estimate, wanted)
    except ValueError as e:
        _fail(f"{fit}: {e}")
    typer.echo(result.table())
    if plot is not None:
        _save_figure(result.plot(), plot)


COMMANDS.append(time_test)



# --- selection and influence tables ----------------------------------------------------


def _numbers(text: str | None, option: str) -> list[float] | None:
    """A comma-separated list of numbers (None if not given), or exit naming the option."""
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        _fail(f"{option} {text!r}: allowed: comma-separated numbers, e.g. 1,2,3,4,5")
    if not values or not all(math.isfinite(v) for v in values):
        _fail(f"{option} {text!r}: allowed: comma-separated numbers, e.g. 1,2,3,4,5")
    return values


def _table_output(result, plot: Path | None) -> None:
    """Print the table; save its figure to ``plot`` (whole or not at all)."""
    typer.echo(result.table())
    if plot is not None:
        _save_figure(result.plot(), plot)


def _save_figure(fig, plot: Path) -> None:
    """Save ``fig`` to ``plot`` whole or not at all (checked by :func:`_check_plot`)."""
    import matplotlib.pyplot as plt

    from sim.atomic import atomic_file

    try:
        with atomic_file(plot) as tmp:
            fig.savefig(tmp, format=plot.suffix[1:].lower(), bbox_inches="tight", dpi=120)
    except OSError as e:
        _fail(f"--plot {plot}: cannot be written ({e})")
    finally:
        plt.close(fig)
    typer.echo(f"-> {plot}")


def _check_plot(plot: Path | None, overwrite: bool) -> None:
    """Exit before computing if ``plot`` cannot be written: an unknown image type, a
    folder, or a file there without --overwrite."""
    if plot is None:
        return
    from matplotlib.backend_bases import FigureCanvasBase

    kinds = FigureCanvasBase.get_supported_filetypes()
    if plot.suffix[1:].lower() not in kinds:
        _fail(f"--plot {plot}: an image file name ending in one of "
              f"{', '.join('.' + k for k in sorted(kinds))}")
    if plot.is_dir():
        _fail(f"--plot {plot} is a folder; name the image file to write")
    if not plot.parent.is_dir():
        _fail(f"--plot {plot}: folder {plot.parent} does not exist")
    if plot.exists() and not overwrite:
        _fail(f"--plot {plot} exists; choose another name or pass --overwrite")


_Levels = Annotated[str | None, typer.Option(
    help="ego's values, comma-separated (default: the observed integer range)")]
_AlterLevels = Annotated[str | None, typer.Option(
    help="alter's values, comma-separated (default: ego's)")]
_LeaveOut = Annotated[str | None, typer.Option(
    help="comma-separated effects of the variable to leave out; those the table cannot "
         "hold (interactions; a behaviour's indeg, outdeg, effFrom) must be, as RSiena "
         "leaves them out")]
_Group = Annotated[str | None, typer.Option(
    help="with several classes, the class whose mean centres the values")]
_Plot = Annotated[Path | None, typer.Option(help="save the plot to this image file (.png, "
                                                 ".pdf, .svg)")]
_Overwrite = Annotated[bool, typer.Option(help="replace an existing --plot file")]


def selection_table(
    fit: Fit,
    covariate: Annotated[str, typer.Option(
        "--covariate", "--variable", help="the actor covariate or behaviour")],
    levels: _Levels = None,
    alter_levels: _AlterLevels = None,
    include: Annotated[str, typer.Option(
        help="eval (evaluation effects), endow (with endowment: keeping a tie) or creation "
             "(with creation: making one)")] = "eval",
    leave_out: _LeaveOut = None,
    group: _Group = None,
    plot: _Plot = None,
    overwrite: _Overwrite = False,
):
    """Selection table (RSiena's selectionTable): the part of the network objective
    function that depends on a covariate or behaviour, for a tie from ego (rows) to alter
    (columns), summed over its egoX, altX, simX, sameX and egoXaltX effects.

    Examples:
      lbsim selection-table --fit out/fit --covariate drink
      lbsim selection-table --fit out/fit --covariate alcohol --levels 1,3,5 --plot sel.png
    """
    from sim.saom.tables import selection_table as table

    _check_plot(plot, overwrite)
    saved = load(fit)
    try:
        result = table(saved.estimate, saved.data(), covariate,
                       _numbers(levels, "--levels"), _numbers(alter_levels, "--alter-levels"),
                       include, _names(leave_out), group)
    except ValueError as e:
        _fail(str(e))
    _table_output(result, plot)


COMMANDS.append(selection_table)


def influence_table(
    fit: Fit,
    behaviour: Annotated[str, typer.Option(help="the dependent behaviour")],
    levels: _Levels = None,
    alter_levels: _AlterLevels = None,
    out_degree: Annotated[int, typer.Option(
        min=1, help="ego's number of friends, for totAlt and totSim")] = 1,
    leave_out: _LeaveOut = None,
    group: _Group = None,
    plot: _Plot = None,
    overwrite: _Overwrite = False,
):
    """Influence table (RSiena's influenceTable, printed with ego in rows): ego's
    behaviour objective function when ego has the row's value and its friends the
    column's, summed over linear, quad, avAlt, totAlt, avSim and totSim.

    Examples:
      lbsim influence-table --fit out/fit --behaviour drink
      lbsim influence-table --fit out/fit --behaviour drink --plot influence.png
    """
    from sim.saom.tables import influence_table as table

    _check_plot(plot, overwrite)
    saved = load(fit)
    try:
        result = table(saved.estimate, saved.data(), behaviour,
                       _numbers(levels, "--levels"), _numbers(alter_levels, "--alter-levels"),
                       out_degree, _names(leave_out), group)
    except ValueError as e:
        _fail(str(e))
    _table_output(result, plot)


COMMANDS.append(influence_table)


def _names(text: str | None) -> list[str]:
    return [k.strip() for k in (text or "").split(",") if k.strip()]


# --- relative importance ---------------------------------------------------------------


def importance(
    fit: Fit,
    plot: Annotated[Path | None, typer.Option(
        help="save the figure here (.png, .pdf or .svg); a behaviour's figure goes next to "
             "it, named FILE_<behaviour>")] = None,
    overwrite: Annotated[bool, typer.Option(help="replace existing --plot files")] = False,
):
    """Relative importance of the effects (RSiena's sienaRI; Indlekofer and Brandes 2013):
    at each observed wave, how much each effect moves each actor's choice probabilities
    in a ministep (L1 distance to the probabilities with its parameter 0), normalised to
    sum to 1 over the effects and averaged over the actors; for the network and each
    behaviour.

    Examples:
      lbsim importance --fit out/fit
      lbsim importance --fit out/fit --plot out/importance.png
    """
    from sim.saom.importance import NETWORK, relative_importance

    saved = load(fit)
    behaviours = sorted({p.behaviour for p in saved.estimate.names if p.behaviour})
    plots = {} if plot is None else {v: plot if v == NETWORK else
                                     plot.with_name(f"{plot.stem}_{v}{plot.suffix}")
                                     for v in (NETWORK, *behaviours)}
    for path in plots.values():
        _check_plot(path, overwrite)
    data = saved.data()
    try:
        results = [relative_importance(saved.estimate, data, variable=v,
                                       max_outdegree=saved.model.get("max_outdegree"))
                   for v in (NETWORK, *behaviours)]
    except ValueError as e:
        _fail(str(e))
    typer.echo("\n\n".join(r.table() for r in results))
    for r in results if plots else ():
        _save_figure(r.plot(), plots[r.variable])


COMMANDS.append(importance)
