"""``attribute``: one entry point for every attribution method, and the per-base track."""

from __future__ import annotations

import inspect

import torch
from torch import nn

from seqmodels.attribution.deeplift import deeplift
from seqmodels.attribution.deeplift_shap import deeplift_shap
from seqmodels.attribution.integrated_gradients import integrated_gradients
from seqmodels.attribution.ism import ism
from seqmodels.attribution.saliency import input_x_gradient, saliency

METHODS = {
    "saliency": saliency,
    "input_x_gradient": input_x_gradient,
    "integrated_gradients": integrated_gradients,
    "deeplift": deeplift,
    "deeplift_shap": deeplift_shap,
    "ism": ism,
}
"""Method name → function; each takes ``(model, X, *, target, …, batch_size, device, …)``."""


def attribute(model: nn.Module, X: torch.Tensor, *, method: str = "deeplift_shap", **options):
    """Attributions of ``model``'s output(s) to each symbol of ``X`` ``(N, A, L)`` by
    ``method`` (see :data:`METHODS`), with that method's own ``options`` and defaults.

    An option the method does not take is a ``TypeError`` naming it, never ignored.

    Returns
    -------
    torch.Tensor, shape (N, A, L)
        Or ``(N, T, A, L)`` for a list of targets; with ``return_deltas`` (reference
        methods), a tuple ``(attributions, deltas)``.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}; choose one of {', '.join(METHODS)}")
    unknown = [name for name in options if not takes(method, name)]
    if unknown:
        raise TypeError(f"{method} takes no argument {unknown[0]!r}")
    return METHODS[method](model, X, **options)


def takes(method: str, argument: str) -> bool:
    """Whether attribution ``method`` takes ``argument``."""
    return argument in inspect.signature(METHODS[method]).parameters


def importance_track(hypothetical: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Per-base importance ``(N, L)``: the hypothetical contribution of the observed symbol.

    For methods that satisfy completeness this equals the attributions summed over the
    alphabet.
    """
    return (hypothetical * X).sum(dim=1)
