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
"""

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

__all__ = ["EFFECTS", "RATE_EFFECTS", "describe", "simulate_period", "simulate_periods", "Start",
           "PeriodResult", "PeriodsResult", "Runs", "ClassData", "Data", "Model", "Parameter",
           "Algorithm", "estimate", "SEED", "Estimate", "MetaAnalysis", "Pooled",
           "meta_analysis", "pooled", "GofResult", "GofTest", "RobbinsMonro",
           "goodness_of_fit", "ScoreTest", "score_test", "RelativeImportance",
           "relative_importance", "ObjectiveTable", "Centring", "selection_table",
           "influence_table", "WaldTest", "wald_test", "same_test", "ChiSquared", "TimeTest",
           "time_test"]
# the modules gof and robbins_monro keep their names: sim.saom.gof.gof,
# sim.saom.robbins_monro.robbins_monro
