"""Generate the small RNA and protein demo sets (``data/demo/rna``, ``data/demo/protein``).

- RNA, a regression task: 2,000 × 150 nt AU-rich 3'UTR-like sequences with 0–3 Pumilio
  (PUM2) sites, ``UGUAnAUA``, planted; the label ``PUM_sites`` counts them (train it with
  a Poisson loss, ``configs/rna.yaml``).
- Protein, a multiclass task: 2,000 × 120 residues drawn from UniProt amino-acid
  frequencies; class 1 carries a monopartite nuclear localisation signal (``PKKKRKV``-like,
  K-K/R-x-K/R), class 2 a C2H2 zinc finger (``C-x2-C-x12-H-x3-H``), class 0 neither
  (``configs/protein.yaml``).

Same seed, same bytes. Usage: python scripts/make_demo_rna_protein.py [--seed 0]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

N, RNA_LEN, PROTEIN_LEN = 2_000, 150, 120
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
UNIPROT_FREQUENCIES = np.array(  # UniProtKB/Swiss-Prot composition, percent, in AMINO_ACIDS order
    [
        8.25,
        1.38,
        5.46,
        6.72,
        3.86,
        7.07,
        2.27,
        5.91,
        5.80,
        9.65,
        2.41,
        4.06,
        4.74,
        3.93,
        5.53,
        6.64,
        5.35,
        6.86,
        1.10,
        2.92,
    ]
)


def rna_set(rng: np.random.Generator) -> tuple[list[str], list[int]]:
    """AU-rich sequences with 0–3 planted PUM2 sites ``UGUAnAUA``; returns seqs and counts."""
    seqs, counts = [], []
    for _ in range(N):
        seq = list(rng.choice(list("ACGU"), RNA_LEN, p=[0.3, 0.2, 0.2, 0.3]))
        n_sites = int(rng.choice(4, p=[0.4, 0.3, 0.2, 0.1]))
        for slot in rng.choice(RNA_LEN // 15, n_sites, replace=False):
            start = slot * 15 + int(rng.integers(0, 7))
            seq[start : start + 8] = "UGUA" + "ACGU"[rng.integers(4)] + "AUA"
        text = "".join(seq)
        seqs.append(text)
        counts.append(
            sum(
                text[i : i + 4] == "UGUA" and text[i + 5 : i + 8] == "AUA"
                for i in range(len(text) - 7)
            )
        )
    return seqs, counts


def protein_set(rng: np.random.Generator) -> tuple[list[str], list[int]]:
    """Background proteins; class 1 gets an NLS, class 2 a C2H2 zinc finger."""
    p = UNIPROT_FREQUENCIES / UNIPROT_FREQUENCIES.sum()
    seqs, classes = [], rng.integers(0, 3, N).tolist()
    for cls in classes:
        seq = list(rng.choice(list(AMINO_ACIDS), PROTEIN_LEN, p=p))
        if cls == 1:
            site = "PK" + "KR"[rng.integers(2)] + "K" + "KR"[rng.integers(2)] + "KV"
        elif cls == 2:
            gaps = ["".join(rng.choice(list(AMINO_ACIDS), k, p=p)) for k in (2, 12, 3)]
            site = "C{}C{}H{}H".format(*gaps)
        else:
            site = ""
        start = int(rng.integers(0, PROTEIN_LEN - len(site) + 1))
        seq[start : start + len(site)] = site
        seqs.append("".join(seq))
    return seqs, classes


def write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_set(folder: Path, prefix: str, seqs: list[str], column: str, values: list[int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"{prefix}{i:04d}" for i in range(len(seqs))]
    write(folder / "sequences.fa", "".join(f">{i}\n{s}\n" for i, s in zip(ids, seqs, strict=True)))
    rows = "".join(f"{i},{v}\n" for i, v in zip(ids, values, strict=True))
    write(folder / "labels.csv", f"id,{column}\n{rows}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("data/demo"))
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    seqs, counts = rna_set(rng)
    write_set(args.out / "rna", "utr", seqs, "PUM_sites", counts)
    seqs, classes = protein_set(rng)
    write_set(args.out / "protein", "prot", seqs, "class", classes)
    print(f"RNA: {N:,} × {RNA_LEN} nt, mean {np.mean(counts):.2f} PUM sites per sequence")
    print(f"protein: {N:,} × {PROTEIN_LEN} aa, classes {np.bincount(classes).tolist()}")


if __name__ == "__main__":
    main()
