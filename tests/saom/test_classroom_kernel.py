"""The classroom model's kernel against the plain reference: one school's state taken from
a running PeerNetworkModel (covariates as the model feeds them, the uncentred felt stigma,
a growth group's shared setting, strong rate effects, ties across classes with their
penalty), its choice probabilities for every child, and its distribution over many
periods, with z-scores from standard errors."""

import numpy as np
import pytest
from helpers import tiled_networks

from sim.saom import Model, Start, classes, reference, specification
from sim.saom._numba import kernels
from sim.saom.behaviour import no_behaviours
from sim.saom.classes import ClassCovariates, RateModel
from sim.saom.rng import run_seeds
from sim.vocabulary import ACTOR_COVARIATES, LABELS, UNCENTRED, UNCENTRED_LABELS, Label
from sim.world.model import PeerNetworkModel
from sim.world.network import classroom_effects
from sim.world.scenario import parse_scenario


@pytest.fixture(scope="module")
def school():
    """A school of two classes of 12 after five weeks, with cross-class ties and a growth
    group of six meeting since week 2."""
    sc = parse_scenario({
        "name": "kernel-vs-reference", "weeks": 12,
        "population": {"schools": 1, "classes_per_school": 2, "left_behind_share": 0.5,
                       "class_size": {"mean": 12, "sd": 0, "min": 10}},
        "network": {"burn_in_years": 0.5, "cross_class_ties": True,
                    "rate_effects": {"RateX:shyness": -1.5, "RateX:confidence": 1.5}},
        "interventions": [{"type": "growth_group", "start_week": 2, "acceptance": 1.0,
                           "target": "random_lbc"}]})
    m = PeerNetworkModel(sc, seed=21)
    m.run(5)
    assert m.population.n_units == 1
    setting = m.labels[Label.SAME_GROUP]
    assert (setting >= 0).sum() >= 6 and (m.label_strength[Label.SAME_GROUP] > 0).any()
    return m


def unit_state(m):
    """The school's network and the kernel's inputs, as the model passes them."""
    pop, net = m.population, m.network
    n = int(pop.unit_size[0])
    x = np.ascontiguousarray(pop.unit_network(0), dtype=np.int8)
    covs = ClassCovariates(m.covariates(), net.centred, net.program.sim_needed,
                           net.settings.labels, net.settings.strength, net.settings.centred)
    rates = RateModel(float(m.config.network.rate), net.rate_alpha, net.rate_cov)
    return n, x, covs, rates


def reference_spec(m, x):
    """The same model stated for the reference: covariates by name, each label covariate
    as the dyadic matrix w_ij = strength_i 1{label_i = label_j >= 0}."""
    kids = np.arange(m.population.n_children)
    covariates = dict(zip(ACTOR_COVARIATES, m.covariates()[:, kids], strict=True))
    dyadic = {}
    for row, name in enumerate(LABELS):
        lab, s = m.labels[row, kids], m.label_strength[row, kids]
        w = s[:, None] * ((lab[:, None] == lab[None, :]) & (lab[:, None] >= 0))
        np.fill_diagonal(w, 0.0)
        dyadic[name] = w
    net = m.config.network
    _, spec = specification.build(
        Start(x, covariates=covariates, dyadic=dyadic, uncentred=UNCENTRED + UNCENTRED_LABELS),
        Model(classroom_effects(net), rate_effects=net.rate_effects,
              max_outdegree=net.max_outdegree), rate=net.rate)
    return spec, covariates, dyadic


def test_choice_probabilities_of_every_child_equal_the_reference(school):
    n, x, covs, rates = unit_state(school)
    data, _ = classes.unit_data(covs, rates, 0, n)
    prog = school.network.program.arrays(n)
    spec, covariates, dyadic = reference_spec(school, x)
    xt = np.ascontiguousarray(x.T)
    allowed = np.ascontiguousarray(1 - np.eye(n, dtype=np.int8))
    indeg, outdeg = x.sum(0).astype(np.int64), x.sum(1).astype(np.int64)
    iw, fw, bits, scale = kernels.workspace(n, len(prog.codes))
    for i in range(n):
        total = kernels.ministep_weights(i, x, xt, indeg, outdeg, prog, data, allowed,
                                         school.network.cap, iw, fw, bits, scale)
        fast = fw[kernels.WEIGHTS] / total
        slow = reference.choice_probabilities(x, i, spec, covariates, dyadic)
        np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-14, err_msg=f"child {i}")


def test_rates_as_the_model_feeds_them_equal_the_reference(school):
    n, x, covs, rates = unit_state(school)
    _, unit_rates = classes.unit_data(covs, rates, 0, n)
    spec, _, _ = reference_spec(school, x)
    np.testing.assert_allclose(unit_rates, spec.rates, rtol=1e-12)
    assert unit_rates.std() > 0.2 * unit_rates.mean()  # the rate effects matter here


