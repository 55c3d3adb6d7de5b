"""Gradient methods over Captum: saliency, input × gradient, integrated gradients."""

from __future__ import annotations

import torch
from captum.attr import IntegratedGradients, Saliency
from torch import nn


def correct(gradients: torch.Tensor) -> torch.Tensor:
    """Subtract the mean over the alphabet at each position (Majdandzic et al. 2023).

    One-hot inputs live on a simplex, so the gradient component orthogonal to it is noise;
    removing it leaves ``(x − x′) · g`` unchanged whenever input and reference columns both
    sum to one (uniform and shuffled references).
    """
    return gradients - gradients.mean(dim=1, keepdim=True)


def input_gradients(model: nn.Module, X: torch.Tensor, *, target: int) -> torch.Tensor:
    """Gradient of output ``target`` with respect to ``X`` ``(B, A, L)``, via Captum."""
    return Saliency(model).attribute(X, target=target, abs=False)


def path_gradients(
    model: nn.Module,
    X: torch.Tensor,
    references: torch.Tensor,
    *,
    target: int,
    n_steps: int,
    batch_size: int,
) -> torch.Tensor:
    """Gradients integrated along the straight path from each reference to its input
    (Captum's integrated gradients before the multiplication by ``X − X′``), ``(B, A, L)``.

    Captum evaluates the ``B · n_steps`` points in batches of ``batch_size``.
    """
    method = IntegratedGradients(model, multiply_by_inputs=False)
    return method.attribute(
        X, references, target=target, n_steps=n_steps, internal_batch_size=batch_size
    )
