"""Variants from VCF and BCF files, through pysam (htslib): plain, gzip and bgzip VCF, BCF,
and a region through the tabix (or CSI) index.

pysam reads every form htslib reads, BCF and indexed region queries included, and is the
field's common dependency (pyfaidx, pybedtools and deeptools users have it); cyvcf2 reads the
same files but is a second binding to the same library with a narrower API.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from seqmodels.errors import SeqmodelsError
from seqmodels.io.text import GZIP_MAGIC, check_input_file

ALLELE = re.compile(r"[ACGTNacgtn]+")
"""What a REF or ALT allele may be: bases (either case) or N."""


@dataclass
class Variants:
    """Variants, one row per ALT allele, in file order.

    Attributes
    ----------
    table : pandas.DataFrame
        ``chrom``, ``pos`` (1-based, as in the VCF), ``id`` (``.`` where there is none),
        ``ref``, ``alt`` and ``record`` (the record's number in the file, from 1).
    skipped : dict of str to int
        Alleles not scored, by reason: ``symbolic`` (``<DEL>``, ``*``, breakends) and
        ``no ALT`` (``.``).
    source : str
        The file, for messages.
    """

    table: pd.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)
    source: str = "variants"

    def __len__(self) -> int:
        return len(self.table)

    def where(self, i: int) -> str:
        """Row ``i`` for messages: ``record 17 (chr1:12345 A>G)``."""
        row = self.table.iloc[i]
        return f"record {row.record} ({row.chrom}:{row.pos} {row.ref}>{row.alt})"


def read_vcf(path: str | Path, *, region: str | None = None) -> Variants:
    """The variants of a VCF or BCF file (or of ``region``, ``chr:start-end`` or ``chr``,
    through its index), multi-allelic records split into one row per ALT.

    Raises
    ------
    SeqmodelsError
        Naming the file and the record: no header, an empty or truncated file, a record that
        does not parse, a REF or ALT that is not bases, a region without an index.
    """
    import pysam

    path = Path(path)
    check_input_file(path)
    pysam.set_verbosity(0)  # htslib's own warnings would add lines to ours
    rows, skipped = [], {"symbolic": 0, "no ALT": 0}
    number, last = 0, "the header"
    with _readable(path) as readable:
        try:
            vcf = pysam.VariantFile(str(readable))
        except (ValueError, OSError) as err:
            raise SeqmodelsError(f"{path}: {_opening_problem(readable, err)}") from None
        with vcf:
            try:
                for number, record in enumerate(_records(vcf, region, path), start=1):
                    last = f"record {number} ({record.chrom}:{record.pos})"
                    rows += _alleles(record, number, skipped, path)
            except SeqmodelsError:
                raise
            except (OSError, ValueError) as err:
                raise SeqmodelsError(f"{path}: after {last}: {_reading_problem(err)}") from None
    if not rows and not sum(skipped.values()):
        where = f" in {region}" if region else ""
        raise SeqmodelsError(f"{path}: no variants{where}")
    columns = ["chrom", "pos", "id", "ref", "alt", "record"]
    table = pd.DataFrame(rows, columns=columns).astype({"pos": np.int64, "record": np.int64})
    return Variants(table, {k: v for k, v in skipped.items() if v}, str(path))


def _records(vcf, region: str | None, path: Path) -> Iterator:
    if region is None:
        return iter(vcf)
    try:
        return vcf.fetch(region=region)
    except ValueError as err:
        if "index" in str(err):
            raise SeqmodelsError(
                f"{path}: --region needs an index beside it (.tbi or .csi: tabix -p vcf, or "
                "bcftools index)"
            ) from None
        raise SeqmodelsError(f"{path}: region {region!r}: {err}") from None


def _alleles(record, number: int, skipped: dict[str, int], path: Path) -> list[tuple]:
    """One row per ALT of ``record``; symbolic and missing ALTs counted in ``skipped``."""
    where = f"{path}: record {number} ({record.chrom}:{record.pos})"
    if not ALLELE.fullmatch(record.ref or ""):
        raise SeqmodelsError(f"{where}: REF {record.ref!r} is not made of A, C, G, T or N")
    if not record.alts:
        skipped["no ALT"] += 1
        return []
    rows = []
    for alt in record.alts:
        if alt.startswith("<") or alt == "*" or "[" in alt or "]" in alt:
            skipped["symbolic"] += 1
        elif not ALLELE.fullmatch(alt):
            raise SeqmodelsError(f"{where}: ALT {alt!r} is not made of A, C, G, T or N")
        else:
            rows.append((record.chrom, record.pos, record.id or ".", record.ref, alt, number))
    return rows


@contextlib.contextmanager
def _readable(path: Path) -> Iterator[Path]:
    """``path``, or, for a plain-gzip file (which htslib cannot seek in), a decompressed copy
    in a temporary folder removed afterwards."""
    with open(path, "rb") as handle:
        header = handle.read(18)
    bgzf = len(header) == 18 and header[3] & 4 and header[12:14] == b"BC"
    if header[:2] != GZIP_MAGIC or bgzf:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="seqmodels-vcf-") as folder:
        copy = Path(folder) / "variants.vcf"
        try:
            with gzip.open(path, "rb") as source, open(copy, "wb") as target:
                shutil.copyfileobj(source, target)
        except (OSError, EOFError) as err:
            raise SeqmodelsError(f"{path}: a damaged gzip file ({err})") from None
        yield copy


def _opening_problem(path: Path, err: Exception) -> str:
    if path.stat().st_size == 0:
        return "empty"
    if "truncated" in str(err):
        return "truncated (no BGZF end-of-file marker)"
    return (
        "not a VCF or BCF file: no header (a VCF begins with ##fileformat=VCFv4.x and a "
        "#CHROM line)"
    )


def _reading_problem(err: Exception) -> str:
    message = str(err)
    if "truncated" in message or "EOF" in message:
        return "the file is truncated"
    if "parse" in message:
        return "the next record cannot be parsed (tab-separated CHROM POS ID REF ALT …?)"
    return message
