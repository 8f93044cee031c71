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
    return spawned_states(seed, np.arange(runs, dtype=np.uint64)[:, None])


def spawned_states(seed: SeedLike, keys: np.ndarray) -> np.ndarray:
    """(T, 4) uint64: row t is ``SeedSequence(entropy, spawn_key=root.spawn_key +
    tuple(keys[t])).generate_state(4, np.uint64)`` of the root ``seed``, each key below
    2**32, computed by numpy's SeedSequence algorithm (O'Neill's seed_seq_fe hashing, as
    numpy.random.SeedSequence implements it) without a Python object per row."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    keys = np.asarray(keys, dtype=np.uint64).reshape(len(keys), -1)
    if keys.size and int(keys.max()) > _M32:
        raise ValueError("spawn keys must be below 2**32")
    ent = root.entropy
    assert ent is not None, "a SeedSequence always has its entropy"
    run = _words(ent) if isinstance(ent, int | np.integer) else [v for e in ent
                                                                for v in _words(e)]
    if root.spawn_key or keys.shape[1]:  # numpy pads the entropy before spawn keys
        run += [0] * max(0, _POOL - len(run))
    prefix = run + [v for k in root.spawn_key for v in _words(k)]
    words = np.empty((len(keys), len(prefix) + keys.shape[1]), dtype=np.uint64)
    words[:, :len(prefix)] = np.array(prefix, dtype=np.uint64)
    words[:, len(prefix):] = keys
    out = np.empty((len(keys), 4), dtype=np.uint64)
    _seed_states(words, out)
    return out


_M32 = 0xFFFFFFFF
_POOL = 4
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715


def _words(x: int) -> list[int]:
    """A non-negative integer as 32-bit words, least significant first ([0] for 0)."""
    x = int(x)
    out = [x & _M32] if x == 0 else []
    while x > 0:
        out.append(x & _M32)
        x >>= 32
    return out


@njit(cache=True)
def _hashmix(value, h):
    value ^= h[0]
    h[0] = (h[0] * _MULT_A) & _M32
    value = (value * h[0]) & _M32
    return value ^ (value >> 16)


@njit(cache=True)
def _mix(x, y):
    r = (_MIX_L * x - _MIX_R * y) & _M32
    return r ^ (r >> 16)


@njit(cache=True)
def _seed_states(words, out):
    """out[t] = the 4 uint64 words SeedSequence generates from entropy words words[t]:
    the words hashed into a pool of 4, mixed, then 8 hashed 32-bit outputs."""
    h = np.zeros(1, dtype=np.uint64)
    pool = np.zeros(_POOL, dtype=np.uint64)
    half = np.zeros(2, dtype=np.uint64)
    for t in range(words.shape[0]):
        w = words[t]
        h[0] = _INIT_A
        for i in range(_POOL):
            pool[i] = _hashmix(w[i] if i < w.shape[0] else np.uint64(0), h)
        for src in range(_POOL):
            for dst in range(_POOL):
                if src != dst:
                    pool[dst] = _mix(pool[dst], _hashmix(pool[src], h))
        for src in range(_POOL, w.shape[0]):
            for dst in range(_POOL):
                pool[dst] = _mix(pool[dst], _hashmix(w[src], h))
        hb = np.uint64(_INIT_B)
        for k in range(4):
            for b in range(2):
                v = pool[(2 * k + b) % _POOL] ^ hb
                hb = (hb * np.uint64(_MULT_B)) & np.uint64(_M32)
                v = (v * hb) & np.uint64(_M32)
                half[b] = v ^ (v >> np.uint64(16))
            out[t, k] = half[0] | (half[1] << np.uint64(32))


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
