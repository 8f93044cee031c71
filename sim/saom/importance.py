"""Relative importance of effects in a fitted SAOM, as RSiena's ``sienaRI`` (Indlekofer and
Brandes 2013, "Relative importance of effects in stochastic actor-oriented models",
Network Science 1(3)).

At each observed wave m, actor i's ministep chooses among its options o (toggle the tie
i -> j or change nothing; for a behaviour: down, stay, up) with probabilities
p_i(o; theta) ∝ exp(sum_k theta_k C_ik(o)), where C_ik(o) is what effect k adds to i's
objective function: the kernel's change statistics
(:func:`sim.saom.effect_statistics.option_contributions`,
:func:`sim.saom.behaviour.move_contributions`), so the probabilities are those lbsim
simulates. Options i cannot take have probability 0: structural zeros and ties fixed at
wave m, new ties beyond ``max_outdegree``, moves out of a behaviour's range. The
importance of effect k for actor i is the L1 distance

    I_ik = sum_o |p_i(o; theta) - p_i(o; theta with theta_k = 0)|,

its relative importance RI_ik = I_ik / sum_l I_il, and the expected relative importance of
k at wave m the mean of RI_ik over the actors (RSiena's ``expectedRI``; ``expectedI`` the
mean of I_ik). An actor with fewer than two options has none (NaN, left out of the means).
The degree of certainty of i's choice is R_H = 1 - H(p_i) / log(#options), H the entropy
(1: the choice is certain, 0: all options equally likely).

At wave m > 1, as in RSiena (whose sienaRI reads the states of its target statistics),
the variable is at wave m and the other dependent variables at wave m - 1. RSiena 1.5.0
computes a behaviour's contributions at wave m > 1 from the whole state of wave m - 1
(only the range check reads wave m); lbsim uses the behaviour's values of wave m.
Endowment and creation effects, which RSiena's sienaRI refuses, count as the ministep
counts them: for the options that drop, or create, a tie. A time dummy (``recip x period
2``) is added to its effect's parameter at the wave that ends its period, as the period
is simulated; it has no row of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sim.saom import observed
from sim.saom.behaviour import move_contributions
from sim.saom.data import ClassData, Data
from sim.saom.effect_statistics import option_contributions
from sim.saom.model import Model
from sim.saom.names import Parameter
from sim.saom.periods import Period
from sim.saom.results import Estimate

NETWORK = "network"
"""The name of the network among the dependent variables."""


def distances(contributions: np.ndarray, theta: np.ndarray,
              options: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(I, R_H, p) for contributions C (n, K, O), parameters theta (K,) and the options
    each actor can take (n, O) bool: the L1 distances I (n, K) between the choice
    probabilities p (n, O) and those with each theta_k set to 0, and the degrees of
    certainty R_H (n,); NaN for an actor with fewer than two options."""
    theta = np.asarray(theta, dtype=float)
    score = np.einsum("k,iko->io", theta, contributions)
    dropped = score[:, None, :] - theta[None, :, None] * contributions  # (n, K, O)

    def softmax(s):
        s = np.where(options[..., None, :] if s.ndim == 3 else options, s, -np.inf)
        w = np.exp(s - s.max(-1, keepdims=True))
        return w / w.sum(-1, keepdims=True)

    p = softmax(score)
    importance = np.abs(p[:, None, :] - softmax(dropped)).sum(-1)
    count = options.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
        certainty = 1.0 + plogp.sum(1) / np.log(count)
    few = count < 2
    importance[few] = np.nan
    certainty[few] = np.nan
    return importance, certainty, p


