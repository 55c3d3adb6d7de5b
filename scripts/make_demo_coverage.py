"""Write the demo coverage (``data/demo/coverage/``): simulated stranded ChIP-nexus-like read
counts of CTCF over the demo genome, as two bigWigs (``CTCF.plus.bw``, ``CTCF.minus.bw``), and
the demo intervals without their labels (``intervals.bed``) to learn them over.

Each planted CTCF site (``motifs.bed``) draws reads in proportion to its strength, which grows
with how well the planted instance matches the JASPAR matrix (its log-odds score) — so the
counts can be read from the sequence — times a small log-normal factor that cannot. The
footprint is ChIP-nexus-like: plus-strand reads pile up 8 bp upstream of the site's centre and
minus-strand reads 8 bp downstream (Laplace, scale 5 bp), over a broad Gaussian shoulder
(s.d. 40 bp) that carries 30% of them; every base also draws background reads at 0.02 per
strand. Counts are Poisson. Same bytes on every run:

    python scripts/make_demo_coverage.py [--out data/demo/coverage]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyfaidx
from pyjaspar import jaspardb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from seqmodels.io.tracks import bigwig_writer  # noqa: E402

DEMO = ROOT / "data" / "demo"
FACTOR, MATRIX = "CTCF", "MA0139.2"
READS = 120.0  # expected reads at a site of median score
OFFSET, SCALE, SHOULDER_SD, SHOULDER = 8, 5.0, 40.0, 0.3
BACKGROUND = 0.02  # reads per base per strand
BASES = "ACGT"


def log_odds(matrix: np.ndarray, site: str) -> float:
    """The site's log-odds score against a uniform background."""
    columns = np.array([BASES.index(b) if b in BASES else 0 for b in site.upper()])
    return float(np.log2(4 * matrix[columns, np.arange(len(site))] + 1e-9).sum())


def footprint(half: int) -> tuple[np.ndarray, np.ndarray]:
    """Expected share of a site's reads at offsets ``-half … half`` on the plus and minus
    strands (each strand carries half of them)."""
    x = np.arange(-half, half + 1)
    shoulder = np.exp(-0.5 * (x / SHOULDER_SD) ** 2)
    shoulder /= shoulder.sum()
    strands = []
    for centre in (-OFFSET, OFFSET):
        peak = np.exp(-np.abs(x - centre) / SCALE)
        strands.append(0.5 * ((1 - SHOULDER) * peak / peak.sum() + SHOULDER * shoulder))
    return strands[0], strands[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO / "coverage")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    genome = pyfaidx.Fasta(str(DEMO / "genome.fa"), as_raw=True, sequence_always_upper=True)
    columns = ["chrom", "start", "end", "name", "score", "strand", "jaspar"]
    sites = pd.read_csv(DEMO / "motifs.bed", sep="\t", header=None, names=columns)
    sites = sites[sites["name"] == FACTOR]
    counts = jaspardb(release="JASPAR2024").fetch_motif_by_id(MATRIX).counts
    matrix = np.array([counts[b] for b in BASES], dtype=float)
    matrix /= matrix.sum(axis=0)
    scores = []
    for site in sites.itertuples(index=False):
        sequence = genome[site.chrom][site.start : site.end]
        if site.strand == "-":
            sequence = sequence[::-1].translate(str.maketrans("ACGT", "TGCA"))
        scores.append(log_odds(matrix, sequence))
    scores = np.array(scores)
    strength = READS * 2 ** ((scores - np.median(scores)) / 4) * rng.lognormal(0, 0.15, len(sites))
    half = 150
    plus_shape, minus_shape = footprint(half)
    sizes = {record.name: len(record) for record in genome}
    expected = {c: np.full((2, n), BACKGROUND) for c, n in sizes.items()}
    for site, reads in zip(sites.itertuples(index=False), strength, strict=True):
        centre = (site.start + site.end) // 2
        lo, hi = max(centre - half, 0), min(centre + half + 1, sizes[site.chrom])
        window = slice(lo - (centre - half), hi - (centre - half))
        expected[site.chrom][0, lo:hi] += reads * plus_shape[window]
        expected[site.chrom][1, lo:hi] += reads * minus_shape[window]
    args.out.mkdir(parents=True, exist_ok=True)
    for k, strand in enumerate(("plus", "minus")):
        with bigwig_writer(args.out / f"{FACTOR}.{strand}.bw", sizes, zooms=2) as writer:
            for chrom in sizes:
                values = rng.poisson(expected[chrom][k]).astype(np.float32)
                writer.add(chrom, 0, values)
    intervals = pd.read_csv(DEMO / "intervals.bed", sep="\t")
    intervals.iloc[:, :3].to_csv(args.out / "intervals.bed", sep="\t", index=False, header=False)
    print(f"wrote {args.out}/{FACTOR}.plus.bw, .minus.bw and intervals.bed ({len(sites)} sites)")


if __name__ == "__main__":
    main()
