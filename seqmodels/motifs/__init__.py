"""Reading models through motifs: first-layer filters as position probability matrices,
seqlets called on attribution tracks and clustered into motifs, their names from JASPAR, and
the sequence a model scores highest for a class. The motif step end to end is the workflow
:func:`seqmodels.workflows.find_motifs`."""

from seqmodels.motifs.class_model import ClassModel, optimize_sequence
from seqmodels.motifs.clustering import cluster_seqlets
from seqmodels.motifs.filters import filter_motifs
from seqmodels.motifs.matching import best_matches, jaspar_motifs, match_motifs
from seqmodels.motifs.seqlets import call_seqlets, write_seqlets_bed

__all__ = [
    "ClassModel",
    "best_matches",
    "call_seqlets",
    "cluster_seqlets",
    "filter_motifs",
    "jaspar_motifs",
    "match_motifs",
    "optimize_sequence",
    "write_seqlets_bed",
]
