"""Coverage benchmark: a profile model learns simulated ChIP-nexus coverage from bigWig files.

The data (simulated here, the same for every seed): a genome of five chromosomes laid out as
slots of 1 kb, 80% of them peaks that hold one to three binding sites of two factors (CTCF,
JASPAR MA0139.2, and SPI1, MA0080.7; instances drawn from the matrices, so their scores
vary), 20% background. Each site draws reads in proportion to its strength — the depth of its
factor times 2^((log-odds score − median) / 4), times a log-normal factor (s.d. 0.3) that the
sequence cannot tell — in the factor's footprint: ChIP-nexus-like Laplace peaks on the plus
strand upstream and on the minus strand downstream of the site, over a broad Gaussian
shoulder; every base also draws background reads. Counts are Poisson, written as one
stranded pair of bigWigs per factor; a BED names a 400 bp window around each slot's centre
(peaks' sites sit up to 50 bp off it).

Figures, each against a baseline in the same run:

- accuracy: ``seqmodels train`` with a minimal config (the data, ``target_length: 200``, the
  splits, ``model: dilated``) on chr1–3, test on chr5: count Pearson of both tasks over all
  test windows and over peaks, profile Pearson over the windows where each factor binds,
  against their ceilings (the simulation's own expected coverage scored the same way: what
  Poisson noise leaves to learn);
- training speed: the Lightning path against a plain PyTorch loop of the same model, loss,
  data and augmentation;
- target loading: windows/s read from the bigWigs (sequences and coverage, as training
  reads them) against windows/s trained on.

Usage: python scripts/benchmark_coverage.py [--quick] [--out scripts/benchmark_coverage.md]
                                             [--workdir DIR]
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from benchmark import Goal, Row, cpu_model, epoch_timer, markdown, number  # noqa: E402

from seqmodels.allocator import keep_large_allocations  # noqa: E402

FACTORS = {  # name: JASPAR 2024 matrix, median reads per site, footprint offset and scale
    "CTCF": ("MA0139.2", 300.0, 8, 5.0),
    "SPI1": ("MA0080.7", 200.0, 5, 3.0),
}
SHOULDER, SHOULDER_SD = 0.3, 40.0  # share of a site's reads in the broad shoulder, its s.d.
BACKGROUND = 0.02  # reads per base per strand
NOISE_SD = 0.3  # log-normal factor on each site's reads
SLOT, WINDOW, TARGET = 1000, 400, 200
PEAK_FRACTION, JITTER, HALF = 0.8, 50, 150
GC = 0.42
CHROMS = ("chr1", "chr2", "chr3", "chr4", "chr5")
BASES = "ACGT"


def simulate(folder: Path, slots_per_chrom: int, seed: int = 0) -> dict:
    """Write ``genome.fa``, ``windows.bed``, ``peaks.bed`` and ``FACTOR.plus/minus.bw`` (and
    ``expected.npz``: the expected coverage of each window's centre, which windows are
    peaks, and which factors bind in each) under ``folder``."""
    from pyjaspar import jaspardb

    from seqmodels.io.tracks import bigwig_writer

    rng = np.random.default_rng(seed)
    jaspar = jaspardb(release="JASPAR2024")
    matrices = {}
    for name, (matrix_id, *_) in FACTORS.items():
        counts = jaspar.fetch_motif_by_id(matrix_id).counts
        m = np.array([counts[b] for b in BASES], dtype=float) + 0.1
        matrices[name] = m / m.sum(axis=0)
    background = np.array([(1 - GC) / 2, GC / 2, GC / 2, (1 - GC) / 2])
    size = SLOT * slots_per_chrom
    sizes = {c: size for c in CHROMS}
    expected = {c: np.full((len(FACTORS), 2, size), BACKGROUND) for c in CHROMS}
    genome, windows, peaks, bound = {}, [], [], []
    for chrom in CHROMS:
        codes = rng.choice(4, size=size, p=background)
        for slot in range(slots_per_chrom):
            centre = slot * SLOT + SLOT // 2
            is_peak = rng.random() < PEAK_FRACTION
            windows.append((chrom, centre - WINDOW // 2, centre + WINDOW // 2, is_peak))
            bound.append(np.zeros(len(FACTORS), dtype=bool))
            if not is_peak:
                continue
            peaks.append((chrom, centre - WINDOW // 2, centre + WINDOW // 2))
            for position in _site_positions(rng, centre):
                f = rng.integers(len(FACTORS))
                name = list(FACTORS)[f]
                bound[-1][f] = True
                matrix = matrices[name]
                site = np.array([rng.choice(4, p=matrix[:, j]) for j in range(matrix.shape[1])])
                minus = rng.random() < 0.5
                planted = 3 - site[::-1] if minus else site
                start = position - len(site) // 2
                codes[start : start + len(site)] = planted
                score = np.log2(matrix[site, np.arange(len(site))] / background[site]).sum()
                best = np.log2(matrix.max(axis=0) / background[matrix.argmax(axis=0)]).sum()
                reads = FACTORS[name][1] * 2 ** ((score - 0.8 * best) / 4)
                reads *= rng.lognormal(0, NOISE_SD)
                _add_footprint(expected[chrom][f], position, reads, *FACTORS[name][2:])
        genome[chrom] = np.frombuffer(BASES.encode(), dtype=np.uint8)[codes].tobytes().decode()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "genome.fa", "w") as handle:
        for chrom, sequence in genome.items():
            handle.write(f">{chrom}\n")
            handle.writelines(sequence[i : i + 60] + "\n" for i in range(0, size, 60))
    for path, rows in (("windows.bed", windows), ("peaks.bed", peaks)):
        with open(folder / path, "w") as handle:
            handle.writelines(f"{c}\t{s}\t{e}\n" for c, s, e, *_ in rows)
    targets = []
    for f, name in enumerate(FACTORS):
        pair = []
        for k, strand in enumerate(("plus", "minus")):
            path = folder / f"{name}.{strand}.bw"
            with bigwig_writer(path, sizes, zooms=2) as writer:
                for chrom in CHROMS:
                    writer.add(chrom, 0, rng.poisson(expected[chrom][f, k]).astype(np.float32))
            pair.append(str(path))
        targets.append(pair)
    offset = (WINDOW - TARGET) // 2
    centre = np.stack(
        [expected[c][:, :, s + offset : s + offset + TARGET] for c, s, _, _ in windows]
    )  # (N, tasks, 2, TARGET)
    np.savez(
        folder / "expected.npz",
        expected=centre.reshape(len(windows), -1, TARGET),
        peak=np.array([w[3] for w in windows]),
        bound=np.array(bound),
        chrom=np.array([w[0] for w in windows]),
    )
    return {"targets": targets, "windows": len(windows), "peaks": len(peaks)}


def _site_positions(rng: np.random.Generator, centre: int) -> list[int]:
    """One to three site centres within ``JITTER`` of ``centre``, at least 25 bp apart."""
    n = rng.integers(1, 4)
    positions: list[int] = []
    while len(positions) < n:
        p = int(centre + rng.integers(-JITTER, JITTER + 1))
        if all(abs(p - q) >= 25 for q in positions):
            positions.append(p)
    return positions


def _add_footprint(expected: np.ndarray, position: int, reads: float, offset: int, scale: float):
    """Add a site's expected reads to the plus (``expected[0]``) and minus strand."""
    x = np.arange(-HALF, HALF + 1)
    shoulder = np.exp(-0.5 * (x / SHOULDER_SD) ** 2)
    shoulder /= shoulder.sum()
    for k, centre in enumerate((-offset, offset)):
        peak = np.exp(-np.abs(x - centre) / scale)
        shape = 0.5 * ((1 - SHOULDER) * peak / peak.sum() + SHOULDER * shoulder)
        expected[k, position - HALF : position + HALF + 1] += reads * shape


