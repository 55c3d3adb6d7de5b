"""Attribution tracks of a trained model, streamed to bigWig, bedGraph or TF-MoDISco arrays."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import torch

from seqmodels.attribution.cam import check_cam_model, class_activation_map
from seqmodels.attribution.core import attribute, importance_track, takes
from seqmodels.data.sets import SequenceSet
from seqmodels.data.stream import IntervalSet
from seqmodels.errors import SeqmodelsError
from seqmodels.io.modisco import npz_array, one_hot_path
from seqmodels.io.tracks import bedgraph_writer, bigwig_writer
from seqmodels.workflows.sharding import chunk_indices, map_chunks

FORMATS = {".bw": "bigwig", ".bigwig": "bigwig", ".bedgraph": "bedgraph", ".npz": "npz"}
"""Output formats by suffix."""


def track_coordinates(
    sequences: SequenceSet | IntervalSet, chrom_sizes: dict[str, int] | None, *, source: str = ""
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Chromosome, leftmost position and strand of each sequence's window, and the chromosome
    sizes. Sequences without genome coordinates become one "chromosome" each, named by id.
    """
    if sequences.chrom is None:  # a SequenceSet without coordinates
        n = len(sequences)
        sizes = {record_id: sequences.length for record_id in sequences.ids}
        return np.asarray(sequences.ids), np.zeros(n, dtype=np.int64), np.full(n, "."), sizes
    if chrom_sizes is None:
        raise SeqmodelsError(
            "genome coordinates need chromosome sizes: give --genome or --chrom-sizes"
        )
    missing = sorted(set(map(str, sequences.chrom)) - set(chrom_sizes))
    if missing:
        shown = ", ".join(missing[:3]) + (", …" if len(missing) > 3 else "")
        raise SeqmodelsError(
            f"{source or 'chromosome sizes'}: {len(missing)} chromosome(s) of the input "
            f"missing: {shown}"
        )
    end = getattr(sequences, "end", None)  # FASTA records: their ids' ends
    if end is not None:
        size = np.array([chrom_sizes[c] for c in sequences.chrom])
        beyond = end > size
        if beyond.any():
            i = int(np.argmax(beyond))
            raise SeqmodelsError(
                f"{sequences.source}: record {sequences.ids[i]} runs past the end of "
                f"{sequences.chrom[i]} ({size[i]:,} bp in {source or 'the chromosome sizes'}): "
                "another genome build?"
            )
    return sequences.chrom, sequences.start, sequences.strand, chrom_sizes


NUMERIC_METHODS = ("saliency", "input_x_gradient", "integrated_gradients", "deeplift", "cam")
"""Methods for models with numeric input rows: the others change sequences symbol by symbol
(ism) or shuffle them (deeplift_shap)."""


def numeric_options(
    alphabet_size: int, n_channels: int, length: int, *, fmt: str, path, **options
) -> dict:
    """Attribution ``options`` for inputs with numeric rows after ``alphabet_size`` one-hot
    ones: no hypothetical contributions and no gradient correction (both are about the
    alphabet); the reference is ``1/A`` on the one-hot rows (``uniform``) or zero, and zero on
    the numeric rows."""
    method = options["method"]
    allowed = NUMERIC_METHODS if alphabet_size else NUMERIC_METHODS[:-1]  # cam: a track
    if method not in NUMERIC_METHODS:
        raise SeqmodelsError(
            f"--method {method} changes sequences symbol by symbol or shuffles them; a model "
            f"with numeric inputs takes {', '.join(allowed)}"
        )
    if alphabet_size == 0 and fmt != "npz":
        raise SeqmodelsError(f"{path}: numeric inputs alone have no genome coordinates: write .npz")
    kind = options.get("references", "uniform")
    if kind == "shuffle":
        raise SeqmodelsError("--references shuffle: numeric inputs are not shuffled")
    if options.get("gradient_correction"):
        raise SeqmodelsError("gradient correction: numeric inputs have no alphabet to correct over")
    if takes(method, "references"):
        reference = torch.zeros(alphabet_size + n_channels, length)
        if kind == "uniform":
            reference[:alphabet_size] = 1 / alphabet_size if alphabet_size else 0.0
        options["references"] = reference
    if takes(method, "gradient_correction"):
        options["gradient_correction"] = False
    return options


