"""Selection and influence tables: the part of an objective function that depends on one
variable, over a grid of ego's and alter's values (RSiena's ``selectionTable`` and
``influenceTable``; the RSiena manual, sections 13.1 to 13.4).

Selection table of a variable V (an actor covariate or a behaviour): for a tie from ego,
with value v_i, to alter, with value v_j, the sum over the network effects of V of
theta_k c_k(v_i, v_j), c_k the effect's contribution of the tie: ``egoX`` v_i - mean,
``altX`` v_j - mean, ``simX`` 1 - |v_i - v_j| / range - simMean, ``sameX`` 1{v_i = v_j},
``egoXaltX`` (v_i - mean)(v_j - mean).

Influence table of a behaviour z: ego's behaviour objective function when ego has value
z_i and each of its ``out_degree`` friends has value z_j, summed over ``linear``, ``quad``,
``avAlt``, ``totAlt``, ``avSim`` and ``totSim`` (their statistics s_i, as
:mod:`sim.saom.behaviour` defines them; with z_j the value of every alter, avAlt's
average alter is z_j; totAlt and totSim count ``out_degree`` alters, RSiena's out.ego).

Both evaluate lbsim's own definitions (:func:`sim.saom.specification.term_factor`,
:func:`sim.saom.behaviour.actor_statistics`) at the grid, with the mean, range and
similarity mean the simulator uses: a covariate's over the class's actors, a behaviour's
over its waves (as RSiena's ``sienaDataCreate``). The default levels are the integers from
the floor of the observed minimum to the ceiling of the maximum (RSiena's); a behaviour's
range is its scale's (``lo`` to ``hi``). RSiena prints the influence table transposed
(alters in rows); here both tables have ego in rows and alter in columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.saom import behaviour as bh
from sim.saom import effects as fx
from sim.saom import specification
from sim.saom.data import ClassData, Data, as_data
from sim.saom.names import Parameter
from sim.saom.results import Estimate

SELECTION_EFFECTS = ("egoX", "altX", "simX", "sameX", "egoXaltX")
"""Network effects of a variable that a selection table sums (those of RSiena's list that
lbsim has)."""
INFLUENCE_EFFECTS = ("linear", "quad", "avAlt", "totAlt", "avSim", "totSim")
"""Behaviour effects that an influence table sums (those of RSiena's list lbsim has)."""
INCLUDE = ("eval", "endow", "creation")
"""Which network effects a selection table sums: evaluation effects only, or with the
endowment effects (keeping a tie) or with the creation effects (making one)."""


@dataclass(frozen=True)
class Centring:
    """How a variable is centred in the effects: its mean, range and similarity mean.

    Attributes
    ----------
    variable : str
        The covariate or behaviour.
    mean, range, sim_mean : float
        Its mean, range (max - min) and mean similarity over pairs of actors.
    """

    variable: str
    mean: float
    range: float
    sim_mean: float


@dataclass(frozen=True, repr=False)
class ObjectiveTable:
    """A selection or influence table (module docstring).

    Attributes
    ----------
    ego, alter : tuple of float
        The levels of ego's and alter's value (rows and columns).
    parts : ndarray, shape (E, len(ego), len(alter))
        Each effect's part per unit of its parameter: the table is
        ``sum_e theta_e parts[e]`` (:attr:`values`).
    effects : dict of Parameter to float
        The E parameters summed, with their values.
    cov : ndarray, shape (E, E)
        Their estimated covariance (0 for a fixed parameter, as RSiena).
    centring : Centring
        The variable and its mean, range and similarity mean.
    out_degree : int
        Ego's out-degree of an influence table (totAlt, totSim); 0 marks a selection
        table.
    omitted : tuple of str
        Effects of the variable the table leaves out (other types, ``leave_out``).
    """

    ego: tuple[float, ...]
    alter: tuple[float, ...]
    parts: np.ndarray
    effects: dict[Parameter, float]
    cov: np.ndarray
    centring: Centring
    out_degree: int = 0
    omitted: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """``"selection"`` or ``"influence"``."""
        return "influence" if self.out_degree else "selection"

    @property
    def values(self) -> np.ndarray:
        """The table, shape (len(ego), len(alter)): the objective function's part that
        depends on the variable."""
        return np.tensordot(np.array(list(self.effects.values())), self.parts, axes=1)

    @property
    def variable(self) -> str:
        """The covariate or behaviour."""
        return self.centring.variable

    def contrast(self, weights) -> tuple[float, float]:
        """A linear combination sum_cells weights * values of the table and its standard
        error from the estimates' covariance (RSiena's ``selectionTable.se`` and
        ``influenceTable.se``). In an influence table only differences between ego's
        values for the same alters enter the choice probabilities: let each column's
        weights sum to 0.

        Parameters
        ----------
        weights : array_like, shape (len(ego), len(alter))
            The cells' weights (ego in rows, alter in columns, as :attr:`values`).

        Returns
        -------
        tuple of float
            The combination and its standard error.
        """
        w = np.asarray(weights, dtype=float)
        if w.shape != self.parts.shape[1:] or not np.isfinite(w).all():
            raise ValueError(f"weights: shape {w.shape}; allowed: finite numbers of shape "
                             f"{self.parts.shape[1:]} (ego's levels x alter's)")
        gradient = np.tensordot(self.parts, w, axes=2)
        return float((w * self.values).sum()), float(np.sqrt(gradient @ self.cov @ gradient))

    def __repr__(self) -> str:
        return (f"<ObjectiveTable: {self.kind} table of {self.variable!r}, "
                f"{len(self.ego)} x {len(self.alter)}; .table() prints it>")

    def _what(self) -> str:
        if self.kind == "selection":
            return (f"selection table of {self.variable}: the network objective function's "
                    f"part that depends on {self.variable}, for a tie from ego to alter")
        friends = f"its {self.out_degree} friends" if self.out_degree > 1 else "its friend"
        return (f"influence table of {self.variable}: ego's behaviour objective function "
                f"when ego has the row's value and {friends} the column's")

    def table(self) -> str:
        """The table as text: ego's values in rows, alter's in columns, and the effects
        and centring it comes from."""
        width = max(9, *(len(_level(v)) + 2 for v in self.alter),
                    *(len(f"{x:.4f}") + 2 for x in np.ravel(self.values)))
        corner = "ego \\ alter"
        rows = [self._what(),
                f"{corner:<12}" + "".join(f"{_level(v):>{width}}" for v in self.alter)]
        for v, row in zip(self.ego, self.values, strict=True):
            rows.append(f"{_level(v):<12}" + "".join(f"{x:>{width}.4f}" for x in row))
        rows.append("effects: " + ", ".join(f"{p} {t:.4f}" for p, t in self.effects.items()))
        c = self.centring
        rows.append(f"{c.variable}: mean {c.mean:.4f}, range {c.range:g}, similarity mean "
                    f"{c.sim_mean:.4f}")
        if self.omitted:
            rows.append("left out: " + ", ".join(self.omitted))
        return "\n".join(rows)

    def to_frame(self):
        """One row per cell: ``ego``, ``alter``, ``value``."""
        import pandas as pd

        e, a = np.meshgrid(self.ego, self.alter, indexing="ij")
        return pd.DataFrame({"ego": e.ravel(), "alter": a.ravel(),
                             "value": self.values.ravel()})

    def plot(self, path=None):
        """RSiena's plot of the table (matplotlib, imported here): a selection table as
        one line per ego value over alter's values, an influence table as one line per
        alter value over ego's values. Saved to ``path`` if given; returns the figure."""
        import matplotlib.pyplot as plt

        selection = self.kind == "selection"
        x, lines = (self.alter, self.ego) if selection else (self.ego, self.alter)
        y = self.values if selection else self.values.T
        colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(lines)))
        fig, ax = plt.subplots(figsize=(6, 4))
        for v, row, colour in zip(lines, y, colours, strict=True):
            ax.plot(x, row, "-o", ms=4, color=colour, label=_level(v))
        who = ("ego", "alter") if selection else ("alter", "ego")
        ax.set_xlabel(f"{who[1]}'s {self.variable}")
        ax.set_ylabel("selection function" if selection else "influence function")
        ax.set_title(f"{self.kind.capitalize()} table of {self.variable}", fontsize=11)
        ax.set_xticks(x, [_level(v) for v in x])
        ax.legend(title=f"{who[0]}'s {self.variable}", fontsize=8, title_fontsize=8,
                  loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        ax.grid(alpha=0.3)
        if path is not None:
            fig.savefig(path, bbox_inches="tight", dpi=120)
            plt.close(fig)
        return fig


def _level(v: float) -> str:
    return f"{v:g}"


def selection_table(fit: Estimate, data: ClassData | Data, variable: str,
                    levels: Sequence[float] | None = None,
                    alter_levels: Sequence[float] | None = None, include: str = "eval",
                    leave_out: Sequence[str] = (), group: str | None = None) -> ObjectiveTable:
    """The selection table of ``variable`` (RSiena's ``selectionTable``; module docstring).

    Parameters
    ----------
    fit : Estimate
        The fitted model (its estimates; fixed parameters at their values).
    data : ClassData or Data
        The data the model was fitted to: the variable's mean, range and similarity mean.
    variable : str
        An actor covariate or behaviour with network effects in ``fit``.
    levels, alter_levels : sequence of float, optional
        Ego's and alter's values (default: the observed integer range; alter's: ego's).
    include : str
        ``"eval"`` (evaluation effects), ``"endow"`` (with endowment effects: keeping a
        tie) or ``"creation"`` (with creation effects: making one); RSiena's include.endow
        and include.creation.
    leave_out : sequence of str
        Effects of the variable to leave out of the table; those it cannot hold
        (interactions) must be, as RSiena leaves them out.
    group : str, optional
        With several classes, the class whose centring the table takes.

    Returns
    -------
    ObjectiveTable
    """
    if include not in INCLUDE:
        raise ValueError(f"include={include!r}; allowed: {', '.join(INCLUDE)}")
    cls = _one_class(data, group)
    centring = _centring(cls, variable)
    found: list[tuple[int, tuple]] = []
    omitted, others = [], set()
    for k, p in enumerate(_parameters(fit, cls)):
        if p.is_rate or p.behaviour or p.effect.partition(":")[0] in fx.RATE_EFFECTS:
            continue
        base, kind = fx.split_type(p.effect)
        terms = fx.parse_key(base)
        covs = {t.covariate for t in terms if t.effect.needs == fx.ACTOR}
        others |= {c for c in covs if c in _variables(cls)}
        if variable not in covs:
            continue
        if kind not in ("eval", include):
            omitted.append(f"{p} (type {kind})")
        elif str(p) in leave_out:
            omitted.append(str(p))
        elif len(terms) > 1 or terms[0].effect.name not in SELECTION_EFFECTS:
            raise ValueError(f"the selection table cannot hold {str(p)!r}: its value depends "
                             f"on more than ego's and alter's {variable}; the table sums "
                             f"{', '.join(SELECTION_EFFECTS)} of {variable} (leave it out "
                             f"with leave_out=[{str(p)!r}], as RSiena does)")
        else:
            found.append((k, terms))
    _check_left_out(leave_out, omitted, variable)
    if not found:
        raise ValueError(f"the fit has no selection effect of {variable!r}; variables with "
                         f"one: {', '.join(sorted(others)) or 'none'}")
    ego, alter = _levels(levels, alter_levels, centring)
    grid = np.concatenate([ego, alter])
    n = len(ego)
    parts = []
    for k, terms in found:  # lbsim's contribution c_ij of the tie, at the grid's values
        c = specification.term_factor(terms[0], len(grid), {variable: grid}, {},
                                      str(fit.names[k]), behaviours=[centring])
        assert c is not None
        parts.append(c[:n, n:])
    return _result(fit, [k for k, _ in found], parts, ego, alter, centring, 0, omitted)


def influence_table(fit: Estimate, data: ClassData | Data, behaviour: str,
                    levels: Sequence[float] | None = None,
                    alter_levels: Sequence[float] | None = None, out_degree: int = 1,
                    leave_out: Sequence[str] = (), group: str | None = None) -> ObjectiveTable:
    """The influence table of ``behaviour`` (RSiena's ``influenceTable``; module
    docstring).

    Parameters
    ----------
    fit : Estimate
        The fitted model (its estimates; fixed parameters at their values).
    data : ClassData or Data
        The data the model was fitted to: the behaviour's mean, range and similarity mean.
    behaviour : str
        A dependent behaviour of ``data`` with effects in ``fit``.
    levels, alter_levels : sequence of float, optional
        Ego's values and the value of every alter (default: the behaviour's scale,
        lo..hi; alter's: ego's).
    out_degree : int
        Ego's number of friends for totAlt and totSim (RSiena's out.ego).
    leave_out : sequence of str
        Effects of the behaviour to leave out of the table; those it cannot hold (indeg,
        outdeg, effFrom, interactions: they depend on more than ego's and alters' values)
        must be, as RSiena leaves them out.
    group : str, optional
        With several classes, the class whose centring the table takes.

    Returns
    -------
    ObjectiveTable
    """
    if isinstance(out_degree, bool) or not isinstance(out_degree, int | np.integer) \
            or out_degree < 1:
        raise ValueError(f"out_degree={out_degree!r}; allowed: an integer >= 1")
    cls = _one_class(data, group)
    if behaviour not in cls.behaviours:
        raise ValueError(f"no behaviour {behaviour!r} in the data; behaviours: "
                         f"{', '.join(cls.behaviours) or 'none'}")
    centring = _centring(cls, behaviour)
    found, omitted = [], []
    params = _parameters(fit, cls)
    for k, p in enumerate(params):
        if p.is_rate or p.behaviour != behaviour:
            continue
        if str(p) in leave_out:
            omitted.append(str(p))
        elif p.effect in INFLUENCE_EFFECTS:
            found.append(k)
        elif p.effect.partition(":")[0] not in fx.RATE_EFFECTS:
            raise ValueError(f"the influence table cannot hold {str(p)!r}: its value depends "
                             f"on more than ego's and alters' {behaviour}; the table sums "
                             f"{', '.join(INFLUENCE_EFFECTS)} (leave it out with "
                             f"leave_out=[{str(p)!r}], as RSiena does)")
    _check_left_out(leave_out, omitted, behaviour)
    if not found:
        raise ValueError(f"the fit has no effect on behaviour {behaviour!r} that an influence "
                         f"table sums ({', '.join(INFLUENCE_EFFECTS)})")
    ego, alter = _levels(levels, alter_levels, centring)
    # ego (actor 0) names out_degree friends, each with alter's value; one row per cell
    e, a = (g.ravel() for g in np.meshgrid(ego, alter, indexing="ij"))
    z = np.column_stack([e] + [a] * out_degree)
    x = np.zeros((1, out_degree + 1, out_degree + 1))
    x[0, 0, 1:] = 1.0
    parts = [bh.actor_statistics(bh.BEHAVIOUR_EFFECTS[params[k].effect].code, x, z,
                                 centring)[:, 0].reshape(len(ego), len(alter)) for k in found]
    return _result(fit, found, parts, ego, alter, centring, int(out_degree), omitted)


def _result(fit, found, parts, ego, alter, centring, out_degree, omitted):
    effects = {Parameter.parse(fit.names[k], (centring.name,)): float(fit.theta[k])
               for k in found}
    return ObjectiveTable(tuple(map(float, ego)), tuple(map(float, alter)), np.array(parts),
                          effects, _covariance(fit, found),
                          Centring(centring.name, float(centring.mean), float(centring.range),
                                   float(centring.sim_mean)), out_degree, tuple(omitted))


def _covariance(fit: Estimate, found: list[int]) -> np.ndarray:
    """The covariance of parameters ``found`` (positions in fit.names): the fit's covariance
    is over the statistics of the estimated parameters; a fixed parameter's is 0 (as
    RSiena's tables take it), one the covariance does not cover NaN."""
    stats = [str(s) for s in fit.stat_names]
    cov = np.atleast_2d(np.asarray(fit.cov, dtype=float))
    covered = cov.shape == (len(stats), len(stats))
    out = np.zeros((len(found), len(found)))
    at: list[int | None] = []
    for a, k in enumerate(found):
        name = str(fit.names[k])
        if fit.fixed[k]:
            at.append(None)
        elif covered and name in stats:
            at.append(stats.index(name))
        else:
            at.append(None)
            out[a, :] = out[:, a] = np.nan
    for a, i in enumerate(at):
        for b, j in enumerate(at):
            if i is not None and j is not None:
                out[a, b] = cov[i, j]
    return out


def _check_left_out(leave_out: Sequence[str], omitted: list[str], variable: str) -> None:
    if isinstance(leave_out, str):
        raise ValueError(f"leave_out={leave_out!r}; allowed: a list of effect names")
    unknown = [k for k in leave_out if k not in omitted]
    if unknown:
        raise ValueError(f"leave_out names {unknown[0]!r}, which is not an effect of "
                         f"{variable!r} in the fit")


def _parameters(fit: Estimate, cls: ClassData) -> tuple[Parameter, ...]:
    """The fit's parameters (names given as text parsed, knowing the behaviours)."""
    if not isinstance(fit, Estimate):
        raise ValueError(f"fit: an Estimate (sim.saom.estimate's result), got "
                         f"{type(fit).__name__}")
    return tuple(Parameter.parse(p, cls.behaviours) for p in fit.names)


def _one_class(data: ClassData | Data, group: str | None) -> ClassData:
    """The class whose centring a table takes (each class is centred by its own values)."""
    classes = as_data(data).classes
    if group is None:
        if len(classes) > 1:
            raise ValueError(f"the data has {len(classes)} classes, each centred by its own "
                             f"mean; name one with group= (lbsim: --group): "
                             f"{', '.join(c.name for c in classes)}")
        return classes[0]
    named = [c for c in classes if c.name == group]
    if not named:
        raise ValueError(f"no class {group!r}; classes: "
                         f"{', '.join(c.name for c in classes)}")
    return named[0]


def _variables(cls: ClassData) -> list[str]:
    return [*cls.covariates, *cls.behaviours]


def _centring(cls: ClassData, name: str) -> bh.Behaviour:
    """The variable's mean, range and similarity mean as the simulator takes them: a
    behaviour's from its waves; a covariate's from its values (held in a Behaviour, which
    :func:`sim.saom.specification.term_factor` reads)."""
    if name in cls.behaviours:
        b = cls.behaviours[name]
        return b if isinstance(b, bh.Behaviour) else bh.behaviour(name, b)
    if name not in cls.covariates:
        raise ValueError(f"no covariate or behaviour {name!r} in the data; allowed: "
                         f"{', '.join(_variables(cls)) or 'none'}")
    v = np.asarray(cls.covariates[name], dtype=float)
    rng = float(v.max() - v.min())
    sim_mean = 0.0
    if rng > 0:  # the simulator's similarity of the first pair, uncentred minus centred
        sim_mean = float(1.0 - abs(v[0] - v[1]) / rng - specification.similarity(v)[0, 1])
    return bh.Behaviour(name, v[:, None], v.min(), v.max(), float(v.mean()), sim_mean)


def _levels(levels, alter_levels, centring: bh.Behaviour) -> tuple[np.ndarray, np.ndarray]:
    if levels is None:
        levels = np.arange(math.floor(centring.lo), math.ceil(centring.hi) + 1)
    out = []
    for what, given in (("levels", levels), ("alter_levels", levels if alter_levels is None
                                              else alter_levels)):
        try:
            a = np.asarray(given, dtype=float).ravel() if np.ndim(given) <= 1 else None
        except (TypeError, ValueError):
            a = None
        if a is None or len(a) == 0 or not np.isfinite(a).all():
            raise ValueError(f"{what}={given!r}; allowed: a non-empty list of numbers, e.g. "
                             f"[{_level(centring.lo)}, {_level(centring.hi)}]")
        out.append(a)
    return out[0], out[1]
