"""Reading models through motifs: first-layer filters as position probability matrices,
seqlets called on attribution tracks, and their names from JASPAR."""

from seqmodels.motifs.filters import filter_motifs
from seqmodels.motifs.matching import jaspar_motifs, match_motifs
from seqmodels.motifs.seqlets import call_seqlets, write_seqlets_bed

__all__ = ["call_seqlets", "filter_motifs", "jaspar_motifs", "match_motifs", "write_seqlets_bed"]
