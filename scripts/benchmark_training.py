"""Training throughput of the Lightning path against a plain PyTorch loop, same model and data.

Both train the configured model on the configured training split; each figure is the fastest
of several epochs after a warm-up epoch; the data pipeline alone (gathering uint8 batches and
one-hot encoding them) is timed too, so that loading can be seen never to be the bottleneck.

Usage: python scripts/benchmark_training.py [--config configs/cnn.yaml] [--epochs 2]
"""

from __future__ import annotations

import argparse
import time

import pytorch_lightning as pl
import torch

from seqmodels.config import load_config
from seqmodels.data.module import SequenceDataModule, augment
from seqmodels.encoding import codes_to_one_hot
from seqmodels.train import build_task


def plain_epoch(task, loader, optimizer, alphabet, rc: bool) -> None:
    """One epoch of the textbook loop: augment, one-hot, forward, masked loss, backward, step."""
    generator = torch.Generator().manual_seed(0)
    task.train()
    for codes, y in loader:
        codes = augment(codes, alphabet, reverse_complement=rc, max_shift=0, generator=generator)
        x = codes_to_one_hot(codes, alphabet)
        loss = task.loss(task(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def pipeline_epoch(loader, alphabet) -> None:
    for codes, _ in loader:
        codes_to_one_hot(codes, alphabet)


def fastest_epoch(run_epoch, epochs: int) -> float:
    """Seconds of the fastest of ``epochs`` epochs (after a warm-up epoch)."""
    run_epoch()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - start)
    return min(times)


class EpochTimer(pl.Callback):
    """Wall time of each training epoch."""

    def __init__(self):
        self.times: list[float] = []

    def on_train_epoch_start(self, trainer, task) -> None:
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer, task) -> None:
        self.times.append(time.perf_counter() - self.start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="configs/cnn.yaml")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after a warm-up)")
    args = parser.parse_args()
    config = load_config(args.config)
    pl.seed_everything(0, verbose=False)
    datamodule = SequenceDataModule.from_config(config)
    alphabet = datamodule.sequences.alphabet
    n = len(datamodule.splits["train"])

    loader = datamodule.train_dataloader()
    pipeline = n / fastest_epoch(lambda: pipeline_epoch(loader, alphabet), args.epochs)

    task = build_task(config, datamodule)
    optimizer = torch.optim.AdamW(task.parameters(), lr=1e-3)
    rc = config["data"]["reverse_complement"]
    plain = n / fastest_epoch(
        lambda: plain_epoch(task, loader, optimizer, alphabet, rc), args.epochs
    )

    timer = EpochTimer()
    trainer = pl.Trainer(
        max_epochs=1 + args.epochs,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        callbacks=[timer],
    )
    trainer.fit(build_task(config, datamodule), datamodule=datamodule)
    lightning = n / min(timer.times[1:])

    model = config["model"]["name"]
    print(
        f"\n{model} on {args.config}: {n:,} training sequences; fastest of {args.epochs} "
        f"epochs after a warm-up; {torch.get_num_threads()} threads\n"
    )
    print("| path | sequences/s | ratio |")
    print("|---|---:|---:|")
    print(f"| plain PyTorch loop | {plain:,.0f} | 1.00 |")
    print(f"| seqmodels Lightning `train` | {lightning:,.0f} | {lightning / plain:.2f} |")
    print(f"| data pipeline alone (gather + one-hot) | {pipeline:,.0f} | {pipeline / plain:.1f} |")


if __name__ == "__main__":
    main()
