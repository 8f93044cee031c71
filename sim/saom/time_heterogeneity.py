"""The score-type test of time heterogeneity of a fitted SAOM: RSiena's ``sienaTimeTest``
(Lospinoso, Schweinberger, Snijders and Ripley 2011, "Assessing and accounting for time
heterogeneity in stochastic actor oriented models", Advances in Data Analysis and
Classification 5:147-176).

Each estimated effect k gets a dummy parameter for every period m after the first, added
to beta_k in period m; its statistic is effect k's statistic of period m, its score
effect k's score of period m. At the estimate (all dummies 0) the score-type test
(Schweinberger 2012) of the dummies uses the phase-3 simulations only
(:class:`sim.saom.results.Phase3`): the deviations z = mean simulated - observed
statistics of the effects and dummies, their covariance Sigma over the runs and the
derivative D = sum over periods of the within-period covariance of statistics and
scores. With z1, z2 the deviations of the estimated effects (the null hypothesis) and of
the tested dummies, the orthogonalised deviation ov = z2 - D21 D11^-1 z1 has covariance
V = Sigma22 - D21 D11^-1 Sigma12 - (Sigma21 - D21 D11^-1 Sigma11) D11^-T D21' and
c = ov' V^-1 ov is chi-squared with one degree of freedom per tested dummy; for a
single dummy, -ov / sqrt(V) is a standard normal variate whose sign is that of the
dummy. The one-step estimates of effects and dummies are theta - D^-1 z.

Reported as RSiena reports them: the joint test of all dummies; per effect, the test of
its dummies; per period, the test of its dummies (period 1, the reference, by the test
of each effect's dummies summed); per dummy, its one-step estimate and its test against
the estimated effects alone. Rates are not tested (as in RSiena); dummies the fit
estimates already (``recip x period 2``, RSiena's ``includeTimeDummy``) stay in the null
hypothesis with the effects and are not tested again. Departures from
RSiena: fixed effects take no part (RSiena keeps them in the null hypothesis as though
estimated); with ``effects``, only those effects' dummies are tested but every estimated
effect stays in the null hypothesis (RSiena leaves the others out). As in RSiena, the
dummies of an effect whose period statistics are collinear with the others' are left
out (``excluded``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.saom.names import Parameter
from sim.saom.results import Estimate, UnknownParameter, period_derivative
from sim.saom.score_type import chi2_p, p_text, score_statistic

RANK_TOLERANCE = 1e-7
"""Singular values of the correlation matrix of the statistics below this fraction of the
largest count as linear dependencies (RSiena tests ``qr(sigma)$rank``, tolerance 1e-7)."""


def _restricted(derivative, covariance, deviations, null: np.ndarray,
                rows: np.ndarray) -> float:
    """The test of the combinations ``rows`` (A, shape (tests, P)) of the parameters
    outside ``null`` against the parameters ``null`` alone (RSiena's
    transformed.scoreTest): the chi-squared of (A1; A) D (A1; A)' and so on, A1 selecting
    ``null``."""
    a = np.vstack([np.eye(len(null))[null], rows])
    tested = np.arange(len(a)) >= null.sum()
    return score_statistic(a @ derivative @ a.T, a @ covariance @ a.T, a @ deviations,
                           tested).c


@dataclass(frozen=True)
class ChiSquared:
    """The chi-squared tests of a :class:`TimeTest`.

    Attributes
    ----------
    joint : float
        The joint test of every dummy (df = number of dummies).
    effect_chi2, effect_df : ndarray, shape (K,)
        Each effect's test of its dummies (NaN and 0 where none is tested).
    period_chi2, period_df : ndarray, shape (M,)
        Each period's test of its dummies; period 1 tests each effect's dummies summed.
    excluded : tuple of str
        Effects whose dummies were left out, with the reason.
    """

    joint: float
    effect_chi2: np.ndarray
    effect_df: np.ndarray
    period_chi2: np.ndarray
    period_df: np.ndarray
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class TimeTest:
    """A time heterogeneity test (module docstring).

    Attributes
    ----------
    effects : tuple of Parameter
        The estimated effects (the null hypothesis), in the fit's order.
    periods : tuple of str
        The periods' labels; the first is the reference.
    dummies : tuple of (int, int)
        Each tested dummy's effect (index into ``effects``) and period (index into
        ``periods``, >= 1).
    theta, se : ndarray, shape (K,)
        The effects' estimates and standard errors.
    one_step : ndarray, shape (K + dummies,)
        One-step estimates of the effects, then of the dummies.
    dummy_z : ndarray
        Each dummy's normal variate (its test against the effects alone).
    tests : ChiSquared
        The joint, effect-wise and period-wise tests (also the properties
        ``joint_chi2``, ``effect_chi2``, ... here) and the effects left out.
    """

    effects: tuple[Parameter, ...]
    periods: tuple[str, ...]
    dummies: tuple[tuple[int, int], ...]
    theta: np.ndarray
    se: np.ndarray
    one_step: np.ndarray
    dummy_z: np.ndarray
    tests: ChiSquared

    @property
    def joint_chi2(self) -> float:
        """The joint test's statistic."""
        return self.tests.joint

    @property
    def effect_chi2(self) -> np.ndarray:
        """Each effect's test statistic (NaN where none of its dummies is tested)."""
        return self.tests.effect_chi2

    @property
    def effect_df(self) -> np.ndarray:
        """Each effect's tested dummies."""
        return self.tests.effect_df

    @property
    def period_chi2(self) -> np.ndarray:
        """Each period's test statistic."""
        return self.tests.period_chi2

    @property
    def period_df(self) -> np.ndarray:
        """Each period's degrees of freedom."""
        return self.tests.period_df

    @property
    def excluded(self) -> tuple[str, ...]:
        """Effects whose dummies were left out, with the reason."""
        return self.tests.excluded

    @property
    def df(self) -> int:
        """Degrees of freedom of the joint test: the number of dummies."""
        return len(self.dummies)

    @property
    def joint_p(self) -> float:
        """p-value of the joint test."""
        return chi2_p(self.joint_chi2, self.df)

    @property
    def effect_p(self) -> np.ndarray:
        """p-values of the effect-wise tests (NaN where none)."""
        return np.array([chi2_p(c, d) for c, d in zip(self.effect_chi2, self.effect_df,
                                                         strict=True)])

    @property
    def period_p(self) -> np.ndarray:
        """p-values of the period-wise tests (NaN where none)."""
        return np.array([chi2_p(c, d) for c, d in zip(self.period_chi2, self.period_df,
                                                         strict=True)])

    @property
    def dummy_names(self) -> tuple[str, ...]:
        """The dummies' names, ``<effect> x period <label>``."""
        return tuple(f"{self.effects[k]} x period {self.periods[m]}" for k, m in self.dummies)

    @property
    def dummy_p(self) -> np.ndarray:
        """Two-sided p-values of the dummies' normal variates."""
        return _normal_p(self.dummy_z)

    @property
    def dummy_se(self) -> np.ndarray:
        """Standard errors of the dummies' one-step estimates implied by their tests,
        |one-step / z| (as RSiena's plot takes them)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.abs(self.one_step[len(self.effects):] / self.dummy_z)

    def __repr__(self) -> str:
        return (f"<TimeTest: joint chi2 {self.joint_chi2:.2f}, df {self.df}, p "
                f"{self.joint_p:.4f}; .table() prints it>")

    def table(self) -> str:
        """The report, as RSiena's summary of a sienaTimeTest."""
        rows = ["Time heterogeneity: score-type test of period dummies (Lospinoso et al. "
                "2011)", f"joint test: chi-squared = {self.joint_chi2:.2f}, d.f. = "
                f"{self.df}, p {p_text(self.joint_p, True)}",
                "H0: the following dummies are zero:"]
        rows += [f"  ({i + 1}) {n}" for i, n in enumerate(self.dummy_names)]
        if self.excluded:
            rows += ["", "not tested: " + "; ".join(self.excluded)]
        rows += ["", "each effect across its dummies:",
                 f"{'effect':<32}{'chi2':>9}{'df':>5}{'p':>10}"]
        for e, c, d, p in zip(self.effects, self.effect_chi2, self.effect_df, self.effect_p,
                              strict=True):
            if d:
                rows.append(f"{e!s:<32}{c:>9.2f}{d:>5d}{p_text(p):>10}")
        rows += ["", "each period across its dummies (period 1: each effect's dummies "
                 "summed):", f"{'period':<32}{'chi2':>9}{'df':>5}{'p':>10}"]
        for lab, c, d, p in zip(self.periods, self.period_chi2, self.period_df,
                                self.period_p, strict=True):
            if d:
                rows.append(f"{lab:<32}{c:>9.2f}{d:>5d}{p_text(p):>10}")
        rows += ["", "individual tests and one-step estimates:",
                 f"{'parameter':<32}{'initial':>9}{'one-step':>10}{'SE':>8}{'p':>10}"]
        frame = self.to_frame()
        for r in frame.itertuples(index=False):
            rows.append(f"{r.parameter:<32}{r.initial:>9.4f}{r.one_step:>10.4f}{r.se:>8.4f}"
                        f"{p_text(r.p):>10}")
        return "\n".join(rows)

    def to_frame(self):
        """One row per effect, then per dummy: ``parameter``, ``effect``, ``period``,
        ``initial`` (the estimate; 0 for a dummy), ``one_step``, ``se`` (of the estimate;
        of a dummy :attr:`dummy_se`), ``z``, ``p`` (the estimate's t-test; the
        dummy's test)."""
        import pandas as pd

        k = len(self.effects)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_eff = self.theta / self.se
        rows = [(str(e), str(e), self.periods[0], float(self.theta[i]),
                 float(self.one_step[i]), float(self.se[i]), float(z_eff[i]))
                for i, e in enumerate(self.effects)]
        rows += [(n, str(self.effects[e]), self.periods[m], 0.0, float(self.one_step[k + d]),
                  float(self.dummy_se[d]), float(self.dummy_z[d]))
                 for d, (n, (e, m)) in enumerate(zip(self.dummy_names, self.dummies,
                                                     strict=True))]
        frame = pd.DataFrame(rows, columns=["parameter", "effect", "period", "initial",
                                            "one_step", "se", "z"])
        frame["p"] = _normal_p(frame["z"].to_numpy())
        return frame

    def plot(self, path=None):
        """Each tested effect's one-step estimate by period (period m: the effect's plus
        its dummy's) with +- 2 standard errors, the estimate as a dashed line (RSiena's
        plot.sienaTimeTest); saved to ``path`` if given. Returns the figure."""
        import matplotlib

        if path is not None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        dummied = {p.effect for p in self.effects if p.is_dummy}
        tested = [i for i, p in enumerate(self.effects)
                  if self.effect_df[i] or (not p.is_dummy and str(p) in dummied)]
        cols = min(3, max(1, len(tested)))
        rows = -(-max(1, len(tested)) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
        k = len(self.effects)
        for ax, i in zip(axes.flat, tested, strict=False):
            x, y, se = [1], [self.one_step[i]], [self.se[i]]
            for d, (e, m) in enumerate(self.dummies):
                if e == i:
                    x.append(m + 1)
                    y.append(self.one_step[i] + self.one_step[k + d])
                    se.append(self.dummy_se[d])
            for j, p in enumerate(self.effects):  # dummies fitted: the effect plus its dummy
                if p.is_dummy and p.effect == str(self.effects[i]):
                    x.append(p.period)
                    y.append(self.one_step[i] + self.one_step[j])
                    se.append(self.se[j])
            ax.errorbar(x, y, yerr=2 * np.asarray(se), fmt="o", color="tab:blue", capsize=4)
            ax.axhline(self.theta[i], color="grey", linestyle="--", linewidth=1)
            ax.set_xticks(range(1, len(self.periods) + 1), self.periods)
            test = f"chi2 = {self.effect_chi2[i]:.2f}" if self.effect_df[i] else "dummies fitted"
            ax.set_title(f"{self.effects[i]} ({test})", fontsize=10)
            ax.set_xlabel("period")
        for ax in list(axes.flat)[len(tested):]:
            ax.set_visible(False)
        axes[0, 0].set_ylabel("parameter (one-step, +- 2 SE)")
        fig.suptitle(f"Time heterogeneity: joint chi2 = {self.joint_chi2:.2f}, df = "
                     f"{self.df}, p {p_text(self.joint_p, True)}")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=120)
            plt.close(fig)
        return fig


