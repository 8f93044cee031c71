"""Did-you-mean: the allowed word nearest a misspelt one, for every "unknown ..." error.

A leaf module (only :mod:`difflib`), so the engine, scenarios, sweeps and findings files
suggest a name the same way: the closest allowed word by difflib's similarity ratio, if
it reaches 0.6 (:func:`difflib.get_close_matches`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


def nearest(word: object, allowed: Iterable[str]) -> str | None:
    """The allowed word closest to ``word``, or None when none is close.

    Parameters
    ----------
    word
        What was written (turned into text with ``str``).
    allowed
        The words allowed there.

    Returns
    -------
    str or None
        The closest of ``allowed`` with a similarity ratio of at least 0.6, else None.
    """
    near = difflib.get_close_matches(str(word), list(allowed), n=1)
    return near[0] if near else None


def unknown_name(name: str, kind: str, allowed: Sequence[str], where: str = "") -> str:
    """The message for an unknown name.

    Parameters
    ----------
    name
        The unknown name.
    kind
        What it was meant to be (e.g. ``"effect"``).
    allowed
        The names allowed.
    where
        Where it was written (e.g. the effect term), if anywhere.

    Returns
    -------
    str
        ``unknown <kind> '<name>'[ in '<where>']. [Did you mean '...'? ]Allowed: ...``.

    Examples
    --------
    >>> unknown_name("denisty", "effect", ["density", "recip"])
    "unknown effect 'denisty'. Did you mean 'density'? Allowed: density, recip."
    >>> unknown_name("x", "outcome", ["isolates"], where="outcomes")
    "unknown outcome 'x' in 'outcomes'. Allowed: isolates."
    """
    near = nearest(name, allowed)
    hint = f" Did you mean {near!r}?" if near else ""
    place = f" in {where!r}" if where else ""
    return f"unknown {kind} {name!r}{place}.{hint} Allowed: {', '.join(allowed)}."
