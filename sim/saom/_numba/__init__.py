"""The engine's numba internals: the network ministep kernels, the co-evolution process,
the random streams and a bit-exact exp. Private: use them through :mod:`sim.saom`."""

from __future__ import annotations

import sys


def preload_cython_blas() -> None:
    """Load scipy's ``scipy.linalg.cython_blas`` (SciPy's BLAS for compiled code) on its
    own, without the package ``scipy.linalg``.

    numba, when it sets its compiler up (before the first kernel is compiled or loaded
    from the cache), checks that BLAS is there by importing that module, which imports
    ``scipy.linalg`` and with it half of scipy and numpy: 0.15-0.3 s of a command's
    start-up, for BLAS no kernel of lbsim calls. numba then finds the module loaded and
    uses it as it would have (``np.dot`` in a kernel still calls SciPy's BLAS). The
    package ``scipy.linalg`` is imported as usual by whatever needs it. Does nothing if
    ``scipy.linalg`` is loaded already or the extension cannot be found (numba then
    imports it itself).
    """
    name = "scipy.linalg.cython_blas"
    if name in sys.modules or "scipy.linalg" in sys.modules:
        return
    from importlib.machinery import EXTENSION_SUFFIXES
    from importlib.util import module_from_spec, spec_from_file_location
    from pathlib import Path

    try:
        import scipy
    except ImportError:
        return
    folder = Path(scipy.__file__).parent / "linalg"
    for suffix in EXTENSION_SUFFIXES:
        if (path := folder / f"cython_blas{suffix}").is_file():
            spec = spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                return
            sys.modules[name] = module = module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except ImportError:
                del sys.modules[name]
            return
