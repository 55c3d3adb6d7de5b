"""Work in chunks, on one device or sharded over several with Lightning's DDP predict loop.

Each process computes the chunks its ``DistributedSampler`` gives it and saves each result
beside the output; rank 0 then reads them back in chunk order, so the merged output is the
same as from one device, and only one chunk is in memory at a time.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from seqmodels.devices import default_device
from seqmodels.io.atomic import atomic_write

Compute = Callable[[nn.Module, int, torch.device], dict[str, np.ndarray]]
"""``compute(model, chunk, device)``: the arrays of one chunk."""


def map_chunks(
    model: nn.Module,
    compute: Compute,
    n_chunks: int,
    *,
    scratch: str | Path,
    device: str | torch.device | None = None,
    devices: int = 1,
    verbose: bool = False,
) -> Iterator[dict[str, np.ndarray]] | None:
    """The results of ``compute`` for chunks ``0 … n_chunks − 1``, in order.

    With ``devices`` > 1 the chunks are shared among that many processes (DDP: CUDA devices
    when there are, else CPU processes), whose results wait in ``scratch`` (removed once
    read); every process but rank 0 gets None and should write nothing.
    """
    if devices == 1:
        device = default_device(device)
        chunks = tqdm(range(n_chunks), disable=not verbose, unit="chunk")
        return (compute(model, chunk, device) for chunk in chunks)
    scratch = Path(scratch)
    trainer = pl.Trainer(
        accelerator="auto" if device is None else torch.device(device).type,
        devices=devices,
        strategy="ddp",
        inference_mode=False,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=verbose,
    )
    if trainer.is_global_zero:
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
    trainer.strategy.barrier()
    loader = DataLoader(torch.arange(n_chunks), batch_size=1)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        trainer.predict(_ChunkWorker(model, compute, scratch), loader, return_predictions=False)
    trainer.strategy.barrier()
    return _read_parts(scratch, n_chunks) if trainer.is_global_zero else None


class _ChunkWorker(pl.LightningModule):
    """Computes the chunks of each batch of chunk indices and saves their results."""

    def __init__(self, model: nn.Module, compute: Compute, scratch: Path):
        super().__init__()
        self.model, self.compute, self.scratch = model, compute, scratch

    def predict_step(self, batch: torch.Tensor) -> None:
        for chunk in batch.tolist():
            with torch.enable_grad():  # attribution methods take gradients
                result = self.compute(self.model, chunk, self.device)
            with atomic_write(_part(self.scratch, chunk), "wb") as handle:
                np.savez(handle, **result)


def _read_parts(scratch: Path, n_chunks: int) -> Iterator[dict[str, np.ndarray]]:
    try:
        for chunk in range(n_chunks):
            with np.load(_part(scratch, chunk)) as part:
                yield dict(part)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _part(scratch: Path, chunk: int) -> Path:
    return scratch / f"{chunk:08d}.npz"
