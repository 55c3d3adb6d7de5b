"""The two alleles of each variant in the model's window, and null alleles of the same type.

The window rule: the variant's first REF base sits at offset ``L // 2`` of a window of ``L``
bases in both alleles. The REF window is the genome there; the ALT window is the genome to the
left, the ALT allele, then the genome after the REF allele, cut to ``L``: a deletion pulls in
bases from the right, an insertion pushes them out, and everything left of the variant stays
where it was. Windows past a chromosome end are padded with ``N``, as ``predict`` pads them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyfaidx

from seqmodels.errors import SeqmodelsError

BASES = "ACGT"


@dataclass
class Alleles:
    """Windows of the two alleles of each variant.

    Attributes
    ----------
    ref, alt : list of str
        The REF and ALT windows, ``L`` bases each (soft-masking kept).
    segment : list of str
        The genome from the window's start, long enough for every edit of the window.
    ref_match : numpy.ndarray, bool, shape (N,)
        Whether the VCF's REF equals the genome there (case-insensitive).
    genome_ref : list of str
        The genome's bases where the REF allele lies.
    """

    ref: list[str]
    alt: list[str]
    segment: list[str]
    ref_match: np.ndarray
    genome_ref: list[str]


def allele_windows(
    fasta: pyfaidx.Fasta,
    variants: pd.DataFrame,
    length: int,
    *,
    source: str = "variants",
    genome: str = "the genome",
) -> Alleles:
    """The REF and ALT windows of ``variants`` (``chrom``, ``pos`` 1-based, ``ref``, ``alt``,
    ``record``) in a genome, by the rule in the module's docstring.

    Raises
    ------
    SeqmodelsError
        For a chromosome the genome lacks or a position past its end, naming the record.
    """
    offset = length // 2
    ref, alt, segments, genome_ref = [], [], [], []
    for row in variants.itertuples(index=False):
        if row.chrom not in fasta:
            raise SeqmodelsError(
                f"{source}: record {row.record}: chromosome {row.chrom!r} is not in {genome}"
            )
        chrom = fasta[row.chrom]
        if row.pos > len(chrom):
            raise SeqmodelsError(
                f"{source}: record {row.record}: position {row.chrom}:{row.pos:,} lies past the "
                f"end of {row.chrom} ({len(chrom):,} bp in {genome}): another genome build?"
            )
        start = row.pos - 1 - offset
        segment = _read(chrom, start, start + offset + len(row.ref) + length)
        genome_ref.append(segment[offset : offset + len(row.ref)])
        ref.append(segment[:length])
        alt.append(edit(segment, offset, len(row.ref), row.alt, length))
        segments.append(segment)
    match = np.array(
        [g.upper() == r.upper() for g, r in zip(genome_ref, variants["ref"], strict=True)],
        dtype=bool,
    )
    return Alleles(ref, alt, segments, match, genome_ref)


def edit(segment: str, at: int, removed: int, inserted: str, length: int) -> str:
    """``segment`` with ``removed`` bases at ``at`` replaced by ``inserted``, cut to ``length``."""
    return (segment[:at] + inserted + segment[at + removed :])[:length]


def null_alleles(
    segment: str, ref: str, alt: str, length: int, n: int, *, key: str, random_state: int
) -> list[str]:
    """``n`` variants of the same type as ``ref``>``alt`` at random places of the window
    (read from ``segment``): substitutions of as many bases by other bases, deletions or
    insertions (of random bases) of as many bases. The draws are a function of
    ``random_state`` and the variant's ``key`` alone."""
    rng = np.random.default_rng([random_state, zlib.crc32(key.encode())])
    kind, size = _type(ref, alt)
    windows = []
    for _ in range(n):
        at = int(rng.integers(0, length - (size if kind == "substitution" else 0) + 1))
        if kind == "substitution":
            old = segment[at : at + size].upper()
            new = "".join(_other_base(base, rng) for base in old)
            windows.append(edit(segment, at, size, new, length))
        elif kind == "deletion":
            windows.append(edit(segment, at, size, "", length))
        else:
            windows.append(edit(segment, at, 0, "".join(rng.choice(list(BASES), size)), length))
    return windows


def _type(ref: str, alt: str) -> tuple[str, int]:
    """``substitution``, ``deletion`` or ``insertion``, and how many bases it changes."""
    if len(ref) == len(alt):
        return "substitution", len(ref)
    if len(ref) > len(alt):
        return "deletion", len(ref) - len(alt)
    return "insertion", len(alt) - len(ref)


def _other_base(base: str, rng: np.random.Generator) -> str:
    choices = [b for b in BASES if b != base]
    return choices[int(rng.integers(0, len(choices)))]


def _read(chrom, start: int, end: int) -> str:
    """``chrom[start:end]``, ``N`` beyond its ends."""
    lo, hi = max(start, 0), min(end, len(chrom))
    seq = chrom[lo:hi] if hi > lo else ""
    return "N" * (lo - start) + seq + "N" * (end - max(hi, lo))
