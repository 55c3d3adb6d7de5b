"""Training from a configuration: data, task, Lightning Trainer, checkpoints and test metrics.

Layout of a run directory::

    DIR/config.yaml            the resolved configuration (the run's permanent record)
    DIR/checkpoints/best.ckpt  best validation score
    DIR/checkpoints/last.ckpt  end of the last finished epoch (``--resume`` starts here)
    DIR/metrics.csv            per-epoch training and validation metrics
    DIR/test_metrics.json      metrics of the best checkpoint on the test split (if any)
"""

from __future__ import annotations

import logging
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytorch_lightning as pl
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint
from pytorch_lightning.utilities.exceptions import MisconfigurationException

from seqmodels.checkpoint import SafeCheckpointIO, load_checkpoint
from seqmodels.config import check_config, differences, load_config, save_config
from seqmodels.data.module import SequenceDataModule
from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_write, check_output_directory
from seqmodels.io.jsonfile import write_json
from seqmodels.metrics import LOWER_IS_BETTER, METRICS
from seqmodels.models import complete_model_arguments, model_defaults
from seqmodels.task import COVERAGE_TASKS, SequenceTask
from seqmodels.workflows.inputs import check_labels, encode_and_split, read_config_records

log = logging.getLogger("seqmodels")

RUN_FILES = ("config.yaml", "metrics.csv", "test_metrics.json", "checkpoints")


def train(config: dict, out_dir: str | Path, *, resume: bool = False) -> dict[str, float]:
    """Train the configured model, test its best checkpoint, and return the test metrics.

    Parameters
    ----------
    config : dict
        A configuration (see :func:`seqmodels.config.load_config`); checked again here.
    out_dir : str or Path
        Run directory (see the module docstring).
    resume : bool
        Continue from ``out_dir/checkpoints/last.ckpt``; the configuration must be the run's.

    Returns
    -------
    dict of str to float
        Test metrics (empty without a test split).
    """
    config = check_config(config)
    out_dir = Path(out_dir)
    check_output_directory(out_dir)
    last = out_dir / "checkpoints" / "last.ckpt"
    if resume:
        _check_resumable(config, out_dir)
    elif last.exists():
        raise SeqmodelsError(f"{out_dir}: holds a run already; use --resume or another --out")
    pl.seed_everything(config["seed"], workers=True, verbose=False)
    datamodule = datamodule_from_config(config)
    task = build_task(config, datamodule)
    if resume:
        _check_fits(task, last)
    val_targets = datamodule.sequences.targets[datamodule.splits["val"]]
    selection = select_monitor(config["train"], task.hparams.task, task.hparams.task_names,
                               val_targets, n_classes=task.hparams.n_classes)  # fmt: skip
    trainer = _trainer(config, out_dir, selection)
    existed = {name for name in RUN_FILES if (out_dir / name).exists()}
    try:
        if trainer.is_global_zero and not resume:
            save_config(config, out_dir / "config.yaml")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*does not have many workers.*")
            trainer.fit(task, datamodule=datamodule, ckpt_path=last if resume else None)
            if not len(datamodule.splits["test"]):
                return {}  # no test split: nothing to report
            ckpt = trainer.checkpoint_callback.best_model_path or None
            results = trainer.test(task, datamodule=datamodule, ckpt_path=ckpt, verbose=False)
    except BaseException:
        if trainer.is_global_zero and not last.exists():
            _remove_unfinished_run(out_dir, keep=existed)
        raise
    metrics = {k.removeprefix("test/"): float(v) for k, v in results[0].items()}
    if trainer.is_global_zero:
        write_json(out_dir / "test_metrics.json", metrics)
    return metrics


def train_from_files(
    config_path: str | Path | None, out_dir: str | Path, *, overrides=None, resume=False
) -> dict[str, float]:
    """:func:`train` from a config file; on resume, the run's own ``config.yaml`` (a config or
    overrides that would change it are an error)."""
    saved = Path(out_dir) / "config.yaml"
    if resume and config_path is None:
        if not saved.is_file():
            raise SeqmodelsError(f"{out_dir}: nothing to resume (no config.yaml)")
        config_path = saved
    config = load_config(config_path, overrides)
    require_data(config, source=str(config_path))
    return train(config, out_dir, resume=resume)


