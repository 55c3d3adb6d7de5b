"""Evaluation metrics for the four task types: torchmetrics' functions with missing labels
masked and undefined cases (one class, a constant side) as NaN.

Elementary metrics take two 1-D arrays of the same length ``(N,)`` with no missing values:
:func:`auroc`, :func:`auprc`, :func:`accuracy`, :func:`pearson`, :func:`spearman` and
:func:`r2`. Each returns a plain ``float``, NaN where the metric is undefined (one class only,
no positives, a constant side, no rows).

:func:`task_metrics` evaluates a whole prediction matrix for one task type, masking missing
labels (NaN in the targets) per task, and returns a flat ``{"{task}/{metric}": float}``
dictionary with ``"mean/{metric}"`` averages over tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torchmetrics.functional import pearson_corrcoef, r2_score
from torchmetrics.functional.classification import binary_auroc, binary_average_precision

TASK_TYPES = ("binary", "multilabel", "multiclass", "regression")

#: Probability above which a binary or multi-label prediction counts as positive (strictly,
#: as in torchmetrics).
THRESHOLD = 0.5

Metric = Callable[[np.ndarray, np.ndarray], float]


def _pair(y_true: np.ndarray, y_other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check and convert the two inputs of an elementary metric.

    Parameters
    ----------
    y_true : array-like, shape (N,)
        Targets; must not contain NaN (mask missing labels first).
    y_other : array-like, shape (N,)
        Scores or predictions.

    Returns
    -------
    tuple of numpy.ndarray, float64, shape (N,)
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_other = np.asarray(y_other, dtype=np.float64)
    if y_true.ndim != 1 or y_true.shape != y_other.shape:
        raise ValueError(
            f"expected two 1-D arrays of the same length, got shapes {y_true.shape} "
            f"and {y_other.shape}"
        )
    if np.isnan(y_true).any():
        raise ValueError("y_true contains NaN; mask missing labels before computing a metric")
    return y_true, y_other


def _binary_labels(y_true: np.ndarray) -> np.ndarray:
    """Return 0/1 labels as a boolean array, rejecting any other value.

    Parameters
    ----------
    y_true : numpy.ndarray, shape (N,)

    Returns
    -------
    numpy.ndarray, bool, shape (N,)
    """
    positive = y_true == 1
    if not (positive | (y_true == 0)).all():
        raise ValueError("binary labels must be 0 or 1")
    return positive


def _tensors(*arrays: np.ndarray) -> list[torch.Tensor]:
    return [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)) for a in arrays]


def auroc(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Area under the ROC curve (torchmetrics), tied scores counted as one half.

    Parameters
    ----------
    y_true : array-like, shape (N,)
        Labels, 0 or 1.
    y_score : array-like, shape (N,)
        Scores; higher means more likely positive.

    Returns
    -------
    float
        NaN if only one class is present.
    """
    y_true, y_score = _pair(y_true, y_score)
    positive = _binary_labels(y_true)
    if positive.all() or not positive.any():
        return float("nan")
    score, target = _tensors(y_score, positive)
    return float(binary_auroc(score, target.long(), thresholds=None))


