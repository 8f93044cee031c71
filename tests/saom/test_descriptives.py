"""Tests of sim.saom.descriptives against independent computations.

Every statistic is recomputed without numpy linear algebra: with networkx or with plain
Python loops over the successors of a ``networkx.DiGraph``. The random networks cover
several sizes and densities (including the empty and the complete network), and
hypothesis adds small arbitrary networks.
"""

from __future__ import annotations

import itertools
import math
from functools import cache

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.saom import descriptives

NAN = float("nan")

# --------------------------------------------------------------------------------------
# Random networks and conversion to networkx
# --------------------------------------------------------------------------------------

SIZES = (2, 3, 5, 8, 13, 25, 40)
DENSITIES = (0.0, 0.03, 0.1, 0.3, 0.6, 0.95, 1.0)
CASES = [(n, p, seed) for seed, (n, p) in enumerate(itertools.product(SIZES, DENSITIES))]
CASE_IDS = [f"n{n}-p{p}-s{seed}" for n, p, seed in CASES]


def random_network(n: int, p: float, seed: int, loops: bool = False) -> np.ndarray:
    """A random directed 0/1 network (Bernoulli(p) ties); zero diagonal unless ``loops``."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, n)) < p).astype(np.int8)
    if not loops:
        np.fill_diagonal(x, 0)
    return x


def to_digraph(x) -> nx.DiGraph:
    """The networkx DiGraph of a 0/1 matrix, ignoring the diagonal, keeping all n nodes."""
    x = np.asarray(x)
    g = nx.DiGraph()
    g.add_nodes_from(range(x.shape[0]))
    g.add_edges_from((i, j) for i, j in zip(*np.nonzero(x), strict=True) if i != j)
    return g


@cache
def case_network(n: int, p: float, seed: int) -> tuple[np.ndarray, nx.DiGraph]:
    x = random_network(n, p, seed)
    return x, to_digraph(x)


# --------------------------------------------------------------------------------------
# Independent reference computations
# --------------------------------------------------------------------------------------


def ref_reciprocity(g: nx.DiGraph) -> float:
    return nx.overall_reciprocity(g) if g.number_of_edges() else NAN


def ref_clustering(g: nx.DiGraph) -> float:
    """nx.transitivity of the symmetrised graph (0 without a connected triple)."""
    return nx.transitivity(g.to_undirected())


def ref_three_cycles(g: nx.DiGraph) -> int:
    return sum(1 for c in nx.simple_cycles(g, length_bound=3) if len(c) == 3)


def ref_mutual_dyads(g: nx.DiGraph) -> int:
    return sum(
        1 for i, j in itertools.combinations(g.nodes, 2) if g.has_edge(i, j) and g.has_edge(j, i)
    )


def ref_largest_component_share(g: nx.DiGraph) -> float:
    return max(len(c) for c in nx.weakly_connected_components(g)) / g.number_of_nodes()


NX_REFERENCE = {
    "ties": lambda g: g.number_of_edges(),
    "density": nx.density,
    "mean_degree": lambda g: float(np.mean([d for _, d in g.out_degree()])),
    "mutual_dyads": ref_mutual_dyads,
    "reciprocity": ref_reciprocity,
    "clustering": ref_clustering,
    "three_cycles": ref_three_cycles,
    "indegree_var": lambda g: float(np.var(list(dict(g.in_degree()).values()))),
    "isolates_in": lambda g: sum(1 for _, d in g.in_degree() if d == 0),
    "isolates_total": lambda g: nx.number_of_isolates(g),
    "largest_component_share": ref_largest_component_share,
}


def loop_two_paths(g: nx.DiGraph) -> int:
    """#(i, h, j) with i -> h -> j and i != j."""
    return sum(1 for i in g for h in g.successors(i) for j in g.successors(h) if j != i)


def loop_transitive_triplets(g: nx.DiGraph) -> int:
    """#(i, j, h) with i -> j, i -> h and h -> j."""
    return sum(1 for i in g for j in g.successors(i) for h in g.successors(i) if g.has_edge(h, j))


def loop_transitivity(g: nx.DiGraph) -> float:
    """Closed two-paths / two-paths; 0 without two-paths (networkx.transitivity's rule)."""
    two = loop_two_paths(g)
    return loop_transitive_triplets(g) / two if two else 0.0


