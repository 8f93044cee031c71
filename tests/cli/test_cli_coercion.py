"""lbsim's conversion of plain option values (sim.cli.coercion) gives what typer's own
gives, value or error message, for every parameter of every command."""

from pathlib import Path

import pytest
import typer

from sim.cli import coercion
from sim.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not coercion.TYPER_ADAPTERS,
                                reason="this typer converts without pydantic adapters")
click = pytest.importorskip("typer._click")
Context, ClickException = click.Context, click.exceptions.ClickException

SAMPLES = ["3", "-1", "0", "1", "10", "007", "+2", "1.5", "x", "", " 4", "a,b", "~/x",
           "no/such/file.txt", str(ROOT / "scenarios"), str(ROOT / "README.md")]


def outcome(runtime, value, param, ctx):
    try:
        return "value", runtime.coerce(value, param=param, ctx=ctx)
    except ClickException as e:
        return "error", e.format_message()


def test_plain_conversion_gives_typers_value_or_message_for_every_parameter():
    group = typer.main.get_command(app)
    compared = 0
    for name, command in group.commands.items():
        ctx = Context(command, info_name=name)
        for param in command.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None or descriptor.file_annotation is not None:
                continue
            theirs = coercion.build_runtime_param(descriptor)
            ours = coercion.PlainRuntimeParam(parameter_info=descriptor.parameter_info,
                                              annotation=descriptor.annotation)
            multiple = param.multiple or param.nargs == -1
            values = [tuple(SAMPLES[i:i + 2]) for i in range(len(SAMPLES))] if multiple \
                else SAMPLES + [True, 2, -3]
            for value in [param.default, *values]:
                assert outcome(ours, value, param, ctx) == outcome(theirs, value, param, ctx), \
                    (name, param.name, value)
                compared += 1
    assert compared > 1000


def test_a_plain_value_takes_the_plain_path_and_another_typers(monkeypatch):
    built, typers = [], coercion.build_runtime_param
    monkeypatch.setattr(coercion, "build_runtime_param", lambda d: built.append(d) or typers(d))
    command = typer.main.get_command(app).commands["estimate"]
    seed = next(p for p in command.params if p.name == "seed")
    ours = coercion.PlainRuntimeParam(parameter_info=seed.type_descriptor.parameter_info,
                                      annotation=seed.type_descriptor.annotation)
    ctx = Context(command, info_name="estimate")
    assert ours.coerce("12", param=seed, ctx=ctx) == 12 and built == []
    with pytest.raises(ClickException, match="greater than or equal to 0"):
        ours.coerce("-1", param=seed, ctx=ctx)
    assert len(built) == 1
