"""Wald tests of the parameters of a fitted SAOM, as RSiena defines them (``Wald.RSiena``,
``Multipar.RSiena``, ``testSame.RSiena``; the RSiena manual's section on testing).

A linear hypothesis A theta = 0 (A with one column per parameter of the fit, r rows) is
tested by

    chi^2 = (A theta)' (A Sigma A')^-1 (A theta),   d.f. = r,   p = P(chi^2_r > chi^2),

Sigma the covariance of the estimate (:attr:`sim.saom.Estimate.cov`). For one row RSiena
also gives the one-sided statistic Z = sign(A theta) sqrt(chi^2) = (A theta) / SE. The
hypothesis that some parameters are 0 takes A's rows from the identity
(``Multipar.RSiena``); that parameter a equals parameter b takes the row e_a - e_b
(``testSame.RSiena``). Fixed parameters have no covariance (a score-type test tests
them), nor have the rates of a conditional fit, estimated after the effects: A's columns
of those must be 0. scipy is imported when a test is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.saom.results import Estimate
from sim.suggest import unknown_name

SINGULAR = 1e-10
"""A Sigma A' counts as singular when its smallest eigenvalue is below this times its
largest (its rows are then linearly dependent, within rounding)."""


@dataclass(frozen=True, repr=False)
class WaldTest:
    """A Wald test of A theta = 0: the joint test and each row of A tested alone.

    Attributes
    ----------
    hypotheses : tuple of str
        Each row of A as text, e.g. ``recip = 0`` or ``egoX:alcohol - altX:alcohol = 0``.
    values : ndarray
        A theta, per row.
    se : ndarray
        The standard error of each row's value: sqrt of the diagonal of A Sigma A'.
    chi2 : float
        The joint statistic (A theta)' (A Sigma A')^-1 (A theta).
    df : int
        Its degrees of freedom, the rows of A.
    p : float
        P(chi-squared with ``df`` d.f. > ``chi2``).
    one_sided : float or None
        For one row, RSiena's one-sided Z = sign(A theta) sqrt(chi2); else None.
    separate_p : ndarray
        Each row tested alone: the two-sided p-value of its z = value / se.
    """

    hypotheses: tuple[str, ...]
    values: np.ndarray
    se: np.ndarray
    chi2: float
    df: int
    p: float
    one_sided: float | None
    separate_p: np.ndarray

    @property
    def z(self) -> np.ndarray:
        """Each row's value over its standard error."""
        return self.values / self.se

    def __repr__(self) -> str:
        return (f"<WaldTest of {', '.join(self.hypotheses)}: chi-squared "
                f"{self.chi2:.2f}, d.f. {self.df}, p {self.p:.3g}>")

    def table(self) -> str:
        """Each hypothesis with its value, SE, z and two-sided p, then the joint test as
        RSiena prints it (chi-squared to 2 decimals, p to 3 or ``p < 0.001``)."""
        width = max(28, *(len(h) + 2 for h in self.hypotheses))
        rows = ["Wald test; each hypothesis alone: z = estimate / SE, two-sided p",
                f"{'hypothesis':<{width}}{'estimate':>10}{'SE':>9}{'z':>9}{'p':>9}"]
        for h, v, s, z, p in zip(self.hypotheses, self.values, self.se, self.z,
                                 self.separate_p, strict=True):
            rows.append(f"{h:<{width}}{v:>10.4f}{s:>9.4f}{z:>9.2f}{_p(p):>9}")
        p = "p < 0.001" if self.p < 0.001 else f"p = {self.p:.3f}"
        joint = "" if self.df == 1 else "joint test: "
        line = f"{joint}chi-squared = {self.chi2:.2f}, d.f. = {self.df}; "
        if self.one_sided is not None:
            line += f"one-sided Z = {self.one_sided:.2f}; two-sided "
        return "\n".join(rows) + "\n\n" + line + p + "."

    def to_frame(self):
        """One row per hypothesis tested alone (``hypothesis``, ``estimate``, ``se``,
        ``z``, ``chi2`` = z^2, ``df`` 1, ``p``), then for several rows the
        joint test (``hypothesis`` ``joint``, estimate, se and z NaN)."""
        import pandas as pd

        rows = [(h, float(v), float(s), float(v / s), float((v / s) ** 2), 1, float(p))
                for h, v, s, p in zip(self.hypotheses, self.values, self.se, self.separate_p,
                                      strict=True)]
        if self.df > 1:
            rows.append(("joint", np.nan, np.nan, np.nan, self.chi2, self.df,
                         self.p))
        return pd.DataFrame(rows, columns=["hypothesis", "estimate", "se", "z",
                                           "chi2", "df", "p"])


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def wald_test(fit: Estimate, parameters: str | Sequence[str] | None = None, *,
              matrix=None) -> WaldTest:
    """Wald test that the listed parameters are all 0 (RSiena's ``Multipar.RSiena``) or,
    with ``matrix``, of the linear hypothesis A theta = 0 (``Wald.RSiena``).

    Parameters
    ----------
    fit : Estimate
        The fit (:func:`sim.saom.estimate`; a saved fit's ``.estimate``).
    parameters : str or sequence of str, optional
        The parameters tested, by name (``"recip"``, ``"egoX:alcohol"``); each once.
    matrix : array_like, optional
        A, instead of ``parameters``: one row per restriction (a vector is one row), one
        column per parameter of ``fit``, in the order of ``fit.names``; columns of fixed
        parameters (and of a conditional fit's rates) 0.

    Returns
    -------
    WaldTest
        The joint test and each restriction alone.
    """
    names = [str(p) for p in fit.names]
    if (parameters is None) == (matrix is None):
        raise ValueError("give the parameters tested or a matrix A (of A theta = 0), not "
                         f"both nor neither; parameters: {', '.join(_free(fit))}")
    if parameters is not None:  # and no matrix
        tested = [parameters] if isinstance(parameters, str) else [str(p) for p in parameters]
        if not tested:
            raise ValueError(f"no parameter to test; parameters: {', '.join(_free(fit))}")
        a = np.zeros((len(tested), len(names)))
        a[np.arange(len(tested)), _columns(fit, tested)] = 1.0
    else:
        a = np.array(matrix, dtype=float)
        if a.ndim == 1:
            a = a[None, :]
        if a.ndim != 2 or a.shape[1] != len(names) or len(a) == 0:
            raise ValueError(f"matrix of shape {np.shape(matrix)}: A needs one row per "
                             f"restriction and {len(names)} columns, one per parameter in "
                             f"this order: {', '.join(names)}")
        if not np.isfinite(a).all():
            raise ValueError("matrix A has values that are not finite numbers")
    return _test(fit, a)


