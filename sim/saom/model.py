"""The model to estimate, as RSiena's effects object (``getEffects``, ``includeEffects``,
``setEffect(..., initialValue, fix = TRUE)``) with ``sienaModelCreate``'s ``MaxDegree``.

Network effects are RSiena short names (:mod:`sim.saom.effects`), optionally mapped to
starting values (default: density at half the logit of the observed density, the others
0); behaviour effects per behaviour (:mod:`sim.saom.behaviour`; default ``linear`` and
``quad``); rate effects (``RateX:shy``) are held at the values given. Parameters are named
by :class:`sim.saom.names.Parameter`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from sim.saom.names import Parameter


def _names(effects, what: str) -> Mapping[str, float | None] | tuple[str, ...]:
    """Effects as given: a tuple of names, or a read-only mapping to starting values."""
    if isinstance(effects, Mapping):
        return MappingProxyType(dict(effects))
    if isinstance(effects, str) or not isinstance(effects, Sequence):
        raise ValueError(f"{what}: a list of RSiena short names or a mapping of them to "
                         f"starting values, got {effects!r}")
    return tuple(effects)


@dataclass(frozen=True)
class Model:
    """A SAOM's effects (module docstring).

    Parameters
    ----------
    effects : sequence of str or mapping of str to float
        Network effects, or a mapping of them to starting values (None: the default,
        density at half the logit of the observed density, the others 0).
    fixed : sequence of str or Parameter
        Parameters held at their starting values (effects, or rates such as ``rate 1``).
    rate_effects : mapping of str to float, optional
        ``{"RateX:shy": -0.5}``, held at the values given.
    max_outdegree : int, optional
        At most this many nominations (RSiena's ``MaxDegree``).
    behaviour_effects : mapping, optional
        Per behaviour, its effects' names or a mapping of them to starting values.
    behaviour_rate_effects : mapping, optional
        Per behaviour, ``RateX`` effects held at the values given.
    rates : sequence of float, optional
        Starting basic rates, one per period (classes in order); default 2 x changes / n.
    targets : sequence of float, optional
        Statistics to fit instead of the observed ones (rates first, then effects).
    """

    effects: Sequence[str] | Mapping[str, float | None]
    fixed: tuple[Parameter, ...] = ()
    rate_effects: Mapping[str, float] | None = None
    max_outdegree: int | None = None
    behaviour_effects: Mapping | None = None
    behaviour_rate_effects: Mapping | None = None
    rates: tuple[float, ...] | None = None
    targets: tuple[float, ...] | None = None

    def __post_init__(self):
        object.__setattr__(self, "effects", _names(self.effects, "Model effects"))
        if isinstance(self.fixed, str) or not isinstance(self.fixed, Sequence):
            raise ValueError(f"Model fixed: a list of parameter names, got {self.fixed!r}")
        behaviours = tuple(self.behaviour_effects or ())
        object.__setattr__(self, "fixed",
                           tuple(Parameter.parse(f, behaviours) for f in self.fixed))
        for what in ("rate_effects", "behaviour_effects", "behaviour_rate_effects"):
            value = getattr(self, what)
            if value is not None and not isinstance(value, Mapping):
                raise ValueError(f"Model {what}: a mapping, got {value!r}")
        if self.max_outdegree is not None and (isinstance(self.max_outdegree, bool) or not
                                               isinstance(self.max_outdegree, int)
                                               or self.max_outdegree < 1):
            raise ValueError(f"Model max_outdegree: {self.max_outdegree!r}; allowed: a "
                             f"positive integer or None")
        for what in ("rates", "targets"):
            value = getattr(self, what)
            if value is not None:
                if isinstance(value, str) or not hasattr(value, "__len__"):
                    raise ValueError(f"Model {what}: a list of numbers, got {value!r}")
                object.__setattr__(self, what, tuple(value))

    @property
    def keys(self) -> tuple[str, ...]:
        """The network effects' names."""
        return tuple(self.effects)
