"""Shared test helpers: the kernel's choice probabilities and change statistics, s50."""

import numpy as np

import sim.data
from sim.saom import specification
from sim.saom._numba import kernels, structural

S50 = sim.data.folder("s50")


def _state(x, n_codes=1):
    x = np.ascontiguousarray(x, dtype=np.int8)
    return (x, np.ascontiguousarray(x.T), x.sum(0).astype(np.int64),
            x.sum(1).astype(np.int64), kernels.workspace(x.shape[0], n_codes))


def kernel_probabilities(x, i, spec: specification.Specification) -> np.ndarray:
    """The numba kernel's choice probabilities for actor i (index i = no change)."""
    x, xt, indeg, outdeg, (iw, fw, bits, scale) = _state(x, len(spec.program.codes))
    prog, data = spec.kernel_args()
    total = kernels.ministep_weights(i, x, xt, indeg, outdeg, prog, data, spec.allowed,
                                     spec.max_outdegree, iw, fw, bits, scale)
    return fw[kernels.WEIGHTS] / total


def kernel_contributions(code: int, x, i: int, gw) -> np.ndarray:
    """The kernel's c_ij (for all j) of structural effect ``code`` for actor i."""
    x, xt, indeg, outdeg, (iw, fw, _, _) = _state(x)
    k = structural.out_neighbours(x, i, iw)
    structural.two_paths_from(x, k, iw)
    structural.contributions(code, x, xt, i, indeg, outdeg, k, iw, gw, fw, kernels.BUF)
    return fw[kernels.BUF].copy()


def load_s50():
    """(wave1, wave2, wave3, alcohol at wave 1) of the bundled s50 data."""
    s50 = sim.data.load("s50")
    return (*s50.waves, s50.covariates["alcohol"][:, 0])


def drawn_share(path) -> float:
    """Share of a PNG's pixels that are not the background (the most common colour), after
    checking the file is a readable image of some size."""
    import matplotlib.image as mpimg

    image = mpimg.imread(path)[..., :3]
    assert image.shape[0] >= 200 and image.shape[1] >= 200, image.shape
    flat = (image.reshape(-1, 3) * 255).round().astype(np.int64)
    codes = flat[:, 0] * 65536 + flat[:, 1] * 256 + flat[:, 2]
    background = np.bincount(codes).argmax()
    return float((codes != background).mean())


def assert_drawn(path, least: float = 0.01) -> None:
    """The figure shows something: at least ``least`` of its pixels are drawn (not the
    background), and not nearly all of them (an unreadable blot)."""
    share = drawn_share(path)
    assert least <= share <= 0.95, (path, share)


def tiled_networks(x, runs):
    """``runs`` copies of the network ``x`` as the classroom kernel's units (one per copy)."""
    from sim.saom.classes import UnitNetworks
    n = len(x)
    return UnitNetworks(np.tile(x.ravel(), runs), np.tile(x.T.ravel(), runs),
                        np.tile((1 - np.eye(n, dtype=np.int8)).ravel(), runs),
                        np.arange(runs, dtype=np.int64) * n * n,
                        np.arange(runs, dtype=np.int64) * n, np.full(runs, n, np.int64),
                        np.tile(x.sum(0).astype(np.int64), runs),
                        np.tile(x.sum(1).astype(np.int64), runs))


def groups_data(groups, covariates=None, names=None, behaviours=None, compositions=None):
    """Several classes as :class:`sim.saom.Data`, from lists in class order (waves, and
    optionally covariates, names, behaviours, change lists)."""
    from sim.saom import ClassData, Data

    k = len(groups)
    if any(v is not None and len(v) != k for v in (covariates, names, behaviours,
                                                   compositions)):
        raise ValueError(f"{k} classes: give as many names and covariate mappings")
    return Data([ClassData(w, covariates=(covariates or [{}] * k)[g],
                           behaviours=(behaviours or [{}] * k)[g],
                           composition=(compositions or [None] * k)[g],
                           name="" if names is None else names[g])
                 for g, w in enumerate(groups)])


def fitted_periods(data, model) -> list:
    """The periods ``estimate(data, model)`` prepares for its fit, caught before fitting."""
    import pytest

    from sim.saom import estimate, moments

    captured = {}

    def capture(periods, *args, **kwargs):
        captured["periods"] = periods
        raise RuntimeError("stop")

    original, moments._fit = moments._fit, capture
    try:
        with pytest.raises(RuntimeError, match="stop"):
            estimate(data, model)
    finally:
        moments._fit = original
    return captured["periods"]
