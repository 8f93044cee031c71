"""SAOM rules checked on small hand-built inputs whose right answer is known exactly:
which ties a joiner and a leaver may change, the actor rates of several classes with a rate
effect, and which classes the meta-analysis leaves out."""

import numpy as np
import pytest
from helpers import groups_data

from sim.saom import Model, estimate
from sim.saom import composition as comp
from sim.saom import moments as est_module
from sim.saom.meta import BOUND, pooled


def test_a_joiner_may_change_ties_with_present_actors_only():
    """Four actors, 0 and 1 present, 2 and 3 absent at the period's start. When 2 joins,
    its ties with 0 and 1 take their start values and may change; its ties with 3, still
    absent, stay frozen (RSiena's actOnJoiner). When 1 leaves, all its ties are dropped and
    frozen."""
    n = 4
    x0 = np.array([[0, 1, 1, 0],
                   [0, 0, 0, 1],
                   [1, 0, 0, 1],
                   [0, 0, 1, 0]], dtype=np.int8)
    allowed_all = (1 - np.eye(n)).astype(np.int8)
    active = np.array([1, 1, 0, 0], dtype=np.int8)
    allowed = np.empty((n, n), dtype=np.int8)
    comp.start(allowed_all, allowed, active)
    np.testing.assert_array_equal(allowed, [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0],
                                            [0, 0, 0, 0]])
    x = x0.copy()
    x[0, 2] = 0  # a tie the simulation may not touch, changed to see it restored
    xt = np.ascontiguousarray(x.T)
    indeg, outdeg = x.sum(0).astype(np.int64), x.sum(1).astype(np.int64)
    comp.apply_event(2, comp.JOIN, x, xt, indeg, outdeg, x0, allowed_all, allowed, active)
    np.testing.assert_array_equal(active, [1, 1, 1, 0])
    assert allowed[2, 3] == allowed[3, 2] == 0
    assert allowed[2, 0] == allowed[0, 2] == allowed[2, 1] == allowed[1, 2] == 1
    np.testing.assert_array_equal(x, x0)  # the joiner's ties with 0, 1 at their start
    comp.apply_event(1, comp.LEAVE, x, xt, indeg, outdeg, x0, allowed_all, allowed, active)
    np.testing.assert_array_equal(active, [1, 0, 1, 0])
    assert not allowed[1].any() and not allowed[:, 1].any()
    assert not x[1].any() and not x[:, 1].any()  # the tie 1 -> 3 too
    np.testing.assert_array_equal(allowed, [[0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0],
                                            [0, 0, 0, 0]])
    np.testing.assert_array_equal(xt, x.T)
    np.testing.assert_array_equal(indeg, x.sum(0))
    np.testing.assert_array_equal(outdeg, x.sum(1))


def test_classes_rates_with_a_rate_effect_are_centred_by_the_pooled_mean():
    """estimate of a Data with RateX:v held at alpha: every period's relative actor rates are
    exp(alpha (v_i - mean of v over all classes)), as sienaGroupCreate centres the
    covariate (two classes whose means differ by about 2)."""
    rng = np.random.default_rng(5)
    sizes, shift = (12, 15), (0.0, 2.0)
    values = [rng.normal(loc=m, size=n) for n, m in zip(sizes, shift, strict=True)]
    groups = []
    for n in sizes:
        waves = [(rng.random((n, n)) < 0.2).astype(np.int8) for _ in range(3)]
        for w in waves:
            np.fill_diagonal(w, 0)
        groups.append(waves)
    alpha = 0.7
    captured = {}

    def capture(periods, *args, **kwargs):
        captured["periods"] = periods
        raise RuntimeError("stop")

    original = est_module._fit
    est_module._fit = capture
    try:
        with pytest.raises(RuntimeError, match="stop"):
            estimate(groups_data(groups, covariates=[{"v": v} for v in values]),
                     Model(["density"], rate_effects={"RateX:v": alpha}))
    finally:
        est_module._fit = original
    pooled_mean = np.concatenate(values).mean()
    expected = [np.exp(alpha * (v - pooled_mean)) for v in values]
    periods = captured["periods"]
    assert len(periods) == 4  # two periods per class, class by class
    for per, g in zip(periods, [0, 0, 1, 1], strict=True):
        np.testing.assert_allclose(per.relative_rates, expected[g], rtol=1e-12)


def test_meta_analysis_leaves_out_classes_with_se_at_the_bound():
    """siena08's rule: classes with a standard error of ``bound`` or more are left out,
    those just below it are kept."""
    theta, se = np.array([0.5, -0.2, 1.1, 0.3]), np.array([0.3, 0.4, 0.5, 0.2])
    base = pooled(theta, se)
    at = pooled(np.r_[theta, 3.0], np.r_[se, BOUND])
    assert at.classes == 4 and at.mu == base.mu and at.Q == base.Q
    below = pooled(np.r_[theta, 3.0], np.r_[se, np.nextafter(BOUND, 0)])
    assert below.classes == 5 and below.mu != base.mu
    assert pooled(theta, np.r_[se[:3], 2.0], bound=2.0).classes == 3
