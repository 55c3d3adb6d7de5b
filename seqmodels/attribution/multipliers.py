"""DeepLIFT multipliers (rescale rule), the input's forward pass shared by all of its references.

DeepLIFT's multipliers are the gradient of a network whose non-linear operations pass back
``(f(x) − f(x′)) / (x − x′)`` instead of their derivative. Every other operation of these
networks (convolution, linear layers, batch norm and dropout in eval mode, average pooling,
padding, sums, concatenation, reshaping) is affine, and the backward pass of an affine
operation does not depend on the point at which it runs. So one forward pass of the input
``x`` records the input and output of each non-linear operation; one forward pass of its R
references, with gradients, replaces each non-linear operation's backward by the multiplier
(``x``'s activations broadcast over the references); and one backward pass gives every pair's
multipliers: R + 1/3 forward+backward units per sequence, where Captum, tangermeme and shap
run the input beside each reference (2R).

The operations are caught where they are called, by a :class:`~torch.overrides.TorchFunctionMode`,
in the order they run: activation modules and their functional forms alike, a module used
twice as two operations. :func:`check_model` traces one forward pass first and names the first
operation without an exact rule.

Rules:

- elementwise non-linearities (ReLU family, ELU, CELU, SELU, GELU, SiLU, Mish, Softplus,
  Sigmoid, Tanh, log-sigmoid, hard tanh, exp): the rescale rule; where ``|x − x′|`` is so
  small that the secant would be mostly rounding (:func:`near`), the derivative at the
  midpoint, which the secant equals to second order.
- ``max_pool1d`` and ``adaptive_max_pool1d``: within each window the output difference
  ``Δy = max(x) − max(x′)`` lies between ``Δx_i`` and ``Δx_j`` (``i``, ``j`` the argmax under
  the input and under the reference), so ``Δy = λ·Δx_i + (1 − λ)·Δx_j`` for one ``λ`` in
  [0, 1]; the multipliers are ``λ`` at ``i`` and ``1 − λ`` at ``j``. They sum the window's
  contributions to exactly ``Δy`` (Captum 0.9's rule does not) and, bounded like the
  gradient of a maximum, never amplify rounding errors.
- ``detach`` (a value the model holds constant, such as BPNet's profile weights): the
  references get the input's value, so the output stays affine in what follows it and its
  difference is fully attributed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.autograd import Function
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from seqmodels.errors import SeqmodelsError

PIECEWISE_LINEAR = {"relu", "relu6", "leaky_relu", "hardtanh"}
SMOOTH = {
    "elu", "celu", "selu", "gelu", "silu", "mish", "softplus", "sigmoid", "tanh", "logsigmoid",
    "exp", "log", "log1p",
}  # fmt: skip
ELEMENTWISE = PIECEWISE_LINEAR | SMOOTH
"""Elementwise non-linear functions with the rescale rule, by name (``torch.relu``,
``F.relu`` and ``Tensor.relu`` alike)."""


def near(name: str, dtype: torch.dtype) -> float:
    """Input differences below this (times ``1 + |x|``) take the derivative at the midpoint
    instead of the secant. A piecewise-linear function's secant is exact for any ``Δx ≠ 0``
    (0: only equal inputs take the derivative). A smooth one's secant carries the rounding of
    ``f(x) − f(x′)`` divided by ``Δx``, the midpoint derivative an error of order
    ``f‴ Δx² / 24``: they balance near ``ε^(1/3)`` (5e-3 in float32, 6e-6 in float64), where
    both are below 1e-5 of the slope."""
    return 0.0 if name in PIECEWISE_LINEAR else torch.finfo(dtype).eps ** (1 / 3)


MAX_POOLS = {
    "max_pool1d": F.max_pool1d_with_indices,
    "adaptive_max_pool1d": F.adaptive_max_pool1d_with_indices,
}
"""Max pooling functions with the λ rule, and their forms that return the argmax."""


class Engine(TorchFunctionMode):
    """Records the input's activations at each non-linear operation, then gives the
    references' forward pass DeepLIFT's backward at each of them.

    ``phase`` is ``"record"`` for the inputs' forward pass (``u`` rows) and ``"apply"`` for
    the references' (``u · r`` rows, the ``r`` references of each input together).
    """

    def __init__(self):
        super().__init__()
        self.phase = "record"
        self.records: list[tuple] = []
        self.cursor = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", None)
        if name in MAX_POOLS:
            return self._max_pool(MAX_POOLS[name], args, kwargs)
        if name in ELEMENTWISE:
            return self._elementwise(func, name, args, kwargs)
        if name == "detach":
            return self._held(func, args, kwargs)
        return func(*args, **kwargs)

    def _held(self, func, args, kwargs):
        if self.phase == "record":
            out = func(*args, **kwargs)
            self.records.append(("detach", out.clone()))
            return out
        (x_out,) = self._next("detach")
        _check_rows(args[0], x_out)
        return x_out.repeat_interleave(args[0].shape[0] // max(x_out.shape[0], 1), dim=0)

    def _elementwise(self, func, name: str, args, kwargs):
        call = _out_of_place(func, args, kwargs)
        if self.phase == "record":
            out = call(args[0])
            self.records.append((name, args[0].clone(), out))  # a copy: later code may write
            return out
        x_in, x_out = self._next(name)
        ref_in = args[0]
        with torch.no_grad():
            ref_out = call(ref_in)
        if not ref_in.requires_grad:
            return ref_out
        _check_rows(ref_in, x_in)
        return _Rescale.apply(ref_in, ref_out, x_in, x_out, call, near(name, ref_in.dtype))

    def _max_pool(self, pool, args, kwargs):
        bound = inspect.signature(pool).bind(*args, **kwargs)
        wants_indices = bound.arguments.pop("return_indices", False)
        source = bound.arguments.pop("input")
        options = dict(bound.arguments)

        def pooled(z):
            return pool(z, **options, return_indices=True)

        if self.phase == "record":
            out, index = pooled(source)
            self.records.append((pool.__name__, source.clone(), out, index))
            return (out, index) if wants_indices else out
        x_in, x_out, x_index = self._next(pool.__name__)
        with torch.no_grad():
            ref_out, ref_index = pooled(source)
        if source.requires_grad:
            _check_rows(source, x_in)
            ref_out = _MaxPool.apply(source, ref_out, ref_index, x_in, x_out, x_index)
        return (ref_out, ref_index) if wants_indices else ref_out

    def _next(self, name: str) -> tuple:
        """The inputs' record of the next operation, which must be ``name`` too."""
        if self.cursor >= len(self.records) or self.records[self.cursor][0] != name:
            raise SeqmodelsError(
                "DeepLIFT needs the same operations for a batch of inputs and one of "
                f"references, but {name} (operation {self.cursor + 1}) was not expected: "
                "does the model's forward depend on the batch size?"
            )
        self.cursor += 1
        return self.records[self.cursor - 1][1:]


