"""Motif hits: where in the input each seqlet pattern acts, found on the contribution track.

A window is a hit of a pattern where its contributions look like the pattern's
contribution-weight matrix (cosine similarity at least that of most of the pattern's own
seqlets) and add up, in the pattern's sign, to more than windows of position-shuffled
contributions do (the seqlet caller's null). Overlapping hits keep the strongest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from seqmodels.motifs.modisco import Pattern

SEQLET_QUANTILE = 0.1
"""A hit is at least as similar to its pattern as this quantile of the pattern's seqlets."""


def find_hits(
    patterns: list[Pattern],
    contributions: np.ndarray,
    *,
    complement: tuple[int, ...] | None = (3, 2, 1, 0),
    fdr: float = 0.01,
    seqlet_quantile: float = SEQLET_QUANTILE,
    random_state: int = 0,
) -> pd.DataFrame:
    """Hits of each pattern in the contributions, both strands (for nucleic acids).

    Parameters
    ----------
    patterns : list of Pattern
    contributions : numpy.ndarray, shape (N, A, L)
        Contributions of the observed bases (hypothetical × one-hot).
    complement : numpy.ndarray, optional
        Row of each symbol's complement; None for one strand only (protein, RNA).
    fdr : float
        A hit's summed contribution exceeds the ``1 − fdr`` quantile of window sums of the
        same width over each sequence's contributions shuffled across positions.

    Returns
    -------
    pandas.DataFrame
        ``sequence``, ``start``, ``end`` (0-based, half-open), ``strand`` (``+`` where the
        pattern reads forward), ``motif``, ``score`` (summed contribution, signed) and
        ``similarity``; sorted by sequence and start, no two overlapping.
    """
    contributions = np.asarray(contributions, dtype=np.float32)
    rng = np.random.default_rng(random_state)
    per_base = contributions.sum(axis=1)  # (N, L)
    shuffled = rng.permuted(per_base, axis=1)
    candidates = []
    for pattern in patterns:
        width = pattern.width
        if width > contributions.shape[2] or not len(pattern.seqlets):
            continue
        windows = sliding_window_view(contributions, width, axis=2)  # (N, A, L−W+1, W)
        sums = pattern.sign * sliding_window_view(per_base, width, axis=1).sum(axis=2)
        null = np.abs(sliding_window_view(shuffled, width, axis=1).sum(axis=2))
        threshold = float(np.quantile(null, 1 - fdr))
        norms = np.sqrt(np.einsum("naiw,naiw->ni", windows, windows)) + 1e-12
        orientations = [("+", pattern.cwm)]
        if complement is not None:
            orientations.append(("-", pattern.cwm[list(complement)][:, ::-1]))
        similarity = np.stack(
            [
                np.einsum("naiw,aw->ni", windows, cwm) / (norms * np.linalg.norm(cwm))
                for _, cwm in orientations
            ]
        )  # (strands, N, L−W+1)
        best = similarity.argmax(axis=0)
        similarity = np.take_along_axis(similarity, best[None], axis=0)[0]
        own = similarity[pattern.seqlets["sequence"], pattern.seqlets["start"]]
        floor = float(np.quantile(own, seqlet_quantile))
        n, start = np.nonzero((similarity >= floor) & (sums > threshold))
        strand = np.array([o for o, _ in orientations])[best[n, start]]
        candidates.append(
            pd.DataFrame(
                {
                    "sequence": n,
                    "start": start,
                    "end": start + width,
                    "strand": strand,
                    "motif": pattern.name,
                    "score": pattern.sign * sums[n, start],
                    "similarity": similarity[n, start],
                }
            )
        )
    columns = ["sequence", "start", "end", "strand", "motif", "score", "similarity"]
    if not candidates:
        return pd.DataFrame(columns=columns)
    hits = pd.concat(candidates, ignore_index=True)
    return _strongest_without_overlap(hits)[columns]


def _strongest_without_overlap(hits: pd.DataFrame) -> pd.DataFrame:
    """Greedily keep the hit of largest absolute score, dropping those it overlaps."""
    hits = hits.iloc[np.argsort(-hits["score"].abs().to_numpy(), kind="stable")]
    kept = []
    taken: dict[int, list[tuple[int, int]]] = {}
    for row in hits.itertuples():
        spans = taken.setdefault(row.sequence, [])
        if all(row.end <= start or end <= row.start for start, end in spans):
            spans.append((row.start, row.end))
            kept.append(row.Index)
    return hits.loc[kept].sort_values(["sequence", "start"], ignore_index=True)
