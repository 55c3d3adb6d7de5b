"""Attributions over Captum: saliency, input × gradient, integrated gradients, DeepLIFT,
DeepLIFT-SHAP and in-silico mutagenesis, as tensors shaped like the input ``(N, A, L)``;
class activation maps as per-base tracks ``(N, L)``."""

from seqmodels.attribution.baselines import make_baselines
from seqmodels.attribution.cam import class_activation_map
from seqmodels.attribution.checks import check_deeplift_model
from seqmodels.attribution.core import METHODS, attribute, importance_track
from seqmodels.attribution.deeplift import DeepLift
from seqmodels.attribution.shuffle import dinucleotide_shuffle

__all__ = [
    "METHODS",
    "DeepLift",
    "attribute",
    "check_deeplift_model",
    "class_activation_map",
    "dinucleotide_shuffle",
    "importance_track",
    "make_baselines",
]
