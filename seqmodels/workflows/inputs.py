"""Inputs as a configuration or a checkpoint describes them: the records of a ``data`` section,
encoded and split for training; or FASTA, BED and tiles encoded the way a checkpointed task
was trained (alphabet, length, policy for unknown symbols, strand)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from seqmodels.alphabets import get_alphabet
from seqmodels.data.sets import (
    Records,
    SequenceSet,
    encode_records,
    read_numeric_records,
    read_records,
)
from seqmodels.data.splits import split_indices
from seqmodels.data.stream import IntervalSet
from seqmodels.errors import SeqmodelsError
from seqmodels.io.bed import chrom_sizes, place_on_genome, read_bed, tile_intervals
from seqmodels.io.coverage import entry_strands, parse_targets

log = logging.getLogger("seqmodels")

NUCLEOTIDES = frozenset("ACGTUNacgtun")
"""Letters that make a protein input look like DNA or RNA when they are nearly all it holds."""


def read_config_records(data: dict) -> Records:
    """Read the records named by a checked ``data`` config section."""
    if data["numeric"] is not None:
        return _read_numeric_config(data)
    _check_genome_input(data["alphabet"], data["bed"])
    return read_records(
        fasta=data["fasta"],
        labels=data["labels"],
        bed=data["bed"],
        genome=data["genome"],
        length=data["length"],
        out_of_bounds=data["out_of_bounds"],
        stranded=data["stranded"],
        targets=parse_targets(data["targets"]) if data["targets"] else None,
        target_length=data["target_length"],
        bin_size=data["bin_size"],
        channels=parse_targets(data["channels"], key="data.channels") if data["channels"] else None,
    )


def _read_numeric_config(data: dict) -> Records:
    """The records of ``data.numeric``; keys of sequence inputs that it would leave unread
    are an error, and so are a length or a channel count the file contradicts."""
    for key in ("targets", "channels"):
        if data[key]:
            raise SeqmodelsError(
                f"data.{key}: bigWig tracks are read over data.bed intervals; data.numeric "
                "reads numeric inputs alone"
            )
    path = data["numeric"]
    records = read_numeric_records(path, data["labels"], n_channels=data["numeric_channels"])
    _, channels, steps = records.numeric.shape
    if data["length"] is not None and data["length"] != steps:
        raise SeqmodelsError(
            f"data.length: {data['length']}, but {path} holds {steps} steps per sample "
            "(numeric inputs are neither padded nor trimmed)"
        )
    if data["numeric_channels"] not in (1, channels):  # an array's channels are its own
        raise SeqmodelsError(
            f"data.numeric_channels: {data['numeric_channels']}, but {path} holds {channels} "
            "channel(s) per sample"
        )
    return records


def encode_and_split(
    records: Records, data: dict, *, random_state: int
) -> tuple[SequenceSet, dict]:
    """Encode records as the ``data`` section says and split them."""
    check_composition(records.seqs, data["alphabet"], records.source)
    sequences = encode_records(
        records, data["alphabet"], length=data["length"], unknown=data["unknown"]
    )
    splits = split_indices(
        sequences,
        val_chroms=data["val_chroms"],
        test_chroms=data["test_chroms"],
        val_fraction=data["val_fraction"],
        test_fraction=data["test_fraction"],
        random_state=random_state,
    )
    return sequences, splits


def load_inputs(
    task,
    *,
    fasta=None,
    labels=None,
    bed=None,
    genome=None,
    stranded: bool | None = None,
    numeric=None,
    channels: list | None = None,
) -> SequenceSet:
    """Read and encode inputs the way the checkpointed task was trained on them (``stranded``
    None: as in training): sequences, their input ``channels`` (default: the bigWigs it was
    trained with) or, for a model of numeric inputs alone, the ``numeric`` file."""
    hp = task.hparams
    if hp.alphabet == "none" or numeric is not None:
        return _load_numeric(task, numeric, labels)
    _check_genome_input(hp.alphabet, bed)
    records = read_records(
        fasta=fasta,
        labels=labels,
        bed=bed,
        genome=genome,
        length=hp.length,
        stranded=hp.stranded if stranded is None else stranded,
        channels=input_channels(task, channels, fasta=fasta),
    )
    check_composition(records.seqs, hp.alphabet, records.source)
    return encode_records(records, hp.alphabet, length=hp.length, unknown=hp.unknown)


def input_channels(task, channels: list | None, *, fasta=None):
    """The bigWig input channels of a task's inputs: ``channels`` (``--channels``, as many
    tracks as it was trained with) or those it was trained with; None for a task without."""
    trained = task.hparams.channels or []
    if not trained:
        if channels:
            raise SeqmodelsError("--channels: the model was trained without input channels")
        return None
    if fasta is not None:
        raise SeqmodelsError(
            f"{fasta}: the model reads input channels (bigWig) beside each sequence: give "
            "--bed or --tile with --genome"
        )

    if channels and entry_strands(channels) != entry_strands(trained):
        raise SeqmodelsError(
            f"--channels: give {len(trained)} bigWig(s) (or stranded pairs) in the order the "
            "model was trained with"
        )
    return parse_targets(channels or trained, key="--channels" if channels else "channels")


def _load_numeric(task, path, labels) -> SequenceSet:
    hp = task.hparams
    if hp.alphabet != "none":
        raise SeqmodelsError(f"{path}: numeric inputs for a model of {hp.alphabet} sequences")
    if path is None:
        raise SeqmodelsError("the model reads numeric inputs: give --numeric FILE")
    records = read_numeric_records(path, labels, n_channels=hp.numeric_channels)
    shape, trained = records.numeric.shape[1:], (hp.numeric_channels, hp.length)
    if shape != trained:
        raise SeqmodelsError(
            f"{path}: {shape[0]} channel(s) × {shape[1]} steps; the model was trained on "
            f"{trained[0]} × {trained[1]}"
        )
    return encode_records(records, "none")


def open_inputs(
    task,
    *,
    fasta=None,
    bed=None,
    genome=None,
    stride: int | None = None,
    regions: list[str] | None = None,
    stranded: bool | None = None,
    numeric=None,
    channels: list | None = None,
) -> SequenceSet | IntervalSet:
    """Inputs for predictions or attributions, as the checkpointed task was trained.

    BED intervals (resized to the model's length) and tiles of the genome — windows of the
    model's length every ``stride`` over ``regions`` (``chr:start-end`` or chromosome names;
    default: the whole genome) — are read from the genome a chunk at a time
    (:class:`IntervalSet`), in the order given, with their input ``channels`` (see
    :func:`load_inputs`); a FASTA or a ``numeric`` file is read and encoded at once.
    """
    hp = task.hparams
    if fasta is not None or numeric is not None or hp.alphabet == "none":
        return load_inputs(task, fasta=fasta, stranded=stranded, numeric=numeric)
    _check_genome_input(hp.alphabet, bed or "--tile")
    if genome is None:
        raise SeqmodelsError("BED intervals and tiles need a genome FASTA (--genome)")
    sizes = chrom_sizes(genome)
    if bed is not None:
        intervals, source = read_bed(bed), str(bed)
    elif stride is not None:
        if not hp.length:
            raise SeqmodelsError("tiling needs a model trained on one sequence length")
        intervals = tile_intervals(sizes, hp.length, stride, regions)
        source = f"tiles of {genome}"
    else:
        raise SeqmodelsError("no input: give --fasta, --bed with --genome, or --tile")
    intervals = place_on_genome(
        intervals,
        sizes,
        length=hp.length,
        stranded=hp.stranded if stranded is None else stranded,
        source=source,
        genome=genome,
    )
    alphabet = get_alphabet(hp.alphabet)
    return IntervalSet(intervals, Path(genome), alphabet, unknown=hp.unknown, source=source,
                       channels=input_channels(task, channels))  # fmt: skip


def check_composition(seqs: list[str], alphabet: str, source: str, *, sample: int = 1_000_000):
    """Warn when protein input looks like nucleotides (ACGT are amino-acid letters too, so it
    would be read without an error)."""
    if alphabet != "protein" or not seqs:
        return
    text = "".join(seqs)[:sample]
    share = sum(map(text.count, NUCLEOTIDES)) / max(len(text), 1)
    if share >= 0.9:
        log.warning(
            "%s: %.0f%% of the residues are A, C, G, T, U or N: is this DNA or RNA given to "
            "a protein model?",
            source,
            100 * share,
        )


def _check_genome_input(alphabet: str, bed) -> None:
    if alphabet == "protein" and bed is not None:
        raise SeqmodelsError(
            f"{bed}: a protein model reads FASTA; genome intervals and tiles hold DNA"
        )


def check_labels(
    sequences: SequenceSet, task_type: str, *, n_classes=None, regression_loss="mse"
) -> None:
    """Every label must mean something for the task type: 0/1 for classification, class
    indices for multiclass, finite values (non-negative counts for Poisson) for regression;
    and every task needs a label."""
    targets = sequences.targets
    if task_type in ("binary", "multilabel"):
        wrong, rule = ~np.isin(targets, (0, 1)) & ~np.isnan(targets), "is not 0 or 1"
    elif task_type == "multiclass":
        wrong = ~np.isnan(targets) & ((targets < 0) | (targets != np.round(targets)))
        rule = "is not a class index (0, 1, 2, …)"
        if n_classes:
            wrong |= targets >= n_classes
            rule = f"is not a class index 0–{n_classes - 1} (task.n_classes)"
    elif regression_loss == "poisson":
        wrong, rule = targets < 0, "is negative (a Poisson loss takes counts)"
    else:
        wrong, rule = np.isinf(targets), "is not finite"
    if wrong.any():
        row, column = np.argwhere(wrong)[0]
        raise SeqmodelsError(
            f"{sequences.source}: record {sequences.ids[row]}: task "
            f"{sequences.task_names[column]}: label {targets[row, column]:g} {rule} "
            f"(task type {task_type})"
        )
    empty = np.isnan(targets).all(axis=0)
    if empty.any():
        name = sequences.task_names[int(np.argmax(empty))]
        raise SeqmodelsError(f"{sequences.source}: task {name} has no labels")
