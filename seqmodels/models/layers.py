"""Building blocks shared by the models.

Every non-linearity is its own module instance (DeepLIFT attaches its rules to modules, so a
reused or functional activation would silently give wrong attributions).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

Activation = Literal["relu", "elu"]
Pooling = Literal["max", "avg", "fractional", "none"]
Regions = Literal["pseudorandom", "random"]
GlobalPooling = Literal["max", "avg"]

ACTIVATIONS = {"relu": nn.ReLU, "elu": nn.ELU}
POOLS = {"max": nn.MaxPool1d, "avg": nn.AvgPool1d}
GLOBAL_POOLS = {"max": nn.AdaptiveMaxPool1d, "avg": nn.AdaptiveAvgPool1d}


def activation(name: str) -> nn.Module:
    """A fresh activation module."""
    return ACTIVATIONS[name]()


class ConvBlock(nn.Sequential):
    """Conv1d → (BatchNorm) → activation → (pooling) → (dropout); ``(N, C, L) → (N, C', L')``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
    dilation, stride : int
    pool : {"max", "avg", "fractional", None}
        Pooling after the activation, of ``pool_size`` with stride ``pool_size``
        (``fractional``: :class:`FractionalMaxPool1d` by the ratio ``pool_size``).
    pool_size : int or float
    pool_regions : {"pseudorandom", "random"}
    pool_seed : int
        Fractional pooling's regions at evaluation.
    batch_norm : bool
    dropout : float
    activation : {"relu", "elu"}
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        dilation: int = 1,
        stride: int = 1,
        pool: str | None = None,
        pool_size: float = 1,
        pool_regions: str = "pseudorandom",
        pool_seed: int = 0,
        batch_norm: bool = True,
        dropout: float = 0.0,
        activation: str = "relu",
    ):
        padding = dilation * (kernel_size - 1) // 2 if stride == 1 else 0
        layers: list[nn.Module] = [
            nn.Conv1d(
                in_channels,
                out_channels,
                kernel_size,
                stride=stride,
                padding=padding,
                dilation=dilation,
                bias=not batch_norm,
            )
        ]
        if batch_norm:
            layers.append(nn.BatchNorm1d(out_channels))
        layers.append(ACTIVATIONS[activation]())
        if pool == "fractional":
            layers.append(FractionalMaxPool1d(pool_size, regions=pool_regions, seed=pool_seed))
        elif pool is not None and pool_size > 1:
            layers.append(POOLS[pool](int(pool_size)))
        if dropout:
            layers.append(nn.Dropout(dropout))
        super().__init__(*layers)


