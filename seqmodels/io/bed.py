"""BED and narrowPeak intervals, resized around their centre or summit, read from a genome."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyfaidx

from seqmodels.errors import SeqmodelsError
from seqmodels.io.coords import parse_interval_id
from seqmodels.io.labels import parse_labels

log = logging.getLogger("seqmodels")

NARROWPEAK_COLUMNS = ("name", "score", "strand", "signal", "p_value", "q_value", "summit")
OUT_OF_BOUNDS = ("pad", "drop")


@dataclass
class Intervals:
    """Genome intervals, 0-based and half-open.

    Attributes
    ----------
    chrom, start, end : numpy.ndarray, shape (N,)
    labels : pandas.DataFrame
        One float32 column per task (NaN: missing); no columns when the file has none.
    summit : numpy.ndarray or None, shape (N,)
        Summit offsets from ``start`` (narrowPeak); None elsewhere.
    """

    chrom: np.ndarray
    start: np.ndarray
    end: np.ndarray
    labels: pd.DataFrame
    summit: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.chrom)

    @property
    def ids(self) -> list[str]:
        """``chrom:start-end`` of each interval."""
        return [f"{c}:{s}-{e}" for c, s, e in zip(self.chrom, self.start, self.end, strict=True)]

    def resized(self, length: int) -> Intervals:
        """Intervals of ``length`` around each summit (narrowPeak) or centre."""
        offset = self.summit if self.summit is not None else (self.end - self.start) // 2
        centre = self.start + offset
        start = centre - length // 2
        return Intervals(self.chrom, start, start + length, self.labels, None)

    def take(self, keep: np.ndarray) -> Intervals:
        """The intervals selected by a boolean mask or index array."""
        summit = None if self.summit is None else self.summit[keep]
        labels = self.labels.iloc[keep].reset_index(drop=True)
        return Intervals(self.chrom[keep], self.start[keep], self.end[keep], labels, summit)


def read_bed(path: str | Path) -> Intervals:
    """Read a BED (labels in the columns after the third) or narrowPeak file.

    A last ``#`` comment line naming the columns (``#chrom start end taskA taskB``) gives the
    task names; otherwise they are ``label1``, ``label2``, …. ``track`` and ``browser`` lines
    are skipped. In narrowPeak files (by suffix) no column is a label and column 10 is the
    summit.
    """
    path = Path(path)
    header, first_data_line = _header(path)
    try:
        table = pd.read_csv(
            path,
            sep="\t",
            header=None,
            dtype=str,
            skiprows=first_data_line - 1,
            keep_default_na=False,
            comment=None,
        )
    except pd.errors.EmptyDataError:
        raise SeqmodelsError(f"{path}: no intervals") from None
    except pd.errors.ParserError as err:
        raise SeqmodelsError(f"{path}: not a tab-separated BED file ({err})") from None
    if table.shape[1] < 3:
        raise SeqmodelsError(f"{path}: line {first_data_line}: fewer than 3 columns")
    start = _integers(table[1], path, first_data_line, "start")
    end = _integers(table[2], path, first_data_line, "end")
    bad = (start < 0) | (end <= start)
    if bad.any():
        row = int(np.argmax(bad))
        raise SeqmodelsError(
            f"{path}: line {first_data_line + row}: invalid interval {start[row]}-{end[row]}"
        )
    chrom = table[0].to_numpy(dtype=str)
    if "narrowpeak" in path.name.lower():
        if table.shape[1] != 10:
            raise SeqmodelsError(f"{path}: narrowPeak needs 10 columns, found {table.shape[1]}")
        summit = _integers(table[9], path, first_data_line, "summit")
        summit = np.where(summit >= 0, summit, (end - start) // 2)
        return Intervals(chrom, start, end, pd.DataFrame(index=range(len(table))), summit)
    names = header[3:] if len(header) == table.shape[1] else []
    names = names or [f"label{i}" for i in range(1, table.shape[1] - 2)]
    labels = table.iloc[:, 3:].set_axis(names, axis=1)
    labels = labels.apply(lambda c: parse_labels(c, path, first_line=first_data_line))
    labels = labels.astype(np.float32)
    return Intervals(chrom, start, end, labels)


def fetch_sequences(
    genome: str | Path, intervals: Intervals, *, out_of_bounds: str = "pad", bed_path=None
) -> tuple[list[str], Intervals]:
    """Read each interval's sequence from an indexed genome FASTA (pyfaidx).

    Parameters
    ----------
    genome : str or Path
        Genome FASTA; pyfaidx builds its ``.fai`` index if there is none.
    intervals : Intervals
    out_of_bounds : {"pad", "drop"}
        Intervals running past a chromosome end are padded with ``N`` or dropped; the count
        is logged.

    Returns
    -------
    seqs : list of str
        Soft-masking is kept.
    intervals : Intervals
        The intervals kept.
    """
    intervals = check_intervals(genome, intervals, out_of_bounds=out_of_bounds, bed_path=bed_path)
    return read_sequences(open_genome(genome), intervals), intervals


def check_intervals(
    genome: str | Path, intervals: Intervals, *, out_of_bounds: str = "pad", bed_path=None
) -> Intervals:
    """The intervals to read: every chromosome must be in the genome; intervals past a
    chromosome end are kept (to be padded with ``N``) or dropped, and counted in the log."""
    if out_of_bounds not in OUT_OF_BOUNDS:
        raise SeqmodelsError(f"out_of_bounds={out_of_bounds!r}; choose pad or drop")
    source = bed_path or "intervals"
    sizes = chrom_sizes(genome)
    unknown = sorted(set(intervals.chrom) - set(sizes), key=str)
    if unknown:
        shown = ", ".join(unknown[:3]) + (", …" if len(unknown) > 3 else "")
        known = ", ".join(list(sizes)[:3])
        raise SeqmodelsError(
            f"{source}: {len(unknown)} chromosome(s) not in {genome}: {shown} "
            f"(the genome has {known}, …)"
        )
    chrom_size = np.array([sizes[c] for c in intervals.chrom], dtype=np.int64)
    outside = (intervals.start < 0) | (intervals.end > chrom_size)
    if outside.any():
        verb = "padded with N" if out_of_bounds == "pad" else "dropped"
        log.warning("%s: %d interval(s) run past a chromosome end: %s", source, outside.sum(), verb)
        if out_of_bounds == "drop":
            intervals = intervals.take(~outside)
    return intervals


def read_sequences(fasta: pyfaidx.Fasta, intervals: Intervals) -> list[str]:
    """The sequence of each interval, ``N`` beyond a chromosome's ends."""
    seqs = []
    for chrom, start, end in zip(intervals.chrom, intervals.start, intervals.end, strict=True):
        record = fasta[chrom]
        lo, hi = max(start, 0), min(end, len(record))
        seq = record[lo:hi] if hi > lo else ""
        seqs.append("N" * (lo - start) + seq + "N" * (end - hi))
    return seqs


