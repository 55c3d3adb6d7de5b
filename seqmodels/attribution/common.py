"""What the attribution methods share: targets, blocks of sequences on the device with a
progress bar, and the loop of the reference methods (integrated gradients, DeepLIFT,
DeepLIFT-SHAP) from multipliers to attributions and convergence deltas."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from seqmodels.attribution.multipliers import Multipliers
from seqmodels.attribution.references import make_references
from seqmodels.devices import default_device, model_on

BLOCK = 256
"""Sequences moved to the device (and given their references) together."""

Target = int | Sequence[int] | str
"""An output index, several, or ``"all"``."""


@contextlib.contextmanager
def prepared(model: nn.Module, X: torch.Tensor, target: Target, device):
    """The model in eval mode on the device without parameter gradients (restored
    afterwards), the device and the list of target indices."""
    device = default_device(device)
    with model_on(model, device):
        yield device, target_list(model, X, target, device)


def target_list(model: nn.Module, X: torch.Tensor, target: Target, device) -> list[int]:
    """``target`` as a list of output indices (``"all"``: every output), each checked."""
    with torch.no_grad():
        n_outputs = model(X[:1].to(device)).shape[1]
    if target == "all":
        return list(range(n_outputs))
    targets = [target] if isinstance(target, int) else list(target)
    for t in targets:
        if not isinstance(t, int) or not -n_outputs <= t < n_outputs:
            raise IndexError(f"target {t!r} out of range for a model with {n_outputs} outputs")
    return [t % n_outputs for t in targets]


def blocks(X: torch.Tensor, device, *, verbose: bool) -> Iterator[tuple[slice, torch.Tensor]]:
    """``BLOCK`` sequences of ``X`` at a time, on the device, with a progress bar."""
    bar = tqdm(total=len(X), disable=not verbose, unit="seq")
    with bar:
        for start in range(0, len(X), BLOCK):
            rows = slice(start, start + BLOCK)
            yield rows, X[rows].to(device)
            bar.update(len(X[rows]))


def shaped(result: torch.Tensor, target: Target) -> torch.Tensor:
    """``(N, T, A, L)`` results as ``(N, A, L)`` for a single integer target."""
    return result[:, 0] if isinstance(target, int) else result


def against_references(
    model: nn.Module,
    X: torch.Tensor,
    compute: Callable[..., Multipliers],
    *,
    check: Callable[[nn.Module, int, int], None] | None = None,
    target: Target,
    references: str | torch.Tensor,
    n_references: int,
    hypothetical: bool,
    return_deltas: bool,
    tolerance: float,
    names: Sequence[str] | None,
    batch_size: int,
    device,
    random_state,
    verbose: bool,
):
    """Attributions of ``X`` ``(N, A, L)`` against ``n_references`` references each
    (:func:`~seqmodels.attribution.references.make_references`), averaged, from the multipliers
    that ``compute(model, x, references, targets)`` gives each pass (a
    :class:`~seqmodels.attribution.multipliers.Multipliers`). A pass takes ``batch_size``
    pairs, a sequence's references together where they fit; ``check(model, A, L)`` runs
    first, on the device. Returns ``(N, A, L)`` or ``(N, T, A, L)`` (:func:`shaped`), with
    the deltas ``(N, R)`` or ``(N, R, T)`` when ``return_deltas``."""
    results, all_deltas = [], []
    with prepared(model, X, target, device) as (device, targets):
        if check is not None:
            check(model, *X.shape[1:])
        for rows, block in blocks(X, device, verbose=verbose):
            given = references[rows] if _per_sequence(references) else references
            refs = make_references(block, given, n=n_references, random_state=random_state)
            n, r = refs.shape[:2]
            total = block.new_zeros(n, len(targets), *block.shape[1:])
            deltas = block.new_empty(n, r, len(targets))
            for seqs, pairs in _chunks(n, r, batch_size):
                x, ref = block[seqs], refs[seqs, pairs]
                found = compute(model, x, ref, targets)
                total[seqs] += _summed(x, ref, found.multipliers, hypothetical=hypothetical)
                difference = found.x_out[:, None] - found.ref_out
                deltas[seqs, pairs] = _deltas(x, ref, found.multipliers, difference)
            results.append((total / r).cpu())
            all_deltas.append(deltas.cpu())
    deltas = torch.cat(all_deltas)
    warn_on_deltas(deltas, tolerance, names)
    result = shaped(torch.cat(results), target)
    if not return_deltas:
        return result
    return result, (deltas[..., 0] if isinstance(target, int) else deltas)


def n_references(references: str | torch.Tensor, n_shuffles: int | None, *, default: int) -> int:
    """References per sequence: ``n_shuffles`` (or ``default``) shuffles, the given tensor's
    (``(N, R, A, L)``: R), else one; ``n_shuffles`` goes with shuffles only."""
    if isinstance(references, str) and references == "shuffle":
        return default if n_shuffles is None else n_shuffles
    if n_shuffles is not None:
        raise TypeError("n_shuffles goes with references='shuffle' only")
    if isinstance(references, torch.Tensor) and references.dim() == 4:
        return references.shape[1]
    return 1


def _per_sequence(references) -> bool:
    return isinstance(references, torch.Tensor) and references.dim() > 2


def _chunks(n: int, r: int, batch_size: int) -> Iterator[tuple[slice, slice]]:
    """Sequences and references of each pass: whole sequences with all their references where
    ``batch_size`` pairs hold them (as many as make about ``batch_size`` pairs), else one
    sequence's references ``batch_size`` at a time."""
    if batch_size >= r:
        step = round(batch_size / r)
        for start in range(0, n, step):
            yield slice(start, start + step), slice(None)
        return
    for i in range(n):
        for start in range(0, r, batch_size):
            yield slice(i, i + 1), slice(start, start + batch_size)


