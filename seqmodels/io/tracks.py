"""Per-base tracks in genome coordinates, streamed to bigWig or bedGraph.

Tracks arrive in genome order (chromosomes in header order, then by start); where intervals
overlap, the values are averaged. Positions are final once a later interval starts past them,
so only the overlapping stretch is ever held in memory. Output goes to a temporary file,
renamed when the writer closes without error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyBigWig

from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_path, atomic_write


class TrackMerger:
    """Average overlapping per-base tracks and hand on runs of final values.

    Parameters
    ----------
    chrom_sizes : dict of str to int
        Chromosomes in output order, with their lengths; positions outside are dropped.
    emit : callable
        ``emit(chrom, start, values)`` receives each run of consecutive covered positions,
        in genome order.
    """

    def __init__(self, chrom_sizes: dict[str, int], emit: Callable[[str, int, np.ndarray], None]):
        self.chrom_sizes, self.emit = dict(chrom_sizes), emit
        self.order = {chrom: i for i, chrom in enumerate(self.chrom_sizes)}
        self.chrom: str | None = None
        self.offset = 0  # genome position of buffer index 0
        self.sums = np.zeros(0, dtype=np.float64)
        self.counts = np.zeros(0, dtype=np.int32)
        self.last = (-1, -1)

    def add(self, chrom: str, start: int, values: np.ndarray) -> None:
        """Add a track starting at 0-based ``start``; calls must come in genome order."""
        if chrom not in self.order:
            raise SeqmodelsError(f"chromosome {chrom!r} is not in the chromosome sizes")
        key = (self.order[chrom], start)
        if key < self.last:
            raise ValueError("tracks must be added in genome order")
        self.last = key
        if chrom != self.chrom:
            self._flush(None)
            self.chrom, self.offset = chrom, start
            self.sums, self.counts = self.sums[:0], self.counts[:0]
        self._flush(start)
        lo, hi = max(start, 0), min(start + len(values), self.chrom_sizes[chrom])
        if hi <= lo:
            return
        if not len(self.sums):
            self.offset = lo
        values = np.asarray(values, dtype=np.float64)[lo - start : hi - start]
        if not np.isfinite(values).all():
            raise SeqmodelsError(f"non-finite values in the track at {chrom}:{start}")
        end = hi - self.offset
        if end > len(self.sums):
            grow = end - len(self.sums)
            self.sums = np.concatenate([self.sums, np.zeros(grow)])
            self.counts = np.concatenate([self.counts, np.zeros(grow, dtype=np.int32)])
        self.sums[lo - self.offset : end] += values
        self.counts[lo - self.offset : end] += 1

    def close(self) -> None:
        """Hand on what is left."""
        self._flush(None)

    def _flush(self, before: int | None) -> None:
        """Hand on the buffered positions before genome position ``before`` (all if None)."""
        if self.chrom is None or not len(self.sums):
            return
        n = len(self.sums) if before is None else min(max(before - self.offset, 0), len(self.sums))
        if n == 0:
            return
        counts, sums = self.counts[:n], self.sums[:n]
        covered = counts > 0
        edges = np.flatnonzero(np.diff(np.concatenate([[0], covered.astype(np.int8), [0]])))
        means = np.divide(sums, counts, out=np.zeros(n), where=covered).astype(np.float32)
        for begin, end in zip(edges[::2], edges[1::2], strict=True):
            self.emit(self.chrom, self.offset + int(begin), means[begin:end])
        self.sums, self.counts = self.sums[n:], self.counts[n:]
        self.offset += n


@contextlib.contextmanager
def bigwig_writer(path: str | Path, chrom_sizes: dict[str, int]) -> Iterator[TrackMerger]:
    """A :class:`TrackMerger` writing a bigWig (pyBigWig, zoom levels kept) atomically."""
    with atomic_path(path) as tmp:
        bw = pyBigWig.open(str(tmp), "w")
        try:
            bw.addHeader(list(chrom_sizes.items()), maxZooms=10)

            def emit(chrom: str, start: int, values: np.ndarray) -> None:
                bw.addEntries(chrom, start, values=values, span=1, step=1)

            merger = TrackMerger(chrom_sizes, emit)
            yield merger
            merger.close()
        finally:
            bw.close()


@contextlib.contextmanager
def bedgraph_writer(
    path: str | Path, chrom_sizes: dict[str, int], *, name: str = "seqmodels"
) -> Iterator[TrackMerger]:
    """A :class:`TrackMerger` writing bedGraph text (one line per run of equal values)."""
    with atomic_write(path) as handle:
        handle.write(f'track type=bedGraph name="{name}"\n')

        def emit(chrom: str, start: int, values: np.ndarray) -> None:
            change = np.flatnonzero(np.diff(values)) + 1
            begins, ends = np.concatenate([[0], change]), np.concatenate([change, [len(values)]])
            handle.writelines(
                f"{chrom}\t{start + b}\t{start + e}\t{values[b]:.7g}\n"
                for b, e in zip(begins, ends, strict=True)
            )

        merger = TrackMerger(chrom_sizes, emit)
        yield merger
        merger.close()


def read_chrom_sizes(path: str | Path) -> dict[str, int]:
    """A UCSC ``chrom.sizes`` file (or a FASTA ``.fai``): name and length per line."""
    sizes = {}
    try:
        with open(path) as handle:
            for line_no, line in enumerate(handle, start=1):
                fields = line.split()
                if not fields:
                    continue
                if len(fields) < 2 or not fields[1].isdigit():
                    raise SeqmodelsError(f"{path}: line {line_no}: expected 'name length'")
                sizes[fields[0]] = int(fields[1])
    except FileNotFoundError:
        raise SeqmodelsError(f"{path}: no such file") from None
    return sizes