class FractionalMaxPool1d(nn.Module):
    """Fractional max pooling (Graham 2014) in 1D: ``(N, C, L) → (N, C, ⌊L / ratio⌋)``, the
    maximum over disjoint regions of ⌊ratio⌋ or ⌈ratio⌉ positions.

    ``pseudorandom`` regions start at ``⌊ratio · (i + u)⌋`` for one random offset ``u``;
    ``random`` regions take the two sizes in a random order. In training each forward pass
    draws new regions from torch's random number generator; in evaluation the regions are
    fixed by ``seed`` and the input length, so predictions and attributions are
    reproducible. The regions are gathered into windows of ⌈ratio⌉ (a shorter region repeats
    its last position) and pooled by ``max_pool1d``, whose rules DeepLIFT's engine has.

    Parameters
    ----------
    ratio : float
        Input positions per output position, > 1.
    regions : {"pseudorandom", "random"}
    seed : int
    """

    def __init__(self, ratio: float, *, regions: Regions = "pseudorandom", seed: int = 0):
        super().__init__()
        if not ratio > 1:
            raise ValueError(f"fractional pooling needs a ratio > 1, got {ratio}")
        if regions not in ("pseudorandom", "random"):
            raise ValueError(f"regions {regions!r}: choose pseudorandom or random")
        self.ratio, self.regions, self.seed = float(ratio), regions, seed
        self.window = math.ceil(self.ratio)
        self._fixed: dict[tuple[int, torch.device], torch.Tensor] = {}

    def extra_repr(self) -> str:
        return f"ratio={self.ratio:g}, regions={self.regions}, seed={self.seed}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[-1]
        if self.training:
            index = self.positions(length).to(x.device)
        else:
            key = (length, x.device)
            if key not in self._fixed:
                generator = torch.Generator().manual_seed(self.seed)
                self._fixed[key] = self.positions(length, generator).to(x.device)
            index = self._fixed[key]
        return F.max_pool1d(x[..., index], self.window, self.window)

    def positions(self, length: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The input positions of each region, ``(⌊length / ratio⌋ · ⌈ratio⌉,)``, region by
        region (each padded to ⌈ratio⌉ by repeating its last position)."""
        n = int(length // self.ratio)
        if n < 1:
            raise ValueError(f"fractional pooling by {self.ratio:g} needs {self.window} positions")
        u = torch.rand((), generator=generator, dtype=torch.float64).item()
        if self.regions == "pseudorandom":
            starts = torch.floor(self.ratio * (torch.arange(n + 1) + u * (length / self.ratio - n)))
            starts = starts.long()
        else:
            small = math.floor(self.ratio)
            sizes = torch.full((n,), small)
            n_large = round(self.ratio * n) - small * n
            sizes[torch.randperm(n, generator=generator)[:n_large]] += 1
            offset = int(u * (length - int(sizes.sum()) + 1))
            starts = offset + torch.cat([torch.zeros(1, dtype=torch.long), sizes.cumsum(0)])
        begin, size = starts[:-1], starts.diff()
        steps = torch.minimum(torch.arange(self.window), size[:, None] - 1)
        return (begin[:, None] + steps).flatten()


class PreActBlock(nn.Sequential):
    """(BatchNorm) → activation → Conv1d → (dropout); ``(N, C, L) → (N, C, L)``.

    The branch of a pre-activation residual block (He et al. 2016): the sum ``x + block(x)``
    is never squashed, so a motif scanned before the block reaches the head unchanged.

    Parameters
    ----------
    channels, kernel_size : int
    dilation : int
    batch_norm : bool
    dropout : float
    activation : {"relu", "elu"}
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        *,
        dilation: int = 1,
        batch_norm: bool = True,
        dropout: float = 0.0,
        activation: str = "relu",
    ):
        layers: list[nn.Module] = [nn.BatchNorm1d(channels)] if batch_norm else []
        layers += [
            ACTIVATIONS[activation](),
            nn.Conv1d(
                channels,
                channels,
                kernel_size,
                padding=dilation * (kernel_size - 1) // 2,
                dilation=dilation,
            ),
        ]
        if dropout:
            layers.append(nn.Dropout(dropout))
        super().__init__(*layers)


class Residual(nn.Module):
    """``x + block(x)``: a residual connection around a shape-preserving block."""

    def __init__(self, block: nn.Module):
        super().__init__()
        self.block = block

    def forward(self, x):
        return x + self.block(x)


