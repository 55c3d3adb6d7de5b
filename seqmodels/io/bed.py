"""BED-family intervals (BED3+labels, BED6, BED12, narrowPeak; plain or gzip/bgzip) and the
genome FASTA they are read from.

Columns are recognised by what they hold, not taken as labels blindly: a sixth column of
``+``/``-``/``.`` makes a BED6 (name, score, strand), and with ten columns a narrowPeak (its
tenth is the summit) or with twelve a BED12; a fourth column of names is a name. The columns
left over are labels. A header line ``#chrom start end taskA taskB`` names every column
instead; standard BED names (``name``, ``score``, ``strand``, ``peak``, …) keep their meaning.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyfaidx

from seqmodels.encoding import reverse_complement
from seqmodels.errors import SeqmodelsError
from seqmodels.io.coords import parse_interval_id
from seqmodels.io.labels import parse_labels
from seqmodels.io.text import GZIP_MAGIC, check_input_file, read_text

log = logging.getLogger("seqmodels")

OUT_OF_BOUNDS = ("pad", "drop")
STRANDS = ("+", "-", ".")
STANDARD_COLUMNS = frozenset(
    [
        "chrom",
        "chr",
        "chromosome",
        "start",
        "chromstart",
        "end",
        "chromend",
        "name",
        "strand",
        "thickstart",
        "thickend",
        "itemrgb",
        "blockcount",
        "blocksizes",
        "blockstarts",
        "signalvalue",
        "signal",
        "pvalue",
        "p_value",
        "qvalue",
        "q_value",
        "peak",
        "summit",
    ]
)
"""Header names that are BED fields, never labels (``score`` too, where there is a strand)."""
NARROWPEAK = ("name", "score", "strand", "signalValue", "pValue", "qValue", "peak")
BED12 = ("name", "score", "strand", "thickStart", "thickEnd", "itemRgb", "blockCount",
         "blockSizes", "blockStarts")  # fmt: skip


@dataclass
class Intervals:
    """Genome intervals, 0-based and half-open.

    Attributes
    ----------
    chrom, start, end : numpy.ndarray, shape (N,)
    labels : pandas.DataFrame
        One float32 column per task (NaN: missing); no columns when the file has none.
    strand : numpy.ndarray of str, shape (N,)
        ``+``, ``-`` or ``.`` (unknown, read as ``+``).
    summit : numpy.ndarray or None, shape (N,)
        Summit offsets from ``start`` (narrowPeak); None elsewhere.
    line : numpy.ndarray or None, shape (N,)
        Line of each interval in its file (1-based), for messages.
    """

    chrom: np.ndarray
    start: np.ndarray
    end: np.ndarray
    labels: pd.DataFrame = field(default_factory=pd.DataFrame)
    strand: np.ndarray | None = None
    summit: np.ndarray | None = None
    line: np.ndarray | None = None

    def __post_init__(self):
        if self.strand is None:
            self.strand = np.full(len(self.chrom), ".")
        if len(self.labels) != len(self.chrom):
            self.labels = pd.DataFrame(index=range(len(self.chrom)))

    def __len__(self) -> int:
        return len(self.chrom)

    @property
    def ids(self) -> list[str]:
        """``chrom:start-end``, with ``(+)`` or ``(-)`` when the strand is known, as
        ``bedtools getfasta -s`` names its records."""
        suffix = np.where(self.strand == ".", "", "(" + self.strand.astype(object) + ")")
        return [
            f"{c}:{s}-{e}{x}"
            for c, s, e, x in zip(self.chrom, self.start, self.end, suffix, strict=True)
        ]

    def where(self, i: int) -> str:
        """The interval's line in its file, or its coordinates, for messages."""
        if self.line is not None:
            return f"line {self.line[i]}"
        return f"interval {self.chrom[i]}:{self.start[i]}-{self.end[i]}"

    def resized(self, length: int) -> Intervals:
        """Intervals of ``length`` around each summit (narrowPeak) or centre."""
        offset = self.summit if self.summit is not None else (self.end - self.start) // 2
        start = self.start + offset - length // 2
        return replace(self, start=start, end=start + length, summit=None)

    def unstranded(self) -> Intervals:
        """The same intervals, every one read from the plus strand."""
        return replace(self, strand=np.full(len(self), "."))

    def take(self, keep: np.ndarray) -> Intervals:
        """The intervals selected by a boolean mask or index array."""

        def pick(a):
            return None if a is None else a[keep]

        return Intervals(
            self.chrom[keep],
            self.start[keep],
            self.end[keep],
            self.labels.iloc[keep].reset_index(drop=True),
            pick(self.strand),
            pick(self.summit),
            pick(self.line),
        )


