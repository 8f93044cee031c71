"""mkdocs hook of the API reference (mkdocs.yml).

A page line ``<!-- public API of sim.PKG -->`` becomes the package's docstring, then a
table and one ``:::`` block of each name of ``sim.PKG.__all__`` (in that order, each
once), then a table of its submodules with their docstrings' first paragraphs. A name the
package exports lazily (:mod:`sim.lazy`) is rendered from the module its ``_HOMES`` table
names, so a new export appears without editing a page.

The Sphinx roles in the docstrings (``:func:`sim.saom.estimate```, ``:mod:``, ``:class:``,
...) become links when they name an object of ``sim`` by its full path: the build fails
when that object does not exist, and the link is plain code when the object exists but is
not rendered (a submodule's function that is not exported). Roles naming an object
relative to the module stay plain code."""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from pathlib import Path

import griffe

# the hook imports the `sim` it documents (the one mkdocstrings reads, `paths: [.]`)
ROOT = str(Path(__file__).resolve().parents[1])
sys.path.insert(0, ROOT)

MARKER = re.compile(r"^<!-- public API of (sim(?:\.\w+)*) -->$", re.MULTILINE)
ROLE = re.compile(r":(?:func|mod|class|meth|data|attr|exc|obj):(<code>([^<]*)</code>)")
FULL_PATH = re.compile(r"sim(\.(?!_)\w+)+")  # private modules are not rendered
DOCTEST_FLAG = re.compile(r"\s*#\s*doctest:[^\n<]*")


class DoctestFences(griffe.Extension):
    """Griffe extension (mkdocs.yml): a ``>>>`` session outside a numpydoc Examples section
    (which mkdocstrings renders itself) becomes a ``pycon`` code block, not a blockquote."""

    def on_instance(self, *, obj: griffe.Object, **_) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)


def fence_doctests(text: str) -> str:
    lines, out, examples = text.split("\n"), [], False
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1]):
            examples = line.strip() in ("Example", "Examples")
        if examples or not line.lstrip().startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(DOCTEST_FLAG.sub("", lines[i]))
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


def _block(path: str, **options: object) -> str:
    lines = [f"::: {path}", "    options:"]
    lines += [f"      {key}: {str(value).lower() if isinstance(value, bool) else value}"
              for key, value in options.items()]
    return "\n".join(lines) + "\n"


def _home(package: str, name: str) -> str:
    """The dotted path mkdocstrings renders ``package.name`` from."""
    homes = getattr(importlib.import_module(package), "_HOMES", {})
    return f"{homes[name]}.{name}" if name in homes else f"{package}.{name}"


def _first_paragraph(loaded: griffe.Object, path: str) -> str:
    doc = loaded[path.split(".", 1)[1]].docstring
    first = doc.value.split("\n\n")[0].replace("\n", " ") if doc else ""
    return first.replace("|", "&#124;")


def _table(package: str, paths: list[str], anchors: bool) -> str:
    """Rows of name and first docstring paragraph; a name links to its block, or (anchors)
    is itself the anchor that links to it land on."""
    loaded = griffe.load(package.split(".")[0], search_paths=[ROOT])
    rows = ["| name | what it is |", "|---|---|"]
    for path in paths:
        name = f"[](){{#{path}}}`{path}`" if anchors else f"[`{path.rsplit('.', 1)[1]}`][{path}]"
        rows.append(f"| {name} | {_first_paragraph(loaded, path)} |")
    return "\n".join(rows) + "\n"


def _submodules(package: str) -> list[str]:
    found = pkgutil.walk_packages(importlib.import_module(package).__path__, package + ".")
    return sorted(info.name for info in found
                  if not any(part.startswith("_") for part in info.name.split(".")))


def public_api(package: str) -> str:
    """The markdown of a layer's page: its docstring, its public names, its submodules."""
    module = importlib.import_module(package)
    parts = [_block(package, members=False, show_root_heading=True, heading_level=1)]
    names = list(getattr(module, "__all__", []))
    if names:
        parts.append(f"## Public names\n\nImport them from `{package}`, e.g. "
                     f"`from {package} import {names[0]}`.\n")
        paths = [_home(package, name) for name in names]
        parts.append(_table(package, paths, anchors=False))
        parts += [_block(path, heading_level=3, show_root_full_path=False) for path in paths]
    submodules = _submodules(package) if hasattr(module, "__path__") else []
    if submodules:
        source = package.replace(".", "/")
        parts.append(f"## Modules\n\nWhere the names above live, and the rest of `{package}`: "
                     f"the first paragraph of each module's docstring. The functions and "
                     f"classes a module does not export are documented in its source "
                     f"(`{source}/`).\n")
        parts.append(_table(package, submodules, anchors=True))
    return "\n".join(parts)


def on_page_markdown(markdown: str, **_) -> str:
    return MARKER.sub(lambda match: public_api(match.group(1)), markdown)


def _exists(path: str) -> bool:
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return True
    return False


def _link(match: re.Match) -> str:
    code, target = match.group(1), match.group(2).lstrip("~")
    if match.group(2).startswith("~"):  # Sphinx's ~: show the last component only
        code = f"<code>{target.rsplit('.', 1)[-1]}</code>"
    if not FULL_PATH.fullmatch(target):
        return code
    if not _exists(target):  # a plain autoref: mkdocs --strict reports it
        return f'<autoref identifier="{target}">{code}</autoref>'
    return f'<autoref identifier="{target}" optional>{code}</autoref>'


def on_page_content(html: str, **_) -> str:
    return DOCTEST_FLAG.sub("", ROLE.sub(_link, html))
