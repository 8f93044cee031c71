"""Shared test helpers: the kernel's choice probabilities and the s50 data."""

from pathlib import Path

import numpy as np

from sim.saom import kernels, specification

S50 = Path(__file__).resolve().parents[2] / "shared" / "data" / "s50"


def kernel_probabilities(x, i, spec: specification.Specification) -> np.ndarray:
    """The numba kernel's choice probabilities for actor i (index i = no change)."""
    x = np.ascontiguousarray(x, dtype=np.int8)
    xt = np.ascontiguousarray(x.T)
    indeg = x.sum(0).astype(np.int64)
    outdeg = x.sum(1).astype(np.int64)
    work = kernels.workspace(spec.n)
    total = kernels.ministep_weights(i, x, xt, indeg, outdeg, spec.static, spec.codes,
                                     spec.coef, spec.gwesp_weights, spec.allowed,
                                     spec.max_outdegree, work)
    return work[5] / total


def load_s50():
    """(wave1, wave2, wave3, alcohol at wave 1) from ../shared/data/s50."""
    waves = [np.loadtxt(S50 / f"s50-w{k}.txt", dtype=np.int8) for k in (1, 2, 3)]
    alcohol = np.loadtxt(S50 / "s50-alcohol.txt")[:, 0]
    return (*waves, alcohol)


def kernel_contributions(code: int, x, i: int, gw) -> np.ndarray:
    """The kernel's c_ij (for all j) of structural effect ``code`` for actor i."""
    x = np.ascontiguousarray(x, dtype=np.int8)
    n = x.shape[0]
    xt = np.ascontiguousarray(x.T)
    indeg = x.sum(0).astype(np.int64)
    outdeg = x.sum(1).astype(np.int64)
    nbrs = np.empty(n, dtype=np.int64)
    tp = np.zeros(n, dtype=np.int64)
    out = np.empty(n)
    k = kernels.out_neighbours(x, i, nbrs)
    kernels.two_paths_from(x, nbrs, k, tp)
    kernels.contributions(code, x, xt, i, indeg, outdeg, nbrs, k, tp, gw, out)
    return out
