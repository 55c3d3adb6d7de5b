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


CORE_INFORMATION = 0.5
"""Bits a column needs to bound a query's informative core."""
MIN_CORE_WIDTH = 5
MIN_CORE_BITS = 5.0
"""A core narrower than this, or holding fewer bits in all, is uninformative: not matched."""
MIN_COVERAGE = 0.75
"""Fraction of the query's core a match's alignment must cover."""


def informative_core(motif: Motif, *, min_information: float = CORE_INFORMATION) -> Motif | None:
    """The motif trimmed to the columns from the first to the last of at least
    ``min_information`` bits; None where that core is narrower than :data:`MIN_CORE_WIDTH`
    columns or holds fewer than :data:`MIN_CORE_BITS` bits (a diffuse profile, which long
    database matrices would otherwise match at small p-values)."""
    bits = motif.information_content()
    informative = np.flatnonzero(bits >= min_information)
    if not len(informative):
        return None
    first, last = int(informative[0]), int(informative[-1]) + 1
    if last - first < MIN_CORE_WIDTH or bits[first:last].sum() < MIN_CORE_BITS:
        return None
    return Motif(motif.name, motif.probs[:, first:last], alt=motif.alt, nsites=motif.nsites)


def match_motifs(
    queries: list[Motif],
    targets: list[Motif],
    *,
    n_best: int = 5,
    min_coverage: float = MIN_COVERAGE,
) -> pd.DataFrame:
    """Best Tomtom matches of each query's informative core among the targets.

    Queries without an informative core (:func:`informative_core`) are not compared. A
    comparison whose best alignment covers less than ``min_coverage`` of the core is no match
    (its p-value counts as 1). q-values are Benjamini–Hochberg over every comparison of the
    call, all queries together.

    Returns
    -------
    pandas.DataFrame
        ``query``, ``rank``, ``target``, ``target_name``, ``p_value``, ``q_value``, ``offset``,
        ``overlap`` (aligned columns) and ``core`` (the query's core width), sorted by query
        then rank; no rows for an uninformative query.
    """
    from memelite import tomtom

    cores = [core for core in map(informative_core, queries) if core is not None]
    columns = ["query", "rank", "target", "target_name", "p_value", "q_value"]
    columns += ["offset", "overlap", "core"]
    if not cores:
        return pd.DataFrame(columns=columns)
    p_values, _, offsets, overlaps, _ = tomtom([c.probs for c in cores], [t.probs for t in targets])
    widths = np.array([c.width for c in cores])[:, None]
    p_values = np.where(overlaps >= min_coverage * widths, p_values, 1.0)
    q_values = _benjamini_hochberg(p_values.ravel()).reshape(p_values.shape)
    rows = []
    for i, core in enumerate(cores):
        for rank, j in enumerate(np.argsort(p_values[i], kind="stable")[:n_best], start=1):
            rows.append(
                (core.name, rank, targets[j].name, targets[j].alt, float(p_values[i, j]),
                 float(q_values[i, j]), int(offsets[i, j]), int(overlaps[i, j]), core.width)
            )  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


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
