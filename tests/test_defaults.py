"""The defaults a minimal config gets: augmentation per alphabet, the monitor per task type,
the warm-up cosine schedule and the model heads (see the README's Training defaults)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from seqmodels.checkpoint import load_task
from seqmodels.config import load_config
from seqmodels.errors import SeqmodelsError
from seqmodels.models import build_model, complete_model_arguments
from seqmodels.task import SequenceTask, warmup_cosine
from seqmodels.workflows.train import (
    AUTO_MAX_SHIFT,
    augmentation,
    datamodule_from_config,
    select_monitor,
)

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.mark.parametrize(
    ("folder", "alphabet", "expected"),
    [
        (DEMO, "dna", (True, AUTO_MAX_SHIFT)),
        (DEMO / "rna", "rna", (False, 0)),
        (DEMO / "protein", "protein", (False, 0)),
    ],
)
def test_augmentation_is_on_for_dna_and_off_for_rna_and_protein(folder, alphabet, expected):
    config = load_config()
    config["data"].update(
        fasta=str(folder / "sequences.fa"), labels=str(folder / "labels.csv"), alphabet=alphabet
    )
    datamodule = datamodule_from_config(config)
    assert (datamodule.reverse_complement, datamodule.max_shift) == expected


def test_augmentation_auto_respects_strand_and_explicit_settings():
    data = load_config()["data"]
    assert augmentation({**data, "stranded": True}, "dna") == (False, 0)
    assert augmentation({**data, "reverse_complement": False}, "dna") == (False, AUTO_MAX_SHIFT)
    assert augmentation({**data, "max_shift": 7}, "protein") == (False, 7)
    assert augmentation({**data, "reverse_complement": True}, "rna") == (True, 0)
    with pytest.raises(SeqmodelsError, match=r"data\.reverse_complement: protein has no reverse"):
        augmentation({**data, "reverse_complement": True}, "protein")


@pytest.mark.parametrize(
    ("task_type", "val", "n_classes", "expected"),
    [
        ("binary", [[0], [1], [1]], None, ("val/mean/auroc", "max")),
        ("multilabel", [[0, 1], [1, np.nan], [1, 0]], None, ("val/mean/auroc", "max")),
        ("multiclass", [[0], [1], [2]], 3, ("val/mean/auroc", "max")),
        ("regression", [[0.5], [2.0], [1.0]], None, ("val/mean/pearson", "max")),
        # the metric is undefined on these validation labels: the loss instead
        ("binary", [[1], [1], [1]], None, ("val/loss", "min")),
        ("multiclass", [[0], [1], [1]], 3, ("val/loss", "min")),
        ("regression", [[2.0], [2.0]], None, ("val/loss", "min")),
    ],
)
def test_monitor_auto_is_chosen_per_task_type(task_type, val, n_classes, expected):
    train = load_config()["train"]
    names = ["a", "b"][: np.shape(val)[1]]
    val = np.array(val, dtype=float)
    monitor, mode, patience = select_monitor(train, task_type, names, val, n_classes=n_classes)
    assert (monitor, mode) == expected and patience == 10


@pytest.mark.parametrize(
    ("monitor", "mode"), [("val/loss", "min"), ("val/mean/auprc", "max"), ("val/a/auroc", "max")]
)
def test_mode_auto_follows_an_explicit_monitor(monitor, mode):
    train = {**load_config()["train"], "monitor": monitor}
    assert select_monitor(train, "binary", ["a"], np.array([[0.0], [1.0]]))[:2] == (monitor, mode)


def test_warmup_cosine_rises_over_the_warmup_then_falls_to_zero():
    factors = np.array([warmup_cosine(step, 10, 100) for step in range(101)])
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert np.all(np.diff(factors[:10]) > 0) and np.all(np.diff(factors[9:]) <= 0)
    assert factors[55] == pytest.approx(0.5) and factors[100] == pytest.approx(0.0)


@pytest.mark.parametrize("name", ["cnn", "dilated", "lstm"])
def test_default_heads_are_linear_on_the_pooled_features(name):
    """A hidden dense layer after global pooling kept every architecture from learning weak
    motifs and their conjunctions (README, Training defaults); AND and AND-NOT of motif
    maxima are linear, so the default head is one linear layer."""
    model = build_model(name, alphabet_size=4, n_outputs=3)
    linear = [m for m in model.head.modules() if isinstance(m, nn.Linear)]
    assert len(linear) == 1 and linear[0].out_features == 3


def test_the_scanner_skip_pools_the_first_layer_beside_the_last():
    torch.manual_seed(0)
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 60)), 4).float().transpose(1, 2)
    dilated = build_model("dilated", alphabet_size=4, n_outputs=2, filters=8, n_dilated=2).eval()
    scanned = dilated.trunk[0](x)
    pooled = torch.cat([scanned.amax(2), dilated.trunk(x).amax(2)], dim=1)  # (N, 16)
    torch.testing.assert_close(dilated(x), dilated.head[-1](pooled))

    lstm = build_model("lstm", alphabet_size=4, n_outputs=2, filters=8, hidden_size=4).eval()
    features = lstm.conv(x)
    states = lstm.lstm(features.transpose(1, 2))[0].transpose(1, 2)
    pooled = torch.cat([features.amax(2), states.amax(2)], dim=1)  # (N, 8 + 2 · 4)
    torch.testing.assert_close(lstm(x), lstm.head[-1](pooled))


def test_the_dilated_blocks_are_pre_activation_and_their_sum_is_never_squashed():
    """Each block adds dropout(conv(ReLU(BN(x)))) to x: the scanners' features pass the blocks
    unchanged where the branches add nothing. After-the-sum activations (``residual: post``)
    made the weak single motif fragile: 0.954 test AUROC against 0.999 (README, Training
    benchmark)."""
    torch.manual_seed(0)
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 60)), 4).float().transpose(1, 2)
    model = build_model("dilated", alphabet_size=4, n_outputs=1, filters=8, n_dilated=3).eval()
    for block in model.trunk[1:]:
        kinds = [type(layer) for layer in block.block]
        assert kinds == [nn.BatchNorm1d, nn.ReLU, nn.Conv1d, nn.Dropout]
    scanned = model.trunk[0](x)
    assert scanned.min() >= 0 and model.trunk(x).min() < 0  # a ReLU after the sum: ≥ 0
    for block in model.trunk[1:]:
        nn.init.zeros_(block.block[2].weight), nn.init.zeros_(block.block[2].bias)
    torch.testing.assert_close(model.trunk(x), scanned)

    post = build_model("dilated", alphabet_size=4, n_outputs=1, filters=8, residual="post")
    assert [type(layer) for layer in post.trunk[1].block] == [
        nn.Conv1d, nn.BatchNorm1d, nn.ReLU, nn.Dropout
    ]  # fmt: skip


@pytest.mark.parametrize(("name", "scanners"), [("cnn", "trunk.0"), ("dilated", "trunk.0"),
                                                ("lstm", "conv")])  # fmt: skip
def test_the_scanners_are_never_dropped(name, scanners):
    """Dropout on the first layer's features hid the weak motif from the LSTM (single-motif
    AUROC 0.966 with it, 0.992 without; README, Training benchmark)."""
    torch.manual_seed(0)
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (8, 200)), 4).float().transpose(1, 2)
    model = build_model(name, alphabet_size=4, n_outputs=2, dropout=0.5).train()
    layer = model.get_submodule(scanners)
    assert not any(isinstance(m, nn.Dropout) for m in layer.modules())
    outputs = [layer(x) for _ in range(2)]  # batch norm in training mode: batch statistics
    torch.testing.assert_close(outputs[0], outputs[1])


@pytest.mark.parametrize(
    ("name", "legacy"),
    [
        ("cnn", {"filters": [128, 128, 128], "kernel_sizes": [15, 5, 5], "dense": [64]}),
        ("dilated", {"dense": [64], "scanner_skip": False, "residual": "post"}),
        ("lstm", {"dense": [64], "scanner_skip": False}),
    ],
)
def test_checkpoints_keep_their_model_when_defaults_change(tmp_path, name, legacy):
    """A checkpoint records every model argument; one written before 0.2 recorded only the
    config's and loads with the defaults it was trained with."""
    common = {"task": "binary", "task_names": ["y"], "length": 50}
    task = SequenceTask(model=complete_model_arguments({"name": name}), **common)
    assert task.hparams.model["dense"] == [] and "activation" in task.hparams.model
    old = SequenceTask(model={"name": name, **legacy}, **common)
    hparams = {**old.hparams, "model": {"name": name}}  # as 0.1 saved a minimal config
    torch.save({"hyper_parameters": hparams, "state_dict": old.state_dict()}, tmp_path / "a.ckpt")
    loaded = load_task(tmp_path / "a.ckpt")
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 50)), 4).float().transpose(1, 2)
    torch.testing.assert_close(loaded(x), old.eval()(x))