def _out_of_place(func, args, kwargs) -> Callable[[torch.Tensor], torch.Tensor]:
    """``func`` with its other arguments bound, as a function of its input; in-place forms
    (``F.relu(x, inplace=True)``) run out of place."""
    rest, options = args[1:], dict(kwargs)
    if "inplace" in options:
        options["inplace"] = False
    elif len(args) > 1 and _takes_inplace(func) == len(args) - 1:
        rest = (*args[1:-1], False)

    def call(z):
        return func(z, *rest, **options)

    return call


def _takes_inplace(func) -> int | None:
    """The position of ``func``'s ``inplace`` parameter, if it has one."""
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # a builtin without a signature: none has inplace
        return None
    return names.index("inplace") if "inplace" in names else None


def _check_rows(ref: torch.Tensor, x: torch.Tensor) -> None:
    if ref.shape[0] % max(x.shape[0], 1) or ref.shape[1:] != x.shape[1:]:
        raise SeqmodelsError(
            f"DeepLIFT needs the batch first in every activation: an input of shape "
            f"{tuple(x.shape)} met a reference of shape {tuple(ref.shape)}"
        )


def _per_input(ref: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``ref`` ``(u · r, ...)`` as ``(u, r, ...)`` and ``x`` ``(u, ...)`` as ``(u, 1, ...)``."""
    return ref.view(x.shape[0], -1, *x.shape[1:]), x.unsqueeze(1)


class _Rescale(Function):
    """An elementwise non-linearity whose backward is the DeepLIFT multiplier."""

    @staticmethod
    def forward(ctx, ref_in, ref_out, x_in, x_out, call, tolerance):
        ctx.save_for_backward(ref_in, ref_out, x_in, x_out)
        ctx.call, ctx.tolerance = call, tolerance
        return ref_out.view_as(ref_out)

    @staticmethod
    def backward(ctx, grad):
        ref_in, ref_out, x_in, x_out = ctx.saved_tensors
        ref_in, x_in = _per_input(ref_in, x_in)
        ref_out, x_out = _per_input(ref_out, x_out)
        delta_in = x_in - ref_in
        grad = grad.view_as(delta_in)
        if not ctx.tolerance:  # piecewise linear: the secant, exact wherever Δx ≠ 0
            # (Δy + g·f′(x)) / (Δx + g) with a guard g far below any real Δx: the secant, or
            # the derivative where Δx = 0 (equal inputs: common after a ReLU and batch norm)
            guard = torch.finfo(delta_in.dtype).tiny ** 0.75
            slope = _derivative(ctx.call, x_in).mul_(guard)
            numerator = (x_out - ref_out).add_(slope).mul_(grad)
            return numerator.div_(delta_in.add_(guard)).flatten(0, 1), None, None, None, None, None
        close = delta_in.abs() <= ctx.tolerance * (1 + x_in.abs())
        multipliers = (x_out - ref_out) / torch.where(close, 1.0, delta_in)
        if close.any():
            midpoint = (x_in.expand_as(ref_in)[close] + ref_in[close]) / 2
            multipliers[close] = _derivative(ctx.call, midpoint)
        return (grad * multipliers).flatten(0, 1), None, None, None, None, None


def _derivative(call, z: torch.Tensor) -> torch.Tensor:
    """The derivative of an elementwise function at each value of ``z``."""
    with torch.enable_grad():
        z = z.detach().requires_grad_(True)
        (derivative,) = torch.autograd.grad(call(z).sum(), z)
    return derivative


class _MaxPool(Function):
    """Max pooling whose backward splits each window's multiplier between the argmax under the
    input and under the reference (the λ rule in the module's docstring)."""

    @staticmethod
    def forward(ctx, ref_in, ref_out, ref_index, x_in, x_out, x_index):
        ctx.save_for_backward(ref_in, ref_out, ref_index, x_in, x_out, x_index)
        return ref_out.view_as(ref_out)

    @staticmethod
    def backward(ctx, grad):
        ref_in, ref_out, ref_index, x_in, x_out, x_index = ctx.saved_tensors
        ref_in, x_in = _per_input(ref_in, x_in)
        ref_out, x_out = _per_input(ref_out, x_out)
        ref_index, x_index = _per_input(ref_index, x_index)
        x_index = x_index.expand_as(ref_index)
        # λ = (Δy − Δx_j) / (Δx_i − Δx_j) = a / (a + b), with a, b ≥ 0: how far each side's
        # maximum stands above the other side's argmax (0 and 0: coinciding argmaxes, λ = ½)
        a = x_out - x_in.expand_as(ref_in).gather(-1, ref_index)
        b = ref_out - ref_in.gather(-1, x_index)
        tiny = torch.finfo(a.dtype).tiny
        weight = (a + tiny).div_(a.add_(b).add_(2 * tiny))
        grad = grad.view_as(weight)
        at_x = weight.mul_(grad)
        multipliers = torch.zeros_like(ref_in)
        multipliers.scatter_add_(-1, x_index, at_x)
        multipliers.scatter_add_(-1, ref_index, grad - at_x)
        return multipliers.flatten(0, 1), None, None, None, None, None


@dataclass
class Multipliers:
    """One pass of :func:`multipliers`: ``multipliers`` ``(u, r, T, A, L)`` of every
    input-reference pair and target, and the outputs ``x_out`` ``(u, T)`` and ``ref_out``
    ``(u, r, T)`` of every target."""

    multipliers: torch.Tensor
    x_out: torch.Tensor
    ref_out: torch.Tensor


def multipliers(
    model: nn.Module, X: torch.Tensor, references: torch.Tensor, targets: list[int]
) -> Multipliers:
    """DeepLIFT multipliers of ``u`` inputs ``X`` ``(u, A, L)`` against their ``r`` references
    each ``(u, r, A, L)``: one forward pass of the inputs, one of the references with their
    gradients, and one backward pass per target.

    The model must be in eval mode, without parameter gradients, and pass
    :func:`check_model`.
    """
    engine = Engine()
    with engine, torch.no_grad():
        x_out = model(X)[:, targets]
    engine.phase = "apply"
    u, r = references.shape[:2]
    flat = references.flatten(0, 1).detach().requires_grad_(True)
    with engine:
        out = model(flat)
    if engine.cursor != len(engine.records):
        raise SeqmodelsError(
            f"DeepLIFT needs the same operations for a batch of inputs and one of references, "
            f"but the references ran {engine.cursor} of the inputs' {len(engine.records)}: does "
            "the model's forward depend on the batch size?"
        )
    rows = []
    for k, target in enumerate(targets):
        (grad,) = torch.autograd.grad(out[:, target].sum(), flat, retain_graph=k < len(targets) - 1)
        rows.append(grad.view(u, r, *X.shape[1:]))
    ref_out = out.detach()[:, targets].view(u, r, len(targets))
    return Multipliers(torch.stack(rows, dim=2), x_out, ref_out)