LOOP_REFERENCE = {
    "two_paths": loop_two_paths,
    "transitive_triplets": loop_transitive_triplets,
    "transitivity": loop_transitivity,
}

REFERENCE = NX_REFERENCE | LOOP_REFERENCE


def loop_coleman(x, attribute) -> float:
    """Coleman's homophily of the group attribute == 1 by explicit loops."""
    n = len(attribute)
    group = [i for i in range(n) if attribute[i] == 1]
    size = len(group)
    if size < 2:
        return NAN
    sent = sum(int(x[i][j] != 0) for i in group for j in range(n) if j != i)
    inside = sum(int(x[i][j] != 0) for i in group for j in group if j != i)
    if sent == 0:
        return NAN
    p, e = inside / sent, (size - 1) / (n - 1)
    if p >= e:
        return (p - e) / (1 - e) if e < 1 else NAN  # whole network is the group: 0 / 0
    return (p - e) / e


def loop_ei_index(x, attribute) -> float:
    """Krackhardt & Stern's E-I index by explicit loops."""
    n = len(attribute)
    external = internal = 0
    for i in range(n):
        for j in range(n):
            if i != j and x[i][j] != 0:
                if attribute[i] == attribute[j]:
                    internal += 1
                else:
                    external += 1
    total = external + internal
    return (external - internal) / total if total else NAN


def close(value, expected):
    """Tight comparison for exact computations, NaN equal to NaN."""
    return value == pytest.approx(expected, rel=1e-12, abs=1e-12, nan_ok=True)


def test_reference_covers_every_column():
    """The reference table has exactly one entry for every column of summarize."""
    assert set(REFERENCE) == set(descriptives.COLUMNS)
    assert len(descriptives.COLUMNS) == len(set(descriptives.COLUMNS))


# --------------------------------------------------------------------------------------
# Single networks against the references
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", descriptives.COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_metric_matches_reference(name, case):
    """Each metric of a random network equals networkx / the Python loops, as a float."""
    x, g = case_network(*case)
    value = getattr(descriptives, name)(x)
    assert isinstance(value, float)
    assert close(value, REFERENCE[name](g)), (name, case)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 7).flatmap(lambda n: arrays(np.int8, (n, n), elements=st.integers(0, 1))))
def test_metrics_match_reference_on_arbitrary_small_networks(x):
    """All metrics agree with the references on arbitrary small networks (diagonal set too)."""
    g = to_digraph(x)
    for name in descriptives.COLUMNS:
        assert close(getattr(descriptives, name)(x), REFERENCE[name](g)), name


def test_known_small_network():
    """Hand-counted values for 0 -> 1 -> 2 -> 0 plus 0 -> 2 and the isolate 3."""
    x = np.zeros((4, 4), dtype=int)
    for i, j in [(0, 1), (1, 2), (2, 0), (0, 2)]:
        x[i, j] = 1
    assert descriptives.ties(x) == 4
    assert descriptives.mutual_dyads(x) == 1  # 0 <-> 2
    assert descriptives.reciprocity(x) == pytest.approx(0.5)
    assert descriptives.three_cycles(x) == 1
    # two-paths: 0-1-2, 1-2-0, 2-0-1, (0-2-0 excluded: i == j), (2-0-2 excluded)
    assert descriptives.two_paths(x) == 3
    assert descriptives.transitive_triplets(x) == 1  # 0 -> 1 -> 2 closed by 0 -> 2
    assert descriptives.transitivity(x) == pytest.approx(1 / 3)
    assert descriptives.clustering(x) == pytest.approx(1.0)
    assert descriptives.isolates_in(x) == 1
    assert descriptives.isolates_total(x) == 1
    assert descriptives.largest_component_share(x) == pytest.approx(0.75)


def test_empty_network_ratios_follow_networkx():
    """Without ties, transitivity and clustering are 0 as networkx.transitivity returns,
    reciprocity is NaN (networkx.overall_reciprocity raises); counts are 0."""
    x = np.zeros((6, 6))
    g = to_digraph(x)
    assert descriptives.clustering(x) == nx.transitivity(g.to_undirected()) == 0
    assert descriptives.transitivity(x) == 0
    with pytest.raises(nx.NetworkXError):
        nx.overall_reciprocity(g)
    assert math.isnan(descriptives.reciprocity(x))
    for name in ("ties", "two_paths", "three_cycles", "mutual_dyads"):
        assert getattr(descriptives, name)(x) == 0.0, name
    assert descriptives.isolates_total(x) == 6
    assert descriptives.largest_component_share(x) == pytest.approx(1 / 6)


