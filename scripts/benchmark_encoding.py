"""Encoding throughput (Mbp/s) of seqmodels against baselines run in the same process.

Baselines: a naive per-base Python encoder, and tangermeme's public ``one_hot_encode`` (one
string per call) when tangermeme is installed (``pip install -e ".[bench]"``).

Usage: python scripts/benchmark_encoding.py [--n 10000] [--length 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import time

import numpy as np
import torch

from seqmodels import one_hot_encode, to_indices


def naive_one_hot(seqs: list[str]) -> torch.Tensor:
    """The textbook encoder: a dictionary look-up per base."""
    index = {"A": 0, "C": 1, "G": 2, "T": 3}
    out = np.zeros((len(seqs), 4, len(seqs[0])), dtype=np.float32)
    for i, seq in enumerate(seqs):
        for j, base in enumerate(seq):
            out[i, index[base], j] = 1.0
    return torch.from_numpy(out)


def tangermeme_one_hot(seqs: list[str]) -> torch.Tensor:
    from tangermeme.utils import one_hot_encode as encode

    return torch.stack([encode(s) for s in seqs]).float()


def best_time(fn, seqs, repeats: int) -> float:
    """Fastest of ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(seqs)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of sequences")
    parser.add_argument("--length", type=int, default=1_000, help="bases per sequence")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    raw = letters[rng.integers(0, 4, (args.n, args.length))]
    seqs = [row.tobytes().decode() for row in raw]
    small = seqs[: max(args.n // 20, 1)]  # the naive loop runs on a twentieth

    methods = {
        "seqmodels one_hot_encode": (one_hot_encode, seqs),
        "seqmodels to_indices (uint8)": (to_indices, seqs),
        "naive per-base loop": (naive_one_hot, small),
    }
    if importlib.util.find_spec("tangermeme"):
        methods["tangermeme one_hot_encode (per sequence)"] = (tangermeme_one_hot, seqs)
    else:
        print("tangermeme not installed: skipping it (pip install -e '.[bench]')")

    rates = {}
    for name, (fn, data) in methods.items():
        seconds = best_time(fn, data, args.repeats)
        rates[name] = len(data) * args.length / seconds / 1e6
    naive = rates["naive per-base loop"]
    tangermeme = rates.get("tangermeme one_hot_encode (per sequence)")
    print(
        f"\n{args.n:,} × {args.length:,} bp, {platform.machine()}, "
        f"{torch.get_num_threads()} threads\n"
    )
    print("| method | Mbp/s | × naive | × tangermeme |")
    print("|---|---:|---:|---:|")
    for name, rate in rates.items():
        versus = f"{rate / tangermeme:.1f}×" if tangermeme else "–"
        print(f"| {name} | {rate:,.1f} | {rate / naive:,.0f}× | {versus} |")


if __name__ == "__main__":
    main()
