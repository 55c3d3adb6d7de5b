"""Real ChIP-seq peaks for the motif benchmark: Oct4 (POU5F1) against MafK, human, 200 bp.

The peaks ship inside the janggu wheel on PyPI (``janggu/resources/sample.fa``: 3,897 Oct4
peaks; ``sample2.fa``: 3,900 MafK peaks; hg19 coordinates in the ids). janggu is GPL-3.0, so
its files are fetched from the registry here rather than copied into this MIT repository:

    python scripts/chip_data.py [--out data/chip]

writes ``peaks.fa`` (both sets, upper case: the soft-masked repeats would otherwise be a
feature) and ``labels.csv`` (``OCT4``: 1 for an Oct4 peak, 0 for a MafK peak) under ``--out``.
See data/chip/README.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHEEL = "janggu==0.10.2"
PEAKS = {1: "janggu/resources/sample.fa", 0: "janggu/resources/sample2.fa"}  # OCT4 label


def fetch(out: Path) -> tuple[Path, Path]:
    """``peaks.fa`` and ``labels.csv`` under ``out`` (fetched once, then reused)."""
    fasta, labels = out / "peaks.fa", out / "labels.csv"
    if fasta.exists() and labels.exists():
        return fasta, labels
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--dest", tmp, WHEEL],
            check=True,
        )  # fmt: skip
        (wheel,) = Path(tmp).glob("janggu-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            records = {label: archive.read(name).decode() for label, name in PEAKS.items()}
    fasta_lines, label_lines = [], ["id,OCT4"]
    for label, text in records.items():
        for block in text.split(">")[1:]:
            header, *rows = block.split()
            fasta_lines += [f">{header}", "".join(rows).upper()]
            label_lines.append(f"{header},{label}")
    labels.write_text("\n".join(label_lines) + "\n")
    fasta.write_text("\n".join(fasta_lines) + "\n")
    return fasta, labels


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "chip")
    for path in fetch(parser.parse_args().out):
        print(path)
