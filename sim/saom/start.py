"""Where a simulated period starts: the network, with what stays constant in it
(RSiena's ``sienaDataCreate`` for one wave), as :func:`sim.saom.simulate.simulate_periods`
and the estimation's periods take it; :func:`check_network` checks a network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.saom import behaviour as bh
from sim.saom.data import covariates as checked_covariates


def check_network(network: npt.ArrayLike, name: str = "network") -> np.ndarray:
    """Return ``network`` as an int8 n x n 0/1 matrix with an empty diagonal, or raise."""
    a = np.asarray(network)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} must be a square n x n matrix, got shape {a.shape}")
    if a.shape[0] < 2:
        raise ValueError(f"{name} must have at least 2 actors, got {a.shape[0]}")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric 0/1, got dtype {a.dtype}")
    if a.dtype.kind == "f" and np.isnan(a).any():
        raise ValueError(f"{name} has {int(np.isnan(a).sum())} missing (NaN) cells; allowed "
                         f"values are 0 and 1 (a simulation starts from a complete network; "
                         f"estimation fills missing tie values itself)")
    bad = ~np.isin(a, (0, 1))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{name}[{i}, {j}] = {a[i, j].item()!r}; allowed values are 0 and 1")
    x = a.astype(np.int8)
    if np.diagonal(x).any():
        i = int(np.flatnonzero(np.diagonal(x))[0])
        raise ValueError(f"{name}[{i}, {i}] = 1: self-nominations are not allowed (diagonal "
                         f"must be 0)")
    return x


@dataclass(frozen=True)
class Start:
    """The state a simulated period starts from, with what stays constant in it (RSiena's
    ``sienaDataCreate`` for one wave).

    Parameters
    ----------
    network : array_like
        n x n 0/1 matrix, ``network[i, j] = 1`` if i names j (diagonal 0).
    covariates : mapping of str to array_like, optional
        Actor covariates by name, shape (n,).
    dyadic : mapping of str to array_like, optional
        Dyadic covariates by name, shape (n, n).
    behaviours : mapping of str to array_like or Behaviour, optional
        Dependent behaviours by name: observed integer values, (n,) or (n, waves); the
        simulation starts from the first column, and the range, mean and simMean come from
        all columns (:mod:`sim.saom.behaviour`). Network effects may name a behaviour
        (``simX:drink``) and read its current simulated values.
    structural_zeros : array_like, optional
        n x n 0/1 matrix; 1 forbids the tie.
    uncentred : sequence of str
        Covariates used as they are rather than centred by their mean (RSiena's
        ``centered = FALSE``), e.g. one that is 0 for the actors it does not apply to.
    """

    network: np.ndarray
    covariates: Mapping[str, npt.ArrayLike] = field(default_factory=dict)
    dyadic: Mapping[str, npt.ArrayLike] = field(default_factory=dict)
    behaviours: Mapping[str, npt.ArrayLike | bh.Behaviour] = field(default_factory=dict)
    structural_zeros: npt.ArrayLike | None = None
    uncentred: tuple[str, ...] = ()

    def __post_init__(self):
        x = check_network(self.network, "Start network")
        n = x.shape[0]
        object.__setattr__(self, "network", x)
        for what, shape in (("covariates", (n,)), ("dyadic", (n, n))):
            object.__setattr__(self, what, checked_covariates(getattr(self, what),
                                                              f"Start {what}", shape))
        behaviours = checked_covariates(self.behaviours, "Start behaviours", None)
        for k, v in behaviours.items():
            shape = v.waves.shape if isinstance(v, bh.Behaviour) else np.shape(v)
            if len(shape) not in (1, 2) or shape[0] != n:
                raise ValueError(f"Start behaviours[{k!r}]: shape {shape}; allowed: ({n},) or "
                                 f"({n}, waves), one row per actor")
        object.__setattr__(self, "behaviours", behaviours)
        if self.structural_zeros is not None and np.shape(self.structural_zeros) != (n, n):
            raise ValueError(f"Start structural_zeros: shape {np.shape(self.structural_zeros)}"
                             f"; allowed: ({n}, {n})")
        if isinstance(self.uncentred, str) or not isinstance(self.uncentred, Sequence):
            raise ValueError(f"Start uncentred: {self.uncentred!r}; allowed: a list of "
                             f"covariate names")
        object.__setattr__(self, "uncentred", tuple(self.uncentred))