def tile_intervals(
    sizes: dict[str, int], window: int, stride: int, regions: list[str] | None = None
) -> Intervals:
    """Windows of ``window`` every ``stride`` over whole chromosomes or ``chr:start-end``
    regions, in genome order; a last window ends at the region's end, so every base is
    covered (a region shorter than the window gets one window, padded with ``N``)."""
    if window <= 0 or stride <= 0:
        raise SeqmodelsError(f"tiles need a positive window and stride (got {window}, {stride})")
    spans = [(chrom, 0, size) for chrom, size in sizes.items()]
    if regions:
        spans = [_region(region, sizes) for region in regions]
    chroms, starts = [], []
    for chrom, lo, hi in spans:
        first = np.arange(lo, max(hi - window, lo) + 1, stride, dtype=np.int64)
        if first[-1] + window < hi:
            first = np.append(first, hi - window)
        chroms.append(np.full(len(first), chrom, dtype=object))
        starts.append(first)
    start = np.concatenate(starts)
    chrom = np.concatenate(chroms).astype(str)
    return Intervals(chrom, start, start + window, pd.DataFrame(index=range(len(start))))


def _region(region: str, sizes: dict[str, int]) -> tuple[str, int, int]:
    parsed = parse_interval_id(region) or ((region, 0, sizes[region]) if region in sizes else None)
    if parsed is None:
        raise SeqmodelsError(f"--region {region!r}: expected chr:start-end or a chromosome name")
    chrom, lo, hi = parsed
    if chrom not in sizes or hi > sizes[chrom] or lo >= hi:
        raise SeqmodelsError(f"--region {region!r}: not within a chromosome of the genome")
    return chrom, lo, hi


def chrom_sizes(genome: str | Path) -> dict[str, int]:
    """Chromosome lengths of a genome FASTA, in the order of its index."""
    return {name: len(record) for name, record in open_genome(genome).items()}


def open_genome(path: str | Path) -> pyfaidx.Fasta:
    """The genome through pyfaidx, as raw strings with soft-masking kept."""
    if not Path(path).exists():
        raise SeqmodelsError(f"{path}: no such file")
    try:
        return pyfaidx.Fasta(str(path), as_raw=True, sequence_always_upper=False)
    except (pyfaidx.FastaIndexingError, pyfaidx.UnsupportedCompressionFormat) as err:
        raise SeqmodelsError(f"{path}: cannot index the genome FASTA ({err})") from None


def _header(path: Path) -> tuple[list[str], int]:
    """Column names from the last ``#`` line before the data, and the first data line (1-based)."""
    names: list[str] = []
    try:
        with open(path) as handle:
            for line_no, line in enumerate(handle, start=1):
                if line.startswith("#"):
                    names = line[1:].split()
                elif not line.startswith(("track", "browser")) and line.strip():
                    return names, line_no
    except FileNotFoundError:
        raise SeqmodelsError(f"{path}: no such file") from None
    raise SeqmodelsError(f"{path}: no intervals")


def _integers(column: pd.Series, path: Path, first_line: int, what: str) -> np.ndarray:
    numbers = pd.to_numeric(column, errors="coerce")
    bad = numbers.isna() | (numbers != numbers.round())
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise SeqmodelsError(
            f"{path}: line {first_line + row}: {what} {column.iloc[row]!r} is not an integer"
        )
    return numbers.to_numpy(dtype=np.int64)
