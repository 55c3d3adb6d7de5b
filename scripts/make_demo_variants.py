"""Write the demo VCF (``data/demo/variants.vcf``) from the demo genome and its planted sites.

On the held-out chromosome (chr8), for each planted factor and the CEBPA distractor: 20 SNVs
that break a planted site (the site's most informative base turned into the base the JASPAR
matrix finds least likely there), and 3 deletions of a site's three most informative bases;
then 200 background SNVs at least 50 bp from any planted site, one insertion, and a
multi-allelic record. IDs say what each is (``CTCF_break_3``, ``background_17``). Same bytes
on every run:

    python scripts/make_demo_variants.py [--out data/demo/variants.vcf]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pyfaidx
from pyjaspar import jaspardb

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CHROM = "chr8"
FACTORS = ("CTCF", "SPI1", "NRF1", "SOX2", "POU5F1", "CEBPA")
BREAKS, DELETIONS, BACKGROUND, CLEARANCE = 20, 3, 200, 50
BASES = "ACGT"


def site_matrices(sites: pd.DataFrame) -> dict[str, np.ndarray]:
    """The JASPAR frequency matrix ``(4, W)`` of each planted factor, by the sites' ids."""
    db = jaspardb(release="JASPAR2024")
    matrices = {}
    for name, matrix_id in sites.groupby("name")["jaspar"].first().items():
        counts = db.fetch_motif_by_id(matrix_id).counts
        table = np.array([counts[base] for base in BASES], dtype=float)
        matrices[name] = table / table.sum(axis=0)
    return matrices


def breaking(site, matrix: np.ndarray, sequence: str) -> tuple[int, str, str]:
    """The site's most informative column (on its strand), and the base there and the base
    the matrix finds least likely, both on the plus strand."""
    if site.strand == "-":
        matrix = matrix[::-1, ::-1]  # reverse complement: rows ACGT → TGCA, columns reversed
    bits = 2 + (matrix * np.log2(matrix + 1e-9)).sum(axis=0)
    column = int(np.argmax(bits))
    return site.start + column, sequence[column].upper(), BASES[int(np.argmin(matrix[:, column]))]


def variants(genome: pyfaidx.Fasta, sites: pd.DataFrame, rng: np.random.Generator) -> list[tuple]:
    """``(pos, id, ref, alt)`` rows, 1-based positions on ``CHROM``."""
    chrom = genome[CHROM]
    matrices = site_matrices(sites)
    rows = []
    for factor in FACTORS:
        mine = sites[sites["name"] == factor]
        picked = mine.iloc[np.sort(rng.choice(len(mine), BREAKS + DELETIONS, replace=False))]
        for k, site in enumerate(picked.itertuples(index=False)):
            sequence = chrom[site.start : site.end]
            position, ref, alt = breaking(site, matrices[factor], sequence)
            if k < BREAKS:
                rows.append((position + 1, f"{factor}_break_{k}", ref, alt))
                continue
            anchor = position - 2  # delete the informative base and its two neighbours
            rows.append((anchor + 1, f"{factor}_deletion_{k - BREAKS}",
                         chrom[anchor : anchor + 4].upper(), chrom[anchor].upper()))  # fmt: skip
    near = np.zeros(len(chrom), dtype=bool)
    for site in sites.itertuples(index=False):
        near[max(site.start - CLEARANCE, 0) : site.end + CLEARANCE] = True
    far = np.flatnonzero(~near[CLEARANCE:-CLEARANCE]) + CLEARANCE
    for k, position in enumerate(np.sort(rng.choice(far, BACKGROUND + 2, replace=False))):
        ref = chrom[int(position)].upper()
        others = [b for b in BASES if b != ref]
        if k == BACKGROUND:
            rows.append((position + 1, "background_insertion", ref, ref + "GATTACA"))
        elif k == BACKGROUND + 1:
            rows.append((position + 1, "background_multiallelic", ref, ",".join(others[:2])))
        else:
            rows.append((position + 1, f"background_{k}", ref, others[int(rng.integers(3))]))
    return sorted(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO / "variants.vcf")
    args = parser.parse_args()
    genome = pyfaidx.Fasta(str(DEMO / "genome.fa"), as_raw=True, sequence_always_upper=False)
    columns = ["chrom", "start", "end", "name", "score", "strand", "jaspar"]
    sites = pd.read_csv(DEMO / "motifs.bed", sep="\t", header=None, names=columns)
    sites = sites[sites["chrom"] == CHROM]
    rows = variants(genome, sites, np.random.default_rng(0))
    header = [
        "##fileformat=VCFv4.2",
        "##source=seqmodels scripts/make_demo_variants.py",
        *(f"##contig=<ID={record.name},length={len(record)}>" for record in genome),
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    body = [f"{CHROM}\t{pos}\t{name}\t{ref}\t{alt}\t.\t.\t." for pos, name, ref, alt in rows]
    args.out.write_text("\n".join(header + body) + "\n")
    print(f"wrote {len(rows)} records to {args.out}")


if __name__ == "__main__":
    main()
