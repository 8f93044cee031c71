"""Every public name of lbsim's layers resolves and is documented in numpydoc style.

A layer's public API is its package's ``__all__`` (rendered by the API reference,
``mkdocs.yml``). For each exported callable:

- a function has a ``Parameters`` section when it takes parameters, and a ``Returns``
  section (``Yields`` for a generator) unless it is annotated ``-> None``;
- a class has an ``Attributes`` or ``Parameters`` section; for a dataclass or a pydantic
  model the section names every field (an exception class, or a dataclass without fields
  such as a base class, needs only a docstring).

Section headers follow numpydoc: the name on its own line, underlined with dashes.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re

import pytest

PACKAGES = ("sim.saom", "sim.io", "sim.world", "sim.viz", "sim.studies")

HEADER = re.compile(r"^(\w[\w ]*)\n-{3,}\s*$", re.MULTILINE)


def sections(doc: str) -> dict[str, list[str]]:
    """The numpydoc sections of a docstring: header -> the names its entries define.

    An entry is a line at the section's left margin (``name : type`` or ``name``); its
    description, indented, follows it.
    """
    found: dict[str, list[str]] = {}
    heads = list(HEADER.finditer(doc))
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
        body = doc[head.end():end]
        names = []
        for line in body.splitlines():
            entry = re.match(r"^(\*{0,2}\w+(?:\s*,\s*\w+)*)\s*(?::.*)?$", line)
            if entry:
                names += [n.strip().lstrip("*") for n in entry.group(1).split(",")]
        found[head.group(1).strip()] = names
    return found


def fields_of(cls: type) -> list[str]:
    """The public fields of a dataclass or a pydantic model (none for another class)."""
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")]
    model_fields = getattr(cls, "model_fields", None)
    if isinstance(model_fields, dict):
        return [n for n in model_fields if not n.startswith("_")]
    return []


def problems(obj) -> list[str]:
    """What the docstring of an exported callable lacks ([] when it is complete)."""
    doc = inspect.getdoc(obj) or ""
    if not doc.strip():
        return ["no docstring"]
    if inspect.isclass(obj) and (issubclass(obj, BaseException) or (
            dataclasses.is_dataclass(obj) and not fields_of(obj))):
        return []
    found = sections(doc)
    if inspect.isclass(obj):
        documented = found.get("Attributes", []) + found.get("Parameters", [])
        if "Attributes" not in found and "Parameters" not in found:
            return ["no Attributes or Parameters section"]
        missing = [f for f in fields_of(obj) if f not in documented]
        return [f"fields not named in Attributes/Parameters: {', '.join(missing)}"] if missing \
            else []
    out = []
    signature = inspect.signature(obj)
    if signature.parameters and "Parameters" not in found:
        out.append("no Parameters section")
    else:
        missing = [p for p in signature.parameters if p not in found.get("Parameters", [])
                   and signature.parameters[p].kind not in (inspect.Parameter.VAR_POSITIONAL,
                                                            inspect.Parameter.VAR_KEYWORD)]
        if signature.parameters and missing:
            out.append(f"parameters not in Parameters: {', '.join(missing)}")
    returns_none = signature.return_annotation in (None, "None")
    if not returns_none and "Returns" not in found and "Yields" not in found:
        out.append("no Returns section")
    return out


def exported() -> list[tuple[str, str]]:
    return [(pkg, name) for pkg in PACKAGES for name in importlib.import_module(pkg).__all__]


def test_every_layer_has_an_api():
    for pkg in PACKAGES:
        names = importlib.import_module(pkg).__all__
        assert names, f"{pkg}.__all__ is empty"
        assert len(names) == len(set(names)), f"{pkg}.__all__ repeats a name"


@pytest.mark.parametrize("pkg", PACKAGES)
def test_every_exported_name_resolves(pkg):
    module = importlib.import_module(pkg)
    unresolved = []
    for name in module.__all__:
        try:
            getattr(module, name)
        except AttributeError as error:
            unresolved.append(f"{name} ({error})")
    assert not unresolved, f"{pkg}.__all__ names what it cannot give: {unresolved}"
    # a name that is also a submodule's is shadowed by the module once that is imported
    submodules = {m.name for m in pkgutil.iter_modules(module.__path__)}
    shadowed = sorted(submodules & set(module.__all__))
    assert not shadowed, f"{pkg}.__all__ names a submodule's name: {shadowed}"


@pytest.mark.parametrize("pkg", PACKAGES)
def test_every_exported_callable_has_numpydoc_sections(pkg):
    module = importlib.import_module(pkg)
    report = []
    for name in module.__all__:
        obj = getattr(module, name)
        if not callable(obj):
            continue
        report += [f"{pkg}.{name}: {p}" for p in problems(obj)]
    assert not report, "exported callables lacking numpydoc sections:\n" + "\n".join(report)


def test_the_check_finds_a_missing_section():
    def documented(x: int) -> int:
        """Twice x.

        Parameters
        ----------
        x : int
            A number.

        Returns
        -------
        int
        """
        return 2 * x

    def undocumented(x: int) -> int:
        """Twice x."""
        return 2 * x

    @dataclasses.dataclass
    class Pair:
        """Two numbers.

        Attributes
        ----------
        a : int
            The first.
        """

        a: int
        b: int

    assert problems(documented) == []
    assert problems(undocumented) == ["no Parameters section", "no Returns section"]
    assert problems(Pair) == ["fields not named in Attributes/Parameters: b"]
