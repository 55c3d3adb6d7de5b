"""Checkpoints: written atomically, loaded with ``weights_only=True``, self-describing, and
checked before use (hyper-parameters against the task's signature, weights against the model)."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import torch
from pytorch_lightning.plugins import TorchCheckpointIO

from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_path
from seqmodels.io.text import check_input_file
from seqmodels.schema import check_arguments


class SafeCheckpointIO(TorchCheckpointIO):
    """Lightning checkpoint I/O that writes to a temporary file and renames it when complete,
    and loads only tensors and plain Python values (``weights_only=True``)."""

    def save_checkpoint(self, checkpoint, path, storage_options=None) -> None:
        with atomic_path(path) as tmp:
            super().save_checkpoint(checkpoint, tmp, storage_options)

    def load_checkpoint(self, path, map_location=None, weights_only=None) -> dict:
        return load_checkpoint(path, map_location=map_location if map_location else "cpu")


def load_checkpoint(path: str | Path, *, map_location="cpu") -> dict:
    """The checkpoint dictionary, loaded with ``weights_only=True``: a checkpoint that holds
    Python objects (which could run code) is refused, never unpickled."""
    check_input_file(path)
    try:
        with warnings.catch_warnings():  # torch's notes on pickle protocols: not for users
            warnings.simplefilter("ignore")
            checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        detail = str(err).partition("WeightsUnpickler error:")[2].partition("Check the doc")[0]
        raise SeqmodelsError(
            f"{path}: refused: not a checkpoint of tensors and plain values (torch's "
            f"weights_only loader: {' '.join(detail.split()) or _first_line(err)})"
        ) from None
    except Exception as err:  # untrusted bytes, the one broad catch: torch fails many ways
        raise SeqmodelsError(
            f"{path}: not a checkpoint torch can read ({_first_line(err)})"
        ) from None
    if not isinstance(checkpoint, dict):
        raise SeqmodelsError(f"{path}: not a seqmodels checkpoint (no dictionary inside)")
    return checkpoint


LEGACY_MODEL_DEFAULTS = {
    "cnn": {"filters": [128, 128, 128], "kernel_sizes": [15, 5, 5], "dense": [64]},
    "dilated": {"dense": [64], "scanner_skip": False, "residual": "post"},
    "lstm": {"dense": [64], "scanner_skip": False},
}
"""Model defaults before 0.2. Checkpoints since record every model argument; older ones
recorded only the config's, and were trained with these defaults for the rest."""


def _with_legacy_defaults(model: dict) -> dict:
    from seqmodels.models import MODELS, model_defaults

    name = model.get("name")
    if name not in MODELS or set(model_defaults(name)) <= set(model):
        return model
    return {**LEGACY_MODEL_DEFAULTS[name], **model}


def load_task(path: str | Path, *, map_location="cpu"):
    """Rebuild the trained :class:`~seqmodels.task.SequenceTask` from a checkpoint alone.

    The task is returned in eval mode.

    Raises
    ------
    SeqmodelsError
        For a file that is not a seqmodels checkpoint, hyper-parameters the task does not
        take, weights that do not fit the model, or weights that are not finite.
    """
    from seqmodels.task import SequenceTask

    checkpoint = load_checkpoint(path, map_location=map_location)
    if "hyper_parameters" not in checkpoint or "state_dict" not in checkpoint:
        missing = "hyper-parameters" if "hyper_parameters" not in checkpoint else "weights"
        raise SeqmodelsError(f"{path}: not a seqmodels checkpoint (no {missing})")
    hparams = checkpoint["hyper_parameters"]
    if not isinstance(hparams, dict):
        raise SeqmodelsError(f"{path}: not a seqmodels checkpoint (hyper-parameters not a mapping)")
    hparams = dict(hparams)
    if "seed" in hparams:  # written before 0.2, when the task called it seed
        hparams["random_state"] = hparams.pop("seed")
    if isinstance(hparams.get("model"), dict):
        hparams["model"] = _with_legacy_defaults(hparams["model"])
    hparams = check_arguments(SequenceTask, hparams, f"{path}: hyper-parameter")
    try:
        task = SequenceTask(**hparams)
    except TypeError as err:
        raise SeqmodelsError(f"{path}: hyper-parameters incomplete ({err})") from None
    except SeqmodelsError as err:  # its model section names no registered model, …
        raise SeqmodelsError(f"{path}: {err}") from None
    state = checkpoint["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise SeqmodelsError(f"{path}: its weights are not a state dict of tensors")
    try:
        result = task.load_state_dict(state, strict=False)
    except RuntimeError as err:  # shapes that differ: torch lists them, a line each
        mismatch = next(
            (line.strip() for line in str(err).splitlines() if "size mismatch" in line),
            _first_line(err),
        )
        raise SeqmodelsError(f"{path}: weights do not fit the model ({mismatch})") from None
    if result.missing_keys or result.unexpected_keys:
        parts = [f"missing {', '.join(result.missing_keys[:3])}"] if result.missing_keys else []
        if result.unexpected_keys:
            parts.append(f"unexpected {', '.join(result.unexpected_keys[:3])}")
        raise SeqmodelsError(f"{path}: weights do not fit the model ({'; '.join(parts)})")
    broken = [k for k, v in state.items() if v.is_floating_point() and not v.isfinite().all()]
    if broken:
        raise SeqmodelsError(
            f"{path}: weights are not finite ({broken[0]}, …): the training that wrote it diverged"
        )
    return task.eval()


def _first_line(err: Exception) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__
