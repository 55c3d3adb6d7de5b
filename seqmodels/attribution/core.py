"""``attribute``: one function for every attribution method, batched, leaving the model as found."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from seqmodels.attribution.baselines import make_baselines
from seqmodels.attribution.checks import check_deeplift_model
from seqmodels.attribution.deeplift import DeepLift
from seqmodels.attribution.gradients import correct, input_gradients, path_gradients
from seqmodels.attribution.ism import saturation_mutagenesis
from seqmodels.devices import default_device, model_on

METHODS = (
    "saliency",
    "input_x_gradient",
    "integrated_gradients",
    "deeplift",
    "deeplift_shap",
    "ism",
)
GRADIENT_METHODS = ("saliency", "input_x_gradient", "integrated_gradients")
DEFAULT_BASELINES = {
    "integrated_gradients": "uniform",
    "deeplift": "uniform",
    "deeplift_shap": "shuffle",
}
CAPTUM_NOISE = ".*(did not already require gradients|Setting forward, backward hooks).*"
"""Captum's per-call notices about the hooks and gradients it sets (and removes) itself."""
BLOCK = 256
"""Sequences whose references are built together."""


def attribute(
    model: nn.Module,
    X: torch.Tensor,
    *,
    method: str = "deeplift_shap",
    target: int = 0,
    baselines: str | torch.Tensor | None = None,
    n_shuffles: int = 20,
    n_steps: int = 50,
    window: tuple[int, int] | None = None,
    gradient_correction: bool | None = None,
    absolute: bool = False,
    hypothetical: bool = False,
    return_deltas: bool = False,
    tolerance: float = 1e-3,
    alphabet: str = "dna",
    names: Sequence[str] | None = None,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    random_state: int | None = 0,
    verbose: bool = False,
):
    """Attributions of output ``target`` of ``model`` to each symbol of ``X``.

    Parameters
    ----------
    model : nn.Module
        Maps ``(N, A, L)`` to ``(N, T)`` raw outputs (logits), e.g. ``task.model``.
    X : torch.Tensor, shape (N, A, L)
        One-hot sequences.
    method : {"saliency", "input_x_gradient", "integrated_gradients", "deeplift",
              "deeplift_shap", "ism"}
    target : int
        Output (task) index.
    baselines : {"zeros", "uniform", "shuffle"} or torch.Tensor, optional
        References for integrated gradients and DeepLIFT (default: uniform; DeepLIFT-SHAP:
        ``n_shuffles`` dinucleotide shuffles of each sequence).
    n_shuffles : int
        References per sequence for ``deeplift_shap`` (and for ``"shuffle"`` baselines of
        the other reference methods, which then average over them).
    n_steps : int
        Integration steps of integrated gradients.
    window : (int, int), optional
        ISM only these positions.
    gradient_correction : bool, optional
        Subtract the per-position mean over the alphabet from gradients (default: on for
        gradient methods).
    absolute : bool
        Saliency as absolute gradients.
    hypothetical : bool
        Return hypothetical contributions ``(N, A, L)``, the contribution each symbol would
        make at each position (for TF-MoDISco), instead of attributions.
    return_deltas : bool
        Also return convergence deltas ``(N, S)`` (integrated gradients and DeepLIFT): the
        attributions summed minus the output difference to each reference, relative to
        ``max(|output difference|, 1)``.
    tolerance : float
        Deltas above this raise a warning naming the sequences.
    names : sequence of str, optional
        Sequence names for that warning.
    batch_size : int
        Sequences (or sequence × reference pairs, or ISM variants) per pass. Small batches
        keep activations under glibc's 32 MB mmap threshold, which is faster on the CPU.
    device : str or torch.device, optional
        Default: CUDA when available. The model is moved back afterwards.
    random_state : int, optional
        Seeds the shuffled references: a sequence's references depend on the seed and the
        sequence alone, so batch size, chunking and order never change a result.

    Returns
    -------
    torch.Tensor, shape (N, A, L)
        On the CPU; with ``return_deltas``, a tuple ``(attributions, deltas)``.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}; choose one of {', '.join(METHODS)}")
    device = default_device(device)
    if gradient_correction is None:
        gradient_correction = method in GRADIENT_METHODS
    if method in ("deeplift", "deeplift_shap"):
        with model_on(model, device):
            check_deeplift_model(model, X.shape[1], X.shape[2])
    baselines = baselines if baselines is not None else DEFAULT_BASELINES.get(method)
    n_refs = n_shuffles if method == "deeplift_shap" or baselines == "shuffle" else 1
    outputs, all_deltas = [], []
    with model_on(model, device), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=CAPTUM_NOISE)
        for start in tqdm(range(0, len(X), BLOCK), disable=not verbose, unit="block"):
            block = X[start : start + BLOCK].to(device)
            references = None
            if method in DEFAULT_BASELINES:
                given = baselines
                if isinstance(baselines, torch.Tensor) and baselines.dim() > 2:
                    given = baselines[start : start + BLOCK]  # one or more per sequence
                references = make_baselines(
                    block, given, n=n_refs, alphabet=alphabet, random_state=random_state
                )
            result, deltas = _attribute_block(
                model,
                block,
                references,
                method=method,
                target=target,
                n_steps=n_steps,
                window=window,
                correction=gradient_correction,
                absolute=absolute,
                hypothetical=hypothetical,
                batch_size=batch_size,
            )
            outputs.append(result.cpu())
            if deltas is not None:
                all_deltas.append(deltas.cpu())
    attributions = torch.cat(outputs)
    deltas = torch.cat(all_deltas) if all_deltas else None
    if deltas is not None:
        _warn_on_deltas(deltas, tolerance, names)
    return (attributions, deltas) if return_deltas else attributions


def importance_track(hypothetical: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Per-base importance ``(N, L)``: the hypothetical contribution of the observed symbol.

    For methods that satisfy completeness this equals the attributions summed over the
    alphabet.
    """
    return (hypothetical * X).sum(dim=1)


