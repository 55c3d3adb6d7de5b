"""Model registry: config names map to classes; nothing else is ever instantiated.

Every model is a plain ``nn.Module`` taking one-hot ``(N, A, L)`` and returning ``(N, T)``,
usable without Lightning (and by Captum or tangermeme directly).
"""

from __future__ import annotations

import inspect

from torch import nn

from seqmodels.errors import SeqmodelsError
from seqmodels.models.cnn import CNN
from seqmodels.models.dilated import DilatedCNN
from seqmodels.models.lstm import CNNLSTM
from seqmodels.schema import check_arguments

MODELS: dict[str, type[nn.Module]] = {"cnn": CNN, "dilated": DilatedCNN, "lstm": CNNLSTM}

INJECTED = ("alphabet_size", "n_outputs", "n_tracks", "output_length", "bin_size")
"""Constructor arguments that come from the data, not from the config."""


def build_model(
    name: str, *, alphabet_size: int, n_outputs: int, profile: dict | None = None, **args
) -> nn.Module:
    """Instantiate the registered model ``name`` with config arguments ``args`` (and, for
    coverage targets, ``profile``: ``n_tracks``, ``output_length`` and ``bin_size``).

    Raises
    ------
    SeqmodelsError
        For an unknown model name, an argument the constructor does not take, or a value of
        the wrong type or out of range.
    """
    args = check_model_arguments(name, args)
    try:
        return MODELS[name](
            alphabet_size=alphabet_size, n_outputs=n_outputs, **args, **(profile or {})
        )
    except ValueError as err:
        raise SeqmodelsError(f"model ({name}): {err}") from None


def model_defaults(name: str) -> dict:
    """The constructor defaults of registered model ``name`` (config arguments only)."""
    parameters = inspect.signature(MODELS[name]).parameters.values()
    return {p.name: p.default for p in parameters if p.name not in INJECTED}


def complete_model_arguments(model: dict) -> dict:
    """A model section ``{"name": ..., **arguments}`` with every constructor default filled in,
    as checkpoints record it (so that a later change of a default cannot change a trained
    model); tuples become lists."""
    name, given = model["name"], {k: v for k, v in model.items() if k != "name"}
    full = {**model_defaults(name), **check_model_arguments(name, given)}
    return {"name": name, **{k: list(v) if isinstance(v, tuple) else v for k, v in full.items()}}


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
    "complete_model_arguments",
    "model_defaults",
]