def test_triad_free_network_has_zero_transitivity_and_clustering():
    """A star's two-paths all pass through the centre's mutual ties: a directed out-star
    has no two-path (transitivity 0); its symmetrised graph has connected triples but no
    triangle (clustering 0, as networkx.transitivity)."""
    x = np.zeros((5, 5))
    x[0, 1:] = 1
    assert descriptives.two_paths(x) == 0 and descriptives.transitivity(x) == 0
    assert descriptives.clustering(x) == nx.transitivity(to_digraph(x).to_undirected()) == 0
    assert descriptives.reciprocity(x) == 0


def test_density_of_fewer_than_two_actors_is_zero_as_networkx():
    one = np.zeros((1, 1))
    assert descriptives.density(one) == nx.density(to_digraph(one)) == 0
    assert descriptives.density(np.zeros((0, 0))) == nx.density(nx.DiGraph()) == 0


# --------------------------------------------------------------------------------------
# Attribute statistics
# --------------------------------------------------------------------------------------


def random_attribute(n: int, size: int, seed: int) -> np.ndarray:
    """A 0/1 attribute with exactly ``size`` ones at random positions."""
    v = np.zeros(n, dtype=int)
    v[np.random.default_rng(seed).choice(n, size, replace=False)] = 1
    return v


ATTRIBUTE_CASES = [
    (n, p, size, seed)
    for seed, (n, p, size) in enumerate(
        itertools.product((2, 5, 12, 30), (0.0, 0.05, 0.3, 0.8, 1.0), (0, 1, 2, 4, 11, 29, 30))
    )
    if size <= n
]


@pytest.mark.parametrize("case", ATTRIBUTE_CASES, ids=lambda c: "n{}-p{}-g{}-s{}".format(*c))
def test_attribute_metrics_match_loops(case):
    """coleman_homophily and ei_index equal the explicit loops (group sizes 0 .. n)."""
    n, p, size, seed = case
    x = random_network(n, p, seed)
    v = random_attribute(n, size, seed)
    assert close(descriptives.coleman_homophily(x, v), loop_coleman(x, v))
    assert close(descriptives.ei_index(x, v), loop_ei_index(x, v))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 9).flatmap(
        lambda n: st.tuples(
            arrays(np.int8, (n, n), elements=st.integers(0, 1)),
            arrays(np.int8, (n,), elements=st.integers(0, 1)),
        )
    )
)
def test_attribute_metrics_on_arbitrary_small_networks(data):
    """coleman_homophily and ei_index equal the loops on arbitrary small networks."""
    x, v = data
    assert close(descriptives.coleman_homophily(x, v), loop_coleman(x, v))
    assert close(descriptives.ei_index(x, v), loop_ei_index(x, v))


def test_only_in_group_ties():
    """Complete within both groups and nothing between: E-I = -1 and Coleman = 1."""
    v = np.array([1, 1, 1, 0, 0, 0, 0])
    x = (v[:, None] == v[None, :]).astype(int)
    assert descriptives.ei_index(x, v) == pytest.approx(-1.0)
    assert descriptives.coleman_homophily(x, v) == pytest.approx(1.0)


def test_only_between_group_ties():
    """Ties only between the groups: E-I = +1 and Coleman = -1 (p = 0)."""
    v = np.array([1, 1, 1, 0, 0, 0, 0])
    x = (v[:, None] != v[None, :]).astype(int)
    assert descriptives.ei_index(x, v) == pytest.approx(1.0)
    assert descriptives.coleman_homophily(x, v) == pytest.approx(-1.0)


def test_complete_network_has_no_homophily():
    """In the complete network p equals e, so Coleman = 0; E-I follows from counting ties."""
    n, v = 8, np.array([1, 1, 1, 0, 0, 0, 0, 0])
    x = np.ones((n, n))
    assert descriptives.coleman_homophily(x, v) == pytest.approx(0.0, abs=1e-12)
    external, internal = 2 * 3 * 5, 3 * 2 + 5 * 4
    expected = (external - internal) / (external + internal)
    assert descriptives.ei_index(x, v) == pytest.approx(expected)


