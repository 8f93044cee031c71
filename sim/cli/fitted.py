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


# --- time heterogeneity ----------------------------------------------------------------


# --- selection and influence tables ----------------------------------------------------


# --- relative importance ---------------------------------------------------------------
