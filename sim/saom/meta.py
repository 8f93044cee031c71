"""Separate fits per class pooled by a random-effects meta-analysis, as RSiena's
``siena08`` pools them (Snijders & Baerveldt 2003, "A multilevel network study of the
effects of delinquent behavior on friendship evolution", Journal of Mathematical
Sociology 27).

For one parameter with class estimates theta_j and standard errors s_j (classes with
s_j >= ``bound``, default 5 as siena08's, left out), the classes' true values are
Normal(mu, sigma^2):

- moment estimate: sigma^2 by Paule-Mandel, the value at which Cochran's
  Q(sigma^2) = sum_j w_j (theta_j - mu)^2, w_j = 1 / (s_j^2 + sigma^2), equals its degrees
  of freedom k - 1 (0 when Q(0) <= k - 1); mu the weighted mean, SE 1 / sqrt(sum w_j);
- maximum likelihood under normality (theta_j ~ N(mu, sigma^2 + s_j^2)): the deviance
  D(mu, sigma) = sum_j (theta_j - mu)^2 / (sigma^2 + s_j^2) + log(sigma^2 + s_j^2)
  minimised; 95% intervals where the profile deviance of mu (or sigma) exceeds its
  minimum by the chi-square(1) quantile;
- tests: T^2 = sum_j (theta_j / s_j)^2 ~ chi-square(k) that every theta_j = 0; Q(0) ~
  chi-square(k - 1) that sigma = 0; Fisher's combination of one-sided p-values,
  -2 sum_j log p_j ~ chi-square(2k), of H0: every theta_j <= 0 (p_j = 1 - Phi(theta_j /
  s_j), against some theta_j > 0) and of H0: every theta_j >= 0 (p_j = Phi(theta_j / s_j)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from sim.saom.names import Parameter
from sim.saom.results import Estimate, UnknownParameter

BOUND = 5.0
"""Classes whose standard error is at least this are left out (siena08's ``bound``)."""

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Pooled:
    """The random-effects pooling of one parameter (module docstring): the moment
    estimates ``mu``, ``se``, ``tau`` (sigma); the maximum-likelihood ``mu_ml``, ``se_ml``,
    ``sigma_ml`` and their 95% intervals; the tests' statistics and p-values (RSiena's
    ``siena08``, Snijders & Baerveldt 2003).

    Attributes
    ----------
    mu, se, tau : float
        Moment estimates of the mean effect, its standard error and the between-class sd.
    mu_ml, se_ml, sigma_ml : float
        Maximum-likelihood estimates of the mean, its standard error and the sd.
    mu_low, mu_high : float
        The 95% interval of the mean.
    sigma_low, sigma_high : float
        The 95% interval of the sd.
    T2, p_all_zero : float
        The test that every class's parameter is 0: statistic and p-value.
    Q, p_heterogeneity : float
        The test that the classes' parameters are equal: statistic and p-value.
    fisher_plus, p_plus : float
        Fisher's combination of the one-sided tests of a positive parameter, and its p.
    fisher_minus, p_minus : float
        The same for a negative parameter.
    classes : int
        The classes used.
    """

    mu: float
    se: float
    tau: float
    mu_ml: float
    se_ml: float
    sigma_ml: float
    mu_low: float
    mu_high: float
    sigma_low: float
    sigma_high: float
    T2: float
    p_all_zero: float
    Q: float
    p_heterogeneity: float
    fisher_plus: float
    p_plus: float
    fisher_minus: float
    p_minus: float
    classes: int


def pooled(theta: Sequence[float] | np.ndarray, se: Sequence[float] | np.ndarray,
           bound: float = BOUND) -> Pooled:
    """Random-effects pooling of one parameter's class estimates ``theta`` with standard
    errors ``se`` (module docstring); classes with ``se >= bound`` left out.

    Parameters
    ----------
    theta : sequence of float
        The classes' estimates of the parameter.
    se : sequence of float
        Their standard errors.
    bound : float
        Classes with a standard error at least this are left out (siena08's ``bound``).

    Returns
    -------
    Pooled
        The moment and maximum-likelihood estimates, intervals and tests.
    """
    estimates, errors = np.asarray(theta, dtype=float), np.asarray(se, dtype=float)
    ok = np.isfinite(estimates) & np.isfinite(errors) & (errors > 0) & (errors < bound)
    return _pooled(estimates[ok], errors[ok] ** 2, bound)


def _pooled(theta: np.ndarray, var: np.ndarray, bound: float) -> Pooled:
    """:func:`pooled` of the kept classes' estimates ``theta`` and variances ``var``."""
    from scipy import optimize, stats  # here: importing sim.saom stays light

    k = len(theta)
    if k < 2:
        raise ValueError(f"pooling needs at least two classes with a finite estimate and "
                         f"a standard error in (0, {bound}), got {k}")

    def q(tau2):
        w = 1.0 / (var + tau2)
        mu = (w * theta).sum() / w.sum()
        return (w * (theta - mu) ** 2).sum()

    q0 = q(0.0)
    tau2 = 0.0
    if q0 > k - 1:  # Q falls with tau^2: one root above 0
        high = max(theta.var() * 10.0, 1e-8)
        while q(high) > k - 1:
            high *= 10.0
        tau2 = optimize.brentq(lambda t: q(t) - (k - 1), 0.0, high, xtol=1e-14)
    w = 1.0 / (var + tau2)
    z = theta / np.sqrt(var)
    t2 = float((z ** 2).sum())
    plus, minus = -2.0 * stats.norm.logsf(z).sum(), -2.0 * stats.norm.logcdf(z).sum()
    return Pooled(mu=float((w * theta).sum() / w.sum()), se=float(1.0 / np.sqrt(w.sum())),
                  tau=float(np.sqrt(tau2)), **_maximum_likelihood(theta, var),
                  T2=t2, p_all_zero=float(stats.chi2.sf(t2, k)),
                  Q=float(q0), p_heterogeneity=float(stats.chi2.sf(q0, k - 1)),
                  fisher_plus=float(plus), p_plus=float(stats.chi2.sf(plus, 2 * k)),
                  fisher_minus=float(minus), p_minus=float(stats.chi2.sf(minus, 2 * k)),
                  classes=k)


def _deviance(mu, sigma, theta, var):
    v = sigma ** 2 + var
    return float(((theta - mu) ** 2 / v).sum() + np.log(v).sum())


def _best_mu(sigma, theta, var):
    w = 1.0 / (sigma ** 2 + var)
    return float((w * theta).sum() / w.sum())


def _minimise(f, low, high):
    """The minimum of f on [low, high]: the best of a grid, refined by Brent's method."""
    from scipy import optimize  # here: importing sim.saom stays light

    grid = np.linspace(low, high, 101)
    values = [f(g) for g in grid]
    b = int(np.argmin(values))
    lo, hi = grid[max(b - 1, 0)], grid[min(b + 1, len(grid) - 1)]
    res = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-10 * max(1.0, high - low)})
    return (float(res.x), float(res.fun)) if res.fun <= values[b] else (grid[b], values[b])


