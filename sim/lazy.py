"""A package's public names, imported on first use (PEP 562 module ``__getattr__``).

A layer's ``__init__`` lists where each of its names lives; importing the package then
loads none of them, so e.g. ``lbsim --help`` loads neither Mesa, pandas nor matplotlib.
"""

from collections.abc import Callable, Mapping
from importlib import import_module


def lazy_exports(package: str, homes: Mapping[str, str]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Parameters
    ----------
    package : str
        The package's dotted name (for the error message), e.g. ``"sim.studies"``.
    homes : Mapping[str, str]
        Each public name -> the dotted name of the module that defines it.

    Returns
    -------
    tuple of (callable, callable)
        ``__getattr__(name)``, which imports ``homes[name]`` and returns its ``name`` (an
        ``AttributeError`` for any other name), and ``__dir__()``, the sorted public names.
    """

    def __getattr__(name: str) -> object:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(homes[name]), name)

    def __dir__() -> list[str]:
        return sorted(homes)

    return __getattr__, __dir__
