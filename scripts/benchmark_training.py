"""Training benchmark: what a minimal config learns on tasks nobody tuned for.

Synthetic sequences with real JASPAR motifs — others than the demo's — planted into a Markov
background, in suites of tasks a computational biologist meets: one motif, two motifs together
(AND), one motif without another (AND-NOT), a motif pair within a spacing or a third motif (OR
with spacing, rare positives), and a count of sites (regression), at 200 to 1,000 bp. Each
suite is trained by every architecture with a minimal config — the model's name, 30 epochs at
most, nothing else — and by a plain PyTorch reference (three conv blocks with batch norm,
balanced positive weights, Adam, the same splits), so the table shows each model's margin
over it. The demo's cooperative task is a suite too (`configs/`' data, a minimal config).

    python scripts/benchmark_training.py [--quick] [--suites logic spacing counts demo]
        [--models cnn dilated lstm reference] [--out scripts/benchmark_training.md]

Writes one row per task and model: test AUROC (classification) or Pearson (regression), the
epochs run, seconds per epoch and the wall time. ``--quick`` runs tiny versions (tests).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import logging
import os
import platform
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_demo_data as demo  # noqa: E402  (the demo's Markov background and site sampler)

MOTIFS = {  # name -> JASPAR 2024 matrix id; none of them is planted in the demo data
    "GATA1": "MA0035.4", "FOXA1": "MA0148.4", "HNF4A": "MA0114.4", "CEBPB": "MA0466.3",
    "REST": "MA0138.3", "IRF1": "MA0050.3", "MEF2C": "MA0497.2", "RUNX1": "MA0002.3",
    "KLF4": "MA0039.5", "YY1": "MA0095.3", "ELK1": "MA0028.3", "STAT3": "MA0144.2",
}  # fmt: skip
MODELS = ("cnn", "dilated", "lstm", "reference")
MAX_EPOCHS = 30


@dataclass
class Suite:
    """Sequences and labels of one benchmark suite."""

    name: str
    description: str
    seqs: list[str]
    labels: pd.DataFrame  # one column per task, indexed by id
    config: dict  # the data section beyond fasta and labels (splits)

    @property
    def n_tasks(self) -> int:
        return self.labels.shape[1]


# --------------------------------------------------------------------------- data


def motifs() -> dict[str, np.ndarray]:
    from pyjaspar import jaspardb

    db = jaspardb(release=demo.JASPAR_RELEASE)
    probs = {}
    for name, matrix_id in MOTIFS.items():
        entry = db.fetch_motif_by_id(matrix_id)
        counts = np.array([entry.counts[base] for base in "ACGT"], dtype=float)
        freqs = counts / counts.sum(axis=0)
        probs[name] = (freqs + demo.PSEUDOFREQ) / (1 + 4 * demo.PSEUDOFREQ)
    return probs


class Planter:
    """Draws backgrounds and plants motif sites at chosen or random places."""

    def __init__(self, seed: int, length: int):
        self.rng = np.random.default_rng(seed)
        self.length = length
        self.model = demo.background_model()
        self.probs = motifs()

    def background(self, n: int) -> np.ndarray:
        """Markov background, redrawn where it holds a strong accidental site of any motif
        (as in the demo), so that a label's motif occurs only where it was planted."""
        x = np.empty((n, self.length), dtype=np.uint8)
        todo = np.arange(n)
        while todo.size:
            x[todo] = demo.sample_markov(self.rng, self.model, todo.size, self.length)
            hit = np.zeros(todo.size, dtype=bool)
            for probs in self.probs.values():
                hit |= demo.strong_hit(x[todo], probs, self.model[0])
            todo = todo[hit]
        return x

    def site(self, name: str) -> np.ndarray:
        strand = "+-"[self.rng.integers(2)]
        return demo.sample_site(self.rng, self.probs[name], strand, self.model[0])

    def plant(self, x: np.ndarray, names: list[str], *, gap: tuple[int, int] | None = None):
        """Plant ``names`` into one sequence ``x`` without overlaps; with ``gap``, the first
        two sit ``gap[0]``–``gap[1]`` bp apart (edge to edge)."""
        sites = [self.site(name) for name in names]
        if not sites:
            return
        for _ in range(1000):
            starts = self.rng.integers(5, self.length - max(map(len, sites)) - 5, len(sites))
            if gap is not None and len(sites) >= 2:
                space = int(self.rng.integers(gap[0], gap[1] + 1))
                starts[1] = starts[0] + len(sites[0]) + space
                if starts[1] + len(sites[1]) > self.length - 5:
                    continue
            spans = sorted((s, s + len(site)) for s, site in zip(starts, sites, strict=True))
            if all(a[1] + 5 <= b[0] for a, b in itertools.pairwise(spans)):
                for start, site in zip(starts, sites, strict=True):
                    x[start : start + len(site)] = site
                return
        raise RuntimeError(f"could not place {names} in {self.length} bp")