def export_attributions(
    model: torch.nn.Module,
    sequences: SequenceSet | IntervalSet,
    path: str | Path,
    *,
    fmt: str,
    chrom_sizes: dict[str, int] | None = None,
    sizes_source: str = "",
    chunk_size: int = 512,
    devices: int = 1,
    verbose: bool = False,
    **options,
) -> int | None:
    """Attribute every sequence, a chunk at a time, and write the result to ``path``.

    ``bigwig``/``bedgraph``: the per-base importance track in genome coordinates (overlaps
    averaged; minus-strand sequences mapped back reversed). ``npz``: hypothetical
    contributions at ``path`` and one-hot sequences beside it (``X_ohe.npz``), for
    ``modisco motifs``, in the orientation the model read (5′→3′ of each strand) and the
    order of the inputs. Inputs with numeric rows (input channels, numeric inputs alone;
    :func:`numeric_options`): ``npz`` holds attributions and inputs ``(N, A + C, L)``, tracks
    the sequence's share (its rows summed). ``options`` go to
    :func:`~seqmodels.attribution.attribute`; ``method="cam"`` writes the class activation
    map instead (:func:`~seqmodels.attribution.class_activation_map`; tracks only). With
    ``devices`` > 1 the chunks are shared among DDP processes (see
    :func:`~seqmodels.workflows.sharding.map_chunks`).

    Returns
    -------
    int or None
        The number of sequences written; None on DDP ranks other than 0.
    """
    alphabet = sequences.alphabet
    method = options.get("method")
    if fmt == "npz" and method == "cam":
        raise SeqmodelsError(f"{path}: --method cam writes a track: give a .bw or .bedGraph")
    if method == "cam":
        check_cam_model(model)
    numeric = sequences.n_channels > 0
    if numeric:
        options = numeric_options(alphabet.size, sequences.n_channels, sequences.length,
                                  fmt=fmt, path=path, **options)  # fmt: skip
    if fmt == "npz":
        order = np.arange(len(sequences))
    else:  # genome order, so that the writer streams
        chrom, start, strand, sizes = track_coordinates(sequences, chrom_sizes, source=sizes_source)
        rank = {name: i for i, name in enumerate(sizes)}
        order = np.lexsort((start, np.array([rank[c] for c in chrom])))
    chunks = chunk_indices(order, chunk_size, devices)
    device = options.pop("device", None)

    def compute(network, chunk: int, device) -> dict[str, np.ndarray]:
        index = chunks[chunk]
        X = sequences.inputs_at(index)
        if method == "cam":
            track = class_activation_map(network, X, target=options["target"], device=device)
            return {"track": track.numpy()}
        names = {"names": sequences.ids_at(index)} if takes(method, "names") else {}
        if numeric:  # attributions shaped like the inputs; the track: the sequence's share
            result = attribute(network, X, device=device, **options, **names)
            if fmt == "npz":
                return {"hypothetical": result.numpy(), "one_hot": X.numpy()}
            return {"track": result[:, : alphabet.size].sum(dim=1).numpy()}
        hypothetical = attribute(network, X, hypothetical=True, device=device, **options, **names)
        if fmt == "npz":
            return {"hypothetical": hypothetical.numpy(), "one_hot": X.numpy()}
        return {"track": importance_track(hypothetical, X).numpy()}

    results = map_chunks(
        model, compute, len(chunks), output=path, device=device, devices=devices, verbose=verbose
    )
    if results is None:
        return None
    shape = (len(sequences), alphabet.size + sequences.n_channels, sequences.length)
    with contextlib.closing(results), contextlib.ExitStack() as stack:
        if fmt == "npz":
            contributions = stack.enter_context(npz_array(path, shape))
            one_hot = stack.enter_context(npz_array(one_hot_path(path), shape))
        else:
            opener = bigwig_writer if fmt == "bigwig" else bedgraph_writer
            writer = stack.enter_context(opener(path, sizes))
        for index, result in zip(chunks, results, strict=True):
            if fmt == "npz":
                contributions[index] = result["hypothetical"]
                one_hot[index] = result["one_hot"]
                continue
            for i, values in zip(index, result["track"], strict=True):
                writer.add(
                    str(chrom[i]), int(start[i]), values[::-1] if strand[i] == "-" else values
                )
    return len(order)
