"""Per-base tracks in genome coordinates, streamed to bigWig or bedGraph.

Tracks arrive in genome order (chromosomes in header order, then by start); where intervals
overlap, the values are averaged. Positions are final once a later interval starts past them,
so only the overlapping stretch is ever held in memory. Output goes to a temporary file,
renamed when the writer closes without error. bigWig files are written by
:class:`~seqmodels.io.bigwig.BigWigWriter`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_path, atomic_write
from seqmodels.io.bigwig import BigWigWriter
from seqmodels.io.text import read_text


class TrackMerger:
    """Average overlapping per-base tracks and hand on runs of final values.

    Parameters
    ----------
    chrom_sizes : dict of str to int
        Chromosomes in output order, with their lengths; positions outside are dropped.
    emit : callable
        ``emit(chrom, start, values)`` receives each run of consecutive covered positions,
        in genome order, as float32; consecutive runs may touch.
    """

    def __init__(self, chrom_sizes: dict[str, int], emit: Callable[[str, int, np.ndarray], None]):
        self.chrom_sizes, self.emit = dict(chrom_sizes), emit
        self.order = {chrom: i for i, chrom in enumerate(self.chrom_sizes)}
        self.chrom: str | None = None
        self.length = 0  # of self.chrom
        # Buffered positions [offset, offset + size) sit at buffer[head : head + size]. As
        # tracks come sorted by start, every buffered position is covered.
        self.offset = self.head = self.size = 0
        self.sums = np.zeros(1 << 14, dtype=np.float64)
        self.counts = np.zeros(1 << 14, dtype=np.int32)
        self.last = (-1, -1)

    def add(self, chrom: str, start: int, values: np.ndarray) -> None:
        """Add a track starting at 0-based ``start``; calls must come in genome order."""
        rank = self.order.get(chrom)
        if rank is None:
            raise SeqmodelsError(f"chromosome {chrom!r} is not in the chromosome sizes")
        key = (rank, start)
        if key < self.last:
            raise ValueError("tracks must be added in genome order")
        self.last = key
        if chrom != self.chrom:
            self._flush(None)
            self.chrom, self.length = chrom, self.chrom_sizes[chrom]
        else:
            self._flush(start)
        values = np.asarray(values)
        lo, hi = max(start, 0), min(start + len(values), self.length)
        if hi <= lo:
            return
        values = values[lo - start : hi - start]
        # A sum carries any NaN or infinity along; only if it is not finite, look closer.
        if not np.isfinite(values.sum()) and not np.isfinite(values).all():
            raise SeqmodelsError(f"non-finite values in the track at {chrom}:{start}")
        if not self.size:
            self.offset = lo
        end = hi - self.offset  # lo == self.offset: the buffer was flushed up to ``start``
        if self.head + end > len(self.sums):
            self._make_room(end)
        h, old = self.head, min(self.size, end)
        self.sums[h : h + old] += values[:old]
        self.counts[h : h + old] += 1
        if end > old:
            self.sums[h + old : h + end] = values[old:]
            self.counts[h + old : h + end] = 1
            self.size = end

    def close(self) -> None:
        """Hand on what is left."""
        self._flush(None)

    def _make_room(self, needed: int) -> None:
        """Move the buffered positions to the front, growing the buffer to hold ``needed``."""
        capacity = len(self.sums)
        while capacity < needed:
            capacity *= 2
        h, n = self.head, self.size
        if capacity > len(self.sums):
            sums, counts = np.zeros(capacity), np.zeros(capacity, dtype=np.int32)
            sums[:n], counts[:n] = self.sums[h : h + n], self.counts[h : h + n]
            self.sums, self.counts = sums, counts
        else:
            self.sums[:n] = self.sums[h : h + n].copy()
            self.counts[:n] = self.counts[h : h + n].copy()
        self.head = 0

    def _flush(self, before: int | None) -> None:
        """Hand on the buffered positions before genome position ``before`` (all if None)."""
        n = self.size if before is None else min(max(before - self.offset, 0), self.size)
        if n == 0:
            return
        h = self.head
        means = (self.sums[h : h + n] / self.counts[h : h + n]).astype(np.float32)
        self.emit(self.chrom, self.offset, means)
        self.head, self.size, self.offset = h + n, self.size - n, self.offset + n


@contextlib.contextmanager
def bigwig_writer(
    path: str | Path,
    chrom_sizes: dict[str, int],
    *,
    zooms: int = 10,
    compression: str = "rle",
    threads: int | None = None,
    atomic: bool = True,
) -> Iterator[TrackMerger]:
    """A :class:`TrackMerger` writing a bigWig atomically (or, ``atomic=False``, straight to
    ``path``: a temporary file its caller renames).

    ``zooms``, ``compression`` and ``threads`` are :class:`BigWigWriter`'s: by default ten
    zoom levels at most, zlib's run-length strategy, and a thread per CPU (up to 4).
    """
    with atomic_path(path) if atomic else contextlib.nullcontext(Path(path)) as tmp:
        bw = BigWigWriter(tmp, chrom_sizes, zooms=zooms, compression=compression, threads=threads)
        try:
            merger = TrackMerger(chrom_sizes, bw.write)
            yield merger
            merger.close()
            bw.close()
        finally:
            bw.abort()


@contextlib.contextmanager
def bedgraph_writer(
    path: str | Path, chrom_sizes: dict[str, int], *, name: str = "seqmodels", atomic: bool = True
) -> Iterator[TrackMerger]:
    """A :class:`TrackMerger` writing bedGraph text (one line per run of equal values),
    atomically (or, ``atomic=False``, straight to ``path``)."""
    with atomic_write(path) if atomic else open(path, "w") as handle:
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
    sizes: dict[str, int] = {}
    for line_no, line in enumerate(read_text(path, "chrom.sizes").splitlines(), start=1):
        fields = line.split()
        if not fields or line.startswith("#"):
            continue
        if len(fields) < 2 or not fields[1].isdigit() or int(fields[1]) == 0:
            raise SeqmodelsError(f"{path}: line {line_no}: expected 'name length', got {line!r}")
        if fields[0] in sizes:
            raise SeqmodelsError(f"{path}: line {line_no}: {fields[0]} listed twice")
        sizes[fields[0]] = int(fields[1])
    if not sizes:
        raise SeqmodelsError(f"{path}: no chromosome sizes")
    return sizes
