"""The effect registry: RSiena short names, their statistics, and how they reach the kernel.

One table (:data:`EFFECTS`) defines every objective-function effect lbsim knows: its RSiena
short name, what it needs (nothing, an actor covariate or a dyadic covariate), the statistic
``s_i(x)`` for actor ``i`` and the kernel code. Parsing, validation, the documentation users
read and the reference implementation all read this table, so the list users read is the
list that runs.

Notation (RSiena manual, Ripley et al., section "Mathematical definition of effects"):
``x_ij`` is the tie i -> j, ``x_i+`` the out-degree of i, ``x_+j`` the in-degree of j,
``v`` an actor covariate centred by its mean ``v̄``, ``w`` a dyadic covariate centred by
its mean over off-diagonal entries, ``sim_ij = 1 - |v_i - v_j| / range(v)`` centred by its
mean over ordered pairs ``i != j``.

Effect keys are written as in RSiena output: ``name`` for structural effects,
``name:covariate`` for covariate effects, ``gwespFF(69)`` for an internal parameter, and
``A*B`` for interactions (``egoX:stigma*altX:notlb``). Rate effects are ``RateX:covariate``.

A key may end with its type in brackets, as RSiena's ``type`` argument: ``[eval]`` (the
default: the objective function), ``[creation]`` (counts only when the ministep creates a
tie) or ``[endow]`` (endowment or maintenance: counts only when it drops one), e.g.
``recip[endow]``, ``density[creation]``, ``simX:alc[endow]``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sim.suggest import unknown_name

# Kernel codes of the network-dependent ("structural") effects. The kernel computes, for
# each code, the contribution c_ij = s_i(x with i->j) - s_i(x without i->j).
RECIP, TRANS_TRIP, TRANS_TIES, CYCLE3, GWESP_FF = 0, 1, 2, 3, 4
IN_POP, IN_POP_SQRT, OUT_ACT, OUT_ACT_SQRT, OUT_POP, OUT_POP_SQRT = 5, 6, 7, 8, 9, 10
N_STRUCTURAL_CODES = 11

# What an effect needs besides the network.
NONE, ACTOR, DYADIC = "none", "actor covariate", "dyadic covariate"


@dataclass(frozen=True)
class Effect:
    """One row of the registry.

    ``kind`` is ``structural`` (depends on the network; has a kernel ``code``), ``density``,
    or one of the covariate kinds ``ego``, ``alter``, ``sim``, ``same``, ``egoalt``,
    ``dyadic`` whose contribution c_ij does not depend on the network. ``dyadic_tie`` marks
    effects whose statistic is a sum over ties of a quantity of the pair (i, j), which
    RSiena allows to interact with each other.
    """

    name: str
    kind: str
    needs: str
    statistic: str
    code: int = -1
    param_default: float | None = None

    @property
    def is_ego(self) -> bool:
        return self.kind == "ego"

    @property
    def is_dyadic(self) -> bool:
        return self.kind != "structural" or self.code == RECIP


_TABLE = [
    Effect("density", "density", NONE, "sum_j x_ij (out-degree)"),
    Effect("recip", "structural", NONE, "sum_j x_ij x_ji (reciprocated ties)", RECIP),
    Effect("transTrip", "structural", NONE,
           "sum_{j,h} x_ij x_ih x_hj (transitive triplets)", TRANS_TRIP),
    Effect("transTies", "structural", NONE,
           "sum_j x_ij max_h(x_ih x_hj) (ties closed by at least one two-path)", TRANS_TIES),
    Effect("cycle3", "structural", NONE, "sum_{j,h} x_ij x_jh x_hi (three-cycles)", CYCLE3),
    Effect("gwespFF", "structural", NONE,
           "sum_j x_ij w(TP_ij), TP_ij = #{h: x_ih x_hj}, w(k) = e^a (1 - (1 - e^-a)^k), "
           "a = parameter/100; the ministep contribution of toggling i->j is w(TP_ij) "
           "(RSiena's definition, not the exact change of the statistic)",
           GWESP_FF, param_default=69.0),
    Effect("inPop", "structural", NONE, "sum_j x_ij x_+j (in-degree popularity)", IN_POP),
    Effect("inPopSqrt", "structural", NONE,
           "sum_j x_ij sqrt(x_+j) (in-degree popularity, sqrt)", IN_POP_SQRT),
    Effect("outAct", "structural", NONE, "x_i+^2 (out-degree activity)", OUT_ACT),
    Effect("outActSqrt", "structural", NONE,
           "x_i+^1.5 (out-degree activity, sqrt)", OUT_ACT_SQRT),
    Effect("outPop", "structural", NONE, "sum_j x_ij x_j+ (out-degree popularity)", OUT_POP),
    Effect("outPopSqrt", "structural", NONE,
           "sum_j x_ij sqrt(x_j+) (out-degree popularity, sqrt)", OUT_POP_SQRT),
    Effect("egoX", "ego", ACTOR, "x_i+ (v_i - mean v) (covariate ego)"),
    Effect("altX", "alter", ACTOR, "sum_j x_ij (v_j - mean v) (covariate alter)"),
    Effect("simX", "sim", ACTOR,
           "sum_j x_ij (sim_ij - mean sim), sim_ij = 1 - |v_i - v_j| / range(v) "
           "(covariate similarity)"),
    Effect("sameX", "same", ACTOR, "sum_j x_ij 1{v_i = v_j} (same covariate value)"),
    Effect("egoXaltX", "egoalt", ACTOR,
           "sum_j x_ij (v_i - mean v)(v_j - mean v) (covariate ego x alter)"),
    Effect("X", "dyadic", DYADIC, "sum_j x_ij (w_ij - mean w) (dyadic covariate)"),
]

EFFECTS: dict[str, Effect] = {e.name: e for e in _TABLE}
"""Objective-function effects by RSiena short name."""

RATE_EFFECTS = {"RateX": "rate_i = rate * exp(alpha * (v_i - mean v)) (covariate-dependent rate)"}
"""Rate effects by RSiena short name."""


@dataclass(frozen=True)
class Term:
    """One factor of an effect key: an effect, its covariate (if any) and parameter."""

    effect: Effect
    covariate: str | None = None
    param: float | None = None

    def __str__(self) -> str:
        s = self.effect.name
        if self.param is not None and self.param != self.effect.param_default:
            s += f"({self.param:g})"
        return s + (f":{self.covariate}" if self.covariate else "")


_TERM = re.compile(r"^(?P<name>[A-Za-z0-9]+)(\((?P<param>[^)]*)\))?(:(?P<cov>.+))?$")


def unknown(kind: str, name: str, allowed: list[str]) -> ValueError:
    """The error for an unknown name (:func:`sim.suggest.unknown_name`)."""
    return ValueError(unknown_name(name, kind, allowed))


def parse_term(text: str) -> Term:
    """Parse ``name``, ``name(param)``, ``name:cov`` or ``name(param):cov`` into a Term."""
    m = _TERM.match(text.strip())
    if not m:
        raise ValueError(
            f"cannot read effect {text!r}: write 'name', 'name:covariate' or 'name(parameter)'")
    name, cov = m["name"], m["cov"]
    if name not in EFFECTS:
        raise unknown("effect", name, list(EFFECTS))
    eff = EFFECTS[name]
    if eff.needs == NONE and cov is not None:
        raise ValueError(f"effect {name!r} takes no covariate, got {text!r}")
    if eff.needs != NONE and not cov:
        article = "an" if eff.needs[0] in "aeiou" else "a"
        raise ValueError(f"effect {name!r} needs {article} {eff.needs}: write '{name}:<name>'")
    param = None
    if m["param"] is not None:
        if eff.param_default is None:
            raise ValueError(f"effect {name!r} has no internal parameter, got {text!r}")
        try:
            param = float(m["param"])
        except ValueError:
            raise ValueError(f"internal parameter of {text!r} must be a number") from None
        if not math.isfinite(param) or param < 0:
            raise ValueError(f"internal parameter of {text!r} must be finite and >= 0")
    elif eff.param_default is not None:
        param = eff.param_default
    return Term(eff, cov, param)


EFFECT_TYPES = ("eval", "creation", "endow")
"""Effect types: in the objective function, only when creating a tie, only when dropping."""

EVAL, CREATION, ENDOW = range(3)
"""A program's ``gate[e]`` (:mod:`sim.saom.program`): effect e counts always, only when the
ministep creates a tie, only when it drops one (the index into :data:`EFFECT_TYPES`)."""


def split_type(key: str) -> tuple[str, str]:
    """``(key without its type, type)``: ``"recip[endow]"`` -> ``("recip", "endow")``;
    a key without brackets is an ``eval`` effect."""
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"effect name must be a non-empty string, got {key!r}")
    key = key.strip()
    if not key.endswith("]"):
        return key, "eval"
    base, bracket, kind = key[:-1].rpartition("[")
    if not bracket or not base:
        raise ValueError(f"cannot read effect {key!r}: a type goes last, in brackets, e.g. "
                         f"'recip[endow]'")
    if kind not in EFFECT_TYPES:
        raise unknown(f"effect type in {key!r}:", kind, list(EFFECT_TYPES))
    return base, kind


def parse_key(key: str) -> tuple[Term, ...]:
    """Parse an effect key (factors joined by ``*``, an optional ``[type]`` last) and check
    RSiena's interaction rules.

    An interaction is allowed, as in RSiena, when all its factors are dyadic (covariate
    effects, ``density``, ``recip``) or when all but one are ego effects (``egoX``).
    """
    key, _ = split_type(key)
    terms = tuple(parse_term(t) for t in key.split("*"))
    if len(terms) > 1:
        non_ego = [t for t in terms if not t.effect.is_ego]
        if len(non_ego) > 1 and not all(t.effect.is_dyadic for t in terms):
            raise ValueError(
                f"interaction {key!r} is not allowed: combine ego effects (egoX) with any one "
                f"effect, or dyadic effects (density, recip, altX, simX, sameX, egoXaltX, X) "
                f"with each other")
        if any(t.effect.kind == "density" for t in terms):
            raise ValueError(f"interaction {key!r}: density in an interaction is its other "
                             f"factor alone; write that factor without '*density'")
    return terms


def parse_rate_key(key: str) -> str:
    """Parse ``RateX:covariate`` and return the covariate name."""
    name, _, cov = str(key).partition(":")
    if name not in RATE_EFFECTS:
        raise unknown("rate effect", name, list(RATE_EFFECTS))
    if not cov:
        raise ValueError(f"rate effect {key!r} needs a covariate: write 'RateX:<name>'")
    return cov


def describe() -> str:
    """The registry as a text table: name, what it needs, statistic.

    Returns
    -------
    str
        One line per effect (network and behaviour effects, then rate effects), and a note on
        the creation/endowment types (RSiena's ``type`` argument of ``includeEffects``).
    """
    rows = [f"{e.name:<11} {e.needs:<17} {e.statistic}" for e in _TABLE]
    rows += [f"{k:<11} {ACTOR:<17} {v}" for k, v in RATE_EFFECTS.items()]
    rows.append("Any network effect takes a type last: name[creation] counts only when a tie "
                "is created, name[endow] only when one is dropped (RSiena's type argument).")
    return "\n".join(rows)