def _normal_p(z) -> np.ndarray:
    from scipy.stats import norm

    return 2 * norm.sf(np.abs(np.asarray(z, dtype=float)))


def _moments(fit: Estimate, cols: list[int], dummies: list[tuple[int, int]]):
    """Deviations (runs, M, K + dummies) and scores of the effects in ``cols`` and of the
    ``dummies`` (effect k in period m only; fitted ones first)."""
    p3 = fit.phase3
    assert p3 is not None, "time_test checks the fit has its phase-3 simulations"
    dev = p3.period_statistics[:, :, cols] - p3.period_targets[:, cols]
    sc = p3.period_scores[:, :, cols]
    runs, m_count, k = dev.shape
    g = np.zeros((runs, m_count, k + len(dummies)))
    u = np.zeros_like(g)
    g[:, :, :k], u[:, :, :k] = dev, sc
    for d, (e, m) in enumerate(dummies):
        g[:, m, k + d], u[:, m, k + d] = dev[:, m, e], sc[:, m, e]
    return g, u


def _deficient(cov: np.ndarray) -> bool:
    """Whether the statistics of covariance ``cov`` are linearly dependent."""
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    if np.any(sd <= 0):
        return True
    s = np.linalg.svd(cov / np.outer(sd, sd), compute_uv=False)
    return bool(s[-1] < RANK_TOLERANCE * s[0])


