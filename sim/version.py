"""lbsim's version, as installed (no heavy imports: sweep workers stamp it on every row)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache
def lbsim_version() -> str:
    """The installed lbsim's version, or "unknown" in a source tree that is not installed."""
    try:
        return version("lbsim")
    except PackageNotFoundError:
        return "unknown"
