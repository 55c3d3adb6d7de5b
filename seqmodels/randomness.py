"""Random numbers as a function of (seed, item), never of the batch or chunk an item lands in.

Each item gets a 64-bit key mixed from the seed and what identifies it — a sequence's own
content (:func:`row_keys`) or its index and the epoch (:func:`item_keys`); :func:`uniform`
turns keys into numbers with the SplitMix64 finaliser (Steele et al. 2014), counter-based and
vectorised. So a shuffle, a reference or an augmentation drawn for a sequence is the same
whatever else is in its batch, chunk or process, and in whatever order the items come.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_POLY = np.uint64(0x100000001B3)  # FNV-1 64-bit prime


def mix(keys: np.ndarray) -> np.ndarray:
    """SplitMix64 of each key: uint64 in, well-mixed uint64 out."""
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        z = np.asarray(keys, dtype=np.uint64) + _GOLDEN
        for shift, factor in ((30, _MIX1), (27, _MIX2)):
            z ^= z >> np.uint64(shift)
            z *= factor
        z ^= z >> np.uint64(31)
        return z


def derive(keys: np.ndarray, value: int | np.ndarray) -> np.ndarray:
    """New keys from ``keys`` and an integer (or one per key): a stream per value."""
    value = np.asarray(value, dtype=np.int64).astype(np.uint64)
    return mix(np.asarray(keys, dtype=np.uint64) ^ mix(value))


def seed_key(random_state: int | np.random.Generator | None) -> np.uint64:
    """The key of a seed; a generator gives one draw, None fresh entropy."""
    if isinstance(random_state, np.random.Generator):
        random_state = int(random_state.integers(2**63))
    if random_state is None:
        random_state = int(np.random.SeedSequence().entropy) & (2**63 - 1)
    return mix(np.array([random_state], dtype=np.int64).astype(np.uint64))[0]


def row_keys(rows: np.ndarray, random_state: int | np.random.Generator | None) -> np.ndarray:
    """A key per row of ``rows`` ``(N, ...)``, from the seed and the row's bytes alone.

    Returns
    -------
    numpy.ndarray, uint64, shape (N,)
    """
    rows = np.ascontiguousarray(rows)
    data = rows.reshape(len(rows), -1).view(np.uint8).astype(np.uint64)
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(data.shape[1], _POLY, dtype=np.uint64))
        hashes = ((data + np.uint64(1)) * powers).sum(axis=1, dtype=np.uint64)
    return derive(mix(hashes), int(seed_key(random_state) >> np.uint64(1)))


def item_keys(items: np.ndarray, random_state: int, *values: int) -> np.ndarray:
    """A key per item index, from the seed, the index and further integers (an epoch)."""
    keys = derive(np.asarray(items, dtype=np.int64).astype(np.uint64), random_state)
    for value in values:
        keys = derive(keys, value)
    return keys


def uniform(keys: np.ndarray, n: int) -> np.ndarray:
    """``n`` numbers in [0, 1) per key, ``(len(keys), n)`` float64."""
    counters = np.arange(1, n + 1, dtype=np.uint64) * _GOLDEN
    bits = mix(np.asarray(keys, dtype=np.uint64)[:, None] ^ counters[None, :])
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53
