"""Reference sequences for integrated gradients and DeepLIFT, made on the inputs' device."""

from __future__ import annotations

import numpy as np
import torch

from seqmodels.attribution.shuffle import shuffled_positions

REFERENCES = ("zeros", "uniform", "shuffle")


def make_references(
    X: torch.Tensor,
    kind: str | torch.Tensor,
    *,
    n: int = 1,
    random_state: int | np.random.Generator | None = None,
) -> torch.Tensor:
    """``n`` references per sequence.

    Parameters
    ----------
    X : torch.Tensor, shape (N, A, L)
    kind : {"zeros", "uniform", "shuffle"} or torch.Tensor
        All-zero columns; ``1/A`` everywhere; dinucleotide-preserving shuffles of each
        sequence (one per reference; columns that are not one-hot, such as N, shuffle as
        one symbol of their own and keep their values); or explicit references
        ``(N, n, A, L)``, ``(N, A, L)`` or ``(A, L)``.
    n : int
        References per sequence (the same reference ``n`` times for zeros and uniform).

    Returns
    -------
    torch.Tensor, shape (N, n, A, L)
        On ``X``'s device.
    """
    N, A, L = X.shape
    if isinstance(kind, torch.Tensor):
        references = kind.to(X)
        if references.dim() == 2:
            return references.expand(N, n, A, L)
        return references.unsqueeze(1) if references.dim() == 3 else references
    if kind == "zeros":
        return X.new_zeros(1, 1, A, L).expand(N, n, A, L)
    if kind == "uniform":
        return X.new_full((1, 1, A, L), 1.0 / A).expand(N, n, A, L)
    if kind == "shuffle":
        positions = shuffled_positions(column_codes(X), n, random_state=random_state)
        source = X.unsqueeze(1).expand(N, n, A, L)
        return source.gather(3, positions.unsqueeze(2).expand(N, n, A, L))
    raise ValueError(f"references={kind!r}; choose one of {', '.join(REFERENCES)} or a tensor")


def column_codes(X: torch.Tensor) -> torch.Tensor:
    """Each column of ``X`` ``(N, A, L)`` as a code ``(N, L)`` uint8: its symbol where it is
    one-hot, else ``A`` (an N, a gap)."""
    columns = X.transpose(1, 2)  # (N, L, A)
    one_hot = ((columns == 1).sum(dim=-1) == 1) & ((columns != 0).sum(dim=-1) == 1)
    return torch.where(one_hot, columns.argmax(dim=-1), X.shape[1]).to(torch.uint8)
