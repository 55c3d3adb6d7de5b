"""Residual dilated convolutions, BPNet/Basenji style."""

from __future__ import annotations

from typing import Literal

from torch import nn

from seqmodels.models.layers import (
    Activation,
    ConvBlock,
    GlobalPooling,
    Head,
    PreActBlock,
    ProfileHead,
    Residual,
    TrunkHead,
)
from seqmodels.schema import NonNegativeInt, PositiveInt, Probability


class DilatedCNN(TrunkHead):
    """A wide first convolution, then residual dilated convolutions with the dilation doubling
    per block, then global pooling and dense layers; ``(N, A, L) → (N, T)``.

    With ``scanner_skip`` the head pools the first convolution's features (the motif
    scanners) beside the last block's: a motif's presence reaches the output directly, and the
    dilated blocks add what needs context (spacing, order).

    Parameters
    ----------
    alphabet_size, n_outputs : int
    filters : int
        Channels throughout the trunk.
    first_kernel_size : int
    kernel_size : int
        Kernel of each dilated convolution.
    n_dilated : int
        Number of residual dilated blocks; block ``i`` has dilation ``2**(i + 1)``.
    batch_norm : bool
    dropout : float
    global_pool : {"max", "avg"}
    dense : tuple of int
    activation : {"relu", "elu"}
    scanner_skip : bool
    head : {"pool", "profile"}
        ``pool``: global pooling and dense layers, one output per task; ``profile``: BPNet's
        profile and count heads (:class:`~seqmodels.models.layers.ProfileHead`), for coverage
        targets (set by training from ``data.targets``).
    profile_kernel : int
        Kernel of the profile head's convolution.
    n_tracks, output_length, bin_size : int, optional
        The profile head's tracks, positions and bins (from the data).
    residual : {"pre", "post"}
        Order inside each residual block: ``"pre"`` (batch norm → activation → convolution →
        dropout, added to the unsquashed sum) or ``"post"`` (convolution → batch norm →
        activation → dropout, as before 0.2). With ``"post"`` a weak motif seen by the first
        convolution fades through the blocks: two-thread training on the benchmark's
        single-motif task reached 0.954 test AUROC, ``"pre"`` 0.999 (README, Training
        benchmark).
    """

    def __init__(
        self,
        alphabet_size: int = 4,
        n_outputs: int = 1,
        *,
        filters: PositiveInt = 64,
        first_kernel_size: PositiveInt = 15,
        kernel_size: PositiveInt = 3,
        n_dilated: NonNegativeInt = 5,
        batch_norm: bool = True,
        dropout: Probability = 0.1,
        global_pool: GlobalPooling = "max",
        dense: tuple[PositiveInt, ...] = (),
        activation: Activation = "relu",
        scanner_skip: bool = True,
        residual: Literal["pre", "post"] = "pre",
        head: Literal["pool", "profile"] = "pool",
        profile_kernel: PositiveInt = 75,
        n_tracks: int | None = None,
        output_length: int | None = None,
        bin_size: int | None = None,
    ):
        super().__init__()
        layers: list[nn.Module] = [
            ConvBlock(
                alphabet_size,
                filters,
                first_kernel_size,
                batch_norm=batch_norm,
                activation=activation,
            )
        ]
        for i in range(n_dilated):
            options = {
                "dilation": 2 ** (i + 1),
                "batch_norm": batch_norm,
                "dropout": dropout,
                "activation": activation,
            }
            if residual == "pre":
                block = PreActBlock(filters, kernel_size, **options)
            else:
                block = ConvBlock(filters, filters, kernel_size, **options)
            layers.append(Residual(block))
        self.trunk = nn.Sequential(*layers)
        self.scanner_skip = scanner_skip
        channels = filters * (2 if scanner_skip else 1)
        if head == "profile":
            if n_tracks is None or output_length is None:
                raise ValueError("a profile head needs coverage targets (data.targets)")
            self.head = ProfileHead(
                channels, n_tracks, n_outputs, output_length=output_length,
                kernel_size=profile_kernel, bin_size=bin_size,
            )  # fmt: skip
            return
        self.head = Head(
            channels,
            n_outputs,
            global_pool=global_pool,
            dense=dense,
            dropout=dropout,
            activation=activation,
        )
