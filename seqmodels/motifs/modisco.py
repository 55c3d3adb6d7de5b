"""Seqlet patterns by TF-MoDISco (modisco-lite, run in-process), trimmed to the columns that
carry contribution as its report trims them, with each seqlet's place in the input."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqmodels.errors import SeqmodelsError
from seqmodels.io.meme import Motif

TRIM_THRESHOLD = 0.3
"""A pattern keeps the columns from the first to the last whose summed absolute contribution
is at least this fraction of its largest (modisco-lite's report uses the same rule)."""

MIN_SHARE = 0.01
"""A pattern is named only if its seqlets carry at least this share of the absolute
contribution of the sequences it was found in. On 7,797 ChIP-seq peaks the patterns of a model
trained on permuted labels carried at most 0.2% each (45 patterns), the real model's own
factors' 3.2% and 26% (README, Motifs)."""

N_LEIDEN_RUNS = 10
"""Leiden clusterings with different seeds (the function's default is 50, the ``modisco
motifs`` command's 2): 2 split a cleanly planted motif into fragments, 10 do not."""


@dataclass
class Pattern:
    """A TF-MoDISco pattern, trimmed.

    Attributes
    ----------
    name : str
        ``TASK.pos0``, ``TASK.neg1``, … (modisco's order: most seqlets first).
    sign : int
        +1 where the motif raises the output, −1 where it lowers it.
    ppm : numpy.ndarray, shape (A, W)
        Base frequencies of the seqlets.
    cwm : numpy.ndarray, shape (A, W)
        Mean contribution of each base at each column (the contribution-weight matrix).
    seqlets : pandas.DataFrame
        ``sequence`` (row of the input), ``start``, ``end`` (0-based, half-open, the trimmed
        columns; within the sequence), ``strand`` (``+`` where the pattern reads forward) and
        ``score`` (the seqlet's summed contribution).
    share : float
        The share of the input's absolute contribution that its seqlets carry.
    """

    name: str
    sign: int
    ppm: np.ndarray
    cwm: np.ndarray
    seqlets: pd.DataFrame
    share: float

    @property
    def width(self) -> int:
        return self.ppm.shape[1]

    def motif(self) -> Motif:
        """The pattern's PPM as a :class:`Motif` (``alt`` gives the sign)."""
        alt = "positive" if self.sign > 0 else "negative"
        return Motif(self.name, self.ppm, alt=alt, nsites=len(self.seqlets))


def find_patterns(
    one_hot: np.ndarray,
    hypothetical: np.ndarray,
    *,
    prefix: str = "",
    max_seqlets: int = 20_000,
    trim_threshold: float = TRIM_THRESHOLD,
) -> list[Pattern]:
    """TF-MoDISco's patterns of both signs, with its command's defaults; the seqlet window is
    fitted to sequences shorter than its default 41 positions.

    Parameters
    ----------
    one_hot, hypothetical : numpy.ndarray, shape (N, 4, L)
        One-hot sequences and their hypothetical contributions.
    prefix : str
        Prepended to each pattern's name (``OCT4.`` gives ``OCT4.pos0``).
    max_seqlets : int
        Seqlets per sign that modisco clusters.
    """
    try:
        from modiscolite.tfmodisco import TFMoDISco
    except ImportError:
        raise SeqmodelsError(
            "seqlet patterns need modisco-lite: pip install 'seqmodels[motifs]'"
        ) from None

    length = one_hot.shape[2]
    window, flank = _window(length)
    seqlet = window + 2 * flank
    with contextlib.redirect_stdout(io.StringIO()):
        positive, negative = TFMoDISco(
            one_hot=np.ascontiguousarray(one_hot.transpose(0, 2, 1), dtype=np.float32),
            hypothetical_contribs=np.ascontiguousarray(
                hypothetical.transpose(0, 2, 1), dtype=np.float32
            ),
            sliding_window_size=window,
            flank_size=flank,
            max_seqlets_per_metacluster=max_seqlets,
            trim_to_window_size=min(30, seqlet),
            initial_flank_to_add=min(10, flank),
            n_leiden_runs=N_LEIDEN_RUNS,
        )
    per_base = (one_hot * hypothetical).sum(axis=1)  # contribution of the observed bases
    cumulative = np.concatenate([np.zeros((len(per_base), 1)), per_base.cumsum(axis=1)], axis=1)
    total = np.abs(per_base).sum()
    patterns = []
    for sign, found in ((1, positive), (-1, negative)):
        kind = "pos" if sign > 0 else "neg"
        for k, pattern in enumerate(found or []):
            name = f"{prefix}{kind}{k}"
            trimmed = _trimmed(pattern, name, sign, trim_threshold, cumulative, total)
            if trimmed is not None:
                patterns.append(trimmed)
    return patterns


def _window(length: int) -> tuple[int, int]:
    """modisco's seqlet ``sliding_window_size`` and ``flank_size`` for sequences of ``length``:
    its defaults (21, 10), shrunk so that a seqlet fits inside a sequence."""
    window, flank = 21, 10
    if window + 2 * flank > length:
        window = max(length // 3 | 1, 3)  # odd
        flank = max((length - window) // 4, 1)
    return window, flank


def _trimmed(
    pattern, name: str, sign: int, threshold: float, cumulative: np.ndarray, total: float
) -> Pattern | None:
    """One modisco SeqletSet as a :class:`Pattern`, trimmed, its seqlets scored from the
    running sums ``(N, L + 1)`` of the input's per-base contribution (``total``: its absolute
    sum); None if it has no contribution."""
    length = cumulative.shape[1] - 1
    cwm = np.asarray(pattern.contrib_scores, dtype=np.float64).T  # (4, W)
    weight = np.abs(cwm).sum(axis=0)
    if not weight.max() > 0:
        return None
    keep = np.flatnonzero(weight >= threshold * weight.max())
    first, last = int(keep[0]), int(keep[-1]) + 1
    rows = []
    for seqlet in pattern.seqlets:
        if seqlet.is_revcomp:
            start, end = seqlet.end - last, seqlet.end - first
        else:
            start, end = seqlet.start + first, seqlet.start + last
        if start >= 0 and end <= length:
            rows.append((seqlet.example_idx, start, end, "-" if seqlet.is_revcomp else "+"))
    seqlets = pd.DataFrame(rows, columns=["sequence", "start", "end", "strand"])
    n, a, b = (seqlets[c].to_numpy(dtype=np.int64) for c in ("sequence", "start", "end"))
    score = cumulative[n, b] - cumulative[n, a]
    ppm = np.asarray(pattern.sequence, dtype=np.float64).T[:, first:last]
    ppm = ppm / ppm.sum(axis=0, keepdims=True)
    share = float(np.abs(score).sum() / total)
    return Pattern(name, sign, ppm, cwm[:, first:last], seqlets.assign(score=score), share)