def test_attribute_metric_nan_cases():
    """NaN without ties, when the group sends no ties, or when it has fewer than 2 members."""
    v = np.array([1, 1, 0, 0, 0])
    assert math.isnan(descriptives.coleman_homophily(np.zeros((5, 5)), v))
    assert math.isnan(descriptives.ei_index(np.zeros((5, 5)), v))
    x = np.zeros((5, 5))
    x[2:, :] = 1  # only the attribute-0 actors send ties
    assert math.isnan(descriptives.coleman_homophily(x, v))
    assert not math.isnan(descriptives.ei_index(x, v))
    full = np.ones((5, 5))
    assert math.isnan(descriptives.coleman_homophily(full, np.array([1, 0, 0, 0, 0])))
    assert math.isnan(descriptives.coleman_homophily(full, np.zeros(5, dtype=int)))


def test_boolean_attribute_equals_integer_attribute():
    """A boolean attribute gives the same values as the 0/1 integer one."""
    x = random_network(10, 0.3, 7)
    v = random_attribute(10, 4, 7)
    assert descriptives.coleman_homophily(x, v.astype(bool)) == descriptives.coleman_homophily(x, v)
    assert descriptives.ei_index(x, v.astype(bool)) == descriptives.ei_index(x, v)


def test_coleman_single_actor_is_nan():
    """A one-actor network has a group of < 2 members, so Coleman should be NaN."""
    assert math.isnan(descriptives.coleman_homophily(np.zeros((1, 1)), [1]))


# --------------------------------------------------------------------------------------
# Stacks and summarize
# --------------------------------------------------------------------------------------

STACK_DENSITIES = (0.0, 0.02, 0.1, 0.3, 0.7, 1.0)


def random_stack(n: int = 12, seed: int = 0) -> np.ndarray:
    """R = 6 networks of size n with different densities (empty to complete)."""
    return np.stack([random_network(n, p, seed + r) for r, p in enumerate(STACK_DENSITIES)])


@pytest.mark.parametrize("n", [3, 12, 30])
@pytest.mark.parametrize("name", descriptives.COLUMNS)
def test_stack_equals_per_network(name, n):
    """An (R, n, n) stack gives an array of the R single-network values (and references)."""
    stack = random_stack(n, seed=n)
    f = getattr(descriptives, name)
    values = f(stack)
    assert isinstance(values, np.ndarray) and values.shape == (len(stack),)
    np.testing.assert_array_equal(values, [f(x) for x in stack])
    np.testing.assert_allclose(
        values, [REFERENCE[name](to_digraph(x)) for x in stack], rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("name", descriptives.ATTRIBUTE_COLUMNS)
def test_attribute_stack_equals_per_network(name):
    """Attribute metrics of a stack equal the per-network values and the loops."""
    stack = random_stack(12, seed=3)
    v = random_attribute(12, 5, 3)
    values = getattr(descriptives, name)(stack, v)
    assert isinstance(values, np.ndarray) and values.shape == (len(stack),)
    np.testing.assert_array_equal(values, [getattr(descriptives, name)(x, v) for x in stack])
    loop = {"coleman_homophily": loop_coleman, "ei_index": loop_ei_index}[name]
    np.testing.assert_allclose(values, [loop(x, v) for x in stack], rtol=1e-12, atol=1e-12)


def test_stack_of_one_network_returns_array():
    """A (1, n, n) stack returns an array of length 1, not a float."""
    x = random_network(6, 0.4, 1)
    assert np.asarray(descriptives.ties(x[None])).shape == (1,)
    assert descriptives.ties(x[None])[0] == descriptives.ties(x)


def test_summarize_without_attribute():
    """One row per network, the COLUMNS in order, values equal to the functions."""
    stack = random_stack(15, seed=11)
    table = descriptives.summarize(stack)
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == list(descriptives.COLUMNS)
    assert len(table) == len(stack)
    for name in descriptives.COLUMNS:
        np.testing.assert_array_equal(table[name].to_numpy(), getattr(descriptives, name)(stack))


def test_summarize_with_attribute():
    """With an attribute the ATTRIBUTE_COLUMNS are appended and match the functions."""
    stack = random_stack(15, seed=12)
    v = random_attribute(15, 6, 12)
    table = descriptives.summarize(stack, attribute=v)
    assert list(table.columns) == list(descriptives.COLUMNS) + list(descriptives.ATTRIBUTE_COLUMNS)
    assert len(table) == len(stack)
    for name in descriptives.COLUMNS:
        np.testing.assert_array_equal(table[name].to_numpy(), getattr(descriptives, name)(stack))
    for name in descriptives.ATTRIBUTE_COLUMNS:
        np.testing.assert_array_equal(table[name].to_numpy(), getattr(descriptives, name)(stack, v))


def test_summarize_single_network_matches_references():
    """A single n x n network gives a one-row table equal to the independent references."""
    x = random_network(20, 0.15, 5)
    v = random_attribute(20, 8, 5)
    g = to_digraph(x)
    table = descriptives.summarize(x, v)
    assert len(table) == 1
    row = table.iloc[0]
    for name in descriptives.COLUMNS:
        assert close(row[name], REFERENCE[name](g)), name
    assert close(row["coleman_homophily"], loop_coleman(x, v))
    assert close(row["ei_index"], loop_ei_index(x, v))


# --------------------------------------------------------------------------------------
# Bad input and the diagonal
# --------------------------------------------------------------------------------------

ALL_FUNCTIONS = [*descriptives.COLUMNS, "summarize"]


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4), (5,), (2, 2, 3, 3)])
def test_non_square_input_raises(name, shape):
    """Networks that are not n x n or (R, n, n) raise ValueError."""
    with pytest.raises(ValueError):
        getattr(descriptives, name)(np.zeros(shape))


