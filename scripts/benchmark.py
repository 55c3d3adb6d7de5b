"""Benchmarks of seqmodels, each figure a ratio against a baseline run in the same process.

Sub-benchmarks (default: all of them, in this order):

  encoding     Mbp/s of ``one_hot_encode`` and ``to_indices`` against tangermeme's
               ``one_hot_encode`` (per sequence, and its batched path) and a memory copy
  pipeline     batches/s the training loader delivers against batches/s the default CNN
               trains on; bytes of memory a loaded data set holds per base
  training     sequences/s of the Lightning path against a plain PyTorch loop
  attribution  seconds per sequence on a Basset-size CNN, in units of one forward+backward
               pass, against tangermeme, Captum and a naive batched ISM
  variants     variants/s scored by ``score_variants`` against a loop calling ``predict``
  bigwig       bases/s writing per-base tracks against pyBigWig's ``addEntries``
  streaming    peak RSS of ``seqmodels attribute`` and ``predict`` (predicted tracks) over
               10× more intervals
  allocator    DeepLIFT-SHAP at large batches with glibc's default mmap threshold and with
               the heap kept (``seqmodels.allocator``, what the CLI does), and the RSS kept
  accuracy     how well each attribution method ranks the planted motif positions of the
               trained demo model (needs ``make demo``; skipped without its checkpoint)

Prints a Markdown table (and writes it to ``--out``): one row per figure with its value,
its baseline, their ratio (value ÷ baseline), the goal and whether it is met, under a header
naming the machine and the command that reproduces it. Progress goes to stderr.

``--quick`` runs every benchmark at tiny sizes, to check that it runs (in CI); its figures
mean nothing. Optional baselines that are not installed (tangermeme: ``pip install -e
".[dev]"``) are skipped and the table says so.

Usage: python scripts/benchmark.py [BENCHMARK ...] [--quick] [--out scripts/benchmark.md]
                                   [--device cpu|cuda] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import importlib.metadata
import logging
import os
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from seqmodels.allocator import keep_large_allocations

ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = ROOT / "configs" / "cnn.yaml"
DEMO_CHECKPOINT = ROOT / "runs" / "demo" / "checkpoints" / "best.ckpt"
BASSET = {
    "filters": (300, 200, 200),
    "kernel_sizes": (19, 11, 7),
    "pool_size": 3,
    "dense": (1000, 1000),
}
"""Basset's convolutions (Kelley et al. 2016) and dense layers in seqmodels' ``cnn``, with its
164 outputs; one pool size (3) after the first two blocks where Basset pools by 3 and 4, and
a global max pool at the end."""
BASSET_OUTPUTS = 164
HEAP_KEPT = False
"""Whether this run keeps large allocations in the heap (``main`` does, as the CLI)."""
BPNET = {"filters": 64, "first_kernel_size": 21, "kernel_size": 3, "n_dilated": 9}
"""BPNet's trunk (Avsec et al. 2021) in seqmodels' ``dilated``: 64 channels, a first
convolution of 21, 9 residual dilated convolutions of 3 (dilations 2 … 512)."""


@dataclass(frozen=True)
class Goal:
    """``ratio op threshold``, e.g. ``Goal(">=", 4)``; ``note`` is shown after it."""

    op: str
    threshold: float
    note: str = ""

    def met(self, ratio: float) -> bool:
        return ratio >= self.threshold if self.op == ">=" else ratio <= self.threshold

    def __str__(self) -> str:
        sign = "≥" if self.op == ">=" else "≤"
        return f"{sign} {self.threshold:g}×{self.note}"


@dataclass
class Row:
    """One figure of the table; ``ratio`` is value ÷ baseline (None: not measured)."""

    benchmark: str
    figure: str
    value: str
    baseline: str
    ratio: float | None = None
    goal: Goal | None = None

    def cells(self) -> list[str]:
        ratio = "–" if self.ratio is None else f"{number(self.ratio)}×"
        if self.goal is None or self.ratio is None:
            met = "–"
        else:
            met = "yes" if self.goal.met(self.ratio) else "no"
        goal = "–" if self.goal is None else str(self.goal)
        return [self.benchmark, self.figure, self.value, self.baseline, ratio, goal, met]


@dataclass(frozen=True)
class Sizes:
    """How much work each sub-benchmark times."""

    sequences: int  # encoding: random sequences of 1,000 bp
    repeats: int  # timed runs of the quick timings (the fastest counts)
    train_steps: int  # pipeline: training steps of the default CNN
    train_sequences: int | None  # training: demo training sequences (None: all)
    epochs: int  # training: timed epochs, after a warm-up epoch
    attribution: tuple[int, int, int]  # length, sequences, sequences for ISM
    tracks: int  # bigwig: tracks of 1,000 bp
    intervals: tuple[int, int]  # streaming: the two runs' intervals of 1,000 bp
    carriers: int | None  # accuracy: held-out sequences with a planted site (None: all)


FULL = Sizes(10_000, 3, 30, None, 3, (1_000, 16, 2), 10_000, (10_000, 100_000), None)
QUICK = Sizes(500, 2, 2, 64, 1, (100, 2, 1), 200, (200, 2_000), 4)


@dataclass
class Setting:
    """What every sub-benchmark is given."""

    quick: bool
    sizes: Sizes
    device: torch.device
    batch_size: int
    checkpoint: Path
    workdir: Path
    failed: bool = False

    def sync(self) -> None:
        """Wait for queued device work, so that timings include it."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)


def number(x: float) -> str:
    """Three significant digits, with thousands separators for large numbers."""
    if not np.isfinite(x):
        return str(x)
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def seconds(fn: Callable[[], object], *, repeats: int = 3, warmup: bool = True, sync=None):
    """Fastest of ``repeats`` runs of ``fn``, in seconds (after one untimed run)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if sync is not None:
            sync()
        times.append(time.perf_counter() - start)
    return min(times)


def optional(module: str):
    """``module`` imported, or None when it (or something it needs) is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def attempt(s: Setting, benchmark: str, what: str, fn: Callable[[], list[Row]]) -> list[Row]:
    """``fn()``'s rows; if it fails, a row saying so (and ``s.failed``), so the rest goes on."""
    try:
        return fn()
    except Exception as err:
        traceback.print_exc()
        s.failed = True
        return [Row(benchmark, f"{what}: ERROR", "–", f"{type(err).__name__}: {err}")]


def skipped(package: str) -> str:
    return f"{package} not installed: skipped (pip install -e '.[dev]')"


def random_sequences(n: int, length: int, rng: np.random.Generator) -> list[str]:
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    raw = letters[rng.integers(0, 4, (n, length))]
    return [row.tobytes().decode() for row in raw]


