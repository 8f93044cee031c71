"""Where numba keeps lbsim's compiled kernels: a cache folder keyed by lbsim's version and
a hash of the source of every module with compiled code.

numba's ``cache=True`` notices an edit only in the file that defines a function, so a
kernel that calls a compiled function of another module (``sim.saom.classes`` calling
``sim.saom.program.label_mean``) would be loaded stale after that module changed. Keying
the folder by the sources of all of them means any edit, or an upgrade of lbsim, compiles
afresh. The folder is ``$LBSIM_CACHE_DIR`` if set, else ``$NUMBA_CACHE_DIR/lbsim`` or
``$XDG_CACHE_HOME/lbsim`` (``~/.cache/lbsim``), then ``numba-<version>-<hash>``;
:func:`configure` runs when ``sim`` is imported, before any kernel is defined.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def compiled_sources(package: Path = PACKAGE) -> list[Path]:
    """The modules of the package that define numba-compiled functions."""
    return sorted(p for p in package.rglob("*.py") if "\n@njit(" in p.read_text("utf-8"))


def cache_key(version: str, package: Path = PACKAGE) -> str:
    """``<version>-<first 12 hex digits of the SHA-256 of the compiled modules>``."""
    digest = hashlib.sha256()
    for path in compiled_sources(package):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return f"{version}-{digest.hexdigest()[:12]}"


def cache_dir(version: str, environ: dict | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("LBSIM_CACHE_DIR"):
        base = Path(env["LBSIM_CACHE_DIR"])
    elif env.get("NUMBA_CACHE_DIR"):
        base = Path(env["NUMBA_CACHE_DIR"]) / "lbsim"
    else:
        base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lbsim"
    return base / f"numba-{cache_key(version)}"


def numba_subfolder(source_dir: Path) -> str:
    """The subfolder of the cache where numba keeps the kernels of the modules in
    ``source_dir``: its name and the SHA-1 of its absolute path (numba's
    ``_CacheLocator.get_suitable_cache_subpath``)."""
    path = os.path.abspath(source_dir)
    return f"{os.path.basename(path)}_{hashlib.sha1(path.encode()).hexdigest()}"


def kernels_cached(folder: Path, package: Path = PACKAGE) -> bool:
    """Whether ``folder`` holds kernels of every module of ``package`` that caches compiled
    code (numba writes an index ``<module>.<function>-<line>.pyXY.nbi`` per kernel)."""
    for path in compiled_sources(package):
        if "cache=True" in path.read_text("utf-8") and not any(
                (folder / numba_subfolder(path.parent)).glob(f"{path.stem}.*.nbi")):
            return False
    return True


def configure(version: str) -> Path:
    """Point numba's cache at :func:`cache_dir` (for this process and the processes it
    starts, e.g. sweep workers, which find the same folder) and return it."""
    folder = cache_dir(version)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    os.environ.setdefault("LBSIM_CACHE_DIR", str(folder.parent))
    if "numba" in sys.modules:  # numba read its settings already: tell it too
        sys.modules["numba"].config.CACHE_DIR = str(folder)
    return folder