@pytest.mark.parametrize("name", descriptives.ATTRIBUTE_COLUMNS)
def test_attribute_functions_reject_non_square(name):
    """coleman_homophily and ei_index also reject a 3-D non-square array."""
    with pytest.raises(ValueError):
        getattr(descriptives, name)(np.zeros((2, 3, 4)), np.array([0, 1, 0]))


@pytest.mark.parametrize("name", [*descriptives.ATTRIBUTE_COLUMNS, "summarize"])
@pytest.mark.parametrize(
    "attribute",
    [
        [0, 1, 2, 0, 1],
        [0.0, 0.5, 1.0, 0.0, 1.0],
        [-1, 0, 1, 0, 1],
        [0, 1, 0, 1],
        [0, 1, 0, 1, 0, 1],
    ],
    ids=["value-2", "value-0.5", "value-minus1", "too-short", "too-long"],
)
def test_bad_attribute_raises(name, attribute):
    """A non-binary attribute, or one of the wrong length, raises ValueError."""
    x = random_network(5, 0.5, 0)
    with pytest.raises(ValueError):
        if name == "summarize":
            descriptives.summarize(x, attribute=np.array(attribute))
        else:
            getattr(descriptives, name)(x, np.array(attribute))


@pytest.mark.parametrize("seed", range(5))
def test_diagonal_is_ignored(seed):
    """Self-loops change none of the statistics, for single networks and stacks."""
    n = 10
    with_loops = random_network(n, 0.3, seed, loops=True)
    with_loops[np.arange(n), np.arange(n)] = 1
    without = with_loops.copy()
    np.fill_diagonal(without, 0)
    v = random_attribute(n, 4, seed)
    for name in descriptives.COLUMNS:
        f = getattr(descriptives, name)
        assert close(f(with_loops), f(without)), name
    for name in descriptives.ATTRIBUTE_COLUMNS:
        f = getattr(descriptives, name)
        assert close(f(with_loops, v), f(without, v)), name
    pd.testing.assert_frame_equal(
        descriptives.summarize(np.stack([with_loops, without]), v).iloc[[0]].reset_index(drop=True),
        descriptives.summarize(without[None], v),
    )


def test_input_is_not_modified():
    """Zeroing the diagonal internally does not alter the caller's array."""
    x = random_network(6, 0.5, 2, loops=True)
    x[0, 0] = 1
    before = x.copy()
    descriptives.summarize(x, random_attribute(6, 3, 2))
    np.testing.assert_array_equal(x, before)
