"""DeepLIFT (rescale rule) against one reference per sequence, or several averaged."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from seqmodels.attribution.checks import check_model
from seqmodels.attribution.common import Target, against_references, n_references
from seqmodels.attribution.multipliers import multipliers


def deeplift(
    model: nn.Module,
    X: torch.Tensor,
    *,
    target: Target = 0,
    references: str | torch.Tensor = "uniform",
    n_shuffles: int | None = None,
    hypothetical: bool = False,
    return_deltas: bool = False,
    tolerance: float = 1e-3,
    names: Sequence[str] | None = None,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    random_state: int | None = 0,
    verbose: bool = False,
):
    """DeepLIFT attributions of ``model``'s output(s) ``target`` to each symbol of ``X``.

    The multipliers come from :mod:`seqmodels.attribution.multipliers` (exact rules for the
    activations and max pooling, the input's forward pass shared by its references), after
    :func:`~seqmodels.attribution.checks.check_model` has found a rule for every operation.

    Parameters
    ----------
    model : nn.Module
        Maps ``(N, A, L)`` to ``(N, T)`` raw outputs (logits), e.g. ``task.model``.
    X : torch.Tensor, shape (N, A, L)
        One-hot sequences.
    target : int, list of int or "all"
        Output index (or indices: all from one pass).
    references : {"uniform", "zeros", "shuffle"} or torch.Tensor
        The reference of each sequence (see
        :func:`~seqmodels.attribution.references.make_references`); ``"shuffle"``: the average
        over ``n_shuffles`` dinucleotide shuffles.
    n_shuffles : int, optional
        Shuffles per sequence, with ``references="shuffle"`` only (default 20).
    hypothetical : bool
        Return the contribution each symbol would make at each position (for TF-MoDISco).
    return_deltas : bool
        Also return the convergence deltas ``(N, R)`` (``(N, R, T)`` for several targets):
        attributions summed minus the output difference, relative to ``max(|difference|, 1)``.
    tolerance : float
        Deltas above this raise a warning naming the sequences (``names``).
    batch_size : int
        Sequence-reference pairs per pass.
    device : str or torch.device, optional
        Default: CUDA when available. The model is moved back afterwards.
    random_state : int, optional
        Seeds the shuffles: a sequence's references depend on the seed and the sequence alone.

    Returns
    -------
    torch.Tensor, shape (N, A, L) or (N, T, A, L)
        On the CPU; with ``return_deltas``, a tuple ``(attributions, deltas)``.
    """
    return against_references(
        model, X, multipliers, check=check_model, target=target, references=references,
        n_references=n_references(references, n_shuffles, default=20),
        hypothetical=hypothetical, return_deltas=return_deltas, tolerance=tolerance,
        names=names, batch_size=batch_size, device=device, random_state=random_state,
        verbose=verbose,
    )  # fmt: skip
