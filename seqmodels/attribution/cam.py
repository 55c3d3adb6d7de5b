"""Class activation maps (Zhou et al. 2016) for networks that end in global average pooling
followed by one linear layer."""

from __future__ import annotations

import torch
from torch import nn

from seqmodels.devices import default_device, model_on
from seqmodels.errors import SeqmodelsError


@torch.no_grad()
def class_activation_map(
    model: nn.Module,
    X: torch.Tensor,
    *,
    target: int = 0,
    upsample: bool = True,
    batch_size: int = 256,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Class activation map of output ``target``: where along each sequence the evidence lies.

    For a network ``trunk`` → global average pooling → ``Linear(W, b)``, the map at trunk
    resolution is ``cam[n, l′] = Σ_c W[target, c] · trunk(X)[n, c, l′]``. Pooling and the
    linear layer commute, so ``cam[n].mean() + b[target]`` is exactly the output
    ``model(X)[n, target]``: the map splits the logit over the trunk's positions.

    With ``upsample`` the map is brought to input length as in the original paper: trunk
    position ``j`` is placed at the centre of the ``j``-th of ``L′`` equal segments of the input
    (input coordinate ``(j + ½)·L/L′ − ½``), values between centres are interpolated linearly
    and the end values are held before the first and after the last centre
    (``torch.nn.functional.interpolate``, ``mode="linear"``). When ``L′ = L`` nothing changes.
    The upsampled map keeps the units of the logit but its mean is the logit only
    approximately.

    Parameters
    ----------
    model : nn.Module
        A network with a ``trunk`` ``(N, A, L) → (N, C, L′)`` and a ``head`` of
        ``AdaptiveAvgPool1d(1)``, ``Flatten`` and one ``Linear`` (``CNN``, or ``DilatedCNN``
        with ``scanner_skip=False``, with ``global_pool="avg"`` and ``dense=()``); a
        ``SequenceTask`` works too.
    X : torch.Tensor, shape (N, A, L)
        One-hot sequences.
    target : int
        Output (task or class) index.
    upsample : bool
        Return the map at input length ``L`` (default) rather than at trunk length ``L′``.
    batch_size : int
        Sequences per forward pass.
    device : str or torch.device, optional
        Default: CUDA when available. The model is moved back afterwards.

    Returns
    -------
    torch.Tensor, shape (N, L) or (N, L′)
        On the CPU.

    Raises
    ------
    SeqmodelsError
        If the model does not end in global average pooling followed by one linear layer.
    """
    linear = check_cam_model(model)
    device = default_device(device)
    maps = []
    with model_on(model, device):
        weight = linear.weight[target]  # (C,)
        for chunk in X.split(batch_size):
            features = model.trunk(chunk.to(device))  # (n, C, L′)
            cam = torch.einsum("c,ncl->nl", weight, features)
            if upsample:
                cam = nn.functional.interpolate(
                    cam[:, None], size=X.shape[2], mode="linear", align_corners=False
                )[:, 0]
            maps.append(cam.cpu())
    return torch.cat(maps)


def check_cam_model(model: nn.Module) -> nn.Linear:
    """The linear layer of a ``[AdaptiveAvgPool1d(1), Flatten, Linear]`` head, or an error."""
    head = getattr(model, "head", None)
    layers = list(head) if isinstance(head, nn.Sequential) else []
    kinds = (nn.AdaptiveAvgPool1d, nn.Flatten, nn.Linear)
    fits = (
        hasattr(model, "trunk")
        and not getattr(model, "scanner_skip", False)
        and len(layers) == len(kinds)
        and all(isinstance(layer, kind) for layer, kind in zip(layers, kinds, strict=True))
        and layers[0].output_size in (1, (1,))
    )
    if not fits:
        raise SeqmodelsError(
            "--method cam: class activation maps need a trunk followed by global average "
            "pooling and one linear layer; train with model.global_pool: avg (and, for "
            "dilated, model.scanner_skip: false)"
        )
    return layers[2]
