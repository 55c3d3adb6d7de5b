"""In-silico saturation mutagenesis: every single-symbol substitution, batched."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def saturation_mutagenesis(
    model: nn.Module,
    X: torch.Tensor,
    *,
    target: int,
    batch_size: int,
    window: tuple[int, int] | None = None,
) -> torch.Tensor:
    """Change in output ``target`` for every substitution, ``(B, A, L)``.

    Entry ``[i, a, l]`` is ``f(x_i with symbol a at l) − f(x_i)``: zero at the observed
    symbol, and zero outside ``window = (start, end)`` when one is given. Variants are made
    a batch at a time, so memory stays at ``batch_size`` sequences.
    """
    n, size, length = X.shape
    start, end = window or (0, length)
    positions = torch.arange(start, end, device=X.device)
    reference = model(X)[:, target]
    effects = torch.zeros_like(X)
    # variant k: sequence k // (W·A), position (k // A) % W, symbol k % A
    total = n * len(positions) * size
    for first in range(0, total, batch_size):
        k = torch.arange(first, min(first + batch_size, total), device=X.device)
        seq, pos, symbol = (
            k // (len(positions) * size),
            positions[(k // size) % len(positions)],
            k % size,
        )
        variants = X[seq].clone()
        variants[torch.arange(len(k), device=X.device), :, pos] = 0.0
        variants[torch.arange(len(k), device=X.device), symbol, pos] = 1.0
        effects[seq, symbol, pos] = model(variants)[:, target] - reference[seq]
    return effects
