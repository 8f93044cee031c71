"""The kernel's change statistics against brute-force differences of the statistics."""

import numpy as np
import pytest
from helpers import kernel_contributions, kernel_probabilities
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import networks, networks_with_covariates

from sim.saom import Model, Start, reference, specification
from sim.saom import effects as fx

STRUCTURAL = [e for e in fx.EFFECTS.values() if e.kind == "structural"]


def brute_force_change(code, x, i, j, gw):
    """s_i(x with i->j) - s_i(x without i->j) from the statistic's definition."""
    with_tie, without = x.astype(float), x.astype(float)
    with_tie[i, j], without[i, j] = 1, 0
    s = reference.structural_statistic(code, np.stack([with_tie, without]), i, gw)
    return s[0] - s[1]


@pytest.mark.parametrize("effect", [e for e in STRUCTURAL if e.code != fx.GWESP_FF],
                         ids=lambda e: e.name)
@settings(max_examples=60, deadline=None)
@given(x=networks())
def test_structural_change_equals_statistic_difference(effect, x):
    n = x.shape[0]
    gw = specification.gwesp_weights(69.0, n)
    for i in range(n):
        c = kernel_contributions(effect.code, x, i, gw)
        expected = [brute_force_change(effect.code, x, i, j, gw) if j != i else c[i]
                    for j in range(n)]
        np.testing.assert_allclose(c, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(x=networks(), param=st.sampled_from([10.0, 50.0, 69.0, 120.0]))
def test_gwesp_contribution_is_rsiena_weight_of_toggled_tie(x, param):
    """RSiena: contribution of i->j is w(TP_ij), TP_ij = #{h: x_ih x_hj},
    w(k) = e^a (1 - (1 - e^-a)^k), a = param / 100."""
    n = x.shape[0]
    a = param / 100
    gw = specification.gwesp_weights(param, n)
    for i in range(n):
        c = kernel_contributions(fx.GWESP_FF, x, i, gw)
        for j in range(n):
            tp = sum(int(x[i, h] and x[h, j]) for h in range(n))
            assert c[j] == pytest.approx(np.exp(a) * (1 - (1 - np.exp(-a)) ** tp), rel=1e-12)


def test_gwesp_contribution_differs_from_exact_change():
    """RSiena's contribution is not the exact change: with 0->1, 1->2, 2->3, 0->3, adding
    0->2 adds the tie's own weight w(TP_02) = w(1), but also gives 0->3 its first two-path
    (0->2->3), so the statistic grows by w(1) + (w(1) - w(0)); the kernel uses w(1) only."""
    x = np.zeros((4, 4), dtype=np.int8)
    x[0, 1] = x[1, 2] = x[2, 3] = x[0, 3] = 1
    gw = specification.gwesp_weights(69.0, 4)
    c = kernel_contributions(fx.GWESP_FF, x, 0, gw)
    assert c[2] == pytest.approx(gw[1])
    exact = brute_force_change(fx.GWESP_FF, x, 0, 2, gw)
    assert exact == pytest.approx(gw[1] + gw[1] - gw[0])
    assert exact != pytest.approx(c[2])


ALL_EFFECTS = {
    "density": -1.2, "recip": 1.1, "transTrip": 0.3, "transTies": 0.4, "cycle3": -0.3,
    "gwespFF(50)": 0.5, "inPop": 0.1, "inPopSqrt": -0.3, "outAct": -0.05,
    "outActSqrt": -0.2, "outPop": 0.1, "outPopSqrt": -0.1, "egoX:a": 0.2, "altX:b": -0.3,
    "simX:a": 0.5, "sameX:a": 0.3, "egoXaltX:b": 0.4, "X:g": 0.4, "egoX:b*altX:a": -0.5,
    "egoX:a*transTrip": 0.2, "recip*X:g": -0.3, "egoX:b*gwespFF(50)": 0.3,
    "simX:b*sameX:a": 0.2,
}


@settings(max_examples=40, deadline=None)
@given(data=networks_with_covariates(min_n=3, max_n=9))
def test_choice_probabilities_match_brute_force(data):
    """Every effect and interaction at once: the kernel's multinomial-logit choice
    probabilities equal those from evaluating f_i on every option."""
    x, covs, dyadic = data
    _, spec = specification.build(Start(x, covariates=covs, dyadic=dyadic), Model(ALL_EFFECTS),
                                  rate=1.0)
    for i in range(x.shape[0]):
        np.testing.assert_allclose(kernel_probabilities(x, i, spec),
                                   reference.choice_probabilities(x, i, spec, covs, dyadic),
                                   rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(data=networks_with_covariates(min_n=4, max_n=9))
def test_cap_and_structural_zeros_remove_options(data):
    x, covs, dyadic = data
    n = x.shape[0]
    cap = max(1, int(x.sum(1).max()))
    zeros = (np.random.default_rng(n).random((n, n)) < 0.3) & (x == 0)
    np.fill_diagonal(zeros, False)
    _, spec = specification.build(Start(x, covariates=covs, dyadic=dyadic, structural_zeros=zeros),
                                  Model(ALL_EFFECTS, max_outdegree=cap), rate=1.0)
    for i in range(n):
        p = kernel_probabilities(x, i, spec)
        np.testing.assert_allclose(p, reference.choice_probabilities(x, i, spec, covs, dyadic),
                                   rtol=1e-9, atol=1e-12)
        assert np.all(p[zeros[i]] == 0)
        if x[i].sum() >= cap:
            assert np.all(p[(x[i] == 0) & (np.arange(n) != i)] == 0)
        assert p[i] > 0 and p.sum() == pytest.approx(1.0)


def test_covariate_centring_as_rsiena_on_s50():
    """s50 README: alcohol (wave 1) centred at 2.88, range 4, similarity mean 0.6865."""
    from helpers import load_s50
    w1, _, _, alcohol = load_s50()
    n = len(alcohol)
    ego = specification.term_factor(fx.parse_term("egoX:alc"), n, {"alc": alcohol}, {}, "")
    assert ego[:, 0] == pytest.approx(alcohol - 2.88)
    sim = specification.term_factor(fx.parse_term("simX:alc"), n, {"alc": alcohol}, {}, "")
    raw = 1 - np.abs(alcohol[:, None] - alcohol[None, :]) / 4
    off = ~np.eye(n, dtype=bool)
    assert raw[off].mean() == pytest.approx(0.6865, abs=5e-5)
    np.testing.assert_allclose(sim, raw - raw[off].mean())


def test_dyadic_covariate_centred_off_diagonal():
    w = np.array([[9.0, 1, 0], [0, 9, 1], [1, 1, 9]])
    c = specification.term_factor(fx.parse_term("X:w"), 3, {}, {"w": w}, "")
    off = ~np.eye(3, dtype=bool)
    assert c[off].mean() == pytest.approx(0.0)
    assert c[0, 1] == pytest.approx(1 - 4 / 6)


@pytest.mark.parametrize("beta", [-900.0, -40.0, 40.0, 705.0, 900.0])
def test_extreme_parameters_neither_overflow_nor_underflow(beta):
    """Weights near exp(+-709) are rescaled: probabilities stay finite and exact."""
    rng = np.random.default_rng(5)
    x = (rng.random((8, 8)) < 0.3).astype(np.int8)
    np.fill_diagonal(x, 0)
    _, spec = specification.build(Start(x), Model({"density": beta, "recip": 1.0}), rate=1.0)
    for i in range(8):
        p = kernel_probabilities(x, i, spec)
        assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(p, reference.choice_probabilities(x, i, spec),
                                   rtol=1e-9, atol=1e-300)