def random_one_hot(n: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """``(n, 4, length)`` float32 one-hot of random bases."""
    codes = torch.randint(0, 4, (n, length), generator=generator)
    return torch.nn.functional.one_hot(codes, 4).transpose(1, 2).float().contiguous()


# encoding ---------------------------------------------------------------------------------


def bench_encoding(s: Setting) -> list[Row]:
    """Mbp/s of seqmodels' encoders against tangermeme and a copy of the output bytes."""
    from seqmodels import one_hot_encode, to_indices

    n, length, repeats = s.sizes.sequences, 1_000, s.sizes.repeats
    seqs = random_sequences(n, length, np.random.default_rng(0))
    size = f"{n:,} × {length:,} bp"

    def mbps(fn) -> float:
        return n * length / seconds(fn, repeats=repeats) / 1e6

    one_hot = mbps(lambda: one_hot_encode(seqs))
    indices = mbps(lambda: to_indices(seqs))
    # The hardware ceiling: copying as many bytes as each encoder writes, into memory
    # already mapped (the encoders also map fresh pages for their output).
    ceilings = {}
    for name, shape, dtype in (
        ("codes", (n, length), np.uint8),
        ("one-hot", (n, 4, length), np.float32),
    ):
        source, target = np.ones(shape, dtype), np.zeros(shape, dtype)
        ceilings[name] = mbps(lambda source=source, target=target: np.copyto(target, source))
    rows = [
        Row(
            "encoding",
            f"`to_indices` → uint8 (N, L), {size}",
            f"{number(indices)} Mbp/s",
            f"`numpy.copyto` of the uint8 output: {number(ceilings['codes'])} Mbp/s",
            indices / ceilings["codes"],
            Goal(">=", 0.5),
        ),
        Row(
            "encoding",
            f"`one_hot_encode` → float32 (N, 4, L), {size}",
            f"{number(one_hot)} Mbp/s",
            f"`numpy.copyto` of the float32 output: {number(ceilings['one-hot'])} Mbp/s",
            one_hot / ceilings["one-hot"],
        ),
    ]
    utils = optional("tangermeme.utils")
    if utils is None:
        for figure, goal in (("public `one_hot_encode`", 4), ("batched path", 1)):
            rows.append(
                Row(
                    "encoding",
                    f"`one_hot_encode` vs tangermeme's {figure}",
                    f"{number(one_hot)} Mbp/s",
                    skipped("tangermeme"),
                    goal=Goal(">=", goal),
                )
            )
        return rows
    version = importlib.metadata.version("tangermeme")
    threads = torch.get_num_threads()

    def per_sequence():
        return torch.stack([utils.one_hot_encode(x) for x in seqs])

    def batched():  # what tangermeme.io's extract_loci encodes windows with
        return torch.from_numpy(utils._one_hot_encode_rows(seqs, n_jobs=threads))

    looped, rows_path = mbps(lambda: per_sequence().float()), mbps(lambda: batched().float())
    native = mbps(batched)
    rows += [
        Row(
            "encoding",
            "`one_hot_encode` vs tangermeme's public `one_hot_encode`, one call per sequence, "
            "stacked, as float32",
            f"{number(one_hot)} Mbp/s",
            f"tangermeme {version}: {number(looped)} Mbp/s",
            one_hot / looped,
            Goal(">=", 4),
        ),
        Row(
            "encoding",
            "`one_hot_encode` vs tangermeme's batched `utils._one_hot_encode_rows` "
            f"(n_jobs={threads}), as float32",
            f"{number(one_hot)} Mbp/s",
            f"tangermeme {version}: {number(rows_path)} Mbp/s",
            one_hot / rows_path,
            Goal(">=", 1),
        ),
        Row(
            "encoding",
            "`one_hot_encode` (float32) vs the same batched path, left int8 (a quarter "
            "of the bytes)",
            f"{number(one_hot)} Mbp/s",
            f"tangermeme {version}: {number(native)} Mbp/s",
            one_hot / native,
        ),
    ]
    return rows


# pipeline and training --------------------------------------------------------------------


def demo_datamodule(*, n_train: int | None = None):
    """The demo configuration (default CNN, demo data) and its DataModule; with
    ``n_train``, only the first ``n_train`` training sequences."""
    from seqmodels.config import load_config
    from seqmodels.data.module import SequenceDataModule
    from seqmodels.workflows.train import datamodule_from_config

    config = load_config(DEMO_CONFIG)
    for key in ("fasta", "labels"):
        config["data"][key] = str(ROOT / config["data"][key])
    datamodule = datamodule_from_config(config)
    if n_train is not None:
        splits = dict(datamodule.splits, train=datamodule.splits["train"][:n_train])
        datamodule = SequenceDataModule(
            datamodule.sequences,
            splits,
            batch_size=datamodule.batch_size,
            reverse_complement=datamodule.reverse_complement,
            max_shift=datamodule.max_shift,
            random_state=datamodule.random_state,
        )
    return config, datamodule


def device_batches(datamodule, device: torch.device, epoch: int = 0):
    """The training batches as the model receives them: gathered, moved to ``device``,
    augmented and one-hot encoded there (as the DataModule does once Lightning moves them)."""
    from seqmodels.data.module import augment, augmentation
    from seqmodels.encoding import codes_to_one_hot

    alphabet = datamodule.sequences.alphabet
    for codes, _, y, index in datamodule.train_dataloader():  # no numeric channels here
        codes, y = codes.to(device, non_blocking=True), y.to(device, non_blocking=True)
        flip, shift = augmentation(
            index.numpy(),
            random_state=datamodule.random_state,
            epoch=epoch,
            reverse_complement=datamodule.reverse_complement,
            max_shift=datamodule.max_shift,
        )
        flip, shift = torch.from_numpy(flip).to(device), torch.from_numpy(shift).to(device)
        yield codes_to_one_hot(augment(codes, alphabet, flip=flip, shift=shift), alphabet), y


def train_step(task, optimizer, x, y) -> None:
    loss = task.loss(task(x), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def plain_optimizer(task, config) -> torch.optim.Optimizer:
    optim = config["optim"]
    return torch.optim.AdamW(task.parameters(), lr=optim["lr"], weight_decay=optim["weight_decay"])


def bench_pipeline(s: Setting) -> list[Row]:
    """Loader batches/s against training batches/s; bytes held per base once loaded."""
    from seqmodels.data import load_sequences
    from seqmodels.workflows.train import build_task

    config, datamodule = demo_datamodule()
    n_batches = len(datamodule.train_dataloader())
    epoch = seconds(
        lambda: sum(1 for _ in device_batches(datamodule, s.device)),
        repeats=s.sizes.repeats,
        sync=s.sync,
    )
    loader = n_batches / epoch

    torch.manual_seed(0)
    task = build_task(config, datamodule).to(s.device).train()
    optimizer = plain_optimizer(task, config)
    steps = s.sizes.train_steps
    batches = []
    for batch in device_batches(datamodule, s.device):
        batches.append(batch)
        if len(batches) == steps:
            break
    train_step(task, optimizer, *batches[0])  # warm-up
    s.sync()
    start = time.perf_counter()
    for x, y in batches:
        train_step(task, optimizer, x, y)
    s.sync()
    training = len(batches) / (time.perf_counter() - start)
    batch_size = datamodule.batch_size

    data = config["data"]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    sequences = load_sequences(
        fasta=data["fasta"], labels=data["labels"], alphabet=data["alphabet"], length=data["length"]
    )
    held, peak = (m - before for m in tracemalloc.get_traced_memory())
    tracemalloc.stop()
    bases = len(sequences) * sequences.length
    targets = sequences.targets.shape[1] if sequences.targets is not None else 0
    demo = f"demo data ({len(sequences):,} × {sequences.length} bp, {targets} labels)"
    return [
        Row(
            "pipeline",
            f"train loader (gather, to {s.device.type}, augment, one-hot), batches of "
            f"{batch_size}, demo data",
            f"{number(loader)} batches/s",
            f"default CNN (configs/cnn.yaml) training steps: {number(training)} batches/s",
            loader / training,
            Goal(">=", 10),
        ),
        Row(
            "pipeline",
            f"memory held after `load_sequences` (tracemalloc), {demo}",
            f"{held / bases:.3g} bytes/base",
            "1 byte/base (uint8 codes)",
            held / bases,
            Goal("<=", 1.1),
        ),
        Row(
            "pipeline",
            f"peak memory while loading (tracemalloc), {demo}",
            f"{peak / bases:.3g} bytes/base",
            "1 byte/base (uint8 codes)",
            peak / bases,
        ),
    ]


def epoch_timer(sync: Callable[[], None]):
    """A Lightning callback that keeps the wall time of each training epoch in ``.times``
    (made here so that Lightning is imported only by the benchmarks that use it)."""
    import pytorch_lightning as pl

    class EpochTimer(pl.Callback):
        def __init__(self):
            self.times: list[float] = []

        def on_train_epoch_start(self, trainer, task) -> None:
            sync()
            self.start = time.perf_counter()

        def on_train_epoch_end(self, trainer, task) -> None:
            sync()
            self.times.append(time.perf_counter() - self.start)

    return EpochTimer()


def bench_training(s: Setting) -> list[Row]:
    """Sequences/s of seqmodels' Lightning path against a plain loop, same model and data."""
    import pytorch_lightning as pl

    from seqmodels.workflows.train import build_task

    config, datamodule = demo_datamodule(n_train=s.sizes.train_sequences)
    n = len(datamodule.splits["train"])
    epochs = s.sizes.epochs

    torch.manual_seed(0)
    task = build_task(config, datamodule).to(s.device).train()
    optimizer = plain_optimizer(task, config)

    def plain_epoch():
        for x, y in device_batches(datamodule, s.device):
            train_step(task, optimizer, x, y)

    plain = n / seconds(plain_epoch, repeats=epochs, sync=s.sync)

    torch.manual_seed(0)
    timer = epoch_timer(s.sync)
    cuda = s.device.type == "cuda"
    trainer = pl.Trainer(
        max_epochs=1 + epochs,
        accelerator="gpu" if cuda else "cpu",
        devices=[s.device.index or 0] if cuda else 1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        callbacks=[timer],
    )
    trainer.fit(build_task(config, datamodule), datamodule=datamodule)
    lightning = n / min(timer.times[1:])
    timed = f"fastest of {epochs} epoch{'s' if epochs > 1 else ''} after a warm-up"
    return [
        Row(
            "training",
            f"Lightning `Trainer` on `SequenceTask`, default CNN, {n:,} demo training "
            f"sequences, {timed}",
            f"{number(lightning)} sequences/s",
            f"plain PyTorch loop, same model, data, augmentation and AdamW: {number(plain)}",
            lightning / plain,
            Goal(">=", 0.9),
        )
    ]


# attribution ------------------------------------------------------------------------------


def forward_backward(model, X, batch_size: int) -> Callable[[], None]:
    """One forward and backward pass (input gradients of output 0) over ``X``: the unit."""

    def run():
        for chunk in X.split(batch_size):
            x = chunk.clone().requires_grad_(True)
            model(x)[:, 0].sum().backward()

    return run


def interleaved(*fns: Callable[[], object], rounds: int = 3, sync=None) -> list[float]:
    """The fastest of ``rounds`` runs of each of ``fns``, in seconds, the functions taking
    turns (after a warm-up run each), so that drifts in the machine's speed reach them alike."""
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            if sync is not None:
                sync()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


@torch.no_grad()
def naive_ism(model, X, batch_size: int) -> torch.Tensor:
    """Saturation mutagenesis the plain way: every variant through the whole model, batched.

    Returns ``(N, A, L)``: output 0 of each variant minus that of its sequence (zero at the
    observed bases).
    """
    effects = torch.zeros_like(X)
    for i in range(len(X)):
        reference = model(X[i : i + 1])[0, 0]
        position, symbol = torch.nonzero(X[i].T == 0, as_tuple=True)  # substitutions
        for p, b in zip(position.split(batch_size), symbol.split(batch_size), strict=True):
            variants = X[i].repeat(len(p), 1, 1)
            rows = torch.arange(len(p), device=X.device)
            variants[rows, :, p] = 0.0
            variants[rows, b, p] = 1.0
            effects[i, b, p] = model(variants)[:, 0] - reference
    return effects


def bench_attribution(s: Setting) -> list[Row]:
    """Seconds per sequence of each method on a Basset-size CNN, in forward+backward units;
    DeepLIFT-SHAP against tangermeme and Captum, there and on a BPNet-size dilated model."""
    from seqmodels.attribution import attribute
    from seqmodels.models import build_model

    length, n, n_ism = s.sizes.attribution
    torch.manual_seed(0)
    model = build_model("cnn", alphabet_size=4, n_outputs=BASSET_OUTPUTS, **BASSET)
    model.eval().to(s.device).requires_grad_(False)
    X = random_one_hot(n, length, torch.Generator().manual_seed(0)).to(s.device)
    bs = s.batch_size
    what = (
        f"{n} random sequences × {length:,} bp; Basset-size CNN (filters 300/200/200, kernels "
        f"19/11/7, dense 1000/1000), untrained; batches of {bs}"
    )
    unit = forward_backward(model, X, bs)
    times: dict[str, float] = {}  # seconds per sequence of ``attribute``
    units: dict[str, float] = {}  # seconds per sequence of the unit, measured beside it

    def ours(method: str, x=X, **options) -> torch.Tensor:
        """Time ``attribute`` and the unit in turns into ``times`` and ``units``; the result."""

        def run():
            return attribute(model, x, method=method, batch_size=bs, device=s.device, **options)

        t, u = interleaved(run, unit, sync=s.sync)
        times[method], units[method] = t / len(x), u / n
        return run()

    def in_units(method: str, name: str, goal: float, **options) -> list[Row]:
        ours(method, **options)
        t, u = times[method], units[method]
        figure = f"{name}: time in forward+backward units; {what}"
        value, baseline = (
            f"{number(1e3 * t)} ms/seq",
            f"one forward+backward: {number(1e3 * u)} ms/seq",
        )
        return [Row("attribution", figure, value, baseline, t / u, Goal("<=", goal))]

    rows = attempt(s, "attribution", "saliency", lambda: in_units("saliency", "saliency", 1.3))
    rows += attempt(
        s,
        "attribution",
        "integrated gradients",
        lambda: in_units("integrated_gradients", "integrated gradients, 50 steps", 52, n_steps=50),
    )
    rows += attempt(s, "attribution", "IG overhead", lambda: path_overhead(model, X, s))
    rows += attempt(
        s,
        "attribution",
        "DeepLIFT-SHAP",
        lambda: in_units("deeplift_shap", "DeepLIFT-SHAP, 20 shuffles", 25, n_shuffles=20),
    )
    rows += attempt(
        s, "attribution", "tangermeme", lambda: tangermeme_rows(model, X, s, "Basset-size CNN")
    )
    rows += attempt(s, "attribution", "tangermeme agreement", lambda: agreement_rows(X, s))
    rows += attempt(s, "attribution", "Captum", lambda: captum_rows(model, X, s))
    rows += attempt(s, "attribution", "BPNet-size", lambda: bpnet_rows(s))

    def ism() -> list[Row]:
        x = X[:n_ism]
        effects = ours("ism", x=x)
        start = time.perf_counter()
        expected = naive_ism(model, x, bs)
        s.sync()
        naive, t = (time.perf_counter() - start) / n_ism, times["ism"]
        error = float((effects.to(s.device) - expected).abs().max())
        same = error <= 1e-3 * max(float(expected.abs().max()), 1e-6)
        check = "same effects" if same else f"EFFECTS DIFFER by up to {error:.3g}"
        name = f"ISM, {n_ism} sequence{'s' if n_ism > 1 else ''} ({3 * length:,} variants each)"
        return [
            Row(
                "attribution",
                f"{name}: time in forward+backward units",
                f"{number(1e3 * t)} ms/seq",
                f"one forward+backward: {number(1e3 * units['ism'])} ms/seq",
                t / units["ism"],
            ),
            Row(
                "attribution",
                f"{name}: `attribute(method='ism')` speed vs a naive batched ISM ({check})",
                f"{number(1 / t)} seq/s",
                f"naive ISM, every variant through the whole model: {number(1 / naive)} seq/s",
                naive / t,
                Goal(">=", 5),
            ),
        ]

    return rows + attempt(s, "attribution", "ISM", ism)


def path_overhead(model, X, s: Setting) -> list[Row]:
    """Integrated gradients (50 steps, uniform references) against the same 50
    forward+backward passes of each sequence's path done plainly, in batches alike."""
    from seqmodels.attribution import attribute

    def plain():
        alphas = torch.linspace(0.01, 0.99, 50, device=X.device)[:, None, None]
        for x in X:
            path = 0.25 + alphas * (x - 0.25)
            for chunk in path.split(s.batch_size):
                z = chunk.clone().requires_grad_(True)
                torch.autograd.grad(model(z)[:, 0].sum(), z)

    def ours():
        attribute(model, X, method="integrated_gradients", batch_size=s.batch_size,
                  device=s.device)  # fmt: skip

    t, base = interleaved(ours, plain, sync=s.sync)
    return [
        Row(
            "attribution",
            "integrated gradients, 50 steps, vs the same 50 forward+backward passes of each "
            "path done plainly (its overhead)",
            f"{number(1e3 * t / len(X))} ms/seq",
            f"plain passes: {number(1e3 * base / len(X))} ms/seq",
            t / base,
            Goal("<=", 1.04),
        )
    ]


def shap_of(model, X, s: Setting) -> Callable[[], object]:
    """seqmodels' DeepLIFT-SHAP (20 shuffles) of ``X``."""
    from seqmodels.attribution import attribute

    return lambda: attribute(
        model, X, method="deeplift_shap", batch_size=s.batch_size, device=s.device
    )


def tangermeme_rows(model, X, s: Setting, name: str) -> list[Row]:
    """DeepLIFT-SHAP speed against tangermeme's ``deep_lift_shap`` (20 shuffles), same model,
    sequences and batch size, the two timed in turns."""
    figure = (
        f"DeepLIFT-SHAP speed (20 shuffles) vs tangermeme's `deep_lift_shap`, {name}, same "
        "model, sequences and batch size"
    )
    goal = Goal(">=", 2.5)
    tangermeme = optional("tangermeme.deep_lift_shap")
    if tangermeme is None:
        return [Row("attribution", figure, "–", skipped("tangermeme"), None, goal)]

    def theirs():
        with warnings.catch_warnings():  # its convergence warnings: speed is measured here
            warnings.simplefilter("ignore")
            tangermeme.deep_lift_shap(
                model, X, target=0, n_shuffles=20, batch_size=s.batch_size, device=s.device,
                random_state=0, warning_threshold=1e9,
            )  # fmt: skip

    ours, theirs = interleaved(shap_of(model, X, s), theirs, rounds=2, sync=s.sync)
    version = importlib.metadata.version("tangermeme")
    value, baseline = (
        f"{number(len(X) / ours)} seq/s",
        f"tangermeme {version}: {number(len(X) / theirs)} seq/s",
    )
    return [Row("attribution", figure, value, baseline, theirs / ours, goal)]


def agreement_rows(X, s: Setting) -> list[Row]:
    """Per-base DeepLIFT-SHAP contributions against tangermeme's, each with its own shuffles,
    on the Basset-size CNN with average pooling throughout (where both apply the rescale
    rule): their correlation beside that of two tangermeme runs with disjoint shuffles.
    (tangermeme draws shuffle k of a sequence with seed ``random_state + k``: runs with seeds
    0 and 1 share 19 of their 20 shuffles, so seeds 0 and 20 are compared.)"""
    from seqmodels.attribution import attribute
    from seqmodels.models import build_model

    figure = (
        "DeepLIFT-SHAP per-base contributions: correlation with tangermeme's (each its own "
        "20 shuffles), Basset-size CNN with average pooling"
    )
    tangermeme = optional("tangermeme.deep_lift_shap")
    if tangermeme is None:
        return [Row("attribution", figure, "–", skipped("tangermeme"))]
    torch.manual_seed(0)
    model = build_model(
        "cnn", alphabet_size=4, n_outputs=BASSET_OUTPUTS, **BASSET, pool="avg", global_pool="avg"
    )
    model.eval().to(s.device).requires_grad_(False)

    def theirs(seed: int) -> torch.Tensor:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tangermeme.deep_lift_shap(
                model, X, n_shuffles=20, batch_size=s.batch_size, device=s.device,
                random_state=seed,
            ).sum(dim=1)  # fmt: skip

    ours = attribute(model, X, batch_size=s.batch_size, device=s.device).sum(dim=1)
    first, second = theirs(0), theirs(20)

    def r(a, b) -> float:
        return float(np.corrcoef(a.cpu().numpy().ravel(), b.cpu().numpy().ravel())[0, 1])

    version = importlib.metadata.version("tangermeme")
    return [
        Row(
            "attribution",
            figure,
            f"r = {r(ours, first):.4f}",
            f"tangermeme {version} against itself, other shuffles: r = {r(first, second):.4f}",
        )
    ]


def bpnet_rows(s: Setting) -> list[Row]:
    """DeepLIFT-SHAP on a BPNet-size dilated model at 2,114 bp against tangermeme."""
    from seqmodels.models import build_model

    length, n = (2_114, 4) if not s.quick else (200, 2)
    torch.manual_seed(0)
    model = build_model("dilated", alphabet_size=4, n_outputs=1, **BPNET)
    model.eval().to(s.device).requires_grad_(False)
    X = random_one_hot(n, length, torch.Generator().manual_seed(1)).to(s.device)
    name = (
        f"BPNet-size dilated model (64 filters, first kernel 21, 9 residual dilated blocks) at "
        f"{length:,} bp, {n} sequences"
    )
    return tangermeme_rows(model, X, s, name)


def captum_rows(model, X, s: Setting) -> list[Row]:
    """Speed of ``attribute`` against Captum's own classes doing the same work, in turns."""
    from captum.attr import DeepLift, IntegratedGradients, Saliency

    from seqmodels.attribution import attribute, make_references

    version = importlib.metadata.version("captum")
    uniform = torch.full_like(X, 0.25)
    references = make_references(X, "shuffle", n=20, random_state=0)

    def shap_per_sequence():  # Captum's DeepLiftShap shares one reference set: loop instead
        for x, refs in zip(X, references, strict=True):
            DeepLift(model).attribute(x.expand_as(refs).contiguous(), refs, target=0)

    theirs = {
        "saliency": (lambda: Saliency(model).attribute(X, target=0, abs=False), "", None),
        "integrated_gradients": (
            lambda: IntegratedGradients(model).attribute(
                X, uniform, target=0, n_steps=50, internal_batch_size=s.batch_size
            ),
            f" (`internal_batch_size={s.batch_size}`)",
            None,
        ),
        "deeplift_shap": (
            shap_per_sequence,
            " (`DeepLift` on each sequence's 20 shuffles: `DeepLiftShap` shares one set)",
            Goal(">=", 2.5),
        ),
    }
    rows = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(hooks|required_grads|gradients).*")
        for method, (run, note, goal) in theirs.items():
            mine = functools.partial(
                attribute, model, X, method=method, batch_size=s.batch_size, device=s.device
            )
            ours, t = interleaved(mine, run, rounds=2, sync=s.sync)
            rows.append(
                Row(
                    "attribution",
                    f"{method} speed vs Captum {version}{note}",
                    f"{number(len(X) / ours)} seq/s",
                    f"Captum: {number(len(X) / t)} seq/s",
                    t / ours,
                    goal,
                )
            )
    return rows


# bigwig -----------------------------------------------------------------------------------


def track_layout(n: int, length: int, n_chroms: int = 4):
    """Chromosome sizes and ``(chrom, start)`` of ``n`` tracks, in genome order, with gaps."""
    per_chrom = -(-n // n_chroms)
    step = length + length // 2
    sizes = {f"chr{i + 1}": per_chrom * step + length for i in range(n_chroms)}
    places = [(f"chr{i // per_chrom + 1}", (i % per_chrom) * step) for i in range(n)]
    return sizes, places


def bench_bigwig(s: Setting) -> list[Row]:
    """Bases/s writing per-base float32 tracks with seqmodels against pyBigWig."""
    import pyBigWig

    from seqmodels.io.tracks import bigwig_writer

    n, length = s.sizes.tracks, 1_000
    values = np.random.default_rng(0).standard_normal((n, length)).astype(np.float32)
    sizes, places = track_layout(n, length)
    path = s.workdir / "bench.bw"

    def ours():
        with bigwig_writer(path, sizes) as writer:
            for (chrom, start), v in zip(places, values, strict=True):
                writer.add(chrom, start, v)

    def theirs():
        bw = pyBigWig.open(str(path), "w")
        bw.addHeader(list(sizes.items()), maxZooms=10)
        for (chrom, start), v in zip(places, values, strict=True):
            bw.addEntries(chrom, start, values=v, span=1, step=1)
        bw.close()

    repeats, warmup = s.sizes.repeats, not s.quick
    ours_rate = n * length / seconds(ours, repeats=repeats, warmup=warmup)
    theirs_rate = n * length / seconds(theirs, repeats=repeats, warmup=warmup)
    version = importlib.metadata.version("pyBigWig")
    return [
        Row(
            "bigwig",
            f"`bigwig_writer` (10 zoom levels), {n:,} tracks × {length:,} bp of random float32",
            f"{number(ours_rate / 1e6)} Mbases/s",
            f"pyBigWig {version} `addEntries` (fixed step, span 1, 10 zoom levels): "
            f"{number(theirs_rate / 1e6)} Mbases/s",
            ours_rate / theirs_rate,
            Goal(">=", 0.8, " (stretch 2–3×)"),
        )
    ]


# streaming --------------------------------------------------------------------------------


def write_genome(path: Path, sizes: dict[str, int], rng: np.random.Generator) -> None:
    """A FASTA of random bases, 80 to a line."""
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(path, "wb") as handle:
        for chrom, size in sizes.items():
            handle.write(f">{chrom}\n".encode())
            rows = -(-size // 80)
            lines = np.full((rows, 81), ord("\n"), dtype=np.uint8)
            lines[:, :80] = letters[rng.integers(0, 4, (rows, 80))]
            text = lines.tobytes()
            handle.write(text[: size + size // 80] + (b"\n" if size % 80 else b""))


def write_bed(path: Path, chrom: np.ndarray, start: np.ndarray, length: int, labels=None):
    order = np.lexsort((start, chrom))
    with open(path, "w") as handle:
        handle.write("#chrom\tstart\tend" + ("\tbound" if labels is not None else "") + "\n")
        for i in order:
            label = f"\t{labels[i]}" if labels is not None else ""
            handle.write(f"chr{chrom[i] + 1}\t{start[i]}\t{start[i] + length}{label}\n")


def tiny_checkpoint(
    workdir: Path, genome: Path, sizes: dict[str, int], length: int, *, profile: bool = False
) -> Path:
    """A one-filter CNN trained for one epoch on a few intervals of ``genome``; ``profile``:
    a tiny dilated profile model on random Poisson coverage of the genome instead."""
    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    rng = np.random.default_rng(1)
    n = 256
    chrom = rng.integers(0, len(sizes), n)
    start = rng.integers(0, min(sizes.values()) - length, n)
    labels = None if profile else rng.integers(0, 2, n)
    write_bed(workdir / "train.bed", chrom, start, length, labels=labels)
    config = load_config()
    config["data"].update(
        bed=str(workdir / "train.bed"), genome=str(genome), length=length, test_fraction=0.0
    )
    config["model"] = {"name": "cnn", "filters": [4], "kernel_sizes": [3], "dense": []}
    if profile:
        import pyBigWig

        coverage = workdir / "coverage.bw"
        with contextlib.closing(pyBigWig.open(str(coverage), "w")) as bw:
            bw.addHeader(list(sizes.items()))
            for name, size in sizes.items():
                bw.addEntries(name, 0, values=rng.poisson(1.0, size).astype(float).tolist(),
                              span=1, step=1)  # fmt: skip
        config["data"].update(targets=[str(coverage)], target_length=length // 2)
        config["model"] = {"name": "dilated", "filters": 4, "n_dilated": 1, "profile_kernel": 5}
    config["trainer"].update(
        max_epochs=1, accelerator="cpu", enable_progress_bar=False, enable_model_summary=False
    )
    run = workdir / ("profile_run" if profile else "run")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train(config, run)
    return run / "checkpoints" / "best.ckpt"


RSS_WRAPPER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs a command and writes its peak RSS (``ru_maxrss``) to a file. Linux carries the peak
RSS of the process that forked a child into the child's own ``ru_maxrss`` across exec, so
the benchmark (hundreds of MB by then) starts this small process to start the command."""


def peak_rss(commands: list[list[str]], workdir: Path, *, together: bool):
    """Peak resident memory (bytes) and seconds of each command, run to completion one
    after another, or all at once when ``together``."""

    def launch(i, command):
        log, rss = workdir / f"command{i}.log", workdir / f"command{i}.rss"
        out = open(log, "wb")  # noqa: SIM115 (closed in reap)
        wrapped = [sys.executable, "-c", RSS_WRAPPER, str(rss), *command]
        process = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.STDOUT)
        return process, time.perf_counter(), out, log, rss

    def reap(process, start, out, log, rss):
        process.wait()
        elapsed = time.perf_counter() - start
        out.close()
        if process.returncode:
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"exit status {process.returncode}: " + " / ".join(tail))
        return int(rss.read_text()) * (1 if sys.platform == "darwin" else 1024), elapsed

    if together:
        return [reap(*r) for r in [launch(i, c) for i, c in enumerate(commands)]]
    return [reap(*launch(i, c)) for i, c in enumerate(commands)]


def bench_streaming(s: Setting) -> list[Row]:
    """Peak RSS of ``seqmodels attribute`` (tracks) and ``seqmodels predict`` (a profile
    model's predicted tracks) on many intervals against 10× fewer."""
    small, large = s.sizes.intervals
    length = 1_000
    rng = np.random.default_rng(0)
    genome_size = max(large * length // 2, 200_000)  # intervals cover it twice over
    sizes = {f"chr{i + 1}": genome_size // 4 for i in range(4)}
    genome = s.workdir / "genome.fa"
    write_genome(genome, sizes, rng)
    chrom = rng.integers(0, len(sizes), large)
    start = rng.integers(0, genome_size // 4 - length, large)
    beds = {large: s.workdir / f"{large}.bed", small: s.workdir / f"{small}.bed"}
    write_bed(beds[large], chrom, start, length)
    some = rng.choice(large, small, replace=False)
    write_bed(beds[small], chrom[some], start[some], length)
    checkpoints = {
        "attribute": tiny_checkpoint(s.workdir, genome, sizes, length),
        "predict": tiny_checkpoint(s.workdir, genome, sizes, length, profile=True),
    }

    def command(count: int, suffix: str, verb: str) -> list[str]:
        options = {
            "--checkpoint": checkpoints[verb],
            "--bed": beds[count],
            "--genome": genome,
            **({"--method": "saliency"} if verb == "attribute" else {}),
            "--device": s.device,
            "--out": s.workdir / f"{verb}.{count}.{suffix}",
        }
        flat = [str(x) for pair in options.items() for x in pair]
        return [sys.executable, "-m", "seqmodels", verb, *flat]

    rows, mb = [], 1 << 20
    runs = (
        ("attribute", "bedGraph", "", "attribute --method saliency", "tiny CNN"),
        ("attribute", "bw", ", zoom levels included", "attribute --method saliency", "tiny CNN"),
        ("predict", "bw", ", zoom levels included", "predict", "tiny dilated profile model"),
    )
    for verb, suffix, note, shown, model in runs:
        # quick: both at once, to save a start-up; otherwise one after the other
        (rss_small, t_small), (rss_large, t_large) = peak_rss(
            [command(small, suffix, verb), command(large, suffix, verb)],
            s.workdir,
            together=s.quick,
        )
        figure = (
            f"peak RSS of `seqmodels {shown} --out x.{suffix}` ({model}, {length:,} bp "
            f"intervals, {genome_size / 1e6:.3g} Mb random genome) over {large // small}× "
            f"the intervals{note}"
        )
        rows.append(
            Row(
                "streaming",
                figure,
                f"{rss_large / mb:,.0f} MB for {large:,} intervals ({t_large:.1f} s)",
                f"{rss_small / mb:,.0f} MB for {small:,} ({t_small:.1f} s)",
                rss_large / rss_small,
                Goal("<=", 1.2),
            )
        )
    return rows


# variants ---------------------------------------------------------------------------------


def bench_variants(s: Setting) -> list[Row]:
    """Variants scored per second by ``score_variants`` against a loop that calls ``predict``
    on each variant's two windows."""
    import pandas as pd

    from seqmodels.data.alleles import allele_windows
    from seqmodels.data.sets import SequenceSet
    from seqmodels.encoding import to_indices
    from seqmodels.io.bed import open_genome
    from seqmodels.io.vcf import Variants
    from seqmodels.task import SequenceTask
    from seqmodels.workflows.predict import predict
    from seqmodels.workflows.variants import score_variants

    n, n_naive = (50, 10) if s.quick else (2_000, 100)
    genome = ROOT / "data" / "demo" / "genome.fa"
    fasta = open_genome(genome)
    rng = np.random.default_rng(0)
    rows = []
    for k in range(n):
        chrom = list(fasta.keys())[k % len(fasta.keys())]
        pos = int(rng.integers(1, len(fasta[chrom]) + 1))
        ref = fasta[chrom][pos - 1].upper()
        rows.append((chrom, pos, f"v{k}", ref, "ACGT"[("ACGT".index(ref) + 1) % 4], k + 1))
    table = pd.DataFrame(rows, columns=["chrom", "pos", "id", "ref", "alt", "record"])
    torch.manual_seed(0)
    task = SequenceTask(
        model={"name": "cnn"}, task="binary", task_names=["CTCF", "SPI1", "NRF1", "SOX2_POU5F1"],
        length=300,
    )  # fmt: skip

    def ours():
        variants = Variants(table.copy(), source="random SNVs")
        return score_variants(task, variants, genome, device=s.device)

    def naive():
        task.hparams.rc_average = True  # as score_variants averages both strands
        effects = []
        for k in range(n_naive):
            alleles = allele_windows(fasta, table.iloc[[k]], task.hparams.length)
            codes = to_indices([alleles.ref[0], alleles.alt[0]], task.alphabet)
            p = predict(task, SequenceSet(["ref", "alt"], codes, task.alphabet), device=s.device)
            effects.append(np.log(p[1] / (1 - p[1])) - np.log(p[0] / (1 - p[0])))
        task.hparams.rc_average = False
        return np.array(effects)

    t_ours, t_naive = interleaved(ours, naive, rounds=2, sync=s.sync)
    expected, got = naive(), ours()[task.output_names].to_numpy()[:n_naive]
    same = np.allclose(got, expected, atol=1e-3)
    check = (
        "same effects" if same else f"EFFECTS DIFFER by up to {np.abs(got - expected).max():.3g}"
    )
    rate, naive_rate = n / t_ours, n_naive / t_naive
    return [
        Row(
            "variants",
            f"`score_variants` speed ({check}); {n:,} random SNVs on the demo genome, default "
            "CNN at 300 bp, four tasks, both strands",
            f"{number(rate)} variants/s",
            f"a loop calling `predict` on each variant's two windows: {number(naive_rate)} "
            "variants/s",
            rate / naive_rate,
            Goal(">=", 20),
        )
    ]


# allocator --------------------------------------------------------------------------------

ALLOCATOR_PROBE = """
import json, resource, sys, time
import torch
from seqmodels.allocator import keep_large_allocations
if sys.argv[1] == "keep":
    assert keep_large_allocations()
from seqmodels.attribution import attribute
from seqmodels.models import build_model
length, n, batch, device = json.loads(sys.argv[2])
torch.manual_seed(0)
model = build_model("cnn", alphabet_size=4, n_outputs=164, **json.loads(sys.argv[3]))
codes = torch.randint(0, 4, (n, length), generator=torch.Generator().manual_seed(0))
X = torch.nn.functional.one_hot(codes, 4).transpose(1, 2).float()
run = lambda x: attribute(model, x, method="deeplift_shap", batch_size=batch, device=device)
run(X[:2])
start = time.perf_counter()
run(X)
seconds = time.perf_counter() - start
print(json.dumps([seconds / n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024]))
"""


def bench_allocator(s: Setting) -> list[Row]:
    """DeepLIFT-SHAP at large batches with glibc's defaults and with the heap kept."""
    import json

    length, n, _ = s.sizes.attribution
    batch = 128
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    shape = json.dumps([length, n, batch, str(s.device)])
    measured = {}
    for mode in ("default", "keep"):
        argv = [sys.executable, "-c", ALLOCATOR_PROBE, mode, shape, json.dumps(BASSET)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
        measured[mode] = json.loads(done.stdout.splitlines()[-1])
    (t_default, rss_default), (t_keep, rss_keep) = measured["default"], measured["keep"]
    what = f"Basset-size CNN, {n} × {length:,} bp, batches of {batch} pairs"
    mb = 1 << 20
    return [
        Row(
            "allocator",
            f"DeepLIFT-SHAP-20 speed with the heap kept (what the CLI does) vs glibc's "
            f"defaults; {what}",
            f"{number(1e3 * t_keep)} ms/seq",
            f"{number(1e3 * t_default)} ms/seq",
            t_default / t_keep,
            Goal(">=", 1.0),
        ),
        Row(
            "allocator",
            "peak RSS of the same runs: the memory kept",
            f"{rss_keep / mb:,.0f} MB",
            f"{rss_default / mb:,.0f} MB",
            rss_keep / rss_default,
        ),
    ]


# accuracy ---------------------------------------------------------------------------------


def planted_positions(sequences, motif: str, motifs_bed: Path) -> np.ndarray:
    """Boolean ``(N, L)``: positions inside a planted instance of ``motif``."""
    import pandas as pd

    sites = pd.read_csv(motifs_bed, sep="\t", header=None, usecols=[0, 1, 2, 3])
    sites = sites[sites[3] == motif]
    by_chrom = dict(iter(sites.groupby(0)))
    inside = np.zeros(sequences.codes.shape, dtype=bool)
    for i, (chrom, start) in enumerate(zip(sequences.chrom, sequences.start, strict=True)):
        group = by_chrom.get(chrom)
        if group is None:
            continue
        hits = group[(group[1] >= start) & (group[2] <= start + sequences.length)]
        for site_start, site_end in zip(hits[1], hits[2], strict=True):
            inside[i, site_start - start : site_end - start] = True
    return inside


def bench_accuracy(s: Setting) -> list[Row]:
    """AUROC of each method's importance track at the planted CTCF sites (demo model)."""
    from seqmodels.attribution import METHODS, attribute, importance_track
    from seqmodels.checkpoint import load_task
    from seqmodels.data import load_sequences
    from seqmodels.encoding import codes_to_one_hot
    from seqmodels.metrics import auroc

    if not s.checkpoint.exists():
        return [
            Row(
                "accuracy",
                "AUROC of attribution tracks at planted motif sites",
                "–",
                f"skipped: no checkpoint {s.checkpoint} (run `make demo`)",
            )
        ]
    task = load_task(s.checkpoint)
    hp = task.hparams
    sequences = load_sequences(
        fasta=ROOT / "data/demo/sequences.fa",
        alphabet=hp.alphabet,
        length=hp.length,
        unknown=hp.unknown,
    )
    sequences = sequences.subset(sequences.chrom == "chr8")  # held out in configs/cnn.yaml
    inside = planted_positions(sequences, "CTCF", ROOT / "data/demo/motifs.bed")
    carriers = np.flatnonzero(inside.any(axis=1))[: s.sizes.carriers]
    X = codes_to_one_hot(torch.from_numpy(sequences.codes[carriers]), sequences.alphabet)
    truth = inside[carriers].ravel()
    target = task.output_names.index("CTCF")

    def rows_of(method: str) -> list[Row]:
        options = {
            "deeplift_shap": {"n_shuffles": 5 if s.quick else 20},
            "integrated_gradients": {"n_steps": 10 if s.quick else 50},
        }.get(method, {})
        hypothetical = attribute(
            task.model, X, method=method, target=target, hypothetical=True,
            batch_size=s.batch_size, device=s.device, **options,
        )  # fmt: skip
        track = importance_track(hypothetical, X).numpy().ravel()
        return [
            Row(
                "accuracy",
                f"{method}: AUROC of |track| (signed track) at planted CTCF sites, "
                f"{len(carriers)} held-out carriers, demo model",
                f"{auroc(truth, np.abs(track)):.3f} ({auroc(truth, track):.3f})",
                "random ranking: 0.5",
            )
        ]

    return [row for m in METHODS for row in attempt(s, "accuracy", m, lambda m=m: rows_of(m))]


# the table --------------------------------------------------------------------------------

BENCHMARKS: dict[str, Callable[[Setting], list[Row]]] = {
    "encoding": bench_encoding,
    "pipeline": bench_pipeline,
    "training": bench_training,
    "attribution": bench_attribution,
    "variants": bench_variants,
    "bigwig": bench_bigwig,
    "streaming": bench_streaming,
    "allocator": bench_allocator,
    "accuracy": bench_accuracy,
}
COLUMNS = ["benchmark", "figure", "value", "baseline", "ratio", "goal", "met?"]


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    import platform

    return platform.processor() or platform.machine()


def malloc_setting() -> str:
    """How glibc treats large allocations in this run."""
    value = os.environ.get("MALLOC_MMAP_THRESHOLD_")
    if value is not None:
        return f"MALLOC_MMAP_THRESHOLD_={value}"
    if HEAP_KEPT:
        return "large allocations kept in the heap (as the seqmodels command does)"
    return "MALLOC_MMAP_THRESHOLD_ unset"


def header(s: Setting, argv: list[str]) -> str:
    import seqmodels

    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    malloc = " ".join(
        f"{k}={shlex.quote(os.environ[k])}"
        for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
        if k in os.environ
    )
    command = " ".join(["python scripts/benchmark.py", *map(shlex.quote, argv)])
    quick = " — quick run: the figures mean nothing" if s.quick else ""
    device = str(s.device)
    if s.device.type == "cuda":
        device += f" ({torch.cuda.get_device_name(s.device)})"
    return (
        f"Machine: {cpu_model()}, {cores} cores ({usable} usable), torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), device {device}, {malloc_setting()}; "
        f"seqmodels {seqmodels.__version__}{quick}."
        f"  \nCommand: `{(malloc + ' ') if malloc else ''}{command}`  \n"
        "Ratio = value ÷ baseline; goals apply to the ratio."
    )


def markdown(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---|---|---:|---|---:|---|---|"]
    for row in rows:
        cells = [c.replace("|", "\\|").replace("\n", " ") for c in row.cells()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_seconds() -> float:
    """CPU time of this process and of the commands it has waited for."""
    import resource

    return sum(
        u.ru_utime + u.ru_stime
        for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def run(names: list[str], s: Setting) -> list[Row]:
    """Rows of the named sub-benchmarks; an error becomes a row and sets ``s.failed``."""
    rows = []
    for name in names:
        print(f"{name} ...", file=sys.stderr, flush=True)
        start, cpu = time.perf_counter(), cpu_seconds()
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the table
            new = attempt(s, name, name, lambda name=name: BENCHMARKS[name](s))
        for row in new:
            print("  " + " | ".join(row.cells()[1:]), file=sys.stderr)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        print(f"{name}: {wall:.1f} s ({cpu:.1f} s of CPU)", file=sys.stderr, flush=True)
        rows += new
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Sub-benchmarks: " + ", ".join(BENCHMARKS) + ".",
    )
    parser.add_argument(
        "benchmarks", nargs="*", metavar="BENCHMARK", help="sub-benchmarks to run (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check that it runs")
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 … (default: CUDA when available)")
    parser.add_argument(
        "--batch-size", type=int, default=32, help="attribution batch size (default: 32)"
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=DEMO_CHECKPOINT,
        help="trained demo model for 'accuracy' (default: runs/demo/checkpoints/best.ckpt)",
    )
    args = parser.parse_args(argv)
    unknown = [b for b in args.benchmarks if b not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = [b for b in BENCHMARKS if b in args.benchmarks] if args.benchmarks else [*BENCHMARKS]
    global HEAP_KEPT
    HEAP_KEPT = keep_large_allocations()  # as the seqmodels command ('allocator': both ways)
    print(malloc_setting(), file=sys.stderr, flush=True)

    from seqmodels.devices import default_device

    warnings.filterwarnings("ignore", ".*does not have many workers.*")
    for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="seqmodels-bench-") as workdir:
        setting = Setting(
            quick=args.quick,
            sizes=QUICK if args.quick else FULL,
            device=default_device(args.device),
            batch_size=args.batch_size,
            checkpoint=args.checkpoint,
            workdir=Path(workdir),
        )
        rows = run(names, setting)
        text = header(setting, argv) + "\n\n" + markdown(rows) + "\n"
    print(text)
    if args.out is not None:
        from seqmodels.io.atomic import atomic_write

        with atomic_write(args.out) as handle:
            handle.write(text)
    return 1 if setting.failed else 0


if __name__ == "__main__":
    sys.exit(main())