def decode(x: np.ndarray) -> list[str]:
    return [row.tobytes().decode() for row in demo.ASCII[x]]


def logic_suite(n: int, length: int = 500, seed: int = 1) -> Suite:
    """Single (GATA1), AND (FOXA1 and HNF4A), AND-NOT (CEBPB without REST), with an IRF1
    distractor; every motif planted in half the sequences (GATA1 in 40%), independently."""
    p = Planter(seed, length)
    x = p.background(n)
    rates = {"GATA1": 0.4, "FOXA1": 0.5, "HNF4A": 0.5, "CEBPB": 0.5, "REST": 0.5, "IRF1": 0.5}
    planted = {name: p.rng.random(n) < rate for name, rate in rates.items()}
    for i in range(n):
        p.plant(x[i], [name for name in rates if planted[name][i]])
    labels = {
        "GATA1": planted["GATA1"],
        "FOXA1_AND_HNF4A": planted["FOXA1"] & planted["HNF4A"],
        "CEBPB_NOT_REST": planted["CEBPB"] & ~planted["REST"],
    }
    description = f"{length} bp: one motif, AND, AND-NOT (IRF1 distractor)"
    return _suite("logic", description, x, labels)


def spacing_suite(n: int, length: int = 200, seed: int = 2) -> Suite:
    """Rare positives: MEF2C within 2–20 bp of RUNX1, or KLF4. Negatives hold the same pair
    40+ bp apart, or one of the pair alone."""
    p = Planter(seed, length)
    x = p.background(n)
    kind = p.rng.choice(["close", "far", "klf4", "mef2c", "runx1", "none"], n,
                        p=[0.08, 0.2, 0.06, 0.2, 0.2, 0.26])  # fmt: skip
    for i, k in enumerate(kind):
        if k == "close":
            p.plant(x[i], ["MEF2C", "RUNX1"], gap=(2, 20))
        elif k == "far":
            p.plant(x[i], ["MEF2C", "RUNX1"], gap=(40, 120))
        elif k != "none":
            p.plant(x[i], [k.upper()])
    labels = {"MEF2C_NEAR_RUNX1_OR_KLF4": np.isin(kind, ["close", "klf4"])}
    description = f"{length} bp, 14% positive: a spaced pair OR a third motif"
    return _suite("spacing", description, x, labels)


def counts_suite(n: int, length: int = 1000, seed: int = 3) -> Suite:
    """Regression: the number of YY1 sites (0–4) plus half the number of ELK1 sites (0–2)."""
    p = Planter(seed, length)
    x = p.background(n)
    yy1, elk1 = p.rng.integers(0, 5, n), p.rng.integers(0, 3, n)
    for i in range(n):
        p.plant(x[i], ["YY1"] * yy1[i] + ["ELK1"] * elk1[i] + ["STAT3"] * p.rng.integers(0, 3))
    labels = {"YY1_ELK1_COUNT": yy1 + 0.5 * elk1}
    description = f"{length} bp: a count of two motifs' sites (STAT3 distractor)"
    return _suite("counts", description, x, labels)


def demo_suite() -> Suite:
    """The shipped demo data (held-out chromosomes as in configs/cnn.yaml)."""
    from seqmodels.io.fasta import read_fasta

    ids, seqs = read_fasta(ROOT / "data/demo/sequences.fa")
    labels = pd.read_csv(ROOT / "data/demo/labels.csv").set_index("id").loc[ids]
    config = {"val_chroms": ["chr7"], "test_chroms": ["chr8"]}
    return Suite("demo", "the demo data, 300 bp", seqs, labels, config)


def _suite(name: str, description: str, x: np.ndarray, labels: dict) -> Suite:
    ids = [f"{name}{i}" for i in range(len(x))]
    table = pd.DataFrame({k: v.astype(float) for k, v in labels.items()}, index=ids)
    config = {"val_fraction": 0.1, "test_fraction": 0.2}
    return Suite(name, description, decode(x), table, config)