def require_data(config: dict, *, source: str = "config") -> None:
    """A configuration to train from must name its data: sequences, or numeric inputs."""
    data = config["data"]
    if data["numeric"] is not None:
        if data["fasta"] or data["bed"]:
            raise SeqmodelsError(
                f"{source}: data.numeric replaces sequences; for numeric channels beside "
                "sequences use data.channels (bigWig) with data.bed"
            )
        if data["labels"] is None:
            raise SeqmodelsError(f"{source}: data.numeric needs data.labels, keyed by sample id")
        return
    if not (data["fasta"] or data["bed"]):
        raise SeqmodelsError(
            f"{source}: no data: set data.fasta (with data.labels), data.bed (with "
            "data.genome) or data.numeric (with data.labels)"
        )


def datamodule_from_config(config: dict) -> SequenceDataModule:
    """The :class:`SequenceDataModule` a checked configuration describes."""
    data = config["data"]
    require_data(config)
    records = read_config_records(data)
    sequences, splits = encode_and_split(records, data, random_state=config["seed"])
    if not len(splits["train"]):
        raise SeqmodelsError(
            f"{records.source}: the training split is empty: data.val_chroms and "
            "data.test_chroms (or the fractions) hold every sequence"
        )
    if not len(splits["val"]):
        raise SeqmodelsError(
            f"{records.source}: the validation split is empty (set data.val_chroms or a "
            "data.val_fraction above 0)"
        )
    reverse, shift = augmentation(data, sequences.alphabet.name, coverage=bool(data["targets"]))
    if sequences.alphabet.size == 0 and (reverse or shift or config["task"]["rc_average"]):
        key = (
            "data.reverse_complement"
            if reverse
            else "data.max_shift"
            if shift
            else "task.rc_average"
        )
        raise SeqmodelsError(
            f"{key}: numeric inputs alone (data.numeric) are neither reverse-complemented "
            "nor shifted"
        )
    return SequenceDataModule(
        sequences,
        splits,
        batch_size=data["batch_size"],
        reverse_complement=reverse,
        max_shift=shift,
        num_workers=data["num_workers"],
        random_state=config["seed"],
    )


AUTO_MAX_SHIFT = 3
"""Positions a DNA sequence is shifted by at most when ``data.max_shift`` is ``auto``."""


def augmentation(data: dict, alphabet: str, *, coverage: bool = False) -> tuple[bool, int]:
    """Reverse-complement and shift augmentation of a data section: ``auto`` turns both on for
    DNA read without strand (a binding site reads the same on either strand, a few bases
    away), off for stranded DNA, RNA and protein; coverage targets are never shifted (their
    profiles would no longer line up), and reverse with the sequence."""
    dna = alphabet == "dna" and not data["stranded"]
    reverse, shift = data["reverse_complement"], data["max_shift"]
    if reverse is True and alphabet == "protein":
        raise SeqmodelsError("data.reverse_complement: protein has no reverse complement")
    if coverage and shift not in ("auto", 0):
        raise SeqmodelsError(
            "data.max_shift: coverage targets cannot be shifted with their sequence; set it to 0"
        )
    reverse = dna if reverse == "auto" else reverse
    shift = 0 if coverage else (AUTO_MAX_SHIFT if dna else 0) if shift == "auto" else shift
    log.info("augmentation: reverse complement %s, shift ≤ %d", "on" if reverse else "off", shift)
    return reverse, shift


def build_task(config: dict, datamodule: SequenceDataModule) -> SequenceTask:
    """The :class:`SequenceTask` for a checked configuration and its data."""

    sequences = datamodule.sequences
    if sequences.targets is None:
        raise SeqmodelsError("training needs labels: data.labels, or label columns in the BED")
    task_config = config["task"]
    train_targets = sequences.targets[datamodule.splits["train"]]
    if sequences.profiles is not None:
        return _coverage_task(config, sequences, train_targets)
    if task_config["type"] in COVERAGE_TASKS:
        raise SeqmodelsError(
            f"task.type: {task_config['type']} learns coverage: it needs data.targets (bigWig) "
            "over data.bed intervals"
        )
    task_type = resolve_task_type(task_config["type"], train_targets)
    check_labels(
        sequences,
        task_type,
        n_classes=task_config["n_classes"],
        regression_loss=task_config["regression_loss"],
    )
    n_classes = _n_classes(task_type, task_config["n_classes"], sequences.targets)
    return SequenceTask(
        model=complete_model_arguments(config["model"]),
        task=task_type,
        n_classes=n_classes,
        pos_weight=_pos_weight(task_config["pos_weight"], task_type, train_targets),
        regression_loss=task_config["regression_loss"],
        **_shared_arguments(config, sequences),
    )


