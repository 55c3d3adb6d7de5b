"""Coverage profiles: BPNet's loss, the predicted coverage, and the metrics the field reports.

A profile model gives, for each record, logits over the ``(K, P)`` positions of its coverage
tracks (a task's strands side by side) and each task's log(1 + total count). A task's
predicted profile is the softmax of its logits over all of its strands and positions at once,
times its predicted total. Binned models give each bin's log rate instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.nn import functional as F

from seqmodels.metrics import pearson, spearman


def task_slices(strands: Sequence[int]) -> list[slice]:
    """The tracks of each task in a ``(K, P)`` profile."""
    ends = np.cumsum(strands)
    return [slice(int(e - n), int(e)) for e, n in zip(ends, strands, strict=True)]


def profile_loss(
    logits: torch.Tensor,
    log_counts: torch.Tensor,
    profiles: torch.Tensor,
    strands: Sequence[int],
    *,
    count_weight: float,
) -> torch.Tensor:
    """BPNet's loss: the multinomial negative log-likelihood of each task's observed profile
    under its predicted probabilities (the multinomial coefficient, constant, left out), plus
    ``count_weight`` times the squared error of its log(1 + total count); summed over tasks,
    averaged over records.

    Parameters
    ----------
    logits : torch.Tensor, shape (N, K, P)
    log_counts : torch.Tensor, shape (N, T)
    profiles : torch.Tensor, shape (N, K, P)
        Observed coverage.
    """
    logits, log_counts = logits.float(), log_counts.float()
    loss = logits.new_zeros(())
    for t, tracks in enumerate(task_slices(strands)):
        observed = profiles[:, tracks].flatten(1)
        log_probs = F.log_softmax(logits[:, tracks].flatten(1), dim=-1)
        mnll = -(observed * log_probs).sum(dim=-1)
        count_error = (log_counts[:, t] - torch.log1p(observed.sum(dim=-1))) ** 2
        loss = loss + (mnll + count_weight * count_error).mean()
    return loss


def binned_loss(log_rates: torch.Tensor, counts: torch.Tensor, *, poisson: bool) -> torch.Tensor:
    """Poisson negative log-likelihood of each bin's count given its log rate, or the squared
    error on log(1 + count); averaged over bins and records."""
    log_rates = log_rates.float()
    if poisson:
        return F.poisson_nll_loss(log_rates, counts, log_input=True, full=False)
    return ((log_rates - torch.log1p(counts)) ** 2).mean()


def total_counts(log_counts: torch.Tensor) -> torch.Tensor:
    """Counts from predicted log(1 + count): ``exp(log_counts) − 1``, and 0 where a
    prediction falls below log 1 (a count cannot be negative)."""
    return torch.expm1(log_counts.float().clamp(min=0))


def predicted_coverage(
    logits: torch.Tensor, log_counts: torch.Tensor, strands: Sequence[int]
) -> torch.Tensor:
    """Expected coverage ``(N, K, P)``: each task's softmax over its strands and positions
    times its predicted total count (:func:`total_counts`)."""
    coverage = torch.empty_like(logits, dtype=torch.float32)
    for t, tracks in enumerate(task_slices(strands)):
        task = logits[:, tracks].float()
        probs = F.softmax(task.flatten(1), dim=-1).view_as(task)
        coverage[:, tracks] = probs * total_counts(log_counts[:, t])[:, None, None]
    return coverage


def profile_metrics(
    profiles: np.ndarray,
    logits: np.ndarray,
    log_counts: np.ndarray,
    strands: Sequence[int],
    task_names: Sequence[str],
) -> dict[str, float]:
    """Per task and averaged: ``count_pearson`` and ``count_spearman`` (log(1 + total) against
    the predicted log count), ``profile_pearson`` (each record's observed profile against its
    predicted probabilities, averaged over the records with coverage), ``jsd`` (their
    Jensen–Shannon distance, natural log, as ``scipy.spatial.distance.jensenshannon``) and
    ``mnll`` (each record's multinomial negative log-likelihood, coefficient included).

    Parameters
    ----------
    profiles, logits : numpy.ndarray, shape (N, K, P)
    log_counts : numpy.ndarray, shape (N, T)
    """
    result: dict[str, float] = {}
    per_task = []
    for t, (name, tracks) in enumerate(zip(task_names, task_slices(strands), strict=True)):
        observed = np.asarray(profiles[:, tracks], dtype=np.float64).reshape(len(profiles), -1)
        task_logits = np.asarray(logits[:, tracks], dtype=np.float64).reshape(len(profiles), -1)
        log_probs = task_logits - _logsumexp(task_logits)
        totals = observed.sum(axis=1)
        covered = np.flatnonzero(totals > 0)
        values = {
            "count_pearson": pearson(np.log1p(totals), log_counts[:, t]),
            "count_spearman": spearman(np.log1p(totals), log_counts[:, t]),
            "profile_pearson": _mean(_row_pearson(observed[covered], np.exp(log_probs[covered]))),
            "jsd": _mean(
                _jensen_shannon(
                    observed[covered] / totals[covered, None], np.exp(log_probs[covered])
                )
            ),
            "mnll": float(np.mean(_mnll(observed, log_probs))) if len(observed) else float("nan"),
        }
        per_task.append(values)
        result.update({f"{name}/{metric}": value for metric, value in values.items()})
    for metric in ("count_pearson", "count_spearman", "profile_pearson", "jsd", "mnll"):
        result[f"mean/{metric}"] = _mean(values[metric] for values in per_task)
    return result


def _logsumexp(x: np.ndarray) -> np.ndarray:
    top = x.max(axis=1, keepdims=True)
    return top + np.log(np.exp(x - top).sum(axis=1, keepdims=True))


def _mnll(observed: np.ndarray, log_probs: np.ndarray) -> np.ndarray:
    """Multinomial negative log-likelihood of each row's counts, ``(N,)``."""
    counts = torch.from_numpy(observed)
    coefficient = (
        torch.lgamma(counts.sum(dim=1) + 1) - torch.lgamma(counts + 1).sum(dim=1)
    ).numpy()
    return -(coefficient + (observed * log_probs).sum(axis=1))


def _row_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``a`` with the same row of ``b``, ``(N,)``; NaN
    where a row is constant."""
    a, b = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    scale = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, (a * b).sum(axis=1) / scale, np.nan)


def _jensen_shannon(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen–Shannon distance (natural log) between each row of ``p`` and of ``q``."""
    m = (p + q) / 2
    divergence = (_kl(p, m) + _kl(q, m)) / 2
    return np.sqrt(np.clip(divergence, 0.0, None))


def _kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(p > 0, p * np.log(p / q), 0.0)
    return terms.sum(axis=1)


def _mean(values) -> float:
    finite = np.asarray(list(values), dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if len(finite) else float("nan")
