"""The convention of a study's result (after statsmodels' results): a frozen object whose
``table()`` is the text ``lbsim`` prints for it, ``to_frame()`` a pandas DataFrame of its
rows and ``plot()`` the matplotlib Figure the study draws (for a study that draws one).
"""

from __future__ import annotations


class Result:
    """Base of the studies' results (frozen dataclasses: assigning a field raises
    :class:`dataclasses.FrozenInstanceError`)."""

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
