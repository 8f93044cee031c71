"""The lbsim command line."""

import numpy as np
import pytest
from helpers import S50, load_s50
from typer.testing import CliRunner

from sim.cli.main import app
from sim.saom import Start, simulate_periods
from sim.studies.s50_demo import S50_EFFECTS, S50_RATE

runner = CliRunner()


def test_simulate_s50_prints_comparison_table():
    """The table's simulated mean of ties over 20 periods lies within 4 standard errors of
    the mean of 2,000 periods of the same model."""
    result = runner.invoke(app, ["simulate", "--data", str(S50), "--runs", "20", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "20 simulated periods" in result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()[2:]}
    assert rows["ties"][0] == "113" and rows["ties"][-1] == "116"
    w1, _, _, alcohol = load_s50()
    many = simulate_periods(Start(w1, covariates={"alcohol": alcohol}), S50_EFFECTS,
                            rate=S50_RATE, runs=2000, seed=4).networks.sum((1, 2))
    printed_sd = float(rows["ties"][2])
    se = np.sqrt(printed_sd ** 2 / 20 + many.var(ddof=1) / len(many))
    assert abs(float(rows["ties"][1]) - many.mean()) < 4 * se


def test_simulate_missing_data_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["simulate", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "no s50-w1.txt, s50-w2.txt, s50-alcohol.txt there" in result.output
    result = runner.invoke(app, ["simulate", "--data", "vdbunt"])  # another data set
    assert result.exit_code == 2
    assert "simulate runs s50's model only" in " ".join(result.output.split())


def test_effects_lists_registry():
    result = runner.invoke(app, ["effects"])
    assert result.exit_code == 0
    assert "gwespFF" in result.output and "RateX" in result.output


@pytest.mark.parametrize("module", ["sim.cli.main", "sim.world.scenario",
                                    "sim.world.interventions.sessions", "sim.world.population",
                                    "sim.world.model", "sim.studies.trials"])
def test_every_module_imports_first_in_a_fresh_interpreter(module):
    """No import cycles: each module can be the first one imported, then a scenario with
    interventions loaded and a model built."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (f"import {module}\nfrom sim.world.scenario import load_scenario\n"
            f"load_scenario({str(root / 'scenarios' / 'dafang_yuchong.yaml')!r})")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


SCENARIO = "scenarios/single_class.yaml"
SEED_ARGS = {  # the smallest valid call of each command that takes --seed
    "run": [SCENARIO, "--weeks", "2"], "compare": [SCENARIO], "robustness": [SCENARIO],
    "export": [SCENARIO], "simulate": [], "estimate": ["--data", "s50"], "gof": ["--data", "s50"],
    "calibrate": [SCENARIO, "--targets", "t.yaml"], "evidence": []}


def test_every_seed_option_refuses_a_negative_seed_with_exit_2(tmp_path, monkeypatch):
    """A negative --seed is a usage error (exit 2, the option named, no traceback), for
    every command that has one; none of them writes anything."""
    import typer.main

    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").symlink_to(root / "scenarios")
    group = typer.main.get_command(app)
    with_seed = sorted(name for name, cmd in group.commands.items()
                       if any(p.name == "seed" for p in cmd.params))
    assert with_seed == sorted(SEED_ARGS)  # a new command with --seed needs a row above
    for name in with_seed:
        out = ["--out", str(tmp_path / "out")] if name in ("run", "compare", "robustness",
                                                           "export") else []
        result = runner.invoke(app, [name, *SEED_ARGS[name], *out, "--seed", "-4"])
        assert result.exit_code == 2, (name, result.output)
        assert "--seed" in result.output and "greater than or equal to 0" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["scenarios"]


def test_run_weeks_beyond_the_scenarios_limit_is_a_clean_error(tmp_path):
    out = tmp_path / "w"
    result = CliRunner().invoke(app, ["run", SCENARIO, "--weeks", "521", "--out", str(out)])
    assert result.exit_code == 2 and "weeks: 521" in result.output
    assert "Traceback" not in result.output and not out.exists()
