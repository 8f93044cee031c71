"""Random-effects pooling of separate class fits (siena08-like)."""

import numpy as np
import pytest

from sim.saom.meta import estimate_separately, pooled


def test_homogeneous_estimates_pool_to_the_inverse_variance_mean():
    theta, se = np.array([1.0, 1.1, 0.9, 1.05]), np.array([0.3, 0.2, 0.4, 0.25])
    r = pooled(theta, se)
    w = 1 / se**2
    assert r["tau"] == 0.0  # Q(0) below its degrees of freedom
    assert r["mu"] == pytest.approx((w * theta).sum() / w.sum())
    assert r["se"] == pytest.approx(1 / np.sqrt(w.sum()))
    assert r["Q"] == pytest.approx((w * (theta - r["mu"]) ** 2).sum())


def test_heterogeneous_estimates_get_tau_solving_q_equal_k_minus_1():
    theta, se = np.array([0.0, 2.0, 4.0, 1.0, 3.0]), np.full(5, 0.5)
    r = pooled(theta, se)
    # equal standard errors: Q(tau^2) = sum (theta - mean)^2 / (s^2 + tau^2) = k - 1
    expected = np.sqrt(((theta - theta.mean()) ** 2).sum() / 4 - 0.25)
    assert r["tau"] == pytest.approx(expected, rel=1e-9)
    assert r["mu"] == pytest.approx(theta.mean()) and r["p_heterogeneity"] < 1e-6
    with pytest.raises(ValueError, match="at least two classes"):
        pooled([1.0], [0.1])


@pytest.mark.slow
def test_separate_fits_of_the_four_classes_are_pooled():
    import sim.data
    data = sim.data.load("baerveldt")
    groups = [list(c.waves) for c in data.classes]
    fits, table = estimate_separately(groups, ["density", "recip"], seed=1)
    assert len(fits) == 4 and list(table["parameter"]) == ["density", "recip"]
    row = table.set_index("parameter").loc["recip"]
    values = [f.as_dict()["recip"] for f in fits]
    assert min(values) <= row["mu"] <= max(values) and row["classes"] == 4
