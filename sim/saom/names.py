"""Parameter names as values: a SAOM parameter is a rate (of the network or of a behaviour,
for a period of a class) or an effect (of the network or of a behaviour), and prints as the
names lbsim's estimates use (after RSiena's):

- ``rate 1``: the network's basic rate in period 1 (one class); ``rate school01 2`` its rate
  in period 2 of class ``school01`` (several classes);
- ``rate drink 1``, ``rate drink school01 2``: behaviour ``drink``'s rates;
- ``density``, ``simX:alcohol``, ``recip[endow]``, ``egoX:stigma*altX:notlb``: network
  effects (RSiena short names, :mod:`sim.saom.effects`);
- ``drink: avAlt``: behaviour ``drink``'s effect ``avAlt`` (:mod:`sim.saom.behaviour`);
- ``recip x period 2``: a time dummy, added to network effect ``recip`` in period 2 of one
  class (RSiena's ``includeTimeDummy``).

A :class:`Parameter` equals (and hashes as) its printed name, so ``est.names.index("density")``
and a mapping keyed by names work with either.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

RATE = "rate"
DUMMY = " x period "


@dataclass(frozen=True, eq=False)
class Parameter:
    """One SAOM parameter (module docstring).

    Parameters
    ----------
    effect : str
        RSiena short name of an effect (``"density"``, ``"avAlt"``); ``""`` for a rate.
    behaviour : str
        The dependent behaviour the rate or effect belongs to; ``""`` for the network.
    group : str
        The class of a rate when several classes are fitted together; ``""`` for one class.
    period : int
        The period of a rate (1, 2, ...); 0 for an effect; with an effect, a time dummy's
        period (2, 3, ...).
    """

    effect: str = ""
    behaviour: str = ""
    group: str = ""
    period: int = 0

    def __post_init__(self):
        for field_, value in (("behaviour", self.behaviour), ("group", self.group)):
            if not isinstance(value, str) or any(c.isspace() for c in value) \
                    or value.endswith(":"):
                raise ValueError(f"parameter {field_} {value!r}: a name without spaces "
                                 f"(or '' for none)")
        if not isinstance(self.effect, str) or self.effect != self.effect.strip():
            raise ValueError(f"parameter effect {self.effect!r}: a name without surrounding "
                             f"spaces")
        if isinstance(self.period, bool) or not isinstance(self.period, int) \
                or self.period < 0:
            raise ValueError(f"parameter period {self.period!r}: 1, 2, ... for a rate, 0 for "
                             f"an effect")
        if not self.effect and not self.period:
            raise ValueError("parameter: give an effect, a rate's period, or both (a time "
                             "dummy)")
        if self.effect and self.period and (self.period < 2 or self.behaviour):
            raise ValueError(f"parameter {self.effect!r} x period {self.period}: a time "
                             f"dummy of a network effect, for period 2, 3, ... (period 1 is "
                             f"the reference)")
        if self.effect and (self.group or " " in self.effect):
            raise ValueError(f"parameter effect {self.effect!r}: an effect has no class and "
                             f"no spaces; allowed: RSiena short names such as 'density'")

    @property
    def is_rate(self) -> bool:
        """True for a basic rate, False for an effect."""
        return self.period > 0 and not self.effect

    @property
    def is_dummy(self) -> bool:
        """True for a time dummy (``recip x period 2``)."""
        return self.period > 0 and bool(self.effect)

    @property
    def statistic(self) -> str:
        """The name of its target statistic: ``changes <...>`` for a rate (the distance
        between the waves), the parameter's name for an effect."""
        return str(self).replace(RATE, "changes", 1) if self.is_rate else str(self)

    def __str__(self) -> str:
        if self.is_dummy:
            return f"{self.effect}{DUMMY}{self.period}"
        if self.is_rate:
            return " ".join(p for p in (RATE, self.behaviour, self.group, str(self.period))
                            if p)
        return f"{self.behaviour}: {self.effect}" if self.behaviour else self.effect

    def __repr__(self) -> str:
        return f"Parameter({str(self)!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other) -> bool:
        if isinstance(other, Parameter | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    @classmethod
    def parse(cls, text: str | Parameter, behaviours: Collection[str] = ()) -> Parameter:
        """The parameter named ``text`` (module docstring); ``behaviours``: the names of
        the dependent behaviours, which tell ``rate drink 1`` (behaviour drink, one class)
        from ``rate school01 1`` (class school01). Raises ValueError naming what is wrong.

        >>> Parameter.parse("rate drink 2", behaviours=["drink"])
        Parameter('rate drink 2')
        >>> Parameter.parse("drink: avAlt").behaviour
        'drink'
        """
        if isinstance(text, Parameter):
            return text
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"parameter name {text!r}: allowed: 'rate 1', 'rate <class> 1', "
                             f"'rate <behaviour> 1', an effect ('density'), "
                             f"'<behaviour>: <effect>'")
        words = text.split()
        if words[0] == RATE and ":" not in text:
            *middle, period = words[1:] or [""]
            if not period.isdigit() or int(period) < 1 or len(middle) > 2:
                raise ValueError(f"rate name {text!r}: write 'rate <period>' with a period "
                                 f"1, 2, ... (after the behaviour and class, if any: "
                                 f"'rate drink school01 1')")
            behaviour = middle[0] if middle and (len(middle) == 2 or middle[0] in behaviours) \
                else ""
            group = middle[-1] if middle and (len(middle) == 2 or not behaviour) else ""
            return cls(behaviour=behaviour, group=group, period=int(period))
        if DUMMY in text:
            effect, _, period = text.partition(DUMMY)
            if not period.strip().isdigit() or not effect.strip():
                raise ValueError(f"time dummy {text!r}: write '<effect> x period <m>', "
                                 f"e.g. 'recip x period 2'")
            return cls(effect=effect.strip(), period=int(period))
        if ": " in text:
            behaviour, _, effect = text.partition(": ")
            return cls(effect=effect.strip(), behaviour=behaviour.strip())
        if len(words) > 1:
            raise ValueError(f"parameter name {text!r}: an effect has no spaces; a behaviour's "
                             f"effect is written '<behaviour>: <effect>', a rate 'rate 1'")
        effect = text.strip()
        if any(not part for term in effect.split("*") for part in term.split(":")):
            raise ValueError(f"parameter name {text!r}: an empty part around ':' or '*'; "
                             f"allowed: an effect ('density'), an effect of a covariate "
                             f"('simX:alcohol'), an interaction ('egoX:a*altX:b')")
        return cls(effect=effect)


def rate(period: int, group: str = "", behaviour: str = "") -> Parameter:
    """The basic rate of ``period`` (of ``group``'s class, of ``behaviour``)."""
    return Parameter(behaviour=behaviour, group=group, period=period)


def parameters(names, behaviours: Collection[str] = ()) -> tuple[Parameter, ...]:
    """:meth:`Parameter.parse` of each name."""
    return tuple(Parameter.parse(n, behaviours) for n in names)