def read_bed(path: str | Path) -> Intervals:
    """Read a BED-family file; its columns are recognised as the module docstring says.

    ``track`` and ``browser`` lines, blank lines and ``#`` comments are skipped.
    """
    path = Path(path)
    lines = read_text(path, "BED").split("\n")
    header: list[str] = []
    data, numbers = [], []
    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            if not data:
                header = line[1:].split()
        elif line.strip() and not line.startswith(("track", "browser")):
            data.append(line)
            numbers.append(number)
    if not data:
        raise SeqmodelsError(f"{path}: no intervals")
    widths = np.fromiter((line.count("\t") + 1 for line in data), dtype=np.int64, count=len(data))
    if (widths != widths[0]).any():
        row = int(np.argmax(widths != widths[0]))
        raise SeqmodelsError(
            f"{path}: line {numbers[row]}: {widths[row]} tab-separated columns, "
            f"where line {numbers[0]} has {widths[0]}"
        )
    if widths[0] < 3:
        hint = " (BED columns are separated by tabs)" if " " in data[0].strip() else ""
        raise SeqmodelsError(f"{path}: line {numbers[0]}: fewer than 3 columns{hint}")
    table = pd.read_csv(
        io.StringIO("\n".join(data)), sep="\t", header=None, dtype=str, keep_default_na=False
    )
    line = np.asarray(numbers)
    start = _integers(table[1], path, line, "start")
    end = _integers(table[2], path, line, "end")
    bad = (start < 0) | (end <= start)
    if bad.any():
        row = int(np.argmax(bad))
        raise SeqmodelsError(
            f"{path}: line {line[row]}: invalid interval {start[row]}-{end[row]} (0 <= start < end)"
        )
    names = _column_names(table, header, path)
    strand = None
    if "strand" in names:
        strand = table[names.index("strand")].to_numpy(dtype=str)
        wrong = ~np.isin(strand, STRANDS)
        if wrong.any():
            row = int(np.argmax(wrong))
            raise SeqmodelsError(
                f"{path}: line {line[row]}: strand {strand[row]!r} is not +, - or ."
            )
    summit = None
    if "peak" in names:
        summit = _integers(table[names.index("peak")], path, line, "summit (peak)")
        outside = summit >= end - start
        if outside.any():
            row = int(np.argmax(outside))
            raise SeqmodelsError(
                f"{path}: line {line[row]}: summit offset {summit[row]} lies outside the "
                f"{end[row] - start[row]}-bp peak"
            )
        summit = np.where(summit >= 0, summit, (end - start) // 2)
    fields = STANDARD_COLUMNS | ({"score"} if "strand" in names else frozenset())
    label_columns = [i for i, name in enumerate(names) if name.lower() not in fields]
    labels = table[label_columns].set_axis([names[i] for i in label_columns], axis=1)
    labels = labels.apply(lambda c: parse_labels(c, path, lines=line)).astype(np.float32)
    shown = ", ".join(n for i, n in enumerate(names[3:], 3) if i not in label_columns)
    log.debug("%s: BED fields %s; labels %s", path, shown or "none", list(labels.columns))
    chrom = table[0].to_numpy(dtype=str)
    return Intervals(chrom, start, end, labels, strand, summit, line)


def place_on_genome(
    intervals: Intervals,
    sizes: dict[str, int],
    *,
    length: int | None = None,
    out_of_bounds: str = "pad",
    stranded: bool = False,
    source: str = "intervals",
    genome: str | Path = "the genome",
) -> Intervals:
    """The intervals to read: checked against the chromosome sizes, resized to ``length``,
    and with their strand kept (``stranded``) or set aside.

    Every chromosome must be in the genome and every interval must start inside its
    chromosome; intervals that run past a chromosome end once resized are padded with ``N``
    (``out_of_bounds="pad"``) or dropped (``"drop"``), with the count logged.
    """
    if out_of_bounds not in OUT_OF_BOUNDS:
        raise SeqmodelsError(f"out_of_bounds={out_of_bounds!r}; choose pad or drop")
    unknown = sorted(set(intervals.chrom) - set(sizes), key=str)
    if unknown:
        shown = ", ".join(unknown[:3]) + (", …" if len(unknown) > 3 else "")
        known = ", ".join(list(sizes)[:3])
        raise SeqmodelsError(
            f"{source}: {len(unknown)} chromosome(s) not in {genome}: {shown} "
            f"(the genome has {known}, …)"
        )
    size = np.array([sizes[c] for c in intervals.chrom], dtype=np.int64)
    beyond = intervals.start >= size
    if beyond.any():
        i = int(np.argmax(beyond))
        raise SeqmodelsError(
            f"{source}: {intervals.where(i)}: {intervals.chrom[i]}:{intervals.start[i]}-"
            f"{intervals.end[i]} lies past the end of {intervals.chrom[i]} "
            f"({size[i]:,} bp in {genome})"
        )
    minus = int((intervals.strand == "-").sum())
    if not stranded:
        if minus:
            log.info(
                "%s: %d interval(s) on the minus strand read from the plus strand "
                "(data.stranded / --stranded reverse-complements them)",
                source,
                minus,
            )
        intervals = intervals.unstranded()
    if length is not None:
        intervals = intervals.resized(length)
    outside = (intervals.start < 0) | (intervals.end > size)
    if outside.any():
        verb = "padded with N" if out_of_bounds == "pad" else "dropped"
        log.warning("%s: %d interval(s) run past a chromosome end: %s", source, outside.sum(), verb)
        if out_of_bounds == "drop":
            intervals = intervals.take(~outside)
    return intervals


def read_sequences(fasta: pyfaidx.Fasta, intervals: Intervals) -> list[str]:
    """The sequence of each interval (soft-masking kept), ``N`` beyond a chromosome's ends,
    reverse-complemented on the minus strand."""
    seqs = []
    for chrom, start, end, strand in zip(
        intervals.chrom, intervals.start, intervals.end, intervals.strand, strict=True
    ):
        record = fasta[chrom]
        lo, hi = max(start, 0), min(end, len(record))
        seq = record[lo:hi] if hi > lo else ""
        seq = "N" * (lo - start) + seq + "N" * (end - hi)
        seqs.append(reverse_complement(seq) if strand == "-" else seq)
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
    return Intervals(chrom, start, start + window)


def _region(region: str, sizes: dict[str, int]) -> tuple[str, int, int]:
    parsed = parse_interval_id(region) or ((region, 0, sizes[region]) if region in sizes else None)
    if parsed is None:
        raise SeqmodelsError(f"--region {region!r}: expected chr:start-end or a chromosome name")
    chrom, lo, hi = parsed[:3]
    if chrom not in sizes or hi > sizes[chrom] or lo >= hi:
        raise SeqmodelsError(f"--region {region!r}: not within a chromosome of the genome")
    return chrom, lo, hi


def chrom_sizes(genome: str | Path) -> dict[str, int]:
    """Chromosome lengths of a genome FASTA, in the order of its index."""
    return {name: len(record) for name, record in open_genome(genome).items()}


def open_genome(path: str | Path) -> pyfaidx.Fasta:
    """The genome through pyfaidx (plain or bgzip), as raw strings with soft-masking kept.

    pyfaidx rebuilds an index older than its FASTA; an index whose records do not end where
    the file says (a FASTA replaced by one of other lengths) is rebuilt too.
    """
    check_input_file(path)
    _check_compression(Path(path))
    try:
        fasta = _fasta(path)
        if not _index_fits(fasta):
            log.warning("%s: its .fai index does not fit the file: rebuilt", path)
            fasta.close()
            os.remove(fasta.faidx.indexname)
            fasta = _fasta(path)
    except pyfaidx.UnsupportedCompressionFormat:
        raise SeqmodelsError(
            f"{path}: compressed in a way pyfaidx cannot read; genomes must be plain or bgzip"
        ) from None
    except (pyfaidx.FastaIndexingError, UnicodeDecodeError) as err:
        message = " ".join(str(err).split())
        raise SeqmodelsError(f"{path}: cannot index the genome FASTA ({message})") from None
    except ValueError as err:  # pyfaidx: 'Duplicate key "chr1"'
        if "Duplicate key" not in str(err):
            raise
        name = str(err).split('"')[1] if '"' in str(err) else str(err)
        raise SeqmodelsError(f"{path}: duplicate sequence name {name!r}") from None
    if not len(fasta.keys()):
        raise SeqmodelsError(f"{path}: no sequences in the genome FASTA")
    return fasta


def _check_compression(path: Path) -> None:
    """pyfaidx reads plain and bgzip FASTA, and recognises bgzip by the ``.gz`` suffix."""
    with open(path, "rb") as handle:
        header = handle.read(18)
    if header[:2] != GZIP_MAGIC:
        return
    bgzf = len(header) == 18 and header[3] & 4 and header[12:14] == b"BC"
    if not bgzf:
        raise SeqmodelsError(
            f"{path}: compressed with plain gzip; genomes must be plain or bgzip "
            "(gunzip it, then bgzip it)"
        )
    if not path.name.lower().endswith((".gz", ".bgz")):
        raise SeqmodelsError(f"{path}: bgzip-compressed; name it .gz so that it is read so")


def _fasta(path: str | Path) -> pyfaidx.Fasta:
    return pyfaidx.Fasta(str(path), as_raw=True, sequence_always_upper=False)


def _index_fits(fasta: pyfaidx.Fasta, checked: int = 1000) -> bool:
    """Whether the index's records end where the file has a line break, the next header or
    its end, for up to ``checked`` records spread over the index."""
    index = fasta.faidx
    if index._bgzf:  # pyfaidx checks compressed files itself
        return True
    records = list(index.index.values())
    picked = np.unique(np.linspace(0, len(records) - 1, min(checked, len(records))).round())
    size = os.path.getsize(index.filename)
    with open(index.filename, "rb") as handle:
        for i in picked.astype(int):
            record = records[i]
            full, rest = divmod(record.rlen, record.lenc) if record.lenc else (0, 0)
            end = record.offset + full * record.lenb + rest  # just past the last base
            if end > size:
                return False
            handle.seek(end)
            allowed = (b"\n", b"\r", b"") if rest else (b">", b"\n", b"\r", b"")
            if handle.read(1) not in allowed:
                return False
    return True


def _column_names(table: pd.DataFrame, header: list[str], path: Path) -> list[str]:
    """A name for every column: the header's, else recognised from the columns' content."""
    n = table.shape[1]
    if len(header) == n:
        names = ["chrom", "start", "end", *header[3:]]
        return [("peak" if name.lower() == "summit" else name) for name in names]

    if "narrowpeak" in path.name.lower() and (n != 10 or not _strands(table[5])):
        raise SeqmodelsError(
            f"{path}: a narrowPeak has 10 columns, the sixth the strand; this has {n}"
        )
    if n >= 6 and _strands(table[5]):
        if n == 10 and _all_integers(table[9]):
            return ["chrom", "start", "end", *NARROWPEAK]
        if n == 12 and _all_integers(table[9]):
            return ["chrom", "start", "end", *BED12]
        return ["chrom", "start", "end", "name", "score", "strand", *_labels(7, n)]
    if n >= 4 and not pd.to_numeric(table[3], errors="coerce").notna().any():
        return ["chrom", "start", "end", "name", *_labels(5, n)]
    return ["chrom", "start", "end", *_labels(4, n)]


def _labels(first: int, n: int) -> list[str]:
    """``label1``, ``label2``, … for columns ``first`` … ``n`` (1-based)."""
    return [f"label{i}" for i in range(1, n - first + 2)]


def _strands(column: pd.Series) -> bool:
    """Whether a column holds strands: no numbers, and ``+``, ``-`` or ``.`` among its cells
    (a stray ``*`` is then reported as a bad strand, not taken for a label)."""
    numeric = pd.to_numeric(column, errors="coerce").notna().any()
    return not numeric and bool(column.isin(STRANDS).any())


def _all_integers(column: pd.Series) -> bool:
    return bool(column.str.fullmatch(r"-?\d+").all())


def _integers(column: pd.Series, path: Path, line: np.ndarray, what: str) -> np.ndarray:
    numbers = pd.to_numeric(column, errors="coerce")
    bad = numbers.isna() | (numbers != numbers.round())
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise SeqmodelsError(
            f"{path}: line {line[row]}: {what} {column.iloc[row]!r} is not an integer"
        )
    return numbers.to_numpy(dtype=np.int64)
