"""Predictions and evaluation from a checkpoint alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from seqmodels.data.sets import SequenceSet, encode_records, read_records
from seqmodels.devices import default_device
from seqmodels.encoding import codes_to_one_hot
from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_write
from seqmodels.metrics import task_metrics


def load_inputs(task, *, fasta=None, labels=None, bed=None, genome=None) -> SequenceSet:
    """Read and encode inputs the way the checkpointed task was trained on them."""
    hp = task.hparams
    records = read_records(fasta=fasta, labels=labels, bed=bed, genome=genome, length=hp.length)
    return encode_records(records, hp.alphabet, length=hp.length, unknown=hp.unknown)


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
    was_training, original = task.training, next(task.parameters()).device
    task.eval().to(device)
    try:
        codes = torch.from_numpy(sequences.codes)
        out = []
        for start in tqdm(range(0, len(codes), batch_size), disable=not verbose, unit="batch"):
            batch = codes[start : start + batch_size].to(device, non_blocking=True)
            x = codes_to_one_hot(batch, sequences.alphabet)
            out.append(task.predict_outputs(x).float().cpu())
        return torch.cat(out).numpy() if out else np.zeros((0, len(task.output_names)))
    finally:
        task.train(was_training).to(original)


def write_predictions(path: str | Path, ids: list[str], names: list[str], values) -> None:
    """A TSV with ``id`` then one column per output, written atomically."""
    table = pd.DataFrame(values, columns=names)
    table.insert(0, "id", ids)
    with atomic_write(path) as handle:
        table.to_csv(handle, sep="\t", index=False, float_format="%.6g")


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
