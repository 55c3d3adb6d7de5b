"""DeepLIFT-SHAP: DeepLIFT averaged over dinucleotide shuffles of each sequence."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from seqmodels.attribution.checks import check_model
from seqmodels.attribution.common import Target, against_references, n_references
from seqmodels.attribution.multipliers import multipliers


def deeplift_shap(
    model: nn.Module,
    X: torch.Tensor,
    *,
    target: Target = 0,
    references: torch.Tensor | None = None,
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
    """DeepLIFT attributions averaged over ``n_shuffles`` dinucleotide shuffles of each
    sequence (Lundberg & Lee 2017), made on the device in bulk; the R references of a
    sequence share its forward pass, so a sequence costs about R + 1/3 forward+backward passes.

    Parameters
    ----------
    references : torch.Tensor, shape (N, R, A, L), optional
        References of your own instead of the shuffles.
    n_shuffles : int, optional
        Shuffles per sequence, R (default 20).

    The other parameters and the result are those of
    :func:`~seqmodels.attribution.deeplift.deeplift`.
    """
    if references is not None and not isinstance(references, torch.Tensor):
        raise TypeError(
            f"deeplift_shap takes references as a tensor (N, R, A, L), not {references!r}: "
            "for uniform or zero references use deeplift"
        )
    return against_references(
        model, X, multipliers, check=check_model, target=target,
        references="shuffle" if references is None else references,
        n_references=n_references(
            "shuffle" if references is None else references, n_shuffles, default=20
        ),
        hypothetical=hypothetical, return_deltas=return_deltas, tolerance=tolerance,
        names=names, batch_size=batch_size, device=device, random_state=random_state,
        verbose=verbose,
    )  # fmt: skip
