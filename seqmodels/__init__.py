"""seqmodels: deep learning on biological sequences.

One-hot encoders for DNA, RNA and protein; CNN, dilated-CNN and LSTM models as Lightning
modules; attributions (a DeepLIFT engine of our own, integrated gradients, ISM, …); motifs;
variant effects; bigWig export.
"""

from importlib.metadata import PackageNotFoundError, version

from seqmodels.alphabets import ALPHABETS, DNA, PROTEIN, RNA, Alphabet, get_alphabet
from seqmodels.encoding import (
    codes_to_one_hot,
    decode,
    one_hot_encode,
    reverse_complement,
    to_indices,
)
from seqmodels.errors import SeqmodelsError

try:
    __version__ = version("seqmodels")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "ALPHABETS",
    "DNA",
    "PROTEIN",
    "RNA",
    "Alphabet",
    "SeqmodelsError",
    "__version__",
    "codes_to_one_hot",
    "decode",
    "get_alphabet",
    "one_hot_encode",
    "reverse_complement",
    "to_indices",
]
