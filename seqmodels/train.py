"""Training from a configuration: data, task, Lightning Trainer, checkpoints and test metrics.

Layout of a run directory::

    DIR/config.yaml            the resolved configuration (the run's permanent record)
    DIR/checkpoints/best.ckpt  best validation score
    DIR/checkpoints/last.ckpt  end of the last finished epoch (``--resume`` starts here)
    DIR/metrics.csv            per-epoch training and validation metrics
    DIR/test_metrics.json      metrics of the best checkpoint on the test split (if any)
"""

from __future__ import annotations

import inspect
import json
import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytorch_lightning as pl
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint

from seqmodels.checkpoint import SafeCheckpointIO
from seqmodels.config import load_config, save_config
from seqmodels.data.module import SequenceDataModule
from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_write
from seqmodels.task import SCHEDULERS, TASK_TYPES, SequenceTask

log = logging.getLogger("seqmodels")

MANAGED_TRAINER_ARGS = ("callbacks", "logger", "plugins", "default_root_dir")


def train(config: dict, out_dir: str | Path, *, resume: bool = False) -> dict[str, float]:
    """Train the configured model, test its best checkpoint, and return the test metrics.

    Parameters
    ----------
    config : dict
        A resolved configuration (see :func:`seqmodels.config.load_config`).
    out_dir : str or Path
        Run directory (see the module docstring).
    resume : bool
        Continue from ``out_dir/checkpoints/last.ckpt``.
    """
    out_dir = Path(out_dir)
    last = out_dir / "checkpoints" / "last.ckpt"
    if resume and not last.exists():
        raise SeqmodelsError(f"{out_dir}: nothing to resume (no checkpoints/last.ckpt)")
    if not resume and last.exists():
        raise SeqmodelsError(f"{out_dir}: holds a run already; use --resume or another --out")
    trainer_args = _trainer_args(config["trainer"])
    pl.seed_everything(config["seed"], workers=True, verbose=False)
    datamodule = SequenceDataModule.from_config(config)
    task = build_task(config, datamodule)
    trainer = pl.Trainer(
        **trainer_args,
        default_root_dir=out_dir,
        callbacks=[*_callbacks(config["train"], out_dir / "checkpoints"), EpochLog(out_dir)],
        logger=False,
        plugins=[SafeCheckpointIO()],
    )
    if trainer.is_global_zero:
        save_config(config, out_dir / "config.yaml")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        trainer.fit(task, datamodule=datamodule, ckpt_path=last if resume else None)
        if not len(datamodule.splits["test"]):
            return {}  # no test split (data.test_chroms empty): nothing to report
        ckpt = trainer.checkpoint_callback.best_model_path or None
        results = trainer.test(task, datamodule=datamodule, ckpt_path=ckpt, verbose=False)
    metrics = {k.removeprefix("test/"): float(v) for k, v in results[0].items()}
    if trainer.is_global_zero:
        with atomic_write(out_dir / "test_metrics.json") as handle:
            json.dump(metrics, handle, indent=2, sort_keys=True)
    return metrics


def train_from_files(
    config_path: str | Path | None, out_dir: str | Path, *, overrides=None, resume=False
) -> dict[str, float]:
    """:func:`train` from a config file (or, on resume, the run's own ``config.yaml``)."""
    if resume and config_path is None:
        config_path = Path(out_dir) / "config.yaml"
    return train(load_config(config_path, overrides), out_dir, resume=resume)


def build_task(config: dict, datamodule: SequenceDataModule) -> SequenceTask:
    """The :class:`SequenceTask` for a configuration and its data."""
    from seqmodels import __version__

    sequences = datamodule.sequences
    if sequences.targets is None:
        raise SeqmodelsError("training needs labels: data.labels, or label columns in the BED")
    task_config, optim = config["task"], config["optim"]
    train_targets = sequences.targets[datamodule.splits["train"]]
    task_type = resolve_task_type(task_config["type"], train_targets)
    if optim["scheduler"] not in SCHEDULERS:
        raise SeqmodelsError(f"optim.scheduler: choose one of {', '.join(SCHEDULERS)}")
    return SequenceTask(
        model=dict(config["model"]),
        task=task_type,
        task_names=sequences.task_names,
        n_classes=_n_classes(task_type, task_config["n_classes"], sequences.targets),
        alphabet=sequences.alphabet.name,
        length=sequences.length,
        unknown=config["data"]["unknown"],
        pos_weight=_pos_weight(task_config["pos_weight"], task_type, train_targets),
        regression_loss=task_config["regression_loss"],
        lr=float(optim["lr"]),
        weight_decay=float(optim["weight_decay"]),
        scheduler=optim["scheduler"],
        max_epochs=int(config["trainer"].get("max_epochs") or 1),
        rc_average=bool(task_config["rc_average"]),
        seed=int(config["seed"]),
        version=__version__,
    )


