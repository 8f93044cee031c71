"""The objective changes of a ministep, compiled for the model at hand.

For actor i, :func:`sim.saom._numba.kernels.ministep_weights` needs the contribution
c_code(i, j) of each structural code of the program (:mod:`sim.saom.program`) in
``fw[BUF + a]`` (:mod:`sim.saom._numba.structural`; the scores read them too)
and, for every option j, ``S_j = sum_e p_e(j) * c_e(j)`` over the program's effects e:
``p_e(j) = beta_e * ego factors * the other covariate factors`` (each multiplied in, in
the program's order), c_e(j) the contribution of e's code (1 without one), a creation or
endowment effect only where x_ij = 0 or 1. A loop over the program's codes and effects
would pay on every ministep for every kind of effect lbsim knows; here the loop is
written out as Python source for the program's *structure* (its codes, each effect's
gate, slot and factor kinds; not its parameters or covariates) and compiled by numba once
per structure: the functions of the program's codes, then one pass over the options with
the terms in the program's order.

Floating point (compiled without fastmath, so the operations are those written): with
t = p_e(j) rounded, a term with a structural contribution is added as one fused
multiply-add ``S + t * c`` (:func:`sim.saom._numba.kernels.fused_multiply_add`), a term
without one as ``S + t``; the factors are :func:`sim.saom._numba.kernels.factor_at`
(``fused``). These are the operations of lbsim's earlier loop over the effects, whose
results they reproduce bit for bit.

The compiled function is a numba ``cfunc`` of one signature for every structure, its
address carried in :class:`sim.saom.program.ProgramArrays` (``objective_address``, called
by :func:`sim.saom._numba.kernels.call_objective`), so the kernels that call it compile
once and numba's dispatcher still types their arguments quickly; its source is written
into lbsim's numba cache folder (keyed by the compiled sources, :mod:`sim.compiled`) and
numba caches its machine code there.
"""

from __future__ import annotations

import copyreg
import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import numba
import numpy as np
from numba import cfunc, types
from numba.core.ccallback import CFunc

from sim.saom._numba.structural import BY_CODE, TWO_PATH_CODES
from sim.saom.effects import ENDOW, EVAL
from sim.saom.factors import EGO

Structure = tuple[tuple[int, ...], tuple[tuple[int, int, tuple[int, ...]], ...]]
"""(the structural codes, per effect (gate, slot, kinds of its covariate factors))."""


def structure(codes: np.ndarray, gate: np.ndarray, slot: np.ndarray,
              fac_start: np.ndarray, fac_kind: np.ndarray) -> Structure:
    """What the compiled objective depends on, from a program's arrays."""
    return tuple(int(c) for c in codes), tuple(
        (int(gate[e]), int(slot[e]), tuple(int(k) for k in fac_kind[fac_start[e]:fac_start[e + 1]]))
        for e in range(len(gate)))


def source(shape: Structure) -> str:
    """Python source of ``objective(i, x, xt, indeg, outdeg, iw, gw, data, fw, beta,
    fac_cov)`` for ``shape``: the structural contributions into fw[BUF + a], S_j into
    fw[SCORE, j] for every option j."""
    codes, effects = shape
    head = []
    if codes:
        head.append("    k = out_neighbours(x, i, iw)")
    if any(c in TWO_PATH_CODES for c in codes):
        head.append("    two_paths_from(x, k, iw)")
    head += [f"    {BY_CODE[c].__name__}(x, xt, i, indeg, outdeg, k, iw, gw, fw, BUF + {a})"
             for a, c in enumerate(codes)]
    head.append("    cov, cstats = data.actor, data.actor_stats")
    body = []
    f = 0
    for e, (gate, slot, kinds) in enumerate(effects):
        head.append(f"    m{e} = beta[{e}]")
        p = f"m{e}"
        for kind in kinds:
            head.append(f"    c{f} = fac_cov[{f}]")
            if kind == EGO:
                head.append(f"    m{e} *= cov[c{f}, i] - cstats[0, c{f}]")
            else:
                body.append(f"        p = {p} * factor_at({kind}, c{f}, i, j, data, True)")
                p = "p"
            f += 1
        term = f"fused_multiply_add({p}, fw[BUF + {slot}, j], s)" if slot >= 0 else f"s + {p}"
        if gate == EVAL:
            body.append(f"        s = {term}")
        else:
            body.append(f"        if x[i, j] == {1 if gate == ENDOW else 0}:")
            body.append(f"            s = {term}")
    return "\n".join([
        f'"""Written by sim.saom._numba.objective for the structure {shape!r}."""',
        "from sim.saom._numba.kernels import BUF, SCORE, factor_at, fused_multiply_add",
        "from sim.saom._numba.structural import out_neighbours, two_paths_from",
        *(f"from sim.saom._numba.structural import {BY_CODE[c].__name__}" for c in codes),
        "",
        "",
        "def objective(i, x, xt, indeg, outdeg, iw, gw, data, fw, beta, fac_cov):",
        *head,
        "    for j in range(fw.shape[1]):",
        "        s = 0.0",
        *body,
        "        fw[SCORE, j] = s",
        ""])


def signature(data_type: types.Type) -> types.Signature:
    """The one signature of every compiled objective (``data_type``: numba's type of
    :class:`sim.saom.program.CovariateArrays`)."""
    i8, f8, int8 = types.int64, types.float64, types.int8
    return types.void(i8, int8[:, ::1], int8[:, ::1], i8[::1], i8[::1], i8[:, ::1], f8[::1],
                      data_type, f8[:, ::1], f8[::1], i8[::1])


_COMPILED: dict = {}  # (structure, data type) -> compiled objective
_KEYS: dict = {}  # the address of a compiled objective -> its key in _COMPILED


def compiled(shape: Structure, data_type: types.Type) -> CFunc:
    """The compiled objective of ``shape`` (from this process's memory, numba's disk cache,
    or compiled now: under a second)."""
    key = (shape, data_type)
    if key not in _COMPILED:
        text = source(shape)
        name = "objective_" + hashlib.sha256(text.encode()).hexdigest()[:16]
        try:
            path = _written(Path(numba.config.CACHE_DIR or tempfile.gettempdir()), name, text)
        except OSError:  # a cache folder we may not write: this process's own
            path = _written(Path(tempfile.mkdtemp(prefix="lbsim-")), name, text)
        module = sys.modules.get(f"sim_objectives.{name}")
        if module is None:
            spec = importlib.util.spec_from_file_location(f"sim_objectives.{name}", path)
            assert spec is not None and spec.loader is not None, path
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            sys.modules[spec.name] = module
        fn = cfunc(signature(data_type), cache=True, _nrt=False)(module.objective)
        _KEYS[fn.address] = key
        _COMPILED[key] = fn
    return _COMPILED[key]


def _written(cache: Path, name: str, text: str) -> Path:
    """``cache/objectives/name.py`` holding ``text`` (written whole if it is not there)."""
    folder = cache / "objectives"
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text() != text:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)  # whole, even with other processes writing the same
    return path


def key(address: int) -> tuple:
    """(structure, data type) of the compiled objective at ``address`` (of this process):
    :func:`compiled` of it is the same objective in any process."""
    return _KEYS[address]


def _reduce(fn: CFunc):
    """Pickle a compiled objective as its structure (another process compiles or loads
    it); other cfuncs are not picklable, as before."""
    if fn.address not in _KEYS or _COMPILED[_KEYS[fn.address]] is not fn:
        raise TypeError(f"cannot pickle {fn!r}")
    return compiled, _KEYS[fn.address]


copyreg.pickle(CFunc, _reduce)
