"""Simulate SAOM network dynamics over a period: numpy in, numpy out.

The model is RSiena's stochastic actor-oriented model (Snijders 2001, 2017) with the
effects of :mod:`sim.saom.effects`: parameters estimated with RSiena can be pasted in.
The period has length ``period`` in the rate's units (RSiena: 1 per wave interval; a weekly
clock with a per-year rate uses ``period = 1/40`` for one school week of 40).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.saom import specification
from sim.saom.periods import Period, simulate_batch
from sim.saom.program import finite_number
from sim.saom.results import runs_frame, runs_table
from sim.saom.rng import SeedLike, run_seeds  # noqa: F401 (run_seeds: public here)


@dataclass(frozen=True)
class PeriodResult:
    """One simulated period: the final ``network`` (n x n int8), its network
    ``ministeps``, each behaviour's final values (n,) and ministeps."""

    network: np.ndarray
    ministeps: int
    behaviours: dict = field(default_factory=dict)
    behaviour_ministeps: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodsResult:
    """R simulated periods: ``networks`` (R, n, n) int8 and network ``ministeps`` (R,);
    ``behaviours[name]`` (R, n) ints and ``behaviour_ministeps[name]`` (R,)."""

    networks: np.ndarray
    ministeps: np.ndarray
    behaviours: dict = field(default_factory=dict)
    behaviour_ministeps: dict = field(default_factory=dict)

    def _columns(self):
        return (self.networks, {"network": self.ministeps, **self.behaviour_ministeps},
                self.behaviours)

    def table(self) -> str:
        """Ties, ministeps and behaviour means: mean and sd over the runs."""
        return runs_table(*self._columns())

    def to_frame(self):
        """One row per run: ties, ministeps of each variable, behaviours' mean values."""
        return runs_frame(*self._columns())


def _check_period(period) -> float:
    p = finite_number(period, "period")
    if p < 0:
        raise ValueError(f"period must be >= 0, got {period}")
    return p


def simulate_periods(network: npt.ArrayLike, effects: Mapping[str, float], *, rate: float,
                     runs: int,
                     covariates: Mapping | None = None, dyadic: Mapping | None = None,
                     rate_effects: Mapping[str, float] | None = None, period: float = 1.0,
                     max_outdegree: int | None = None,
                     structural_zeros: npt.ArrayLike | None = None,
                     seed: SeedLike = None,
                     uncentred: Collection[str] = (), behaviours: Mapping | None = None,
                     behaviour_effects: Mapping | None = None,
                     behaviour_rates: Mapping | None = None,
                     behaviour_rate_effects: Mapping | None = None) -> PeriodsResult:
    """Simulate ``runs`` independent periods from ``network`` (in parallel over numba threads).

    network: n x n 0/1 matrix, ``network[i, j] = 1`` if i names j (diagonal 0).
    effects: RSiena short names to parameters, e.g. ``{"density": -1.8, "recip": 2.4,
        "transTrip": 0.7, "simX:alc": 0.54, "egoX:stigma*altX:notlb": -0.5}``
        (see :func:`sim.saom.effects.describe`).
    rate: the basic rate rho (opportunities per actor per unit period).
    covariates: actor covariates by name, arrays of shape (n,).
    dyadic: dyadic covariates by name, arrays of shape (n, n).
    rate_effects: ``{"RateX:shy": -0.5}``: rate_i = rate * exp(sum alpha (v_i - mean v)).
    period: length of the period in the rate's units.
    max_outdegree: at most this many nominations; options exceeding it are not offered.
    structural_zeros: n x n 0/1 matrix; 1 forbids the tie.
    runs: independent periods to simulate.
    seed: int or SeedSequence; the same seed gives the same networks whatever the number of
        threads (run r's stream depends on (seed, r) only).
    uncentred: names of covariates used as they are rather than centred by their mean
        (RSiena's ``centered = FALSE``), e.g. a covariate that is 0 for the actors it
        does not apply to.
    behaviours: dependent behaviours by name: observed integer values, (n,) or
        (n, waves); the simulation starts from the first column, and the range, mean and
        simMean come from all columns (:mod:`sim.saom.behaviour`). Network effects may
        name a behaviour (``simX:drink``) and read its current simulated values.
    behaviour_effects: per behaviour, RSiena short names to parameters, e.g.
        ``{"drink": {"linear": 0.05, "quad": -0.45, "avAlt": 1.3}}``
        (:func:`sim.saom.behaviour.describe`).
    behaviour_rates: per behaviour, its basic rate.
    behaviour_rate_effects: per behaviour, ``{"RateX:alc": 0.3}``.

    >>> import numpy as np
    >>> x = np.zeros((5, 5), dtype=np.int8)
    >>> res = simulate_periods(x, {"density": -1.0, "recip": 1.0}, rate=3.0, runs=4, seed=1)
    >>> res.networks.shape, res.ministeps.shape
    ((4, 5, 5), (4,))
    """
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or runs < 1:
        raise ValueError(f"runs must be a positive integer, got {runs!r}")
    x, spec = specification.build(network, effects, rate=rate, covariates=covariates,
                                  dyadic=dyadic, rate_effects=rate_effects,
                                  max_outdegree=max_outdegree,
                                  structural_zeros=structural_zeros, uncentred=uncentred,
                                  behaviours=behaviours, behaviour_effects=behaviour_effects,
                                  behaviour_rates=behaviour_rates,
                                  behaviour_rate_effects=behaviour_rate_effects)
    per = Period(x, spec, spec.rates, _check_period(period))  # the actual rates: rho = 1
    res = simulate_batch([per], spec.program.beta, [1.0], [seed], runs,
                         beh_beta=spec.beh.beta, beh_rates=np.ones(len(spec.behaviours)))[0]
    names = [b.name for b in spec.behaviours]
    return PeriodsResult(res.networks, res.counts[:, 0],
                         {k: res.behaviours[:, b].astype(np.int64) for b, k in enumerate(names)},
                         {k: res.counts[:, 1 + b] for b, k in enumerate(names)})


def simulate_period(network: npt.ArrayLike, effects: Mapping[str, float], *, rate: float,
                    seed: SeedLike = None, **model) -> PeriodResult:
    """Simulate one period of network dynamics from ``network``: run 0 of
    :func:`simulate_periods` with ``seed``, which documents the arguments (all of them
    but ``runs``)."""
    res = simulate_periods(network, effects, rate=rate, runs=1, seed=seed, **model)
    return PeriodResult(res.networks[0], int(res.ministeps[0]),
                        {k: v[0] for k, v in res.behaviours.items()},
                        {k: int(v[0]) for k, v in res.behaviour_ministeps.items()})
