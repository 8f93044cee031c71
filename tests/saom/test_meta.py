"""Random-effects pooling of separate class fits (siena08-like)."""

from dataclasses import asdict

import numpy as np
import pytest
from scipy import stats

from sim.saom import ClassData, Data, Model, estimate
from sim.saom.meta import pooled

THETA, SE = [0.2, 1.5, 0.9, -0.3, 2.1], [0.4, 0.5, 0.3, 0.6, 0.7]


def test_homogeneous_estimates_pool_to_the_inverse_variance_mean():
    theta, se = np.array([1.0, 1.1, 0.9, 1.05]), np.array([0.3, 0.2, 0.4, 0.25])
    r = pooled(theta, se)
    w = 1 / se**2
    assert r.tau == 0.0  # Q(0) below its degrees of freedom
    assert r.mu == pytest.approx((w * theta).sum() / w.sum())
    assert r.se == pytest.approx(1 / np.sqrt(w.sum()))
    assert r.Q == pytest.approx((w * (theta - r.mu) ** 2).sum())


def test_heterogeneous_estimates_get_tau_solving_q_equal_k_minus_1():
    theta, se = np.array([0.0, 2.0, 4.0, 1.0, 3.0]), np.full(5, 0.5)
    r = pooled(theta, se)
    # equal standard errors: Q(tau^2) = sum (theta - mean)^2 / (s^2 + tau^2) = k - 1
    expected = np.sqrt(((theta - theta.mean()) ** 2).sum() / 4 - 0.25)
    assert r.tau == pytest.approx(expected, rel=1e-9)
    assert r.mu == pytest.approx(theta.mean()) and r.p_heterogeneity < 1e-6
    with pytest.raises(ValueError, match="at least two classes"):
        pooled([1.0], [0.1])


def test_maximum_likelihood_and_tests_match_rsiena_siena08():
    """RSiena 1.5.0's siena08 functions on THETA, SE (RSiena:::maxlik, confint.mu,
    confint.sig and siena08's Tsq and Fisher statistics, run with R 4.2 on 2026-12-01);
    R's optimize stops at a tolerance near 1e-5."""
    r = pooled(THETA, SE)
    assert r.mu_ml == pytest.approx(0.8188413324, abs=2e-5)
    assert r.se_ml == pytest.approx(0.3148987715, abs=2e-5)
    assert r.sigma_ml == pytest.approx(0.5126030349, abs=2e-5)
    assert (r.mu_low, r.mu_high) == pytest.approx((0.03534483459, 1.66611723046),
                                                        abs=3e-5)
    assert (r.sigma_low, r.sigma_high) == pytest.approx((0.0, 1.615568852), abs=3e-5)
    assert r.T2 == pytest.approx(27.5) and r.p_all_zero == pytest.approx(4.557592e-05)
    assert r.Q == pytest.approx(11.12898, abs=1e-5)
    assert r.fisher_plus == pytest.approx(42.73607, abs=1e-5)
    assert r.p_plus == pytest.approx(5.543435e-06, rel=1e-6)
    assert r.fisher_minus == pytest.approx(3.097821, abs=1e-6)
    assert r.p_minus == pytest.approx(0.9790273, abs=1e-7)


def test_maximum_likelihood_is_the_minimum_of_the_deviance_on_a_grid():
    rng = np.random.default_rng(4)
    theta = rng.normal(1.0, 0.8, 7)
    se = rng.uniform(0.2, 0.6, 7)
    r = pooled(theta, se)
    mu, sigma = np.meshgrid(np.linspace(-1, 3, 801), np.linspace(0, 3, 601), indexing="ij")
    v = sigma[..., None] ** 2 + se ** 2
    dev = ((theta - mu[..., None]) ** 2 / v + np.log(v)).sum(-1)
    best = np.unravel_index(dev.argmin(), dev.shape)
    assert r.mu_ml == pytest.approx(mu[best], abs=0.01)
    assert r.sigma_ml == pytest.approx(sigma[best], abs=0.01)
    # the interval's ends: profile deviance (minimised over sigma on the grid) at the level
    level = dev.min() + stats.chi2.ppf(0.95, 1)
    profile = dev.min(1)
    inside = mu[:, 0][profile <= level]
    assert r.mu_low == pytest.approx(inside.min(), abs=0.01)
    assert r.mu_high == pytest.approx(inside.max(), abs=0.01)


def test_fisher_combination_equals_scipy_and_bound_leaves_classes_out():
    theta, se = np.array([0.5, -0.2, 1.1, 0.3]), np.array([0.3, 0.4, 0.5, 0.2])
    r = pooled(theta, se)
    z = theta / se
    assert r.p_plus == pytest.approx(
        stats.combine_pvalues(stats.norm.sf(z), method="fisher").pvalue, rel=1e-9)
    assert r.p_minus == pytest.approx(
        stats.combine_pvalues(stats.norm.cdf(z), method="fisher").pvalue, rel=1e-9)
    wide = pooled(np.r_[theta, 40.0], np.r_[se, 6.0])  # se >= 5: left out, as siena08
    assert wide.classes == 4 and wide.mu == pytest.approx(r.mu)
    assert pooled(np.r_[theta, 40.0], np.r_[se, 6.0], bound=10).classes == 5


@pytest.mark.slow
def test_separate_fits_of_the_four_classes_are_pooled():
    import sim.data
    data = sim.data.load("baerveldt")
    groups = [list(c.waves) for c in data.classes]
    meta = estimate(Data([ClassData(g) for g in groups]), Model(["density", "recip"]), seed=1,
                    separately=True)
    fits, table = meta.fits, meta.to_frame()
    assert len(fits) == 4 and list(table["parameter"]) == ["density", "recip"]
    for name, row in table.set_index("parameter").iterrows():
        theta = [f.as_dict()[name] for f in fits]
        se = [f.se[f.names.index(name)] for f in fits]
        assert row.to_dict() == pytest.approx(asdict(pooled(theta, se)), rel=1e-12)
        assert row["classes"] == 4


def test_estimate_command_fits_classes_separately_and_pools_them():
    from typer.testing import CliRunner

    from sim.cli.main import app

    result = CliRunner().invoke(app, ["estimate", "--data", "baerveldt", "--separately",
                                      "--effects", "density,recip", "--seed", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["parameter", "school01", "school03", "school04", "school06"]
    pooled_rows = [line for line in lines if line.startswith(("density", "recip"))]
    assert len(pooled_rows) == 4  # per class, then pooled
    # each pooled row is the pooling of the classes' estimates and SEs printed above it
    # (to the 3 decimals printed: mu, its SE, sigma and mu ML within 2e-3)
    for per_class, pooled_row in zip(pooled_rows[:2], pooled_rows[2:], strict=True):
        cells = per_class.split()[1:]
        theta = [float(v) for v in cells[0::2]]
        se = [float(v.strip("()")) for v in cells[1::2]]
        r = pooled(theta, se)
        mu, mu_se, sigma, mu_ml = pooled_row.split()[1:5]
        assert (float(mu), float(mu_se.strip("()")), float(sigma), float(mu_ml)) == \
            pytest.approx((r.mu, r.se, r.tau, r.mu_ml), abs=2e-3), pooled_row
    one = CliRunner().invoke(app, ["estimate", "--data", "s50", "--separately"])
    assert one.exit_code == 2 and "several classes" in one.output
