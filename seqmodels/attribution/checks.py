"""The model check run before any DeepLIFT pass: one traced forward pass that names, in one
line, the first operation the engine has no exact rule for.

The trace runs a ``(1, A, L)`` input that requires gradients through the model (whose
parameters do not), so every tensor that depends on the input is marked, and watches each
torch operation called on such a tensor: the non-linear operations of
:mod:`seqmodels.attribution.multipliers` have rules; the affine ones below need none; any
other (``layer_norm``, ``softmax``, a product of two input-dependent tensors, batch
statistics, an in-place activation, a recurrent layer) is an error naming it and the module
it runs in.
"""

from __future__ import annotations

import inspect

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from seqmodels.attribution.multipliers import ELEMENTWISE, MAX_POOLS
from seqmodels.errors import SeqmodelsError

AFFINE = {
    # layers
    "conv1d", "conv2d", "conv_transpose1d", "linear", "batch_norm", "dropout", "dropout1d",
    "alpha_dropout", "feature_alpha_dropout", "avg_pool1d", "adaptive_avg_pool1d", "pad",
    # sums and differences
    "add", "__add__", "__radd__", "__iadd__", "sub", "__sub__", "__rsub__", "__isub__", "neg",
    "__neg__", "sum", "mean", "cumsum",
    # shapes and copies
    "view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "squeeze", "unsqueeze",
    "transpose", "permute", "swapaxes", "movedim", "t", "contiguous", "expand", "expand_as",
    "repeat", "repeat_interleave", "narrow", "__getitem__", "select", "chunk", "split",
    "unbind", "flip", "roll", "cat", "concat", "concatenate", "stack", "clone", "to", "float",
    "double", "half", "bfloat16", "type_as",
}  # fmt: skip
"""Operations affine in their input-dependent tensors (dropout and batch norm in eval mode)."""

SCALED = {"mul", "__mul__", "__rmul__", "__imul__", "matmul", "__matmul__", "mm", "bmm", "einsum"}
"""Products: affine where at most one factor depends on the input."""

DIVIDED = {"div", "__truediv__", "__itruediv__"}
"""Divisions: affine where only the numerator depends on the input."""

QUERIES = {"__get__", "size", "dim", "numel", "__len__", "ndimension", "nelement", "__format__"}
"""Reading a tensor's shape or type."""

HELD = {"detach"}
"""Values the model holds constant (their own rule in the engine)."""


def check_model(model: nn.Module, alphabet_size: int, length: int) -> None:
    """Raise :class:`SeqmodelsError` naming the first operation of ``model`` that DeepLIFT
    has no exact rule for. The model must be in eval mode without parameter gradients."""
    names = {m: f"{name} ({type(m).__name__})" if name else type(m).__name__
             for name, m in model.named_modules()}  # fmt: skip
    recurrent = [names[m] for m in model.modules() if isinstance(m, nn.RNNBase)]
    if recurrent:
        raise SeqmodelsError(
            f"DeepLIFT has no exact rule for the recurrent layer {recurrent[0]}: use "
            "integrated_gradients, saliency, input_x_gradient or ism for this model"
        )
    stack: list[nn.Module] = []

    def enter(module, inputs) -> None:
        stack.append(module)

    def leave(module, inputs, output) -> None:
        stack.pop()

    handles = [m.register_forward_pre_hook(enter) for m in model.modules()]
    handles += [m.register_forward_hook(leave) for m in model.modules()]
    parameter = next(model.parameters())
    x = parameter.new_zeros(1, alphabet_size, length, requires_grad=True)
    trace = _Trace()
    try:
        with trace:
            model(x)
    except _Unruled as error:
        where = names[stack[-1]] if stack else "the model's forward"
        raise SeqmodelsError(
            f"DeepLIFT has no exact rule for {error} in {where}; use integrated_gradients, "
            "saliency, input_x_gradient or ism for this model"
        ) from None
    finally:
        for handle in handles:
            handle.remove()


class _Unruled(Exception):
    """An operation without a rule (its description is the message)."""


class _Trace(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", repr(func))
        dependent = [a for a in _tensors(args, kwargs) if a.requires_grad]
        if dependent and name not in QUERIES:
            problem = _problem(func, name, args, kwargs, dependent)
            if problem:
                raise _Unruled(problem)
        return func(*args, **kwargs)


def _problem(func, name: str, args, kwargs, dependent) -> str | None:
    """What makes an operation on input-dependent tensors inexact, or None."""
    if name in ELEMENTWISE or name in MAX_POOLS or name in HELD:
        return None
    if name.endswith("_") and name.rstrip("_") in ELEMENTWISE:
        return f"{name} (in place; use the out-of-place form)"
    if name in SCALED:
        return f"{name} of two input-dependent tensors" if len(dependent) > 1 else None
    if name in DIVIDED:
        divisor = args[1] if len(args) > 1 else kwargs.get("other")
        depends = isinstance(divisor, torch.Tensor) and divisor.requires_grad
        return f"{name} by an input-dependent tensor" if depends else None
    if name not in AFFINE:
        return name
    if name in ("batch_norm", "dropout", "dropout1d", "alpha_dropout", "feature_alpha_dropout"):
        bound = inspect.signature(func).bind(*args, **kwargs)
        bound.apply_defaults()
        training = bound.arguments["training"]
        return f"{name} with training=True (batch statistics)" if training else None
    return None


def _tensors(args, kwargs) -> list[torch.Tensor]:
    """The tensors among the arguments, inside lists and tuples too."""
    found = []
    for value in (*args, *kwargs.values()):
        items = value if isinstance(value, (list, tuple)) else (value,)
        found += [item for item in items if isinstance(item, torch.Tensor)]
    return found
