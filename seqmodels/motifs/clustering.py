"""Seqlets grouped into motifs: seed with the k-mer most enriched in seqlets over the
sequences around them, align the seqlets that contain it (either strand), count, and repeat
on the seqlets left — a small HOMER-style search on the spans the model found important."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from seqmodels.alphabets import get_alphabet
from seqmodels.io.meme import Motif


def cluster_seqlets(
    seqlets: pd.DataFrame,
    codes: np.ndarray,
    *,
    alphabet: str = "dna",
    k: int = 6,
    flank: int = 8,
    min_seqlets: int = 10,
    max_motifs: int = 10,
    min_information: float = 0.5,
    pseudocount: float = 0.1,
    prefix: str = "cluster",
) -> list[Motif]:
    """Motifs from positive seqlets, one per enriched seed k-mer.

    Each round takes the k-mer (merged with its reverse complement for nucleic acids) whose
    count in the unassigned seqlets most exceeds its expectation from all of ``codes``
    (log-likelihood ratio), aligns every unassigned seqlet that contains it on its
    occurrence nearest the seqlet's centre, counts the bases of ``flank`` positions either
    side, trims end columns below ``min_information`` bits, and removes those seqlets.
    Rounds stop when the best seed is found in fewer than ``min_seqlets`` seqlets.

    Parameters
    ----------
    seqlets : pandas.DataFrame
        From :func:`~seqmodels.motifs.call_seqlets` (``sequence``, ``start``, ``end``,
        ``sign``); only positive seqlets are used.
    codes : numpy.ndarray, uint8, shape (N, L)
        The attributed sequences as symbol codes (core symbols ``0 … A−1``).

    Returns
    -------
    list of Motif
        ``cluster0``, ``cluster1``, … with ``nsites`` the seqlets aligned and ``alt`` the
        seed k-mer.
    """
    alphabet = get_alphabet(alphabet)
    size = alphabet.size
    kmers = _kmer_ids(codes, k, size)  # (N, L − k + 1), −1 where a symbol is ambiguous
    strands = [kmers]
    if alphabet.complement is not None:
        complement = alphabet.complement_codes[codes][:, ::-1]
        strands.append(_kmer_ids(complement, k, size)[:, ::-1])  # same start, other strand
    canonical = np.minimum.reduce(strands) if len(strands) == 2 else kmers
    canonical = np.where((np.stack(strands) < 0).any(axis=0), -1, canonical)

    positive = seqlets[seqlets["sign"] > 0].reset_index(drop=True)
    inside = _inside_seqlet(positive, kmers.shape, k)  # seqlet row of each k-mer, or −1
    background = np.bincount(canonical[canonical >= 0], minlength=size**k).astype(float)
    background /= background.sum()
    unassigned = np.ones(len(positive), dtype=bool)
    motifs: list[Motif] = []
    while len(motifs) < max_motifs:
        in_play = (inside >= 0) & (canonical >= 0)
        in_play[in_play] = unassigned[inside[in_play]]
        seed, n_seqlets = _best_seed(canonical, inside, in_play, background)
        if n_seqlets < min_seqlets:
            break
        rows, cols = np.nonzero(in_play & (canonical == seed))
        members = inside[rows, cols]
        centre = ((positive["start"] + positive["end"]) / 2).to_numpy()[members]
        nearest = np.lexsort((np.abs(cols + k / 2 - centre), members))
        first = np.unique(members[nearest], return_index=True)[1]
        rows, cols, members = rows[nearest][first], cols[nearest][first], members[nearest][first]
        reverse = len(strands) == 2 and (kmers[rows, cols] != seed)
        counts = _aligned_counts(codes, rows, cols, reverse, k, flank, alphabet)
        probs = (counts + pseudocount) / (counts + pseudocount).sum(axis=0, keepdims=True)
        unassigned[members] = False
        motif = Motif(
            f"{prefix}{len(motifs)}", probs, alt=_spell(seed, k, alphabet), nsites=len(members)
        )
        motifs.append(_trim(motif, min_information))
    return motifs


def _kmer_ids(codes: np.ndarray, k: int, size: int) -> np.ndarray:
    """Integer id of the k-mer starting at each position, ``(N, L − k + 1)``; −1 if ambiguous."""
    windows = sliding_window_view(codes.astype(np.int64), k, axis=1)
    ids = windows @ (size ** np.arange(k - 1, -1, -1))
    return np.where((windows >= size).any(axis=-1), -1, ids)


def _inside_seqlet(seqlets: pd.DataFrame, shape: tuple[int, int], k: int) -> np.ndarray:
    """Row of the seqlet that holds the whole k-mer starting at each position, or −1."""
    inside = np.full(shape, -1, dtype=np.int64)
    for row, (sequence, start, end) in enumerate(
        seqlets[["sequence", "start", "end"]].itertuples(index=False)
    ):
        inside[sequence, start : max(end - k + 1, start)] = row
    return inside


def _best_seed(
    canonical: np.ndarray, inside: np.ndarray, in_play: np.ndarray, background: np.ndarray
) -> tuple[int, int]:
    """The k-mer with the largest log-likelihood ratio against the background, and the
    number of seqlets that contain it."""
    found = canonical[in_play]
    if not len(found):
        return -1, 0
    observed = np.bincount(found, minlength=len(background)).astype(float)
    expected = background * observed.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        llr = np.where(observed > expected, observed * np.log(observed / expected), 0.0)
    seed = int(np.argmax(llr))
    return seed, len(np.unique(inside[in_play & (canonical == seed)]))


def _aligned_counts(codes, rows, cols, reverse, k, flank, alphabet) -> np.ndarray:
    """Symbol counts ``(A, k + 2·flank)`` of the windows around each seed occurrence, read
    on the seed's strand; positions beyond a sequence's ends are not counted."""
    width, length = k + 2 * flank, codes.shape[1]
    offsets = np.arange(-flank, k + flank)
    positions = cols[:, None] + offsets  # (M, width)
    valid = (positions >= 0) & (positions < length)
    window = codes[rows[:, None], positions.clip(0, length - 1)]
    if reverse.any():
        window[reverse] = alphabet.complement_codes[window[reverse][:, ::-1]]
        valid[reverse] = valid[reverse][:, ::-1]
    valid &= window < alphabet.size
    counts = np.zeros((alphabet.size, width))
    column = np.broadcast_to(np.arange(width), window.shape)
    np.add.at(counts, (window[valid], column[valid]), 1)
    return counts


def _trim(motif: Motif, min_information: float) -> Motif:
    """The motif without end columns below ``min_information`` bits."""
    informative = np.flatnonzero(motif.information_content() >= min_information)
    if len(informative):
        motif.probs = motif.probs[:, informative[0] : informative[-1] + 1]
    return motif


def _spell(kmer: int, k: int, alphabet) -> str:
    digits = [(kmer // alphabet.size**i) % alphabet.size for i in range(k - 1, -1, -1)]
    return "".join(alphabet.symbols[d] for d in digits)
