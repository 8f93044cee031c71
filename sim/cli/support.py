"""What the ``lbsim`` commands share: failing with a message, loading a scenario or a
matrix, checking where they write, the app's help conventions, when to draw progress bars,
the compile notice."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import numpy as np
import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from sim.cli.coercion import plain_coercion

Overwrite = Annotated[bool, typer.Option(
    help="write into a folder that is not empty, replacing only lbsim's files there")]
"""The --overwrite option of the commands that write a folder (:func:`writing`)."""


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def scenario(path: Path, **overrides):
    """The scenario at ``path`` with ``overrides`` (dotted paths, e.g. ``weeks=60``; None
    ones left out), or exit with its problems."""
    from sim.world.scenario import ScenarioError, load_scenario

    try:
        config = load_scenario(path)
        given = {k: v for k, v in overrides.items() if v is not None}
        return config.override(given) if given else config
    except ScenarioError as e:
        fail(str(e))


def load_matrix(path: Path, adjacency: bool = True) -> np.ndarray:
    from sim.io.read import DataError, read_adjacency, read_table
    if not path.is_file():
        fail(f"{path} not found (or not a file)")
    try:
        return read_adjacency(path) if adjacency else read_table(path)[0]
    except DataError as e:
        fail(str(e))


def _plain_flags(params: list) -> list:
    """Flags (``--csv``, ``--help``) take no value: an empty metavar stops typer's rich help
    from writing ``<bool>`` after them."""
    for param in params:
        if isinstance(param, TyperOption) and (param.is_flag or param.count) \
                and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A command whose help reads as usual: flags without a value placeholder, arguments in
    the usage line by their upper-case name (``SCENARIO``, ``[WAVES]...``; typer 0.2x
    writes ``<bool>`` and ``{scenario}``), and its first paragraph on one line in
    ``lbsim --help``; its plain option values converted without pydantic
    (:mod:`sim.cli.coercion`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.short_help is None and self.help:
            self.short_help = " ".join(inspect.cleandoc(self.help).split("\n\n")[0].split())

    def get_params(self, ctx) -> list:
        return plain_coercion(_plain_flags(super().get_params(ctx)))

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = (param.metavar or param.name).upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


class Group(TyperGroup):
    """The ``lbsim`` group, its flags (``--version``, ``--help``) shown as :class:`Command`
    shows them."""

    def get_params(self, ctx) -> list:
        return plain_coercion(_plain_flags(super().get_params(ctx)))


class App(typer.Typer):
    """A typer app whose group is a :class:`Group` and whose commands are
    :class:`Command`\\ s."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cls=Group, **kwargs)

    def command(self, name: str | None = None, *, cls=None, **kwargs):
        return super().command(name, cls=cls or Command, **kwargs)


def no_terminal() -> bool:
    """Whether stderr is not a terminal: progress bars are then hidden (``typer.progressbar``
    would write its label as stray lines into a log)."""
    return not sys.stderr.isatty()


COMPILING = ("lbsim: compiling numba kernels on their first use (about half a minute, once; "
             "cached in {folder})")


def announce_compiling(folder: Path):
    """If numba's cache ``folder`` (:mod:`sim.compiled`) lacks kernels of some module (a
    first run, or the first after an upgrade or an edit of compiled code), say on stderr,
    once, when numba starts compiling. Returns the numba event listener registered (its
    ``unregister()`` ends it), or None (every kernel cached: nothing to say, numba not even
    imported)."""
    from sim.compiled import kernels_cached

    if kernels_cached(folder):
        return None
    from numba.core import event

    class Notice(event.Listener):
        said = False

        def on_start(self, _event) -> None:
            if not self.said:
                self.said = True
                typer.echo(COMPILING.format(folder=folder), err=True)

        def on_end(self, _event) -> None:
            pass

        def unregister(self) -> None:
            event.unregister("numba:compile", self)

    listener = Notice()
    event.register("numba:compile", listener)
    return listener


@contextmanager
def writing(out: Path, overwrite: bool, *, file: bool = False,
            first: bool = True, writes: tuple[str, ...] = ()) -> Iterator[None]:
    """Check (``first``: before a command computes) that it may write ``out`` (a folder,
    or a file with ``file``; :mod:`sim.atomic`'s rule) and exit 2 naming what is in the
    way; as well when the writer refuses (e.g. a new file would replace a user's, which
    ``writes``, the names the command will write, lets the first check find)."""
    from sim.atomic import FolderError, check_file, check_folder

    try:
        if first and file:
            check_file(out, overwrite)
        elif first:
            check_folder(out, overwrite, writes=writes)
        yield
    except FolderError as e:
        fail(str(e))
