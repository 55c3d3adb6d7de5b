"""Train/validation/test splits: by chromosome where coordinates are known, else by fraction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqmodels.data.sets import SequenceSet
from seqmodels.errors import SeqmodelsError


def split_indices(
    sequences: SequenceSet,
    *,
    val_chroms: Sequence[str] = (),
    test_chroms: Sequence[str] = (),
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
    random_state: int = 0,
) -> dict[str, np.ndarray]:
    """Indices of the train, validation and test sequences.

    A split with a chromosome list (which needs genome coordinates: BED input or
    ``chr:start-end`` ids) holds the sequences on those chromosomes; a split without one holds
    a seeded random ``fraction`` of all sequences, drawn from those no chromosome list took.
    The rest trains.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{"train": ..., "val": ..., "test": ...}``, sorted int64 indices.
    """
    val_chroms, test_chroms = list(val_chroms), list(test_chroms)
    for name, fraction in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 <= fraction < 1:
            raise SeqmodelsError(f"data.{name}: expected a number in [0, 1), got {fraction!r}")
    if val_chroms or test_chroms:
        _check_chromosomes(sequences, val_chroms, test_chroms)
    n = len(sequences)
    held = {
        "val": np.isin(sequences.chrom, val_chroms) if val_chroms else None,
        "test": np.isin(sequences.chrom, test_chroms) if test_chroms else None,
    }
    free = ~np.logical_or.reduce([m for m in held.values() if m is not None] or [np.zeros(n, bool)])
    wanted = {"val": val_fraction, "test": test_fraction}
    by_fraction = [name for name, mask in held.items() if mask is None]
    if sum(wanted[name] for name in by_fraction) >= 1:
        raise SeqmodelsError("data.val_fraction + data.test_fraction must be below 1")
    order = np.random.default_rng(random_state).permutation(np.flatnonzero(free))
    first = 0
    for name in by_fraction:
        count = min(round(wanted[name] * n), len(order) - first)
        mask = np.zeros(n, dtype=bool)
        mask[order[first : first + count]] = True
        held[name], first = mask, first + count
    train = ~(held["val"] | held["test"])
    return {
        "train": np.flatnonzero(train),
        "val": np.flatnonzero(held["val"]),
        "test": np.flatnonzero(held["test"]),
    }


def _check_chromosomes(sequences: SequenceSet, val_chroms: list, test_chroms: list) -> None:
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
            shown = ", ".join(sorted(present, key=str)[:5])
            raise SeqmodelsError(
                f"data.{name}: no sequences on {', '.join(absent)} (the data has {shown}, …)"
            )
