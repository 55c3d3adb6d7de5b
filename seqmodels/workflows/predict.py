"""Predictions and evaluation from a checkpoint alone, written as TSV and JSON."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from seqmodels.data.sets import SequenceSet
from seqmodels.data.stream import IntervalSet
from seqmodels.devices import default_device, model_on
from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_paths, atomic_write, check_output_file
from seqmodels.io.jsonfile import write_json
from seqmodels.metrics import task_metrics
from seqmodels.workflows.inputs import check_labels
from seqmodels.workflows.sharding import chunk_indices, map_chunks

TABLE_FORMATS = {".tsv": "\t", ".txt": "\t", ".csv": ","}
"""Prediction tables by suffix: the column separator."""

TRACK_FORMATS = {".bw": "bigwig", ".bigwig": "bigwig", ".bedgraph": "bedgraph"}
"""Predicted coverage tracks by suffix."""


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
        Probabilities (classification), values or rates (regression), total counts
        (coverage).
    """
    device = default_device(device)
    with model_on(task, device):
        return _predict_inputs(
            task, sequences, np.arange(len(sequences)), batch_size, device, verbose=verbose
        )


@torch.inference_mode()
def predict_coverage(
    task,
    sequences: SequenceSet,
    *,
    batch_size: int = 256,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """Expected coverage of a coverage model (``profile`` or ``binned``) on encoded sequences.

    Returns
    -------
    numpy.ndarray, float32, shape (N, K, P)
        Reads per position (``profile``) or per bin (``binned``) of each track
        (``task.track_names``), in the orientation the model read.
    """
    _check_coverage_model(task)
    device = default_device(device)
    with model_on(task, device):
        return _coverage_of_inputs(task, sequences, np.arange(len(sequences)), batch_size, device)


def predict_tracks_to_file(
    task,
    inputs: SequenceSet | IntervalSet,
    path: str | Path,
    *,
    chrom_sizes: dict[str, int] | None,
    sizes_source: str = "",
    chunk_size: int = 8192,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    devices: int = 1,
    verbose: bool = False,
) -> list[Path] | None:
    """Stream a coverage model's predicted tracks to bigWig (or bedGraph) in genome
    coordinates, one file per track (:func:`track_paths`), through the writer attribution
    tracks use: overlapping windows averaged, minus-strand windows mapped back (positions
    reversed, the two strands of a stranded task swapped). A bin's count is spread evenly over
    its bases, so that the track sums to the counts.

    Returns the paths written; None on DDP ranks other than 0.
    """
    from seqmodels.io.coverage import reversed_order
    from seqmodels.io.tracks import bedgraph_writer, bigwig_writer
    from seqmodels.workflows.attribute import track_coordinates

    _check_coverage_model(task, path)
    hp = task.hparams
    paths = track_paths(task, path)
    for track in paths:  # none of them a folder, before any work
        check_output_file(track)
    chrom, start, strand, sizes = track_coordinates(inputs, chrom_sizes, source=sizes_source)
    rank = {name: i for i, name in enumerate(sizes)}
    order = np.lexsort((start, np.array([rank[c] for c in chrom])))
    chunks = chunk_indices(order, chunk_size, devices)
    offset = (inputs.length - hp.output_length) // 2  # of the profile in the window
    minus_offset = inputs.length - offset - hp.output_length  # the same, read backwards
    swap = reversed_order(hp.strands)

    @torch.inference_mode()
    def compute(model, chunk: int, device) -> dict[str, np.ndarray]:
        index = chunks[chunk]
        with model_on(model, device):
            coverage = _coverage_of_inputs(model, inputs, index, batch_size, device)
        _check_finite(coverage.reshape(len(index), -1), inputs.ids_at(index))
        if hp.bin_size:
            coverage = np.repeat(coverage / hp.bin_size, hp.bin_size, axis=-1)
        return {"coverage": coverage}

    results = map_chunks(
        task, compute, len(chunks), output=paths[0], device=device, devices=devices,
        verbose=verbose,
    )  # fmt: skip
    if results is None:
        return None
    opener = (
        bigwig_writer if TRACK_FORMATS[Path(path).suffix.lower()] == "bigwig" else bedgraph_writer
    )
    # every track complete before any is renamed; the chunks (and their progress bar) closed
    # with the writing, should it fail
    with atomic_paths(paths) as tmps, contextlib.closing(results), contextlib.ExitStack() as stack:
        writers = [stack.enter_context(opener(t, sizes, atomic=False)) for t in tmps]
        for index, result in zip(chunks, results, strict=True):
            for i, coverage in zip(index, result["coverage"], strict=True):
                if strand[i] == "-":
                    first, coverage = int(start[i]) + minus_offset, coverage[swap, ::-1]
                else:
                    first = int(start[i]) + offset
                for writer, values in zip(writers, coverage, strict=True):
                    writer.add(str(chrom[i]), first, values)
    return paths


def track_paths(task, path: str | Path) -> list[Path]:
    """The files of a coverage model's predicted tracks: ``path`` for one track, else one per
    track named before the suffix (``pred.bw`` → ``pred.CTCF.plus.bw``, ``pred.CTCF.minus.bw``)."""
    path = Path(path)
    names = task.track_names
    if len(names) == 1:
        return [path]
    return [path.with_name(f"{path.stem}.{name}{path.suffix}") for name in names]


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
    """Predict a chunk at a time and stream a table of ``id`` and one column per output to
    ``path`` (atomically; tab-separated, comma-separated for ``.csv``), in the order of the
    inputs. With ``devices`` > 1 the chunks are shared among DDP processes.

    Returns the number of rows written; None on DDP ranks other than 0.
    """
    path = Path(path)
    sep = TABLE_FORMATS.get(path.suffix.lower(), "\t")
    chunks = chunk_indices(len(inputs), chunk_size, devices)

    @torch.inference_mode()
    def compute(model, chunk: int, device) -> dict[str, np.ndarray]:
        index = chunks[chunk]
        with model_on(model, device):
            values = _predict_inputs(model, inputs, index, batch_size, device)
        _check_finite(values, inputs.ids_at(index))
        return {"values": values}

    results = map_chunks(
        task, compute, len(chunks), output=path, device=device, devices=devices, verbose=verbose
    )
    if results is None:
        return None
    with atomic_write(path) as handle, contextlib.closing(results):
        handle.write(sep.join(["id", *task.output_names]) + "\n")
        for index, result in zip(chunks, results, strict=True):
            table = pd.DataFrame(result["values"], columns=task.output_names)
            table.insert(0, "id", inputs.ids_at(index))
            table.to_csv(handle, sep=sep, index=False, header=False, float_format="%.6g")
    return len(inputs)


def evaluate(task, sequences: SequenceSet, **options) -> dict[str, float]:
    """Metrics of the task's predictions against the sequences' labels.

    ``options`` go to :func:`predict`. Predictions that are not finite, or the same for every
    sequence, are an error: their metrics would look like chance, not like a broken model.
    """
    hp = task.hparams
    if task.coverage:
        raise SeqmodelsError(
            f"evaluation scores labels; a {hp.task} model predicts coverage, whose metrics "
            "training wrote to its test_metrics.json"
        )
    expected = list(hp.task_names)
    if sequences.targets is None or sequences.task_names != expected:
        found = ", ".join(sequences.task_names) or "none"
        raise SeqmodelsError(
            f"{sequences.source}: evaluation needs the label columns {', '.join(expected)} "
            f"(found: {found})"
        )
    check_labels(sequences, hp.task, n_classes=hp.n_classes, regression_loss=hp.regression_loss)
    predictions = predict(task, sequences, **options)
    _check_finite(predictions, sequences.ids)
    constant = (predictions == predictions[:1]).all(axis=0) if len(predictions) > 1 else []
    for name, same in zip(task.output_names, constant, strict=False):
        if same:
            raise SeqmodelsError(
                f"the model predicts {predictions[0, task.output_names.index(name)]:.6g} for "
                f"{name} on every one of the {len(predictions):,} sequences: its metrics "
                "would be meaningless"
            )
    return task_metrics(task.hparams.task, sequences.targets, predictions, expected)


def evaluate_to_file(task, sequences: SequenceSet, path: str | Path, **options) -> dict:
    """:func:`evaluate`, written to ``path`` as strict JSON (undefined metrics as null)."""
    metrics = evaluate(task, sequences, **options)
    write_json(path, metrics)
    return metrics


def _predict_inputs(task, inputs, index, batch_size, device, *, verbose=False) -> np.ndarray:
    """Predictions ``(n, T)`` of the inputs at ``index``, a batch at a time."""
    out = []
    for start in tqdm(range(0, len(index), batch_size), disable=not verbose, unit="batch"):
        x = inputs.inputs_at(index[start : start + batch_size], device)
        out.append(task.predict_outputs(x).float().cpu())
    return torch.cat(out).numpy() if out else np.zeros((0, len(task.output_names)), np.float32)


def _coverage_of_inputs(task, inputs, index, batch_size, device) -> np.ndarray:
    """Expected coverage ``(n, K, P)`` of the inputs at ``index``, a batch at a time."""
    out = [
        task.predict_coverage(inputs.inputs_at(index[i : i + batch_size], device)).float().cpu()
        for i in range(0, len(index), batch_size)
    ]
    if not out:
        return np.zeros((0, len(task.track_names), task.hparams.output_length), np.float32)
    return torch.cat(out).numpy()


def _check_coverage_model(task, path=None) -> None:
    if not task.coverage:
        where = f"{path}: " if path is not None else ""
        raise SeqmodelsError(
            f"{where}the checkpoint is a {task.hparams.task} model: predicted tracks need a "
            "coverage model (data.targets); write a table (.tsv, .csv) instead"
        )


def _check_finite(values: np.ndarray, ids: list[str]) -> None:
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        first = ids[int(np.argmax(bad))]
        raise SeqmodelsError(
            f"the model's predictions are not finite for {bad.sum():,} sequence(s), the first "
            f"{first}: its weights or inputs are broken"
        )