def _shared_arguments(config: dict, sequences) -> dict:
    """The task arguments every task type takes from the config and the data."""
    from seqmodels import __version__

    data, optim = config["data"], config["optim"]
    return {
        "task_names": sequences.task_names,
        "alphabet": sequences.alphabet.name,
        "length": sequences.length,
        "unknown": data["unknown"],
        "stranded": data["stranded"],
        "lr": optim["lr"],
        "weight_decay": optim["weight_decay"],
        "scheduler": optim["scheduler"],
        "max_epochs": config["trainer"]["max_epochs"],
        "rc_average": config["task"]["rc_average"],
        "random_state": config["seed"],
        "version": __version__,
        **_channel_arguments(data, sequences),
    }


def _channel_arguments(data: dict, sequences) -> dict:
    """What a checkpoint keeps of the numeric inputs: the input-channel bigWigs (absolute
    paths, to read them again for predictions), or the channels of numeric inputs alone."""
    if sequences.alphabet.size == 0:
        return {"numeric_channels": sequences.n_channels}
    if not data["channels"]:
        return {}
    entries = [
        [str(Path(p).resolve()) for p in e] if isinstance(e, list) else str(Path(e).resolve())
        for e in data["channels"]
    ]
    return {"channels": entries}


def _coverage_task(config: dict, sequences, train_totals: np.ndarray) -> SequenceTask:
    """The task for coverage targets: ``profile`` (per base), or ``binned`` with
    ``data.bin_size``; the model gets BPNet's profile and count heads."""

    data, task_config = config["data"], config["task"]
    task_type = "binned" if data["bin_size"] else "profile"
    if task_config["type"] not in ("auto", task_type):
        raise SeqmodelsError(
            f"task.type: {task_config['type']} does not fit coverage targets "
            f"(data.targets{' with data.bin_size' * bool(data['bin_size'])}: {task_type})"
        )
    model = config["model"]
    if "head" not in model_defaults(model["name"]):
        raise SeqmodelsError(
            f"model.name: coverage targets need a profile head, which {model['name']} has not "
            "(it pools positions away): use model dilated"
        )
    if model.get("head", "profile") != "profile":
        raise SeqmodelsError(
            f"model.head: {model['head']}: coverage targets (data.targets) are learned by the "
            "profile head; leave model.head out or set it to profile"
        )
    weight = task_config["count_weight"]
    if weight == "auto":  # ChromBPNet's: the median total over 10
        weight = max(float(np.median(train_totals.sum(axis=1))) / 10, 1.0)
        log.info("task.count_weight auto: %.3g (the median total count / 10)", weight)
    return SequenceTask(
        model=complete_model_arguments({**model, "head": "profile"}),
        task=task_type,
        regression_loss=task_config["regression_loss"] if data["bin_size"] else "mse",
        strands=list(sequences.strands),
        output_length=sequences.profiles.shape[-1] * (data["bin_size"] or 1),
        bin_size=data["bin_size"],
        count_weight=float(weight),
        **_shared_arguments(config, sequences),
    )


def resolve_task_type(task_type: str, targets: np.ndarray) -> str:
    """``auto``: binary for one 0/1 column, multilabel for several, else regression."""
    if task_type == "auto":
        known = targets[~np.isnan(targets)]
        binary = np.isin(known, (0, 1)).all()
        resolved = ("binary" if targets.shape[1] == 1 else "multilabel") if binary else "regression"
        reason = "labels are 0 or 1" if binary else "labels are not all 0 or 1"
        log.info("task.type auto: %s (%s)", resolved, reason)
        return resolved
    if task_type == "binary" and targets.shape[1] != 1:
        raise SeqmodelsError(
            f"task.type binary takes one label column, found {targets.shape[1]}; use multilabel"
        )
    if task_type == "multiclass" and targets.shape[1] != 1:
        raise SeqmodelsError("task.type multiclass takes one label column of class indices")
    return task_type


AUTO_MONITOR = {"binary": "auroc", "multilabel": "auroc", "multiclass": "auroc",
                "regression": "pearson", "profile": None, "binned": None}  # fmt: skip
