"""Model registry: config names map to classes; nothing else is ever instantiated.

Every model is a plain ``nn.Module`` taking one-hot ``(N, A, L)`` and returning ``(N, T)``,
usable without Lightning (and by Captum or tangermeme directly).
"""

from __future__ import annotations

import inspect
import types
import typing

from torch import nn

from seqmodels.errors import SeqmodelsError
from seqmodels.models.cnn import CNN
from seqmodels.models.dilated import DilatedCNN
from seqmodels.models.lstm import CNNLSTM

MODELS: dict[str, type[nn.Module]] = {"cnn": CNN, "dilated": DilatedCNN, "lstm": CNNLSTM}

INJECTED = ("alphabet_size", "n_outputs")
"""Constructor arguments that come from the data, not from the config."""


def build_model(name: str, *, alphabet_size: int, n_outputs: int, **args) -> nn.Module:
    """Instantiate the registered model ``name`` with config arguments ``args``.

    Raises
    ------
    SeqmodelsError
        For an unknown model name, an argument the constructor does not take, or a value of
        the wrong type.
    """
    if name not in MODELS:
        raise SeqmodelsError(
            f"model.name: unknown model {name!r}; choose one of {', '.join(MODELS)}"
        )
    cls = MODELS[name]
    args = check_arguments(cls, args)
    try:
        return cls(alphabet_size=alphabet_size, n_outputs=n_outputs, **args)
    except ValueError as err:
        raise SeqmodelsError(f"model ({name}): {err}") from None


def model_arguments(name: str) -> dict[str, object]:
    """The configurable arguments of model ``name`` and their defaults."""
    signature = inspect.signature(MODELS[name])
    return {p.name: p.default for p in signature.parameters.values() if p.name not in INJECTED}


def check_arguments(cls: type, args: dict) -> dict:
    """Check ``args`` against the constructor of ``cls``; lists become tuples where typed so."""
    hints = typing.get_type_hints(cls.__init__)
    known = [p for p in inspect.signature(cls).parameters if p not in INJECTED]
    checked = {}
    for key, value in args.items():
        if key not in known:
            raise SeqmodelsError(
                f"model.{key}: {cls.__name__} takes no argument {key!r} "
                f"(it takes: {', '.join(known)})"
            )
        checked[key] = _coerce(value, hints[key], f"model.{key}")
    return checked


def _coerce(value, hint, where: str):
    """``value`` as type ``hint`` (int → float and list → tuple allowed), else an error."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return _coerce(value, option, where)
            except SeqmodelsError:
                continue
    elif origin is typing.Literal:
        if value in typing.get_args(hint):
            return value
    elif origin is tuple:
        item_type = typing.get_args(hint)[0]
        if isinstance(value, (list, tuple)):
            return tuple(_coerce(v, item_type, where) for v in value)
    elif hint is type(None):
        if value is None:
            return None
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(value, hint):
        return value
    raise SeqmodelsError(f"{where}: expected {_describe(hint)}, got {value!r}")


def _describe(hint) -> str:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(hint)))
    if origin is tuple:
        return f"a list of {_describe(typing.get_args(hint)[0])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(h) for h in typing.get_args(hint))
    return getattr(hint, "__name__", str(hint))


__all__ = ["CNN", "CNNLSTM", "MODELS", "DilatedCNN", "build_model", "model_arguments"]