def minimal_config(folder: Path, targets: list, max_epochs: int | None) -> dict:
    from seqmodels.config import load_config

    config = load_config()
    config["data"].update(
        bed=str(folder / "windows.bed"), genome=str(folder / "genome.fa"), targets=targets,
        target_length=TARGET, val_chroms=["chr4"], test_chroms=["chr5"],
    )  # fmt: skip
    config["model"] = {"name": "dilated"}
    config["trainer"].update(enable_progress_bar=False, enable_model_summary=False)
    if max_epochs:
        config["trainer"]["max_epochs"] = max_epochs
    return config


def bench_accuracy(folder: Path, config: dict) -> list[Row]:
    """Train with the minimal config; test count Pearson over all windows and over peaks,
    profile Pearson over each factor's bound windows, each against its ceiling: the same
    metric of the simulation's expected coverage."""
    from seqmodels.checkpoint import load_task
    from seqmodels.profiles import profile_metrics
    from seqmodels.workflows.inputs import read_config_records
    from seqmodels.workflows.train import train

    run = folder / "run"
    start = time.perf_counter()
    train(config, run)
    minutes = (time.perf_counter() - start) / 60
    epochs = len(pd.read_csv(run / "metrics.csv"))
    task = load_task(run / "checkpoints" / "best.ckpt").eval()
    strands, names = task.hparams.strands, list(task.hparams.task_names)
    records = read_config_records(config["data"])
    simulated = np.load(folder / "expected.npz")
    test = simulated["chrom"] == "chr5"
    codes = torch.from_numpy(_codes(records.seqs, np.flatnonzero(test))).long()
    with torch.no_grad():
        logits, log_counts = task.raw_outputs(
            torch.nn.functional.one_hot(codes, 4).permute(0, 2, 1).float()
        )
    observed, truth = records.profiles[test], simulated["expected"][test]
    model = (observed, logits.numpy(), log_counts.numpy())
    ceiling = (observed, np.log(truth), _log_totals(truth, strands))
    trained = f"minimal config, {epochs} epochs, {minutes:.0f} min"

    def scores(keep, metric: str) -> tuple[float, float, str]:
        """The model's and the ceiling's ``metric`` over windows ``keep`` ``(N, T)``."""
        values = []
        for arrays in (model, ceiling):
            per_task = [
                profile_metrics(*(a[keep[:, t]] for a in arrays), strands, names)[
                    f"{name}/{metric}"
                ]
                for t, name in enumerate(names)
            ]
            values.append(per_task)
        shown = ", ".join(f"{n} {v:.3f}" for n, v in zip(names, values[0], strict=True))
        return float(np.mean(values[0])), float(np.mean(values[1])), shown

    every = np.ones((test.sum(), len(names)), dtype=bool)
    peaks = np.repeat(simulated["peak"][test][:, None], len(names), axis=1)
    rows = []
    for metric, keep, what, goal in (
        ("count_pearson", every, f"all {test.sum():,} test windows", 0.8),
        ("count_pearson", peaks, f"the {peaks[:, 0].sum():,} test peaks", None),
        ("profile_pearson", simulated["bound"][test], "each factor's bound test windows", 0.6),
    ):
        value, best, shown = scores(keep, metric)
        rows.append(
            Row(
                "accuracy",
                f"{metric.replace('_', ' ')}, {what} (mean of {shown}); {trained}",
                f"{value:.3f}",
                f"ceiling (the simulation's expected coverage): {best:.3f}",
                value / best,
                None if goal is None else Goal(">=", round(goal / best, 3), f" (value ≥ {goal})"),
            )
        )
    return rows


