"""Sequences and splits from the ``data`` section of a configuration."""

from __future__ import annotations

from seqmodels.data.sets import Records, SequenceSet, encode_records, read_records
from seqmodels.data.splits import split_indices


def read_config_records(data: dict) -> Records:
    """Read the records named by a ``data`` config section."""
    return read_records(
        fasta=data["fasta"],
        labels=data["labels"],
        bed=data["bed"],
        genome=data["genome"],
        length=data["length"],
        out_of_bounds=data["out_of_bounds"],
    )


def encode_and_split(records: Records, data: dict, *, seed: int) -> tuple[SequenceSet, dict]:
    """Encode records as the ``data`` section says and split them."""
    sequences = encode_records(
        records, data["alphabet"], length=data["length"], unknown=data["unknown"]
    )
    splits = split_indices(
        sequences,
        val_chroms=data["val_chroms"],
        test_chroms=data["test_chroms"],
        val_fraction=data["val_fraction"],
        test_fraction=data["test_fraction"],
        seed=seed,
    )
    return sequences, splits
