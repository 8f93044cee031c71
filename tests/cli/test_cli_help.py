"""What a new user of ``lbsim`` meets: help without placeholders and with examples, a
version, progress bars only on a terminal, a word when the kernels are first compiled."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

import sim
from sim import compiled
from sim.cli import support as cli_support
from sim.cli.main import app
from sim.version import lbsim_version
from sim.world.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
COMMANDS = sorted(get_command(app).commands)


def test_version_prints_the_installed_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"lbsim {lbsim_version()}"


@pytest.mark.parametrize("command", [[]] + [[c] for c in COMMANDS])
def test_help_shows_no_type_placeholder_for_flags_and_names_arguments(command):
    result = runner.invoke(app, [*command, "--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output and "{" not in result.output.splitlines()[1]
    usage = next(line for line in result.output.splitlines() if "Usage:" in line)
    params = get_command(app).commands[command[0]].params if command else []
    for p in params:
        if p.param_type_name == "argument":
            assert p.name.upper() in usage, usage


def test_usage_line_writes_required_optional_and_repeated_arguments():
    lines = {c: next(line for line in runner.invoke(app, [c, "--help"]).output.splitlines()
                     if "Usage:" in line).split() for c in ("run", "estimate", "import")}
    assert lines["run"][-2:] == ["[OPTIONS]", "SCENARIO"]
    assert lines["estimate"][-1] == "[WAVES]..."
    assert lines["import"][-2:] == ["TIES", "[ATTRIBUTES]"]


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "viz"])
def test_every_command_shows_examples_of_itself(command):
    text = get_command(app).commands[command].help
    examples = text.split("Examples:")[1].split("\n\n")[0].split("\n")
    assert any(line.split()[:2] == ["lbsim", command] for line in examples if line.strip())


def test_command_list_summaries_are_single_lines():
    for name, command in get_command(app).commands.items():
        assert command.short_help and "\n" not in command.short_help, name


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream, hidden", [(Terminal(), False), (io.StringIO(), True)])
def test_progress_bars_are_hidden_when_stderr_is_no_terminal(monkeypatch, stream, hidden):
    monkeypatch.setattr(sys, "stderr", stream)
    assert cli_support.no_terminal() is hidden


def test_a_run_outside_a_terminal_prints_no_progress_lines(tmp_path):
    scenario = load_scenario(ROOT / "scenarios" / "single_class.yaml").override(
        {"weeks": 2, "network.burn_in_years": 0.2})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario.model_dump(mode="json")))
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # typer.progressbar would write its label here
    assert result.stdout.startswith(f"{scenario.name}: ")


def fake_cache(folder: Path) -> list[Path]:
    """An index file per module that caches kernels, where numba would write it."""
    files = []
    for path in compiled.compiled_sources():
        if "cache=True" in path.read_text():
            sub = folder / compiled.numba_subfolder(path.parent)
            sub.mkdir(parents=True, exist_ok=True)
            files.append(sub / f"{path.stem}.kernel-10.py312.nbi")
            files[-1].write_bytes(b"")
    return files


def test_kernels_count_as_cached_only_when_every_module_has_an_index(tmp_path):
    assert not compiled.kernels_cached(tmp_path / "new")
    files = fake_cache(tmp_path)
    assert len(files) > 5 and compiled.kernels_cached(tmp_path)
    files[3].unlink()
    assert not compiled.kernels_cached(tmp_path)


def test_subfolder_rule_is_numbas():
    from numba.core.caching import _CacheLocator

    for path in compiled.compiled_sources():
        assert compiled.numba_subfolder(path.parent) == \
            _CacheLocator.get_suitable_cache_subpath(str(path))


def test_compile_notice_is_said_once_and_only_when_kernels_are_missing(tmp_path, capsys):
    from numba import njit

    fake_cache(tmp_path / "full")
    assert cli_support.announce_compiling(tmp_path / "full") is None
    listener = cli_support.announce_compiling(tmp_path / "empty")
    try:
        assert capsys.readouterr().err == ""  # nothing before numba compiles
        njit(lambda x: x + 1)(1)
        njit(lambda x: x * 2)(2.0)
        err = capsys.readouterr().err
        assert err.count("compiling numba kernels") == 1 and str(tmp_path / "empty") in err
    finally:
        listener.unregister()


@pytest.mark.compile_notice
def test_app_invocations_leave_no_listener_behind(tmp_path, monkeypatch, capsys):
    from numba import njit

    monkeypatch.setattr(sim, "NUMBA_CACHE", tmp_path)  # nothing cached: a notice is set up
    for _ in range(2):
        assert runner.invoke(app, ["effects"]).exit_code == 0
    njit(lambda x: x - 1)(1)
    assert "compiling" not in capsys.readouterr().err


def test_processes_started_by_lbsim_use_its_cache_folder():
    """A spawned worker imports sim afresh with lbsim's environment: it must find the same
    folder, not one nested in it (which would compile every kernel again)."""
    done = subprocess.run([sys.executable, "-c", "import sim; print(sim.NUMBA_CACHE)"],
                          capture_output=True, text=True, env=dict(os.environ), check=True)
    assert Path(done.stdout.strip()) == sim.NUMBA_CACHE


def test_validate_does_not_announce_compiling(tmp_path):
    env = {**os.environ, "LBSIM_CACHE_DIR": str(tmp_path)}
    env.pop("NUMBA_CACHE_DIR")
    done = subprocess.run([sys.executable, "-m", "sim.cli.main", "validate",
                           str(ROOT / "scenarios" / "single_class.yaml")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.mark.slow
def test_first_run_with_an_empty_cache_says_it_compiles_once(tmp_path):
    env = {**os.environ, "LBSIM_CACHE_DIR": str(tmp_path)}
    env.pop("NUMBA_CACHE_DIR")
    command = [sys.executable, "-m", "sim.cli.main", "simulate", "--runs", "10"]
    first = subprocess.run(command, capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stderr.count("compiling numba kernels") == 1
    again = subprocess.run(command, capture_output=True, text=True, env=env)
    assert again.returncode == 0 and "compiling" not in again.stderr
    assert first.stdout.splitlines()[1:] == again.stdout.splitlines()[1:]  # same seed


def test_a_command_leaves_its_objects_to_the_os_at_exit():
    """lbsim freezes the garbage collector at exit (collecting numba's objects took a
    quarter of a second after a fit): an exit handler registered before the command runs
    after lbsim's and sees the objects frozen."""
    code = ("import atexit, gc, sys\n"
            "before = gc.get_freeze_count()\n"
            "atexit.register(lambda: print('frozen', gc.get_freeze_count() > before))\n"
            "from sim.cli.main import app\n"
            "app(sys.argv[1:])\n")
    done = subprocess.run([sys.executable, "-c", code, "validate",
                           str(ROOT / "scenarios" / "single_class.yaml")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "frozen True"


def test_a_command_lets_numbas_threads_wait_passively_unless_told_otherwise():
    code = ("import atexit, os, sys\n"
            "atexit.register(lambda: print(os.environ.get('OMP_WAIT_POLICY')))\n"
            "from sim.cli.main import app\n"
            "app(sys.argv[1:])\n")
    command = [sys.executable, "-c", code, "validate",
               str(ROOT / "scenarios" / "single_class.yaml")]
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    for given, seen in ((None, "PASSIVE"), ("active", "active")):
        done = subprocess.run(command, capture_output=True, text=True,
                              env=env if given is None else {**env, "OMP_WAIT_POLICY": given})
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[-1] == seen
