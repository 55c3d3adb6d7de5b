"""In-silico saturation mutagenesis: every single-symbol substitution, batched, recomputing
only what each substitution changes where the model allows it."""

from __future__ import annotations

import logging

import torch
from torch import nn

from seqmodels.attribution.common import Target, blocks, prepared, shaped
from seqmodels.attribution.fast_ism import WindowedModel
from seqmodels.devices import model_on

log = logging.getLogger("seqmodels")


def ism(
    model: nn.Module,
    X: torch.Tensor,
    *,
    target: Target = 0,
    window: tuple[int, int] | None = None,
    hypothetical: bool = False,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    verbose: bool = False,
) -> torch.Tensor:
    """In-silico saturation mutagenesis of ``model``'s output(s) ``target``: the change of
    the output for every single-symbol substitution (:func:`saturation_mutagenesis`).

    Parameters
    ----------
    window : (int, int), optional
        Mutate only positions ``start … end − 1``.
    hypothetical : bool
        Centre each position's effects on their mean over the alphabet: what each symbol
        would contribute there, relative to the average symbol.

    The other parameters and the result are those of
    :func:`~seqmodels.attribution.saliency.saliency`.
    """
    results = []
    with prepared(model, X, target, device) as (device, targets):
        for _, block in blocks(X, device, verbose=verbose):
            effects = torch.stack(
                [saturation_mutagenesis(model, block, target=t, batch_size=batch_size,
                                        window=window) for t in targets],
                dim=1,
            )  # fmt: skip
            if hypothetical:
                effects = effects - effects.mean(dim=2, keepdim=True)
            results.append(effects.cpu())
    return shaped(torch.cat(results), target)


@torch.no_grad()
def saturation_mutagenesis(
    model: nn.Module,
    X: torch.Tensor,
    *,
    target: int = 0,
    batch_size: int = 32,
    window: tuple[int, int] | None = None,
    fast: bool = True,
) -> torch.Tensor:
    """Change in output ``target`` for every single-symbol substitution.

    Parameters
    ----------
    model : nn.Module
        Maps ``(N, A, L)`` to ``(N, T)``; run in eval mode on ``X``'s device, and left as
        found.
    X : torch.Tensor, shape (N, A, L)
        One-hot sequences (columns of all 0.25 or all zeros, for N or a gap, are allowed).
    target : int
        Output index.
    batch_size : int
        Variants per pass when recomputed in full; when fast, the sequences whose reference
        activations are kept at once, and a pass of variants takes about their memory.
    window : (int, int), optional
        Mutate only positions ``start … end − 1``.
    fast : bool
        Recompute only the positions each substitution can change (see
        :mod:`seqmodels.attribution.fast_ism`) where the model allows it; the results are
        the same up to float rounding. False recomputes every variant in full.

    Returns
    -------
    torch.Tensor, shape (N, A, L)
        Entry ``[i, a, l]`` is ``f(x_i with symbol a at l) − f(x_i)``: zero where that is
        ``x_i`` itself (the observed symbol) and outside ``window``.
    """
    seq, symbol, position = _substitutions(X, window)
    with model_on(model, X.device):
        reference = torch.cat([model(x)[:, target] for x in X.split(batch_size)])
        windowed = WindowedModel.compile(model) if fast else None
        if windowed is not None:
            outputs = windowed.outputs(
                X, seq, position, symbol, target=target, batch_size=batch_size
            )
        else:
            if fast:
                log.debug(
                    "fast ISM does not apply to %s: recomputing variants in full",
                    type(model).__name__,
                )
            outputs = _full_outputs(model, X, seq, position, symbol, target, batch_size)
    effects = torch.zeros_like(X)
    effects[seq, symbol, position] = outputs - reference[seq]
    return effects


def _substitutions(
    X: torch.Tensor, window: tuple[int, int] | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every single-symbol substitution that changes ``X``, as ``(seq, symbol, position)``
    index tensors of shape ``(V,)`` ordered by sequence, then position, then symbol.

    Parameters
    ----------
    X : torch.Tensor, shape (N, A, L)
    window : (int, int), optional
        Only positions ``start … end − 1``.
    """
    start, end = window or (0, X.shape[-1])
    columns = X[..., start:end]
    # symbol a at l leaves x unchanged where the column is exactly one-hot on a
    unchanged = (columns == 1) & ((columns != 0).sum(dim=1, keepdim=True) == 1)
    seq, position, symbol = torch.nonzero(~unchanged.transpose(1, 2), as_tuple=True)
    return seq, symbol, position + start


def _full_outputs(model, X, seq, position, symbol, target, batch_size) -> torch.Tensor:
    """Output ``target`` for each variant, each run through the whole model, ``(V,)``."""
    outputs = []
    for s, p, a in zip(
        seq.split(batch_size), position.split(batch_size), symbol.split(batch_size), strict=True
    ):
        variants = X[s]
        rows = torch.arange(len(s), device=X.device)
        variants[rows, :, p] = 0.0
        variants[rows, a, p] = 1.0
        outputs.append(model(variants)[:, target])
    return torch.cat(outputs) if outputs else X.new_zeros(0)