# --------------------------------------------------------------------------- training


def write_inputs(suite: Suite, folder: Path) -> dict:
    from seqmodels.io.fasta import write_fasta

    write_fasta(folder / "x.fa", suite.labels.index, suite.seqs)
    suite.labels.rename_axis("id").to_csv(folder / "y.csv")
    return {"fasta": str(folder / "x.fa"), "labels": str(folder / "y.csv"), **suite.config}


def train_minimal(
    model: str, data: dict, out: Path, max_epochs: int, changes: dict[str, str]
) -> tuple[dict, int, float]:
    """Test metrics, epochs run and wall seconds of ``seqmodels`` with a minimal config, or
    with the dotted ``changes`` to it (an ablation)."""
    from seqmodels.config import load_config, parse_value, set_dotted
    from seqmodels.workflows.train import train

    config = load_config()
    config["data"].update(data)
    config["model"] = {"name": model}
    for key, value in changes.items():
        set_dotted(config, key, parse_value(value))
    config["trainer"].update(
        max_epochs=max_epochs, enable_progress_bar=False, enable_model_summary=False
    )
    start = time.perf_counter()
    metrics = train(config, out)
    seconds = time.perf_counter() - start
    epochs = len(pd.read_csv(out / "metrics.csv"))
    return metrics, epochs, seconds


