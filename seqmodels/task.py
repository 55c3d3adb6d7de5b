"""The LightningModule: wraps any registered network for a task type and owns only the loss,
the metrics and the optimiser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pytorch_lightning as pl
import torch
from torch import nn
from torch.nn import functional as F

from seqmodels.alphabets import get_alphabet
from seqmodels.encoding import reverse_complement
from seqmodels.errors import SeqmodelsError
from seqmodels.io.coverage import entry_strands, reversed_order, task_name, track_names
from seqmodels.metrics import task_metrics
from seqmodels.models import build_model
from seqmodels.models.outputs import HEADS, ProfileShape, TotalCounts
from seqmodels.profiles import (
    binned_loss,
    predicted_coverage,
    profile_loss,
    profile_metrics,
    task_slices,
    total_counts,
)
from seqmodels.schema import NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt, Range

COVERAGE_TASKS = ("profile", "binned")
"""Task types that learn coverage from bigWig files."""


class SequenceTask(pl.LightningModule):
    """A network trained for one task type.

    Every argument is a plain value saved in the checkpoint, so a checkpoint describes itself:
    :func:`seqmodels.checkpoint.load_task` rebuilds the task from it alone.

    Parameters
    ----------
    model : dict
        ``{"name": registry name, **constructor arguments}``.
    task : {"binary", "multilabel", "multiclass", "regression"}
    task_names : list of str
        Label columns (multiclass: the one column of class indices).
    n_classes : int, optional
        Number of classes (multiclass only).
    alphabet : str
        ``"none"`` for numeric inputs alone.
    length : int
        Sequence length the model was trained on.
    unknown : str
        Encoding policy for symbols outside the alphabet (see :func:`seqmodels.to_indices`).
    stranded : bool
        BED intervals were read from their own strand (minus-strand ones reverse-complemented).
    pos_weight : list of float, optional
        Positive-class weight per task for the binary cross-entropy.
    regression_loss : {"mse", "poisson", "huber"}
        Poisson treats outputs as log rates; Huber is quadratic within 1 of the label, linear
        beyond. Binned coverage: Poisson on each bin's log rate, or MSE on log(1 + count).
    strands : list of int, optional
        Coverage targets (``profile``, ``binned``): the tracks of each task.
    output_length : int, optional
        Coverage targets: positions of the profile (``binned``: bins times ``bin_size``).
    bin_size : int, optional
        ``binned``: bases per bin.
    count_weight : float
        ``profile``: weight of the count head's squared error beside the profile's
        multinomial negative log-likelihood.
    channels : list, optional
        bigWig input channels beside the sequence (each a path or a stranded pair), as
        ``data.channels`` named them: the model reads ``A + C`` rows.
    numeric_channels : int, optional
        C, the channels of numeric inputs alone (``alphabet`` ``"none"``).
    lr, weight_decay : float
        AdamW settings.
    scheduler : {"warmup_cosine", "cosine", "plateau", "none"}
        ``warmup_cosine`` raises the learning rate linearly over the first epoch's steps, then
        lowers it along a cosine to zero at ``max_epochs``, step by step; ``cosine`` does the
        latter per epoch without warm-up; ``plateau`` halves it when the validation loss stalls.
    max_epochs : int
        Horizon of the cosine schedules.
    rc_average : bool
        Average predictions over each sequence and its reverse complement at evaluation.
    random_state : int
        Reseeds the global random number generator at each training step, so that a resumed
        run continues exactly as an uninterrupted one.
    version : str
        Package version that wrote the checkpoint.
    """

    def __init__(
        self,
        *,
        model: dict,
        task: Literal["binary", "multilabel", "multiclass", "regression", "profile", "binned"],
        task_names: list[str],
        n_classes: Annotated[int, Range(2)] | None = None,
        alphabet: Literal["dna", "rna", "protein", "none"] = "dna",
        length: PositiveInt,
        unknown: Literal["error", "zero", "uniform"] = "error",
        stranded: bool = False,
        pos_weight: list[PositiveFloat] | None = None,
        regression_loss: Literal["mse", "poisson", "huber"] = "mse",
        lr: PositiveFloat = 3e-3,
        weight_decay: NonNegativeFloat = 0.0,
        scheduler: Literal["warmup_cosine", "cosine", "plateau", "none"] = "warmup_cosine",
        max_epochs: PositiveInt = 50,
        rc_average: bool = False,
        random_state: NonNegativeInt = 0,
        version: str = "",
        strands: list[PositiveInt] | None = None,
        output_length: PositiveInt | None = None,
        bin_size: PositiveInt | None = None,
        count_weight: NonNegativeFloat = 1.0,
        channels: list[str | list[str]] | None = None,
        numeric_channels: PositiveInt | None = None,
    ):
        super().__init__()
        self.save_hyperparameters()
        n_outputs = n_classes if task == "multiclass" else len(task_names)
        args = {k: v for k, v in model.items() if k != "name"}
        self.alphabet = get_alphabet(alphabet)
        profile = None
        if task in COVERAGE_TASKS and output_length is not None:  # as training checked them
            if output_length > length:
                raise SeqmodelsError(
                    f"output_length: {output_length} is longer than the input windows ({length})"
                )
            if bin_size and output_length % bin_size:
                raise SeqmodelsError(
                    f"bin_size: {bin_size} does not divide output_length ({output_length})"
                )
        if task in COVERAGE_TASKS:
            profile = {"n_tracks": sum(strands), "output_length": output_length,
                       "bin_size": bin_size}  # fmt: skip
        self.model = build_model(
            model["name"], alphabet_size=self.alphabet.size + len(self.channel_names),
            n_outputs=n_outputs, profile=profile, **args,
        )  # fmt: skip
        weight = torch.tensor(pos_weight, dtype=torch.float32) if pos_weight else None
        self.register_buffer("pos_weight", weight, persistent=False)
        self._outputs: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []

    @property
    def output_names(self) -> list[str]:
        """Column names of the predictions: tasks, or ``label=k`` per class."""
        if self.hparams.task == "multiclass":
            name = self.hparams.task_names[0]
            return [f"{name}={k}" for k in range(self.hparams.n_classes)]
        return list(self.hparams.task_names)

    @property
    def channel_names(self) -> list[str]:
        """The model's numeric input rows after the one-hot ones ``(C,)``: each input-channel
        bigWig (``NAME.plus`` and ``NAME.minus`` for a pair), or ``channel1`` … ``channelC``."""
        entries = self.hparams.channels or []
        stems = [task_name([Path(p) for p in (e if isinstance(e, list) else [e])]) for e in entries]
        n = self.hparams.numeric_channels or 0
        return track_names(stems, entry_strands(entries)) + [f"channel{c + 1}" for c in range(n)]

    @property
    def channel_strands(self) -> list[int]:
        """Input channels per bigWig entry (2 for a stranded pair), as ``channel_names``."""
        strands = entry_strands(self.hparams.channels or [])
        return strands + [1] * (self.hparams.numeric_channels or 0)

    def reverse_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs ``(N, A + C, L)`` read from the other strand: the sequence
        reverse-complemented, input channels reversed (a stranded pair's two swapped)."""
        size = self.alphabet.size
        if not size:
            raise SeqmodelsError("rc_average: numeric inputs alone have no reverse complement")
        if not self.numeric:
            return reverse_complement(x, self.alphabet)
        order = torch.from_numpy(size + reversed_order(self.channel_strands)).to(x.device)
        sequence = reverse_complement(x[:, :size], self.alphabet)
        return torch.cat([sequence, x[:, order].flip(-1)], dim=1)

    @property
    def numeric(self) -> bool:
        """Whether the model reads numeric rows (input channels or numeric inputs alone): the
        sequence-only features (shuffles, motifs, variants) refuse it."""
        return bool(self.channel_names)

    def require_sequences(self, what: str, *, source: str | None = None) -> None:
        """Refuse ``what``, a feature of sequences alone, for a model with numeric rows (named
        by ``source``, its checkpoint, when given)."""
        if self.numeric:
            shown = ", ".join(self.channel_names[:3]) + ", …" * (len(self.channel_names) > 3)
            where = f"{source}: " if source is not None else ""
            raise SeqmodelsError(
                f"{where}{what} work on sequences alone; this model also reads numeric inputs "
                f"({shown})"
            )

    @property
    def track_names(self) -> list[str]:
        """Coverage tracks ``(K,)``: a task's name, or ``NAME.plus`` and ``NAME.minus``."""
        if not self.coverage:
            return []
        return track_names(list(self.hparams.task_names), self.hparams.strands)

    def explained(self, head: str | None = None) -> nn.Module:
        """The network that attributions explain, ``(N, A, L) → (N, T)`` raw outputs: the
        model itself, or a coverage model's ``head`` (:data:`~seqmodels.models.outputs.HEADS`):
        ``counts`` (default; each task's predicted log(1 + total count)) or ``profile``
        (BPNet's weighted-mean-normalised logits; profile models only)."""
        task = self.hparams.task
        if not self.coverage:
            if head is not None:
                raise SeqmodelsError(f"--head {head}: a {task} model has one output per task")
            return self.model
        if head not in (None, *HEADS):
            raise SeqmodelsError(f"--head {head!r}: choose {' or '.join(HEADS)}")
        if head == "profile":
            if task != "profile":
                raise SeqmodelsError("--head profile: a binned model has counts, not a profile")
            return ProfileShape(self.model, self.hparams.strands)
        return TotalCounts(self.model, self.hparams.strands, binned=task == "binned")

    @property
    def coverage(self) -> bool:
        """Whether the task learns coverage profiles (``profile``) or bins (``binned``)."""
        return self.hparams.task in COVERAGE_TASKS

    def forward(self, x: torch.Tensor):
        """Raw outputs for ``x`` ``(N, A, L)``: ``(N, T)`` logits, values or log rates; for
        coverage, ``((N, K, P) logits or bin log rates, (N, T) log(1 + total count))``."""
        return self.model(x)

    def raw_outputs(self, x: torch.Tensor):
        """Raw outputs, averaged over ``x`` and its reverse complement with ``rc_average``
        (a reverse complement's profiles read backwards, its stranded tracks swapped)."""
        raw = self(x)
        if not self.hparams.rc_average:
            return raw
        other = self(self.reverse_inputs(x))
        if not self.coverage:
            return (raw + other) / 2
        order = torch.from_numpy(reversed_order(self.hparams.strands)).to(x.device)
        return (raw[0] + other[0][:, order].flip(-1)) / 2, (raw[1] + other[1]) / 2

    def predict_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """Probabilities (classification), values or rates for ``x`` ``(N, A, L)``: ``(N, T)``;
        for coverage, each task's predicted total count."""
        raw = self.raw_outputs(x)
        if self.hparams.task == "profile":
            return total_counts(raw[1])
        if self.hparams.task == "binned":
            return binned_totals(raw[0], self.hparams.strands)
        return to_predictions(raw, self.hparams.task, self.hparams.regression_loss)

    def predict_coverage(self, x: torch.Tensor) -> torch.Tensor:
        """Expected coverage ``(N, K, P)`` per position (or bin) of each track."""
        raw = self.raw_outputs(x)
        if self.hparams.task == "profile":
            return predicted_coverage(raw[0], raw[1], self.hparams.strands)
        return raw[0].float().exp()

    def loss(self, raw, y: torch.Tensor) -> torch.Tensor:
        """Loss over the labels present; NaN labels are masked out. Coverage: BPNet's loss
        (``profile``) or the bins' (``binned``)."""
        hp = self.hparams
        if hp.task == "profile":
            return profile_loss(raw[0], raw[1], y, hp.strands, count_weight=hp.count_weight)
        if hp.task == "binned":
            return binned_loss(raw[0], y, poisson=hp.regression_loss == "poisson")
        return masked_loss(
            raw, y, hp.task, pos_weight=self.pos_weight, regression_loss=hp.regression_loss
        )

    def on_train_batch_start(self, batch, batch_idx: int) -> None:
        # Dropout draws from the global generator: seeding it by step makes a resumed run
        # draw exactly what the uninterrupted run drew.
        torch.manual_seed(self.hparams.random_state * 1_000_003 + self.global_step)

    def training_step(self, batch, batch_idx):
        x, y, _ = batch
        loss = self.loss(self(x), y)
        if not torch.isfinite(loss):
            raise SeqmodelsError(
                f"training diverged: the loss is {loss.item()} at epoch {self.current_epoch}, "
                f"step {self.global_step} (lower optim.lr or set trainer.gradient_clip_val)"
            )
        self.log("train/loss", loss, on_step=False, on_epoch=True, batch_size=len(x))
        return loss

    def validation_step(self, batch, batch_idx):
        self._evaluation_step(batch, "val")

    def test_step(self, batch, batch_idx):
        self._evaluation_step(batch, "test")

    def on_validation_epoch_end(self) -> None:
        self._log_metrics("val")

    def on_test_epoch_end(self) -> None:
        self._log_metrics("test")

    def predict_step(self, batch, batch_idx):
        return self.predict_outputs(batch[0])

    def _evaluation_step(self, batch, stage: str) -> None:
        x, y, index = batch
        raw = self.raw_outputs(x)
        parts = tuple(r.float() for r in raw) if self.coverage else (raw.float(),)
        self._outputs.append((*parts, y, index))

    def _log_metrics(self, stage: str) -> None:
        """Loss and metrics over the whole split, each sequence counted once: under DDP the
        outputs of every process are gathered and the sequences its sampler repeated to even
        out the shards are dropped, so the numbers equal one process's."""
        if not self._outputs:
            return
        *raw, targets, index = (torch.cat(parts) for parts in zip(*self._outputs, strict=True))
        self._outputs.clear()
        if self.trainer.world_size > 1:
            *raw, targets, index = (
                self.all_gather(t).flatten(0, 1) for t in (*raw, targets, index)
            )
            _, first = np.unique(index.cpu().numpy(), return_index=True)
            first = torch.from_numpy(first).to(targets.device)
            raw, targets = [r[first] for r in raw], targets[first]
        raw = tuple(raw) if self.coverage else raw[0]
        metrics = self._metrics(raw, targets)
        loss = float(self.loss(raw, targets))
        if not np.isfinite(loss) and stage == "val":
            raise SeqmodelsError(
                f"training diverged: the validation loss is {loss} at epoch {self.current_epoch} "
                "(lower optim.lr or set trainer.gradient_clip_val)"
            )
        logged = {"loss": loss, **metrics}
        finite = {f"{stage}/{k}": v for k, v in logged.items() if np.isfinite(v)}
        self.log_dict(finite, sync_dist=False)

    def _metrics(self, raw, targets: torch.Tensor) -> dict[str, float]:
        hp = self.hparams
        if not self.coverage:
            predictions = to_predictions(raw, hp.task, hp.regression_loss)
            return task_metrics(hp.task, targets.cpu().numpy(), predictions.float().cpu().numpy(),
                                list(hp.task_names))  # fmt: skip
        logits, log_counts = raw
        if hp.task == "binned":
            log_counts = torch.log1p(binned_totals(logits, hp.strands))
        arrays = (t.cpu().numpy() for t in (targets, logits, log_counts))
        return profile_metrics(*arrays, hp.strands, list(hp.task_names))

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(
            self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay
        )
        if self.hparams.scheduler == "plateau":
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer, factor=0.5, patience=2
            )
            return {
                "optimizer": optimizer,
                "lr_scheduler": {"scheduler": scheduler, "monitor": "val/loss"},
            }
        if self.hparams.scheduler == "cosine":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                optimizer, T_max=max(self.hparams.max_epochs, 1)
            )
            return {"optimizer": optimizer, "lr_scheduler": scheduler}
        if self.hparams.scheduler == "warmup_cosine":
            total = max(int(self.trainer.estimated_stepping_batches), 1)
            warmup = max(total // self.hparams.max_epochs, 1)
            scheduler = torch.optim.lr_scheduler.LambdaLR(
                optimizer, lambda step: warmup_cosine(step, warmup, total)
            )
            return {
                "optimizer": optimizer,
                "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
            }
        return optimizer


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """Learning-rate factor at ``step``: linear from ``1 / warmup`` to 1 over ``warmup`` steps,
    then a cosine from 1 to 0 at ``total``."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min((step - warmup) / max(total - warmup, 1), 1.0)
    return 0.5 * (1 + float(np.cos(np.pi * progress)))


def masked_loss(
    raw: torch.Tensor,
    y: torch.Tensor,
    task: str,
    *,
    pos_weight: torch.Tensor | None = None,
    regression_loss: str = "mse",
) -> torch.Tensor:
    """Mean loss over the labels that are present (not NaN).

    ``regression_loss`` is ``mse``, ``poisson`` (outputs are log rates) or ``huber``.

    Parameters
    ----------
    raw : torch.Tensor, shape (N, T)
        Model outputs: logits (classification), values or log rates (regression).
    y : torch.Tensor, shape (N, T)
        Labels; for multiclass ``(N, 1)`` class indices. NaN marks a missing label.
    """
    raw = raw.float()
    if task == "multiclass":
        present = ~torch.isnan(y[:, 0])
        if not present.any():
            return raw.sum() * 0.0
        return F.cross_entropy(raw[present], y[present, 0].long())
    present = ~torch.isnan(y)
    target = torch.where(present, y, torch.zeros_like(y))
    if task == "regression":
        if regression_loss == "poisson":
            losses = F.poisson_nll_loss(raw, target, log_input=True, full=False, reduction="none")
        elif regression_loss == "huber":
            losses = F.huber_loss(raw, target, reduction="none", delta=1.0)
        else:
            losses = (raw - target) ** 2
    else:
        losses = F.binary_cross_entropy_with_logits(
            raw, target, pos_weight=pos_weight, reduction="none"
        )
    return (losses * present).sum() / present.sum().clamp(min=1)


def binned_totals(log_rates: torch.Tensor, strands) -> torch.Tensor:
    """Each task's predicted total count ``(N, T)`` from bin log rates ``(N, K, P)``."""
    rates = log_rates.float().exp()
    return torch.stack([rates[:, tracks].sum(dim=(1, 2)) for tracks in task_slices(strands)], 1)


def to_predictions(raw: torch.Tensor, task: str, regression_loss: str = "mse") -> torch.Tensor:
    """Probabilities (sigmoid or softmax), values, or rates (Poisson) from raw outputs;
    coverage: total counts from log(1 + total count)."""
    if task in COVERAGE_TASKS:
        return total_counts(raw)
    if task == "multiclass":
        return raw.softmax(dim=-1)
    if task == "regression":
        return raw.exp() if regression_loss == "poisson" else raw
    return raw.sigmoid()