def _which(fit: Estimate, base: list[Parameter], effects) -> list[int]:
    """The indices in ``base`` of the requested ``effects`` (all when None)."""
    if effects is None:
        return list(range(len(base)))
    if isinstance(effects, str | Parameter):
        effects = [effects]
    names = [str(b) for b in base]
    out = []
    for e in effects:
        if str(e) not in names:
            if str(e) in fit and Parameter.parse(str(e)).is_rate:
                raise ValueError(f"effects: {e!r} is a rate; time tests are for effects, "
                                 f"allowed: {', '.join(names)}")
            raise UnknownParameter(f"effects: {str(e)!r} is not an estimated effect of the "
                                   f"fit; allowed: {', '.join(names)}")
        out.append(names.index(str(e)))
    return sorted(set(out))


def time_test(fit: Estimate, effects: Sequence[str] | None = None) -> TimeTest:
    """Test the effects of ``fit`` for heterogeneity over its periods (RSiena's
    ``sienaTimeTest``; module docstring).

    Parameters
    ----------
    fit : Estimate
        A method-of-moments fit of at least two periods that kept its phase-3 simulations
        (``fit.phase3``; every fit of :func:`sim.saom.estimate` does, a fit read from an
        old folder may not).
    effects : sequence of str, optional
        The effects whose dummies are tested (default: every estimated effect); all
        estimated effects stay in the null hypothesis.

    Returns
    -------
    TimeTest
        The joint, effect-wise, period-wise and per-dummy tests and one-step estimates.

    Raises
    ------
    ValueError
        A fit without phase-3 simulations or with one period, an effect the fit does not
        estimate, dependencies that leave nothing to test.
    """
    if not isinstance(fit, Estimate):
        raise ValueError(f"fit: an Estimate (sim.saom.estimate), got {type(fit).__name__}")
    p3 = fit.phase3
    if p3 is None:
        raise ValueError("the fit has no phase-3 simulations (a fit saved before they were "
                         "kept?); estimate it again to test time heterogeneity")
    if len(p3.periods) < 2:
        raise ValueError(f"the fit has {len(p3.periods)} period: testing time heterogeneity "
                         f"needs at least two periods (three waves)")
    fixed = {str(n) for n, f in zip(fit.names, fit.fixed, strict=True) if f}
    cols = [c for c, e in enumerate(p3.effects) if str(e) in fit and str(e) not in fixed]
    tested_effects = [p3.effects[c] for c in cols]
    if not tested_effects:
        raise ValueError("the fit estimates no effect to test")
    fitted = [p for p in p3.names if p.is_dummy and str(p) not in fixed]
    cells = [([str(e) for e in tested_effects].index(p.effect), p.period - 1) for p in fitted]
    base = tested_effects + fitted  # the null hypothesis: effects and fitted dummies
    wanted = _which(fit, tested_effects, effects)
    m_count, k = len(p3.periods), len(base)
    excluded = [f"{e} (fixed)" for e in p3.effects if str(e) in fixed]
    dummies = [(e, m) for e in wanted for m in range(1, m_count) if (e, m) not in cells]
    g, u = _moments(fit, cols, cells + dummies)
    sigma = np.atleast_2d(np.cov(g.sum(1), rowvar=False))
    if _deficient(sigma):
        keep = []
        for e in wanted:
            rows = list(range(k)) + [k + d for d, (f, _) in enumerate(dummies) if f == e]
            if _deficient(sigma[np.ix_(rows, rows)]):
                excluded.append(f"{base[e]} (its period statistics are collinear with the "
                                f"others')")
            else:
                keep.append(e)
        dummies = [(e, m) for e, m in dummies if e in keep]
        g, u = _moments(fit, cols, cells + dummies)
        sigma = np.atleast_2d(np.cov(g.sum(1), rowvar=False))
        if not dummies or _deficient(sigma):
            raise ValueError("the effects' and dummies' statistics are linearly dependent; "
                             "test fewer effects (effects=...)" + (
                                 f"; left out: {'; '.join(excluded)}" if excluded else ""))
    deriv = period_derivative(g, u)
    fra = g.sum(1).mean(0)
    null = np.arange(k + len(dummies)) < k
    joint = score_statistic(deriv, sigma, fra, ~null).c
    z = np.array([_single(deriv, sigma, fra, k, d) for d in range(len(dummies))])
    theta = np.array([fit[e] for e in base])
    se = np.array([fit.se[fit.index(e)] for e in base])
    one_step = np.concatenate([theta, np.zeros(len(dummies))]) - np.linalg.solve(deriv, fra)
    effect_chi2, effect_df = np.full(k, np.nan), np.zeros(k, dtype=int)
    eye = np.eye(k + len(dummies))
    for e in range(k):
        mine = [k + d for d, (f, _) in enumerate(dummies) if f == e]
        if mine:
            effect_chi2[e] = _restricted(deriv, sigma, fra, null, eye[mine])
            effect_df[e] = len(mine)
    period_chi2, period_df = np.full(m_count, np.nan), np.zeros(m_count, dtype=int)
    for m in range(1, m_count):
        mine = [k + d for d, (_, n) in enumerate(dummies) if n == m]
        if mine:
            period_chi2[m] = _restricted(deriv, sigma, fra, null, eye[mine])
            period_df[m] = len(mine)
    tested = sorted({e for e, _ in dummies})
    if tested and len(tested) + k >= 2:  # period 1: each effect's dummies summed
        sums = np.array([sum(eye[k + d] for d, (f, _) in enumerate(dummies) if f == e)
                         for e in tested])
        period_chi2[0] = _restricted(deriv, sigma, fra, null, sums)
        period_df[0] = len(tested)
    tests = ChiSquared(joint, effect_chi2, effect_df, period_chi2, period_df, tuple(excluded))
    return TimeTest(tuple(base), tuple(p3.periods), tuple(dummies), theta, se, one_step, z,
                    tests)


def _single(deriv, sigma, fra, k: int, d: int) -> float:
    """Dummy d's normal variate, tested against the effects alone (the other dummies
    left out)."""
    use = np.arange(len(fra)) < k
    use[k + d] = True
    tested = np.zeros(use.sum(), dtype=bool)
    tested[-1] = True
    return score_statistic(deriv[np.ix_(use, use)], sigma[np.ix_(use, use)], fra[use],
                           tested).one_sided