def _maximum_likelihood(theta, var) -> dict:
    """mu_ml, se_ml, sigma_ml and the profile-deviance intervals (module docstring)."""
    from scipy import optimize, stats  # here: importing sim.saom stays light

    top = float(theta.max() - theta.min() + 3.0 * np.sqrt(var.max()))  # sigma's search

    def profile_sigma(sigma):  # D minimised over mu (in closed form)
        return _deviance(_best_mu(sigma, theta, var), sigma, theta, var)

    def profile_mu(mu):  # D minimised over sigma
        return _minimise(lambda sg: _deviance(mu, sg, theta, var), 0.0, top)[1]

    sigma, dmin = _minimise(profile_sigma, 0.0, top)
    mu = _best_mu(sigma, theta, var)
    level = dmin + stats.chi2.ppf(CONFIDENCE, 1)

    def root(f, inside, step):  # where f crosses level, going from inside by step
        outside = inside + step
        while f(outside) < level:
            outside += step
        return float(optimize.brentq(lambda v: f(v) - level, min(inside, outside),
                                     max(inside, outside), xtol=1e-12))

    width = float(np.sqrt(var.max()) + theta.std() + 1e-12)
    sigma_low = 0.0 if profile_sigma(0.0) <= level else root(profile_sigma, sigma, -sigma)
    return {"mu_ml": mu, "se_ml": float(np.sqrt(1.0 / (1.0 / (sigma ** 2 + var)).sum())),
            "sigma_ml": sigma,
            "mu_low": root(profile_mu, mu, -width), "mu_high": root(profile_mu, mu, width),
            "sigma_low": sigma_low, "sigma_high": root(profile_sigma, sigma, width)}