def _summed(x, references, multipliers, *, hypothetical: bool) -> torch.Tensor:
    """Attributions ``(u, T, A, L)`` summed over the references, from the multipliers
    ``(u, r, T, A, L)`` of each input ``x`` ``(u, A, L)`` against its references
    ``(u, r, A, L)``: ``(x − x′) · m``, or with ``hypothetical`` the contribution each symbol
    would make at each position, ``(e_a − x′) · m = m_a − Σ_b x′_b m_b``."""
    references = references.unsqueeze(2)  # (u, r, 1, A, L)
    if hypothetical:
        result = multipliers - (references * multipliers).sum(dim=3, keepdim=True)
    else:
        result = (x[:, None, None] - references) * multipliers
    return result.sum(dim=1)


def _deltas(x, references, multipliers, difference) -> torch.Tensor:
    """Convergence deltas ``(u, r, T)``: each pair's attributions summed minus its output
    difference ``(u, r, T)``, relative to ``max(|difference|, 1)``."""
    summed = ((x[:, None, None] - references.unsqueeze(2)) * multipliers).sum(dim=(3, 4))
    return (summed - difference) / difference.abs().clamp(min=1.0)


def warn_on_deltas(deltas: torch.Tensor, tolerance: float, names: Sequence[str] | None) -> None:
    """Warn, naming the sequences, where a convergence delta ``(N, R, T)`` exceeds
    ``tolerance``."""
    worst = deltas.abs().flatten(1).max(dim=1).values
    bad = torch.nonzero(worst > tolerance).flatten().tolist()
    if bad:
        shown = [str(names[i]) if names is not None else f"#{i + 1}" for i in bad[:5]]
        warnings.warn(
            f"convergence delta above {tolerance:g} for {len(bad)} sequence(s) "
            f"(largest {worst.max():.3g}): {', '.join(shown)}" + (", …" if len(bad) > 5 else ""),
            stacklevel=3,
        )
