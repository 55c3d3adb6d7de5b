"""Gradient maps: saliency (Simonyan et al. 2013) and input × gradient."""

from __future__ import annotations

import torch
from torch import nn

from seqmodels.attribution.common import Target, blocks, prepared, shaped


def saliency(
    model: nn.Module,
    X: torch.Tensor,
    *,
    target: Target = 0,
    absolute: bool = False,
    gradient_correction: bool = True,
    hypothetical: bool = False,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    verbose: bool = False,
) -> torch.Tensor:
    """Gradients of ``model``'s output(s) ``target`` with respect to ``X``.

    Parameters
    ----------
    model : nn.Module
        Maps ``(N, A, L)`` to ``(N, T)`` raw outputs (logits).
    X : torch.Tensor, shape (N, A, L)
    target : int, list of int or "all"
    absolute : bool
        Absolute gradients (not with ``hypothetical``).
    gradient_correction : bool
        Subtract the mean over the alphabet at each position (:func:`correct`).
    hypothetical : bool
        The (corrected) gradient of every symbol, which is what each would contribute: the
        same as the default without ``absolute``.
    batch_size : int
        Sequences per pass.
    device : str or torch.device, optional
        Default: CUDA when available. The model is moved back afterwards.

    Returns
    -------
    torch.Tensor, shape (N, A, L) or (N, T, A, L)
        On the CPU.
    """
    if absolute and hypothetical:
        raise ValueError("absolute gradients are not hypothetical contributions: choose one")
    grads = _gradients(model, X, target, gradient_correction, batch_size, device, verbose)
    return grads.abs() if absolute else grads


def input_x_gradient(
    model: nn.Module,
    X: torch.Tensor,
    *,
    target: Target = 0,
    gradient_correction: bool = True,
    hypothetical: bool = False,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    verbose: bool = False,
) -> torch.Tensor:
    """``X`` times the gradients of :func:`saliency` (with ``hypothetical``, the gradients:
    what each symbol would contribute). Parameters and result as :func:`saliency`'s."""
    grads = _gradients(model, X, target, gradient_correction, batch_size, device, verbose)
    if hypothetical:
        return grads
    return grads * (X if isinstance(target, int) else X.unsqueeze(1))


def correct(gradients: torch.Tensor) -> torch.Tensor:
    """Subtract the mean over the alphabet (the second-to-last axis) at each position
    (Majdandzic et al. 2023).

    One-hot inputs live on a simplex, so the gradient component orthogonal to it is noise;
    removing it leaves ``(x − x′) · g`` unchanged wherever input and reference columns sum
    alike (one-hot inputs against uniform or shuffled references).
    """
    return gradients - gradients.mean(dim=-2, keepdim=True)


def _gradients(model, X, target, correction, batch_size, device, verbose) -> torch.Tensor:
    """Gradients ``(N, A, L)`` or ``(N, T, A, L)`` of each target, corrected if asked."""
    results = []
    with prepared(model, X, target, device) as (device, targets):
        for _, block in blocks(X, device, verbose=verbose):
            for x in block.split(batch_size):
                x = x.detach().requires_grad_(True)
                out = model(x)
                grads = [
                    torch.autograd.grad(out[:, t].sum(), x, retain_graph=k < len(targets) - 1)[0]
                    for k, t in enumerate(targets)
                ]
                grads = torch.stack(grads, dim=1)
                results.append((correct(grads) if correction else grads).cpu())
    return shaped(torch.cat(results), target)