@dataclass(frozen=True, repr=False)
class RelativeImportance:
    """The relative importance of the effects of one dependent variable (module
    docstring), at each observed wave.

    Attributes
    ----------
    variable : str
        ``"network"`` or the behaviour's name.
    effects : tuple of Parameter
        The variable's effects (columns of the arrays).
    waves : tuple of str
        The observation moments: the waves ``"1"``, ``"2"``, ... or ``"<class> 1"``, ...
        for several classes.
    relative : tuple of ndarray
        Per wave, (n, K): each actor's relative importance of each effect (rows sum to 1;
        NaN for an actor without a choice).
    absolute : tuple of ndarray
        Per wave, (n, K): each actor's L1 distances I_ik.
    certainty : tuple of ndarray
        Per wave, (n,): each actor's degree of certainty R_H.
    probabilities : tuple of ndarray
        Per wave, (n, O): each actor's choice probabilities (options: alters, index i
        "no change"; for a behaviour down, stay, up).
    sigma : tuple of ndarray
        Per wave, (n, K): the standard deviation of each effect's contributions over the
        actor's options (:func:`spread`).
    """

    variable: str
    effects: tuple[Parameter, ...]
    waves: tuple[str, ...]
    relative: tuple[np.ndarray, ...]
    absolute: tuple[np.ndarray, ...]
    certainty: tuple[np.ndarray, ...]
    probabilities: tuple[np.ndarray, ...]
    sigma: tuple[np.ndarray, ...]

    @property
    def expected(self) -> np.ndarray:
        """(W, K): the expected relative importance, the mean over the actors at each
        wave (RSiena's ``expectedRI``)."""
        return np.array([_mean(r) for r in self.relative]).reshape(len(self.waves), -1)

    @property
    def expected_absolute(self) -> np.ndarray:
        """(W, K): the mean L1 distance over the actors (RSiena's ``expectedI``)."""
        return np.array([_mean(a) for a in self.absolute]).reshape(len(self.waves), -1)

    @property
    def mean_certainty(self) -> np.ndarray:
        """(W,): the mean degree of certainty R_H over the actors."""
        return np.array([_mean(c[:, None])[0] for c in self.certainty])

    @property
    def _subject(self) -> str:
        return "the network" if self.variable == NETWORK else f"behaviour {self.variable}"

    @property
    def mean_sigma(self) -> np.ndarray:
        """(W, K): the root mean square over the actors of :attr:`sigma` (an actor without
        a choice counting 0), RSiena's ``sigmas``: how much an effect's contributions vary
        among an actor's options, in the units of its statistic."""
        return np.array([np.sqrt(np.nansum(sd ** 2, 0) / len(sd)) for sd in self.sigma]
                        ).reshape(len(self.waves), -1)

    def table(self) -> str:
        """The expected relative importance per effect and wave, the expected importance
        (mean L1 distance), the mean degree of certainty and the within-ego standard
        deviations of the change statistics (RSiena's sigma)."""
        width = max(12, *(len(w) + 7 for w in self.waves))  # "wave " + label, 2 apart
        heads = "".join(f"{'wave ' + w:>{width}}" for w in self.waves)

        def cells(values) -> str:
            return "".join(f"{v:>{width}.4f}" for v in values)

        rows = [f"Expected relative importance of effects for {self._subject}, at each "
                f"wave's observed state:", f"{'effect':<28}{heads}"]
        rows += [f"{str(k):<28}" + cells(self.expected[:, e])
                 for e, k in enumerate(self.effects)]
        rows += ["", "Expected importance (mean L1 distance of the choice probabilities):",
                 f"{'effect':<28}{heads}"]
        rows += [f"{str(k):<28}" + cells(self.expected_absolute[:, e])
                 for e, k in enumerate(self.effects)]
        rows += ["", f"{'R_H (degree of certainty)':<28}"
                 + cells(self.mean_certainty)]
        rows += ["", "sigma (within-ego standard deviation of the change statistics, not "
                 "times the parameter; root mean square over actors):", f"{'effect':<28}{heads}"]
        rows += [f"{str(k):<28}" + cells(self.mean_sigma[:, e])
                 for e, k in enumerate(self.effects)]
        return "\n".join(rows)

    def to_frame(self, actors: bool = False):
        """One row per wave and effect: ``variable``, ``wave``, ``effect``, ``expected``
        (relative importance), ``importance`` (mean L1 distance); with ``actors``, one row
        per wave, actor and effect: ``actor``, ``relative``, ``importance``, ``certainty``
        (pandas, imported here)."""
        import pandas as pd

        rows: list[tuple] = []
        for w, wave in enumerate(self.waves):
            if not actors:
                rows += [(self.variable, wave, str(k), self.expected[w, e],
                          self.expected_absolute[w, e]) for e, k in enumerate(self.effects)]
                continue
            for i in range(len(self.certainty[w])):
                rows += [(self.variable, wave, i, str(k), self.relative[w][i, e],
                          self.absolute[w][i, e], self.certainty[w][i])
                         for e, k in enumerate(self.effects)]
        columns = ["variable", "wave", "effect", "expected", "importance"] if not actors else \
            ["variable", "wave", "actor", "effect", "relative", "importance", "certainty"]
        return pd.DataFrame(rows, columns=columns)

    def plot(self, path=None, actors: bool = True):
        """Bars of the expected relative importance of each effect at each wave; with
        ``actors``, below them one panel per wave of each actor's relative importances
        stacked (RSiena's ``plot.sienaRI``). Matplotlib, imported here; saved to ``path``
        if given. Returns the figure."""
        import matplotlib.pyplot as plt

        k_count, w_count = len(self.effects), len(self.waves)
        colours = plt.get_cmap("tab10" if k_count <= 10 else "tab20")(np.arange(k_count))
        rows = 1 + (w_count if actors else 0)
        width = max(7.0, 0.16 * max(len(r) for r in self.relative) + 2) if actors else 7.0
        fig, axes = plt.subplots(rows, 1, figsize=(width, 3.2 + 2.4 * (rows - 1)),
                                 squeeze=False)
        ax = axes[0, 0]
        step = 0.8 / w_count
        for w, wave in enumerate(self.waves):
            ax.bar(np.arange(k_count) + (w - (w_count - 1) / 2) * step, self.expected[w],
                   step, label=f"wave {wave}", color=plt.get_cmap("Greys")(0.35 + 0.5 * w
                                                                          / max(w_count, 2)),
                   edgecolor="black", lw=0.5)
        ax.set_xticks(range(k_count), [str(k) for k in self.effects])
        ax.set_ylabel("expected relative importance")
        ax.set_ylim(0, 1)
        ax.set_title(f"Relative importance of the effects for {self._subject} (mean over "
                     f"actors)")
        ax.legend(frameon=False)
        for w, wave in enumerate(self.waves if actors else ()):
            ax = axes[1 + w, 0]
            ri = np.nan_to_num(self.relative[w])
            n = len(ri)
            bottom = np.zeros(n + 1)
            for e, k in enumerate(self.effects):
                values = np.append(ri[:, e], self.expected[w, e])
                ax.bar(np.append(np.arange(n), n + 1), values, 0.85, bottom=bottom,
                       color=colours[e], label=str(k), edgecolor="white", lw=0.3)
                bottom += values
            ax.set_xticks(np.append(np.arange(0, n, 5), n + 1),
                          [*map(str, np.arange(1, n + 1, 5)), "mean"])
            ax.set_xlim(-1, n + 2)
            ax.set_ylim(0, 1)
            ax.set_ylabel(f"wave {wave}")
            if w == 0:
                ax.set_title("each actor's relative importances (actors without a choice "
                             "empty)")
                ax.legend(ncol=min(k_count, 5), frameon=False, loc="lower center",
                          bbox_to_anchor=(0.5, 1.12), fontsize=8)
            if w == w_count - 1:
                ax.set_xlabel("actor")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, bbox_inches="tight")
            plt.close(fig)
        return fig


