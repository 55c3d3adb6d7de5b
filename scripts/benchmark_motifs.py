"""Motif benchmark: does the motif step name the right factors on real ChIP-seq, and nothing on
a model that learned nothing?

Real data: 3,897 Oct4 (POU5F1) and 3,900 MafK ChIP-seq peaks, human, 200 bp, from the janggu
wheel on PyPI (scripts/chip_data.py; data/chip/README.md). A CNN is trained to tell them
apart by a minimal config (``model: cnn``; task ``OCT4``: 1 for an Oct4 peak, 0 for MafK), and
a second one on the same labels permuted across peaks. The motif step (``find_motifs`` with
its defaults, the negative control on) then runs over every peak for both models.

    python scripts/benchmark_motifs.py [--work runs/benchmark_motifs]
        [--out scripts/benchmark_motifs.md]

Patterns are matched only where their seqlets carry at least 1% of the attribution
(``MIN_SHARE``). Checks, from the issue: each factor's own family (POU for Oct4, raising the
output; Maf for MafK, lowering it) at rank 1 with q < 0.05 from seqlet patterns; no unrelated
factor (outside the POU, SOX and bZIP families) the best match of more than 10% of the named
motifs; the permuted-label model names no pattern and at most a quarter of the real model's
filters; the motif step's time over the ~7,800 peaks.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import platform
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import chip_data  # noqa: E402

from seqmodels.allocator import keep_large_allocations  # noqa: E402

OWN_FAMILY = {"OCT4.pos": "POU", "OCT4.neg": "Maf-related"}
"""What each sign's patterns must be named: positive (Oct4 peaks) POU, negative (MafK) Maf."""
RELATED = ("POU", "SOX", "Maf-related", "Fos-related", "Jun-related", "CNC", "ATF", "bZIP")
"""Families (and the bZIP class) that are not 'unrelated' to an Oct4-versus-MafK task."""


def train_model(folder: Path, fasta: Path, labels: Path) -> Path:
    """A CNN trained by a minimal config; its best checkpoint (reused when present)."""
    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    checkpoint = folder / "checkpoints" / "best.ckpt"
    if (folder / "test_metrics.json").exists():
        return checkpoint
    config = load_config()
    config["data"].update(fasta=str(fasta), labels=str(labels))
    config["model"] = {"name": "cnn"}
    config["trainer"].update(enable_progress_bar=False, enable_model_summary=False)
    train(config, folder, resume=(folder / "checkpoints" / "last.ckpt").exists())
    return checkpoint


def run_motifs(checkpoint: Path, fasta: Path, out: Path) -> tuple[object, float]:
    """The motif step over every sequence of ``fasta``, with its defaults; results, seconds."""
    from seqmodels.checkpoint import load_task
    from seqmodels.motifs.matching import jaspar_motifs
    from seqmodels.workflows.inputs import load_inputs
    from seqmodels.workflows.motifs import motifs_to_directory

    task = load_task(checkpoint)
    sequences = load_inputs(task, fasta=fasta)
    database = jaspar_motifs()
    start = time.perf_counter()
    results = motifs_to_directory(task, sequences, out, database=database, verbose=True)
    return results, time.perf_counter() - start


def families() -> dict[str, list[str]]:
    """JASPAR matrix id → its families and classes."""
    from pyjaspar import jaspardb

    db = jaspardb(release="JASPAR2024")
    entries = db.fetch_motifs(collection=["CORE"], tax_group=["vertebrates"])
    return {m.matrix_id: list(m.tf_family) + list(m.tf_class) for m in entries}


