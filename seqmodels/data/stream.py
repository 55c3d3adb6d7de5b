"""Genome intervals whose sequences are read and encoded a chunk at a time, so that predicting
or attributing over a whole BED file or a tiled genome holds one chunk of sequence in memory."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyfaidx
import torch

from seqmodels.alphabets import Alphabet
from seqmodels.encoding import model_inputs, to_indices
from seqmodels.errors import SeqmodelsError
from seqmodels.io.bed import Intervals, open_genome, read_sequences
from seqmodels.io.coverage import Targets, read_profiles


@dataclass
class IntervalSet:
    """Intervals of one length over a genome, in the order given, read on demand.

    It answers what a :class:`~seqmodels.data.SequenceSet` answers — ``len``, ``length``,
    ``alphabet``, ``chrom``, ``start``, ``strand``, ``ids_at``, ``codes_at``, ``numeric_at``
    and ``inputs_at`` — without holding codes.

    Attributes
    ----------
    intervals : Intervals
        Placed on the genome (see :func:`~seqmodels.io.bed.place_on_genome`); minus-strand
        intervals are read reverse-complemented.
    genome : Path
        Indexed genome FASTA.
    alphabet : Alphabet
    unknown : str
        Policy for symbols outside the alphabet (see :func:`~seqmodels.to_indices`).
    source : str
        The input, for messages.
    channels : Targets, optional
        bigWig input channels, read over each interval with its sequence.
    """

    intervals: Intervals
    genome: Path
    alphabet: Alphabet
    unknown: str = "error"
    source: str = "intervals"
    channels: Targets | None = None

    def __post_init__(self):
        lengths = np.unique(self.intervals.end - self.intervals.start)
        if len(lengths) > 1:
            raise SeqmodelsError(f"{self.source}: intervals differ in length; resize them first")

    def __len__(self) -> int:
        return len(self.intervals)

    @property
    def length(self) -> int:
        return int(self.intervals.end[0] - self.intervals.start[0]) if len(self) else 0

    def ids_at(self, index: np.ndarray) -> list[str]:
        """``chrom:start-end`` (and strand) of the intervals at ``index``."""
        return self.intervals.take(index).ids

    @property
    def chrom(self) -> np.ndarray:
        return self.intervals.chrom

    @property
    def start(self) -> np.ndarray:
        return self.intervals.start

    @property
    def strand(self) -> np.ndarray:
        return self.intervals.strand

    def codes_at(self, index: np.ndarray) -> np.ndarray:
        """Codes ``(n, L)`` of the intervals at ``index``, read from the genome now."""
        chunk = self.intervals.take(index)
        seqs = read_sequences(self._fasta, chunk)
        try:
            return to_indices(seqs, self.alphabet, unknown=self.unknown, names=chunk.ids)
        except SeqmodelsError as err:
            raise SeqmodelsError(f"{self.genome} (intervals of {self.source}): {err}") from None

    @property
    def n_channels(self) -> int:
        """C, the input channels read beside each sequence."""
        return sum(self.channels.strands) if self.channels is not None else 0

    def numeric_at(self, index: np.ndarray) -> np.ndarray | None:
        """Input channels ``(n, C, L)`` of the intervals at ``index``, read now, if any."""
        if self.channels is None:
            return None
        chunk = self.intervals.take(index)
        values, _ = read_profiles(
            self.channels, chunk.chrom, chunk.start, self.length, chunk.strand, counts=False
        )
        return values

    def inputs_at(self, index: np.ndarray, device=None) -> torch.Tensor:
        """Model inputs ``(n, A + C, L)`` of the intervals at ``index``, on ``device``."""
        return model_inputs(self.codes_at(index), self.numeric_at(index), self.alphabet, device)

    @cached_property
    def _fasta(self) -> pyfaidx.Fasta:
        return open_genome(self.genome)
