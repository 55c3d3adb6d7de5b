"""Random numbers as a function of (seed, item), never of the batch, chunk or device an item
lands on.

Each item gets a 64-bit key mixed from the seed and what identifies it — a sequence's own
content (:func:`row_keys`) or its index and the epoch (:func:`item_keys`); :func:`uniform`
turns keys into numbers with the SplitMix64 finaliser (Steele et al. 2014), counter-based and
vectorised. So a shuffle, a reference or an augmentation drawn for a sequence is the same
whatever else is in its batch, chunk or process, and in whatever order the items come.

Keys are int64 tensors holding the bits of unsigned 64-bit numbers: additions and
multiplications wrap modulo 2**64 and right shifts are made logical by a mask, so the same bits
come out on any device.
"""

from __future__ import annotations

import numpy as np
import torch


def _signed(value: int) -> int:
    """An unsigned 64-bit constant as the int64 with the same bits."""
    return value - (1 << 64) if value >= 1 << 63 else value


_GOLDEN = _signed(0x9E3779B97F4A7C15)
_MIX1 = _signed(0xBF58476D1CE4E5B9)
_MIX2 = _signed(0x94D049BB133111EB)
_POLY = 0x100000001B3  # FNV-1 64-bit prime


def _shift_right(z: torch.Tensor, shift: int) -> torch.Tensor:
    """Logical right shift of int64 bits."""
    return (z >> shift) & ((1 << (64 - shift)) - 1)


def mix(keys: torch.Tensor) -> torch.Tensor:
    """SplitMix64 of each key: int64 bits in, well-mixed int64 bits out."""
    z = keys + _GOLDEN
    z = (z ^ _shift_right(z, 30)) * _MIX1
    z = (z ^ _shift_right(z, 27)) * _MIX2
    return z ^ _shift_right(z, 31)


def derive(keys: torch.Tensor, value: int | torch.Tensor) -> torch.Tensor:
    """New keys from ``keys`` and an integer (or one per key): a stream per value."""
    value = torch.as_tensor(value, dtype=torch.int64, device=keys.device)
    return mix(keys ^ mix(value))


def seed_key(random_state: int | np.random.Generator | None) -> int:
    """The key of a seed; a generator gives one draw, None fresh entropy."""
    if isinstance(random_state, np.random.Generator):
        random_state = int(random_state.integers(2**63))
    if random_state is None:
        random_state = int(np.random.SeedSequence().entropy) & (2**63 - 1)
    return int(mix(torch.tensor(_signed(random_state % (1 << 64)))))


def row_keys(rows: torch.Tensor, random_state: int | np.random.Generator | None) -> torch.Tensor:
    """A key per row of ``rows`` ``(N, L)`` (uint8 codes), from the seed and its codes alone.

    Returns
    -------
    torch.Tensor, int64, shape (N,)
    """
    data = rows.reshape(len(rows), -1).long() + 1
    powers = torch.full((data.shape[1],), _POLY, dtype=torch.int64, device=rows.device)
    hashes = (data * powers.cumprod(0)).sum(dim=1)
    return derive(mix(hashes), _shift_right(torch.tensor(seed_key(random_state)), 1))


def item_keys(items: torch.Tensor, random_state: int, *values: int) -> torch.Tensor:
    """A key per item index, from the seed, the index and further integers (an epoch)."""
    keys = derive(items.long(), random_state)
    for value in values:
        keys = derive(keys, value)
    return keys


def uniform(keys: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` numbers in [0, 1) per key, ``(len(keys), n)`` float64 on the keys' device."""
    counters = torch.arange(1, n + 1, dtype=torch.int64, device=keys.device) * _GOLDEN
    bits = mix(keys[:, None] ^ counters[None, :])
    return _shift_right(bits, 11).double() * 2.0**-53
