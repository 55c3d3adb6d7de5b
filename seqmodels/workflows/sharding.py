"""Work in chunks, on one device or sharded over several with Lightning's DDP predict loop.

Each process computes the chunks its sampler gives it and saves each result beside the output,
in ``.NAME.parts/``; rank 0 then reads them back in chunk order, so the merged output is the
same as from one device, and only one chunk is in memory at a time. The folder is removed once
read, after a failure too, and a later run removes what a killed one left.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger("seqmodels")

Compute = Callable[[nn.Module, int, torch.device], dict[str, np.ndarray]]
"""``compute(model, chunk, device)``: the arrays of one chunk."""


def chunk_indices(order: int | np.ndarray, chunk_size: int, devices: int = 1) -> list[np.ndarray]:
    """Indices ``0 … n − 1`` (or ``order``) in chunks of at most ``chunk_size``, and small
    enough that each of ``devices`` processes gets one when there are as many items."""
    order = np.arange(order) if np.isscalar(order) else np.asarray(order)
    if len(order) >= devices > 1:
        chunk_size = min(chunk_size, -(-len(order) // devices))
    return [order[i : i + chunk_size] for i in range(0, len(order), chunk_size)]


def map_chunks(
    model: nn.Module,
    compute: Compute,
    n_chunks: int,
    *,
    output: str | Path | None = None,
    device: str | torch.device | None = None,
    devices: int = 1,
    verbose: bool = False,
) -> Iterator[dict[str, np.ndarray]] | None:
    """The results of ``compute`` for chunks ``0 … n_chunks − 1``, in order.

    With ``devices`` > 1 the chunks are shared among that many processes (DDP: CUDA devices
    when there are, else CPU processes; fewer when there are fewer chunks), whose results wait
    beside ``output`` (which one process may leave None); every process but rank 0 gets None
    and should write nothing.
    """
    if output is None:
        if devices > 1:
            raise ValueError("sharding over several devices needs an output path")
        return _compute_here(model, compute, n_chunks, default_device(device), verbose)
    scratch = scratch_folder(output)
    if devices > 1 and n_chunks < devices:
        log.info("%d chunk(s) for %d processes: using %d", n_chunks, devices, max(n_chunks, 1))
        devices = max(n_chunks, 1)
    if devices == 1:
        shutil.rmtree(scratch, ignore_errors=True)  # left by a killed sharded run
        return _compute_here(model, compute, n_chunks, default_device(device), verbose)
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
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*does not have many workers.*")
            trainer.predict(_ChunkWorker(model, compute, scratch), loader, return_predictions=False)
        trainer.strategy.barrier()
    except BaseException:
        if trainer.is_global_zero:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    return _read_parts(scratch, n_chunks) if trainer.is_global_zero else None


def _compute_here(model, compute: Compute, n_chunks: int, device, verbose: bool):
    with tqdm(total=n_chunks, disable=not verbose, unit="chunk") as bar:
        for chunk in range(n_chunks):
            yield compute(model, chunk, device)
            bar.update()


def scratch_folder(output: str | Path) -> Path:
    """Where the shards' results wait: ``.NAME.parts`` beside the output."""
    output = Path(output)
    return output.parent / f".{output.name}.parts"


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
