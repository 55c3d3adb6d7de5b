"""Motifs in the MEME minimal format, read and written (so users can bring their databases)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_write
from seqmodels.io.text import read_text


@dataclass
class Motif:
    """A position probability matrix.

    Attributes
    ----------
    name : str
    probs : numpy.ndarray, shape (A, W)
        Probability of each symbol (rows, alphabet order) at each position (columns).
    alt : str, optional
        Alternative name (MEME's second field after ``MOTIF``).
    nsites : int, optional
        Number of sites the matrix was built from.
    """

    name: str
    probs: np.ndarray
    alt: str | None = None
    nsites: int | None = None

    @property
    def width(self) -> int:
        return self.probs.shape[1]

    def information_content(self, background: np.ndarray | None = None) -> np.ndarray:
        """Bits at each position, ``(W,)``, against ``background`` (uniform by default)."""
        size = self.probs.shape[0]
        background = np.full(size, 1 / size) if background is None else background
        p = np.clip(self.probs, 1e-12, 1)
        return (self.probs * np.log2(p / background[:, None])).sum(axis=0)


def write_meme(
    path: str | Path, motifs: list[Motif], *, alphabet: str = "ACGT", background=None
) -> None:
    """Write motifs as a MEME minimal-format file, atomically."""
    background = np.full(len(alphabet), 1 / len(alphabet)) if background is None else background
    lines = ["MEME version 4", "", f"ALPHABET= {alphabet}", ""]
    if alphabet == "ACGT":
        lines += ["strands: + -", ""]
    lines += ["Background letter frequencies"]
    lines += [" ".join(f"{a} {f:.4f}" for a, f in zip(alphabet, background, strict=True)), ""]
    for motif in motifs:
        header = f"MOTIF {motif.name}" + (f" {motif.alt}" if motif.alt else "")
        nsites = f" nsites= {motif.nsites}" if motif.nsites is not None else ""
        lines += [
            header,
            f"letter-probability matrix: alength= {len(alphabet)} w= {motif.width}{nsites} E= 0",
        ]
        lines += [" ".join(f"{p:.6f}" for p in column) for column in motif.probs.T]
        lines.append("")
    with atomic_write(path) as handle:
        handle.write("\n".join(lines))


def read_meme(path: str | Path, *, alphabet: str | None = None) -> list[Motif]:
    """Read every motif of a MEME (minimal or full) text file.

    With ``alphabet`` (``"ACGT"``), the file's ``ALPHABET=`` line and every matrix's
    number of columns must fit it.
    """
    lines = read_text(path, "MEME").splitlines()
    declared = next(
        (line.split("=", 1)[1].strip() for line in lines if line.startswith("ALPHABET=")), None
    )
    if alphabet is not None and declared is not None and declared.upper() != alphabet:
        raise SeqmodelsError(
            f"{path}: motifs over the alphabet {declared}, but the model reads {alphabet}"
        )
    motifs: list[Motif] = []
    i = 0
    while i < len(lines):
        fields = lines[i].split()
        if fields[:1] == ["MOTIF"] and len(fields) >= 2:
            name, alt = fields[1], fields[2] if len(fields) > 2 else None
            i += 1
            while i < len(lines) and not lines[i].startswith("letter-probability matrix"):
                i += 1
            if i == len(lines):
                raise SeqmodelsError(f"{path}: motif {name} has no letter-probability matrix")
            meta = _key_values(lines[i])
            try:
                width = int(meta.get("w", 0))
                nsites = int(float(meta["nsites"])) if "nsites" in meta else None
                rows = [line.split() for line in lines[i + 1 : i + 1 + width]]
                probs = np.array(rows, dtype=float).T
            except ValueError:
                raise SeqmodelsError(f"{path}: line {i + 1}: motif {name}: bad matrix") from None
            if probs.ndim != 2 or probs.shape[1] != width or width == 0:
                raise SeqmodelsError(f"{path}: motif {name}: expected {width} rows of numbers")
            sums = probs.sum(axis=0)
            if not np.isfinite(probs).all() or (probs < 0).any() or (abs(sums - 1) > 0.02).any():
                raise SeqmodelsError(
                    f"{path}: line {i + 1}: motif {name}: rows must be probabilities (≥ 0, "
                    "summing to 1)"
                )
            if alphabet is not None and probs.shape[0] != len(alphabet):
                raise SeqmodelsError(
                    f"{path}: motif {name} has {probs.shape[0]} letters per position, but the "
                    f"model's alphabet has {len(alphabet)} ({alphabet})"
                )
            motifs.append(Motif(name, probs, alt, nsites))
            i += 1 + width
        else:
            i += 1
    if not motifs:
        raise SeqmodelsError(f"{path}: no motifs (MOTIF lines with letter-probability matrices)")
    return motifs


def _key_values(line: str) -> dict[str, str]:
    """``key= value`` pairs of a ``letter-probability matrix:`` line."""
    fields = line.split(":", 1)[1].replace("= ", "=").split()
    return dict(field.split("=", 1) for field in fields if "=" in field)