"""The validation metric (mean over tasks) that ``train.monitor: auto`` selects on."""


def select_monitor(
    train: dict, task_type: str, task_names: list[str], val: np.ndarray, *, n_classes=None
) -> tuple[str, str, int]:
    """The monitored metric, its mode and the patience of a train section, ``auto`` resolved.

    ``auto`` monitors the task type's metric (AUROC for classification, Pearson for
    regression) averaged over tasks, or the validation loss where the validation labels
    leave that metric undefined; ``mode: auto`` minimises losses and maximises the rest.
    ``val`` ``(N, T)`` are the validation labels.
    """
    monitor = train["monitor"]
    if monitor == "auto":
        monitor = f"val/mean/{AUTO_MONITOR[task_type]}" if AUTO_MONITOR[task_type] else "val/loss"
        if not _monitor_defined(monitor, task_type, task_names, val, n_classes):
            monitor = "val/loss"
        log.info("train.monitor auto: %s", monitor)
    _check_monitor(monitor, task_type, task_names, val)
    mode = train["mode"]
    if mode == "auto":
        mode = "min" if monitor.endswith(LOWER_IS_BETTER) else "max"
    return monitor, mode, train["patience"]


def _monitor_defined(monitor: str, task_type: str, task_names, val, n_classes) -> bool:
    if task_type == "multiclass":
        return len(np.unique(val[~np.isnan(val)])) == n_classes
    try:
        _check_monitor(monitor, task_type, task_names, val)
    except SeqmodelsError:
        return False
    return True


def _check_monitor(monitor: str, task_type: str, task_names: list[str], val: np.ndarray) -> None:
    """The monitored metric must be logged for the task type and defined on the validation
    labels ``val`` ``(N, T)`` (AUROC needs both classes, a correlation varying labels)."""
    metrics = METRICS[task_type]
    allowed = ["val/loss", *(f"val/mean/{m}" for m in metrics)]
    allowed += [f"val/{name}/{m}" for name in task_names for m in metrics]
    if monitor not in allowed:
        shown = ", ".join(allowed[: 2 + len(metrics)])
        raise SeqmodelsError(
            f"train.monitor: {monitor!r} is not logged for a {task_type} task; choose {shown}, "
            "or val/TASK/METRIC"
        )
    _, name, metric = monitor.split("/") if monitor != "val/loss" else ("", "", "loss")
    columns = val.T if name == "mean" else val.T[[task_names.index(name)]] if name else []
    if (
        metric in ("loss", "accuracy", "profile_pearson", "jsd", "mnll")
        or task_type == "multiclass"
    ):
        return
    if not any(_defined(metric, column[~np.isnan(column)]) for column in columns):
        raise SeqmodelsError(
            f"train.monitor: {monitor} is undefined on the validation split (its labels are "
            "all one class, or constant): monitor val/loss, or hold out other sequences"
        )


def _defined(metric: str, labels: np.ndarray) -> bool:
    if metric == "auprc":
        return bool((labels == 1).any())
    if metric == "auroc":
        return bool((labels == 1).any() and (labels == 0).any())
    return len(np.unique(labels)) > 1  # pearson, spearman, r2


def _n_classes(task_type: str, n_classes, targets: np.ndarray) -> int | None:
    if task_type != "multiclass":
        return None
    known = targets[~np.isnan(targets)]
    return int(n_classes or known.max() + 1)


def _pos_weight(setting, task_type: str, targets: np.ndarray) -> list[float] | None:
    """Per-task positive weights: ``balanced`` is negatives / positives of the training split."""
    if task_type not in ("binary", "multilabel") or setting in (None, 1, 1.0):
        return None
    if setting == "balanced":
        positives = np.nansum(targets, axis=0)
        negatives = np.sum(targets == 0, axis=0)
        return (negatives / np.maximum(positives, 1)).clip(min=1.0).round(4).tolist()
    return [float(setting)] * targets.shape[1]


