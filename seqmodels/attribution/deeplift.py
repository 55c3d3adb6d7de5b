"""DeepLIFT (rescale rule) over Captum, with correct rules for max pooling.

Captum 0.9's ``MaxPool1d`` rule breaks summation-to-delta, and neither Captum nor tangermeme
has a rule for ``AdaptiveMaxPool1d`` (global max pooling). :class:`DeepLift` keeps Captum's
machinery and rules for the activations and replaces the pooling rules with one that is exact:
within each pooling window, the output difference ``Δy = max(x) − max(x′)`` is split between
the window's argmax under the input and its argmax under the reference in the one proportion
that makes their contributions sum to ``Δy`` (see :func:`max_pool_multipliers`).
"""

from __future__ import annotations

import torch
from captum.attr import DeepLift as CaptumDeepLift
from torch import nn
from torch.nn import functional as F


def max_pool_multipliers(
    module: nn.Module, inputs: torch.Tensor, outputs: torch.Tensor, grad_output: torch.Tensor
) -> torch.Tensor:
    """DeepLIFT multipliers of a 1D max pooling layer, for Captum's doubled batch.

    For a window whose maximum sits at ``i`` for the input and at ``j`` for the reference,
    ``Δy = x_i − x′_j`` always lies between ``Δx_j`` and ``Δx_i`` (because ``x_j ≤ x_i`` and
    ``x′_i ≤ x′_j``), so ``Δy = λ·Δx_i + (1 − λ)·Δx_j`` for some ``λ`` in [0, 1]. The
    multipliers are ``λ`` at ``i`` and ``1 − λ`` at ``j``: they sum the window's
    contributions to exactly ``Δy``, and, bounded like the gradient of a maximum, they never
    amplify rounding errors. When ``i = j`` this is the gradient itself.

    Parameters
    ----------
    module : nn.MaxPool1d or nn.AdaptiveMaxPool1d
    inputs, outputs : torch.Tensor, shape (2B, C, L) and (2B, C, L')
        The layer's input and output for the inputs, then for the references.
    grad_output : torch.Tensor, shape (2B, C, L')

    Returns
    -------
    torch.Tensor, shape (2B, C, L)
        New gradient with respect to the layer input (the same for both halves).
    """
    with torch.no_grad():
        x, ref = inputs.chunk(2)
        delta_in = x - ref
        delta_out = outputs[: len(x)] - outputs[len(x) :]
        index_x, index_ref = _argmax_indices(module, inputs).chunk(2)
        at_x, at_ref = delta_in.gather(-1, index_x), delta_in.gather(-1, index_ref)
        spread = at_x - at_ref
        tied = spread.abs() <= torch.finfo(x.dtype).eps * (1 + at_x.abs() + at_ref.abs())
        weight = torch.where(tied, 0.5, (delta_out - at_ref) / torch.where(tied, 1.0, spread))
        weight = weight.clamp(0.0, 1.0)
        grad = grad_output[: len(x)]
        multipliers = torch.zeros_like(x)
        multipliers.scatter_add_(-1, index_x, weight * grad)
        multipliers.scatter_add_(-1, index_ref, (1 - weight) * grad)
    return torch.cat([multipliers, multipliers])


def _argmax_indices(module: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """Input position of each pooled output's maximum, ``(2B, C, L')``."""
    if isinstance(module, nn.AdaptiveMaxPool1d):
        return F.adaptive_max_pool1d(inputs, module.output_size, return_indices=True)[1]
    return F.max_pool1d(
        inputs,
        module.kernel_size,
        module.stride,
        module.padding,
        module.dilation,
        ceil_mode=module.ceil_mode,
        return_indices=True,
    )[1]


POOLING_RULES = {nn.MaxPool1d: max_pool_multipliers, nn.AdaptiveMaxPool1d: max_pool_multipliers}


class DeepLift(CaptumDeepLift):
    """Captum's DeepLift with exact rules for ``MaxPool1d`` and ``AdaptiveMaxPool1d``, and
    backward hooks that see the gradient already rescaled by the layer after them.

    Captum registers a layer's input-gradient hook on the tensor its predecessor returned,
    after the predecessor's own output-gradient hook; with two hooked layers in a row (a
    ReLU followed by max pooling) the ReLU then rescales the unmodified gradient. Here the
    input hook sits on a copy of the input inside the layer, so hooks run in graph order.
    """

    def _register_hooks(self, module: nn.Module, attribute_to_layer_input: bool = True) -> None:
        if not self._can_register_hook(module):
            return
        self.forward_handles.append(module.register_forward_hook(self._forward_hook))
        self.forward_handles.append(module.register_forward_pre_hook(self._forward_pre_hook))
        self.backward_handles.extend(_gradient_hooks(module, self._backward_hook))

    def _is_non_linear(self, module: nn.Module) -> bool:
        return type(module) in POOLING_RULES or super()._is_non_linear(module)

    def _backward_hook(self, module: nn.Module, grad_input, grad_output):
        rule = POOLING_RULES.get(type(module))
        if rule is None:
            return super()._backward_hook(module, grad_input, grad_output)
        if not self.satisfies_attribute_criteria(module):
            raise RuntimeError(f"{module} is used more than once in the network")
        multipliers = rule(module, module.input, module.output, grad_output)
        del module.input
        del module.output
        return multipliers


def _gradient_hooks(module: nn.Module, hook) -> list:
    """Call ``hook(module, grad_input, grad_output)`` in the backward pass and let it replace
    the gradient with respect to the module's input."""
    grad_output: dict[str, torch.Tensor] = {}

    def keep_grad_output(grad: torch.Tensor) -> None:
        grad_output["grad"] = grad

    def on_output(module, inputs, output) -> None:
        output.register_hook(keep_grad_output)

    def on_input(module, inputs):
        copy = inputs[0].clone()
        copy.register_hook(lambda grad: hook(module, grad, grad_output.pop("grad")))
        return (copy, *inputs[1:])

    return [module.register_forward_pre_hook(on_input), module.register_forward_hook(on_output)]
