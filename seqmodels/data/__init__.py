"""Sequences in memory: loading, splitting and batching.

The Lightning DataModule lives in :mod:`seqmodels.data.module` (imported on demand, so that
reading data does not import Lightning).
"""

from seqmodels.data.sets import Records, SequenceSet, encode_records, load_sequences, read_records
from seqmodels.data.splits import split_indices

__all__ = [
    "Records",
    "SequenceSet",
    "encode_records",
    "load_sequences",
    "read_records",
    "split_indices",
]
