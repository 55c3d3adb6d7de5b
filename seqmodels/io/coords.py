"""Genome coordinates in record ids, as ``bedtools getfasta`` writes them (``chr1:100-200``, and
with ``-s`` ``chr1:100-200(-)``, whose sequence is the minus strand's)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

_INTERVAL_ID = re.compile(
    r"^(?P<chrom>[^\s:]+):(?P<start>\d+)-(?P<end>\d+)(?:\((?P<strand>[+.-])\))?$"
)


def parse_interval_id(record_id: str) -> tuple[str, int, int, str] | None:
    """``(chrom, start, end, strand)`` of an id like ``chr1:100-200`` or ``chr1:100-200(-)``,
    else None. Coordinates are 0-based and half-open, as in BED; the strand is ``.`` when the
    id does not give one."""
    match = _INTERVAL_ID.match(record_id)
    if match is None or int(match["start"]) >= int(match["end"]):
        return None
    return match["chrom"], int(match["start"]), int(match["end"]), match["strand"] or "."


def parse_interval_ids(
    ids: Sequence[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Chromosomes, starts, ends and strands of ids that all carry coordinates, else None."""
    parsed = [parse_interval_id(i) for i in ids]
    if not parsed or any(p is None for p in parsed):
        return None
    chrom, start, end, strand = zip(*parsed, strict=True)
    return (
        np.array(chrom),
        np.array(start, dtype=np.int64),
        np.array(end, dtype=np.int64),
        np.array(strand),
    )


def genome_spans(
    spans: pd.DataFrame,
    chrom: np.ndarray,
    start: np.ndarray,
    strand: np.ndarray,
    *,
    length: int | None,
) -> pd.DataFrame:
    """``chrom``, ``start``, ``end`` and ``strand`` on the genome of spans within sequences
    (``sequence``, ``start``, ``end`` and, optionally, ``strand`` relative to the sequence),
    given each sequence's chromosome, leftmost position and strand. A minus-strand sequence
    (read reverse-complemented, ``length`` long) mirrors its spans and flips their strand."""
    row = spans["sequence"].to_numpy(dtype=np.int64)
    origin = np.asarray(start)[row]
    on = np.asarray(strand)[row]
    minus = on == "-"
    if minus.any() and length is None:
        raise ValueError("minus-strand sequences need their length to map spans back")
    first = np.where(minus, origin + (length or 0) - spans["end"], origin + spans["start"])
    last = np.where(minus, origin + (length or 0) - spans["start"], origin + spans["end"])
    relative = spans["strand"].to_numpy() if "strand" in spans else np.full(len(row), ".")
    flipped = np.where(relative == "+", "-", "+")
    oriented = np.where(minus, flipped, relative)
    return pd.DataFrame(
        {
            "chrom": np.asarray(chrom)[row],
            "start": first.astype(np.int64),
            "end": last.astype(np.int64),
            "strand": np.where(relative == ".", on, oriented),
        }
    )
