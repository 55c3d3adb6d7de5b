"""Reading models through motifs: first-layer filters as position probability matrices, and
seqlets called on attribution tracks."""

from seqmodels.motifs.filters import filter_motifs
from seqmodels.motifs.seqlets import call_seqlets, write_seqlets_bed

__all__ = ["call_seqlets", "filter_motifs", "write_seqlets_bed"]
