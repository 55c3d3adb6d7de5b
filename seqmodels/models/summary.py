"""Layer-by-layer summary of a model: output shapes from a real forward pass, parameter
counts and the receptive field."""

from __future__ import annotations

import torch
from torch import nn

from seqmodels.models.layers import FieldTracker


def layer_shapes(
    model: nn.Module, alphabet_size: int, length: int
) -> list[tuple[str, nn.Module, tuple]]:
    """``(name, module, output shape)`` of each leaf module, in call order, for one sequence.

    The shapes come from forward hooks on a real forward pass of a ``(1, A, L)`` input, so
    they are exactly what the model computes (convolution, dilation, padding, pooling).
    """
    rows, hooks = [], []
    names = {module: name for name, module in model.named_modules()}

    def record(module, _inputs, output):
        output = output[0] if isinstance(output, tuple) else output
        rows.append((names[module], module, tuple(output.shape)))

    for module in model.modules():
        if not list(module.children()):
            hooks.append(module.register_forward_hook(record))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, alphabet_size, length))
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    return rows


def summarize(model: nn.Module, alphabet_size: int, length: int) -> str:
    """A table of layers with output shapes ``(N, C, L)``, parameters and receptive field."""
    lines = [f"{'layer':<28}{'type':<20}{'output shape':<18}{'params':>10}{'field':>8}"]
    tracker = FieldTracker()
    for name, module, shape in layer_shapes(model, alphabet_size, length):
        params = sum(p.numel() for p in module.parameters())
        rf = tracker.step(module)
        lines.append(
            f"{name:<28}{type(module).__name__:<20}{shape!s:<18}{params:>10,}"
            f"{rf if rf is not None else 'all':>8}"
        )
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    lines.append(f"parameters: {total:,} ({trainable:,} trainable)")
    rf = model.receptive_field
    lines.append(
        f"receptive field: {rf} positions (of the last convolution)"
        if rf
        else "receptive field: the whole sequence"
    )
    return "\n".join(lines)