class ReferenceCNN(nn.Module):
    """Three conv blocks (conv, batch norm, ReLU, max pooling), global max, one linear layer."""

    def __init__(self, n_outputs: int, channels: int = 128):
        super().__init__()
        layers, width = [], 4
        for kernel, pool in ((15, 4), (7, 4), (5, 1)):
            layers += [
                nn.Conv1d(width, channels, kernel, padding=kernel // 2),
                nn.BatchNorm1d(channels),
                nn.ReLU(),
                nn.MaxPool1d(pool) if pool > 1 else nn.Identity(),
            ]
            width = channels
        self.net = nn.Sequential(*layers, nn.AdaptiveMaxPool1d(1), nn.Flatten())
        self.out = nn.Linear(channels, n_outputs)

    def forward(self, x):
        return self.out(self.net(x))


def train_reference(data: dict, max_epochs: int, seed: int = 0) -> tuple[dict, int, float]:
    """The plain reference on the splits seqmodels uses; the test metrics of its best
    validation epoch."""
    from seqmodels.data import load_sequences
    from seqmodels.data.splits import split_indices
    from seqmodels.encoding import codes_to_one_hot
    from seqmodels.metrics import task_metrics

    sequences = load_sequences(fasta=data["fasta"], labels=data["labels"])
    split = {k: v for k, v in data.items() if k in ("val_chroms", "test_chroms",
                                                     "val_fraction", "test_fraction")}  # fmt: skip
    splits = split_indices(sequences, **split, random_state=seed)
    y = sequences.targets
    regression = not np.isin(y[~np.isnan(y)], (0, 1)).all()
    task = "regression" if regression else ("binary" if y.shape[1] == 1 else "multilabel")
    torch.manual_seed(seed)
    model = ReferenceCNN(y.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_y = torch.from_numpy(y[splits["train"]])
    if regression:
        loss_fn = nn.MSELoss()
    else:
        positives = torch.nansum(train_y, 0)
        weight = ((len(train_y) - positives) / positives.clamp(min=1)).clamp(min=1)
        loss_fn = nn.BCEWithLogitsLoss(pos_weight=weight)
    codes = torch.from_numpy(sequences.codes)

    def scores(index):
        model.eval()
        with torch.no_grad():
            raw = torch.cat([model(codes_to_one_hot(codes[c])) for c in np.array_split(
                index, max(1, len(index) // 256))])  # fmt: skip
        out = raw if regression else raw.sigmoid()
        return task_metrics(task, y[index], out.numpy(), sequences.task_names)

    metric = "mean/pearson" if regression else "mean/auroc"
    best, result = -np.inf, {}
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(max_epochs):
        model.train()
        order = rng.permutation(splits["train"])
        for batch in np.array_split(order, max(1, len(order) // 64)):
            x, target = codes_to_one_hot(codes[batch]), torch.from_numpy(y[batch])
            optimizer.zero_grad()
            loss_fn(model(x), torch.nan_to_num(target)).backward()
            optimizer.step()
        score = scores(splits["val"])[metric]
        if score > best:
            best, result = score, scores(splits["test"])
    return result, max_epochs, time.perf_counter() - start


# --------------------------------------------------------------------------- report


def run(suites: list[Suite], models: list[str], max_epochs: int, changes: dict) -> pd.DataFrame:
    rows = []
    for suite in suites:
        with tempfile.TemporaryDirectory() as folder:
            data = write_inputs(suite, Path(folder))
            for model in models:
                with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if model == "reference":
                        metrics, epochs, seconds = train_reference(data, max_epochs)
                    else:
                        out = Path(folder) / model
                        metrics, epochs, seconds = train_minimal(
                            model, data, out, max_epochs, changes
                        )
                for task in suite.labels.columns:
                    metric = "pearson" if f"{task}/pearson" in metrics else "auroc"
                    rows.append({
                        "suite": suite.name, "task": task, "model": model, "metric": metric,
                        "test": metrics[f"{task}/{metric}"], "epochs": epochs,
                        "s/epoch": seconds / epochs, "wall s": seconds,
                    })  # fmt: skip
                scores = "  ".join(f"{r['task']} {r['test']:.3f}" for r in rows[-suite.n_tasks :])
                print(f"{suite.name:<8} {model:<9} {epochs:>3} epochs {seconds:7.0f} s  {scores}",
                      flush=True)  # fmt: skip
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame, suites: list[Suite], command: str) -> str:
    wide = table.pivot_table(index=["suite", "task", "metric"], columns="model", values="test",
                             sort=False)  # fmt: skip
    models = [m for m in MODELS if m in wide.columns]
    lines = [
        "# Training benchmark: minimal configs",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads).  ",
        f"Command: `{command}`; every seqmodels model trained with a minimal config (the model's "
        f"name, at most {MAX_EPOCHS} epochs); test split metrics.",
        "",
        "| suite | task | metric | " + " | ".join(models) + " | weakest minus reference |",
        "|---|---|---|" + "---:|" * (len(models) + 1),
    ]
    for (suite, task, metric), row in wide.iterrows():
        cells = [f"{row[m]:.3f}" if pd.notna(row[m]) else "–" for m in models]
        ours = [row[m] for m in models if m != "reference" and pd.notna(row[m])]
        known = ours and "reference" in row and pd.notna(row["reference"])
        margin = f"{min(ours) - row['reference']:+.3f}" if known else "–"
        lines.append(f"| {suite} | {task} | {metric} | " + " | ".join(cells) + f" | {margin} |")
    lines += ["", "| suite | what | " + " | ".join(f"{m} epochs, s/epoch" for m in models) + " |",
              "|---|---|" + "---|" * len(models)]  # fmt: skip
    for suite in suites:
        part = table[table["suite"] == suite.name].drop_duplicates("model").set_index("model")
        cells = [f"{part.loc[m, 'epochs']}, {part.loc[m, 's/epoch']:.1f}" if m in part.index
                 else "–" for m in models]  # fmt: skip
        lines.append(f"| {suite.name} | {suite.description} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suites", nargs="+", default=["logic", "spacing", "counts", "demo"])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--quick", action="store_true", help="tiny suites, 2 epochs (tests)")
    parser.add_argument("--n", type=int, default=4000, help="sequences per synthetic suite")
    parser.add_argument(
        "--set",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="ablation: change the minimal config, e.g. model.dense=[64]",
    )
    parser.add_argument("--out", type=Path, help="write the table as Markdown here")
    args = parser.parse_args(argv)
    import pytorch_lightning  # noqa: F401  (its loggers exist once it is imported)

    for name in ["seqmodels", *logging.root.manager.loggerDict]:
        if name.startswith(("seqmodels", "pytorch_lightning", "lightning")):
            logging.getLogger(name).setLevel(logging.WARNING)
    n = 300 if args.quick else args.n

    makers = {
        "logic": lambda: logic_suite(n),
        "spacing": lambda: spacing_suite(n),
        "counts": lambda: counts_suite(n // 2),
        "demo": demo_suite,
    }
    suites = [makers[name]() for name in args.suites]
    epochs = 2 if args.quick else MAX_EPOCHS
    changes = dict(change.split("=", 1) for change in args.set)
    table = run(suites, args.models, epochs, changes)
    command = "python scripts/benchmark_training.py " + " ".join(argv or sys.argv[1:])
    text = markdown(table, suites, command.strip())
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
