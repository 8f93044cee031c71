"""The slips the quick suite must catch: each one-line slip applied to a copy of the
repository, its related quick tests run there, the tests that fail printed (one JSON line per
slip). A slip no test catches prints an empty ``failed`` list and makes the exit code 1.

usage: .venv/bin/python scripts/slips.py [NAME ...]   (default: every slip)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1]
TREE = Path(tempfile.mkdtemp(prefix="lbsim-slips-")) / "tree"
PY = sys.executable

SLIPS = [  # name, file, the line's text, the slip, the quick tests that must catch it
    ("composition_join", "sim/saom/composition.py",
     "if j == a or (kind == JOIN and not active[j]):", "if j == a:",
     ["tests/saom/test_saom_rules.py"]),
    ("group_rate_sign", "sim/saom/observed.py",
     "np.exp(alpha * (values[g].mean() - mean))", "np.exp(alpha * (mean - values[g].mean()))",
     ["tests/saom/test_saom_rules.py"]),
    ("subphase_any", "sim/saom/robbins_monro.py",
     "np.all(cross < 0)", "np.any(cross < 0)",
     ["tests/saom/test_robbins_monro.py"]),
    ("meta_bound", "sim/saom/meta.py", "(se < bound)", "(se <= bound)",
     ["tests/saom/test_saom_rules.py"]),
    ("setting_strength", "sim/saom/classes.py",
     "total += contact[s + j] * covs.strength[setting_row, s + j]",
     "total += contact[s + j]",
     ["tests/saom/test_classroom_kernel.py::test_setting_ministeps_reconsider_ties_among_the_setting_only"]),
    ("contact_not_passed", "sim/world/interventions/growth_group.py",
     "mag.setting, contact=mag.contact)", "mag.setting)",
     ["tests/studies/test_trial_rules.py"]),
    ("named_by_axis", "sim/studies/trials.py",
     'named_by[g] = snap["in_degree"][g] - among.sum(0)',
     'named_by[g] = snap["in_degree"][g] - among.sum(1)',
     ["tests/studies/test_trial_rules.py"]),
    ("morris_mu", "sim/studies/robustness.py",
     '"mu_star": np.abs(effects).mean(1)', '"mu_star": effects.mean(1)',
     ["tests/studies/test_trial_rules.py",
      "tests/studies/test_robustness.py::test_a_magnitude_the_outcome_cannot_depend_on_has_index_zero"]),
    ("treated_all_lb", "sim/studies/trials.py",
     "treated = _treated(arms[0])", "treated = np.flatnonzero(arms[0].population.lb)",
     ["tests/studies/test_trial_rules.py"]),
    ("batches_dropped", "sim/studies/sweep/runner.py",
     "range((len(order) + size - 1) // size)", "range(len(order) // size)",
     ["tests/studies/test_sweep_batches.py"]),
    ("phase3_cov", "sim/saom/robbins_monro.py",
     "cov = dinv @ sigma @ dinv.T", "cov = dinv.T @ sigma @ dinv",
     ["tests/saom/test_robbins_monro.py"]),
    ("step_uncapped", "sim/saom/robbins_monro.py",
     "np.clip(new, theta - MAX_STEP, theta + MAX_STEP))", "new)",
     ["tests/saom/test_robbins_monro.py"]),
]


def fresh_tree():
    """A copy of the repository (its code and tests, no .git, .venv or outputs)."""
    shutil.copytree(SRC, TREE, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", ".pytest_cache", "out"))


def run(files):
    """Run ``files``' quick tests in the copy: the failed tests, pytest's last line, seconds."""
    env = dict(os.environ, PYTHONPATH=str(TREE))
    t = time.time()
    p = subprocess.run([PY, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider",
                        "-rf", *files], cwd=TREE, env=env, capture_output=True, text=True)
    failed = sorted(set(re.findall(r"^FAILED (\S+)", p.stdout, re.M)))
    tail = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr[-300:]
    return failed, tail, time.time() - t


def main(names) -> int:
    fresh_tree()
    missed = 0
    try:
        for name, path, old, new, files in SLIPS:
            if names and name not in names:
                continue
            target = TREE / path
            original = target.read_text()
            if original.count(old) != 1:
                sys.exit(f"{name}: the line to change is not (once) in {path}: {old!r}")
            try:
                target.write_text(original.replace(old, new))
                failed, tail, sec = run(files)
            finally:
                target.write_text(original)
            missed += not failed
            line = original[:original.index(old)].count("\n") + 1
            print(json.dumps({"slip": name, "file": f"{path}:{line}", "failed": failed,
                              "summary": tail, "seconds": round(sec)}), flush=True)
    finally:
        shutil.rmtree(TREE.parent, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