def resolve_task_type(task_type: str, targets: np.ndarray) -> str:
    """``auto``: binary for one 0/1 column, multilabel for several, else regression."""
    if task_type == "auto":
        known = targets[~np.isnan(targets)]
        binary = np.isin(known, (0, 1)).all()
        return ("binary" if targets.shape[1] == 1 else "multilabel") if binary else "regression"
    if task_type not in TASK_TYPES:
        raise SeqmodelsError(f"task.type: choose one of auto, {', '.join(TASK_TYPES)}")
    if task_type == "binary" and targets.shape[1] != 1:
        raise SeqmodelsError(
            f"task.type binary takes one label column, found {targets.shape[1]}; use multilabel"
        )
    if task_type == "multiclass" and targets.shape[1] != 1:
        raise SeqmodelsError("task.type multiclass takes one label column of class indices")
    return task_type


def _n_classes(task_type: str, n_classes, targets: np.ndarray) -> int | None:
    if task_type != "multiclass":
        return None
    known = targets[~np.isnan(targets)]
    if (known < 0).any() or (known != np.round(known)).any():
        raise SeqmodelsError("multiclass labels must be class indices 0, 1, 2, …")
    return int(n_classes or known.max() + 1)


def _pos_weight(setting, task_type: str, targets: np.ndarray) -> list[float] | None:
    """Per-task positive weights: ``balanced`` is negatives / positives of the training split."""
    if task_type not in ("binary", "multilabel") or setting in (None, 1, 1.0):
        return None
    if setting == "balanced":
        positives = np.nansum(targets, axis=0)
        negatives = np.sum(targets == 0, axis=0)
        return (negatives / np.maximum(positives, 1)).clip(min=1.0).round(4).tolist()
    try:
        return [float(setting)] * targets.shape[1]
    except (TypeError, ValueError):
        raise SeqmodelsError("task.pos_weight: a number, balanced, or null") from None


def _trainer_args(trainer: dict) -> dict:
    known = set(inspect.signature(pl.Trainer.__init__).parameters) - {"self"}
    for key in trainer:
        if key in MANAGED_TRAINER_ARGS or key not in known:
            raise SeqmodelsError(f"trainer.{key}: not a Trainer argument seqmodels passes on")
    return dict(trainer)


def _callbacks(train: dict, checkpoint_dir: Path) -> list[pl.Callback]:
    """Checkpoints of the best validation score and of every finished epoch, early stopping."""
    monitor, mode = train["monitor"], train["mode"]
    callbacks: list[pl.Callback] = [
        ModelCheckpoint(
            dirpath=checkpoint_dir,
            filename="best",
            monitor=monitor,
            mode=mode,
            enable_version_counter=False,
        ),
        ModelCheckpoint(dirpath=checkpoint_dir, filename="last", enable_version_counter=False),
    ]
    if train["patience"]:
        callbacks.append(EarlyStopping(monitor=monitor, mode=mode, patience=train["patience"]))
    return callbacks


class EpochLog(pl.Callback):
    """Writes ``DIR/metrics.csv``: one row per finished epoch (training and validation metrics,
    learning rate). A resumed run keeps the rows of the epochs before it."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / "metrics.csv"

    def on_train_epoch_end(self, trainer: pl.Trainer, task: pl.LightningModule) -> None:
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        row = {"epoch": trainer.current_epoch, "step": trainer.global_step}
        row["lr"] = trainer.optimizers[0].param_groups[0]["lr"]
        row.update({k: float(v) for k, v in sorted(trainer.callback_metrics.items())})
        earlier = pd.read_csv(self.path) if self.path.exists() else pd.DataFrame()
        if len(earlier):
            earlier = earlier[earlier["epoch"] < trainer.current_epoch]
        table = pd.concat([earlier, pd.DataFrame([row])], ignore_index=True)
        with atomic_write(self.path) as handle:
            table.to_csv(handle, index=False, float_format="%.6g")
        shown = [k for k in row if k in ("train/loss", "val/loss") or k.startswith("val/mean/")]
        log.info("epoch %d: %s", row["epoch"], "  ".join(f"{k} {row[k]:.4f}" for k in shown))
