"""Refuses an older Python with a message that says which one is needed (pip does not check
an editable project's Requires-Python before resolving its dependencies)."""

import sys

from setuptools import setup

if sys.version_info < (3, 12):  # noqa: UP036 (this file runs under the older Python)
    sys.exit(f"lbsim needs Python >= 3.12 (Mesa 3.5 requires it); this is Python "
             f"{sys.version.split()[0]}. Use `make setup`, or create the venv with python3.12.")
setup()