@dataclass(frozen=True)
class MetaAnalysis:
    """Separate fits per class pooled parameter by parameter (RSiena's ``siena08``):
    ``fits[k]`` the fit of class ``names[k]``, ``parameters[j]`` an effect shared by every
    fit (rates are class-specific and left out) and ``pooled[j]`` its pooling.

    Attributes
    ----------
    names : tuple of str
        The classes.
    fits : tuple of Estimate
        Each class's fit.
    parameters : tuple of Parameter
        The effects shared by every fit.
    pooled : tuple of Pooled
        Each parameter's pooling.
    bound : float
        Classes with a standard error at least this were left out (siena08's ``bound``).
    """

    names: tuple[str, ...]
    fits: tuple[Estimate, ...]
    parameters: tuple[Parameter, ...]
    pooled: tuple[Pooled, ...]
    bound: float = BOUND

    def __contains__(self, name: object) -> bool:
        return str(name) in {str(p) for p in self.parameters}

    def __iter__(self):
        """The pooled parameters' names, in order."""
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def __repr__(self) -> str:
        return (f"<MetaAnalysis: {len(self.fits)} classes, {len(self.parameters)} pooled "
                f"parameters ({', '.join(map(str, self.parameters))}); .table() prints it>")

    def __getitem__(self, name: str | Parameter) -> Pooled:
        """The pooling of parameter ``name`` (``meta["density"].mu``)."""
        try:
            return self.pooled[[str(p) for p in self.parameters].index(str(name))]
        except ValueError:
            raise UnknownParameter(f"no pooled parameter {str(name)!r}; pooled: "
                             f"{', '.join(map(str, self.parameters))}") from None

    def to_frame(self):
        """One row per pooled parameter: ``parameter`` and the fields of :class:`Pooled`
        (pandas, imported here)."""
        import pandas as pd

        return pd.DataFrame([{"parameter": str(p), **{f.name: getattr(r, f.name)
                                                       for f in fields(Pooled)}}
                             for p, r in zip(self.parameters, self.pooled, strict=True)])

    def table(self) -> str:
        """The separate fits (estimate and SE per class) and the pooled table, as text."""
        fits = self.fits
        rows = [f"{'parameter':<22}" + "".join(f"{n[:16]:>18}" for n in self.names)]
        for k, name in enumerate(fits[0].names):
            rows.append(f"{name:<22}" + "".join(
                f"{f.theta[k]:>10.3f} ({f.se[k]:.3f})" for f in fits))
        rows.append("converged             " + "".join(f"{str(f.converged):>18}"
                                                       for f in fits))
        widths = (22, 17, 8, 27, 24, 9, 10, 8, 8)
        rows.append("\n" + "".join(h.rjust(w) if c else h.ljust(w) for c, (h, w) in enumerate(
            zip(("pooled", "mu (SE)", "sigma", "mu ML [95%]", "sigma ML [95%]", "p all 0",
                 "p sigma 0", "p >0", "p <0"), widths, strict=True))))
        for p, r in zip(self.parameters, self.pooled, strict=True):
            cells = (str(p), f"{r.mu:.3f} ({r.se:.3f})", f"{r.tau:.3f}",
                     f"{r.mu_ml:.3f} [{r.mu_low:.3f}, {r.mu_high:.3f}]",
                     f"{r.sigma_ml:.3f} [{r.sigma_low:.3f}, {r.sigma_high:.3f}]",
                     f"{r.p_all_zero:.3f}", f"{r.p_heterogeneity:.3f}", f"{r.p_plus:.3f}",
                     f"{r.p_minus:.3f}")
            rows.append("".join(v.rjust(w) if c else v.ljust(w)
                                for c, (v, w) in enumerate(zip(cells, widths, strict=True))))
        rows.append("\nmu, sigma: moment estimates (Paule-Mandel); ML: maximum likelihood "
                    "with profile intervals;\np >0 / p <0: Fisher's combination against "
                    f"every class <= 0 / >= 0; classes with SE >= {self.bound:g} left out")
        return "\n".join(rows)


def meta_analysis(fits: Sequence[Estimate], names: Sequence[str] | None = None,
                  bound: float = BOUND) -> MetaAnalysis:
    """:func:`pooled` of the fits' estimates and standard errors, for every effect
    parameter shared by all of them (rates are class-specific and left out).

    Parameters
    ----------
    fits : sequence of Estimate
        One fit per class.
    names : sequence of str, optional
        The classes' names (default 1, 2, ...).
    bound : float
        Classes with a standard error at least this are left out (siena08's ``bound``).

    Returns
    -------
    MetaAnalysis
        The fits and each shared parameter's :class:`Pooled`.
    """
    names = tuple(str(k + 1) for k in range(len(fits))) if names is None else tuple(names)
    if len(names) != len(fits) or len(fits) < 2:
        raise ValueError(f"meta_analysis: {len(fits)} fits and {len(names)} names; allowed: "
                         f"at least two fits, one name each")
    shared = tuple(Parameter.parse(n) for n in fits[0].names
                   if not Parameter.parse(n).is_rate and all(n in f.names for f in fits))
    rows = tuple(pooled([f.theta[f.index(p)] for f in fits], [f.se[f.index(p)] for f in fits],
                        bound) for p in shared)
    return MetaAnalysis(names, tuple(fits), shared, rows, bound)
