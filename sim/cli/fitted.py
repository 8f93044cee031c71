"""The ``lbsim`` commands that read a saved fit (``lbsim estimate --out DIR``) and report
what follows an estimate, as RSiena's functions on a sienaFit: tests of parameters (Wald,
score-type, time heterogeneity), selection and influence tables, relative importance.
Registered on the app in :mod:`sim.cli.main` from :data:`COMMANDS`; each imports what it
needs when it runs."""

from __future__ import annotations

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


# --- score-type tests ------------------------------------------------------------------
def score_test(
    fit: Fit,
    parameters: Annotated[str | None, typer.Argument(
        help="comma-separated parameters held fixed in the fit (default: all of them)")]
    = None,
):
    """Score-type tests of the parameters a fit held fixed (RSiena's fix = TRUE,
    test = TRUE): does an effect belong in the model, without estimating it? Prints the
    joint test, each parameter alone with its one-sided normal variate, and one-step
    estimates.

    Examples:
      lbsim estimate --data s50 --fix inPop --out out/fit
      lbsim score-test --fit out/fit
      lbsim score-test --fit out/fit "inPop,drink: avAlt"
    """
    from sim.saom.score_type import score_test as test

    saved = load(fit)
    names = None if parameters is None else [p.strip() for p in parameters.split(",")
                                             if p.strip()]
    try:
        result = test(saved.estimate, names)
    except ValueError as e:
        _fail(str(e))
    typer.echo(result.table())


COMMANDS.append(score_test)



# --- time heterogeneity ----------------------------------------------------------------


# --- selection and influence tables ----------------------------------------------------


# --- relative importance ---------------------------------------------------------------


def importance(
    fit: Fit,
    plot: Annotated[Path | None, typer.Option(
        help="save the figure here (.png, .pdf or .svg); a behaviour's figure goes next to "
             "it, named FILE_<behaviour>")] = None,
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

    if plot is not None:
        if plot.suffix.lower() not in (".png", ".pdf", ".svg"):
            _fail(f"--plot {plot}: allowed: a file ending in .png, .pdf or .svg")
        if not plot.parent.is_dir():
            _fail(f"--plot {plot}: folder {plot.parent} does not exist")
    saved = load(fit)
    data = saved.data()
    behaviours = sorted({p.behaviour for p in saved.estimate.names if p.behaviour})
    try:
        results = [relative_importance(saved.estimate, data, variable=v,
                                       max_outdegree=saved.model.get("max_outdegree"))
                   for v in (NETWORK, *behaviours)]
    except ValueError as e:
        _fail(str(e))
    typer.echo("\n\n".join(r.table() for r in results))
    if plot is not None:
        for r in results:
            path = plot if r.variable == NETWORK else \
                plot.with_name(f"{plot.stem}_{r.variable}{plot.suffix}")
            r.plot(path)
            typer.echo(f"-> {path}")


COMMANDS.append(importance)
