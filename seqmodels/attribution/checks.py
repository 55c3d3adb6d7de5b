"""Checks that a model can be explained by DeepLIFT before any number is computed.

DeepLIFT attaches its rules to activation and pooling *modules*. A module used twice, a
non-linearity called as a function (``torch.relu(x)`` in a ``forward``) or a recurrent layer
(whose gates Captum cannot hook) would silently give attributions that no longer sum to the
output difference; these checks turn that into a clear error instead.
"""

from __future__ import annotations

from collections import Counter

import torch
from captum.attr._core.deep_lift import SUPPORTED_NON_LINEAR
from torch import nn
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from seqmodels.attribution.deeplift import POOLING_RULES
from seqmodels.errors import SeqmodelsError

RULED = (*SUPPORTED_NON_LINEAR, *POOLING_RULES)
"""Module types with a DeepLIFT rule."""

FUNCTIONAL = {
    F.relu,
    torch.relu,
    F.relu_,
    torch.relu_,
    torch.Tensor.relu,
    F.elu,
    F.leaky_relu,
    F.gelu,
    F.silu,
    F.softplus,
    F.sigmoid,
    torch.sigmoid,
    torch.Tensor.sigmoid,
    F.tanh,
    torch.tanh,
    torch.Tensor.tanh,
    F.softmax,
    torch.softmax,
    torch.Tensor.softmax,
    torch.exp,
    torch.Tensor.exp,
    F.max_pool1d,
    torch.max_pool1d,
    F.adaptive_max_pool1d,
}
"""Non-linear functions that need a rule when they run outside a module that has one."""


def check_deeplift_model(model: nn.Module, alphabet_size: int, length: int) -> None:
    """Raise :class:`SeqmodelsError` if DeepLIFT would give wrong numbers for ``model``.

    Runs one forward pass of a ``(1, A, L)`` input, counting the calls of each module and
    the non-linear functions called outside a module that has a DeepLIFT rule.
    """
    recurrent = [name for name, m in model.named_modules() if isinstance(m, nn.RNNBase)]
    if recurrent:
        raise SeqmodelsError(
            f"DeepLIFT cannot see inside recurrent layers ({', '.join(recurrent)}); "
            "use integrated_gradients, saliency, input_x_gradient or ism for this model"
        )
    names = {
        m: f"{name} ({type(m).__name__})" if name else type(m).__name__
        for name, m in model.named_modules()
    }
    calls: Counter = Counter()
    stack: list[nn.Module] = []
    unruled: list[str] = []

    def enter(module, inputs):
        calls[module] += 1
        stack.append(module)

    def leave(module, inputs, output):
        stack.pop()

    class Watch(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if func in FUNCTIONAL and not (stack and isinstance(stack[-1], RULED)):
                where = names[stack[-1]] if stack else "the model"
                unruled.append(f"{getattr(func, '__name__', func)} in {where}")
            return func(*args, **(kwargs or {}))

    handles = [m.register_forward_pre_hook(enter) for m in model.modules()]
    handles += [m.register_forward_hook(leave) for m in model.modules()]
    parameter = next(model.parameters())
    try:
        with torch.no_grad(), Watch():
            model(parameter.new_zeros(1, alphabet_size, length))
    finally:
        for handle in handles:
            handle.remove()
    reused = [f"{names[m]} ({n}×)" for m, n in calls.items() if n > 1 and isinstance(m, RULED)]
    if reused:
        raise SeqmodelsError(
            f"DeepLIFT needs one module instance per use, but {', '.join(reused)} is called "
            "more than once per forward pass"
        )
    if unruled:
        raise SeqmodelsError(
            "DeepLIFT has no rule for non-linear functions called outside an activation "
            f"module: {', '.join(dict.fromkeys(unruled))}; use a module (nn.ReLU(), …) per use"
        )
