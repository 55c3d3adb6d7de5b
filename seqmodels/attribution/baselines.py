"""Reference sequences for integrated gradients and DeepLIFT."""

from __future__ import annotations

import numpy as np
import torch

from seqmodels.alphabets import Alphabet, get_alphabet
from seqmodels.attribution.shuffle import dinucleotide_shuffle
from seqmodels.encoding import codes_to_one_hot, one_hot_codes

BASELINES = ("zeros", "uniform", "shuffle")


def make_baselines(
    X: torch.Tensor,
    kind: str | torch.Tensor,
    *,
    n: int = 1,
    alphabet: str | Alphabet = "dna",
    random_state: int | np.random.Generator | None = None,
) -> torch.Tensor:
    """``n`` references per sequence.

    Parameters
    ----------
    X : torch.Tensor, shape (N, A, L)
    kind : {"zeros", "uniform", "shuffle"} or torch.Tensor
        All-zero columns; ``1/A`` everywhere; dinucleotide-preserving shuffles of each
        sequence (one per reference); or explicit references ``(N, n, A, L)``,
        ``(N, A, L)`` or ``(A, L)``.
    n : int
        References per sequence (the same reference ``n`` times for zeros and uniform).

    Returns
    -------
    torch.Tensor, shape (N, n, A, L)
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
        alphabet = get_alphabet(alphabet)
        codes = one_hot_codes(X, alphabet)
        shuffled = dinucleotide_shuffle(codes, n, random_state=random_state)
        flat = torch.from_numpy(shuffled.reshape(N * n, L)).to(X.device)
        return codes_to_one_hot(flat, alphabet).to(X).reshape(N, n, A, L)
    raise ValueError(f"baselines={kind!r}; choose one of {', '.join(BASELINES)} or a tensor")
