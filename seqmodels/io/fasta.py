"""FASTA records: a strict reader with one-line errors, and an atomic writer."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_write
from seqmodels.io.text import read_text


def read_fasta(path: str | Path) -> tuple[list[str], list[str]]:
    """Read every record of a FASTA file (plain, gzip or bgzip).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    ids : list of str
        Record ids: the header up to the first whitespace.
    seqs : list of str
        Sequences with line breaks removed; case (soft-masking) is kept.

    Raises
    ------
    SeqmodelsError
        On a missing header, an empty header or record, or a duplicate id.
    """
    text = read_text(path, "FASTA")
    start = len(text) - len(text.lstrip())
    if start == len(text):
        raise SeqmodelsError(f"{path}: no FASTA records (the file is empty)")
    if text[start] != ">":
        line = text[start:].partition("\n")[0]
        raise SeqmodelsError(
            f"{path}: line {text.count(chr(10), 0, start) + 1}: expected a FASTA header "
            f"starting with '>', found {line[:30]!r}"
        )
    ids, seqs, first_line = [], [], {}
    line_no = text.count("\n", 0, start) + 1
    for block in text[start + 1 :].split("\n>"):
        header, _, body = block.partition("\n")
        fields = header.split(maxsplit=1)
        if not fields:
            raise SeqmodelsError(f"{path}: line {line_no}: empty FASTA header")
        record_id = fields[0]
        if record_id in first_line:
            raise SeqmodelsError(
                f"{path}: line {line_no}: duplicate record id {record_id!r} "
                f"(first at line {first_line[record_id]})"
            )
        seq = "".join(body.split())
        if not seq:
            raise SeqmodelsError(f"{path}: line {line_no}: record {record_id!r} has no sequence")
        first_line[record_id] = line_no
        ids.append(record_id)
        seqs.append(seq)
        line_no += block.count("\n") + 1
    return ids, seqs


def write_fasta(
    path: str | Path, ids: Iterable[str], seqs: Iterable[str], *, width: int = 60
) -> None:
    """Write records to ``path`` atomically, wrapping sequences at ``width`` columns."""
    with atomic_write(path) as handle:
        for record_id, seq in zip(ids, seqs, strict=True):
            handle.write(f">{record_id}\n")
            for i in range(0, len(seq), width):
                handle.write(seq[i : i + width] + "\n")
