"""Simulate SAOM network dynamics over a period: numpy in, numpy out.

The model is RSiena's stochastic actor-oriented model (Snijders 2001, 2017) with the
effects of :mod:`sim.saom.effects`: parameters estimated with RSiena can be pasted in.
The period has length ``period`` in the rate's units (RSiena: 1 per wave interval; a weekly
clock with a per-year rate uses ``period = 1/40`` for one school week of 40). A simulation
takes where it starts (:class:`Start`: the network, covariates, behaviours; or just the
network) and the model (:class:`sim.saom.Model` with values, or a mapping of effects to
values), as RSiena's ``sienaDataCreate`` and effects object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.saom import specification
from sim.saom.model import Model
from sim.saom.periods import Period, simulate_batch
from sim.saom.program import finite_number
from sim.saom.results import runs_frame, runs_table
from sim.saom.rng import SeedLike, run_seeds  # noqa: F401 (run_seeds: public here)
from sim.saom.start import Start


@dataclass(frozen=True)
class PeriodResult:
    """One simulated period.

    Attributes
    ----------
    network : numpy.ndarray
        The network at the period's end, n x n int8.
    ministeps : int
        The network's ministeps in the period.
    behaviours : dict
        Each behaviour's values at the end, (n,) ints.
    behaviour_ministeps : dict
        Each behaviour's ministeps.
    """

    network: np.ndarray
    ministeps: int
    behaviours: dict = field(default_factory=dict)
    behaviour_ministeps: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodsResult:
    """R independent simulated periods.

    Attributes
    ----------
    networks : numpy.ndarray
        The networks at the periods' ends, (R, n, n) int8.
    ministeps : numpy.ndarray
        The network's ministeps of each run, (R,).
    behaviours : dict
        Each behaviour's values at the end, (R, n) ints.
    behaviour_ministeps : dict
        Each behaviour's ministeps of each run, (R,).
    """

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


def _start(start) -> Start:
    return start if isinstance(start, Start) else Start(start)


def _model(model) -> Model:
    """``model`` as a :class:`Model`."""
    if isinstance(model, Mapping):
        model = Model(model)
    if not isinstance(model, Model):
        raise ValueError(f"model: a Model or a mapping of effects to values, got "
                         f"{type(model).__name__}")
    return model  # specification.build refuses effects without values


def simulate_periods(start: Start | npt.ArrayLike, model: Model | Mapping[str, float], *,
                     rate: float, runs: int, seed: SeedLike = None, period: float = 1.0,
                     behaviour_rates: Mapping[str, float] | None = None) -> PeriodsResult:
    """Simulate ``runs`` independent periods from ``start`` (in parallel over numba threads).

    Parameters
    ----------
    start : Start or array_like
        Where the period starts: a :class:`Start`, or just its n x n network.
    model : Model or mapping of str to float
        RSiena short names to parameters, e.g. ``{"density": -1.8, "recip": 2.4,
        "transTrip": 0.7, "simX:alc": 0.54, "egoX:stigma*altX:notlb": -0.5}``
        (:func:`sim.saom.effects.describe`), or a :class:`sim.saom.Model` with such a
        mapping and its ``rate_effects`` (``{"RateX:shy": -0.5}``: rate_i = rate *
        exp(sum alpha (v_i - mean v))), ``max_outdegree`` (options exceeding it are not
        offered), ``behaviour_effects`` (per behaviour a mapping, e.g. ``{"drink":
        {"linear": 0.05, "quad": -0.45, "avAlt": 1.3}}``, :func:`sim.saom.behaviour.describe`)
        and ``behaviour_rate_effects`` (per behaviour, ``{"RateX:alc": 0.3}``); its
        ``fixed``, ``rates`` and ``targets`` concern estimation only.
    rate : float
        The basic rate rho (opportunities per actor per unit period).
    runs : int
        Independent periods to simulate.
    seed : int, sequence of int or SeedSequence, optional
        The same seed gives the same networks whatever the number of threads (run r's
        stream depends on (seed, r) only).
    period : float
        Length of the period in the rate's units.
    behaviour_rates : mapping of str to float, optional
        Per behaviour, its basic rate.

    Returns
    -------
    PeriodsResult
        The final networks and behaviours of each run, and their ministeps.

    >>> import numpy as np
    >>> x = np.zeros((5, 5), dtype=np.int8)
    >>> res = simulate_periods(x, {"density": -1.0, "recip": 1.0}, rate=3.0, runs=4, seed=1)
    >>> res.networks.shape, res.ministeps.shape
    ((4, 5, 5), (4,))
    """
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or runs < 1:
        raise ValueError(f"runs must be a positive integer, got {runs!r}")
    state, model = _start(start), _model(model)
    x, spec = specification.build(state, model, rate=rate, behaviour_rates=behaviour_rates)
    per = Period(x, spec, spec.rates, _check_period(period))  # the actual rates: rho = 1
    res = simulate_batch([per], spec.program.beta, [1.0], [seed], runs,
                         beh_beta=spec.beh.beta, beh_rates=np.ones(len(spec.behaviours)))[0]
    names = [b.name for b in spec.behaviours]
    return PeriodsResult(res.networks, res.counts[:, 0],
                         {k: res.behaviours[:, b].astype(np.int64) for b, k in enumerate(names)},
                         {k: res.counts[:, 1 + b] for b, k in enumerate(names)})


def simulate_period(start: Start | npt.ArrayLike, model: Model | Mapping[str, float], *,
                    rate: float, seed: SeedLike = None, period: float = 1.0,
                    behaviour_rates: Mapping[str, float] | None = None) -> PeriodResult:
    """Simulate one period of network dynamics from ``start``: run 0 of
    :func:`simulate_periods` with ``seed``.

    Parameters
    ----------
    start
        The state the period starts from: a :class:`Start`, or an n x n 0/1 network.
    model
        A :class:`Model` whose effects have values, or a mapping of effects to values.
    rate
        The network's basic rate (expected ministeps per actor in the period).
    seed
        Seed of the run's random stream.
    period
        The period's length (the rate is per unit of time).
    behaviour_rates
        Each behaviour's basic rate.

    Returns
    -------
    PeriodResult
        The final network and behaviours, and their ministeps.
    """
    res = simulate_periods(start, model, rate=rate, runs=1, seed=seed, period=period,
                           behaviour_rates=behaviour_rates)
    return PeriodResult(res.networks[0], int(res.ministeps[0]),
                        {k: v[0] for k, v in res.behaviours.items()},
                        {k: int(v[0]) for k, v in res.behaviour_ministeps.items()})