def _mean(a: np.ndarray) -> np.ndarray:
    """The mean of each column over the rows that are not NaN (NaN if none)."""
    seen = ~np.isnan(a)
    with np.errstate(invalid="ignore"):
        return np.where(seen, a, 0.0).sum(0) / seen.sum(0)


def relative_importance(fit: Estimate, data: ClassData | Data, *, variable: str = NETWORK,
                        wave: int | str | None = None,
                        max_outdegree: int | None = None) -> RelativeImportance:
    """The relative importance of the effects of a fit (RSiena's ``sienaRI(data, ans)``;
    module docstring).

    Parameters
    ----------
    fit : Estimate
        The fit (:func:`sim.saom.estimate`); its effects' estimates are used.
    data : ClassData or Data
        The data it was fitted to.
    variable : str
        ``"network"`` or the name of a behaviour of the fit.
    wave : int or str, optional
        Only this observed wave: its position (1, 2, ...; classes one after the other) or
        label (``"school01 2"``); default all.
    max_outdegree : int, optional
        The fit's ``max_outdegree`` (RSiena's MaxDegree): an actor naming that many
        cannot add a tie.

    Returns
    -------
    RelativeImportance

    Raises
    ------
    ValueError
        A fit and data that do not match, an unknown variable or wave.
    """
    if not isinstance(fit, Estimate) or not isinstance(data, ClassData | Data):
        raise ValueError(f"relative_importance(fit, data): an Estimate and the ClassData or "
                         f"Data it was fitted to, got {type(fit).__name__} and "
                         f"{type(data).__name__}")
    classes = data.classes if isinstance(data, Data) else (data,)
    if any(c.composition is not None for c in classes):
        raise ValueError("relative_importance does not handle composition change (actors "
                         "joining or leaving); give data without it")
    theta = fit.as_dict()
    behaviours = sorted({p.behaviour for p in theta if p.behaviour})
    given = sorted(classes[0].behaviours)
    if behaviours != given:
        raise ValueError(f"the fit's behaviours ({', '.join(behaviours) or 'none'}) are not "
                         f"the data's ({', '.join(given) or 'none'}); give the data it was "
                         f"fitted to")
    if variable not in (NETWORK, *behaviours):
        raise ValueError(f"variable {variable!r}; allowed: {', '.join([NETWORK, *behaviours])}")
    effects = {str(p): v for p, v in theta.items() if not p.is_rate and not p.behaviour}
    model = Model(effects, max_outdegree=max_outdegree, behaviour_effects={
        b: {p.effect: v for p, v in theta.items() if p.behaviour == b and not p.is_rate}
        for b in behaviours})
    if isinstance(data, ClassData):
        periods, ends, _, rates = observed.class_periods(data, model)
    else:
        periods, ends, _, rates = observed.classes_periods(data, model)
    fitted = [p for p in theta if p.is_rate and not p.behaviour]
    if [str(r) for r in rates] != [str(r) for r in fitted]:
        raise ValueError(f"the fit's periods ({', '.join(map(str, fitted))}) are not the "
                         f"data's ({', '.join(map(str, rates))}); give the data it was "
                         f"fitted to")
    dummies = {p: v for p, v in theta.items() if p.is_dummy}
    periods = [_with_dummies(per, m, dummies) for m, per in enumerate(periods)]
    states = _observations(periods, ends, rates, classes, variable)
    chosen = _waves(wave, [label for label, _, _ in states])
    out = [_at_wave(x, spec, variable) for _, x, spec in (states[m] for m in chosen)]
    return RelativeImportance(variable, tuple(Parameter.parse(k, behaviours) for k in out[0][0]),
                              tuple(states[m][0] for m in chosen), *_fields(out))


