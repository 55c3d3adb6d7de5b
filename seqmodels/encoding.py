"""Vectorised sequence encoding: strings → uint8 codes → one-hot ``(N, A, L)``.

Policy for symbols (see :mod:`seqmodels.alphabets`):

- lowercase (soft-masked) letters encode like uppercase;
- IUPAC ambiguity codes encode fractionally (``N`` = ¼ each base, ``R`` = ½ A + ½ G, …;
  protein ``X`` uniform, ``B``/``Z``/``J`` as their pairs);
- ``U`` in DNA reads as ``T`` and ``T`` in RNA as ``U``;
- ``-`` is a gap and encodes as zeros, like padding;
- anything else is an error naming the record and position, unless ``unknown="zero"``
  (encode as zeros) or ``unknown="uniform"`` (encode as ``N``/``X``).

Sequences of other lengths than ``length`` are padded with zeros or trimmed, centred by
default (``align="start"`` or ``"end"`` keep the start or end instead).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from seqmodels.alphabets import INVALID, Alphabet, get_alphabet
from seqmodels.errors import SeqmodelsError

UNKNOWN_POLICIES = ("error", "zero", "uniform")
ALIGNMENTS = ("center", "start", "end")


def to_indices(
    seqs: str | Sequence[str],
    alphabet: str | Alphabet = "dna",
    *,
    length: int | None = None,
    align: str = "center",
    unknown: str = "error",
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """Encode sequences as compact symbol codes.

    Parameters
    ----------
    seqs : str or sequence of str
        The sequences (a single string is one sequence).
    alphabet : str or Alphabet
        ``"dna"``, ``"rna"`` or ``"protein"``.
    length : int, optional
        Pad (with the gap code) or trim every sequence to this length; without it all
        sequences must have the same length.
    align : {"center", "start", "end"}
        Which part of a sequence to keep when padding or trimming.
    unknown : {"error", "zero", "uniform"}
        What to do with a symbol outside the alphabet.
    names : sequence of str, optional
        Record names used in error messages (default: ``#1``, ``#2``, …).

    Returns
    -------
    numpy.ndarray, uint8, shape (N, L)
        Codes: ``0 .. A-1`` for the core symbols (so plain ACGT gives 0–3), then ambiguity
        letters, then the gap; ``alphabet.rows[codes]`` is the one-hot encoding.
    """
    alphabet = get_alphabet(alphabet)
    if isinstance(seqs, str):
        seqs = [seqs]
    _check_choice("unknown", unknown, UNKNOWN_POLICIES)
    _check_choice("align", align, ALIGNMENTS)
    lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    # 'replace' keeps one byte per character, so offsets stay valid for non-ASCII input;
    # bytes.translate applies the 256-entry lookup table in one C pass.
    raw = "".join(seqs).encode("ascii", "replace")
    flat = np.frombuffer(raw.translate(alphabet.lut.tobytes()), dtype=np.uint8).copy()
    _resolve_unknown(flat, seqs, lengths, alphabet, unknown, names)
    if length is None:
        if len(seqs) and lengths.min() != lengths.max():
            raise SeqmodelsError(
                f"sequences differ in length ({lengths.min()}–{lengths.max()}); "
                "pass length= to pad or trim them"
            )
        length = int(lengths[0]) if len(seqs) else 0
    if (lengths == length).all():
        return flat.reshape(len(seqs), length)
    return _fit(flat, lengths, length, align, alphabet.gap_code)


def one_hot_encode(
    seqs: str | Sequence[str],
    alphabet: str | Alphabet = "dna",
    *,
    length: int | None = None,
    align: str = "center",
    unknown: str = "error",
    names: Sequence[str] | None = None,
) -> torch.Tensor:
    """One-hot encode sequences.

    Takes the arguments of :func:`to_indices`.

    Returns
    -------
    torch.Tensor, float32, shape (N, A, L)
        One row per core symbol; ambiguity codes are fractional, padding is zeros.
    """
    codes = to_indices(seqs, alphabet, length=length, align=align, unknown=unknown, names=names)
    return codes_to_one_hot(torch.from_numpy(codes), alphabet)


def codes_to_one_hot(codes: torch.Tensor, alphabet: str | Alphabet = "dna") -> torch.Tensor:
    """One-hot encode a batch of codes, on the codes' device.

    Core symbols are set by one comparison pass writing straight into the output; the few
    ambiguity codes are then filled in from the alphabet's fractional rows.

    Parameters
    ----------
    codes : torch.Tensor, uint8, shape (N, L)

    Returns
    -------
    torch.Tensor, float32, shape (N, A, L)
    """
    alphabet = get_alphabet(alphabet)
    n, length = codes.shape
    out = torch.empty((n, alphabet.size, length), dtype=torch.float32, device=codes.device)
    symbols = torch.arange(alphabet.size, dtype=codes.dtype, device=codes.device)
    torch.eq(codes[:, None, :], symbols[None, :, None], out=out)  # core symbols; gaps stay 0
    ambiguous = (codes >= alphabet.size) & (codes < alphabet.gap_code)
    if ambiguous.any():
        rows, cols = ambiguous.nonzero(as_tuple=True)
        out[rows, :, cols] = alphabet.on_device("rows", codes.device)[codes[rows, cols].long()]
    return out


def model_inputs(
    codes: np.ndarray | torch.Tensor,
    numeric: np.ndarray | torch.Tensor | None,
    alphabet: str | Alphabet = "dna",
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """A model's input ``(N, A + C, L)`` float32 on ``device``: the one-hot codes ``(N, L)``,
    then the numeric channels ``(N, C, L)`` (if any)."""
    x = codes_to_one_hot(torch.as_tensor(codes).to(device), alphabet)
    if numeric is None:
        return x
    return torch.cat([x, torch.as_tensor(numeric).to(device)], dim=1)


def decode(x: torch.Tensor | np.ndarray, alphabet: str | Alphabet = "dna") -> list[str]:
    """Decode one-hot ``(N, A, L)`` or codes ``(N, L)`` back to strings.

    Each one-hot column decodes to the symbol whose row it matches best, so fractional
    columns come back as their ambiguity letter and zero columns as the gap ``-``.
    """
    alphabet = get_alphabet(alphabet)
    codes = one_hot_codes(x, alphabet)
    letters = np.frombuffer(alphabet.letters.encode("ascii"), dtype=np.uint8)
    chars = np.ascontiguousarray(letters[codes])
    return [row.tobytes().decode("ascii") for row in chars]


def reverse_complement(x, alphabet: str | Alphabet = "dna"):
    """Reverse complement a string, a list of strings, one-hot ``(N, A, L)`` or codes ``(N, L)``.

    Strings keep their case (soft-masking survives); ambiguity letters map to their
    complements (``R`` ↔ ``Y``), and fractional one-hot columns likewise.
    """
    alphabet = get_alphabet(alphabet)
    if isinstance(x, str):
        return x.translate(alphabet.complement_table)[::-1]
    if isinstance(x, np.ndarray):
        return alphabet.complement_codes[x[..., ::-1]]
    if isinstance(x, torch.Tensor):
        if x.is_floating_point():
            return x.index_select(-2, alphabet.complement_index.to(x.device)).flip(-1)
        return alphabet.on_device("complement_codes", x.device)[x.flip(-1).long()]
    return [reverse_complement(s, alphabet) for s in x]


def _resolve_unknown(flat, seqs, lengths, alphabet, unknown, names) -> None:
    """Raise on, or replace in place, codes of symbols outside the alphabet."""
    bad = flat == INVALID
    if not bad.any():
        return
    if unknown == "zero":
        flat[bad] = alphabet.gap_code
    elif unknown == "uniform":
        flat[bad] = alphabet.uniform_code
    else:
        first = int(np.argmax(bad))
        record = int(np.searchsorted(np.cumsum(lengths), first, side="right"))
        position = first - int(lengths[:record].sum())
        name = names[record] if names is not None else f"#{record + 1}"
        raise SeqmodelsError(
            f"record {name}: unknown symbol {seqs[record][position]!r} at position "
            f"{position + 1} for the {alphabet.name} alphabet ({int(bad.sum())} unknown in all; "
            "use unknown='zero' or 'uniform' to encode them anyway)"
        )


def _fit(flat, lengths, length, align, gap_code) -> np.ndarray:
    """Pad or trim each sequence of ``flat`` to ``length``, keeping the ``align`` part."""
    out = np.full((len(lengths), length), gap_code, dtype=np.uint8)
    shift = length - lengths  # where each sequence starts in the output (negative: trimmed)
    if align == "center":
        shift //= 2
    elif align == "start":
        shift[:] = 0
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    for i, (begin, n, s) in enumerate(zip(starts, lengths, shift, strict=True)):
        src = flat[begin + max(-s, 0) : begin + min(n, length - s)]
        out[i, max(s, 0) : max(s, 0) + len(src)] = src
    return out


def one_hot_codes(x, alphabet: str | Alphabet = "dna") -> np.ndarray:
    """Codes ``(N, L)`` of one-hot ``(N, A, L)`` (each column's nearest row; codes pass)."""
    alphabet = get_alphabet(alphabet)
    x = torch.as_tensor(x)
    if not x.is_floating_point():
        return x.cpu().numpy().astype(np.uint8, copy=False)
    rows = alphabet.on_device("rows", x.device)
    columns = x.transpose(1, 2).float()
    distances = torch.cdist(columns, rows.expand(len(x), *rows.shape))
    return distances.argmin(-1).to(torch.uint8).cpu().numpy()


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name}={value!r}; choose one of {', '.join(choices)}")
