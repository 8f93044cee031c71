"""The convention of a study's result (after statsmodels' results): a frozen object whose
``table()`` is the text ``lbsim`` prints for it, ``to_frame()`` a pandas DataFrame of its
rows and ``plot()`` the matplotlib Figure the study draws (for a study that draws one).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import PurePath


def _short(value) -> str:
    """A field's value in a few characters: a table's or a collection's size, a scenario's
    name, a path, else its repr (or its type's name when that is long)."""
    if hasattr(value, "shape"):
        return f"<{value.shape[0]} rows>"
    if isinstance(value, dict | list | tuple):
        return f"<{len(value)} items>"
    if hasattr(value, "model_dump") and hasattr(value, "name"):
        return f"<{type(value).__name__} {value.name!r}>"
    text = repr(value)
    if isinstance(value, PurePath) or (len(text) <= 80 and "\n" not in text):
        return text
    return f"<{type(value).__name__}>"


@dataclass(frozen=True, repr=False)
class Result:
    """Base of the studies' results (frozen dataclasses, declared with ``repr=False`` so
    that this short repr serves: assigning a field raises
    :class:`dataclasses.FrozenInstanceError`)."""

    def __repr__(self) -> str:
        return (f"{type(self).__name__}("
                + ", ".join(f"{f.name}={_short(getattr(self, f.name))}" for f in fields(self))
                + ")")

    def table(self) -> str:
        """The text ``lbsim`` prints for this result."""
        raise NotImplementedError

    def to_frame(self):
        """A pandas DataFrame of the result's rows (a copy: changing it changes nothing
        here)."""
        raise NotImplementedError

    def plot(self, path=None):
        """The study's figure (saved to ``path`` if given)."""
        raise TypeError(f"{type(self).__name__}: this study draws no figure")