def _with_dummies(per: Period, m: int, dummies: dict) -> Period:
    """Period ``m`` (from 0) with its time dummies (``recip x period 2``) added to their
    effects' parameters, as estimation simulates it."""
    mine = {d.effect: v for d, v in dummies.items() if d.period == m + 1}
    if not mine:
        return per
    program = per.spec.program
    beta = np.array(program.beta, dtype=float)
    for k, term in enumerate(program.terms):
        beta[k] += mine.get(term, 0.0)
    return replace(per, spec=replace(per.spec, program=replace(program, beta=beta)))


def _observations(periods: list, ends: list, rates: list[Parameter],
                  classes: Sequence[ClassData], variable: str) -> list[tuple]:
    """(label, network, specification) of ``variable`` at every observed wave of every
    class. At wave m > 1, as RSiena's sienaRI (the target statistics' convention), the
    variable is at wave m and the other dependent variables at wave m - 1: the network's
    choices read behaviours of wave m - 1, a behaviour's choices the network of wave
    m - 1. The network at wave m has the structural codes of wave m."""
    out = []
    for m, (per, rate) in enumerate(zip(periods, rates, strict=True)):
        group = rate.group
        if m == 0 or rates[m - 1].group != group:
            out.append((" ".join(filter(None, (group, str(rate.period)))), per.x0, per.spec))
        last = m + 1 == len(rates) or rates[m + 1].group != group
        spec = per.spec
        if variable == NETWORK:
            if last:
                c = next(c for c in classes if c.name == group) if group else classes[0]
                allowed = 1 - np.eye(spec.n, dtype=np.int8)
                if c.structural_zeros is not None:
                    allowed[np.asarray(c.structural_zeros).astype(bool)] = 0
                allowed[np.isin(np.asarray(c.waves[-1]), (observed.STRUCTURAL_ZERO,
                                                         observed.STRUCTURAL_ONE))] = 0
            else:
                allowed = periods[m + 1].spec.allowed
            x, spec = ends[m], replace(spec, allowed=allowed)
        else:
            actor = spec.data.actor.copy()
            for b, var in enumerate(spec.behaviours):
                if var.name == variable:
                    actor[spec.beh.row[b]] = var.waves[:, per.wave + 1]
            x, spec = per.x0, replace(spec, data=replace(spec.data, actor=actor))
        out.append((" ".join(filter(None, (group, str(rate.period + 1)))), x, spec))
    return out


