"""Metrics against hand-computed values, scikit-learn and scipy; NaN masking in task_metrics."""

import json
import math

import numpy as np
import pytest

from seqmodels.metrics import (
    TASK_TYPES,
    accuracy,
    auprc,
    auroc,
    average_ranks,
    pearson,
    r2,
    spearman,
    task_metrics,
)

NAN = float("nan")


def _tied_scores(rng: np.random.Generator, n: int) -> np.ndarray:
    """Scores on a coarse grid so that many are tied, shape (n,)."""
    return rng.integers(0, 8, size=n) / 8.0


# --------------------------------------------------------------------------- ranks


def test_average_ranks_give_ties_the_mean_of_their_ranks():
    np.testing.assert_array_equal(average_ranks([10, 20, 20, 30]), [1, 2.5, 2.5, 4])
    np.testing.assert_array_equal(average_ranks([3, 1, 3, 2, 3]), [4, 1, 4, 2, 4])


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("y", "s", "expected"),
    [
        ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.75),
        ([0, 0, 1, 1], [0.2, 0.5, 0.5, 0.9], 3.5 / 4),  # one positive–negative tie counts ½
        ([0, 1], [0.5, 0.5], 0.5),
        ([0, 0, 1], [0.1, 0.2, 0.3], 1.0),
        ([1, 1, 0], [0.1, 0.2, 0.3], 0.0),
    ],
)
def test_auroc_hand_values(y, s, expected):
    assert auroc(np.array(y), np.array(s)) == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize(
    ("y", "s", "expected"),
    [
        ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5 * 1 + 0.5 * 2 / 3),
        # The tie at 0.9 enters as one threshold: (R, P) = (½, ½) then (1, ⅔).
        ([1, 0, 1, 0], [0.9, 0.9, 0.5, 0.1], 0.5 * 0.5 + 0.5 * 2 / 3),
        ([1, 1, 0], [0.5, 0.5, 0.5], 2 / 3),
        ([1, 1, 0], [0.9, 0.8, 0.1], 1.0),
    ],
)
def test_auprc_hand_values(y, s, expected):
    assert auprc(np.array(y), np.array(s)) == pytest.approx(expected, abs=1e-7)


def test_undefined_classification_metrics_are_nan():
    assert math.isnan(auroc(np.ones(4), np.arange(4.0)))
    assert math.isnan(auroc(np.zeros(4), np.arange(4.0)))
    assert math.isnan(auroc(np.zeros(0), np.zeros(0)))
    assert math.isnan(auprc(np.zeros(4), np.arange(4.0)))
    assert auprc(np.ones(4), np.arange(4.0)) == 1.0


def test_classification_metrics_match_sklearn_with_ties():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for n in (2, 7, 50, 400):
        y = rng.integers(0, 2, size=n)
        y[:2] = [0, 1]  # both classes present
        s = _tied_scores(rng, n)
        # torchmetrics builds the curves in float32
        assert auroc(y, s) == pytest.approx(metrics.roc_auc_score(y, s), abs=1e-7)
        assert auprc(y, s) == pytest.approx(metrics.average_precision_score(y, s), abs=1e-7)


def test_multiclass_macro_auroc_matches_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    y = np.tile(np.arange(4), 25)
    counts = rng.integers(1, 4, size=(y.size, 4))  # coarse probabilities: many ties
    probs = counts / counts.sum(axis=1, keepdims=True)
    expected = metrics.roc_auc_score(y, probs, multi_class="ovr", average="macro")
    result = task_metrics("multiclass", y[:, None].astype(float), probs, ["label"])
    assert result["label/auroc"] == pytest.approx(expected, abs=1e-7)


def test_accuracy_counts_matches():
    assert accuracy(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2])) == 0.75
    assert math.isnan(accuracy(np.zeros(0), np.zeros(0)))


@pytest.mark.parametrize(
    ("y", "s"),
    [
        ([0, 1], [0.1, 0.2, 0.3]),  # lengths differ
        ([[0, 1]], [[0.1, 0.2]]),  # not 1-D
        ([0, NAN], [0.1, 0.2]),  # missing labels not masked
        ([0, 2], [0.1, 0.2]),  # not 0/1
    ],
)
def test_bad_classification_input_raises(y, s):
    with pytest.raises(ValueError):
        auroc(np.array(y), np.array(s))


# --------------------------------------------------------------------------- regression


def test_pearson_and_spearman_hand_values():
    x = np.array([1.0, 2.0, 3.0])
    assert pearson(x, np.array([1.0, 2.0, 4.0])) == pytest.approx(9 / math.sqrt(84))
    assert spearman(x, np.array([1.0, 2.0, 4.0])) == pytest.approx(1.0)
    assert pearson(x, 2 * x + 1) == pytest.approx(1.0)
    assert pearson(x, -x) == pytest.approx(-1.0)
    # Ranks [1, 2.5, 2.5, 4] against [1, 3, 2, 4]: r = 4.5 / sqrt(4.5 * 5).
    tied = spearman(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0, 4.0]))
    assert tied == pytest.approx(3 / math.sqrt(10))


def test_correlations_are_nan_for_a_constant_side():
    x = np.array([1.0, 2.0, 3.0])
    c = np.full(3, 0.1)
    for fn in (pearson, spearman):
        assert math.isnan(fn(x, c))
        assert math.isnan(fn(c, x))
        assert math.isnan(fn(x[:1], x[:1]))


def test_correlations_match_scipy_with_ties():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    x = rng.integers(0, 10, size=300).astype(float)
    y = x + rng.integers(0, 6, size=300)
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    np.testing.assert_allclose(average_ranks(x), stats.rankdata(x), atol=0)


