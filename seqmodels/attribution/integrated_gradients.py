"""Integrated gradients (Sundararajan et al. 2017) on Gauss–Legendre points, batch by batch."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from seqmodels.attribution.common import Target, against_references, n_references
from seqmodels.attribution.multipliers import Multipliers
from seqmodels.attribution.saliency import correct


def integrated_gradients(
    model: nn.Module,
    X: torch.Tensor,
    *,
    target: Target = 0,
    references: str | torch.Tensor = "uniform",
    n_shuffles: int | None = None,
    n_steps: int = 50,
    gradient_correction: bool | None = None,
    hypothetical: bool = False,
    return_deltas: bool = False,
    tolerance: float = 1e-3,
    names: Sequence[str] | None = None,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    random_state: int | None = 0,
    verbose: bool = False,
):
    """Integrated gradients of ``model``'s output(s) ``target`` along the straight path from
    each reference to its sequence, by ``n_steps``-point Gauss–Legendre quadrature (as Captum
    does): ``n_steps`` forward+backward passes per pair, ``batch_size`` path points at a time.

    Parameters
    ----------
    n_steps : int
        Points on each path.
    gradient_correction : bool, optional
        Subtract the mean over the alphabet from the path gradients (Majdandzic et al. 2023)
        at the positions where input and reference columns sum alike, where it leaves
        ``(x − x′) · g`` and so completeness unchanged (default); True insists on every
        position (an error against ``references="zeros"``), False keeps the raw gradients.

    The other parameters and the result are those of
    :func:`~seqmodels.attribution.deeplift.deeplift`.
    """
    compute = functools.partial(
        path_multipliers, n_steps=n_steps, correction=gradient_correction, batch_size=batch_size
    )
    return against_references(
        model, X, compute, target=target, references=references,
        n_references=n_references(references, n_shuffles, default=20),
        hypothetical=hypothetical, return_deltas=return_deltas, tolerance=tolerance,
        names=names, batch_size=batch_size, device=device, random_state=random_state,
        verbose=verbose,
    )  # fmt: skip


def path_multipliers(
    model: nn.Module,
    x: torch.Tensor,
    references: torch.Tensor,
    targets: list[int],
    *,
    n_steps: int,
    correction: bool | None,
    batch_size: int,
) -> Multipliers:
    """The path-averaged gradients of ``u`` inputs ``x`` ``(u, A, L)`` against their ``r``
    references ``(u, r, A, L)``, ``batch_size`` path points per pass."""
    u, r = references.shape[:2]
    pairs = references.flatten(0, 1)  # (P, A, L)
    difference = x.repeat_interleave(r, dim=0) - pairs
    alphas, weights = _gauss_legendre(n_steps, x)
    average = x.new_zeros(len(pairs), len(targets), *x.shape[1:])  # (P, T, A, L)
    points = torch.arange(len(pairs) * n_steps, device=x.device)
    for batch in points.split(batch_size):
        pair, step = batch // n_steps, batch % n_steps
        z = pairs[pair] + alphas[step, None, None] * difference[pair]
        z.requires_grad_(True)
        out = model(z)
        for k, target in enumerate(targets):
            keep = k < len(targets) - 1
            (grad,) = torch.autograd.grad(out[:, target].sum(), z, retain_graph=keep)
            average[:, k].index_add_(0, pair, grad * weights[step, None, None])
    if correction is not False:
        average = _corrected(average, difference, insist=correction is True)
    with torch.no_grad():
        x_out, ref_out = model(x)[:, targets], model(pairs)[:, targets]
    multipliers = average.view(u, r, len(targets), *x.shape[1:])
    return Multipliers(multipliers, x_out, ref_out.view(u, r, len(targets)))


def _gauss_legendre(n: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Points and weights of ``n``-point Gauss–Legendre quadrature on [0, 1]."""
    points, weights = np.polynomial.legendre.leggauss(n)
    as_tensor = functools.partial(torch.as_tensor, dtype=like.dtype, device=like.device)
    return as_tensor((points + 1) / 2), as_tensor(weights / 2)


def _corrected(gradients: torch.Tensor, difference: torch.Tensor, *, insist: bool):
    """Gradients ``(P, T, A, L)`` corrected at the positions where the difference of input
    and reference ``(P, A, L)`` sums to zero over the alphabet."""
    alike = difference.sum(dim=1, keepdim=True).abs().unsqueeze(1) <= 1e-6  # (P, 1, 1, L)
    if insist and not alike.all():
        raise ValueError(
            "gradient_correction=True would break completeness: the references' columns do "
            "not sum as the input's (zeros?); leave it to the default"
        )
    return torch.where(alike, correct(gradients), gradients)
