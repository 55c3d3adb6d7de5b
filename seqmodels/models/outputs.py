"""One number per task from a coverage model, to attribute and to score variants with: its
predicted total count, or BPNet's weighted-mean-normalised profile logits.

Both wrap a model whose forward gives ``((N, K, P) logits or bin log rates, (N, T) log(1 +
total count))`` and map ``(N, A, L)`` to ``(N, T)``, built only of operations that DeepLIFT's
engine has exact rules for, and in the mode (training or evaluation) of the model they wrap.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

HEADS = ("counts", "profile")
"""What a coverage model's attributions explain."""


def _slices(strands: Sequence[int]) -> list[slice]:
    ends = torch.tensor(strands).cumsum(0).tolist()
    return [slice(e - n, e) for e, n in zip(ends, strands, strict=True)]


class TotalCounts(nn.Module):
    """Each task's predicted log(1 + total count), ``(N, A, L) → (N, T)``: a profile model's
    count head, or ``log(1 + Σ exp(log rate))`` over a binned model's bins and strands."""

    def __init__(self, model: nn.Module, strands: Sequence[int], *, binned: bool):
        super().__init__()
        self.model, self.tasks, self.binned = model, _slices(strands), binned
        self.train(model.training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rates, log_counts = self.model(x)
        if not self.binned:
            return log_counts
        totals = [rates[:, tracks].exp().sum(dim=(1, 2)) for tracks in self.tasks]
        return torch.log1p(torch.stack(totals, dim=1))


class ProfileShape(nn.Module):
    """BPNet's profile output, ``(N, A, L) → (N, T)``: each task's logits (over its strands
    and positions) less their mean, weighted by the predicted probabilities, which are held
    constant (``detach``: no gradient, and DeepLIFT keeps the input's). Its attributions say
    what shapes the profile, not how many reads it holds."""

    def __init__(self, model: nn.Module, strands: Sequence[int]):
        super().__init__()
        self.model, self.tasks = model, _slices(strands)
        self.train(model.training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits, _ = self.model(x)
        outputs = []
        for tracks in self.tasks:
            task = logits[:, tracks].flatten(1)
            weights = torch.softmax(task.detach(), dim=-1)
            outputs.append(((task - task.mean(dim=1, keepdim=True)) * weights).sum(dim=1))
        return torch.stack(outputs, dim=1)