def _trainer(config: dict, out_dir: Path, selection: tuple[str, str, int]) -> pl.Trainer:
    notebook = in_notebook()
    try:
        return pl.Trainer(
            **config["trainer"],
            default_root_dir=out_dir,
            callbacks=[
                *_callbacks(selection, out_dir / "checkpoints"),
                EpochLog(out_dir, quiet=notebook),
                *([LiveCurves(out_dir / "metrics.csv")] if notebook else []),
                *_notebook_bars(config["trainer"], notebook),
            ],
            logger=False,
            plugins=[SafeCheckpointIO()],
        )
    except (MisconfigurationException, ValueError, TypeError, RuntimeError) as err:
        message = " ".join(str(err).split())
        raise SeqmodelsError(f"trainer: Lightning refuses these settings: {message}") from None


def _callbacks(selection: tuple[str, str, int], checkpoint_dir: Path) -> list[pl.Callback]:
    """Checkpoints of the best validation score and of every finished epoch, early stopping
    (kept on resume); ``selection`` is ``(monitor, mode, patience)``."""
    monitor, mode, patience = selection
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
    if patience:
        callbacks += [EarlyStopping(monitor=monitor, mode=mode, patience=patience), SpentPatience()]
    return callbacks


class SpentPatience(pl.Callback):
    """Makes a resumed run obey early stopping that had already fired: a run killed after its
    patience ran out (while testing, say) resumes to its test, not to one more epoch."""

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        stopping = trainer.early_stopping_callback
        if stopping is not None and stopping.wait_count >= stopping.patience:
            trainer.should_stop = True


def _check_resumable(config: dict, out_dir: Path) -> None:
    saved = out_dir / "config.yaml"
    if not (out_dir / "checkpoints" / "last.ckpt").exists() or not saved.exists():
        raise SeqmodelsError(f"{out_dir}: nothing to resume (no checkpoints/last.ckpt)")
    changed = differences(load_config(saved), config)
    if changed:
        raise SeqmodelsError(
            f"{out_dir}: --resume continues the run as {saved} configures it, but "
            f"{', '.join(changed[:4])} differ; resume without --config or overrides, or "
            "train into another --out"
        )


def _check_fits(task: SequenceTask, checkpoint: Path) -> None:
    """The checkpoint to resume from must hold weights of this run's model."""
    try:
        task.load_state_dict(load_checkpoint(checkpoint)["state_dict"])
    except (KeyError, RuntimeError) as err:
        problem = next((line.strip() for line in str(err).splitlines() if "size" in line), err)
        raise SeqmodelsError(
            f"{checkpoint}: does not hold this run's model ({problem}); was it copied from "
            "another run?"
        ) from None


def _remove_unfinished_run(out_dir: Path, *, keep: set[str]) -> None:
    """What a run that never wrote a checkpoint left, so the folder is as it was."""
    for name in RUN_FILES:
        if name not in keep:
            path = out_dir / name
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()


class EpochLog(pl.Callback):
    """Writes ``DIR/metrics.csv``: one row per finished epoch (training and validation metrics,
    learning rate), and logs it (``quiet``: at debug level, where a live plot shows it). A
    resumed run keeps the rows of the epochs before it."""

    def __init__(self, out_dir: Path, *, quiet: bool = False):
        self.path = Path(out_dir) / "metrics.csv"
        self.level = logging.DEBUG if quiet else logging.INFO

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
        log.log(self.level, "epoch %d: %s", row["epoch"],
                "  ".join(f"{k} {row[k]:.4f}" for k in shown))  # fmt: skip


class LiveCurves(pl.Callback):
    """In a notebook: the run's training curves (:func:`seqmodels.plot.plot_training_curves`
    of ``metrics.csv``), one figure redrawn in place after every epoch."""

    def __init__(self, path: Path):
        self.path, self.handle = Path(path), None

    def on_train_epoch_end(self, trainer: pl.Trainer, task: pl.LightningModule) -> None:
        if trainer.sanity_checking or not trainer.is_global_zero or not self.path.exists():
            return
        from IPython.display import display

        from seqmodels.plot import plot_training_curves

        figure = plot_training_curves(self.path, title=f"{self.path.parent.name}: training")
        if self.handle is None:
            self.handle = display(figure, display_id=True)
        else:
            self.handle.update(figure)


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and "IPKernelApp" in shell.config


def _notebook_bars(trainer: dict, notebook: bool) -> list[pl.Callback]:
    """In a notebook, a progress bar per epoch that stays when the epoch ends."""
    if not notebook or trainer.get("enable_progress_bar") is False:
        return []
    from pytorch_lightning.callbacks import TQDMProgressBar

    return [TQDMProgressBar(leave=True)]
