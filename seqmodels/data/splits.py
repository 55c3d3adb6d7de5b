"""Train/validation/test splits: by chromosome where coordinates are known, else by fraction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqmodels.data.sets import SequenceSet
from seqmodels.errors import SeqmodelsError

SPLITS = ("train", "val", "test")


def split_indices(
    sequences: SequenceSet,
    *,
    val_chroms: Sequence[str] = (),
    test_chroms: Sequence[str] = (),
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Indices of the train, validation and test sequences.

    With chromosome lists (which need genome coordinates: BED input or ``chr:start-end``
    ids), held-out chromosomes form the validation and test sets and the rest trains.
    Without them, a seeded random fraction of the sequences is held out for each.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{"train": ..., "val": ..., "test": ...}``, sorted int64 indices.
    """
    if val_chroms or test_chroms:
        return _by_chromosome(sequences, list(val_chroms), list(test_chroms))
    if not 0 <= val_fraction + test_fraction < 1:
        raise SeqmodelsError("val_fraction + test_fraction must lie in [0, 1)")
    order = np.random.default_rng(seed).permutation(len(sequences))
    n_val = round(val_fraction * len(order))
    n_test = round(test_fraction * len(order))
    parts = order[:n_val], order[n_val : n_val + n_test], order[n_val + n_test :]
    return {"val": np.sort(parts[0]), "test": np.sort(parts[1]), "train": np.sort(parts[2])}


def _by_chromosome(sequences, val_chroms, test_chroms) -> dict[str, np.ndarray]:
    if sequences.chrom is None:
        raise SeqmodelsError(
            "val_chroms/test_chroms need genome coordinates: BED intervals, or FASTA ids "
            "like chr1:100-200 (or split by val_fraction/test_fraction instead)"
        )
    both = set(val_chroms) & set(test_chroms)
    if both:
        raise SeqmodelsError(f"chromosome(s) in both val_chroms and test_chroms: {sorted(both)}")
    present = set(sequences.chrom)
    for name, chroms in (("val_chroms", val_chroms), ("test_chroms", test_chroms)):
        absent = [c for c in chroms if c not in present]
        if absent:
            raise SeqmodelsError(f"{name}: no sequences on {', '.join(absent)}")
    val = np.isin(sequences.chrom, val_chroms)
    test = np.isin(sequences.chrom, test_chroms)
    return {
        "train": np.flatnonzero(~val & ~test),
        "val": np.flatnonzero(val),
        "test": np.flatnonzero(test),
    }
