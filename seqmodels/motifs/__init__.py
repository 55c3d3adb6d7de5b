"""Reading models through motifs: first-layer filters as position probability matrices."""

from seqmodels.motifs.filters import filter_motifs

__all__ = ["filter_motifs"]
