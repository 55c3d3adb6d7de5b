"""Sequence sets: records read from FASTA + labels or BED + genome, encoded once as uint8 codes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from seqmodels.alphabets import NUMERIC, Alphabet, get_alphabet
from seqmodels.encoding import model_inputs, to_indices
from seqmodels.errors import SeqmodelsError
from seqmodels.io.bed import chrom_sizes, open_genome, place_on_genome, read_bed, read_sequences
from seqmodels.io.coords import parse_interval_ids
from seqmodels.io.coverage import Targets, read_profiles
from seqmodels.io.fasta import read_fasta
from seqmodels.io.labels import align_labels, read_labels
from seqmodels.io.numeric import read_numeric


@dataclass
class Records:
    """Sequences as read from files, before encoding.

    Attributes
    ----------
    ids : list of str
    seqs : list of str
        As the model reads them: minus-strand records already reverse-complemented.
    source : str
        The input file(s), for messages.
    targets : numpy.ndarray or None, float32, shape (N, T)
        NaN marks a missing label.
    task_names : list of str
    chrom, start, end, strand : numpy.ndarray or None, shape (N,)
        Genome interval of each record and the strand its sequence reads (``+``, ``-`` or
        ``.``), when known (BED input or ``chr:start-end`` ids).
    placed : bool
        The coordinates were checked against the genome they were read from (BED input).
    profiles : numpy.ndarray or None, float32, shape (N, K, P)
        Coverage targets (bigWig): K tracks of P positions (or bins) per record; ``targets``
        then holds each task's total.
    strands : list of int
        Tracks per task of ``profiles`` (1, or 2 for a stranded pair).
    tracks : list of str
        The bigWig of each track of ``profiles``.
    missing : numpy.ndarray or None, int64, shape (K,)
        Positions of ``profiles`` each bigWig had no value for (read as zero).
    numeric : numpy.ndarray or None, float32, shape (N, C, L)
        Numeric input channels beside (or, with no ``seqs``, instead of) the sequence.
    channels : list of str
        The name of each numeric channel.
    channel_strands : list of int
        Channels per input track (2 for a stranded pair, swapped on the minus strand).
    """

    ids: list[str]
    seqs: list[str]
    source: str
    targets: np.ndarray | None = None
    task_names: list[str] = field(default_factory=list)
    chrom: np.ndarray | None = None
    start: np.ndarray | None = None
    end: np.ndarray | None = None
    strand: np.ndarray | None = None
    placed: bool = False
    profiles: np.ndarray | None = None
    strands: list[int] = field(default_factory=list)
    tracks: list[str] = field(default_factory=list)
    missing: np.ndarray | None = None
    numeric: np.ndarray | None = None
    channels: list[str] = field(default_factory=list)
    channel_strands: list[int] = field(default_factory=list)


@dataclass
class SequenceSet:
    """Encoded sequences with labels and coordinates; ``codes`` stay uint8 until the batch.

    Attributes
    ----------
    ids : list of str
    codes : numpy.ndarray, uint8, shape (N, L)
        Symbol codes (see :func:`seqmodels.to_indices`), as the model reads them.
    alphabet : Alphabet
    targets : numpy.ndarray or None, float32, shape (N, T)
    task_names : list of str
    chrom, start : numpy.ndarray or None, shape (N,)
        Chromosome and leftmost genome position of the encoded window, when known.
    strand : numpy.ndarray or None, shape (N,)
        ``-`` where column 0 of ``codes`` is the window's rightmost base (a minus-strand
        record, reverse-complemented), else ``+`` or ``.``.
    end : numpy.ndarray or None, shape (N,)
        Genome end of each record's own bases, where they come from FASTA ids and so are yet
        to be checked against a genome.
    source : str
        The input file(s), for messages.
    profiles : numpy.ndarray or None, float32, shape (N, K, P)
        Coverage targets, as in :class:`Records`.
    strands : list of int
        Tracks per task of ``profiles``.
    numeric, channels, channel_strands
        Numeric input channels, as in :class:`Records`.
    """

    ids: list[str]
    codes: np.ndarray
    alphabet: Alphabet
    targets: np.ndarray | None = None
    task_names: list[str] = field(default_factory=list)
    chrom: np.ndarray | None = None
    start: np.ndarray | None = None
    strand: np.ndarray | None = None
    end: np.ndarray | None = None
    source: str = ""
    profiles: np.ndarray | None = None
    strands: list[int] = field(default_factory=list)
    numeric: np.ndarray | None = None
    channels: list[str] = field(default_factory=list)
    channel_strands: list[int] = field(default_factory=list)

    def __post_init__(self):
        if self.chrom is not None and self.strand is None:
            self.strand = np.full(len(self.codes), ".")

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def length(self) -> int:
        """Sequence length L."""
        return self.codes.shape[1]

    def codes_at(self, index: np.ndarray) -> np.ndarray:
        """Codes ``(n, L)`` of the sequences at ``index``."""
        return self.codes[index]

    def ids_at(self, index: np.ndarray) -> list[str]:
        """Ids of the sequences at ``index``."""
        return [self.ids[i] for i in np.arange(len(self))[index]]

    @property
    def n_channels(self) -> int:
        """C, the numeric rows after the one-hot ones."""
        return len(self.channels)

    def numeric_at(self, index: np.ndarray) -> np.ndarray | None:
        """Numeric channels ``(n, C, L)`` of the sequences at ``index``, if any."""
        return None if self.numeric is None else self.numeric[index]

    def inputs_at(self, index: np.ndarray, device=None) -> torch.Tensor:
        """Model inputs ``(n, A + C, L)`` of the sequences at ``index``, on ``device``."""
        return model_inputs(self.codes_at(index), self.numeric_at(index), self.alphabet, device)

    def subset(self, index: np.ndarray) -> SequenceSet:
        """The sequences at ``index`` (an index array or boolean mask)."""

        def pick(a):
            return None if a is None else a[index]

        return replace(
            self,
            ids=self.ids_at(index),
            codes=self.codes[index],
            targets=pick(self.targets),
            chrom=pick(self.chrom),
            start=pick(self.start),
            strand=pick(self.strand),
            end=pick(self.end),
            profiles=pick(self.profiles),
            numeric=pick(self.numeric),
        )


def read_records(
    *,
    fasta: str | Path | None = None,
    labels: str | Path | None = None,
    bed: str | Path | None = None,
    genome: str | Path | None = None,
    length: int | None = None,
    out_of_bounds: str = "pad",
    stranded: bool = False,
    targets: Targets | None = None,
    target_length: int | None = None,
    bin_size: int | None = None,
    channels: Targets | None = None,
) -> Records:
    """Read sequences (and labels) from FASTA [+ labels] or from BED + genome.

    BED intervals are resized to ``length`` around their centre (narrowPeak: summit) and,
    with ``stranded``, read from their own strand; FASTA records are trimmed or padded later,
    by :func:`encode_records`. FASTA ids like ``chr1:100-200(-)`` give coordinates and strand.
    With coverage ``targets`` (BED input only), each record's profile is the centre
    ``target_length`` bases of its window (the whole window by default), per base or summed
    over bins of ``bin_size``. Input ``channels`` (bigWig, BED input only) are read over each
    whole window, in the orientation the model reads it.
    """
    if (fasta is None) == (bed is None):
        raise SeqmodelsError("give either a FASTA (fasta=) or BED intervals (bed=) with a genome")
    if targets is not None and bed is None:
        raise SeqmodelsError("coverage targets (data.targets) need BED intervals over a genome")
    for key, value in (("target_length", target_length), ("bin_size", bin_size)):
        if targets is None and value is not None:
            raise SeqmodelsError(
                f"data.{key}: {value}, but there are no coverage targets (data.targets) to "
                "centre or bin"
            )
    if channels is not None and bed is None:
        raise SeqmodelsError("input channels (data.channels) need BED intervals over a genome")
    if bed is not None:
        records = _read_bed_records(bed, genome, length, out_of_bounds, stranded)
        if targets is not None:
            _add_profiles(records, targets, target_length, bin_size)
        if channels is not None:
            add_channels(records, channels)
        return records
    ids, seqs = read_fasta(fasta)
    records = Records(ids, seqs, source=str(fasta))
    coords = parse_interval_ids(ids)
    if coords is not None:
        records.chrom, records.start, records.end, records.strand = coords
        _check_spans(records)
    if labels is not None:
        _add_labels(records, labels, fasta)
    return records


def read_numeric_records(path, labels=None, *, n_channels: int = 1) -> Records:
    """Records of numeric inputs alone (:func:`~seqmodels.io.numeric.read_numeric`), with
    labels keyed by sample id."""
    ids, values = read_numeric(path, n_channels=n_channels)
    records = Records(ids, [], source=str(path), numeric=values)
    records.channels = [f"channel{c + 1}" for c in range(values.shape[1])]
    records.channel_strands = [1] * values.shape[1]
    if labels is not None:
        _add_labels(records, labels, path)
    return records


def _add_labels(records: Records, labels, inputs) -> None:
    """The label table ``labels``, one row per record of ``inputs`` (a FASTA, numeric file)."""
    table = read_labels(labels)
    records.targets = align_labels(table, records.ids, labels_path=labels, fasta_path=inputs)
    records.task_names = list(map(str, table.columns))
    records.source += f" + {labels}"


def add_channels(records: Records, channels: Targets) -> None:
    """Each record's window of every input-channel bigWig (any finite value; no value: 0),
    read as the model reads the window (minus strand: reversed, stranded pairs swapped)."""
    length = len(records.seqs[0])
    if any(len(seq) != length for seq in records.seqs):
        raise SeqmodelsError(
            f"{records.source}: input channels (data.channels) need windows of one length: "
            "set data.length"
        )
    records.numeric, _ = read_profiles(
        channels, records.chrom, records.start, length, records.strand, counts=False
    )
    records.channel_strands, records.channels = channels.strands, channels.track_names


def encode_records(
    records: Records, alphabet: str | Alphabet = "dna", *, length=None, unknown="error"
) -> SequenceSet:
    """Encode records once, centred on ``length``, into a :class:`SequenceSet`."""
    alphabet = get_alphabet(alphabet)
    if not records.seqs:  # numeric inputs alone
        n, _, steps = records.numeric.shape
        codes = np.full((n, steps), NUMERIC.gap_code, dtype=np.uint8)
        return SequenceSet(records.ids, codes, NUMERIC, records.targets, records.task_names,
                           source=records.source, numeric=records.numeric,
                           channels=records.channels,
                           channel_strands=records.channel_strands)  # fmt: skip
    try:
        codes = to_indices(
            records.seqs, alphabet, length=length, unknown=unknown, names=records.ids
        )
    except SeqmodelsError as err:
        hint = " (set data.length to pad or trim)" if "differ in length" in str(err) else ""
        raise SeqmodelsError(f"{records.source}: {err}{hint}") from None
    start = None
    if records.start is not None:
        seq_length = np.fromiter(map(len, records.seqs), dtype=np.int64, count=len(records.seqs))
        shift = (codes.shape[1] - seq_length) // 2  # column c holds record position c − shift
        minus = records.strand == "-"
        start = np.where(minus, records.end - codes.shape[1] + shift, records.start - shift).astype(
            np.int64
        )
    return SequenceSet(
        records.ids,
        codes,
        alphabet,
        records.targets,
        records.task_names,
        records.chrom,
        start,
        records.strand,
        None if records.placed else records.end,
        records.source,
        records.profiles,
        records.strands,
        records.numeric,
        records.channels,
        records.channel_strands,
    )


def load_sequences(
    *,
    fasta=None,
    labels=None,
    bed=None,
    genome=None,
    alphabet: str = "dna",
    length: int | None = None,
    unknown: str = "error",
    out_of_bounds: str = "pad",
    stranded: bool = False,
) -> SequenceSet:
    """Read and encode sequences in one step: :func:`read_records` then :func:`encode_records`."""
    records = read_records(
        fasta=fasta,
        labels=labels,
        bed=bed,
        genome=genome,
        length=length,
        out_of_bounds=out_of_bounds,
        stranded=stranded,
    )
    return encode_records(records, alphabet, length=length, unknown=unknown)


def _check_spans(records: Records) -> None:
    """Each ``chr:start-end`` id must span as many bases as its record holds."""
    lengths = np.fromiter(map(len, records.seqs), dtype=np.int64, count=len(records.seqs))
    wrong = lengths != records.end - records.start
    if wrong.any():
        i = int(np.argmax(wrong))
        raise SeqmodelsError(
            f"{records.source}: record {records.ids[i]}: {lengths[i]} bases, but its id spans "
            f"{records.end[i] - records.start[i]} (ids of the chr:start-end form are read as "
            "genome coordinates)"
        )


def _add_profiles(records: Records, targets: Targets, target_length, bin_size) -> None:
    """Coverage of the centre ``target_length`` bases of each record's window, per track;
    each task's total becomes its label (the BED's own label columns would be ambiguous)."""
    if records.task_names:
        raise SeqmodelsError(
            f"{records.source}: the BED has label columns ({', '.join(records.task_names)}) "
            "and data.targets names coverage to learn: give one or the other"
        )
    length = len(records.seqs[0])
    target_length = target_length or length
    if target_length > length:
        raise SeqmodelsError(
            f"data.target_length: {target_length} is longer than the input windows ({length})"
        )
    if bin_size and target_length % bin_size:
        raise SeqmodelsError(
            f"data.bin_size: {bin_size} does not divide data.target_length ({target_length})"
        )
    offset = (length - target_length) // 2
    minus = records.strand == "-"  # the window's other end, for a reversed read
    start = np.where(minus, records.start + length - offset - target_length, records.start + offset)
    records.profiles, records.missing = read_profiles(
        targets, records.chrom, start, target_length, records.strand, bin_size=bin_size
    )
    records.strands, records.tracks = targets.strands, list(map(str, targets.tracks))
    ends = np.cumsum(targets.strands)
    records.targets = np.stack(
        [records.profiles[:, e - n : e].sum(axis=(1, 2)) for e, n in zip(ends, targets.strands,
                                                                          strict=True)], axis=1
    )  # fmt: skip
    records.task_names = list(targets.names)


def _read_bed_records(bed, genome, length, out_of_bounds, stranded) -> Records:
    if genome is None:
        raise SeqmodelsError(f"{bed}: BED intervals need a genome FASTA (genome=)")
    intervals = place_on_genome(
        read_bed(bed),
        chrom_sizes(genome),
        length=length,
        out_of_bounds=out_of_bounds,
        stranded=stranded,
        source=str(bed),
        genome=genome,
    )
    seqs = read_sequences(open_genome(genome), intervals)
    targets = intervals.labels.to_numpy(dtype=np.float32) if intervals.labels.shape[1] else None
    return Records(
        intervals.ids,
        seqs,
        source=f"{genome} (intervals of {bed})",
        targets=targets,
        task_names=list(intervals.labels.columns),
        chrom=intervals.chrom,
        start=intervals.start,
        end=intervals.end,
        strand=intervals.strand,
        placed=True,
    )
