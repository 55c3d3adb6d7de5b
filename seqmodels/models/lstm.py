"""A DanQ-style convolution → bidirectional LSTM network (or a pure LSTM)."""

from __future__ import annotations

import torch
from torch import nn

from seqmodels.models.layers import Activation, ConvBlock, GlobalPooling, Head
from seqmodels.schema import NonNegativeInt, PositiveInt, Probability


class CNNLSTM(nn.Module):
    """Convolution + pooling → bidirectional LSTM → global pooling → dense; ``(N, A, L) → (N, T)``.

    With ``scanner_skip`` the head pools the convolution's features (the motif scanners)
    beside the LSTM's outputs: a motif's presence reaches the output directly, and the LSTM
    adds what needs context (spacing, order).

    Parameters
    ----------
    alphabet_size, n_outputs : int
    filters : int
        Convolution channels; 0 feeds the one-hot sequence straight to the LSTM (pure LSTM).
    kernel_size : int
    pool_size : int
        Max pooling after the convolution, shortening the sequence the LSTM reads.
    hidden_size : int
        LSTM units per direction.
    num_layers : int
    bidirectional : bool
    batch_norm : bool
    dropout : float
        Between LSTM layers and after each dense layer; the scanners are never dropped (a
        dropped scanner hides the weak motifs, as in the CNN's first block).
    global_pool : {"max", "avg"}
        Pooling of the LSTM outputs over positions.
    dense : tuple of int
    activation : {"relu", "elu"}
    scanner_skip : bool
        Ignored without a convolution (``filters=0``).
    """

    def __init__(
        self,
        alphabet_size: int = 4,
        n_outputs: int = 1,
        *,
        filters: NonNegativeInt = 128,
        kernel_size: PositiveInt = 15,
        pool_size: PositiveInt = 8,
        hidden_size: PositiveInt = 64,
        num_layers: PositiveInt = 1,
        bidirectional: bool = True,
        batch_norm: bool = True,
        dropout: Probability = 0.2,
        global_pool: GlobalPooling = "max",
        dense: tuple[PositiveInt, ...] = (),
        activation: Activation = "relu",
        scanner_skip: bool = True,
    ):
        super().__init__()
        if filters:
            self.conv = ConvBlock(
                alphabet_size,
                filters,
                kernel_size,
                pool="max",
                pool_size=pool_size,
                batch_norm=batch_norm,
                activation=activation,
            )
        else:
            self.conv = nn.Identity()
        self.lstm = nn.LSTM(
            filters or alphabet_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.scanner_skip = scanner_skip and filters > 0
        self.head = Head(
            hidden_size * (2 if bidirectional else 1) + (filters if self.scanner_skip else 0),
            n_outputs,
            global_pool=global_pool,
            dense=dense,
            dropout=dropout,
            activation=activation,
        )

    @property
    def receptive_field(self) -> None:
        """None: the LSTM lets every position see the whole sequence."""
        return None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.conv(x)  # (N, C, L')
        states, _ = self.lstm(features.transpose(1, 2))  # (N, L', H)
        if self.scanner_skip:
            return self.head(torch.cat([features, states.transpose(1, 2)], dim=1))
        return self.head(states.transpose(1, 2))