def kernel_periods(m, runs, period, seed, contact=None, rates=None, strength=None):
    """``runs`` copies of the school's state advanced by ``period`` in one call of the
    classroom kernel: final networks and ministeps; ``contact`` the children's setting
    ministep rates (none by default: the reference has no settings model); ``strength``
    the children's strength of their growth-group setting (default the model's)."""
    n, x, covs, own_rates = unit_state(m)
    rates = own_rates if rates is None else rates
    contact = np.zeros(n * runs) if contact is None else np.tile(contact, runs)
    strengths = covs.strength.copy()
    if strength is not None:
        strengths[Label.SAME_GROUP] = strength
    nets = tiled_networks(x, runs)
    tiled = ClassCovariates(np.tile(covs.actor, runs), covs.centred, covs.sim_needed,
                            np.tile(covs.labels, runs), np.tile(strengths, runs),
                            covs.label_centred)
    steps = np.zeros(runs, dtype=np.int64)
    classes.simulate_classes(nets, m.network.program.arrays(n), tiled, rates,
                             m.network.cap, period, run_seeds(seed, runs), steps,
                             no_behaviours(), np.zeros(0), contact, int(Label.SAME_GROUP))
    return nets.xbuf.reshape(runs, n, n), steps


def summary(networks, m):
    """Per network: ties, mutual dyads, ties among the group's members, ties across
    classes, transitive triplets."""
    y = networks.astype(float)
    members = np.flatnonzero(m.labels[Label.SAME_GROUP] >= 0)
    klass = m.population.klass
    across = (klass[:, None] != klass[None, :]).astype(float)
    two = np.einsum("rij,rjk->rik", y, y)
    return np.column_stack([y.sum((1, 2)), (y * y.transpose(0, 2, 1)).sum((1, 2)) / 2,
                            y[:, members][:, :, members].sum((1, 2)), (y * across).sum((1, 2)),
                            (two * y).sum((1, 2))])


def test_ministeps_are_poisson_with_the_total_rate(school):
    """Events in a period of length t: Poisson with mean t x sum of the actors' rates
    (rates centred by the unit's covariate means), whatever the network does."""
    n, x, covs, rates = unit_state(school)
    _, unit_rates = classes.unit_data(covs, rates, 0, n)
    spec, _, _ = reference_spec(school, x)
    period, runs = 0.5, 20_000
    _, steps = kernel_periods(school, runs, period, seed=3)
    expected = period * spec.rates.sum()
    z = abs(steps.mean() - expected) / np.sqrt(expected / runs)
    assert z < 4, (steps.mean(), expected)
    assert abs(steps.var(ddof=1) / expected - 1) < 4 * np.sqrt(2 / runs)  # Poisson


@pytest.mark.slow
def test_distribution_over_periods_matches_the_reference_ministep(school):
    n, x, _, _ = unit_state(school)
    spec, covariates, dyadic = reference_spec(school, x)
    period, net = 0.5, school.config.network
    fast, _ = kernel_periods(school, 4000, period, seed=5)
    rng = np.random.default_rng(6)
    slow = np.stack([reference.simulate_period(
        x, classroom_effects(net), rate=net.rate, covariates=covariates, dyadic=dyadic,
        rate_effects=net.rate_effects, period=period, max_outdegree=net.max_outdegree,
        uncentred=UNCENTRED + UNCENTRED_LABELS, rng=rng)[0] for _ in range(300)])
    a, b = summary(fast, school), summary(slow, school)
    se = np.sqrt(a.var(0, ddof=1) / len(a) + b.var(0, ddof=1) / len(b))
    z = np.abs(a.mean(0) - b.mean(0)) / se
    assert np.all(z < 4), z.round(2)
    assert a.std(0).min() > 0  # every statistic moves


def test_setting_ministeps_reconsider_ties_among_the_setting_only(school):
    """With no other opportunities (basic rate 0), setting ministeps (contact rate per
    member) change ties among the group's members only, and their number is Poisson with
    mean period x sum of contact x strength over the members (a fading setting: strength
    0.4: a rate at full strength would give 2.5 times as many)."""
    n, x, covs, rates = unit_state(school)
    members = np.flatnonzero(school.labels[Label.SAME_GROUP] >= 0)
    strength = np.where(school.labels[Label.SAME_GROUP] >= 0, 0.4, 0.0)
    contact = np.zeros(n)
    contact[members] = 30.0
    runs, period = 4000, 0.25
    nets, steps = kernel_periods(school, runs, period, seed=8, contact=contact,
                                 rates=rates._replace(rho=0.0), strength=strength)
    changed = (nets != x[None]).any(0)
    inside = np.zeros((n, n), dtype=bool)
    label = school.labels[Label.SAME_GROUP]
    inside[np.ix_(members, members)] = label[members][:, None] == label[members][None, :]
    assert changed[inside].any() and not changed[~inside].any()
    expected = period * (contact * strength).sum()
    assert abs(steps.mean() - expected) < 4 * np.sqrt(expected / runs), (steps.mean(), expected)