def _fields(out: list) -> tuple:
    """(relative, absolute, certainty, probabilities, sigma), each a tuple over the waves."""
    relative, absolute, certainty, probabilities, sigma = [], [], [], [], []
    for _, importance, r_h, p, sd in out:
        with np.errstate(invalid="ignore", divide="ignore"):
            relative.append(importance / importance.sum(1, keepdims=True))
        absolute.append(importance)
        certainty.append(r_h)
        probabilities.append(p)
        sigma.append(sd)
    return (tuple(relative), tuple(absolute), tuple(certainty), tuple(probabilities),
            tuple(sigma))


def spread(contributions: np.ndarray, options: np.ndarray) -> np.ndarray:
    """(n, K): the standard deviation of each effect's contributions over the options
    each actor can take ("no change" counts, with contribution 0); NaN for fewer than
    two options (RSiena's within-ego sigma)."""
    count = options.sum(1)[:, None]
    values = np.where(options[:, None, :], contributions, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = values.sum(-1) / count
        square = (np.where(options[:, None, :], contributions - mean[..., None], 0.0) ** 2
                  ).sum(-1)
        return np.where(count >= 2, np.sqrt(square / (count - 1)), np.nan)


def _waves(wave: int | str | None, labels: Sequence[str]) -> Sequence[int]:
    """The positions of ``wave`` among the observation moments ``labels`` (all for None)."""
    if wave is None:
        return range(len(labels))
    if isinstance(wave, str) and wave in labels:
        return [list(labels).index(wave)]
    if isinstance(wave, int | np.integer) and not isinstance(wave, bool) \
            and 1 <= wave <= len(labels):
        return [int(wave) - 1]
    raise ValueError(f"wave {wave!r}; allowed: 1 to {len(labels)} (the observed waves"
                     + (f": {', '.join(labels)}" if any(" " in k for k in labels) else "")
                     + ") or None for all")


def _at_wave(x: np.ndarray, spec, variable: str) -> tuple:
    """(effect names, I, R_H, p) of ``variable`` at network ``x`` under ``spec``."""
    if variable == NETWORK:
        options = spec.allowed.astype(bool) & ((x == 1) | (x.sum(1) < spec.max_outdegree)
                                               [:, None])
        np.fill_diagonal(options, True)
        contributions = option_contributions(x, spec)
        return (tuple(spec.program.terms), *distances(contributions, spec.program.beta,
                                                        options),
                spread(contributions, options))
    b = [v.name for v in spec.behaviours].index(variable)
    lo, hi = spec.beh.eff_start[b], spec.beh.eff_start[b + 1]
    z = spec.data.actor[spec.beh.row[b]]
    options = np.stack([z > spec.beh.lo[b], np.ones_like(z, dtype=bool), z < spec.beh.hi[b]],
                       axis=1)
    contributions = move_contributions(b, x, spec.beh, spec.data.arrays())
    return (spec.beh_labels[lo:hi], *distances(contributions, spec.beh.beta[lo:hi], options),
            spread(contributions, options))
