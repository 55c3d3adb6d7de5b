"""Attributions shaped like the input ``(N, A, L)``: saliency, input × gradient, integrated
gradients, DeepLIFT and DeepLIFT-SHAP (an engine of our own: the input's forward pass shared by
its references, exact rules for max pooling) and in-silico mutagenesis, one module per method
behind :func:`attribute`; class activation maps as per-base tracks ``(N, L)``."""

from seqmodels.attribution.cam import class_activation_map
from seqmodels.attribution.checks import check_model
from seqmodels.attribution.core import METHODS, attribute, importance_track, takes
from seqmodels.attribution.deeplift import deeplift
from seqmodels.attribution.deeplift_shap import deeplift_shap
from seqmodels.attribution.integrated_gradients import integrated_gradients
from seqmodels.attribution.ism import ism
from seqmodels.attribution.references import make_references
from seqmodels.attribution.saliency import input_x_gradient, saliency
from seqmodels.attribution.shuffle import dinucleotide_shuffle

__all__ = [
    "METHODS",
    "attribute",
    "check_model",
    "class_activation_map",
    "deeplift",
    "deeplift_shap",
    "dinucleotide_shuffle",
    "importance_track",
    "input_x_gradient",
    "integrated_gradients",
    "ism",
    "make_references",
    "saliency",
    "takes",
]
