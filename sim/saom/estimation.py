"""Estimate a SAOM as RSiena's ``siena07`` does, for one class, several classes with
common effects (``sienaGroupCreate``) or every class separately, pooled by a meta-analysis
(``siena08``): :func:`estimate`.

The method of moments by Robbins-Monro stochastic approximation (Snijders 2001, "The
statistical evaluation of social network dynamics", Sociological Methodology 31) is in
:mod:`sim.saom.moments` and :mod:`sim.saom.robbins_monro`; the pooling in
:mod:`sim.saom.meta`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from sim.saom import meta
from sim.saom.dask_periods import dask_client
from sim.saom.data import ClassData, Data, as_data
from sim.saom.model import Model
from sim.saom.moments import fit_class, fit_classes
from sim.saom.results import Estimate
from sim.saom.rng import SeedLike
from sim.saom.robbins_monro import Algorithm

if TYPE_CHECKING:
    from dask.distributed import Client

SEED = 1
"""The seed every estimation uses unless given one (the command line's default too)."""


@overload
def estimate(data: ClassData | Data, model: Model, *, seed: SeedLike = SEED,
             algorithm: Algorithm | None = None, conditional: bool = False,
             separately: Literal[False] = False,
             scheduler: str | Client | None = None) -> Estimate: ...


@overload
def estimate(data: ClassData | Data, model: Model, *, seed: SeedLike = SEED,
             algorithm: Algorithm | None = None, conditional: bool = False,
             separately: Literal[True],
             scheduler: str | Client | None = None) -> meta.MetaAnalysis: ...


@overload
def estimate(data: ClassData | Data, model: Model, *, seed: SeedLike = SEED,
             algorithm: Algorithm | None = None, conditional: bool = False,
             separately: bool = False,
             scheduler: str | Client | None = None) -> Estimate | meta.MetaAnalysis: ...


def estimate(data: ClassData | Data, model: Model, *, seed: SeedLike = SEED,
             algorithm: Algorithm | None = None, conditional: bool = False,
             separately: bool = False,
             scheduler: str | Client | None = None) -> Estimate | meta.MetaAnalysis:
    """Estimate ``model`` from ``data`` by the method of moments.

    Parameters
    ----------
    data : ClassData or Data
        One class (rates ``rate 1``, ...), or classes (one model with common effect
        parameters and a rate per class and period, ``rate <class> 1``, ..., as RSiena's
        ``sienaGroupCreate``).
    model : Model
        The effects, starting values and fixed parameters.
    seed : int or SeedSequence
        Root of every simulation's random stream; the same seed gives the same estimate
        on any number of threads. With ``separately``, class k uses ``seed + k``.
    algorithm : Algorithm, optional
        The Robbins-Monro settings (RSiena's ``sienaAlgorithmCreate``); default
        ``Algorithm()``.
    conditional : bool
        RSiena's conditional estimation (``cond = TRUE``): rates estimated from the
        simulated times; complete waves of a network without behaviours only.
    separately : bool
        Fit each class of ``data`` on its own and pool the effects by a random-effects
        meta-analysis (RSiena's ``siena08``).
    scheduler : str or dask.distributed.Client, optional
        Simulate the periods on Dask workers: a scheduler's address (``tcp://host:8786``)
        or a client. The same estimate as without (the same runs at the same seed);
        network periods without missing ties, behaviours or time dummies, not with
        ``separately`` (:mod:`sim.saom.dask_periods`).

    Returns
    -------
    Estimate or MetaAnalysis
        The fit; with ``separately``, the fits per class and their pooling.

    Raises
    ------
    ValueError
        On bad input, naming the field, the value and what is allowed.
    """
    one = isinstance(data, ClassData)
    data = as_data(data)
    if not isinstance(model, Model):
        raise ValueError(f"model: a Model (sim.saom.Model), got {type(model).__name__}")
    if algorithm is not None and not isinstance(algorithm, Algorithm):
        raise ValueError(f"algorithm: an Algorithm (sim.saom.Algorithm) or None, got "
                         f"{type(algorithm).__name__}")
    if separately:
        if scheduler is not None:
            raise ValueError("separately fits each class here; allowed with a scheduler: "
                             "separately=False")
        if len(data.classes) < 2:
            raise ValueError(f"separately: needs several classes, data has "
                             f"{len(data.classes)}; allowed: separately=False")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise ValueError(f"seed {seed!r}: separately needs an integer seed (class k "
                             f"uses seed + k)")
        fits = [fit_class(c, model, seed + k, algorithm, conditional)
                for k, c in enumerate(data.classes)]
        return meta.meta_analysis(fits, data.names)
    with dask_client(scheduler) as client:
        if one:
            return fit_class(data.classes[0], model, seed, algorithm, conditional, client)
        return fit_classes(data, model, seed, algorithm, conditional, client)
