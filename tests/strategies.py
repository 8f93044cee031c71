"""hypothesis strategies: random directed networks with covariates."""

import numpy as np
from hypothesis import strategies as st


@st.composite
def networks(draw, min_n=3, max_n=10):
    """An int8 n x n 0/1 matrix with empty diagonal and a random density."""
    n = draw(st.integers(min_n, max_n))
    p = draw(st.sampled_from([0.1, 0.3, 0.5, 0.8]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = (rng.random((n, n)) < p).astype(np.int8)
    np.fill_diagonal(x, 0)
    return x


@st.composite
def networks_with_covariates(draw, min_n=3, max_n=10):
    """(x, actor covariates {'a': integer-valued, 'b': continuous}, dyadic {'g'})."""
    x = draw(networks(min_n, max_n))
    n = x.shape[0]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.integers(1, 4, n).astype(float)
    a[0], a[1] = 1.0, 3.0  # a varies, so simX is defined
    covs = {"a": a, "b": rng.normal(size=n)}
    dyadic = {"g": (rng.random((n, n)) < 0.4).astype(float) * rng.integers(1, 3)}
    return x, covs, dyadic
