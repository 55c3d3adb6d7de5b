"""Where computation runs."""

from __future__ import annotations

import contextlib

import torch
from torch import nn


def default_device(device: str | torch.device | None = None) -> torch.device:
    """``device``, or CUDA when there is one, else the CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def model_on(model: nn.Module, device: torch.device):
    """The model in eval mode on ``device`` without parameter gradients; restored afterwards,
    with any hook added meanwhile removed, even after an error."""
    training = model.training
    original = next(model.parameters()).device
    requires_grad = [p.requires_grad for p in model.parameters()]
    hooks = {m: _hook_ids(m) for m in model.modules()}
    model.eval().to(device)
    for p in model.parameters():
        p.requires_grad_(False)
    try:
        yield model
    finally:
        model.train(training).to(original)
        for p, flag in zip(model.parameters(), requires_grad, strict=True):
            p.requires_grad_(flag)
        for module, before in hooks.items():
            for registry in _HOOK_REGISTRIES:
                for key in set(getattr(module, registry)) - before[registry]:
                    del getattr(module, registry)[key]
            for attribute in ("input", "output"):  # left by Captum after an error
                module.__dict__.pop(attribute, None)


_HOOK_REGISTRIES = (
    "_forward_hooks",
    "_forward_pre_hooks",
    "_backward_hooks",
    "_backward_pre_hooks",
)


def _hook_ids(module: nn.Module) -> dict[str, set]:
    return {registry: set(getattr(module, registry)) for registry in _HOOK_REGISTRIES}
