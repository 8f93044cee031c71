"""Plain option values (text, whole numbers, paths, lists of them) converted without
pydantic.

typer (0.2x) converts every option of a command, given or not, through a pydantic
``TypeAdapter`` it builds on the spot: importing pydantic and building the adapters is
about 0.1 s of every command's start-up. A value that is plainly valid converts here to
exactly what typer's adapter returns (``str``; ``int`` within the option's ``min``/``max``;
``Path`` through typer's own path checks); anything else (a malformed number, a number out
of range, a type or an option setting not listed) goes to typer's own conversion, so its
error messages are typer's. With a typer that converts otherwise (no ``typer._coercion``),
nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

try:
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_path
    TYPER_ADAPTERS = True
except ImportError:  # a typer without pydantic adapters
    TYPER_ADAPTERS = False

WHOLE = re.compile(r"-?[0-9]+")
NOT_PLAIN = object()


def _plain(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """``value`` converted as typer would, or NOT_PLAIN."""
    if info.parser is not None or getattr(info, "click_type", None) is not None:
        return NOT_PLAIN
    if get_origin(annotation) is list and isinstance(value, (list, tuple)):
        (item,) = get_args(annotation)
        items = [_plain(item, info, v, param, ctx) for v in value]
        return NOT_PLAIN if any(i is NOT_PLAIN for i in items) else items
    if annotation is str:
        return value if isinstance(value, str) else NOT_PLAIN
    if annotation is int and not info.clamp:
        if isinstance(value, str) and WHOLE.fullmatch(value):
            value = int(value)
        if type(value) is not int or (info.min is not None and value < info.min) or (
                info.max is not None and value > info.max):
            return NOT_PLAIN
        return value
    if annotation is Path and info.path_type is None and isinstance(value, str | Path) \
            and str(value) and "\0" not in str(value):
        # typer's path checks (exists, file_okay, ...), given a Path (pydantic makes the
        # same Path of a text)
        return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    return NOT_PLAIN


if TYPER_ADAPTERS:
    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        """A parameter's conversion: :func:`_plain`, else typer's own."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            done = _plain(self.annotation, self.parameter_info, value, param, ctx)
            if done is NOT_PLAIN:
                return build_runtime_param(param.type_descriptor)._coerce_value(
                    value, param=param, ctx=ctx)
            return done


def plain_coercion(params: list) -> list:
    """Give each of typer's parameters not converted yet a :class:`PlainRuntimeParam`
    (nothing with a typer that converts otherwise)."""
    if not TYPER_ADAPTERS:
        return params
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", False) is None \
                and descriptor.file_annotation is None:
            param._runtime_param = PlainRuntimeParam(parameter_info=descriptor.parameter_info,
                                                     annotation=descriptor.annotation)
    return params