def evaluate(results, family: dict[str, list[str]]) -> dict:
    """The issue's checks on one run."""
    summary = results.summary
    named = summary[summary["q_value"] <= 0.05]
    patterns = named[named["kind"] == "pattern"]
    own = {}
    for prefix, wanted in OWN_FAMILY.items():
        mine = summary[summary["name"].str.startswith(prefix) & summary["informative"]]
        best = mine.sort_values("q_value").head(1)
        hit = len(best) and any(wanted in f for f in family.get(best["target"].iloc[0], []))
        own[prefix] = {
            "pattern": best["name"].iloc[0] if len(best) else None,
            "match": f"{best['target'].iloc[0]} {best['target_name'].iloc[0]}"
            if len(best)
            else None,
            "q": float(best["q_value"].iloc[0]) if len(best) else None,
            "own_family": bool(hit and best["q_value"].iloc[0] < 0.05),
        }
    unrelated = named[
        [not any(r in f for f in family.get(t, []) for r in RELATED) for t in named["target"]]
    ]
    top = unrelated["target_name"].value_counts()
    shares = summary.loc[summary["kind"] == "pattern", "share"]
    return {
        "patterns": int((summary["kind"] == "pattern").sum()),
        "largest_share": float(shares.max()) if len(shares) else 0.0,
        "patterns_named": len(patterns),
        "filters_named": int((named["kind"] == "filter").sum()),
        "named": len(named),
        "own": own,
        "top_unrelated": (top.index[0], int(top.iloc[0])) if len(top) else None,
        "top_unrelated_share": float(top.iloc[0] / len(named)) if len(top) and len(named) else 0.0,
        "control": results.control,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "benchmark_motifs")
    parser.add_argument("--out", type=Path, help="write the table as Markdown here")
    args = parser.parse_args(argv)
    keep_large_allocations()  # as the seqmodels command does
    warnings.simplefilter("ignore")
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    fasta, labels = chip_data.fetch(ROOT / "data" / "chip")
    permuted = args.work / "labels_permuted.csv"
    if not permuted.exists():
        table = pd.read_csv(labels)
        table["OCT4"] = table["OCT4"].sample(frac=1, random_state=0).to_numpy()
        args.work.mkdir(parents=True, exist_ok=True)
        table.to_csv(permuted, index=False)
    family = families()
    rows = {}
    for name, label_file in (("real", labels), ("permuted labels", permuted)):
        folder = args.work / name.replace(" ", "_")
        with contextlib.redirect_stdout(io.StringIO()):
            checkpoint = train_model(folder / "run", fasta, label_file)
        metrics = json.loads((folder / "run" / "test_metrics.json").read_text())
        results, seconds = run_motifs(checkpoint, fasta, folder / "motifs")
        rows[name] = {**evaluate(results, family), "seconds": seconds,
                      "test_auroc": metrics["OCT4/auroc"]}  # fmt: skip
        print(name, json.dumps(rows[name], default=str), flush=True)
    text = report(rows)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


def report(rows: dict) -> str:
    real, null = rows["real"], rows["permuted labels"]
    lines = [
        "# Motif benchmark: real ChIP-seq (Oct4 against MafK)",
        "",
        f"Machine: {platform.machine()}, {torch.get_num_threads()} threads, torch "
        f"{torch.__version__}.  ",
        "Command: `python scripts/benchmark_motifs.py`; data: data/chip/README.md.",
        "",
        "| | real labels | permuted labels |",
        "|---|---:|---:|",
        f"| test AUROC | {real['test_auroc']:.3f} | {null['test_auroc']:.3f} |",
        f"| patterns (named at q ≤ 0.05) | {real['patterns']} ({real['patterns_named']}) | "
        f"{null['patterns']} ({null['patterns_named']}) |",
        f"| largest share of the attribution in one pattern | {real['largest_share']:.1%} | "
        f"{null['largest_share']:.1%} |",
        f"| filters named | {real['filters_named']} | {null['filters_named']} |",
        f"| most frequent unrelated best match (share of named) | {_unrelated(real)} | "
        f"{_unrelated(null)} |",
        f"| control: patterns, filters named | {_control(real)} | {_control(null)} |",
        f"| motif step, seconds | {real['seconds']:.0f} | {null['seconds']:.0f} |",
        "",
        "| sign | best pattern | best match | q | own family at rank 1 |",
        "|---|---|---|---:|---|",
    ]
    for prefix, own in real["own"].items():
        q = f"{own['q']:.1e}" if own["q"] is not None else "–"
        lines.append(
            f"| {prefix} | {own['pattern']} | {own['match']} | {q} | "
            f"{'yes' if own['own_family'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def _unrelated(row: dict) -> str:
    if not row["top_unrelated"]:
        return "none"
    name, count = row["top_unrelated"]
    return f"{name}: {count} ({row['top_unrelated_share']:.0%})"


def _control(row: dict) -> str:
    c = row["control"]
    return f"{c['patterns_named']} of {c['patterns']}, {c['filters_named']} of {c['filters']}"


if __name__ == "__main__":
    sys.exit(main())