class Head(nn.Sequential):
    """Global pooling → flatten → dense layers → one output per task; ``(N, C, L) → (N, T)``.

    Parameters
    ----------
    in_channels : int
    n_outputs : int
    global_pool : {"max", "avg"}
    dense : tuple of int
        Widths of the hidden dense layers (each followed by an activation and dropout).
    dropout : float
    activation : {"relu", "elu"}
    """

    def __init__(
        self,
        in_channels: int,
        n_outputs: int,
        *,
        global_pool: str = "max",
        dense: tuple[int, ...] = (),
        dropout: float = 0.0,
        activation: str = "relu",
    ):
        layers: list[nn.Module] = [GLOBAL_POOLS[global_pool](1), nn.Flatten()]
        width = in_channels
        for units in dense:
            layers += [nn.Linear(width, units), ACTIVATIONS[activation]()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = units
        layers.append(nn.Linear(width, n_outputs))
        super().__init__(*layers)


class ProfileHead(nn.Module):
    """BPNet's two heads on a trunk's features ``(N, C, L)``: a wide convolution giving each
    coverage track's logits over the centre ``output_length`` positions (averaged over bins
    of ``bin_size``: each bin's log rate), and global average pooling, then a linear layer,
    giving each task's log(1 + total count); ``(N, C, L) → ((N, K, P), (N, T))``.

    Parameters
    ----------
    in_channels : int
    n_tracks : int
        K, coverage tracks (a task's strands side by side).
    n_tasks : int
        T.
    output_length : int
        Positions of the profile, at most the trunk's length.
    kernel_size : int
        Of the profile convolution (BPNet: 75).
    bin_size : int, optional
        P = ``output_length // bin_size`` bins instead of positions.
    """

    def __init__(
        self,
        in_channels: int,
        n_tracks: int,
        n_tasks: int,
        *,
        output_length: int,
        kernel_size: int = 75,
        bin_size: int | None = None,
    ):
        super().__init__()
        self.output_length, self.bin_size = output_length, bin_size
        self.profile = nn.Conv1d(in_channels, n_tracks, kernel_size, padding=kernel_size // 2)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.flatten = nn.Flatten()
        self.counts = nn.Linear(in_channels, n_tasks)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.profile(x)
        crop = (logits.shape[-1] - self.output_length) // 2
        logits = logits[..., crop : crop + self.output_length]
        if self.bin_size:
            logits = torch.nn.functional.avg_pool1d(logits, self.bin_size)
        return logits, self.counts(self.flatten(self.pool(x)))


class FieldTracker:
    """Receptive field of a stack of layers, updated one layer at a time.

    ``field`` is the number of input positions one output position sees; ``None`` once a
    layer (global pooling, a recurrent layer) mixes all positions.
    """

    def __init__(self):
        self.field: int | None = 1
        self.jump = 1  # input positions between neighbouring outputs

    def step(self, layer: nn.Module) -> int | None:
        """Account for ``layer`` (other layer types leave the field unchanged)."""
        if self.field is None:
            return None
        if isinstance(layer, nn.Conv1d):
            self.field += (layer.kernel_size[0] - 1) * layer.dilation[0] * self.jump
            self.jump *= layer.stride[0]
        elif isinstance(layer, (nn.MaxPool1d, nn.AvgPool1d)):
            size, stride = (_first(v) for v in (layer.kernel_size, layer.stride))
            self.field += (size - 1) * self.jump
            self.jump *= stride
        elif isinstance(layer, FractionalMaxPool1d):  # at most: every region of ⌈ratio⌉
            self.field += (layer.window - 1) * self.jump
            self.jump *= layer.window
        elif isinstance(layer, (nn.RNNBase, nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d)):
            self.field = None
        return self.field


def receptive_field(module: nn.Module) -> int | None:
    """Receptive field, in input positions, of the layers in ``module``.

    Walks the layers in registration order (the main path; residual branches are
    shape-preserving and counted once); None when a layer mixes all positions.
    """
    tracker = FieldTracker()
    for layer in module.modules():
        tracker.step(layer)
    return tracker.field


def _first(value) -> int:
    return value if isinstance(value, int) else value[0]


class TrunkHead(nn.Module):
    """A convolutional ``trunk`` ``(N, A, L) → (N, C, L′)`` followed by a :class:`Head`.

    With ``scanner_skip`` the head pools the output of the trunk's first layer beside the
    trunk's (stacked as channels; both must have the same length).
    """

    trunk: nn.Sequential
    head: nn.Module
    scanner_skip: bool = False

    @property
    def receptive_field(self) -> int | None:
        """Input positions that one position of the trunk's output sees."""
        return receptive_field(self.trunk)

    def forward(self, x):
        if not self.scanner_skip:
            return self.head(self.trunk(x))
        scanned = self.trunk[0](x)
        return self.head(torch.cat([scanned, self.trunk[1:](scanned)], dim=1))
