"""Score-type tests of parameters held fixed, with one-step estimates (RSiena's
``fix = TRUE, test = TRUE`` and ``score.Test``): does an effect belong in the model,
without estimating it?

Schweinberger (2012), "Statistical modelling of network panel data: goodness of fit",
British Journal of Mathematical and Statistical Psychology 65; the RSiena manual's section
on score-type tests. From the phase-3 simulations at the estimate
(:class:`sim.saom.results.Phase3`), with the estimated parameters (1) and the tested ones (2):

- z = mean simulated minus observed statistic, D[k, l] = dE[S_k]/dtheta_l (from the
  scores), Sigma the statistics' covariance;
- the deviation of the tested statistics, orthogonalised to the estimated ones:
  o = z2 - D21 D11^-1 z1, with covariance
  V = Sigma22 - D21 D11^-1 Sigma12 - Sigma21 D11^-T D21' + D21 D11^-1 Sigma11 D11^-T D21';
- the test statistic c = o' V^-1 o, chi-squared with as many degrees of freedom as tested
  parameters under the null hypothesis that they equal their fixed values; for one, the
  one-sided normal variate -o / sqrt(V) (positive: the data ask for a larger value);
- one-step estimates theta - D^-1 z of every estimated and tested parameter.

Parameters held fixed but not tested play no part. Each tested parameter is also tested
alone (the others left out of the model, as RSiena does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.saom.names import Parameter
from sim.saom.results import Estimate, UnknownParameter
from sim.suggest import nearest


@dataclass(frozen=True)
class ScoreStatistic:
    """The score-type statistic of the tested statistics of one test (module docstring):
    ``c``, its degrees of freedom ``df``, the orthogonalised deviation ``o`` and its
    covariance ``v``; ``one_sided`` for one degree of freedom (NaN otherwise); NaN
    throughout when D11 or V is singular."""

    c: float
    df: int
    o: np.ndarray
    v: np.ndarray
    one_sided: float


def score_statistic(derivative: np.ndarray, covariance: np.ndarray, deviations: np.ndarray,
                    tested: np.ndarray) -> ScoreStatistic:
    """The score-type statistic (module docstring) of the parameters where ``tested`` is
    True, all others estimated: ``derivative`` D[k, l] = dE[S_k]/dtheta_l, ``covariance``
    of the statistics, ``deviations`` z = mean simulated - observed."""
    tested = np.asarray(tested, dtype=bool)
    rest = ~tested
    d11, d21 = derivative[np.ix_(rest, rest)], derivative[np.ix_(tested, rest)]
    s11, s12 = covariance[np.ix_(rest, rest)], covariance[np.ix_(rest, tested)]
    s22 = covariance[np.ix_(tested, tested)]
    df = int(tested.sum())
    nan = ScoreStatistic(float("nan"), df, np.full(df, np.nan), np.full((df, df), np.nan),
                         float("nan"))
    try:
        r = np.linalg.solve(d11.T, d21.T).T  # D21 D11^-1
    except np.linalg.LinAlgError:
        return nan
    o = deviations[tested] - r @ deviations[rest]
    v = s22 - r @ s12 - s12.T @ r.T + r @ s11 @ r.T
    try:
        c = float(o @ np.linalg.solve(v, o))
    except np.linalg.LinAlgError:
        return nan
    one_sided = float(-o[0] / np.sqrt(v[0, 0])) if df == 1 and v[0, 0] > 0 else float("nan")
    return ScoreStatistic(max(c, 0.0), df, o, v, one_sided)


def chi2_p(c: float, df: int) -> float:
    """The upper tail P(chi2_df > c) (scipy, imported here: importing sim.saom stays
    light); NaN for NaN or no degrees of freedom."""
    from scipy import stats

    return float(stats.chi2.sf(c, df)) if df and np.isfinite(c) else float("nan")


@dataclass(frozen=True, repr=False)
class ScoreTest:
    """Score-type tests of parameters held fixed, and one-step estimates (module docstring).

    Attributes
    ----------
    tested : tuple of Parameter
        The parameters tested, at the values the fit held them.
    values : ndarray
        Those values.
    chi2, df, p : float, int, float
        The joint test: its statistic, degrees of freedom and p-value.
    separate_chi2, separate_p : ndarray
        Each tested parameter alone (1 df): statistic and p-value.
    one_sided : ndarray
        Each tested parameter alone: the one-sided normal variate (positive: the data ask
        for a larger value).
    names : tuple of Parameter
        The parameters of the one-step estimates: the estimated ones and the tested.
    theta, one_step : ndarray
        Their values in the fit and their one-step estimates theta - D^-1 z.
    """

    tested: tuple[Parameter, ...]
    values: np.ndarray
    chi2: float
    df: int
    p: float
    separate_chi2: np.ndarray
    separate_p: np.ndarray
    one_sided: np.ndarray
    names: tuple[Parameter, ...]
    theta: np.ndarray
    one_step: np.ndarray

    def __repr__(self) -> str:
        return (f"<ScoreTest of {', '.join(map(str, self.tested))}: chi2 {self.chi2:.3f}, "
                f"df {self.df}, p {self.p:.4f}; .table() prints it>")

    def table(self) -> str:
        """The tests (joint, then each alone) and the one-step estimates, as RSiena's
        report prints them."""
        rows = ["Score-type test of parameters held fixed (RSiena's generalised score test)",
                f"{'tested parameter':<28}{'held at':>10}{'chi2':>10}{'p':>9}{'one-sided':>11}"]
        for k, name in enumerate(self.tested):
            rows.append(f"{name!s:<28}{self.values[k]:>10.4f}{self.separate_chi2[k]:>10.3f}"
                        f"{p_text(self.separate_p[k]):>9}{self.one_sided[k]:>11.3f}")
        rows.append(f"joint: chi2 = {self.chi2:.3f}, d.f. = {self.df}, p {p_text(self.p, True)}")
        rows.append("one-sided: normal variate, positive if the data ask for a larger value")
        rows += ["", f"{'one-step estimates':<28}{'fit':>10}{'one-step':>10}"]
        for name, v, s in zip(self.names, self.theta, self.one_step, strict=True):
            mark = " (tested)" if name in self.tested else ""
            rows.append(f"{name!s:<28}{v:>10.4f}{s:>10.4f}{mark}")
        return "\n".join(rows)

    def to_frame(self):
        """One row per tested parameter: ``parameter``, ``held_at``, ``chi2``, ``p``,
        ``one_sided``, ``one_step`` (pandas, imported here)."""
        import pandas as pd

        at = [list(map(str, self.names)).index(str(t)) for t in self.tested]
        return pd.DataFrame({"parameter": [str(t) for t in self.tested],
                             "held_at": self.values, "chi2": self.separate_chi2,
                             "p": self.separate_p, "one_sided": self.one_sided,
                             "one_step": self.one_step[at]})


def p_text(p: float, sign: bool = False) -> str:
    """A p-value as RSiena's reports print it: ``< 0.0001`` or four decimals (with
    ``sign``, ``= 0.0134``); ``NA`` for NaN."""
    if not np.isfinite(p):
        return "NA"
    text = "< 0.0001" if p < 1e-4 else f"{p:.4f}"
    return text if not sign or text.startswith("<") else f"= {text}"


def score_test(fit: Estimate, parameters: Sequence[str | Parameter] | None = None
               ) -> ScoreTest:
    """Score-type tests of parameters ``fit`` held fixed (module docstring).

    Parameters
    ----------
    fit : Estimate
        A fit with its phase-3 simulations (:attr:`Estimate.phase3`).
    parameters : sequence of str or Parameter, optional
        The fixed parameters to test; default every fixed parameter.

    Returns
    -------
    ScoreTest
        The joint test, each parameter alone, and the one-step estimates.

    Raises
    ------
    ValueError
        A fit without phase-3 simulations or fixed parameters; a parameter that is not in
        the fit, or is estimated.
    """
    phase3 = fit.phase3
    if phase3 is None:
        raise ValueError("this fit kept no phase-3 simulations (fits saved before lbsim "
                         "kept phase3.npz); estimate it again")
    names = [str(n) for n in phase3.names]
    fixed = [str(n) for n, f in zip(fit.names, fit.fixed, strict=True) if f and str(n) in names]
    if not fixed:
        raise ValueError("the fit holds no parameter fixed: fix the effects to test "
                         "(Model(fixed=[...]) or lbsim estimate --fix NAME[=VALUE])")
    wanted = fixed if parameters is None else [str(p) for p in parameters]
    if isinstance(parameters, str) or not wanted:
        raise ValueError(f"parameters: a list of fixed parameters, got {parameters!r}; "
                         f"allowed: {', '.join(fixed)}")
    for name in wanted:
        if name not in fixed:
            what = ("is estimated: a score-type test is for parameters held fixed (a Wald "
                    "test tests an estimated one)") if name in names else "is not in the fit"
            near = nearest(name, fixed)
            raise UnknownParameter(f"parameter {name!r} {what}; fixed parameters: "
                                   f"{', '.join(fixed)}"
                                   + (f" (did you mean {near!r}?)" if near else ""))
    if len(set(wanted)) < len(wanted):
        twice = next(n for n in wanted if wanted.count(n) > 1)
        raise ValueError(f"parameter {twice!r} named twice; name each parameter once")
    estimated = np.array([n not in fixed for n in names])
    tested = np.array([n in wanted for n in names])
    use = estimated | tested
    d, sigma, z = phase3.derivative, phase3.covariance, phase3.deviations
    joint = score_statistic(d[np.ix_(use, use)], sigma[np.ix_(use, use)], z[use],
                            tested[use])
    alone = []
    for name in wanted:
        one = estimated | (np.array(names) == name)
        alone.append(score_statistic(d[np.ix_(one, one)], sigma[np.ix_(one, one)], z[one],
                                     (np.array(names) == name)[one]))
    theta_of = dict(zip(map(str, fit.names), fit.theta, strict=True))
    theta = np.array([theta_of[n] for n in np.array(names)[use]])
    try:
        step = -np.linalg.solve(d[np.ix_(use, use)], z[use])
    except np.linalg.LinAlgError:
        step = np.full(int(use.sum()), np.nan)
    by_name = {str(p): p for p in phase3.names}
    return ScoreTest(tuple(by_name[n] for n in wanted),
                     np.array([theta_of[n] for n in wanted]), joint.c, joint.df,
                     chi2_p(joint.c, joint.df), np.array([a.c for a in alone]),
                     np.array([chi2_p(a.c, 1) for a in alone]),
                     np.array([a.one_sided for a in alone]),
                     tuple(p for p, u in zip(phase3.names, use, strict=True) if u), theta,
                     theta + step)
