"""pytest puts this folder on sys.path (its conftest), so tests in every subfolder import
the shared helpers as ``from helpers import ...``."""

import pytest


@pytest.fixture(autouse=True)
def _no_compile_notice(request, monkeypatch):
    """numba's one-time compile notice (stderr) appears in whichever in-process command
    compiles a kernel first, which depends on the order tests run in; it is off except in
    tests marked ``compile_notice`` (commands run in a subprocess are not affected)."""
    if request.node.get_closest_marker("compile_notice") is None:
        import sim.cli.main

        monkeypatch.setattr(sim.cli.main, "announce_compiling", lambda folder: None)
