import math

import pytest
import torch
from torch import nn

from seqmodels import one_hot_encode
from seqmodels.task import SequenceTask, masked_loss


def hand_set_task(**kwargs) -> SequenceTask:
    """logit = 2 · (fraction of A) − 1: a one-filter CNN with weights set by hand."""
    task = SequenceTask(
        model={
            "name": "cnn",
            "filters": [1],
            "kernel_sizes": [1],
            "batch_norm": False,
            "dropout": 0.0,
            "global_pool": "avg",
            "dense": [],
        },
        task="binary",
        task_names=["y"],
        length=4,
        **kwargs,
    )
    conv, linear = task.model.trunk[0][0], task.model.head[-1]
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[1.0], [0.0], [0.0], [0.0]]]))
        conv.bias.zero_()
        linear.weight.fill_(2.0)
        linear.bias.fill_(-1.0)
    return task


def bce(logit: float, label: float, pos_weight: float = 1.0) -> float:
    p = 1 / (1 + math.exp(-logit))
    return -(pos_weight * label * math.log(p) + (1 - label) * math.log(1 - p))


def test_exact_loss_with_hand_set_weights():
    task = hand_set_task()
    x = one_hot_encode(["AAAA", "AACC", "CCCC"])  # logits 1, 0, -1
    y = torch.tensor([[1.0], [0.0], [1.0]])
    expected = (bce(1, 1) + bce(0, 0) + bce(-1, 1)) / 3
    assert task.loss(task(x), y).item() == pytest.approx(expected, rel=1e-6)
    probabilities = task.predict_outputs(x).squeeze().tolist()
    assert probabilities == pytest.approx([1 / (1 + math.exp(-v)) for v in (1, 0, -1)])


def test_positive_weight_scales_positive_terms_only():
    task = hand_set_task(pos_weight=[3.0])
    x = one_hot_encode(["AAAA", "AACC"])
    y = torch.tensor([[1.0], [0.0]])
    expected = (bce(1, 1, 3.0) + bce(0, 0)) / 2
    assert task.loss(task(x), y).item() == pytest.approx(expected, rel=1e-6)


def test_missing_labels_are_masked_out():
    raw = torch.tensor([[0.3, -1.0], [2.0, 0.5], [-0.7, 1.5]])
    y = torch.tensor([[1.0, float("nan")], [0.0, 1.0], [float("nan"), 0.0]])
    present = ~torch.isnan(y)
    expected = nn.functional.binary_cross_entropy_with_logits(raw[present], y[present])
    assert masked_loss(raw, y, "multilabel").item() == pytest.approx(expected.item(), rel=1e-6)


def test_multiclass_and_regression_losses():
    raw = torch.tensor([[2.0, 0.0, -1.0], [0.1, 0.2, 0.3], [1.0, 1.0, 1.0]])
    y = torch.tensor([[0.0], [float("nan")], [2.0]])
    expected = nn.functional.cross_entropy(raw[[0, 2]], torch.tensor([0, 2]))
    assert masked_loss(raw, y, "multiclass").item() == pytest.approx(expected.item())

    values = torch.tensor([[1.0], [2.0], [0.5]])
    target = torch.tensor([[2.0], [float("nan")], [0.5]])
    assert masked_loss(values, target, "regression").item() == pytest.approx(0.5)
    poisson = (math.exp(1.0) - 2.0 * 1.0 + math.exp(0.5) - 0.5 * 0.5) / 2
    loss = masked_loss(values, target, "regression", regression_loss="poisson")
    assert loss.item() == pytest.approx(poisson, rel=1e-6)
    far = torch.tensor([[5.0], [0.0], [0.5]])  # errors 3 (linear part) and 0
    huber = masked_loss(far, target, "regression", regression_loss="huber")
    assert huber.item() == pytest.approx((3 - 0.5) / 2)  # MSE would be 4.5


def test_reverse_complement_averaging_is_strand_symmetric():
    task = SequenceTask(
        model={"name": "cnn", "filters": [4], "kernel_sizes": [3], "dense": []},
        task="binary",
        task_names=["y"],
        length=8,
        rc_average=True,
    ).eval()
    x = one_hot_encode(["AACGTTGA", "TCAACGTT"])  # the second is the first reverse-complemented
    out = task.predict_outputs(x)
    assert out[0].item() == pytest.approx(out[1].item(), rel=1e-6)