def auprc(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Average precision (torchmetrics): the step-wise area under the precision–recall curve,
    tied scores entering together, as in ``sklearn.metrics.average_precision_score``.

    Parameters
    ----------
    y_true : array-like, shape (N,)
        Labels, 0 or 1.
    y_score : array-like, shape (N,)
        Scores; higher means more likely positive.

    Returns
    -------
    float
        NaN if there are no positives.
    """
    y_true, y_score = _pair(y_true, y_score)
    positive = _binary_labels(y_true)
    if not positive.any():
        return float("nan")
    score, target = _tensors(y_score, positive)
    return float(binary_average_precision(score, target.long(), thresholds=None))


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of predictions equal to the targets.

    Parameters
    ----------
    y_true : array-like, shape (N,)
        Labels (class indices, or 0/1).
    y_pred : array-like, shape (N,)
        Predicted labels, in the same coding.

    Returns
    -------
    float
        NaN if there are no rows.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.size == 0:
        return float("nan")
    return float(np.mean(y_true == y_pred))


def _is_constant(x: np.ndarray) -> bool:
    """Whether all values of ``x`` (shape ``(N,)``) are equal; true for ``N == 0``."""
    return bool(x.size == 0 or (x == x[0]).all())


def pearson(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Pearson correlation coefficient (torchmetrics).

    Parameters
    ----------
    y_true : array-like, shape (N,)
    y_pred : array-like, shape (N,)

    Returns
    -------
    float
        In [-1, 1]; NaN if either side is constant (or N < 2).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if _is_constant(y_true) or _is_constant(y_pred):
        return float("nan")
    prediction, target = _tensors(y_pred, y_true)
    return float(pearson_corrcoef(prediction, target).clamp(-1.0, 1.0))


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Rank values from 1, giving tied values the average of the ranks they span.

    Parameters
    ----------
    x : array-like, shape (N,)

    Returns
    -------
    numpy.ndarray, float64, shape (N,)
        ``ranks[i]`` is the (average) rank of ``x[i]``; ``[10, 20, 20, 30]`` gives
        ``[1, 2.5, 2.5, 4]``.
    """
    _, inverse, counts = np.unique(np.ravel(x), return_inverse=True, return_counts=True)
    last = np.cumsum(counts)
    first = last - counts + 1
    return ((first + last) / 2.0)[inverse]


def spearman(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Spearman rank correlation: the Pearson correlation of the average ranks (exact, where
    torchmetrics' version works in float32 and adds an epsilon).

    Parameters
    ----------
    y_true : array-like, shape (N,)
    y_pred : array-like, shape (N,)

    Returns
    -------
    float
        In [-1, 1]; NaN if either side is constant (or N < 2).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if _is_constant(y_true) or _is_constant(y_pred):
        return float("nan")
    return pearson(average_ranks(y_true), average_ranks(y_pred))


def r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination, ``1 - SS_res / SS_tot`` (torchmetrics).

    Parameters
    ----------
    y_true : array-like, shape (N,)
    y_pred : array-like, shape (N,)

    Returns
    -------
    float
        1 for a perfect prediction, 0 for predicting the mean, negative when worse; NaN if
        ``y_true`` is constant.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if _is_constant(y_true):
        return float("nan")
    prediction, target = _tensors(y_pred, y_true)
    return float(r2_score(prediction, target))


def _thresholded_accuracy(y_true: np.ndarray, y_prob: np.ndarray) -> float:
    """Accuracy of 0/1 labels ``(N,)`` against probabilities ``(N,)`` above :data:`THRESHOLD`."""
    return accuracy(y_true, np.asarray(y_prob) > THRESHOLD)


_COLUMN_METRICS: dict[str, dict[str, Metric]] = {
    "binary": {"auroc": auroc, "auprc": auprc, "accuracy": _thresholded_accuracy},
    "regression": {"pearson": pearson, "spearman": spearman, "r2": r2},
}
_COLUMN_METRICS["multilabel"] = _COLUMN_METRICS["binary"]
METRICS = {task: tuple(_COLUMN_METRICS[task]) for task in _COLUMN_METRICS}
METRICS["multiclass"] = METRICS["binary"]
METRICS["profile"] = METRICS["binned"] = (
    "count_pearson", "count_spearman", "profile_pearson", "jsd", "mnll",
)  # fmt: skip
"""The metric names logged for each task type (coverage: :mod:`seqmodels.profiles`)."""
LOWER_IS_BETTER = ("loss", "jsd", "mnll")
"""Metrics to minimise."""


def _nanmean(values: Sequence[float]) -> float:
    """Mean of the non-NaN values; NaN (without a warning) if there are none."""
    values = np.asarray(values, dtype=np.float64)
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else float("nan")


def _column_metrics(
    targets: np.ndarray, predictions: np.ndarray, metrics: dict[str, Metric]
) -> list[dict[str, float]]:
    """Apply each metric to each task column over the rows where its target is known.

    Parameters
    ----------
    targets : numpy.ndarray, shape (N, T)
        NaN marks a missing label.
    predictions : numpy.ndarray, shape (N, T)
    metrics : dict of str to callable
        Metric name to ``f(y_true, y_pred) -> float``.

    Returns
    -------
    list of dict, length T
        One ``{metric: value}`` per task.
    """
    results = []
    for y, p in zip(targets.T, predictions.T, strict=True):
        known = ~np.isnan(y)
        results.append({name: fn(y[known], p[known]) for name, fn in metrics.items()})
    return results


def _multiclass_metrics(targets: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    """Macro one-vs-rest AUROC and AUPRC, and accuracy (argmax), for one class label.

    Parameters
    ----------
    targets : numpy.ndarray, shape (N, 1)
        Class indices 0..K-1; NaN marks a missing row.
    predictions : numpy.ndarray, shape (N, K)
        Class probabilities.

    Returns
    -------
    dict
        ``auroc``, ``auprc`` and ``accuracy``; the macro averages leave out classes whose
        one-vs-rest metric is NaN (a class absent from the known rows).
    """
    n_classes = predictions.shape[1]
    known = ~np.isnan(targets[:, 0])
    y = targets[known, 0]
    probs = predictions[known]
    if not np.isin(y, np.arange(n_classes)).all():
        raise ValueError(f"multiclass targets must be class indices 0..{n_classes - 1}")
    one_vs_rest = [(y == k, probs[:, k]) for k in range(n_classes)]
    return {
        "auroc": _nanmean([auroc(is_k, score) for is_k, score in one_vs_rest]),
        "auprc": _nanmean([auprc(is_k, score) for is_k, score in one_vs_rest]),
        "accuracy": accuracy(y, np.argmax(probs, axis=1)),
    }


def _check_shapes(
    task: str, targets: np.ndarray, predictions: np.ndarray, task_names: Sequence[str]
) -> None:
    """Raise ValueError unless the arrays and names agree with the task type's contract."""
    if targets.ndim != 2 or predictions.ndim != 2 or len(targets) != len(predictions):
        raise ValueError(
            f"expected 2-D targets and predictions with the same number of rows, got shapes "
            f"{targets.shape} and {predictions.shape}"
        )
    n_columns = 1 if task == "multiclass" else predictions.shape[1]
    if targets.shape[1] != n_columns or len(task_names) != n_columns:
        raise ValueError(
            f"{task}: targets of shape {targets.shape} and {len(task_names)} task names do "
            f"not fit predictions of shape {predictions.shape}"
        )


def task_metrics(
    task: str, targets: np.ndarray, predictions: np.ndarray, task_names: list[str]
) -> dict[str, float]:
    """All metrics of a task type, per task and averaged over tasks.

    Parameters
    ----------
    task : {"binary", "multilabel", "multiclass", "regression"}
        The task type.
    targets : numpy.ndarray, shape (N, T), or (N, 1) for multiclass
        Labels (0/1 for binary and multi-label, class indices 0..K-1 for multiclass, values
        for regression); NaN marks a missing label, left out of that task's metrics.
    predictions : numpy.ndarray, shape (N, T), or (N, K) for multiclass
        Probabilities (binary, multi-label), class probabilities (multiclass) or values
        (regression).
    task_names : list of str, length T (one name for multiclass)
        Names of the target columns.

    Returns
    -------
    dict of str to float
        ``"{name}/{metric}"`` for each task and ``"mean/{metric}"``, the mean over tasks of
        the non-NaN values (NaN if none). Metrics: ``auroc``, ``auprc`` and ``accuracy``
        (probability above 0.5, or argmax for multiclass, whose AUROC and AUPRC are macro
        averages of one-vs-rest); ``pearson``, ``spearman`` and ``r2`` for regression.

    Raises
    ------
    ValueError
        For an unknown task type or shapes that do not fit it.
    """
    if task not in TASK_TYPES:
        raise ValueError(f"unknown task type {task!r}; expected one of {TASK_TYPES}")
    targets = np.asarray(targets, dtype=np.float64)
    predictions = np.asarray(predictions, dtype=np.float64)
    _check_shapes(task, targets, predictions, task_names)
    if task == "multiclass":
        per_task = [_multiclass_metrics(targets, predictions)]
    else:
        per_task = _column_metrics(targets, predictions, _COLUMN_METRICS[task])
    result = {
        f"{name}/{metric}": value
        for name, values in zip(task_names, per_task, strict=True)
        for metric, value in values.items()
    }
    # Multiclass reports the same metric names as binary; T = 0 still gets the mean keys.
    for metric in _COLUMN_METRICS["binary" if task == "multiclass" else task]:
        result[f"mean/{metric}"] = _nanmean([values[metric] for values in per_task])
    return result