def _codes(seqs: list[str], index: np.ndarray) -> np.ndarray:
    from seqmodels.alphabets import get_alphabet
    from seqmodels.encoding import to_indices

    return to_indices([seqs[i] for i in index], get_alphabet("dna"))


def _log_totals(expected: np.ndarray, strands: list[int]) -> np.ndarray:
    """log(1 + total) of each task, ``(N, T)``, from coverage ``(N, K, P)``."""
    from seqmodels.profiles import task_slices

    return np.stack([np.log1p(expected[:, t].sum(axis=(1, 2))) for t in task_slices(strands)], 1)


def bench_speed(config: dict, *, epochs: int) -> list[Row]:
    """Lightning against a plain loop; bigWig loading against training, in windows/s."""
    import pytorch_lightning as pl

    from seqmodels.data.module import augment, augmentation, reverse_profiles
    from seqmodels.encoding import codes_to_one_hot
    from seqmodels.workflows.inputs import read_config_records
    from seqmodels.workflows.train import build_task, datamodule_from_config

    start = time.perf_counter()
    records = read_config_records(config["data"])
    loading = len(records.seqs) / (time.perf_counter() - start)

    datamodule = datamodule_from_config(config)
    n = len(datamodule.splits["train"])
    sequences = datamodule.sequences
    torch.manual_seed(0)
    task = build_task(config, datamodule).train()
    optimizer = torch.optim.AdamW(task.parameters(), lr=config["optim"]["lr"],
                                  weight_decay=config["optim"]["weight_decay"])  # fmt: skip

    def plain_epoch(epoch: int) -> None:
        for codes, _, profiles, index in datamodule.train_dataloader():
            flip, shift = augmentation(
                index.numpy(), random_state=datamodule.random_state, epoch=epoch,
                reverse_complement=datamodule.reverse_complement, max_shift=0,
            )  # fmt: skip
            flip = torch.from_numpy(flip)
            codes = augment(codes, sequences.alphabet, flip=flip, shift=torch.from_numpy(shift))
            profiles = reverse_profiles(profiles, flip, sequences.strands)
            loss = task.loss(task(codes_to_one_hot(codes, sequences.alphabet)), profiles)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    times = []
    for epoch in range(1 + epochs):
        start = time.perf_counter()
        plain_epoch(epoch)
        times.append(time.perf_counter() - start)
    plain = n / min(times[1:])

    torch.manual_seed(0)
    timer = epoch_timer(lambda: None)
    trainer = pl.Trainer(
        max_epochs=1 + epochs, accelerator="cpu", devices=1, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        limit_val_batches=0, num_sanity_val_steps=0, callbacks=[timer],
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        trainer.fit(build_task(config, datamodule), datamodule=datamodule)
    lightning = n / min(timer.times[1:])
    timed = f"fastest of {epochs} epochs after a warm-up"
    return [
        Row(
            "training",
            f"Lightning `Trainer` on the profile model (dilated, 2 stranded tasks), {n:,} "
            f"training windows of {WINDOW} bp, {timed}",
            f"{number(lightning)} windows/s",
            f"plain PyTorch loop, same model, BPNet loss, data, augmentation and AdamW: "
            f"{number(plain)}",
            lightning / plain,
            Goal(">=", 0.9),
        ),
        Row(
            "loading",
            f"`read_config_records`: windows read from the genome FASTA and 4 bigWigs "
            f"({len(records.seqs):,} windows, {TARGET} bp of coverage per track)",
            f"{number(loading)} windows/s",
            f"training (Lightning, above): {number(lightning)} windows/s",
            loading / lightning,
            Goal(">=", 10),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that it runs")
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    parser.add_argument("--workdir", type=Path, help="keep the data and run here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    keep_large_allocations()
    torch.set_num_threads(torch.get_num_threads())
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.workdir or Path(tmp)
        slots = 60 if args.quick else 1000
        print(f"simulating {5 * slots:,} windows in {folder} …", file=sys.stderr)
        data = simulate(folder, slots)
        config = minimal_config(folder, data["targets"], 2 if args.quick else None)
        print("speed …", file=sys.stderr)
        rows = bench_speed(config, epochs=1 if args.quick else 2)
        print("training with the minimal config …", file=sys.stderr)
        rows = bench_accuracy(folder, config) + rows
    command = shlex.join(["python", "scripts/benchmark_coverage.py", *(argv or sys.argv[1:])])
    head = (
        f"Machine: {cpu_model()}, {torch.get_num_threads()} threads, torch {torch.__version__}"
        f"{' — quick run: the figures mean nothing' if args.quick else ''}.  \n"
        f"Command: `{command}` ({data['windows']:,} windows, {data['peaks']:,} peaks).  \n"
        "Ratio = value ÷ baseline; goals apply to the ratio."
    )
    text = head + "\n\n" + markdown(rows) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
