"""Checkpoints: written atomically, loaded with ``weights_only=True``, self-describing."""

from __future__ import annotations

from pathlib import Path

import torch
from pytorch_lightning.plugins import TorchCheckpointIO

from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_path


class SafeCheckpointIO(TorchCheckpointIO):
    """Lightning checkpoint I/O that writes to a temporary file and renames it when complete,
    and loads only tensors and plain Python values (``weights_only=True``)."""

    def save_checkpoint(self, checkpoint, path, storage_options=None) -> None:
        with atomic_path(path) as tmp:
            super().save_checkpoint(checkpoint, tmp, storage_options)

    def load_checkpoint(self, path, map_location=None, weights_only=None) -> dict:
        return load_checkpoint(path, map_location=map_location if map_location else "cpu")


def load_checkpoint(path: str | Path, *, map_location="cpu") -> dict:
    """The checkpoint dictionary, loaded with ``weights_only=True``."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise SeqmodelsError(f"{path}: no such checkpoint") from None
    except Exception as err:  # a corrupt or foreign file: one line, not a traceback
        raise SeqmodelsError(f"{path}: not a loadable seqmodels checkpoint ({err})") from None


def load_task(path: str | Path, *, map_location="cpu"):
    """Rebuild the trained :class:`~seqmodels.task.SequenceTask` from a checkpoint alone.

    The task is returned in eval mode.
    """
    from seqmodels.task import SequenceTask

    checkpoint = load_checkpoint(path, map_location=map_location)
    if "hyper_parameters" not in checkpoint or "state_dict" not in checkpoint:
        raise SeqmodelsError(f"{path}: not a seqmodels checkpoint (no hyper-parameters)")
    task = SequenceTask(**checkpoint["hyper_parameters"])
    task.load_state_dict(checkpoint["state_dict"])
    return task.eval()
