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


# --- time heterogeneity ----------------------------------------------------------------


def time_test(
    fit: Fit,
    effects: Annotated[str | None, typer.Option(
        help="comma-separated effects whose period dummies are tested (default: every "
             "estimated effect)")] = None,
    plot: Annotated[Path | None, typer.Option(
        help="save each effect's one-step estimate by period (+- 2 SE) to this image")]
    = None,
):
    """Test the fit's effects for heterogeneity over its periods (RSiena's sienaTimeTest).

    A score-type test of a dummy per effect and period after the first, from the fit's
    phase-3 simulations: the joint test, each effect's, each period's, and each dummy's
    one-step estimate and test.

    Examples:
      lbsim time-test --fit out/fit
      lbsim time-test --fit out/fit --effects recip,transTrip --plot time.png
    """
    from sim.saom.time_heterogeneity import time_test as test

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
        try:
            result.plot(plot)
        except (OSError, ValueError) as e:
            _fail(f"--plot {plot}: {e}")
        typer.echo(f"\nwrote {plot}")


COMMANDS.append(time_test)



# --- selection and influence tables ----------------------------------------------------


# --- relative importance ---------------------------------------------------------------