def same_test(fit: Estimate, a: str | Sequence[str], b: str | Sequence[str]) -> WaldTest:
    """Wald test that parameter ``a`` equals parameter ``b`` (or, for two lists, each of
    ``a`` its partner in ``b``): RSiena's ``testSame.RSiena``, rows e_a - e_b.

    Parameters
    ----------
    fit : Estimate
        The fit.
    a, b : str or sequence of str
        The parameters compared, by name; lists of the same length pair up.

    Returns
    -------
    WaldTest
        The test of theta_a - theta_b = 0.
    """
    first = [a] if isinstance(a, str) else [str(p) for p in a]
    second = [b] if isinstance(b, str) else [str(p) for p in b]
    if len(first) != len(second) or not first:
        raise ValueError(f"same_test compares parameters in pairs: {len(first)} against "
                         f"{len(second)}; give as many of each (at least one)")
    for x, y in zip(first, second, strict=True):
        if x == y:
            raise ValueError(f"parameter {x!r} compared with itself; compare two "
                             f"different parameters of: {', '.join(_free(fit))}")
    m = np.zeros((len(first), len(fit.names)))
    rows = np.arange(len(first))
    m[rows, _columns(fit, first)] = 1.0
    m[rows, _columns(fit, second)] -= 1.0
    return _test(fit, m)


def _free(fit: Estimate) -> list[str]:
    """The parameters the covariance is over (those a Wald test may name)."""
    return fit.cov_names()


def _columns(fit: Estimate, tested: list[str]) -> list[int]:
    """The columns of ``tested`` in ``fit.names``; ValueError for an unknown name or one
    named twice (fixed ones are refused by :func:`_test`)."""
    names = [str(p) for p in fit.names]
    for k, name in enumerate(tested):
        if name not in names:
            raise ValueError(unknown_name(name, "parameter", names))
        if name in tested[:k]:
            raise ValueError(f"parameter {name!r} named twice; name each parameter once")
    return [names.index(n) for n in tested]


def _test(fit: Estimate, a: np.ndarray) -> WaldTest:
    """The test of A theta = 0 (module docstring)."""
    from scipy.stats import chi2, norm

    names = [str(p) for p in fit.names]
    free = fit.cov_names()
    outside = [n for n, used in zip(names, (a != 0).any(0), strict=True)
               if used and n not in free]
    if outside:
        fixed = {str(p) for p, f in zip(fit.names, fit.fixed, strict=True) if f}
        why = ("was fixed in the fit (a score-type test, lbsim score-test, tests a fixed "
               "parameter)" if outside[0] in fixed else
               "is a conditional fit's rate, estimated after the others, outside their "
               "covariance")
        raise ValueError(f"parameter {outside[0]!r} {why}; a Wald test may name: "
                         f"{', '.join(free)}")
    sub = a[:, [names.index(n) for n in free]]
    cov = np.asarray(fit.cov, dtype=float)
    if not np.isfinite(cov).all():
        raise ValueError("the fit's covariance is not finite (its derivative matrix was "
                         "singular): no Wald test; re-estimate (more phase-3 runs, other "
                         "starting values)")
    value = sub @ np.asarray(fit.theta, dtype=float)[[names.index(n) for n in free]]
    v = sub @ cov @ sub.T
    v = (v + v.T) / 2
    eig = np.linalg.eigvalsh(v)
    if not eig[-1] > 0 or eig[0] <= SINGULAR * eig[-1]:
        raise ValueError("A Cov A' is singular: the rows of A (restrictions) are linearly "
                         "dependent or 0 on the estimated parameters; give independent "
                         "restrictions")
    chi_sq = float(value @ np.linalg.solve(v, value))
    se = np.sqrt(np.diag(v))
    df = len(a)
    return WaldTest(tuple(_hypothesis(row, names) for row in a), value, se, chi_sq, df,
                    float(chi2.sf(chi_sq, df)),
                    float(np.sign(value[0]) * np.sqrt(chi_sq)) if df == 1 else None,
                    2 * norm.sf(np.abs(value / se)))


def _hypothesis(row: np.ndarray, names: list[str]) -> str:
    """A row of A as text: ``recip = 0``, ``egoX:alcohol - altX:alcohol = 0``,
    ``transTrip - 2 altX:alcohol = 0``."""
    out = ""
    for c, name in zip(row, names, strict=True):
        if c == 0:
            continue
        sign = "-" if c < 0 else "+"
        size = "" if abs(c) == 1 else f"{abs(c):g} "
        out += (f"{'-' if sign == '-' else ''}" if not out else f" {sign} ") + size + name
    return out + " = 0"