def test_r2_values():
    y = np.array([1.0, 2.0, 3.0, 6.0])
    assert r2(y, y) == 1.0
    assert r2(y, np.full(4, y.mean())) == pytest.approx(0.0, abs=1e-15)
    assert r2(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 2.0])) == pytest.approx(0.5)
    assert r2(y, -y) < 0
    assert math.isnan(r2(np.ones(3), np.arange(3.0)))


# --------------------------------------------------------------------------- task_metrics


def test_binary_masks_missing_labels_and_excludes_nan_tasks_from_mean():
    targets = np.array(
        [[0, 1, NAN], [NAN, 1, NAN], [1, 1, 1], [1, NAN, NAN], [0, 1, NAN]], dtype=float
    )
    preds = np.array(
        [[0.2, 0.9, 0.1], [0.99, 0.1, 0.5], [0.5, 0.8, 0.7], [0.7, 0.3, 0.2], [0.6, 0.6, 0.4]]
    )
    result = task_metrics("binary", targets, preds, ["a", "b", "c"])

    # Task a keeps rows (0, .2) (1, .5) (1, .7) (0, .6); a probability of exactly 0.5 is
    # negative. Task b has one class, task c a single positive row.
    known = ~np.isnan(targets[:, 0])
    assert result["a/auroc"] == auroc(targets[known, 0], preds[known, 0]) == 0.75
    assert result["a/auprc"] == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert result["a/accuracy"] == 0.5
    assert math.isnan(result["b/auroc"])
    assert result["b/accuracy"] == 0.75
    assert math.isnan(result["c/auroc"])
    assert result["c/auprc"] == 1.0
    assert result["mean/auroc"] == 0.75
    assert result["mean/auprc"] == pytest.approx((0.5 + 0.5 * 2 / 3 + 1.0 + 1.0) / 3)
    assert result["mean/accuracy"] == pytest.approx((0.5 + 0.75 + 1.0) / 3)


def test_mean_is_nan_when_every_task_is_nan():
    targets = np.array([[1.0, NAN], [1.0, NAN]])
    result = task_metrics("multilabel", targets, np.full((2, 2), 0.3), ["a", "b"])
    assert math.isnan(result["mean/auroc"])
    assert math.isnan(result["b/accuracy"])
    assert result["mean/accuracy"] == 0.0


def test_multiclass_hand_example_ignores_missing_rows():
    targets = np.array([[0], [0], [1], [1], [2], [2], [NAN]], dtype=float)
    preds = np.array(
        [
            [0.6, 0.3, 0.1],
            [0.2, 0.5, 0.3],
            [0.3, 0.4, 0.3],
            [0.1, 0.8, 0.1],
            [0.2, 0.2, 0.6],
            [0.5, 0.1, 0.4],
            [0.0, 0.0, 1.0],  # missing label: must not count
        ]
    )
    result = task_metrics("multiclass", targets, preds, ["cell_type"])
    # One-vs-rest AUROC: class 0 = 5.5/8 (one tie at 0.2), class 1 = 7/8, class 2 = 8/8.
    macro = (5.5 / 8 + 7 / 8 + 1.0) / 3
    assert result["cell_type/accuracy"] == pytest.approx(4 / 6)
    assert result["cell_type/auroc"] == pytest.approx(macro)
    for metric in ("accuracy", "auroc", "auprc"):
        assert result[f"mean/{metric}"] == result[f"cell_type/{metric}"]


def test_multiclass_macro_leaves_out_an_absent_class():
    targets = np.array([[0.0], [0.0], [1.0], [1.0]])
    preds = np.array([[0.9, 0.1, 0.0], [0.6, 0.4, 0.0], [0.4, 0.6, 0.0], [0.2, 0.7, 0.1]])
    result = task_metrics("multiclass", targets, preds, ["y"])
    assert result["y/auroc"] == 1.0
    assert result["y/accuracy"] == 1.0


def test_regression_masks_missing_targets():
    rng = np.random.default_rng(3)
    targets = rng.normal(size=(40, 2))
    preds = targets + rng.normal(scale=0.5, size=(40, 2))
    targets[::3, 1] = NAN
    result = task_metrics("regression", targets, preds, ["x", "y"])
    known = ~np.isnan(targets[:, 1])
    for name, fn in (("pearson", pearson), ("spearman", spearman), ("r2", r2)):
        assert result[f"x/{name}"] == fn(targets[:, 0], preds[:, 0])
        assert result[f"y/{name}"] == fn(targets[known, 1], preds[known, 1])
        assert result[f"mean/{name}"] == pytest.approx(
            (result[f"x/{name}"] + result[f"y/{name}"]) / 2
        )


@pytest.mark.parametrize("task", TASK_TYPES)
def test_values_are_plain_json_floats(task):
    rng = np.random.default_rng(4)
    targets = rng.integers(0, 3 if task == "multiclass" else 2, size=(20, 1)).astype(float)
    preds = rng.dirichlet(np.ones(3), size=20) if task == "multiclass" else rng.random((20, 1))
    result = task_metrics(task, targets, preds, ["t"])
    assert all(type(value) is float for value in result.values())
    json.dumps(result)


def test_unknown_task_and_bad_shapes_raise():
    with pytest.raises(ValueError, match="unknown task type"):
        task_metrics("ranking", np.zeros((2, 1)), np.zeros((2, 1)), ["t"])
    with pytest.raises(ValueError):
        task_metrics("binary", np.zeros((2, 2)), np.zeros((2, 2)), ["only_one"])
    with pytest.raises(ValueError):
        task_metrics("multiclass", np.zeros((2, 1)), np.zeros((3, 3)), ["t"])
    with pytest.raises(ValueError, match="class indices"):
        task_metrics("multiclass", np.array([[0.0], [3.0]]), np.zeros((2, 3)), ["t"])
