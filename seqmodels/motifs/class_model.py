"""Class-model visualisation (Simonyan et al. 2013; DeepMotif, Lanchantin et al. 2017): the
sequence a network scores highest for one output, found by gradient ascent on a relaxed
one-hot input."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from seqmodels.alphabets import Alphabet, get_alphabet
from seqmodels.devices import default_device, model_on
from seqmodels.encoding import codes_to_one_hot, decode
from seqmodels.io.meme import Motif


@dataclass
class ClassModel:
    """The result of :func:`optimize_sequence`, for its best start.

    Attributes
    ----------
    probs : numpy.ndarray, shape (A, L)
        The optimised relaxed one-hot: the softmax of the logits over the alphabet.
    sequence : str
        The most probable symbol at each position.
    score : float
        Output ``target`` of the model on the one-hot of ``sequence``.
    initial_score : float
        The same for the start's initial sequence.
    history : numpy.ndarray, shape (n_steps + 1,)
        That score before the first step and after each step (``history[0]`` is
        ``initial_score``, ``history[-1]`` is ``score``).
    target : int
        The output optimised.
    """

    probs: np.ndarray
    sequence: str
    score: float
    initial_score: float
    history: np.ndarray
    target: int

    @property
    def motif(self) -> Motif:
        """``probs`` as a motif, to draw as a logo or write to a MEME file."""
        return Motif(f"class_model_{self.target}", self.probs)


def optimize_sequence(
    model: nn.Module,
    *,
    length: int,
    target: int = 0,
    alphabet: str | Alphabet = "dna",
    n_steps: int = 200,
    lr: float = 0.1,
    l2: float = 1e-3,
    entropy: float = 0.0,
    n_starts: int = 1,
    random_state: int | None = 0,
    device: str | torch.device | None = None,
    verbose: bool = False,
) -> ClassModel:
    """The sequence that maximises output ``target`` of ``model``, by gradient ascent.

    Logits ``Z`` of shape ``(n_starts, A, L)`` are drawn from a standard normal and optimised
    with Adam; the model sees the relaxed one-hot ``P = softmax(Z)`` over the alphabet axis.
    Each start maximises

        ``model(P)[target] − l2 · ‖Z‖² − entropy · mean over positions of H(P[:, l])``

    where ``‖Z‖²`` is the squared norm of the start's logits (it keeps them from growing
    without bound, which would saturate the softmax and stop the gradients) and ``H`` is the
    entropy in nats (a positive ``entropy`` pushes ``P`` towards a single symbol per position).
    The best start is the one whose argmax sequence scores highest at the end. The model's
    parameters get no gradients and are left unchanged; it runs in eval mode, and its device
    and train mode are restored afterwards.

    Parameters
    ----------
    model : nn.Module
        Maps ``(N, A, L)`` to ``(N, T)`` raw outputs (logits); a ``SequenceTask`` works too.
    length : int
        L, the length of the sequence to design.
    target : int
        Output (task or class) index.
    alphabet : str or Alphabet
        Gives A and the letters of ``sequence``.
    n_steps : int
        Adam steps.
    lr : float
        Adam learning rate.
    l2 : float
        Weight of the squared norm of the logits.
    entropy : float
        Weight of the mean per-position entropy of the relaxed one-hot.
    n_starts : int
        Independent random starts, optimised together.
    random_state : int, optional
        Seed of the starting logits.
    device : str or torch.device, optional
        Default: CUDA when available. The model is moved back afterwards.
    verbose : bool
        Show a progress bar.

    Returns
    -------
    ClassModel
    """
    alphabet = get_alphabet(alphabet)
    device = default_device(device)
    generator = torch.Generator()
    if random_state is None:
        generator.seed()
    else:
        generator.manual_seed(random_state)
    logits = torch.randn(n_starts, alphabet.size, length, generator=generator)
    logits = logits.to(device).requires_grad_(True)
    optimizer = torch.optim.Adam([logits], lr=lr)
    with model_on(model, device), torch.enable_grad():
        history = [_hard_scores(model, logits, target, alphabet)]
        for _ in tqdm(range(n_steps), disable=not verbose, unit="step"):
            probs = logits.softmax(dim=1)
            per_position = -(probs * probs.clamp(min=1e-12).log()).sum(dim=1)  # (S, L)
            objective = (
                model(probs)[:, target]
                - l2 * logits.pow(2).sum(dim=(1, 2))
                - entropy * per_position.mean(dim=1)
            )
            optimizer.zero_grad()
            (-objective.sum()).backward()
            optimizer.step()
            history.append(_hard_scores(model, logits, target, alphabet))
    history = np.stack(history)  # (n_steps + 1, S)
    best = int(history[-1].argmax())
    codes = logits[best].detach().argmax(dim=0).to(torch.uint8).cpu()
    return ClassModel(
        probs=logits[best].detach().softmax(dim=0).cpu().numpy(),
        sequence=decode(codes[None], alphabet)[0],
        score=float(history[-1, best]),
        initial_score=float(history[0, best]),
        history=history[:, best],
        target=target,
    )


@torch.no_grad()
def _hard_scores(model, logits, target, alphabet) -> np.ndarray:
    """Output ``target`` on the argmax sequence of each start, ``(S,)``."""
    codes = logits.argmax(dim=1).to(torch.uint8)
    return model(codes_to_one_hot(codes, alphabet))[:, target].cpu().numpy()
