"""Model registry: config names map to classes; nothing else is ever instantiated.

Every model is a plain ``nn.Module`` taking one-hot ``(N, A, L)`` and returning ``(N, T)``,
usable without Lightning (and by Captum or tangermeme directly).
"""

from __future__ import annotations

from torch import nn

from seqmodels.errors import SeqmodelsError
from seqmodels.models.cnn import CNN
from seqmodels.models.dilated import DilatedCNN
from seqmodels.models.lstm import CNNLSTM
from seqmodels.schema import check_arguments

MODELS: dict[str, type[nn.Module]] = {"cnn": CNN, "dilated": DilatedCNN, "lstm": CNNLSTM}

INJECTED = ("alphabet_size", "n_outputs")
"""Constructor arguments that come from the data, not from the config."""


def build_model(name: str, *, alphabet_size: int, n_outputs: int, **args) -> nn.Module:
    """Instantiate the registered model ``name`` with config arguments ``args``.

    Raises
    ------
    SeqmodelsError
        For an unknown model name, an argument the constructor does not take, or a value of
        the wrong type or out of range.
    """
    args = check_model_arguments(name, args)
    try:
        return MODELS[name](alphabet_size=alphabet_size, n_outputs=n_outputs, **args)
    except ValueError as err:
        raise SeqmodelsError(f"model ({name}): {err}") from None


def check_model_arguments(name: str, args: dict) -> dict:
    """``args`` checked against the constructor of model ``name`` (lists become tuples)."""
    if not isinstance(name, str) or name not in MODELS:
        raise SeqmodelsError(
            f"model.name: unknown model {name!r}; choose one of {', '.join(MODELS)}"
        )
    return check_arguments(MODELS[name], args, "model", skip=INJECTED)


__all__ = [
    "CNN",
    "CNNLSTM",
    "MODELS",
    "DilatedCNN",
    "build_model",
    "check_model_arguments",
]
