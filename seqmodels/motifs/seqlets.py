"""Seqlets: contiguous spans of high importance in attribution tracks, of either sign."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqmodels.io.atomic import atomic_write
from seqmodels.io.coords import genome_spans


def call_seqlets(
    tracks: np.ndarray,
    *,
    window: int = 5,
    threshold: float | None = None,
    fdr: float = 0.01,
    merge_distance: int = 3,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Spans where the windowed importance stands out, positive and negative.

    Each position gets the sum of the track over the ``window`` centred on it. A position is
    important where that sum exceeds ``threshold`` in absolute value; without a threshold,
    it is the ``1 − fdr`` quantile of the same sums over a null track, each sequence's values
    shuffled across positions (which keeps the values but breaks their clustering into
    motifs). Runs of important positions of one sign, extended by half a window on each
    side, are merged when fewer than ``merge_distance`` positions apart.

    Parameters
    ----------
    tracks : numpy.ndarray, shape (N, L)
        Per-base importance (e.g. :func:`seqmodels.attribution.importance_track`).

    Returns
    -------
    pandas.DataFrame
        One row per seqlet: ``sequence`` (row of ``tracks``), ``start``, ``end`` (0-based,
        half-open), ``sign`` (+1/−1) and ``score`` (the track summed over the span).
    """
    tracks = np.asarray(tracks, dtype=np.float64)
    sums = _window_sums(tracks, window)
    if threshold is None:
        rng = np.random.default_rng(random_state)
        null = _window_sums(rng.permuted(tracks, axis=1), window)
        threshold = float(np.quantile(np.abs(null), 1 - fdr))
    rows = []
    half = window // 2
    for sign in (1, -1):
        hits = sign * sums > threshold
        for sequence in np.flatnonzero(hits.any(axis=1)):
            for start, end in _runs(hits[sequence], half, merge_distance, tracks.shape[1]):
                score = float(tracks[sequence, start:end].sum())
                rows.append((int(sequence), start, end, sign, score))
    columns = ["sequence", "start", "end", "sign", "score"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["sequence", "start"], ignore_index=True)


def write_seqlets_bed(
    path: str | Path,
    seqlets: pd.DataFrame,
    chrom: np.ndarray,
    start: np.ndarray,
    *,
    strand: np.ndarray | None = None,
    length: int | None = None,
) -> None:
    """Seqlets as BED6 in genome coordinates, given each sequence's ``chrom``, leftmost
    ``start`` and ``strand``; on the minus strand (sequences of ``length`` read
    reverse-complemented) a seqlet's span is mirrored back onto the genome.

    The name is ``positive`` or ``negative`` (prefixed ``TASK:`` where ``seqlets`` has a
    ``task`` column), the score is the summed importance.
    """
    name = np.where(seqlets["sign"] > 0, "positive", "negative")
    if "task" in seqlets:
        name = seqlets["task"].astype(str) + ":" + name
    strand = np.full(len(start), ".") if strand is None else np.asarray(strand)
    spans = seqlets[["sequence", "start", "end"]]
    write_spans_bed(path, spans, name, seqlets["score"], chrom, start, strand, length=length)


def write_spans_bed(
    path: str | Path,
    spans: pd.DataFrame,
    name,
    score,
    chrom: np.ndarray,
    start: np.ndarray,
    strand: np.ndarray,
    *,
    length: int | None,
) -> None:
    """Spans within sequences (``sequence``, ``start``, ``end``, optionally ``strand``) as
    sorted BED6 in genome coordinates (:func:`~seqmodels.io.coords.genome_spans`), with a
    ``name`` and ``score`` per span."""
    bed = genome_spans(spans, chrom, start, strand, length=length)
    bed.insert(3, "name", np.asarray(name, dtype=str))
    bed.insert(4, "score", np.round(np.asarray(score, dtype=float), 6))
    bed = bed.sort_values(["chrom", "start", "end"], kind="stable")
    with atomic_write(path) as handle:
        bed.to_csv(handle, sep="\t", header=False, index=False)


def _window_sums(tracks: np.ndarray, window: int) -> np.ndarray:
    """Sum over the ``window`` centred on each position (zeros beyond the ends)."""
    padded = np.pad(tracks, ((0, 0), (window // 2, window - 1 - window // 2)))
    cumulative = np.concatenate([np.zeros((len(tracks), 1)), np.cumsum(padded, axis=1)], axis=1)
    return cumulative[:, window:] - cumulative[:, :-window]


def _runs(hits: np.ndarray, half: int, merge_distance: int, length: int):
    """``(start, end)`` of runs of ``hits``, extended by ``half``, close ones merged."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], hits.astype(np.int8), [0]])))
    merged: list[list[int]] = []
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        start, end = max(int(start) - half, 0), min(int(end) + half, length)
        if merged and start - merged[-1][1] < merge_distance:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [tuple(run) for run in merged]
