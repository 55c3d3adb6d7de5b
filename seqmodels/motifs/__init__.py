"""Reading models through motifs: TF-MoDISco patterns of attribution tracks and their hits,
first-layer filters as position probability matrices, names from JASPAR for the informative
ones, and the sequence a model scores highest for a class. The motif step end to end is the
workflow :func:`seqmodels.workflows.find_motifs`."""

from seqmodels.motifs.class_model import ClassModel, optimize_sequence
from seqmodels.motifs.filters import filter_influence, filter_motifs, permute_filters
from seqmodels.motifs.hits import find_hits
from seqmodels.motifs.matching import best_matches, informative_core, jaspar_motifs, match_motifs
from seqmodels.motifs.modisco import Pattern, find_patterns
from seqmodels.motifs.seqlets import call_seqlets, write_seqlets_bed

__all__ = [
    "ClassModel",
    "Pattern",
    "best_matches",
    "call_seqlets",
    "filter_influence",
    "filter_motifs",
    "find_hits",
    "find_patterns",
    "informative_core",
    "jaspar_motifs",
    "match_motifs",
    "optimize_sequence",
    "permute_filters",
    "write_seqlets_bed",
]
