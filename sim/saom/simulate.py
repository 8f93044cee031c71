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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.saom import behaviour as bh
from sim.saom import specification
from sim.saom.data import covariates as checked_covariates
from sim.saom.model import Model
from sim.saom.periods import Period, simulate_batch
from sim.saom.program import finite_number
from sim.saom.results import runs_frame, runs_table
from sim.saom.rng import SeedLike, run_seeds  # noqa: F401 (run_seeds: public here)


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
        x = specification.check_network(self.network, "Start network")
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
    """``model`` as a :class:`Model` whose effects have values."""
    if isinstance(model, Mapping):
        model = Model(model)
    if not isinstance(model, Model):
        raise ValueError(f"model: a Model or a mapping of effects to values, got "
                         f"{type(model).__name__}")
    if not isinstance(model.effects, Mapping):
        raise ValueError(f"model effects: {list(model.effects)!r}; allowed: a mapping of "
                         f"effects to values, e.g. {{'density': -1.8, 'recip': 2.4}}")
    return model


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
    assert isinstance(model.effects, Mapping)  # _model refuses effects without values
    x, spec = specification.build(state.network, model.effects, rate=rate,
                                  covariates=state.covariates, dyadic=state.dyadic,
                                  rate_effects=model.rate_effects,
                                  max_outdegree=model.max_outdegree,
                                  structural_zeros=state.structural_zeros,
                                  uncentred=state.uncentred, behaviours=state.behaviours,
                                  behaviour_effects=model.behaviour_effects,
                                  behaviour_rates=behaviour_rates,
                                  behaviour_rate_effects=model.behaviour_rate_effects)
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
