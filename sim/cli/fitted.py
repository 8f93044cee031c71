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
