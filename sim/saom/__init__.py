"""The SAOM network-dynamics engine: RSiena's effects, simulated in numba kernels, and
estimated as RSiena estimates them.

Stands alone: numpy arrays in, numpy arrays out; the Mesa model is one client of it.
The researcher's workflow follows RSiena's: data (:class:`ClassData`, several classes as
:class:`Data`; records of :mod:`sim.data` by ``ClassData.from_record``), a model
(:class:`Model`), the algorithm (:class:`Algorithm`), then :func:`estimate` and
:func:`goodness_of_fit` (RSiena's ``sienaGOF``); results are frozen objects with
``.table()`` and ``.to_frame()``.

>>> from sim.saom import ClassData, Model, estimate, goodness_of_fit   # doctest: +SKIP
>>> est = estimate(ClassData(waves), Model(["density", "recip"]))   # doctest: +SKIP
>>> goodness_of_fit(est, ClassData(waves), statistic="indegree")   # doctest: +SKIP

The names below are imported on first use (:mod:`sim.lazy`), so importing the package
loads only the modules a caller uses (``lbsim estimate`` loads neither the goodness of
fit nor the tests).
"""

from typing import TYPE_CHECKING

from sim.lazy import lazy_exports
from sim.saom._numba import preload_cython_blas

preload_cython_blas()  # before numba sets its compiler up: see there

_HOMES = {
    "EFFECTS": "sim.saom.effects",
    "RATE_EFFECTS": "sim.saom.effects",
    "describe": "sim.saom.effects",
    "simulate_period": "sim.saom.simulate",
    "simulate_periods": "sim.saom.simulate",
    "Start": "sim.saom.simulate",
    "PeriodResult": "sim.saom.simulate",
    "PeriodsResult": "sim.saom.simulate",
    "Runs": "sim.saom.periods",
    "ClassData": "sim.saom.data",
    "Data": "sim.saom.data",
    "Model": "sim.saom.model",
    "Parameter": "sim.saom.names",
    "Algorithm": "sim.saom.robbins_monro",
    "estimate": "sim.saom.estimation",
    "SEED": "sim.saom.estimation",
    "Estimate": "sim.saom.results",
    "MetaAnalysis": "sim.saom.meta",
    "Pooled": "sim.saom.meta",
    "meta_analysis": "sim.saom.meta",
    "pooled": "sim.saom.meta",
    "GofResult": "sim.saom.gof",
    "GofTest": "sim.saom.gof",
    "RobbinsMonro": "sim.saom.robbins_monro",
    "goodness_of_fit": "sim.saom.gof",
    "ScoreTest": "sim.saom.score_type",
    "score_test": "sim.saom.score_type",
    "RelativeImportance": "sim.saom.importance",
    "relative_importance": "sim.saom.importance",
    "ObjectiveTable": "sim.saom.tables",
    "Centring": "sim.saom.tables",
    "selection_table": "sim.saom.tables",
    "influence_table": "sim.saom.tables",
    "WaldTest": "sim.saom.wald",
    "wald_test": "sim.saom.wald",
    "same_test": "sim.saom.wald",
    "ChiSquared": "sim.saom.time_heterogeneity",
    "TimeTest": "sim.saom.time_heterogeneity",
    "time_test": "sim.saom.time_heterogeneity",
}

if TYPE_CHECKING:  # what the names are, for type checkers (nothing loads at run time)
    from sim.saom.data import ClassData, Data
    from sim.saom.effects import EFFECTS, RATE_EFFECTS, describe
    from sim.saom.estimation import SEED, estimate
    from sim.saom.gof import GofResult, GofTest, goodness_of_fit
    from sim.saom.importance import RelativeImportance, relative_importance
    from sim.saom.meta import MetaAnalysis, Pooled, meta_analysis, pooled
    from sim.saom.model import Model
    from sim.saom.names import Parameter
    from sim.saom.periods import Runs
    from sim.saom.results import Estimate
    from sim.saom.robbins_monro import Algorithm, RobbinsMonro
    from sim.saom.score_type import ScoreTest, score_test
    from sim.saom.simulate import (
        PeriodResult,
        PeriodsResult,
        Start,
        simulate_period,
        simulate_periods,
    )
    from sim.saom.tables import Centring, ObjectiveTable, influence_table, selection_table
    from sim.saom.time_heterogeneity import ChiSquared, TimeTest, time_test
    from sim.saom.wald import WaldTest, same_test, wald_test

__all__ = list(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
# the modules gof and robbins_monro keep their names: sim.saom.gof.gof,
# sim.saom.robbins_monro.robbins_monro
