"""The SAOM network-dynamics engine: RSiena's effects, simulated in numba kernels.

Stands alone: numpy arrays in, numpy arrays out; the Mesa model is one client of it.
"""

from sim.saom.effects import EFFECTS, RATE_EFFECTS, describe
from sim.saom.simulate import PeriodResult, PeriodsResult, simulate_period, simulate_periods

__all__ = ["EFFECTS", "RATE_EFFECTS", "describe", "simulate_period", "simulate_periods",
           "PeriodResult", "PeriodsResult"]
