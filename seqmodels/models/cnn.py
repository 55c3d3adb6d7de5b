"""A Basset/DeepBind-style convolutional network."""

from __future__ import annotations

from torch import nn

from seqmodels.models.layers import (
    Activation,
    ConvBlock,
    GlobalPooling,
    Head,
    Pooling,
    Regions,
    TrunkHead,
)
from seqmodels.schema import PoolRatio, PositiveInt, Probability


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
    pool : {"max", "avg", "fractional", "none"}
        Pooling after each block but the last. ``"fractional"``: fractional max pooling
        (:class:`~seqmodels.models.layers.FractionalMaxPool1d`) by the ratio ``pool_size``.
        ``"none"`` is the all-convolutional choice: blocks after the first convolve with a
        stride of ``pool_size`` instead.
    pool_size : int or float
        A number > 1 that is not an integer only for fractional pooling.
    pool_regions : {"pseudorandom", "random"}
        Fractional pooling's region sizes: ⌊ratio⌋ and ⌈ratio⌉ spread evenly from a random
        offset, or in random order (Graham 2014); drawn anew at each training step, fixed by
        the block's index in evaluation.
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
        pool_size: PositiveInt | PoolRatio = 4,
        pool_regions: Regions = "pseudorandom",
        batch_norm: bool = True,
        dropout: Probability = 0.2,
        global_pool: GlobalPooling = "max",
        dense: tuple[PositiveInt, ...] = (),
        activation: Activation = "relu",
    ):
        super().__init__()
        if len(filters) != len(kernel_sizes):
            raise ValueError("filters and kernel_sizes must have the same length")
        if pool != "fractional" and pool_size != int(pool_size):
            raise ValueError(f"pool_size {pool_size}: only fractional pooling takes a fraction")
        if pool == "fractional" and not pool_size > 1:  # even with no block to pool after
            raise ValueError(f"pool_size {pool_size}: fractional pooling needs a ratio > 1")
        blocks, channels = [], alphabet_size
        for i, (width, kernel) in enumerate(zip(filters, kernel_sizes, strict=True)):
            last = i == len(filters) - 1
            strided = pool == "none" and i > 0
            blocks.append(
                ConvBlock(
                    channels,
                    width,
                    kernel,
                    stride=int(pool_size) if strided else 1,
                    pool=None if pool == "none" or last else pool,
                    pool_size=pool_size,
                    pool_regions=pool_regions,
                    pool_seed=i,
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
