"""A Basset/DeepBind-style convolutional network."""

from __future__ import annotations

from torch import nn

from seqmodels.models.layers import (
    Activation,
    ConvBlock,
    GlobalPooling,
    Head,
    Pooling,
    TrunkHead,
)
from seqmodels.schema import PositiveInt, Probability


class CNN(TrunkHead):
    """Convolution blocks → global pooling → dense layers; ``(N, A, L) → (N, T)``.

    The defaults: 128 motif scanners of 15, max pooling by 4, 128 filters of 9 over them (a
    50 bp receptive field, where nearby sites meet), global max pooling and a linear head,
    which learns motifs, their conjunctions and spacings from a few thousand sequences; one
    block fewer misses spacing and weak motifs, one more memorised such data sets (README,
    Training defaults).

    Parameters
    ----------
    alphabet_size : int
        A, the input channels (4 for DNA).
    n_outputs : int
        T, one output (logit or value) per task or class.
    filters : tuple of int
        Output channels of each convolution block.
    kernel_sizes : tuple of int
        Kernel size of each block (same length as ``filters``).
    pool : {"max", "avg", "none"}
        Pooling after each block but the last. ``"none"`` is the all-convolutional choice:
        blocks after the first convolve with a stride of ``pool_size`` instead.
    pool_size : int
    batch_norm : bool
    dropout : float
        Dropout after each block but the first (whose filters are the motif detectors) and
        after each hidden dense layer.
    global_pool : {"max", "avg"}
    dense : tuple of int
        Hidden dense layer widths.
    activation : {"relu", "elu"}
    """

    def __init__(
        self,
        alphabet_size: int = 4,
        n_outputs: int = 1,
        *,
        filters: tuple[PositiveInt, ...] = (128, 128),
        kernel_sizes: tuple[PositiveInt, ...] = (15, 9),
        pool: Pooling = "max",
        pool_size: PositiveInt = 4,
        batch_norm: bool = True,
        dropout: Probability = 0.2,
        global_pool: GlobalPooling = "max",
        dense: tuple[PositiveInt, ...] = (),
        activation: Activation = "relu",
    ):
        super().__init__()
        if len(filters) != len(kernel_sizes):
            raise ValueError("filters and kernel_sizes must have the same length")
        blocks, channels = [], alphabet_size
        for i, (width, kernel) in enumerate(zip(filters, kernel_sizes, strict=True)):
            last = i == len(filters) - 1
            strided = pool == "none" and i > 0
            blocks.append(
                ConvBlock(
                    channels,
                    width,
                    kernel,
                    stride=pool_size if strided else 1,
                    pool=None if pool == "none" or last else pool,
                    pool_size=pool_size,
                    batch_norm=batch_norm,
                    dropout=dropout if i else 0.0,
                    activation=activation,
                )
            )
            channels = width
        self.trunk = nn.Sequential(*blocks)
        self.head = Head(
            channels,
            n_outputs,
            global_pool=global_pool,
            dense=dense,
            dropout=dropout,
            activation=activation,
        )