def _attribute_block(
    model,
    X,
    references,
    *,
    method,
    target,
    n_steps,
    window,
    correction,
    absolute,
    hypothetical,
    batch_size,
):
    """Attributions (or hypothetical contributions) and deltas for one block of sequences."""
    if method == "ism":
        effects = saturation_mutagenesis(
            model, X, target=target, batch_size=batch_size, window=window
        )
        return (effects - effects.mean(dim=1, keepdim=True) if hypothetical else effects), None
    if method in ("saliency", "input_x_gradient"):
        grads = torch.cat([input_gradients(model, c, target=target) for c in X.split(batch_size)])
        grads = correct(grads) if correction else grads
        if hypothetical:
            return grads, None
        if method == "saliency":
            return (grads.abs() if absolute else grads), None
        return X * grads, None
    return _reference_method(
        model,
        X,
        references,
        method=method,
        target=target,
        n_steps=n_steps,
        correction=correction,
        hypothetical=hypothetical,
        batch_size=batch_size,
    )


def _reference_method(
    model, X, references, *, method, target, n_steps, correction, hypothetical, batch_size
):
    """Integrated gradients or DeepLIFT over every sequence × reference pair, in batches."""
    n, n_refs = references.shape[:2]
    pairs_x = X.unsqueeze(1).expand_as(references).reshape(n * n_refs, *X.shape[1:])
    pairs_ref = references.reshape(n * n_refs, *X.shape[1:])
    multipliers, deltas = [], []
    for x, ref in zip(pairs_x.split(batch_size), pairs_ref.split(batch_size), strict=True):
        if method == "integrated_gradients":
            m = path_gradients(model, x, ref, target=target, n_steps=n_steps, batch_size=batch_size)
            with torch.no_grad():
                difference = model(x)[:, target] - model(ref)[:, target]
        else:
            recorder = _Recorder(model)
            m = DeepLift(recorder).attribute(
                x, ref, target=target, custom_attribution_func=lambda mult, *_: mult
            )
            difference = recorder.difference(target)
        m = correct(m) if correction else m
        multipliers.append(m.detach())
        delta = ((x - ref) * m).sum(dim=(1, 2)) - difference
        deltas.append(delta / difference.abs().clamp(min=1.0))
    m = torch.cat(multipliers).reshape(references.shape)
    if hypothetical:
        # contribution of symbol a at l relative to the reference column: m_a − Σ_b ref_b m_b
        result = m - (references * m).sum(dim=2, keepdim=True)
    else:
        result = (X.unsqueeze(1) - references) * m
    return result.mean(dim=1), torch.cat(deltas).reshape(n, n_refs)


class _Recorder(nn.Module):
    """Keeps the last output of the model it wraps: Captum's DeepLift runs inputs and
    references as one batch, so the output differences come with no extra forward pass."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.last: torch.Tensor | None = None

    def forward(self, x):
        out = self.model(x)
        self.last = out.detach()
        return out

    def difference(self, target: int) -> torch.Tensor:
        x, ref = self.last[:, target].chunk(2)
        return x - ref


def _warn_on_deltas(deltas: torch.Tensor, tolerance: float, names) -> None:
    worst = deltas.abs().max(dim=1).values
    bad = torch.nonzero(worst > tolerance).flatten().tolist()
    if bad:
        shown = [str(names[i]) if names is not None else f"#{i + 1}" for i in bad[:5]]
        warnings.warn(
            f"convergence delta above {tolerance:g} for {len(bad)} sequence(s) "
            f"(largest {worst.max():.3g}): {', '.join(shown)}" + (", …" if len(bad) > 5 else ""),
            stacklevel=3,
        )
