"""mkdocs hook of the API reference (mkdocs.yml): the Sphinx roles in lbsim's docstrings
(``:func:`sim.saom.estimate.estimate```, ``:mod:``, ``:class:``, ...) become links when
they name an object of ``sim`` by its full path (mkdocs --strict fails when that object
is not in the reference), and plain code when they name it relative to the module."""

from __future__ import annotations

import re

ROLE = re.compile(r":(?:func|mod|class|meth|data|attr|exc|obj):(<code>([^<]*)</code>)")
FULL_PATH = re.compile(r"sim(\.(?!_)\w+)+")  # private modules are not rendered


def _link(match: re.Match) -> str:
    code, target = match.group(1), match.group(2).lstrip("~")
    if FULL_PATH.fullmatch(target):
        return f'<autoref identifier="{target}">{code}</autoref>'
    return code


def on_page_content(html: str, **_) -> str:
    return ROLE.sub(_link, html)
