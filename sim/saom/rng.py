"""xoshiro256** (Blackman & Vigna 2018, "Scrambled linear pseudorandom number
generators"): the kernels' random numbers, one 4-word state per simulated run, seeded
from ``numpy.random.SeedSequence`` (:func:`run_seeds`)."""

from __future__ import annotations

import numpy as np
from numba import njit

SeedLike = int | np.random.SeedSequence | None


def run_seeds(seed: SeedLike, runs: int) -> np.ndarray:
    """(runs, 4) uint64 xoshiro states: run r uses ``SeedSequence(seed).spawn(runs)[r]``.

    Run r's stream depends only on (seed, r), never on the number of runs or threads.
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    states = np.empty((runs, 4), dtype=np.uint64)
    for r in range(runs):
        child = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (r,))
        states[r] = child.generate_state(4, np.uint64)
    return states


_U17 = np.uint64(17)
_U45 = np.uint64(45)
_U11 = np.uint64(11)
_U7 = np.uint64(7)
_U5 = np.uint64(5)
_U9 = np.uint64(9)
_U64 = np.uint64(64)
_INV53 = 1.0 / 9007199254740992.0


@njit(inline="always")
def _rotl(v, k):
    return (v << k) | (v >> (_U64 - k))


@njit(inline="always")
def next_u64(s):
    """xoshiro256**: advance the 4-word state ``s`` and return 64 random bits."""
    result = _rotl(s[1] * _U5, _U7) * _U9
    t = s[1] << _U17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], _U45)
    return result


@njit(inline="always")
def next_double(s):
    """Uniform double in [0, 1) with 53 random bits."""
    return np.float64(next_u64(s) >> _U11) * _INV53
