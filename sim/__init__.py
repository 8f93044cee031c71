"""lbsim: friendship networks of rural left-behind children, simulated.

Importing ``sim`` first points numba's cache at a folder keyed by lbsim's version and its
compiled sources (:mod:`sim.compiled`), so cached kernels are never stale.
"""

from sim.compiled import configure as _configure_numba_cache
from sim.version import lbsim_version as _version

NUMBA_CACHE = _configure_numba_cache(_version())
