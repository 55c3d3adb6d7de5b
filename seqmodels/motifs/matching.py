"""Naming motifs: a Tomtom comparison (``memelite``, no MEME binaries) against JASPAR, which
the ``pyjaspar`` package ships offline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqmodels.io.meme import Motif

JASPAR_RELEASE = "JASPAR2024"
Q_THRESHOLD = 0.05
"""A motif counts as named when its best match has a q-value at most this."""


def jaspar_motifs(
    *, collection: str = "CORE", tax_group: str = "vertebrates", release: str = JASPAR_RELEASE
) -> list[Motif]:
    """The latest version of every JASPAR matrix of a collection and taxonomic group.

    Each :class:`Motif` is named by its matrix id, with the factor name as ``alt``
    (names alone are ambiguous in JASPAR).
    """
    from pyjaspar import jaspardb

    database = jaspardb(release=release)
    motifs = []
    for entry in database.fetch_motifs(collection=[collection], tax_group=[tax_group]):
        counts = np.array([entry.counts[base] for base in "ACGT"], dtype=float)
        probs = (counts + 0.01) / (counts + 0.01).sum(axis=0, keepdims=True)
        motifs.append(Motif(entry.matrix_id, probs, alt=entry.name, nsites=int(counts[:, 0].sum())))
    return motifs


def match_motifs(queries: list[Motif], targets: list[Motif], *, n_best: int = 5) -> pd.DataFrame:
    """Best Tomtom matches of each query among the targets, with p- and q-values.

    q-values are Benjamini–Hochberg over each query's comparisons with all targets.

    Returns
    -------
    pandas.DataFrame
        ``query``, ``rank``, ``target``, ``target_name``, ``p_value``, ``q_value``, ``offset``
        and ``overlap``, sorted by query then rank.
    """
    from memelite import tomtom

    p_values, _, offsets, overlaps, _ = tomtom(
        [q.probs for q in queries], [t.probs for t in targets]
    )
    rows = []
    for i, query in enumerate(queries):
        q_values = _benjamini_hochberg(p_values[i])
        for rank, j in enumerate(np.argsort(p_values[i])[:n_best], start=1):
            rows.append(
                {
                    "query": query.name,
                    "rank": rank,
                    "target": targets[j].name,
                    "target_name": targets[j].alt,
                    "p_value": float(p_values[i, j]),
                    "q_value": float(q_values[j]),
                    "offset": int(offsets[i, j]),
                    "overlap": int(overlaps[i, j]),
                }
            )
    return pd.DataFrame(rows)


def best_matches(matches: pd.DataFrame) -> pd.DataFrame:
    """The best match of each query (rank 1 of :func:`match_motifs`), indexed by query."""
    return matches[matches["rank"] == 1].set_index("query")


def _benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """BH-adjusted q-values, in the order of ``p_values``."""
    order = np.argsort(p_values)
    ranked = p_values[order] * len(p_values) / np.arange(1, len(p_values) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    out = np.empty_like(q)
    out[order] = q
    return out
