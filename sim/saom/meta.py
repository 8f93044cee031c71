"""Separate fits per class pooled by a random-effects meta-analysis, as RSiena's
``siena08`` pools them (Snijders & Baerveldt 2003, "A multilevel network study of the
effects of delinquent behavior on friendship evolution", Journal of Mathematical
Sociology 27).

For one parameter with class estimates theta_j and standard errors s_j, the classes'
true values are Normal(mu, tau^2). tau^2 is the Paule-Mandel estimate: the value at which
Cochran's Q(tau^2) = sum_j w_j (theta_j - mu)^2, w_j = 1 / (s_j^2 + tau^2), equals its
degrees of freedom k - 1 (0 when Q(0) <= k - 1); mu is the weighted mean with those
weights, SE 1 / sqrt(sum w_j). Q(0) against chi-square(k - 1) tests that the classes
share one value (tau = 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sim.saom.estimate import Estimate, estimate


def pooled(theta: Sequence[float], se: Sequence[float]) -> dict:
    """Random-effects pooling of one parameter: mu, its SE, tau, Q(0), its p, classes."""
    theta, se = np.asarray(theta, dtype=float), np.asarray(se, dtype=float)
    ok = np.isfinite(theta) & np.isfinite(se) & (se > 0)
    theta, var = theta[ok], se[ok] ** 2
    k = len(theta)
    if k < 2:
        raise ValueError(f"pooling needs at least two classes with a finite estimate and "
                         f"standard error, got {k}")

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
    mu = float((w * theta).sum() / w.sum())
    return {"mu": mu, "se": float(1.0 / np.sqrt(w.sum())), "tau": float(np.sqrt(tau2)),
            "Q": float(q0), "p_heterogeneity": float(stats.chi2.sf(q0, k - 1)),
            "classes": k}


def meta_analysis(fits: Sequence[Estimate]) -> pd.DataFrame:
    """One row per effect parameter shared by every fit (rates are class-specific and
    left out): :func:`pooled` of the fits' estimates and standard errors."""
    names = [n for n in fits[0].names if not n.startswith("rate ")
             and all(n in f.names for f in fits)]
    rows = []
    for name in names:
        theta = [f.theta[f.names.index(name)] for f in fits]
        se = [f.se[f.names.index(name)] for f in fits]
        rows.append({"parameter": name, **pooled(theta, se)})
    return pd.DataFrame(rows)


def estimate_separately(groups: Sequence[Sequence], effects: Sequence[str], *,
                        covariates: Sequence[Mapping] | None = None, seed: int = 1,
                        **kwargs) -> tuple[list[Estimate], pd.DataFrame]:
    """:func:`sim.saom.estimate.estimate` for each class (seeds seed, seed + 1, ...), then
    :func:`meta_analysis` of the fits: (fits, pooled table)."""
    covariates = [None] * len(groups) if covariates is None else list(covariates)
    fits = [estimate(g, effects, covariates=c, seed=seed + k, **kwargs)
            for k, (g, c) in enumerate(zip(groups, covariates, strict=True))]
    return fits, meta_analysis(fits)
