"""Attribution speed and accuracy on the trained demo model.

Speed: seconds per sequence for each method, and the same in units of one forward+backward
pass of the same model on the same batch (measured in the same run), against Captum's own
classes (and tangermeme's ``deep_lift_shap`` when installed) as ratios.

Accuracy: how well each method's per-base importance track ranks the positions of the planted
motif (``data/demo/motifs.bed``) above the rest of the sequence, as an AUROC over the test
sequences that carry the motif: of the track's magnitude (with and without gradient
correction), and of its signed value (low-information motif columns can legitimately count
against the output, so the signed figure is lower).

Usage: python scripts/benchmark_attribution.py [--checkpoint runs/demo/checkpoints/best.ckpt]
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings

import numpy as np
import pandas as pd
import torch
from captum.attr import DeepLift as CaptumDeepLift
from captum.attr import IntegratedGradients, Saliency

from seqmodels.attribution import attribute, importance_track, make_baselines
from seqmodels.attribution.core import GRADIENT_METHODS
from seqmodels.checkpoint import load_task
from seqmodels.encoding import codes_to_one_hot
from seqmodels.metrics import auroc
from seqmodels.predict import load_inputs

warnings.filterwarnings("ignore", message=".*(hooks|required_grads|convergence).*")
METHODS = {
    "saliency": {},
    "input_x_gradient": {},
    "integrated_gradients": {"n_steps": 50},
    "deeplift": {},
    "deeplift_shap": {"n_shuffles": 20},
    "ism": {},
}


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def forward_backward(model, X, target: int, batch_size: int) -> float:
    """Seconds for one forward and backward pass over ``X`` in batches (input gradients)."""

    def run():
        for chunk in X.split(batch_size):
            x = chunk.clone().requires_grad_(True)
            model(x)[:, target].sum().backward()

    run()  # warm-up
    return min(timed(run)[0] for _ in range(3))


def baselines(model, X, target: int, references: torch.Tensor) -> list[tuple[str, str, float]]:
    """``(our method, baseline, seconds)`` for Captum's own classes (and tangermeme) doing
    the same work as ours."""
    seconds = {}
    seconds["saliency"] = timed(lambda: Saliency(model).attribute(X, target=target, abs=False))[0]
    uniform = torch.full_like(X, 0.25)
    ig = IntegratedGradients(model)
    seconds["integrated_gradients"] = timed(
        lambda: ig.attribute(X, uniform, target=target, n_steps=50, internal_batch_size=128)
    )[0]
    seconds["deeplift"] = timed(lambda: CaptumDeepLift(model).attribute(X, uniform, target=target))[
        0
    ]

    def shap_per_sequence():  # Captum's DeepLiftShap shares one baseline set: loop instead
        for x, refs in zip(X, references, strict=True):
            CaptumDeepLift(model).attribute(x.expand_as(refs).contiguous(), refs, target=target)

    seconds["deeplift_shap"] = timed(shap_per_sequence)[0]
    rows = [(method, "Captum", t) for method, t in seconds.items()]
    if importlib.util.find_spec("tangermeme"):
        from tangermeme.deep_lift_shap import deep_lift_shap

        tangermeme = timed(
            lambda: deep_lift_shap(
                model,
                X,
                target=target,
                n_shuffles=20,
                batch_size=128,
                device="cpu",
                random_state=0,
                warning_threshold=1e9,
            )
        )[0]
        rows.append(("deeplift_shap", "tangermeme", tangermeme))
    return rows


def planted_positions(sequences, motif: str, motifs_bed: str) -> np.ndarray:
    """Boolean ``(N, L)``: positions inside a planted instance of ``motif``."""
    sites = pd.read_csv(motifs_bed, sep="\t", header=None, usecols=[0, 1, 2, 3])
    sites = sites[sites[3] == motif]
    inside = np.zeros(sequences.codes.shape, dtype=bool)
    where = {
        (c, s): i for i, (c, s) in enumerate(zip(sequences.chrom, sequences.start, strict=True))
    }
    by_chrom = {c: g for c, g in sites.groupby(0)}
    for (chrom, start), i in where.items():
        group = by_chrom.get(chrom)
        if group is None:
            continue
        hits = group[(group[1] >= start) & (group[2] <= start + sequences.length)]
        for site_start, site_end in zip(hits[1], hits[2], strict=True):
            inside[i, site_start - start : site_end - start] = True
    return inside


def markdown(table: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table, numbers to three significant digits."""
    header = [table.index.name or "", *table.columns]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * len(table.columns) + "|"]
    for name, row in table.iterrows():
        cells = ["–" if pd.isna(v) else f"{v:.3g}" for v in row]
        lines.append("| " + " | ".join([str(name), *cells]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default="runs/demo/checkpoints/best.ckpt")
    parser.add_argument("--fasta", default="data/demo/sequences.fa")
    parser.add_argument("--motifs", default="data/demo/motifs.bed")
    parser.add_argument("--chrom", default="chr8", help="held-out chromosome to use")
    parser.add_argument("--task", default="CTCF", help="task whose planted motif is ranked")
    parser.add_argument("--n", type=int, default=64, help="sequences for the timings")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    torch.manual_seed(0)
    task = load_task(args.checkpoint)
    model = task.model.eval()
    target = task.output_names.index(args.task)
    sequences = load_inputs(task, fasta=args.fasta)
    sequences = sequences.subset(sequences.chrom == args.chrom)
    inside = planted_positions(sequences, args.task, args.motifs)
    carriers = inside.any(axis=1)
    X_all = codes_to_one_hot(torch.from_numpy(sequences.codes))
    unambiguous = (sequences.codes < sequences.alphabet.size).all(axis=1)  # tangermeme needs it
    X = X_all[unambiguous][: args.n]
    unit = forward_backward(model, X, target, args.batch_size) / len(X)

    rows = []
    for method, options in METHODS.items():
        kwargs = {
            "method": method,
            "target": target,
            "batch_size": args.batch_size,
            "device": "cpu",
            **options,
        }
        seconds, _ = timed(lambda kwargs=kwargs: attribute(model, X, **kwargs))
        row = {
            "method": method,
            "ms / sequence": 1e3 * seconds / len(X),
            "forward+backward units": seconds / len(X) / unit,
        }
        for correction in (True, False) if method in GRADIENT_METHODS else (True,):
            hypothetical = attribute(
                model,
                X_all[carriers],
                hypothetical=True,
                gradient_correction=correction,
                **kwargs,
            )
            track = importance_track(hypothetical, X_all[carriers]).numpy().ravel()
            suffix = "" if correction else ", no correction"
            row[f"AUROC of abs(track){suffix}"] = auroc(inside[carriers].ravel(), np.abs(track))
            if correction:
                row["AUROC signed"] = auroc(inside[carriers].ravel(), track)
        rows.append(row)
    table = pd.DataFrame(rows).set_index("method")

    references = make_baselines(X, "shuffle", n=20, random_state=0)
    for method, baseline, seconds in baselines(model, X, target, references):
        ours = table.loc[method, "ms / sequence"] / 1e3 * len(X)
        table.loc[method, f"× {baseline}"] = seconds / ours
    print(
        f"\n{len(X)} sequences × {sequences.length} bp, {task.hparams.model['name']} model, "
        f"target {args.task}; one forward+backward = {1e3 * unit:.2f} ms / sequence; "
        f"{torch.get_num_threads()} threads\n"
    )
    print(markdown(table))


if __name__ == "__main__":
    main()
