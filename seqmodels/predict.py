"""Predictions and evaluation from a checkpoint alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from seqmodels.alphabets import get_alphabet
from seqmodels.data.sets import SequenceSet, encode_records, read_records
from seqmodels.data.stream import IntervalSet
from seqmodels.devices import default_device, model_on
from seqmodels.encoding import codes_to_one_hot
from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_write
from seqmodels.io.bed import check_intervals, chrom_sizes, read_bed, tile_intervals
from seqmodels.metrics import task_metrics
from seqmodels.sharding import map_chunks


def load_inputs(task, *, fasta=None, labels=None, bed=None, genome=None) -> SequenceSet:
    """Read and encode inputs the way the checkpointed task was trained on them."""
    hp = task.hparams
    records = read_records(fasta=fasta, labels=labels, bed=bed, genome=genome, length=hp.length)
    return encode_records(records, hp.alphabet, length=hp.length, unknown=hp.unknown)


def open_inputs(
    task,
    *,
    fasta=None,
    bed=None,
    genome=None,
    stride: int | None = None,
    regions: list[str] | None = None,
) -> SequenceSet | IntervalSet:
    """Inputs for predictions or attributions, as the checkpointed task was trained.

    BED intervals (resized to the model's length) and tiles of the genome — windows of the
    model's length every ``stride`` over ``regions`` (``chr:start-end`` or chromosome names;
    default: the whole genome) — are read from the genome a chunk at a time
    (:class:`IntervalSet`); a FASTA is read and encoded at once.
    """
    hp = task.hparams
    if fasta is not None:
        return load_inputs(task, fasta=fasta)
    if genome is None:
        raise SeqmodelsError("BED intervals and tiles need a genome FASTA (--genome)")
    if bed is not None:
        intervals, source = read_bed(bed), str(bed)
        if hp.length:
            intervals = intervals.resized(hp.length)
    elif stride is not None:
        if not hp.length:
            raise SeqmodelsError("tiling needs a model trained on one sequence length")
        intervals = tile_intervals(chrom_sizes(genome), hp.length, stride, regions)
        source = f"tiles of {genome}"
    else:
        raise SeqmodelsError("no input: give --fasta, --bed with --genome, or --tile")
    intervals = check_intervals(genome, intervals, bed_path=source)
    alphabet = get_alphabet(hp.alphabet)
    return IntervalSet(intervals, Path(genome), alphabet, unknown=hp.unknown, source=source)


@torch.inference_mode()
def predict(
    task,
    sequences: SequenceSet,
    *,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    verbose: bool = False,
) -> np.ndarray:
    """Predictions of a task on encoded sequences.

    Returns
    -------
    numpy.ndarray, float32, shape (N, T)
        Probabilities (classification), values or rates (regression).
    """
    device = default_device(device)
    with model_on(task, device):
        return _predict_codes(
            task, sequences.codes, sequences.alphabet, batch_size, device, verbose=verbose
        )


def predict_to_file(
    task,
    inputs: SequenceSet | IntervalSet,
    path: str | Path,
    *,
    chunk_size: int = 8192,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    devices: int = 1,
    verbose: bool = False,
) -> int | None:
    """Predict a chunk at a time and stream a TSV of ``id`` and one column per output to
    ``path`` (atomically). With ``devices`` > 1 the chunks are shared among DDP processes.

    Returns the number of rows written; None on DDP ranks other than 0.
    """
    chunks = [
        np.arange(i, min(i + chunk_size, len(inputs))) for i in range(0, len(inputs), chunk_size)
    ]

    @torch.inference_mode()
    def compute(model, chunk: int, device) -> dict[str, np.ndarray]:
        codes = inputs.codes_at(chunks[chunk])
        with model_on(model, device):
            return {"values": _predict_codes(model, codes, inputs.alphabet, batch_size, device)}

    scratch = Path(path).parent / f".{Path(path).name}.parts"
    results = map_chunks(
        task, compute, len(chunks), scratch=scratch, device=device, devices=devices, verbose=verbose
    )
    if results is None:
        return None
    with atomic_write(path) as handle:
        handle.write("\t".join(["id", *task.output_names]) + "\n")
        for index, result in zip(chunks, results, strict=True):
            table = pd.DataFrame(result["values"], columns=task.output_names)
            table.insert(0, "id", inputs.ids_at(index))
            table.to_csv(handle, sep="\t", index=False, header=False, float_format="%.6g")
    return len(inputs)


def _predict_codes(task, codes, alphabet, batch_size, device, *, verbose=False) -> np.ndarray:
    """Predictions ``(n, T)`` of codes ``(n, L)``, a batch at a time."""
    codes = torch.from_numpy(codes)
    out = []
    for start in tqdm(range(0, len(codes), batch_size), disable=not verbose, unit="batch"):
        batch = codes[start : start + batch_size].to(device, non_blocking=True)
        out.append(task.predict_outputs(codes_to_one_hot(batch, alphabet)).float().cpu())
    return torch.cat(out).numpy() if out else np.zeros((0, len(task.output_names)), np.float32)


def evaluate(task, sequences: SequenceSet, **kwargs) -> dict[str, float]:
    """Metrics of the task's predictions against the sequences' labels."""
    expected = list(task.hparams.task_names)
    if sequences.targets is None or sequences.task_names != expected:
        found = ", ".join(sequences.task_names) or "none"
        raise SeqmodelsError(
            f"evaluation needs the label columns {', '.join(expected)} (found: {found})"
        )
    predictions = predict(task, sequences, **kwargs)
    return task_metrics(
        task.hparams.task, sequences.targets, predictions, list(task.hparams.task_names)
    )
