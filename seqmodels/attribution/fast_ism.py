"""Fast in-silico mutagenesis: recompute only the positions a substitution can change.

A substitution at position ``p`` changes a convolution's output only within the layer's
reach of ``p``, and an element-wise layer (batch norm in eval mode, an activation, dropout)
only where its input changed. So each variant is carried through the network as a *frame*,
its activations on the few positions that can differ from the reference sequence's; all
other positions are read from the reference's activations, computed once per sequence.
Frames grow layer by layer (by ``dilation·(kernel − 1)``, then shrink by the stride) up to
global pooling, which combines the frame with the reference's pooled values outside it;
from the first layer not handled here (flatten, dense, recurrent), or once a frame covers half
its layer, the rest of the network runs on full-length tensors with the frame spliced in.
This is fastISM (Nair et al. 2022) for PyTorch, batched over the variants of many sequences.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import torch
from torch import nn
from torch.nn import functional as F

from seqmodels.models.layers import Residual, TrunkHead

ELEMENTWISE = (
    nn.ReLU,
    nn.ELU,
    nn.LeakyReLU,
    nn.GELU,
    nn.SiLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.Softplus,
    nn.Identity,
    nn.Dropout,
)
"""Layers that act on each position alone (dropout: in eval mode, as mutagenesis runs)."""


@dataclass
class Frame:
    """Variants' activations on positions ``start … start + width − 1`` of a layer.

    Attributes
    ----------
    start : torch.Tensor, shape (B,)
        Each variant's first position, in the layer's coordinates; frames may reach past
        either end of the layer, and values there are never read.
    values : torch.Tensor, shape (B, C, W)
    """

    start: torch.Tensor
    values: torch.Tensor

    @property
    def width(self) -> int:
        return self.values.shape[-1]


@dataclass
class Span:
    """Where the frames of all variants lie: starts ``first … last``, all ``width`` wide."""

    first: int
    last: int
    width: int


class Reference:
    """The reference sequences' activations ``(S, C, L)``, kept as a row of channels per
    position, zero-padded to cover positions ``first … end − 1``: as far as any window reaches.

    Parameters
    ----------
    x : torch.Tensor, shape (S, C, L)
    first, end : int
    """

    def __init__(self, x: torch.Tensor, first: int, end: int):
        self.length, self.left = x.shape[-1], max(0, -first)
        padded = F.pad(x, (self.left, max(0, end - self.length)))
        self.padded_length = padded.shape[-1]
        self.rows = padded.transpose(1, 2).reshape(-1, x.shape[1])  # (S·P, C), a row a position

    def window(self, seq: torch.Tensor, start: torch.Tensor, width: int) -> torch.Tensor:
        """Positions ``start … start + width − 1`` of sequences ``seq`` ``(B,)``, ``(B, C, width)``,
        zero outside ``0 … L − 1``."""
        rows = self.rows.index_select(0, self._rows(seq, start, width))
        return rows.view(len(seq), width, -1).transpose(1, 2)

    def splice(
        self, seq: torch.Tensor, frame: Frame, start: torch.Tensor, width: int
    ) -> torch.Tensor:
        """The variants' activations on positions ``start … start + width − 1``: the frame
        where it lies inside the layer, the reference elsewhere; ``(B, C, width)``."""
        n, channels = len(seq), self.rows.shape[1]
        out = self.rows.new_empty(n * width + 1, channels)  # the last row: frame rows left out
        torch.index_select(self.rows, 0, self._rows(seq, start, width), out=out[:-1])
        positions = frame.start[:, None] + torch.arange(frame.width, device=seq.device)
        offsets = positions - start[:, None]
        keep = (offsets >= 0) & (offsets < width) & (positions >= 0) & (positions < self.length)
        rows = torch.arange(n, device=seq.device)[:, None] * width + offsets
        destination = torch.where(keep, rows, n * width).view(-1)
        out.index_copy_(0, destination, frame.values.transpose(1, 2).reshape(-1, channels))
        return out[:-1].view(n, width, channels).transpose(1, 2)

    def _rows(self, seq: torch.Tensor, start: torch.Tensor, width: int) -> torch.Tensor:
        """Row numbers of the windows, flattened ``(B·width,)``."""
        first = seq * self.padded_length + start + self.left
        return (first[:, None] + torch.arange(width, device=seq.device)).view(-1)


class Elementwise:
    """A layer that maps each position on its own: frames stay where they are.

    ``apply`` is the layer for frames (default: the layer itself).
    """

    reads_neighbours = False

    def __init__(self, layer: nn.Module, apply=None):
        self.layer, self.apply = layer, apply or layer

    def span(self, span: Span) -> Span:
        return span

    def reference(self, x: torch.Tensor, span: Span) -> tuple[torch.Tensor, None]:
        return self.layer(x), None

    def frame(self, frame: Frame, cache: None, seq: torch.Tensor) -> Frame:
        return Frame(frame.start, self.apply(frame.values))


class Sliding:
    """A convolution or pooling layer: output ``j`` reads inputs ``j·stride − padding +
    t·dilation`` for ``t < kernel``, zeros outside the input.

    ``apply`` is the layer without its own padding.
    """

    reads_neighbours = True

    def __init__(self, layer: nn.Module, apply, *, kernel, stride, dilation=1, padding=0):
        self.layer, self.apply = layer, apply
        self.stride, self.padding = stride, padding
        self.reach = dilation * (kernel - 1)

    def start(self, start):
        """First output that reads an input at or after ``start``, ⌈(start + padding − reach)
        / stride⌉; of ints or tensors."""
        return -((self.reach - self.padding - start) // self.stride)

    def width(self, width: int) -> int:
        """Outputs that read an input in a frame ``width`` wide (at most)."""
        return (width - 1 + self.reach) // self.stride + 1

    def span(self, span: Span) -> Span:
        return Span(self.start(span.first), self.start(span.last), self.width(span.width))

    def reference(self, x: torch.Tensor, span: Span) -> tuple[torch.Tensor, Reference]:
        out = self.span(span)
        first, last = (start * self.stride - self.padding for start in (out.first, out.last))
        return self.layer(x), Reference(x, first, last + self._inputs(out.width))

    def frame(self, frame: Frame, x: Reference, seq: torch.Tensor) -> Frame:
        start, width = self.start(frame.start), self.width(frame.width)
        inputs = x.splice(seq, frame, start * self.stride - self.padding, self._inputs(width))
        return Frame(start, self.apply(inputs))

    def _inputs(self, width: int) -> int:
        """Inputs that ``width`` consecutive outputs read."""
        return (width - 1) * self.stride + self.reach + 1


class ResidualSum:
    """``x + block(x)`` around a block of stride-1 layers: frames are the union of the
    input's frame and the block's, which is shifted by a fixed ``shift``."""

    reads_neighbours = True

    def __init__(self, layer: Residual, ops: list):
        self.layer, self.ops = layer, ops
        self.shift = _spans(ops, Span(0, 0, 1))[-1].first

    def width(self, width: int) -> int:
        inner = _spans(self.ops, Span(0, 0, width))[-1].width
        return max(width, self.shift + inner) - min(0, self.shift)

    def span(self, span: Span) -> Span:
        shift = min(0, self.shift)
        return Span(span.first + shift, span.last + shift, self.width(span.width))

    def reference(self, x: torch.Tensor, span: Span):
        y, caches = x, []
        for op, inner in zip(self.ops, _spans(self.ops, span)[:-1], strict=True):
            y, cache = op.reference(y, inner)
            caches.append(cache)
        out = self.span(span)
        window = (out.first, out.last + out.width)
        return x + y, (Reference(x, *window), Reference(y, *window), caches)

    def frame(self, frame: Frame, cache, seq: torch.Tensor) -> Frame:
        x, y, caches = cache
        inner = frame
        for op, op_cache in zip(self.ops, caches, strict=True):
            inner = op.frame(inner, op_cache, seq)
        start, width = frame.start + min(0, self.shift), self.width(frame.width)
        return Frame(start, x.splice(seq, frame, start, width) + y.splice(seq, inner, start, width))


class GlobalPool:
    """Global pooling ``(N, C, L) → (N, C, 1)``: the frame combined with the reference
    outside it."""

    reads_neighbours = True

    def __init__(self, layer: nn.Module):
        self.layer = layer

    def span(self, span: Span) -> Span:
        return Span(0, 0, 1)

    @staticmethod
    def inside(frame: Frame, length: int) -> torch.Tensor:
        """Which frame positions lie inside the layer, ``(B, 1, W)``."""
        positions = frame.start[:, None] + torch.arange(frame.width, device=frame.start.device)
        return ((positions >= 0) & (positions < length))[:, None]


class GlobalMaxPool(GlobalPool):
    """The larger of the frame's maximum and the reference's outside it, from the maxima of
    the reference before and after each position."""

    def reference(self, x: torch.Tensor, span: Span):
        pooled = self.layer(x)
        edge = torch.full_like(pooled, -torch.inf)
        before = torch.cat([edge, x.cummax(dim=2).values], dim=2)  # max of x[:l] at l
        after = torch.cat([x.flip(2).cummax(dim=2).values.flip(2), edge], dim=2)  # of x[l:]
        return pooled, (before, after)

    def frame(self, frame: Frame, cache, seq: torch.Tensor) -> Frame:
        before, after = cache
        length = before.shape[-1] - 1
        first = frame.start.clamp(0, length)
        end = (frame.start + frame.width).clamp(0, length)
        outside = torch.maximum(before[seq, :, first], after[seq, :, end])
        within = frame.values.masked_fill(~self.inside(frame, length), -torch.inf).amax(dim=2)
        return Frame(torch.zeros_like(seq), torch.maximum(outside, within)[..., None])


class GlobalAvgPool(GlobalPool):
    """The reference's mean plus the frame's change to the sum, over the length."""

    def reference(self, x: torch.Tensor, span: Span):
        pooled = self.layer(x)
        return pooled, (pooled, Reference(x, span.first, span.last + span.width))

    def frame(self, frame: Frame, cache, seq: torch.Tensor) -> Frame:
        pooled, x = cache
        change = frame.values - x.window(seq, frame.start, frame.width)
        change = change.masked_fill(~self.inside(frame, x.length), 0).sum(dim=2, keepdim=True)
        return Frame(torch.zeros_like(seq), pooled[seq] + change / x.length)


class WindowedModel:
    """A model whose leading layers run on frames: the ``ops`` that do, then the ``rest`` of
    its layers on full-length tensors.

    Build one with :meth:`compile`, which returns None for a model it cannot handle.
    """

    def __init__(self, ops: list, rest: list[nn.Module]):
        self.ops, self.rest = ops, rest

    @classmethod
    def compile(cls, model: nn.Module) -> WindowedModel | None:
        """The windowed form of ``model`` (in eval mode), or None when its first layers do not
        allow one.

        The model must be a :class:`~seqmodels.models.layers.TrunkHead` (without a scanner
        skip) or an ``nn.Sequential``; its layers are taken in order (nested sequentials
        flattened) while they are of a kind handled here, without forward hooks (which the
        frames would not run): ``Conv1d`` with zero padding, ``MaxPool1d`` and ``AvgPool1d``
        without padding, ``BatchNorm1d`` with running statistics, element-wise activations,
        dropout, :class:`~seqmodels.models.layers.Residual` blocks of stride-1 layers, and
        global max or average pooling.
        """
        if getattr(model, "scanner_skip", False):
            return None  # the head reads two layers: not one chain
        if _plain(model, TrunkHead):
            layers = _leaves(model.trunk) + _leaves(model.head)
        elif _plain(model, nn.Sequential):
            layers = _leaves(model)
        else:
            return None
        ops = []
        for layer in layers:
            op = _op(layer)
            if op is None:
                break
            ops.append(op)
        if not any(op.reads_neighbours for op in ops):
            return None
        return cls(ops, layers[len(ops) :])

    def outputs(
        self,
        X: torch.Tensor,
        seq: torch.Tensor,
        position: torch.Tensor,
        symbol: torch.Tensor,
        *,
        target: int,
        batch_size: int,
    ) -> torch.Tensor:
        """Output ``target`` for each variant, ``(V,)``.

        Parameters
        ----------
        X : torch.Tensor, shape (N, A, L)
        seq, position, symbol : torch.Tensor, shape (V,)
            Variant ``v`` is ``X[seq[v]]`` with symbol ``symbol[v]`` at ``position[v]``;
            ``seq`` ascending.
        target : int
        batch_size : int
            Sequences whose reference activations are kept at once; their variants go
            through in batches of about the same memory.
        """
        outputs = torch.empty(len(seq), dtype=X.dtype, device=X.device)
        starts = torch.arange(0, len(X) + batch_size, batch_size, device=seq.device)
        for group, (first, last) in enumerate(pairwise(torch.searchsorted(seq, starts).tolist())):
            offset = group * batch_size
            caches, features, scale = self._reference(X[offset : offset + batch_size])
            final, stop = Reference(features, 0, features.shape[-1]), len(caches)
            for begin in range(first, last, batch_size * scale):
                end = min(begin + batch_size * scale, last)
                local = seq[begin:end] - offset
                symbols = F.one_hot(symbol[begin:end], X.shape[1]).to(X.dtype)
                frame = Frame(position[begin:end], symbols[..., None])
                for op, cache in zip(self.ops[:stop], caches, strict=True):
                    frame = op.frame(frame, cache, local)
                x = final.splice(local, frame, torch.zeros_like(local), features.shape[-1])
                x = x.contiguous()  # the usual layout for the layers run in full
                for layer in [op.layer for op in self.ops[stop:]] + self.rest:
                    x = layer(x)
                outputs[begin:end] = x[:, target]
        return outputs

    def _reference(self, X: torch.Tensor):
        """The references ``X`` ``(S, A, L)`` run through the ops up to the first whose frames
        would cover half its input or more (from there on, running in full costs no more).

        Returns each op's cache, the activations reached, and how many variants take the
        memory of one sequence: the ratio of a sequence's largest activation to a variant's
        largest frame (or to the activations reached, which each variant gets a copy of).
        """
        caches, span, x = [], Span(0, X.shape[-1] - 1, 1), X
        sequence, variant = X[0].numel(), 1
        for op in self.ops:
            if op.reads_neighbours and 2 * span.width >= x.shape[-1]:
                break
            x, cache = op.reference(x, span)
            caches.append(cache)
            span = op.span(span)
            sequence, variant = max(sequence, x[0].numel()), max(variant, x.shape[1] * span.width)
        return caches, x, max(1, sequence // max(variant, x[0].numel()))


def _op(layer: nn.Module):
    """``layer`` as a frame operation, or None when it is not of a kind handled here.

    Frames are kept channels-last (a row of channels per position, as splicing writes them),
    which the 2-d forms of convolution, pooling and batch norm take without a copy.
    """
    if layer._forward_hooks or layer._forward_pre_hooks:
        return None
    if _plain(layer, nn.Conv1d) and layer.padding_mode == "zeros":
        kernel, stride, dilation = layer.kernel_size[0], layer.stride[0], layer.dilation[0]
        if layer.padding == "same":  # an odd extra padding column goes on the right
            padding = dilation * (kernel - 1) // 2
        else:
            padding = 0 if layer.padding == "valid" else layer.padding[0]

        def convolve(x, conv=layer):
            weight = conv.weight.unsqueeze(2)
            y = F.conv2d(
                x.unsqueeze(2), weight, conv.bias, (1, stride), 0, (1, dilation), conv.groups
            )
            return y.squeeze(2)

        return Sliding(
            layer, convolve, kernel=kernel, stride=stride, dilation=dilation, padding=padding
        )
    if _plain(layer, nn.MaxPool1d, nn.AvgPool1d):
        kernel, stride, padding = (
            _int(v) for v in (layer.kernel_size, layer.stride, layer.padding)
        )
        if padding or _int(getattr(layer, "dilation", 1)) != 1 or layer.ceil_mode:
            return None
        pool2d = F.max_pool2d if isinstance(layer, nn.MaxPool1d) else F.avg_pool2d

        def pool(x):
            return pool2d(x.unsqueeze(2), (1, kernel), (1, stride)).squeeze(2)

        return Sliding(layer, pool, kernel=kernel, stride=stride)
    if _plain(layer, nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d) and _int(layer.output_size) == 1:
        return (GlobalMaxPool if isinstance(layer, nn.AdaptiveMaxPool1d) else GlobalAvgPool)(layer)
    if _plain(layer, nn.BatchNorm1d) and layer.running_mean is not None:

        def normalise(x, norm=layer):
            mean, var, weight, bias = norm.running_mean, norm.running_var, norm.weight, norm.bias
            y = F.batch_norm(x.unsqueeze(2), mean, var, weight, bias, False, 0.0, norm.eps)
            return y.squeeze(2)

        return Elementwise(layer, normalise)
    if _plain(layer, *ELEMENTWISE):
        return Elementwise(layer)
    if _plain(layer, Residual):
        ops = [_op(inner) for inner in _leaves(layer.block)]
        if all(
            isinstance(op, (Elementwise, ResidualSum)) or getattr(op, "stride", 0) == 1
            for op in ops
        ):
            return ResidualSum(layer, ops)
    return None


def _leaves(module: nn.Module) -> list[nn.Module]:
    """The layers of ``module`` in the order they run, nested sequentials flattened."""
    if isinstance(module, nn.Sequential):
        return [leaf for child in module for leaf in _leaves(child)]
    return [module]


def _spans(ops: list, span: Span) -> list[Span]:
    """The spans of frames going into each op (from ``span``), and coming out of the last."""
    spans = [span]
    for op in ops:
        spans.append(op.span(spans[-1]))
    return spans


def _plain(module: nn.Module, *classes: type) -> bool:
    """Whether ``module`` is one of ``classes`` and computes as that class does."""
    return any(isinstance(module, c) and type(module).forward is c.forward for c in classes)


def _int(value) -> int:
    return value if isinstance(value, int) else value[0]
