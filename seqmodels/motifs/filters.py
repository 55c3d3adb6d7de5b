"""First-layer convolution filters as motifs, DeepBind/Basset style: the position probability
matrix of the subsequences that activate each filter most."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from seqmodels.io.meme import Motif

INFLUENCE_P = 0.05
"""A filter is matched only where its influence on the outputs exceeds that of the
permuted-filter null at this empirical p-value."""


@torch.no_grad()
def filter_motifs(
    model: nn.Module,
    X: torch.Tensor,
    *,
    threshold: float = 0.5,
    pseudocount: float = 0.1,
    batch_size: int = 256,
) -> list[Motif]:
    """One motif per filter of the model's first convolution.

    A window of the input counts as a site of filter ``k`` where the filter's activation
    (the output of the first activation layer after the convolution) exceeds ``threshold``
    times that filter's largest activation over all of ``X``.

    Parameters
    ----------
    model : nn.Module
    X : torch.Tensor, shape (N, A, L)
    threshold : float
        Fraction of the maximum activation a window must exceed.
    pseudocount : float
        Added to each count before normalising.

    Returns
    -------
    list of Motif
        ``filter0``, ``filter1``, …, each with ``probs`` ``(A, kernel)`` and ``nsites``.
    """
    conv, activation = _first_layers(model)
    captured: list[torch.Tensor] = []
    hook = activation.register_forward_hook(lambda m, i, out: captured.append(out.detach()))
    was_training = model.training
    try:
        model.eval()
        for chunk in X.split(batch_size):
            model(chunk)
    finally:
        hook.remove()
        model.train(was_training)
    activations = torch.cat(captured)  # (N, K, L')
    kernel, pad = conv.kernel_size[0], conv.padding[0]
    windows = nn.functional.pad(X, (pad, pad)).unfold(2, kernel, conv.stride[0])  # (N, A, L', W)
    windows = windows[:, :, : activations.shape[2]]
    peak = activations.amax(dim=(0, 2))
    motifs = []
    for k in range(activations.shape[1]):
        n, position = torch.nonzero(activations[:, k] > threshold * peak[k], as_tuple=True)
        counts = windows[n, :, position].sum(dim=0).numpy() + pseudocount  # (A, W)
        probs = counts / counts.sum(axis=0, keepdims=True)
        motifs.append(Motif(f"filter{k}", np.asarray(probs), nsites=len(n)))
    return motifs


def filter_influence(
    model: nn.Module, X: torch.Tensor, *, targets: list[int], batch_size: int = 256
) -> np.ndarray:
    """How much each first-layer filter moves the model's outputs, ``(K,)``, in output units.

    Filter ``k``'s influence on output ``t`` of a sequence is ``|Σ_l (a_kl − ā_k) ∂y_t/∂a_kl|``,
    the first-order change of the output were the filter's activation ``a`` replaced by its
    mean ``ā`` over ``X`` (Basset's nullification, linearised), averaged over sequences and
    targets. Batch norm makes every filter's activation alike in size, so the activation
    alone would not tell the filters the model relies on.
    """
    _, activation = _first_layers(model)
    captured: list[torch.Tensor] = []
    hook = activation.register_forward_hook(lambda m, i, out: captured.append(out))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            total, count = 0.0, 0
            for chunk in X.split(batch_size):
                captured.clear()
                model(chunk)
                total = total + captured[0].double().sum(dim=(0, 2))
                count += captured[0].shape[0] * captured[0].shape[2]
        mean = (total / count).float()[None, :, None]  # ā, (1, K, 1)
        influence = torch.zeros(mean.shape[1], dtype=torch.float64)  # (K,)
        for chunk in X.split(batch_size):
            for target in targets:
                captured.clear()
                output = model(chunk)[:, target].sum()
                (gradient,) = torch.autograd.grad(output, captured[0])
                change = ((captured[0] - mean) * gradient).sum(dim=2).abs()  # (n, K)
                influence += change.sum(dim=0).detach().double()
    finally:
        hook.remove()
        model.train(was_training)
    return (influence / (len(X) * len(targets))).numpy()


def _first_layers(model: nn.Module) -> tuple[nn.Conv1d, nn.Module]:
    """The first convolution and the first activation module after it."""
    modules = list(model.modules())
    conv_index = next(i for i, m in enumerate(modules) if isinstance(m, nn.Conv1d))
    activation = next(
        m for m in modules[conv_index:] if isinstance(m, (nn.ReLU, nn.ELU, nn.GELU, nn.Softplus))
    )
    return modules[conv_index], activation


@torch.no_grad()
def permute_filters(model: nn.Module, *, random_state: int = 0) -> nn.Module:
    """``model`` with each first-layer filter's positions shuffled (in place; returned): the
    same weights and composition, no motif. The negative control of the motif step."""
    conv, _ = _first_layers(model)
    generator = torch.Generator().manual_seed(random_state)
    weight = conv.weight  # (K, A, W)
    for k in range(weight.shape[0]):
        weight[k] = weight[k][:, torch.randperm(weight.shape[2], generator=generator)]
    return model
