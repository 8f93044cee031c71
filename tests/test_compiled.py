"""numba's cache lives in a folder keyed by lbsim's version and the source of every
compiled module, so an edit to any of them (not only the file defining a kernel) compiles
afresh."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim import compiled

SIM = Path(compiled.__file__).resolve().parent


def test_the_key_changes_with_any_compiled_module_and_the_version(tmp_path):
    copy = tmp_path / "sim"
    shutil.copytree(SIM, copy, ignore=shutil.ignore_patterns("__pycache__"))
    key = compiled.cache_key("1.0", copy)
    assert key == compiled.cache_key("1.0", SIM)
    assert compiled.cache_key("1.1", copy) != key
    names = {p.relative_to(copy).as_posix() for p in compiled.compiled_sources(copy)}
    assert {"saom/_numba/kernels.py", "saom/classes.py", "saom/program.py",
            "world/outcomes.py"} <= names
    scenario = copy / "world" / "scenario.py"
    scenario.write_text(scenario.read_text() + "\n# edit\n")
    assert compiled.cache_key("1.0", copy) == key  # no compiled code there
    program = copy / "saom" / "program.py"  # a callee inlined into kernels of classes.py
    program.write_text(program.read_text() + "\n# edit\n")
    assert compiled.cache_key("1.0", copy) != key


@pytest.mark.slow
def test_kernels_are_cached_in_the_keyed_folder(tmp_path):
    code = ("import sim, numpy as np\n"
            "from sim.saom import simulate_period\n"
            "simulate_period(np.zeros((4, 4), dtype=int), {'density': -1.0}, rate=2.0, seed=1)\n"
            "print(sim.NUMBA_CACHE)")
    env = {"LBSIM_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    folder = Path(done.stdout.strip())
    assert folder.parent == tmp_path and folder.name.startswith("numba-")
    assert any(folder.rglob("*.nbi"))  # numba's cache index files are there


def test_cache_folder_follows_the_environment(tmp_path):
    key = compiled.cache_key("9")
    assert compiled.cache_dir("9", {"LBSIM_CACHE_DIR": "/a"}) == Path("/a") / f"numba-{key}"
    assert compiled.cache_dir("9", {"NUMBA_CACHE_DIR": "/b"}) == Path("/b/lbsim") / f"numba-{key}"
    assert compiled.cache_dir("9", {"XDG_CACHE_HOME": "/c"}) == Path("/c/lbsim") / f"numba-{key}"


def test_numba_finds_scipys_blas_without_importing_scipy_linalg():
    """Importing sim.saom loads scipy.linalg.cython_blas alone: numba's set-up then does
    not import scipy.linalg, and np.dot in a kernel still calls SciPy's BLAS."""
    code = ("import sys, numpy as np, numba\n"
            "import sim.saom\n"
            "@numba.njit\n"
            "def dot(a, b):\n"
            "    return np.dot(a, b)\n"
            "a = np.arange(6.0).reshape(2, 3)\n"
            "print(np.array_equal(dot(a, a.T), a @ a.T), 'scipy.linalg' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "False"]
