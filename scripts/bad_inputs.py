"""How well does seqmodels handle bad input? A measurement over several hundred bad, odd and
hostile inputs fed to every command.

The project promises, for bad input: exit status 2 and exactly one stderr line starting with
``seqmodels: error:`` that names the file or config key (and the record or line at fault) and
the problem; no Python traceback; nothing half-written and no temporary files (``.*.part``
files and folders, ``.NAME.parts/`` folders) left in the output folder. A bad input that exits
0 is *silently accepted*. Valid but odd input (CRLF line ends, soft-masked bases, gzip, an
unsorted BED, getfasta ids, config shorthand, …) must simply work.

A setup step builds, in a temporary folder and through the project's own Python API, a random
three-chromosome genome, a BED, a FASTA with ``chr1:0-20`` ids and a label table, bigWig
coverage over the genome (one track and a stranded pair), numeric inputs (``.npz`` and CSV) and
their labels, good YAML configs, motif databases, and six tiny trained models: DNA and protein
labels, a profile and a binned coverage model, a DNA model with a bigWig input channel and a
model of numeric inputs alone. Each case then gets fresh ``I/`` (its inputs) and ``O/`` (its
outputs) folders, writes its bad file, and runs one command: in this process
(``seqmodels.cli.main`` with stdout and stderr captured), or, for several processes
(``--devices 2``) and a full disk (``RLIMIT_FSIZE``), as a subprocess.

Reading the output: a table with one row per category of bad input — how many cases were
*handled* (all of the promise held) and how the others failed: *traceback* (an exception
escaped ``main``, a subprocess printed one, or the case ran past its time limit), *silent*
(exit 0), *multi-line* (not exactly one error line, or the error glued to other output),
*wrong file* (the one line lacks the file, key or record the case declares it must name),
*leftovers* (files appeared, changed or vanished in the output folder), *other* (another exit
status, no error line, or a case's own check failed: a malicious pickle that ran, …). Then the
valid-but-odd cases that succeeded, and every case not handled, with its command line (``D/``
is the shared data, ``I/`` the case's inputs, ``O/`` its output folder) and the last lines of
its stderr.

    python scripts/bad_inputs.py [--quick] [--out PATH.md] [--keep]

``--quick`` runs about 60 in-process cases, every category represented, in well under two
minutes. The exit status is 0 whatever the share handled: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gzip
import io
import logging
import math
import os
import pickle
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "seqmodels: error:"
CHROMS = ("chr1", "chr2", "chr3")
CHROM_LENGTH = 400
WINDOW = 20
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
CASE_TIMEOUT = 180  # seconds, in-process
SUBPROCESS_TIMEOUT = 300
CK = "D/run/checkpoints/best.ckpt"
PCK = "D/prun/checkpoints/best.ckpt"
CCK = "D/crun/checkpoints/best.ckpt"  # coverage: a profile model of one unstranded target
BCK = "D/brun/checkpoints/best.ckpt"  # coverage: a binned model of a stranded pair
HCK = "D/hrun/checkpoints/best.ckpt"  # a DNA model with one bigWig input channel
NCK = "D/nrun/checkpoints/best.ckpt"  # a model of numeric inputs alone (2 channels × 12)
TINY_MODEL = {"name": "cnn", "filters": [4], "kernel_sizes": [3], "dense": []}
TINY_DILATED = {"name": "dilated", "filters": 4, "n_dilated": 1, "first_kernel_size": 5,
                "profile_kernel": 3}  # fmt: skip
TARGET_LENGTH = 10
NUMERIC_SHAPE = (90, 2, 12)  # samples, channels, steps
TRAINER = {
    "max_epochs": 1,
    "accelerator": "cpu",
    "enable_progress_bar": False,
    "enable_model_summary": False,
}
OUTCOMES = ("handled", "traceback", "silent", "multi-line", "wrong file", "leftovers", "other")
BED_HEADER = "#chrom\tstart\tend\tbound"


# --------------------------------------------------------------------------- the shared data


@dataclass
class Data:
    """What the cases share, under ``root`` (``D/``), and its texts for making bad copies."""

    root: Path
    genome: dict[str, str]
    ids: list[str]
    seqs: list[str]
    labels: list[int]
    configs: dict[str, dict]
    protein_ids: list[str]
    protein_seqs: list[str]
    checkpoint: dict = field(default_factory=dict)
    checkpoint_bytes: bytes = b""
    coverage: dict = field(default_factory=dict)  # chromosome: per-base values of a.bw (NaN: none)
    numeric: object = None  # the values of num.npz, (N, C, L)
    numeric_ids: list[str] = field(default_factory=list)
    numeric_labels: list[int] = field(default_factory=list)

    def fasta(self, ids=None, seqs=None, width: int | None = None) -> str:
        ids, seqs = ids or self.ids, seqs or self.seqs
        wrap = width or max(len(s) for s in seqs) or 1
        records = [
            f">{i}\n" + "".join(s[k : k + wrap] + "\n" for k in range(0, len(s), wrap))
            for i, s in zip(ids, seqs, strict=True)
        ]
        return "".join(records)

    def genome_fasta(self, chroms: dict[str, str] | None = None, width: int = 60) -> str:
        chroms = self.genome if chroms is None else chroms
        return self.fasta(list(chroms), list(chroms.values()), width)

    def label_rows(self) -> list[str]:
        return [f"{i},{y}" for i, y in zip(self.ids, self.labels, strict=True)]

    def labels_csv(self, rows: list[str] | None = None, header: str = "id,bound") -> str:
        return "\n".join([header, *(self.label_rows() if rows is None else rows)]) + "\n"

    def bed_rows(self) -> list[str]:
        rows = []
        for record_id, label in zip(self.ids, self.labels, strict=True):
            chrom, span = record_id.split(":")
            start, end = span.split("-")
            rows.append(f"{chrom}\t{start}\t{end}\t{label}")
        return rows

    def bed(self, rows: list[str] | None = None, header: str = BED_HEADER) -> str:
        lines = [header] if header else []
        return "\n".join([*lines, *(self.bed_rows() if rows is None else rows)]) + "\n"

    def config_text(self, name: str = "good") -> str:
        import yaml

        return yaml.safe_dump(self.configs[name], sort_keys=False)

    def numeric_csv(self, sep: str = ",") -> str:
        """num.npz as a table: id, then the steps of channel 1, then those of channel 2."""
        _, channels, steps = self.numeric.shape
        header = ["id", *(f"c{k + 1}t{t + 1}" for k in range(channels) for t in range(steps))]
        rows = [sep.join(header)]
        for sample, x in zip(self.numeric_ids, self.numeric, strict=True):
            rows.append(sep.join([sample, *(f"{v:.6g}" for v in x.ravel())]))
        return "\n".join(rows) + "\n"

    def numeric_labels_csv(self) -> str:
        rows = (f"{i},{y}" for i, y in zip(self.numeric_ids, self.numeric_labels, strict=True))
        return "id,late\n" + "\n".join(rows) + "\n"


def build_data(root: Path) -> Data:
    """Write the shared inputs and train the two tiny models (a few seconds)."""
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    genome = {c: "".join(rng.choice(list("ACGT"), CHROM_LENGTH)) for c in CHROMS}
    starts = [(c, s) for c in CHROMS for s in range(0, CHROM_LENGTH - WINDOW, 10)]
    ids = [f"{c}:{s}-{s + WINDOW}" for c, s in starts]
    seqs = [genome[c][s : s + WINDOW] for c, s in starts]
    protein_seqs = ["".join(rng.choice(list(AMINO_ACIDS), WINDOW)) for _ in range(60)]
    by_chromosome = {"length": WINDOW, "val_chroms": ["chr2"], "test_chroms": ["chr3"]}
    common = {"model": TINY_MODEL, "trainer": TRAINER}
    fasta = {"fasta": f"{root}/reads.fa", "labels": f"{root}/labels.csv"}
    bed = {"bed": f"{root}/x.bed", "genome": f"{root}/genome.fa"}
    protein = {
        "fasta": f"{root}/prot.fa",
        "labels": f"{root}/prot_labels.csv",
        "alphabet": "protein",
        "length": WINDOW,
        "val_fraction": 0.2,
        "test_fraction": 0.2,
    }
    windows = {"bed": f"{root}/cov.bed", "genome": f"{root}/genome.fa", **by_chromosome}
    dilated = {"model": TINY_DILATED, "trainer": TRAINER}
    stranded_pair = [f"{root}/cov.plus.bw", f"{root}/cov.minus.bw"]
    configs = {
        "good": {"data": {**fasta, **by_chromosome}, **common},
        "bed": {"data": {**bed, **by_chromosome}, **common},
        "protein": {"data": protein, **common},
        "coverage": {"data": {**windows, "targets": [f"{root}/a.bw"],
                              "target_length": TARGET_LENGTH}, **dilated},
        "binned": {"data": {**windows, "targets": [stranded_pair],
                            "target_length": TARGET_LENGTH, "bin_size": 5}, **dilated},
        "channels": {"data": {**bed, **by_chromosome, "channels": [f"{root}/access.bw"]},
                     **common},
        "numeric": {"data": {"numeric": f"{root}/num.npz", "labels": f"{root}/num_labels.csv",
                             "val_fraction": 0.2, "test_fraction": 0.2}, **common},
    }  # fmt: skip
    labels = [i % 2 for i in range(len(ids))]
    protein_ids = [f"p{i}" for i in range(len(protein_seqs))]
    data = Data(root, genome, ids, seqs, labels, configs, protein_ids, protein_seqs)
    data.coverage = {}
    for c in CHROMS:  # read counts, with positions that have no value (NaN)
        track = rng.poisson(3.0, CHROM_LENGTH).astype(float)
        track[::7] = np.nan
        data.coverage[c] = track
    data.numeric = rng.normal(size=NUMERIC_SHAPE).astype(np.float32)
    data.numeric_ids = [f"n{i}" for i in range(NUMERIC_SHAPE[0])]
    data.numeric_labels = [i % 2 for i in range(NUMERIC_SHAPE[0])]
    data.numeric[np.array(data.numeric_labels) == 1, 1, 4:8] += 2.0  # something to learn
    files = {
        "genome.fa": data.genome_fasta(),
        "genome.sizes": "".join(f"{c}\t{len(s)}\n" for c, s in genome.items()),
        "x.bed": data.bed(),
        "reads.fa": data.fasta(),
        "one.fa": data.fasta(ids[:1], seqs[:1]),
        "labels.csv": data.labels_csv(),
        "prot.fa": data.fasta(protein_ids, protein_seqs),
        "prot_labels.csv": "id,nls\n"
        + "".join(f"{p},{i % 2}\n" for i, p in enumerate(protein_ids)),
        "good.yaml": data.config_text("good"),
        "bed.yaml": data.config_text("bed"),
        "prot.yaml": data.config_text("protein"),
        "small.meme": meme("ACGT", [("M1", "GATA1", "AG"), ("M2", "SP1", "GGC")]),
        "noalt.meme": meme("ACGT", [("M1", None, "AG"), ("M2", None, "GGC")]),
        "prot.meme": meme(AMINO_ACIDS, [("P1", "NLS", "KKR")]),
        "v.vcf": vcf(genome, [("chr1", 12, ""), ("chr2", 100, "GT"), ("chr3", 10, "A,T")]),
        "cov.bed": "".join(row.rsplit("\t", 1)[0] + "\n" for row in data.bed_rows()),
        "cov.yaml": data.config_text("coverage"),
        "bin.yaml": data.config_text("binned"),
        "chan.yaml": data.config_text("channels"),
        "num.yaml": data.config_text("numeric"),
        "num_labels.csv": data.numeric_labels_csv(),
        "num.csv": data.numeric_csv(),
    }
    for name, text in files.items():
        (root / name).write_text(text)
    files_bytes = {
        "a.bw": bigwig_bytes(data.coverage),
        "cov.plus.bw": bigwig_bytes({c: v[::-1] for c, v in data.coverage.items()}),
        "cov.minus.bw": bigwig_bytes({c: np.roll(v, 5) for c, v in data.coverage.items()}),
        "access.bw": bigwig_bytes({c: rng.normal(size=CHROM_LENGTH) for c in CHROMS}),
        "num.npz": npz_bytes(x=data.numeric, ids=np.array(data.numeric_ids)),
    }
    for name, content in files_bytes.items():
        (root / name).write_bytes(content)
    train_quietly(root / "good.yaml", root / "run")
    train_quietly(root / "prot.yaml", root / "prun")
    for config, run in (("cov", "crun"), ("bin", "brun"), ("chan", "hrun"), ("num", "nrun")):
        train_quietly(root / f"{config}.yaml", root / run)
    data.checkpoint_bytes = (root / CK[2:]).read_bytes()
    data.checkpoint = torch.load(root / CK[2:], map_location="cpu", weights_only=True)
    return data


def bigwig_bytes(tracks: dict, sizes: dict[str, int] | None = None) -> bytes:
    """A bigWig of per-base values (NaN: no entry) for each chromosome of ``tracks``, over the
    chromosomes of ``sizes`` (default: those of ``tracks``, 400 bp each)."""
    import numpy as np
    import pyBigWig

    sizes = sizes or {c: CHROM_LENGTH for c in tracks}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.bw"
        bw = pyBigWig.open(str(path), "w")
        bw.addHeader(list(sizes.items()))
        for chrom, values in tracks.items():
            values = np.asarray(values, dtype=float)
            covered = np.flatnonzero(~np.isnan(values))
            if len(covered):
                bw.addEntries(
                    [chrom] * len(covered),
                    covered.tolist(),
                    ends=(covered + 1).tolist(),
                    values=values[covered].tolist(),
                )
        bw.close()
        return path.read_bytes()


def bedgraph(tracks: dict) -> str:
    """The values of ``tracks`` as bedGraph text (what a bigWig is often converted from)."""
    return "".join(f"{c}\t{k}\t{k + 1}\t{v:g}\n" for c, values in tracks.items()
                   for k, v in enumerate(values) if v == v)  # fmt: skip


def npz_bytes(**arrays) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def npy_bytes(array) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def vcf(genome: dict[str, str], variants: list[tuple[str, int, str]], *, ref=None) -> str:
    """A VCF of ``(chrom, 1-based pos, ALT)`` variants, REF from ``genome`` (or ``ref``); an
    empty ALT is a base other than the REF."""
    header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    rows = []
    for k, (c, p, alt) in enumerate(variants):
        base = ref or genome[c][p - 1]
        alt = alt or next(b for b in "ACGT" if b != base)
        rows.append(f"{c}\t{p}\tv{k}\t{base}\t{alt}\t.\t.\t.\n")
    return header + "".join(rows)


def vcf_of(variants: list[tuple[str, int, str]], **options):
    return lambda data: vcf(data.genome, variants, **options)


def bgzipped(text_of: Callable[[Data], str], *, cut: bool = False):
    """Bytes of a bgzip-compressed text (cut in half with ``cut``)."""

    def content(data: Data) -> bytes:
        import pysam

        with tempfile.TemporaryDirectory() as folder:
            plain, packed = Path(folder) / "x.vcf", Path(folder) / "x.vcf.gz"
            plain.write_text(text_of(data))
            pysam.tabix_compress(str(plain), str(packed))
            raw = packed.read_bytes()
        return raw[: len(raw) // 2] if cut else raw

    return content


def meme(alphabet: str, motifs: list[tuple[str, str | None, str]]) -> str:
    """A MEME minimal file; each motif is (name, alternative name or None, consensus)."""
    lines = ["MEME version 4", "", f"ALPHABET= {alphabet}", ""]
    rest = 0.1 / (len(alphabet) - 1)
    for name, alt, consensus in motifs:
        lines.append(f"MOTIF {name}" + (f" {alt}" if alt else ""))
        lines.append(f"letter-probability matrix: alength= {len(alphabet)} w= {len(consensus)}")
        for letter in consensus:
            lines.append(" ".join(f"{0.9 if a == letter else rest:.4f}" for a in alphabet))
        lines.append("")
    return "\n".join(lines)


def train_quietly(config: Path, out: Path) -> None:
    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            train(load_config(config), out)
    except BaseException:
        print(captured.getvalue(), file=sys.stderr)
        raise


# --------------------------------------------------------------------------- cases


@dataclass
class Ctx:
    """Where one case runs: the shared data and the case's own input and output folders."""

    data: Data
    i: Path
    o: Path

    def expand(self, text: str) -> str:
        """``D/…``, ``I/…``, ``O/…`` as real paths."""
        folders = {"D": self.data.root, "I": self.i, "O": self.o}
        return re.sub(r"(?<![\w./-])([DIO])/", lambda m: f"{folders[m[1]]}/", text)

    def shorten(self, text: str) -> str:
        """Real paths back to ``D/…``, ``I/…``, ``O/…``."""
        for short, path in (("I", self.i), ("O", self.o), ("D", self.data.root)):
            text = text.replace(str(path), short)
        return text


Setup = Callable[[Ctx], None]
Check = Callable[[Ctx, list[str]], "str | None"]


@dataclass
class Case:
    """One command line, the files it needs, and what must happen."""

    category: str
    name: str
    argv: str | list[str]  # a str is split on whitespace; D/, I/, O/ are expanded
    names: tuple[str, ...] = ()  # what the error line must hold
    setup: tuple[Setup, ...] = ()
    ok: bool = False  # valid but odd: must succeed
    subprocess: bool = False
    fsize: int | None = None  # RLIMIT_FSIZE of the subprocess, bytes
    check: Check | None = None
    slow: bool = False  # left out of --quick

    def template(self) -> list[str]:
        return self.argv.split() if isinstance(self.argv, str) else list(self.argv)


# ----- per-case files


def content_of(content, data: Data) -> bytes:
    """``content``: text, bytes, or a function of the shared data giving either."""
    value = content(data) if callable(content) else content
    return value.encode() if isinstance(value, str) else value


def put(path: str, content, *, compress: bool = False) -> Setup:
    def setup(ctx: Ctx) -> None:
        target = Path(ctx.expand(path))
        target.parent.mkdir(parents=True, exist_ok=True)
        value = content_of(content, ctx.data)
        target.write_bytes(gzip.compress(value, mtime=0) if compress else value)

    return setup


def put_expanded(path: str, text: str) -> Setup:
    """A text whose ``D/``, ``I/``, ``O/`` paths are the case's."""
    return lambda ctx: Path(ctx.expand(path)).write_text(ctx.expand(text))


def mkdir(path: str) -> Setup:
    return lambda ctx: Path(ctx.expand(path)).mkdir(parents=True, exist_ok=True)


def loop(path: str) -> Setup:
    return lambda ctx: os.symlink(Path(path).name, ctx.expand(path))


def copy_tree(source: str, target: str) -> Setup:
    return lambda ctx: shutil.copytree(ctx.expand(source), ctx.expand(target))


def copy_file(source: str, target: str) -> Setup:
    return lambda ctx: shutil.copyfile(ctx.expand(source), ctx.expand(target))


def remove(path: str) -> Setup:
    return lambda ctx: Path(ctx.expand(path)).unlink()


def random_bytes(seed: int, n: int = 4096) -> bytes:
    return random.Random(seed).randbytes(n)


# ----- contents: edited copies of the shared inputs


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def reverse_complement(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGTacgt", "TGCAtgca"))


def reads_text(change: Callable[[str], str]):
    return lambda data: change(data.fasta())


def reads_record(k: int, seq: Callable[[str], str] | None = None, rid: str | None = None):
    """reads.fa with record ``k``'s sequence and/or id changed."""

    def content(data: Data) -> str:
        ids, seqs = list(data.ids), list(data.seqs)
        ids[k] = ids[k] if rid is None else rid
        seqs[k] = seqs[k] if seq is None else seq(seqs[k])
        return data.fasta(ids, seqs)

    return content


def reads_all(seq: Callable[[str], str] = str, rid: Callable[[str], str] = str):
    return lambda data: data.fasta([rid(i) for i in data.ids], [seq(s) for s in data.seqs])


def reads_plus(*records: tuple[str, str], at: int | None = None):
    """reads.fa with ``records`` added (at the end, or before record ``at``)."""

    def content(data: Data) -> str:
        ids, seqs = list(data.ids), list(data.seqs)
        where = len(ids) if at is None else at
        ids[where:where] = [r[0] for r in records]
        seqs[where:where] = [r[1] for r in records]
        return data.fasta(ids, seqs)

    return content


def labels_row(k: int, label: str | None = None, row: str | None = None):
    """labels.csv with row ``k``'s label (or the whole row) replaced."""

    def content(data: Data) -> str:
        rows = data.label_rows()
        rows[k] = row if row is not None else f"{data.ids[k]},{label}"
        return data.labels_csv(rows)

    return content


def labels_text(change: Callable[[str], str]):
    return lambda data: change(data.labels_csv())


def bed_plus(*rows: str, header: str = BED_HEADER, first: bool = True):
    """x.bed's first interval then ``rows`` (``|`` stands for a tab)."""

    def content(data: Data) -> str:
        kept = data.bed_rows()[:1] if first else []
        return data.bed(kept + [row.replace("|", "\t") for row in rows], header)

    return content


def bed_text(change: Callable[[str], str]):
    return lambda data: change(data.bed())


def bed6(labels: bool = True):
    """x.bed as BED6 (names, scores, alternating strands), with the label column or not."""

    def content(data: Data) -> str:
        rows = []
        for k, row in enumerate(data.bed_rows()):
            chrom, start, end, label = row.split("\t")
            rows.append(f"{chrom}\t{start}\t{end}\tr{k}\t0\t{'+-'[k % 2]}")
            rows[-1] += f"\t{label}" if labels else ""
        header = "#chrom\tstart\tend\tname\tscore\tstrand" + ("\tbound" if labels else "")
        return data.bed(rows, header)

    return content


def genome_edit(change: Callable[[dict[str, str]], dict[str, str]], width: int = 60):
    return lambda data: data.genome_fasta(change(dict(data.genome)), width)


def genome_text(change: Callable[[str], str]):
    return lambda data: change(data.genome_fasta())


def uneven_lines(data: Data) -> str:
    return "".join(f">{c}\n{s[:60]}\n{s[60:90]}\n{s[90:]}\n" for c, s in data.genome.items())


class _Unclosed(io.BytesIO):
    def close(self) -> None:  # BgzfWriter closes its file at the end
        pass


def bgzip_genome(data: Data) -> bytes:
    from Bio import bgzf

    buffer = _Unclosed()
    with bgzf.BgzfWriter(fileobj=buffer) as handle:
        handle.write(data.genome_fasta().encode())
    return buffer.getvalue()


def stale_index(ctx: Ctx) -> None:
    """A genome whose .fai describes another file (chromosomes twice as long)."""
    (ctx.i / "g.fa").write_text(ctx.data.genome_fasta())
    rows = [f"{c}\t{2 * CHROM_LENGTH}\t{6 + k * 420}\t60\t61\n" for k, c in enumerate(CHROMS)]
    (ctx.i / "g.fa.fai").write_text("".join(rows))


def lines(*rows: str) -> str:
    return "".join(row.replace("|", "\t") + "\n" for row in rows)


def meme_edit(change: Callable[[str], str], consensus: str = "AG"):
    return lambda data: change(meme("ACGT", [("M1", "X", consensus)]))


# ----- checkpoints


class Payload:
    """Unpickling this creates a folder: evidence that loading a file ran code."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def torch_bytes(obj) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def checkpoint_with(change: Callable[[dict], object]):
    """The trained checkpoint, changed, as ``torch.save`` writes it."""
    return lambda data: torch_bytes(change(copy.deepcopy(data.checkpoint)))


def first_weight(checkpoint: dict) -> str:
    return next(k for k, v in checkpoint["state_dict"].items() if v.ndim >= 2)


def hparam(key: str, value) -> Callable[[dict], dict]:
    def change(checkpoint: dict) -> dict:
        checkpoint["hyper_parameters"][key] = value
        return checkpoint

    return change


def without(key: str) -> Callable[[dict], dict]:
    return lambda checkpoint: {k: v for k, v in checkpoint.items() if k != key}


def wrong_shape(checkpoint: dict) -> dict:
    import torch

    key = first_weight(checkpoint)
    rows, *rest = checkpoint["state_dict"][key].shape
    checkpoint["state_dict"][key] = torch.zeros([rows + 1, *rest])
    return checkpoint


def nan_weights(checkpoint: dict) -> dict:
    checkpoint["state_dict"][first_weight(checkpoint)].fill_(math.nan)
    return checkpoint


def resnet(checkpoint: dict) -> dict:
    checkpoint["hyper_parameters"]["model"]["name"] = "resnet"
    return checkpoint


def malicious_checkpoint(path: str, *, plain_pickle: bool = False) -> Setup:
    """A checkpoint whose unpickling would create I/PWNED."""

    def setup(ctx: Ctx) -> None:
        body = {"state_dict": Payload(str(ctx.i / "PWNED")), "hyper_parameters": {}}
        blob = pickle.dumps(body) if plain_pickle else torch_bytes(body)
        Path(ctx.expand(path)).write_bytes(blob)

    return setup


# ----- checks


def marker_absent(ctx: Ctx, argv: list[str]) -> str | None:
    """A malicious pickle or YAML tag would have created I/PWNED."""
    return "the payload ran: it created I/PWNED" if (ctx.i / "PWNED").exists() else None


def same_as_one_device(ctx: Ctx, argv: list[str]) -> str | None:
    """The output of a --devices 2 run equals that of --devices 1, byte for byte."""
    out = Path(argv[argv.index("--out") + 1])
    reference = out.with_name("ref" + out.suffix)
    single = list(argv)
    single[single.index("--devices") + 1] = "1"
    single[single.index("--out") + 1] = str(reference)
    run = run_in_process(single)
    if run.status != 0:
        return f"the --devices 1 reference failed: {last_lines(run.stderr, 2)}"
    if not out.exists() or out.read_bytes() != reference.read_bytes():
        return f"{out.name} differs from the --devices 1 output"
    return None


# --------------------------------------------------------------------------- case tables

MOTIF_ARGS = "--database D/small.meme --method saliency --top 20 --out O/motifs"
OUT = {
    "predict": "--out O/p.tsv",
    "evaluate": "--out O/m.json",
    "attribute": "--method saliency --out O/a.bw",
    "motifs": MOTIF_ARGS,
}
BASE = {
    "inspect": "inspect --fasta D/reads.fa --labels D/labels.csv",
    "summary": "summary --config D/good.yaml",
    "train": "train --config D/good.yaml --out O/run",
    "predict": f"predict --checkpoint {CK} --fasta D/reads.fa {OUT['predict']}",
    "evaluate": f"evaluate --checkpoint {CK} --fasta D/reads.fa --labels D/labels.csv "
    + OUT["evaluate"],
    "attribute": f"attribute --checkpoint {CK} --bed D/x.bed --genome D/genome.fa "
    + OUT["attribute"],
    "motifs": f"motifs --checkpoint {CK} --fasta D/reads.fa {MOTIF_ARGS}",
    "variants": f"variants --checkpoint {CK} --vcf D/v.vcf --genome D/genome.fa --out O/v.tsv",
}
"""A good command line of each command."""

CHECKPOINT_COMMANDS = ("predict", "evaluate", "attribute", "motifs")
SIZES = "--chrom-sizes D/genome.sizes"
USERS: dict[str, dict[str, str]] = {
    "fasta": {
        "inspect": "inspect --fasta X --labels D/labels.csv",
        "predict": f"predict --checkpoint {CK} --fasta X {OUT['predict']}",
        "evaluate": f"evaluate --checkpoint {CK} --fasta X --labels D/labels.csv "
        + OUT["evaluate"],
        "attribute": f"attribute --checkpoint {CK} --fasta X {SIZES} {OUT['attribute']}",
        "motifs": f"motifs --checkpoint {CK} --fasta X {MOTIF_ARGS}",
        "train": "train --config D/good.yaml --out O/run --data.fasta X",
    },
    "labels": {
        "inspect": "inspect --fasta D/reads.fa --labels X",
        "evaluate": f"evaluate --checkpoint {CK} --fasta D/reads.fa --labels X {OUT['evaluate']}",
        "train": "train --config D/good.yaml --out O/run --data.labels X",
    },
    "bed": {
        "inspect": "inspect --bed X --genome D/genome.fa --length 20",
        **{
            c: f"{c} --checkpoint {CK} --bed X --genome D/genome.fa {OUT[c]}"
            for c in CHECKPOINT_COMMANDS
        },
        "train": "train --config D/bed.yaml --out O/run --data.bed X",
    },
    "genome": {
        "inspect": "inspect --bed D/x.bed --genome X --length 20",
        **{
            c: f"{c} --checkpoint {CK} --bed D/x.bed --genome X {OUT[c]}"
            for c in CHECKPOINT_COMMANDS
        },
        "predict --tile": f"predict --checkpoint {CK} --tile 50 --genome X {OUT['predict']}",
        "variants": BASE["variants"].replace("D/genome.fa", "X"),
        "train": "train --config D/bed.yaml --out O/run --data.genome X",
    },
    "checkpoint": {c: BASE[c].replace(CK, "X") for c in (*CHECKPOINT_COMMANDS, "variants")},
    "vcf": {"variants": BASE["variants"].replace("D/v.vcf", "X")},
    "config": {
        "inspect": "inspect --config X",
        "summary": "summary --config X",
        "train": "train --config X --out O/run",
    },
    "chrom sizes": {
        "attribute": f"attribute --checkpoint {CK} --fasta D/reads.fa --chrom-sizes X "
        + OUT["attribute"],
    },
    "database": {
        "motifs": f"motifs --checkpoint {CK} --fasta D/reads.fa --database X --method saliency "
        "--top 20 --out O/motifs",
    },
    "targets": {
        "inspect": "inspect --config D/cov.yaml --data.targets [X]",
        "train": "train --config D/cov.yaml --out O/run --data.targets [X]",
        "train, a minus strand": "train --config D/bin.yaml --out O/run "
        "--data.targets [[D/cov.plus.bw,X]]",
    },
    "channels": {
        "inspect": "inspect --config D/chan.yaml --data.channels [X]",
        "train": "train --config D/chan.yaml --out O/run --data.channels [X]",
        **{
            c: f"{c} --checkpoint {HCK} --bed D/x.bed --genome D/genome.fa --channels X "
            + OUT[c].replace("--method saliency --out O/a.bw", "--method saliency --out O/a.npz")
            for c in ("predict", "evaluate", "attribute")
        },
        "predict --tile": f"predict --checkpoint {HCK} --tile 7 --genome D/genome.fa "
        "--channels X --out O/p.tsv",
        "attribute --tile": f"attribute --checkpoint {HCK} --tile 7 --genome D/genome.fa "
        "--channels X --method saliency --out O/a.bw",
    },
    "numeric": {
        "train": "train --config D/num.yaml --out O/run --data.numeric X",
        "predict": f"predict --checkpoint {NCK} --numeric X {OUT['predict']}",
        "evaluate": f"evaluate --checkpoint {NCK} --numeric X --labels D/num_labels.csv "
        + OUT["evaluate"],
        "attribute": f"attribute --checkpoint {NCK} --numeric X --method saliency --out O/a.npz",
    },
}
"""For each kind of input file, every command (and way) that reads it; X is the file."""

ROLES = {  # role: (category, the bad file's name, a file of another kind)
    "fasta": ("FASTA", "bad.fa", lambda d: d.config_text()),
    "labels": ("labels", "bad.csv", lambda d: d.fasta()),
    "bed": ("BED", "bad.bed", lambda d: d.fasta()),
    "genome": ("genome", "bad_genome.fa", lambda d: d.bed()),
    "checkpoint": ("checkpoints", "bad.ckpt", lambda d: d.config_text()),
    "config": ("config files", "bad.yaml", lambda d: d.fasta()),
    "chrom sizes": ("chrom sizes", "bad.sizes", lambda d: d.fasta()),
    "database": ("motif database", "bad.meme", lambda d: d.bed()),
    "vcf": ("VCF", "bad.vcf", lambda d: d.fasta()),
    "targets": ("coverage", "bad.bw", lambda d: bedgraph(d.coverage)),
    "channels": ("numeric inputs", "bad_channel.bw", lambda d: bedgraph(d.coverage)),
    "numeric": ("numeric inputs", "bad.npz", lambda d: d.numeric_labels_csv()),
}

PATH_KINDS: dict[str, Callable[[str, object], tuple[Setup, ...]]] = {
    "missing": lambda path, other: (),
    "a directory": lambda path, other: (mkdir(path),),
    "a symbolic-link loop": lambda path, other: (loop(path),),
    "empty": lambda path, other: (put(path, b""),),
    "random bytes": lambda path, other: (put(path, random_bytes(len(path))),),
    "a file of another kind": lambda path, other: (put(path, other),),
}


def path_cases() -> list[Case]:
    """Every path argument of every command: missing, a folder, a loop, empty, binary, other."""
    cases = []
    for role, users in USERS.items():
        _, filename, other = ROLES[role]
        path = f"I/{filename}"
        for command, template in users.items():
            for kind, setup in PATH_KINDS.items():
                argv = template.replace("X", path)
                name = f"{command}: {role} {kind}"
                cases.append(Case("paths", name, argv, (filename,), setup(path, other)))
    return cases


@dataclass
class FileCase:
    """A file of one role with bad content (or, with ``ok``, odd but valid content), given to
    every command that reads that role (or to ``commands``)."""

    role: str
    name: str
    content: object  # text, bytes, a function of Data, or None (``setup`` writes it)
    names: tuple[str, ...] = ()  # what the error must name besides the file
    commands: tuple[str, ...] | None = None
    file: str | None = None  # default: the role's bad file name
    extra: str = ""  # appended to the command line
    argv: str | None = None  # instead of the role's command line
    ok: bool = False
    compress: bool = False
    setup: tuple[Setup, ...] = ()
    check: Check | None = None
    name_file: bool = True  # the error must name the file


def ok(role: str, name: str, content, commands: tuple[str, ...], **options) -> FileCase:
    return FileCase(role, name, content, commands=commands, ok=True, **options)


GENOME_READERS = ("inspect", "predict", "evaluate", "attribute", "train")
F, L, B, G = "fasta", "labels", "bed", "genome"

FASTA_CASES = [
    FileCase(F, "no header", reads_text(lambda t: "ACGT\n" + t), ("line 1",)),
    FileCase(F, "an empty record", reads_plus(("chr9:0-20", ""), at=1), ("line 3",)),
    FileCase(F, "duplicate ids", reads_plus(("chr1:0-20", "A" * 20)), ("chr1:0-20",)),
    FileCase(F, "unknown symbol J", reads_record(1, lambda s: "ACJ" + s[3:]), ("chr1:10-30",)),
    FileCase(F, "a digit", reads_record(4, lambda s: s[:9] + "1" + s[10:]), ("chr1:40-60",)),
    FileCase(F, "a chr1:20-40 id on 15 bases", reads_record(2, lambda s: s[:15]), ("chr1:20-40",)),
    FileCase(F, "an empty header", reads_record(3, rid=" "), ("line 7",)),
    FileCase(F, "whitespace only", "\n \n\t\n"),
    FileCase(F, "a Latin-1 header", (">chr1:0-20 caf\xe9\nACGT\n").encode("latin-1")),
    FileCase(F, "truncated gzip", lambda d: gzip.compress(d.fasta().encode(), mtime=0)[:300],
             file="bad.fa.gz"),
    FileCase(F, "sequences of different lengths, no length", ">a\nACGT\n>b\nACGTA\n",
             argv="inspect --fasta X", commands=("inspect",)),
    FileCase(F, "an id past the chromosome end", reads_plus(("chr1:390-410", "A" * 20)),
             ("chr1:390-410",), commands=("attribute",)),
    FileCase(F, "an id on a chromosome the sizes lack", reads_plus(("chrZ:0-20", "A" * 20)),
             ("chrZ",), commands=("attribute",), name_file=False),
    FileCase(F, "val_chroms, ids without coordinates",
             lambda d: d.fasta([f"r{k}" for k in range(len(d.ids))]), ("val_chroms",),
             commands=("train",), extra="--data.labels I/r.csv", name_file=False, setup=(put(
             "I/r.csv", lambda d: d.labels_csv([f"r{k},{y}" for k, y in enumerate(d.labels)])),)),
    ok(F, "CRLF line ends", reads_text(crlf), ("inspect", "predict", "evaluate", "train")),
    ok(F, "soft-masked bases", reads_all(seq=str.lower), ("inspect", "predict", "evaluate")),
    ok(F, "gzip", lambda d: d.fasta(), ("inspect", "predict", "evaluate", "train"),
       compress=True, file="reads.fa.gz"),
    ok(F, "getfasta -s ids chr1:0-20(-)",
       lambda d: d.fasta([f"{i}(-)" for i in d.ids], [reverse_complement(s) for s in d.seqs]),
       ("predict", "attribute")),
    ok(F, "lines wrapped at 7", lambda d: d.fasta(width=7), ("predict", "evaluate")),
    ok(F, "blank lines between records", reads_text(lambda t: t.replace("\n>", "\n\n\n>")),
       ("predict", "evaluate")),
    ok(F, "IUPAC codes N, R, Y", reads_record(0, lambda s: "NRY" + s[3:]), ("inspect", "predict")),
    ok(F, "descriptions after the ids", reads_all(rid=lambda i: i + " some words"),
       ("predict", "evaluate")),
    ok(F, "a UTF-8 byte-order mark", reads_text(lambda t: "\ufeff" + t), ("inspect", "predict")),
    ok(F, "plain ids, 15 and 30 bp for a 20 bp model", f">a\n{'ACGTA' * 3}\n>b\n{'ACG' * 10}\n",
       ("predict", "attribute")),
    ok(F, "U for T", reads_all(seq=lambda s: s.replace("T", "U")), ("predict",)),
]  # fmt: skip

LABEL_CASES = [
    FileCase(L, "a non-numeric label", labels_row(2, "yes"), ("line 4",)),
    FileCase(L, "an infinite label", labels_row(4, "inf"), ("line 6",)),
    FileCase(L, "no id column", labels_text(lambda t: t.replace("id,", "name,", 1))),
    FileCase(L, "duplicate ids", labels_text(lambda t: t + "chr1:0-20,1\n"), ("chr1:0-20",)),
    FileCase(L, "an id missing from the FASTA", labels_text(lambda t: t + "chrZ:0-20,1\n"),
             ("chrZ:0-20",)),
    FileCase(L, "a record without labels",
             labels_text(lambda t: t.replace("chr1:20-40,0\n", "")), ("chr1:20-40",)),
    FileCase(L, "a header only", "id,bound\n"),
    FileCase(L, "an id column only", lambda d: "id\n" + "\n".join(d.ids) + "\n"),
    FileCase(L, "a row with an extra field", labels_row(3, "1,7")),
    FileCase(L, "tab-separated in a .csv", labels_text(lambda t: t.replace(",", "\t"))),
    FileCase(L, "an empty id", labels_row(5, row=",1")),
    FileCase(L, "a label 2, task.type binary", labels_row(1, "2"), ("chr1:10-30",),
             commands=("train",), extra="--task.type binary"),
    FileCase(L, "a label 2, task.type multilabel",
             labels_text(lambda t: re.sub(r"\n", ",0\n", t).replace("bound,0", "bound,other", 1)
                         .replace("chr1:10-30,1,0", "chr1:10-30,1,2")),
             ("chr1:10-30",), commands=("train",), extra="--task.type multilabel"),
    FileCase(L, "a label 2 for a binary checkpoint", labels_row(1, "2"), commands=("evaluate",)),
    FileCase(L, "a negative count, poisson", labels_row(1, "-3"), ("chr1:10-30",),
             commands=("train",), extra="--task.type regression --task.regression_loss poisson"),
    FileCase(L, "a class 1.5, multiclass", labels_row(1, "1.5"), ("chr1:10-30",),
             commands=("train",), extra="--task.type multiclass"),
    FileCase(L, "every label missing", labels_text(lambda t: re.sub(r",[01]\n", ",NA\n", t)),
             commands=("train", "evaluate")),
    FileCase(L, "another task's column", labels_text(lambda t: t.replace("bound", "other")),
             commands=("evaluate",)),
    ok(L, "CRLF line ends", labels_text(crlf), ("inspect", "evaluate", "train")),
    ok(L, "missing labels (empty, NA)", labels_text(lambda t: t.replace("chr1:10-30,1", "chr1:"
       "10-30,").replace("chr1:20-40,0", "chr1:20-40,NA")), ("inspect", "evaluate", "train")),
]  # fmt: skip

BED_CASES = [
    FileCase(B, "start > end", bed_plus("chr1|30|20|0"), ("line 3",)),
    FileCase(B, "start = end", bed_plus("chr1|30|30|0"), ("line 3",)),
    FileCase(B, "a negative start", bed_plus("chr1|-5|15|0"), ("line 3",)),
    FileCase(B, "a non-integer start", bed_plus("chr1|ten|20|0"), ("line 3",)),
    FileCase(B, "a fractional end", bed_plus("chr1|0|20.5|0"), ("line 3",)),
    FileCase(B, "a 20-digit end", bed_plus("chr1|0|99999999999999999999|0"), ("line 3",)),
    FileCase(B, "a chromosome not in the genome", bed_plus("chrZ|0|20|0"), ("chrZ",)),
    FileCase(B, "an interval past a chromosome end", bed_plus("chr1|500|520|0"), ("line 3",)),
    FileCase(B, "a bad strand symbol in a BED6",
             bed_plus("chr1|0|20|r1|0|+", "chr1|20|40|r2|0|*", header="", first=False),
             ("line 2",)),
    FileCase(B, "rows with different column counts", bed_plus("chr1|20|40"), ("line 3",)),
    FileCase(B, "spaces instead of tabs", bed_text(lambda t: t.replace("\t", " "))),
    FileCase(B, "a .narrowPeak with 9 columns",
             bed_plus(*(f"{c}|0|20|p1|0|.|5.0|3.0|2.0" for c in CHROMS), header="", first=False),
             file="bad.narrowPeak"),
    FileCase(B, "a narrowPeak summit outside its peak",
             bed_plus("chr1|0|20|p1|0|.|5.0|3.0|2.0|500", header="", first=False), ("line 1",),
             file="bad.narrowPeak", commands=("inspect", "predict")),
    FileCase(B, "a header only", BED_HEADER + "\n"),
    FileCase(B, "comments and blank lines only", "# nothing\n\n\n"),
    FileCase(B, "a non-numeric label", bed_plus("chr1|20|40|yes"), ("line 3",)),
    FileCase(B, "an infinite label", bed_plus("chr1|20|40|inf"), ("line 3",)),
    FileCase(B, "truncated gzip", lambda d: gzip.compress(d.bed().encode(), mtime=0)[:200],
             file="bad.bed.gz"),
    ok(B, "CRLF line ends", bed_text(crlf), ("inspect", "predict", "train")),
    ok(B, "gzip", lambda d: d.bed(), ("inspect", "predict", "attribute", "train"), compress=True,
       file="x.bed.gz"),
    ok(B, "unsorted", lambda d: d.bed(d.bed_rows()[::-1]), ("predict", "evaluate", "attribute")),
    ok(B, "BED6 with strands", bed6(), ("inspect", "predict", "evaluate", "attribute")),
    ok(B, "BED6, --stranded", bed6(labels=False), ("predict", "attribute"), extra="--stranded"),
    ok(B, "a narrowPeak", bed_plus("chr1|0|30|p1|0|.|5.0|3.0|2.0|12",
       "chr2|100|160|p2|0|.|5.0|3.0|2.0|-1", header="", first=False), ("predict", "attribute"),
       file="x.narrowPeak"),
    ok(B, "track and browser lines", bed_text(lambda t: "browser position chr1\ntrack x=1\n" + t),
       ("inspect", "predict")),
    ok(B, "an interval partly past a chromosome end", bed_plus("chr1|390|400|1"),
       ("inspect", "predict")),
    ok(B, "overlapping intervals", bed_plus("chr1|5|25|1", "chr1|10|30|0"), ("attribute",)),
]  # fmt: skip

GENOME_CASES = [
    FileCase(G, "a duplicate sequence name", genome_text(lambda t: t + ">chr1\nACGT\n")),
    FileCase(G, "plain (not bgzip) gzip", lambda d: gzip.compress(d.genome_fasta().encode()),
             file="bad_genome.fa.gz"),
    FileCase(G, "an unknown symbol J in an interval",
             genome_edit(lambda g: {**g, "chr1": g["chr1"][:5] + "J" + g["chr1"][6:]})),
    FileCase(G, "lines of uneven length", uneven_lines),
    FileCase(G, "headers without sequence", ">chr1\n>chr2\n>chr3\n"),
    FileCase(G, "an empty sequence name", genome_text(lambda t: ">\nACGT\n" + t)),
    FileCase(G, "chr3 missing", genome_edit(lambda g: {c: g[c] for c in CHROMS[:2]}),
             commands=GENOME_READERS),
    FileCase(G, "chr1 shorter than the BED says",
             genome_edit(lambda g: {**g, "chr1": g["chr1"][:100]}), commands=GENOME_READERS),
    ok(G, "CRLF line ends", genome_text(crlf), ("inspect", "predict")),
    ok(G, "soft-masked", genome_edit(lambda g: {c: s.lower() for c, s in g.items()}),
       ("predict", "predict --tile")),
    ok(G, "bgzip", bgzip_genome, ("predict", "attribute"), file="g.fa.gz"),
    ok(G, "a stale .fai index", None, ("predict", "predict --tile"), file="g.fa",
       setup=(stale_index,)),
]  # fmt: skip

OTHER_FILE_CASES = [
    FileCase("chrom sizes", "a bad line", lines("chr1|four hundred", "chr2|400"), ("line 1",)),
    FileCase("chrom sizes", "a chromosome missing", lines("chr1|400", "chr2|400"), ("chr3",)),
    FileCase("chrom sizes", "a chromosome twice",
             lines("chr1|400", "chr1|400", "chr2|400", "chr3|400"), ("line 2",)),
    FileCase("chrom sizes", "a zero length", lines("chr1|0", "chr2|400", "chr3|400"), ("line 1",)),
    FileCase("chrom sizes", "a negative length", lines("chr1|-400", "chr2|400", "chr3|400"),
             ("line 1",)),
    FileCase("chrom sizes", "smaller than the ids reach",
             lines("chr1|100", "chr2|400", "chr3|400"), ("chr1",)),
    ok("chrom sizes", "a .fai index", lambda d: (d.root / "genome.fa.fai").read_text(),
       ("attribute",), file="genome.fa.fai"),
    FileCase("database", "protein motifs for a DNA model", meme(AMINO_ACIDS, [("P1", "X", "KR")])),
    FileCase("database", "garbage text", "hello\nworld\n"),
    FileCase("database", "a header without motifs", "MEME version 4\n\nALPHABET= ACGT\n"),
    FileCase("database", "w= 3 and two rows", meme_edit(lambda t: t.replace("w= 2", "w= 3")),
             ("M1",)),
    FileCase("database", "w= three", meme_edit(lambda t: t.replace("w= 2", "w= three")), ("M1",)),
    FileCase("database", "five letters per position",
             meme("ACGTN", [("M1", "X", "AG")]).replace("ACGTN", "ACGT"), ("M1",)),
    FileCase("database", "negative probabilities",
             meme_edit(lambda t: t.replace("0.9000", "-0.9000")), ("M1",)),
    FileCase("database", "NaN probabilities", meme_edit(lambda t: t.replace("0.9000", "nan")),
             ("M1",)),
    FileCase("database", "rows of zeros", meme_edit(lambda t: re.sub(r"\d\.\d{4}", "0.0000", t)),
             ("M1",)),
]  # fmt: skip

V = "vcf"
VCF_CASES = [
    FileCase(V, "no header", lines("chr1|50|v|A|C|.|.|."), ("no header",)),
    FileCase(V, "a header only", lambda d: vcf(d.genome, []), ("no variants",)),
    FileCase(V, "REF not bases", vcf_of([("chr1", 50, "C")], ref="AZ"), ("record 1",)),
    FileCase(V, "ALT not bases", vcf_of([("chr1", 50, "Q")]), ("record 1",)),
    FileCase(V, "a chromosome not in the genome",
             lambda d: vcf(d.genome, [("chr1", 50, "C")]).replace("chr1\t", "chr9\t"),
             ("record 1", "chr9")),
    FileCase(V, "a position past the chromosome end",
             lambda d: vcf(d.genome, [("chr1", 50, "C")]).replace("\t50\t", "\t999\t"),
             ("record 1", "chr1:999")),
    FileCase(V, "a position that is not a number",
             lambda d: vcf(d.genome, [("chr1", 50, "C"), ("chr1", 60, "C")]).replace(
                 "\t60\t", "\tsixty\t"), ("record 1",)),
    FileCase(V, "truncated bgzip", bgzipped(lambda d: vcf(d.genome, [("chr1", p, "C")
             for p in range(1, 400)]), cut=True), ("truncated",), file="bad.vcf.gz"),
    ok(V, "gzip", vcf_of([("chr1", 50, "C")]), ("variants",), compress=True, file="v.vcf.gz"),
    ok(V, "bgzip", bgzipped(vcf_of([("chr1", 50, "C")])), ("variants",), file="v.vcf.gz"),
    ok(V, "a symbolic ALT", vcf_of([("chr1", 50, "<DEL>"), ("chr1", 60, "C")]), ("variants",)),
    ok(V, "lowercase alleles", lambda d: vcf(d.genome, [("chr1", 50, "c")], ref=d.genome[
       "chr1"][49].lower()), ("variants",)),
    ok(V, "REF mismatches (another build?)", vcf_of([("chr1", 50, "C")], ref="ACGTACGT"),
       ("variants",)),
]  # fmt: skip

CHECKPOINT_CASES = [
    FileCase("checkpoint", "truncated", lambda d: d.checkpoint_bytes[:6000]),
    FileCase("checkpoint", "a text file", "this is not a checkpoint\n"),
    FileCase("checkpoint", "a malicious pickle (torch.save)", None,
             setup=(malicious_checkpoint("I/bad.ckpt"),), check=marker_absent),
    FileCase("checkpoint", "a malicious pickle (pickle.dump)", None,
             setup=(malicious_checkpoint("I/bad.ckpt", plain_pickle=True),), check=marker_absent),
    FileCase("checkpoint", "no hyper_parameters", checkpoint_with(without("hyper_parameters"))),
    FileCase("checkpoint", "no state_dict", checkpoint_with(without("state_dict"))),
    FileCase("checkpoint", "an unknown hyper-parameter", checkpoint_with(hparam("bogus", 1)),
             ("bogus",)),
    FileCase("checkpoint", "hyper-parameter length '20'", checkpoint_with(hparam("length", "20")),
             ("length",)),
    FileCase("checkpoint", "hyper-parameter length -5", checkpoint_with(hparam("length", -5)),
             ("length",)),
    FileCase("checkpoint", "hyper-parameter alphabet klingon",
             checkpoint_with(hparam("alphabet", "klingon")), ("klingon",)),
    FileCase("checkpoint", "hyper-parameter task ranking",
             checkpoint_with(hparam("task", "ranking")), ("ranking",)),
    FileCase("checkpoint", "a model named resnet", checkpoint_with(resnet), ("resnet",)),
    FileCase("checkpoint", "hyper_parameters a list",
             checkpoint_with(lambda c: {**c, "hyper_parameters": [1, 2]})),
    FileCase("checkpoint", "weights of the wrong shape", checkpoint_with(wrong_shape)),
    FileCase("checkpoint", "NaN weights", checkpoint_with(nan_weights)),
    FileCase("checkpoint", "a tensor, not a dictionary",
             checkpoint_with(lambda c: c["state_dict"][first_weight(c)])),
    FileCase("checkpoint", "a bare state dict", checkpoint_with(lambda c: c["state_dict"])),
]  # fmt: skip


def coverage_bw(change: Callable[[dict], dict] = dict, sizes: dict | None = None):
    """Bytes of a bigWig of the shared coverage (a.bw), its per-base values changed."""
    return lambda data: bigwig_bytes(change({c: v.copy() for c, v in data.coverage.items()}),
                                     sizes)  # fmt: skip


def value_at(chrom: str, position: int, value: float) -> Callable[[dict], dict]:
    """Tracks with one value (0-based ``position``) replaced."""

    def change(tracks: dict) -> dict:
        tracks[chrom][position] = value
        return tracks

    return change


def only(*chroms: str) -> Callable[[dict], dict]:
    return lambda tracks: {c: v for c, v in tracks.items() if c in chroms}


def cut(content, share: float = 0.5):
    """The first ``share`` of a file's bytes (a copy that stopped part way)."""

    def truncated(data: Data) -> bytes:
        raw = content_of(content, data)
        return raw[: int(len(raw) * share)]

    return truncated


SHORT_CHROMS = {"chr1": CHROM_LENGTH, "chr2": CHROM_LENGTH}
T, C, N = "targets", "channels", "numeric"
INSPECT_TRAIN = ("inspect", "train")

TARGET_CASES = [
    FileCase(T, "a negative count", coverage_bw(value_at("chr1", 12, -2.0)), ("chr1:13",)),
    FileCase(T, "an infinite value", coverage_bw(value_at("chr2", 103, math.inf)),
             ("chr2:104",)),
    FileCase(T, "chr3 missing", coverage_bw(only("chr1", "chr2"), SHORT_CHROMS), ("chr3",)),
    FileCase(T, "chromosomes named 1, 2, 3 (another genome's names)",
             coverage_bw(lambda t: {c[3:]: v for c, v in t.items()}), ("chr1",)),
    FileCase(T, "truncated", cut(coverage_bw()), commands=INSPECT_TRAIN),
    FileCase(T, "a bedGraph named .bw", lambda d: bedgraph(d.coverage), commands=("train",)),
    ok(T, "values on chr1 only (no coverage elsewhere)", coverage_bw(only("chr1"),
       {c: CHROM_LENGTH for c in CHROMS}), INSPECT_TRAIN, file="a1.bw"),
    ok(T, "fractional values (a normalised track)",
       coverage_bw(lambda t: {c: v * 0.37 for c, v in t.items()}), ("train",), file="f.bw"),
    ok(T, "chromosomes the genome lacks as well", coverage_bw(lambda t: {**t, "chrM": t["chr1"]}),
       INSPECT_TRAIN, file="m.bw"),
]  # fmt: skip

CHANNEL_CASES = [
    FileCase(C, "an infinite value", coverage_bw(value_at("chr1", 12, math.inf)), ("chr1:13",)),
    FileCase(C, "chr3 missing", coverage_bw(only("chr1", "chr2"), SHORT_CHROMS), ("chr3",)),
    FileCase(C, "truncated", cut(coverage_bw()),
             commands=("train", "predict", "predict --tile")),
    ok(C, "negative values (a log-ratio track)",
       coverage_bw(lambda t: {c: v - 5 for c, v in t.items()}),
       ("inspect", "train", "predict", "predict --tile", "attribute --tile"), file="lr.bw"),
    ok(C, "values on chr1 only", coverage_bw(only("chr1"), {c: CHROM_LENGTH for c in CHROMS}),
       ("predict", "evaluate"), file="c1.bw"),
]  # fmt: skip


def numeric_npz(values=None, ids=None, **extra):
    """Bytes of num.npz, its values or ids (functions of the shared ones) changed."""
    import numpy as np

    def content(data: Data) -> bytes:
        x = data.numeric.copy() if values is None else values(data.numeric.copy())
        names = list(data.numeric_ids) if ids is None else ids(list(data.numeric_ids))
        return npz_bytes(x=x, ids=np.array(names), **extra)

    return content


def numeric_value(sample: int, channel: int, step: int, value: float):
    def change(x):
        x = x.astype("float64")
        x[sample, channel, step] = value
        return x

    return change


def numeric_table(change: Callable[[list[str]], list[str]] = list, sep: str = ","):
    """num.csv as lines (header first), changed."""
    return lambda data: "\n".join(change(data.numeric_csv(sep).splitlines())) + "\n"


def replace_line(k: int, old: str, new: str) -> Callable[[list[str]], list[str]]:
    def change(rows: list[str]) -> list[str]:
        rows[k] = rows[k].replace(old, new, 1)
        return rows

    return change


def replace_cell(k: int, column: int, text: str) -> Callable[[list[str]], list[str]]:
    """Line ``k`` (0: the header) with its ``column`` (0: the id) replaced by ``text``."""

    def change(rows: list[str]) -> list[str]:
        cells = rows[k].split(",")
        cells[column] = text
        rows[k] = ",".join(cells)
        return rows

    return change


def ids_2d(data: Data) -> bytes:
    import numpy as np

    return npz_bytes(x=data.numeric, ids=np.array([data.numeric_ids]))


def repeat_first(x):
    import numpy as np

    return np.concatenate([x, x[:1]])


MODEL_READERS = ("predict", "evaluate", "attribute")
TABLE = "bad.csv"

NUMERIC_CASES = [
    FileCase(N, "an .npz without ids", lambda d: npz_bytes(x=d.numeric), ("ids",)),
    FileCase(N, "89 ids for 90 samples", numeric_npz(ids=lambda i: i[:-1]), ("89 ids",)),
    FileCase(N, "ids of 2 dimensions", ids_2d, ("ids",)),
    FileCase(N, "x of 2 dimensions", numeric_npz(lambda x: x.reshape(len(x), -1))),
    FileCase(N, "x of 4 dimensions", numeric_npz(lambda x: x[..., None])),
    FileCase(N, "an .npy of 2 dimensions", lambda d: npy_bytes(d.numeric.reshape(90, -1)),
             file="bad.npy"),
    FileCase(N, "a NaN", numeric_npz(numeric_value(3, 1, 4, math.nan)), ("n3",)),
    FileCase(N, "an infinite value", numeric_npz(numeric_value(7, 0, 0, -math.inf)), ("n7",)),
    FileCase(N, "a value too large for float32", numeric_npz(numeric_value(5, 1, 2, 1e39)),
             ("n5",)),
    FileCase(N, "duplicate ids", numeric_npz(ids=lambda i: [i[0], i[1], i[1], *i[3:]]),
             ("n1",)),
    FileCase(N, "strings, not numbers", numeric_npz(lambda x: x.astype(str))),
    FileCase(N, "an array of Python objects (pickled)", numeric_npz(lambda x: x.astype(object))),
    FileCase(N, "complex numbers", numeric_npz(lambda x: x.astype("complex64"))),
    FileCase(N, "a .json file", "[[1, 2], [3, 4]]\n", file="bad.json"),
    FileCase(N, "truncated", cut(numeric_npz())),
    FileCase(N, "a table whose columns do not split into 2 channels",
             numeric_table(lambda r: [row.rsplit(",", 1)[0] for row in r]), ("numeric_channels",),
             MODEL_READERS, file=TABLE),
    FileCase(N, "a table whose columns do not split into 2 channels",
             numeric_table(lambda r: [row.rsplit(",", 1)[0] for row in r]), ("numeric_channels",),
             ("train",), file=TABLE, extra="--data.numeric_channels 2"),
    FileCase(N, "a table with a non-numeric cell", numeric_table(replace_cell(3, 2, "abc")),
             ("line 4",), file=TABLE),
    FileCase(N, "a table with an NA cell", numeric_table(replace_cell(5, 24, "NA")),
             ("line 6",), file=TABLE),
    FileCase(N, "a table with an empty id", numeric_table(replace_line(2, "n1,", ",")),
             ("line 3",), file=TABLE),
    FileCase(N, "a table of a header only", numeric_table(lambda r: r[:1]), file=TABLE),
    FileCase(N, "a table whose first column is not id",
             numeric_table(replace_line(0, "id,", "gene,")), ("id",), file=TABLE),
    FileCase(N, "a table with a row of an extra field",
             numeric_table(lambda r: [*r[:4], r[4] + ",1.5", *r[5:]]), file=TABLE),
    FileCase(N, "a comma-separated table named .tsv", numeric_table(), file="bad.tsv"),
    FileCase(N, "1 channel for a 2-channel model", numeric_npz(lambda x: x[:, :1]),
             commands=MODEL_READERS),
    FileCase(N, "10 steps for a 12-step model", numeric_npz(lambda x: x[..., :10]),
             commands=MODEL_READERS),
    FileCase(N, "a sample without a label", numeric_npz(repeat_first, lambda i: [*i, "zz"]),
             ("zz",), commands=("train", "evaluate")),
    ok(N, "a CSV table", lambda d: d.numeric_csv(), MODEL_READERS, file="n.csv"),
    ok(N, "a TSV table", lambda d: d.numeric_csv("\t"), ("predict",), file="n.tsv"),
    ok(N, "a CSV table, data.numeric_channels 2", lambda d: d.numeric_csv(), ("train",),
       file="n.csv", extra="--data.numeric_channels 2"),
    ok(N, "a table with CRLF line ends", lambda d: crlf(d.numeric_csv()), ("predict", "evaluate"),
       file="n.csv"),
    ok(N, "an .npy (samples named 0 … N−1)", lambda d: npy_bytes(d.numeric), ("predict",
       "attribute"), file="n.npy"),
    ok(N, "whole numbers (int64)", numeric_npz(lambda x: (10 * x).round().astype("int64")),
       ("train", "predict"), file="n.npz"),
    ok(N, "float64 values", numeric_npz(lambda x: x.astype("float64")), ("predict",),
       file="n.npz"),
    ok(N, "samples in another order", numeric_npz(lambda x: x[::-1], lambda i: i[::-1]),
       ("train", "evaluate"), file="n.npz"),
    ok(N, "an .npz with an extra array", numeric_npz(notes=[1, 2, 3]), ("predict",),
       file="n.npz"),
]  # fmt: skip

FILE_CASES = [
    *FASTA_CASES,
    *LABEL_CASES,
    *BED_CASES,
    *GENOME_CASES,
    *OTHER_FILE_CASES,
    *VCF_CASES,
    *CHECKPOINT_CASES,
    *TARGET_CASES,
    *CHANNEL_CASES,
    *NUMERIC_CASES,
]
"""Inputs with bad (or, ``ok``, odd but valid) content, fed to each command that reads them."""


def file_cases() -> list[Case]:
    cases = []
    for spec in FILE_CASES:
        category, default_file, _ = ROLES[spec.role]
        file = spec.file or default_file
        path = f"I/{file}"
        setup = spec.setup
        if spec.content is not None:
            setup = (put(path, spec.content, compress=spec.compress), *setup)
        for command in spec.commands or tuple(USERS[spec.role]):
            template = spec.argv or USERS[spec.role][command]
            cases.append(
                Case(
                    category,
                    f"{command}: {spec.name}",
                    f"{template.replace('X', path)} {spec.extra}".strip(),
                    () if spec.ok else ((file,) * spec.name_file + spec.names),
                    setup,
                    ok=spec.ok,
                    check=spec.check,
                )
            )
    return cases


def number_cases() -> list[Case]:
    """Whole-number arguments given 0, -4, 1.5 or abc; --filter-threshold outside (0, 1]."""
    numbers = {
        "--batch-size": (*CHECKPOINT_COMMANDS, "variants"),
        "--chunk-size": ("predict", "attribute", "variants"),
        "--n-shuffles": ("attribute", "motifs"),
        "--n-steps": ("attribute",),
        "--top": ("motifs",),
        "--devices": ("predict", "attribute", "variants"),
        "--null": ("variants",),
        "--tile": ("predict", "attribute"),
        "--n-outputs": ("summary",),
        "--length": ("inspect",),
    }
    values = {flag: ("0", "-4", "1.5", "abc") for flag in numbers}
    numbers["--filter-threshold"] = ("motifs",)
    values["--filter-threshold"] = ("0", "1.5", "x", "-0.5", "nan")
    return [
        Case("numbers", f"{command} {flag} {value}", f"{BASE[command]} {flag} {value}", (flag,))
        for flag, commands in numbers.items()
        for command in commands
        for value in values[flag]
    ]


def choice_cases() -> list[Case]:
    """Values outside an argument's choices, or that the model cannot do."""
    table = [
        ("attribute", "--method bogus", "--method"),
        ("motifs", "--method bogus", "--method"),
        ("motifs", "--method cam", "--method"),
        ("attribute", "--method cam", "cam"),  # the tiny model pools by max: no CAM
        ("attribute", "--method cam --out O/a.npz", "cam"),
        ("attribute", "--format bogus", "--format"),
        ("attribute", "--baselines bogus", "--baselines"),
        ("inspect", "--alphabet klingon", "--alphabet"),
        ("variants", "--attribute bogus", "--attribute"),
        ("variants", "--region chr1:1-100", "index"),  # a plain VCF has no index
        ("variants", "--attribute deeplift --target 5", "--target"),
        ("motifs, JASPAR", "--collection BOGUS", "BOGUS"),
        ("motifs, JASPAR", "--tax-group martians", "martians"),
    ]
    table += [(c, f"--target {t}", "--target") for c in ("attribute", "motifs")
              for t in ("bogus", "99", "-1")]  # fmt: skip
    table += [(c, f"--device {d}", d.split(":")[0]) for c in (*CHECKPOINT_COMMANDS, "variants")
              for d in ("bogus", "cuda:7")]  # fmt: skip
    bases = {**BASE, "motifs, JASPAR": BASE["motifs"].replace("--database D/small.meme ", "")}
    return [
        Case("choices", f"{command} {extra}", f"{bases[command]} {extra}", (names,))
        for command, extra, names in table
    ]


def combination_cases() -> list[Case]:
    """Arguments that do not go together, or are missing."""
    ck, genome = f"--checkpoint {CK}", "--genome D/genome.fa"
    fasta, bed = "--fasta D/reads.fa", "--bed D/x.bed"
    table = []
    for c in CHECKPOINT_COMMANDS:
        table += [
            (f"{c}: --fasta and --bed", f"{c} {ck} {fasta} {bed} {genome} {OUT[c]}"
             + " --labels D/labels.csv" * (c == "evaluate"), ("--fasta", "--bed")),
            (f"{c}: no input", f"{c} {ck} {OUT[c]}", ("--fasta",)),
            (f"{c}: --bed without --genome", f"{c} {ck} {bed} {OUT[c]}", ("x.bed", "genome")),
            (f"{c}: a config override", f"{BASE[c]} --data.length 30", ("data.length",)),
        ]  # fmt: skip
    for c in BASE:
        table += [
            (f"{c}: an unknown option", f"{BASE[c]} --bogus", ("--bogus",)),
            (f"{c}: a stray argument", f"{BASE[c]} stray", ("stray",)),
        ]
    for c in ("predict", "attribute"):
        table.append((f"{c}: --region without --tile", f"{c} {ck} {fasta} --region chr1 {OUT[c]}",
                      ("--region",)))  # fmt: skip
        for region in ("chrZ", "chr1:300-9999", "chr1:50-10"):
            table.append(
                (
                    f"{c}: --region {region}",
                    f"{c} {ck} --tile 10 {genome} --region {region} {OUT[c]}",
                    (region,),
                )
            )
    table += [
        ("predict: --fasta and --numeric", f"predict {ck} {fasta} --numeric D/num.npz "
         "--out O/p.tsv", ("--fasta", "--numeric")),
        ("evaluate: --bed and --numeric", f"evaluate --checkpoint {NCK} {bed} {genome} "
         "--numeric D/num.npz --labels D/num_labels.csv --out O/m.json", ("--bed", "--numeric")),
        ("attribute: --tile and --numeric", f"attribute --checkpoint {NCK} --tile 7 {genome} "
         "--numeric D/num.npz --method saliency --out O/a.npz", ("--tile", "--numeric")),
        ("predict: --channels without a value", f"predict --checkpoint {HCK} {bed} {genome} "
         "--channels --out O/p.tsv", ("--channels",)),
        ("predict: --head (predict has none)", f"predict --checkpoint {CCK} {bed} {genome} "
         "--head counts --out O/p.tsv", ("--head",)),
        ("inspect: --fasta and --bed", f"inspect {fasta} {bed} {genome}", ("--fasta", "--bed")),
        ("inspect: no input", "inspect", ("--fasta",)),
        ("inspect: --bed without --genome", f"inspect {bed} --length 20", ("x.bed", "genome")),
        ("evaluate --fasta without --labels", f"evaluate {ck} {fasta} --out O/m.json",
         ("--labels",)),
        ("evaluate --bed with --labels", f"evaluate {ck} {bed} {genome} --labels D/labels.csv "
         "--out O/m.json", ("--labels",)),
        ("predict --tile with --fasta", f"predict {ck} --tile 10 {fasta} {genome} --out O/p.tsv",
         ("--tile",)),
        ("predict --tile without --genome", f"predict {ck} --tile 10 --out O/p.tsv", ("--genome",)),
        ("predict: an empty --region", f"predict {ck} --tile 10 {genome} --region= --out O/p.tsv",
         ("--region",)),
        ("no command", "", ("COMMAND",)),
        ("an unknown command", "frobnicate --fasta D/reads.fa", ("frobnicate",)),
        ("train without --config", "train --out O/run", ("--config",)),
        ("train: an override without a value", f"{BASE['train']} --optim.lr", ("--optim.lr",)),
        ("train: an override of a top-level key", f"{BASE['train']} --seed 3", ("--seed",)),
        ("train: an override three levels deep", f"{BASE['train']} --data.length.x 3",
         ("data.length.x",)),
        ("summary: no data.length and no data to read it from",
         f"{BASE['summary']} --data.length null --data.fasta null --data.labels null",
         ("data.length",)),
        ("summary: a missing labels file", f"{BASE['summary']} --data.labels I/nope.csv",
         ("nope.csv",)),
    ]  # fmt: skip
    return [Case("combinations", name, argv, names) for name, argv, names in table]


def output_cases() -> list[Case]:
    """Output paths that cannot be written, and odd ones that can."""
    out = {
        "predict": "O/p.tsv",
        "evaluate": "O/m.json",
        "attribute": "O/a.bw",
        "train": "O/run",
        "motifs": "O/motifs",
        "variants": "O/v.tsv",
    }

    def moved(command: str, path: str) -> str:
        return BASE[command].replace(out[command], path)

    cases = []
    for c in ("predict", "evaluate", "attribute", "variants"):
        name = Path(out[c]).name
        cases += [
            Case("outputs", f"{c}: --out is a folder", BASE[c], (name,), (mkdir(out[c]),)),
            Case("outputs", f"{c}: --out in a missing folder", moved(c, f"O/nofolder/{name}"),
                 ("nofolder",)),
        ]  # fmt: skip
    for c, path in out.items():
        cases.append(Case("outputs", f"{c}: --out under a regular file",
                          moved(c, f"O/afile/{Path(path).name}"), ("afile",),
                          (put("O/afile", "a file\n"),)))  # fmt: skip
    for c, path in (("predict", "O/p.xyz"), ("attribute", "O/a.xyz"), ("evaluate", "O/m.txt"),
                    ("predict", "O/p.tsv.gz"), ("variants", "O/v.csv")):  # fmt: skip
        name = Path(path).name
        cases.append(Case("outputs", f"{c}: --out {name}", moved(c, path), (name,)))
    for c in ("train", "motifs"):
        cases.append(Case("outputs", f"{c}: --out is a file", moved(c, "O/existing"),
                          ("existing",), (put("O/existing", "a file\n"),)))  # fmt: skip
    cases.append(
        Case(
            "outputs",
            "attribute: --out a.npz, a_ohe.npz a folder",
            moved("attribute", "O/a.npz"),
            ("a_ohe.npz",),
            (mkdir("O/a_ohe.npz"),),
        )
    )
    odd = [
        ("predict: --out .csv", moved("predict", "O/p.csv")),
        ("predict: --out .txt", moved("predict", "O/p.txt")),
        ("attribute: --out .bedGraph", moved("attribute", "O/a.bedGraph")),
        ("attribute: --out .npz", moved("attribute", "O/a.npz")),
        ("attribute: --out .BW (upper case)", moved("attribute", "O/a.BW")),
        (
            "attribute: --format bedgraph --out .track",
            moved("attribute", "O/a.track") + " --format bedgraph",
        ),
        ("train: --out in missing folders", moved("train", "O/new/sub/run")),
        ("motifs: --out in missing folders", moved("motifs", "O/new/sub/motifs")),
    ]
    cases += [Case("outputs", name, argv, ok=True) for name, argv in odd]
    cases.append(Case("outputs", "predict: --out an existing file (replaced)", BASE["predict"],
                      setup=(put("O/p.tsv", "old\n"),), ok=True))  # fmt: skip
    return cases


CONFIG_VALUES: list[tuple[dict[str, str], str]] = [
    ({"data.length": '"300"'}, "data.length"),
    ({"data.length": "0"}, "data.length"),
    ({"data.length": "-5"}, "data.length"),
    ({"data.length": "2.5"}, "data.length"),
    ({"data.batch_size": "0"}, "data.batch_size"),
    ({"data.batch_size": "2.5"}, "data.batch_size"),
    ({"data.batch_size": "true"}, "data.batch_size"),
    ({"data.alphabet": "klingon"}, "data.alphabet"),
    ({"data.unknown": "ignore"}, "data.unknown"),
    ({"data.out_of_bounds": "wrap"}, "data.out_of_bounds"),
    ({"data.val_fraction": "1.5"}, "data.val_fraction"),
    ({"data.test_fraction": "-0.1"}, "data.test_fraction"),
    ({"data.max_shift": "-1"}, "data.max_shift"),
    ({"data.num_workers": "-2"}, "data.num_workers"),
    ({"data.stranded": "sometimes"}, "data.stranded"),
    ({"data.val_chroms": "[chrX]"}, "val_chroms"),
    ({"data.val_chroms": "{a: 1}"}, "val_chroms"),
    ({"data.val_chroms": "[chr2]", "data.test_chroms": "[chr2]"}, "val_chroms"),
    ({"data.val_chroms": "[]", "data.test_chroms": "[]", "data.val_fraction": "0.6",
      "data.test_fraction": "0.6"}, "val_fraction"),
    ({"data.fatsa": "x.fa"}, "data.fatsa"),
    ({"data.fasta": "I/nope.fa"}, "nope.fa"),
    ({"data.targets": "{a: 1}"}, "data.targets"),
    ({"data.targets": "[[]]"}, "data.targets[0]"),
    ({"data.target_length": "0"}, "data.target_length"),
    ({"data.bin_size": "-5"}, "data.bin_size"),
    ({"data.bin_size": "2.5"}, "data.bin_size"),
    ({"data.channels": "5"}, "data.channels"),
    ({"data.numeric_channels": "0"}, "data.numeric_channels"),
    ({"data.numeric": "[a.npz]"}, "data.numeric"),
    ({"optim.lr": "fast"}, "optim.lr"),
    ({"optim.lr": "-1"}, "optim.lr"),
    ({"optim.lr": "0"}, "optim.lr"),
    ({"optim.lr": ".nan"}, "optim.lr"),
    ({"optim.weight_decay": "-0.1"}, "optim.weight_decay"),
    ({"optim.scheduler": "step"}, "optim.scheduler"),
    ({"optim.momentum": "0.9"}, "optim.momentum"),
    ({"model.filters": "[8, -8]"}, "model.filters"),
    ({"model.filters": "eight"}, "model.filters"),
    ({"model.kernel_sizes": "[0]"}, "model.kernel_sizes"),
    ({"model.kernel_sizes": "[3, 3]"}, "kernel_sizes"),
    ({"model.dropout": "1.5"}, "model.dropout"),
    ({"model.dropout": "lots"}, "model.dropout"),
    ({"model.pool": "sideways"}, "model.pool"),
    ({"model.pool_size": "2.5"}, "pool_size"),
    ({"model.pool": "avg", "model.pool_size": "1.5"}, "pool_size"),
    ({"model.pool": "fractional", "model.pool_size": "1"}, "pool_size"),
    ({"model.pool": "fractional", "model.pool_size": "0.5"}, "model.pool_size"),
    ({"model.pool": "fractional", "model.pool_size": "-2"}, "model.pool_size"),
    ({"model.pool": "fractional", "model.pool_regions": "sometimes"}, "model.pool_regions"),
    ({"model.global_pool": "median"}, "model.global_pool"),
    ({"model.dense": "[-1]"}, "model.dense"),
    ({"model.name": "resnet"}, "resnet"),
    ({"model.bogus": "1"}, "model.bogus"),
    ({"task.type": "ranking"}, "task.type"),
    ({"task.pos_weight": "0"}, "task.pos_weight"),
    ({"task.pos_weight": "heavy"}, "task.pos_weight"),
    ({"task.regression_loss": "poison"}, "task.regression_loss"),
    ({"task.n_classes": "1"}, "task.n_classes"),
    ({"task.rc_average": "2"}, "task.rc_average"),
    ({"task.type": "profile"}, "task.type"),
    ({"task.count_weight": "-1"}, "task.count_weight"),
    ({"train.monitor": "val/bogus"}, "train.monitor"),
    ({"train.monitor": "val/bound/bogus"}, "train.monitor"),
    ({"train.mode": "up"}, "train.mode"),
    ({"train.patience": "-1"}, "train.patience"),
    ({"trainer.precision": "17"}, "trainer.precision"),
    ({"trainer.accelerator": "tpux"}, "trainer.accelerator"),
    ({"trainer.max_epochs": "-1"}, "trainer.max_epochs"),
    ({"trainer.max_epochs": "0"}, "trainer.max_epochs"),
    ({"trainer.devices": "0"}, "trainer.devices"),
    ({"trainer.callbacks": "[]"}, "trainer.callbacks"),
    ({"trainer.bogus_arg": "1"}, "trainer.bogus_arg"),
    ({"trainer.gradient_clip_val": "-1"}, "trainer.gradient_clip_val"),
    ({"trainer.log_every_n_steps": "0"}, "trainer.log_every_n_steps"),
    ({"trainer.strategy": "warp"}, "strategy"),
    ({"trainer.accumulate_grad_batches": "0"}, "accumulate_grad_batches"),
    ({"trainer.val_check_interval": "-3"}, "val_check_interval"),
    ({"trainer.limit_train_batches": "-1"}, "limit_train_batches"),
]  # fmt: skip
"""Config values of the wrong type or out of range, and what the message must name; each is
tried as its own YAML file and as dotted overrides."""
SPLIT_VALUES: list[tuple[dict[str, str], str]] = [
    ({"data.val_chroms": "[chr1, chr2, chr3]", "data.test_chroms": "[]"}, "val_chroms"),
    ({"data.val_chroms": "[]", "data.val_fraction": "0"}, "val_fraction"),
]
"""Splits that leave nothing to train or validate on: bad for train, fine for inspect."""

DUPLICATE_KEY = f"""data:
  fasta: D/reads.fa
  labels: D/labels.csv
  length: 20
  length: 30
  val_chroms: [chr2]
  test_chroms: [chr3]
model: {TINY_MODEL}
trainer: {TRAINER}
""".replace("'", "").replace("False", "false")
RAW_CONFIGS = [  # (name, YAML text, what the message must name, also for inspect and summary)
    ("a list", "- data\n- model\n", "bad.yaml", True),
    ("invalid YAML", "data: [1, 2\n", "bad.yaml", True),
    ("a plain string", "hello\n", "bad.yaml", False),
    ("an unknown section", "bogus: {x: 1}\n", "bogus", False),
    ("task: [1, 2]", "task: [1, 2]\n", "task", False),
    ("model: 5", "model: 5\n", "model", False),
    ("data: chr1", "data: chr1\n", "data", False),
    ("seed: -1", "seed: -1\n", "seed", False),
    ("seed: abc", "seed: abc\n", "seed", False),
    ("seed: true", "seed: true\n", "seed", False),
    ("a duplicate key", DUPLICATE_KEY, "length", False),
    ("a python/object tag", "data: !!python/object/apply:os.mkdir [I/PWNED]\n", "bad.yaml", True),
]
ODD_CONFIGS = [  # (name, sections merged into the good config)
    ("task: binary (scalar shorthand)", {"task": "binary"}),
    ("val_chroms: chr2, test_chroms: chr3 (scalars)",
     {"data": {"val_chroms": "chr2", "test_chroms": "chr3"}}),
    ("lr: 1e-3 (a YAML 1.2 float)", {"optim": {"lr": "1e-3"}}),
    ("no test split (test_chroms: [])", {"data": {"test_chroms": []}}),
    ("model: fractional max pooling by 1.5", {"model": {"filters": [4, 4],
     "kernel_sizes": [3, 3], "pool": "fractional", "pool_size": 1.5}}),
    ("model: fractional pooling by 2, random regions", {"model": {"filters": [4, 4, 4],
     "kernel_sizes": [3, 3, 3], "pool": "fractional", "pool_size": 2,
     "pool_regions": "random"}}),
    ("model: max pooling by 2.0 (a whole number)", {"model": {"filters": [4, 4],
     "kernel_sizes": [3, 3], "pool_size": 2.0}}),
]  # fmt: skip


def config_cases() -> list[Case]:
    """Every bad value as its own YAML file (train) and as dotted overrides (train; inspect
    for data keys, summary for model keys); files that are no config; odd valid configs."""
    cases = []
    bases = {"inspect": "inspect --config D/good.yaml", "summary": BASE["summary"],
             "train": BASE["train"]}  # fmt: skip
    for settings, names in CONFIG_VALUES + SPLIT_VALUES:
        shown = ", ".join(f"{k}: {v}" for k, v in settings.items())
        cases.append(Case("config values", f"train YAML: {shown}",
                          "train --config I/bad.yaml --out O/run", (names,),
                          (config_file("I/bad.yaml", settings),)))  # fmt: skip
        overrides = [token for k, v in settings.items() for token in (f"--{k}", v)]
        sections = {key.split(".")[0] for key in settings}
        also = {"data": "inspect", "model": "summary"}.get(sections.pop(), "") * (not sections)
        commands = ["train"] + ([also] if also and (settings, names) in CONFIG_VALUES else [])
        for command in commands:
            cases.append(Case("config values", f"{command} override: {shown}",
                              [*bases[command].split(), *overrides], (names,)))  # fmt: skip
    for name, text, names, everywhere in RAW_CONFIGS:
        check = marker_absent if "python" in name else None
        for command in ("train", "inspect", "summary") if everywhere else ("train",):
            argv = USERS["config"][command].replace("X", "I/bad.yaml")
            cases.append(Case("config files", f"{command}: {name}", argv, (names,),
                              (put_expanded("I/bad.yaml", text),), check=check))  # fmt: skip
    for name, sections in ODD_CONFIGS:
        cases.append(
            Case(
                "config values",
                f"train YAML: {name}",
                "train --config I/c.yaml --out O/run",
                setup=(merged_config("I/c.yaml", sections),),
                ok=True,
            )
        )
    bom = put("I/c.yaml", lambda d: "\ufeff" + d.config_text())
    crlf_config = put("I/c.yaml", lambda d: crlf(d.config_text()))
    cases += [
        Case("config values", "train override: --optim.lr=0.002",
             f"{BASE['train']} --optim.lr=0.002", ok=True),
        Case("config values", "train override: --data.val_chroms chr2 (a scalar)",
             f"{BASE['train']} --data.val_chroms chr2", ok=True),
        Case("config files", "train: CRLF line ends", "train --config I/c.yaml --out O/run",
             setup=(crlf_config,), ok=True),
        Case("config files", "train: a UTF-8 byte-order mark",
             "train --config I/c.yaml --out O/run", setup=(bom,), ok=True),
        Case("config files", "inspect: the BED config", "inspect --config D/bed.yaml", ok=True),
        Case("config files", "summary --n-outputs 3", f"{BASE['summary']} --n-outputs 3",
             ok=True),
        Case("config files", "summary: the length read from the data",
             f"{BASE['summary']} --data.length null", ok=True),
    ]  # fmt: skip
    return cases


def config_file(
    path: str, settings: dict[str, str], *, base: str = "good", sections: dict | None = None
) -> Setup:
    """A shared config (the good one) with whole ``sections`` replaced and dotted ``settings``
    (YAML values) applied, written to ``path``."""
    import yaml

    def setup(ctx: Ctx) -> None:
        config = copy.deepcopy(ctx.data.configs[base])
        config.update(copy.deepcopy(sections or {}))
        for key, value in settings.items():
            section, leaf = key.split(".")
            config.setdefault(section, {})[leaf] = yaml.safe_load(value)
        Path(ctx.expand(path)).write_text(ctx.expand(yaml.safe_dump(config, sort_keys=False)))

    return setup


def merged_config(path: str, sections: dict) -> Setup:
    """The good config with whole sections merged in (or replaced by a scalar)."""
    import yaml

    def setup(ctx: Ctx) -> None:
        config = copy.deepcopy(ctx.data.configs["good"])
        for name, value in sections.items():
            merge = isinstance(value, dict)
            config[name] = {**config.get(name, {}), **value} if merge else value
        text = yaml.safe_dump(config, sort_keys=False).replace("'1e-3'", "1e-3")
        Path(ctx.expand(path)).write_text(text)

    return setup


def resume_cases() -> list[Case]:
    """train --resume on folders that hold no run, another run, or a broken one."""
    old = copy_tree("D/run", "O/oldrun")
    resume = "train --out O/oldrun --resume"
    last = "O/oldrun/checkpoints/last.ckpt"
    other = put("I/other.yaml", lambda d: d.config_text() + "optim:\n  lr: 0.5\n")
    table = [
        ("--resume on an empty folder", "train --out O/emptyrun --resume", "emptyrun",
         (mkdir("O/emptyrun"),)),
        ("--resume on a missing folder", "train --out O/norun --resume", "norun", ()),
        ("--resume --config with another lr", f"{resume} --config I/other.yaml", "optim.lr",
         (old, other)),
        ("--resume with an override", f"{resume} --optim.lr 0.5", "optim.lr", (old,)),
        ("--out an earlier run, no --resume", "train --config D/good.yaml --out O/oldrun",
         "oldrun", (old,)),
        ("--resume, last.ckpt truncated", resume, "last.ckpt",
         (old, put(last, lambda d: d.checkpoint_bytes[:1000]))),
        ("--resume, last.ckpt a malicious pickle", resume, "last.ckpt",
         (old, malicious_checkpoint(last))),
        ("--resume, last.ckpt of the protein model", resume, "last.ckpt",
         (old, copy_file(PCK, last))),
        ("--resume, config.yaml removed", resume, "config.yaml",
         (old, remove("O/oldrun/config.yaml"))),
        ("--resume, config.yaml invalid", resume, "config.yaml",
         (old, put("O/oldrun/config.yaml", "data: [\n"))),
    ]  # fmt: skip
    return [
        Case("resume", name, argv, (names,), setup,
             check=marker_absent if "malicious" in name else None)
        for name, argv, names, setup in table
    ]  # fmt: skip


def alphabet_cases() -> list[Case]:
    """DNA models given protein; protein models given genomes, DNA motifs or JASPAR."""
    dna, protein = f"--checkpoint {CK}", f"--checkpoint {PCK}"
    genome = "--genome D/genome.fa"
    stops = put(
        "I/bad.fa", lambda d: d.fasta(d.protein_ids[:3], [s + "*" for s in d.protein_seqs[:3]])
    )
    ambiguous = put(
        "I/j.fa", lambda d: d.fasta(d.protein_ids[:2], ["BXJ" + s[3:] for s in d.protein_seqs[:2]])
    )
    table = [  # (name, argv, what the error must name, setup)
        ("predict: DNA model, protein FASTA", f"predict {dna} --fasta D/prot.fa --out O/p.tsv",
         "prot.fa", ()),
        ("evaluate: DNA model, protein FASTA", f"evaluate {dna} --fasta D/prot.fa "
         "--labels D/prot_labels.csv --out O/m.json", "prot.fa", ()),
        ("attribute: DNA model, protein FASTA", f"attribute {dna} --fasta D/prot.fa "
         "--method saliency --out O/a.bw", "prot.fa", ()),
        ("motifs: DNA model, protein FASTA", f"motifs {dna} --fasta D/prot.fa {MOTIF_ARGS}",
         "prot.fa", ()),
        ("predict: protein model, BED", f"predict {protein} --bed D/x.bed {genome} --out O/p.tsv",
         "x.bed", ()),
        ("predict: protein model, --tile", f"predict {protein} --tile 10 {genome} --out O/p.tsv",
         "--tile", ()),
        ("attribute: protein model, BED", f"attribute {protein} --bed D/x.bed {genome} "
         "--method saliency --out O/a.bw", "x.bed", ()),
        ("motifs: protein model, JASPAR", f"motifs {protein} --fasta D/prot.fa --method saliency "
         "--top 20 --out O/motifs", "JASPAR", ()),
        ("motifs: protein model, DNA motifs", f"motifs {protein} --fasta D/prot.fa {MOTIF_ARGS}",
         "small.meme", ()),
        ("predict: protein model, stop codons '*'", f"predict {protein} --fasta I/bad.fa "
         "--out O/p.tsv", "bad.fa", (stops,)),
    ]  # fmt: skip
    cases = [Case("alphabets", n, argv, (names,), setup) for n, argv, names, setup in table]
    odd = [
        ("predict: protein ambiguity B, X, J", f"predict {protein} --fasta I/j.fa --out O/p.tsv",
         (ambiguous,)),
        ("attribute: protein tracks, one per record", f"attribute {protein} --fasta D/prot.fa "
         "--method saliency --out O/a.bw", ()),
        ("motifs: protein model, protein motifs", f"motifs {protein} --fasta D/prot.fa "
         "--database D/prot.meme --method saliency --top 20 --out O/motifs", ()),
    ]  # fmt: skip
    cases += [Case("alphabets", n, argv, setup=s, ok=True) for n, argv, s in odd]
    return cases


def checkpoint_of(checkpoint: str, change: Callable[[dict], object]):
    """One of the shared checkpoints (``D/…``), changed, as ``torch.save`` writes it."""

    def content(data: Data) -> bytes:
        import torch

        path = data.root / checkpoint.removeprefix("D/")
        return torch_bytes(change(torch.load(path, map_location="cpu", weights_only=True)))

    return content


def moved_channels(path: str) -> Setup:
    """I/bad.ckpt: the channel model, its bigWig moved away (the checkpoint names ``path``)."""

    def setup(ctx: Ctx) -> None:
        content = checkpoint_of(HCK, hparam("channels", [ctx.expand(path)]))
        (ctx.i / "bad.ckpt").write_bytes(content(ctx.data))

    return setup


def coverage_cases() -> list[Case]:
    """Coverage targets (data.targets) that cannot be learned as configured, coverage models
    asked for what they do not do (--head, tracks, evaluate), and odd runs that must work."""
    cov, binned = "train --config D/cov.yaml --out O/run", "train --config D/bin.yaml --out O/run"
    windows = "--bed D/cov.bed --genome D/genome.fa"
    on_cov = "inspect --config D/cov.yaml"
    bad_yaml = "train --config I/bad.yaml --out O/run"
    tracks = f"predict --checkpoint {BCK} {windows} --out O/b.bw"
    variants = "--vcf D/v.vcf --genome D/genome.fa --out O/v.tsv"
    like_task = labels_text(lambda t: t.replace("bound", "a"))
    table = [  # (name, argv, what the error must name, setup)
        ("train: data.target_length 30 in windows of 20", f"{cov} --data.target_length 30",
         ("data.target_length",), ()),
        ("inspect: data.target_length 30 in windows of 20", f"{on_cov} --data.target_length 30",
         ("data.target_length",), ()),
        ("train: data.bin_size 3, target_length 10", f"{cov} --data.bin_size 3",
         ("data.bin_size",), ()),
        ("inspect: data.bin_size 20, target_length 10", f"{on_cov} --data.bin_size 20",
         ("data.bin_size",), ()),
        ("train: BED label columns and targets", f"{cov} --data.bed D/x.bed",
         ("x.bed", "data.targets"), ()),
        ("inspect: BED label columns and targets", f"{on_cov} --data.bed D/x.bed",
         ("x.bed", "data.targets"), ()),
        ("train: targets with FASTA input", f"{BASE['train']} --data.targets [D/a.bw]",
         ("data.targets",), ()),
        ("train: model cnn with targets", bad_yaml, ("model.name",),
         (config_file("I/bad.yaml", {}, base="coverage", sections={"model": TINY_MODEL}),)),
        ("train: model lstm with targets", bad_yaml, ("model.name",),
         (config_file("I/bad.yaml", {}, base="coverage", sections={"model": {"name": "lstm"}}),)),
        ("train: model.head pool with targets", f"{cov} --model.head pool", ("model.head",), ()),
        ("train: task.type binary with targets", f"{cov} --task.type binary", ("task.type",), ()),
        ("train: task.type regression with targets", f"{cov} --task.type regression",
         ("task.type",), ()),
        ("train: task.type binned without data.bin_size", f"{cov} --task.type binned",
         ("task.type",), ()),
        ("train: task.type profile with data.bin_size", f"{binned} --task.type profile",
         ("task.type",), ()),
        ("train: task.type profile without targets", f"{BASE['train']} --task.type profile",
         ("task.type",), ()),
        ("train: task.type binned without targets",
         "train --config D/bed.yaml --out O/run --task.type binned", ("task.type",), ()),
        ("train: data.max_shift 2 with targets", f"{cov} --data.max_shift 2",
         ("data.max_shift",), ()),
        ("train: data.target_length without targets",
         "train --config D/bed.yaml --out O/run --data.target_length 10",
         ("data.target_length",), ()),
        ("inspect: data.bin_size without targets", "inspect --config D/bed.yaml --data.bin_size 5",
         ("data.bin_size",), ()),
        ("train: two targets of one name", f"{cov} --data.targets [D/a.bw,I/a.bw]",
         ("data.targets",), (copy_file("D/a.bw", "I/a.bw"),)),
        ("train: a target of three bigWigs", f"{cov} --data.targets [[D/a.bw,D/a.bw,D/a.bw]]",
         ("data.targets[0]",), ()),
        ("train: data.targets a path, not a list", f"{cov} --data.targets D/a.bw",
         ("data.targets",), ()),
        ("attribute --head counts, a label model", f"{BASE['attribute']} --head counts",
         ("--head",), ()),
        ("attribute --head profile, a binned model", f"attribute --checkpoint {BCK} {windows} "
         "--method saliency --head profile --out O/a.bw", ("--head",), ()),
        ("attribute --head bogus", f"attribute --checkpoint {CCK} {windows} --method saliency "
         "--head bogus --out O/a.bw", ("--head",), ()),
        ("motifs --head counts, a label model", f"{BASE['motifs']} --head counts", ("--head",),
         ()),
        ("motifs --head profile, a binned model",
         f"motifs --checkpoint {BCK} {windows} {MOTIF_ARGS} --head profile", ("--head",), ()),
        ("variants --head without --attribute", f"variants --checkpoint {CCK} {variants} "
         "--head counts", ("--head", "--attribute"), ()),
        ("variants --head profile --attribute, a binned model", f"variants --checkpoint {BCK} "
         f"{variants} --attribute saliency --head profile", ("--head",), ()),
        ("variants --head counts --attribute, a label model",
         f"{BASE['variants']} --attribute saliency --head counts", ("--head",), ()),
        ("predict --out .bw, a label model", f"predict --checkpoint {CK} --bed D/x.bed "
         "--genome D/genome.fa --out O/p.bw", ("p.bw",), ()),
        ("predict --out .bedGraph of tiles, a label model", f"predict --checkpoint {CK} "
         "--tile 7 --genome D/genome.fa --out O/p.bedGraph", ("p.bedGraph",), ()),
        ("predict --chrom-sizes with a table", f"predict --checkpoint {CCK} {windows} {SIZES} "
         "--out O/p.tsv", ("--chrom-sizes",), ()),
        ("predict .bw of chr:start-end FASTA ids, no sizes",
         f"predict --checkpoint {CCK} --fasta D/reads.fa --out O/p.bw", ("--chrom-sizes",), ()),
        ("predict .bw, an id on a chromosome the sizes lack", f"predict --checkpoint {CCK} "
         f"--fasta I/z.fa {SIZES} --out O/p.bw", ("chrZ",),
         (put("I/z.fa", reads_plus(("chrZ:0-20", "A" * 20))),)),
        ("predict .bw, an id past the chromosome end", f"predict --checkpoint {CCK} "
         f"--fasta I/z.fa {SIZES} --out O/p.bw", ("chr1:390-410",),
         (put("I/z.fa", reads_plus(("chr1:390-410", "A" * 20))),)),
        ("evaluate, a coverage model", f"evaluate --checkpoint {CCK} {windows} --out O/m.json",
         ("crun/checkpoints/best.ckpt",), ()),
        ("evaluate, a coverage model, labels named like its task", f"evaluate --checkpoint {CCK} "
         "--fasta D/reads.fa --labels I/a.csv --out O/m.json", ("crun/checkpoints/best.ckpt",),
         (put("I/a.csv", like_task),)),
        ("predict tracks: O/b.cov.minus.bw a folder", tracks, ("O/b.cov.minus.bw",),
         (mkdir("O/b.cov.minus.bw"),)),
        ("predict tracks: O/b.cov.plus.bw a folder", tracks, ("O/b.cov.plus.bw",),
         (mkdir("O/b.cov.plus.bw"),)),
        ("a coverage checkpoint without strands", f"predict --checkpoint I/bad.ckpt {windows} "
         "--out O/p.tsv", ("bad.ckpt",), (put("I/bad.ckpt", checkpoint_of(CCK, hparam(
         "strands", None))),)),
        ("a binned checkpoint, bin_size 3 for 10 positions", f"predict --checkpoint I/bad.ckpt "
         f"{windows} --out O/p.bw", ("bad.ckpt", "bin_size"), (put("I/bad.ckpt", checkpoint_of(
         BCK, hparam("bin_size", 3))),)),
        ("a profile checkpoint, output_length 30 of windows of 20", "predict --checkpoint "
         f"I/bad.ckpt {windows} --out O/p.bw", ("bad.ckpt", "output_length"), (put("I/bad.ckpt",
         checkpoint_of(CCK, hparam("output_length", 30))),)),
    ]  # fmt: skip
    stranded_bed = put("I/s.bed", bed6(labels=False))
    odd = [  # (name, argv, setup)
        ("predict .bedGraph tracks of the profile model",
         f"predict --checkpoint {CCK} {windows} --out O/p.bedGraph", ()),
        ("predict .bw tracks of a stranded pair (two files)", tracks, ()),
        ("predict .bw tracks of tiles, --rc-average", f"predict --checkpoint {CCK} --tile 3 "
         "--genome D/genome.fa --rc-average --out O/t.bw", ()),
        ("predict .bw tracks of chr:start-end FASTA ids", f"predict --checkpoint {CCK} "
         f"--fasta D/reads.fa {SIZES} --out O/p.bw", ()),
        ("predict .bw tracks of BED6 minus-strand windows", f"predict --checkpoint {BCK} "
         "--bed I/s.bed --genome D/genome.fa --stranded --out O/s.bw", (stranded_bed,)),
        ("predict totals of a coverage model", f"predict --checkpoint {CCK} {windows} "
         "--out O/p.tsv", ()),
        ("attribute --head profile, DeepLIFT", f"attribute --checkpoint {CCK} {windows} "
         "--method deeplift --head profile --out O/a.bw", ()),
        ("attribute --head counts, a binned model, .npz", f"attribute --checkpoint {BCK} "
         f"{windows} --method saliency --head counts --out O/a.npz", ()),
        ("variants --attribute saliency --head profile", f"variants --checkpoint {CCK} "
         f"{variants} --attribute saliency --head profile", ()),
        ("inspect the coverage config", on_cov, ()),
        ("inspect the binned config", "inspect --config D/bin.yaml", ()),
        ("summary of the coverage config", "summary --config D/cov.yaml", ()),
        ("train: target_length 20, the whole window", f"{cov} --data.target_length 20", ()),
        ("train: max_shift 0, reverse_complement false", f"{cov} --data.max_shift 0 "
         "--data.reverse_complement false", ()),
        ("train: model.head profile and task.type profile given", f"{cov} --model.head profile "
         "--task.type profile", ()),
        ("train: a stranded pair over BED6 read by strand", f"{binned} --data.bed I/s.bed "
         "--data.stranded true", (stranded_bed,)),
        ("train: binned, task.regression_loss mse", f"{binned} --task.regression_loss mse", ()),
    ]  # fmt: skip
    cases = [Case("coverage", n, argv, names, setup) for n, argv, names, setup in table]
    cases += [Case("coverage", n, argv, setup=setup, ok=True) for n, argv, setup in odd]
    return cases


def numeric_cases() -> list[Case]:
    """Numeric inputs alone (data.numeric, --numeric) and bigWig input channels beside the
    sequence (data.channels, --channels): settings they cannot take, models given the other
    kind of input, attributions and features of sequences alone; odd runs that must work."""
    num, chan = "train --config D/num.yaml --out O/run", "train --config D/chan.yaml --out O/run"
    beds = "--bed D/x.bed --genome D/genome.fa"
    numeric = f"--checkpoint {NCK} --numeric D/num.npz"
    channel = f"--checkpoint {HCK} {beds}"
    vcf_args = "--vcf D/v.vcf --genome D/genome.fa --out O/v.tsv"
    extra_label = put("I/l.csv", lambda d: d.numeric_labels_csv() + "zz,1\n")
    table = [  # (name, argv, what the error must name, setup)
        ("train: data.numeric with data.fasta", f"{num} --data.fasta D/reads.fa",
         ("data.numeric",), ()),
        ("train: data.numeric with data.bed", f"{num} --data.bed D/x.bed "
         "--data.genome D/genome.fa", ("data.numeric",), ()),
        ("train: data.numeric without data.labels", f"{num} --data.labels null",
         ("data.labels",), ()),
        ("train: data.numeric, data.reverse_complement true",
         f"{num} --data.reverse_complement true", ("data.reverse_complement",), ()),
        ("train: data.numeric, data.max_shift 2", f"{num} --data.max_shift 2",
         ("data.max_shift",), ()),
        ("train: data.numeric, task.rc_average true", f"{num} --task.rc_average true",
         ("task.rc_average",), ()),
        ("train: data.numeric with data.targets", f"{num} --data.targets [D/a.bw]",
         ("data.targets",), ()),
        ("train: data.numeric with data.channels", f"{num} --data.channels [D/access.bw]",
         ("data.channels",), ()),
        ("train: data.numeric, data.length 30 for 12 steps", f"{num} --data.length 30",
         ("data.length",), ()),
        ("train: data.numeric_channels 3, a 2-channel .npz", f"{num} --data.numeric_channels 3",
         ("data.numeric_channels",), ()),
        ("train: data.numeric_channels 5, 24 table columns", f"{num} --data.numeric D/num.csv "
         "--data.numeric_channels 5", ("numeric_channels",), ()),
        ("train: data.numeric with val_chroms", f"{num} --data.val_chroms chr2",
         ("val_chroms",), ()),
        ("train: data.channels with FASTA input", f"{BASE['train']} --data.channels "
         "[D/access.bw]", ("data.channels",), ()),
        ("inspect: data.channels with FASTA input", "inspect --config D/good.yaml "
         "--data.channels [D/access.bw]", ("data.channels",), ()),
        ("train: data.channels, windows of different lengths", f"{chan} --data.length null "
         "--data.bed I/w.bed", ("data.length",), (put("I/w.bed", bed_plus(
         "chr1|20|45|1", "chr2|100|130|0", "chr3|0|20|1")),)),
        ("train: data.channels, an entry of three bigWigs", f"{chan} --data.channels "
         "[[D/access.bw,D/a.bw,D/a.bw]]", ("data.channels[0]",), ()),
        ("train: data.channels, two of one name", f"{chan} --data.channels "
         "[D/access.bw,I/access.bw]", ("data.channels",), (copy_file("D/access.bw",
         "I/access.bw"),)),
        ("predict --numeric, a sequence model", f"predict --checkpoint {CK} --numeric D/num.npz "
         "--out O/p.tsv", ("num.npz",), ()),
        ("predict --numeric, a channel model", f"predict --checkpoint {HCK} --numeric "
         "D/num.npz --out O/p.tsv", ("num.npz",), ()),
        ("attribute --numeric, a sequence model", f"attribute --checkpoint {CK} --numeric "
         "D/num.npz --method saliency --out O/a.npz", ("num.npz",), ()),
        ("predict: a numeric model given --fasta", f"predict --checkpoint {NCK} "
         "--fasta D/reads.fa --out O/p.tsv", ("--numeric",), ()),
        ("predict: a numeric model given --bed", f"predict --checkpoint {NCK} {beds} "
         "--out O/p.tsv", ("--numeric",), ()),
        ("predict: a numeric model given --tile", f"predict --checkpoint {NCK} --tile 7 "
         "--genome D/genome.fa --out O/p.tsv", ("--numeric",), ()),
        ("attribute: a numeric model given --fasta", f"attribute --checkpoint {NCK} "
         f"--fasta D/reads.fa {SIZES} --method saliency --out O/a.bw", ("--numeric",), ()),
        ("evaluate: a numeric model given --fasta", f"evaluate --checkpoint {NCK} "
         "--fasta D/reads.fa --labels D/labels.csv --out O/m.json", ("--numeric",), ()),
        ("evaluate --numeric without --labels", f"evaluate {numeric} --out O/m.json",
         ("--labels",), ()),
        ("evaluate: a label id that is no sample", f"evaluate {numeric} --labels I/l.csv "
         "--out O/m.json", ("zz",), (extra_label,)),
        ("train: a label id that is no sample", f"{num} --data.labels I/l.csv", ("zz",),
         (extra_label,)),
        ("predict --rc-average, a numeric model", f"predict {numeric} --rc-average "
         "--out O/p.tsv", ("--rc-average",), ()),
        ("evaluate --rc-average, a numeric model", f"evaluate {numeric} --labels "
         "D/num_labels.csv --rc-average --out O/m.json", ("--rc-average",), ()),
        ("predict --channels with --numeric", f"predict {numeric} --channels D/access.bw "
         "--out O/p.tsv", ("--channels",), ()),
        ("predict --channels, 2 bigWigs for 1", f"predict {channel} --channels D/access.bw "
         "D/a.bw --out O/p.tsv", ("--channels",), ()),
        ("predict --channels, a stranded pair for 1 bigWig", f"predict {channel} --channels "
         "D/cov.plus.bw,D/cov.minus.bw --out O/p.tsv", ("--channels",), ()),
        ("predict --channels, a model without channels", f"predict --checkpoint {CK} {beds} "
         "--channels D/access.bw --out O/p.tsv", ("--channels",), ()),
        ("attribute --channels, a model without channels",
         f"{BASE['attribute']} --channels D/access.bw", ("--channels",), ()),
        ("predict --channels with --fasta, a channel model", f"predict --checkpoint {HCK} "
         "--fasta D/reads.fa --channels D/access.bw --out O/p.tsv", ("reads.fa",), ()),
        ("predict: FASTA input, a channel model", f"predict --checkpoint {HCK} "
         "--fasta D/reads.fa --out O/p.tsv", ("reads.fa",), ()),
        ("evaluate: FASTA input, a channel model", f"evaluate --checkpoint {HCK} "
         "--fasta D/reads.fa --labels D/labels.csv --out O/m.json", ("reads.fa",), ()),
        ("attribute: FASTA input, a channel model", f"attribute --checkpoint {HCK} "
         f"--fasta D/reads.fa {SIZES} --method saliency --out O/a.bw", ("reads.fa",), ()),
        ("attribute --method ism, a numeric model", f"attribute {numeric} --method ism "
         "--out O/a.npz", ("--method",), ()),
        ("attribute --method deeplift_shap (the default), a numeric model",
         f"attribute {numeric} --out O/a.npz", ("--method",), ()),
        ("attribute --references shuffle, deeplift, a numeric model", f"attribute {numeric} "
         "--method deeplift --references shuffle --out O/a.npz", ("--references",), ()),
        ("attribute --references shuffle, integrated gradients, a numeric model",
         f"attribute {numeric} --method integrated_gradients --references shuffle "
         "--out O/a.npz", ("--references",), ()),
        ("attribute --out .bw, a numeric model", f"attribute {numeric} --method saliency "
         "--out O/a.bw", ("a.bw",), ()),
        ("attribute --out .bedGraph, a numeric model", f"attribute {numeric} --method saliency "
         "--out O/a.bedGraph", ("a.bedGraph",), ()),
        ("attribute --method cam --out .npz, a numeric model", f"attribute {numeric} "
         "--method cam --out O/a.npz", ("a.npz",), ()),
        ("attribute --method ism, a channel model", f"attribute {channel} --method ism "
         "--out O/a.bw", ("--method",), ()),
        ("attribute --method deeplift_shap, a channel model", f"attribute {channel} "
         "--method deeplift_shap --out O/a.bw", ("--method",), ()),
        ("attribute --references shuffle, a channel model", f"attribute {channel} "
         "--method deeplift --references shuffle --out O/a.bw", ("--references",), ()),
        ("motifs, a numeric model", f"motifs {numeric} {MOTIF_ARGS}",
         ("nrun/checkpoints/best.ckpt",), ()),
        ("motifs, a channel model", f"motifs {channel} {MOTIF_ARGS}",
         ("hrun/checkpoints/best.ckpt",), ()),
        ("variants, a numeric model", f"variants --checkpoint {NCK} {vcf_args}",
         ("nrun/checkpoints/best.ckpt",), ()),
        ("variants, a channel model", f"variants --checkpoint {HCK} {vcf_args}",
         ("hrun/checkpoints/best.ckpt",), ()),
        ("a numeric checkpoint with numeric_channels 0", "predict --checkpoint I/bad.ckpt "
         "--numeric D/num.npz --out O/p.tsv", ("numeric_channels",), (put("I/bad.ckpt",
         checkpoint_of(NCK, hparam("numeric_channels", 0))),)),
        ("a channel checkpoint whose bigWig is gone", f"predict --checkpoint I/bad.ckpt {beds} "
         "--out O/p.tsv", ("gone.bw",), (moved_channels("I/gone.bw"),)),
    ]  # fmt: skip
    odd = [  # (name, argv, setup)
        ("predict --channels naming the trained file", f"predict {channel} "
         "--channels D/access.bw --out O/p.tsv", ()),
        ("predict --channels, a copy under another name", f"predict {channel} "
         "--channels I/other.bw --out O/p.tsv", (copy_file("D/access.bw", "I/other.bw"),)),
        ("predict --tile, a channel model", f"predict --checkpoint {HCK} --tile 7 "
         "--genome D/genome.fa --out O/p.tsv", ()),
        ("attribute saliency, a channel model, .bw", f"attribute {channel} --method saliency "
         "--out O/a.bw", ()),
        ("attribute deeplift, a channel model, .npz", f"attribute {channel} --method deeplift "
         "--out O/a.npz", ()),
        ("attribute deeplift, a numeric model", f"attribute {numeric} --method deeplift "
         "--out O/a.npz", ()),
        ("attribute integrated gradients, zeros, a numeric model", f"attribute {numeric} "
         "--method integrated_gradients --references zeros --n-steps 5 --out O/a.npz", ()),
        ("attribute input_x_gradient, a numeric model", f"attribute {numeric} "
         "--method input_x_gradient --out O/a.npz", ()),
        ("evaluate, a numeric model", f"evaluate {numeric} --labels D/num_labels.csv "
         "--out O/m.json", ()),
        ("evaluate, a channel model", f"evaluate {channel} --out O/m.json", ()),
        ("inspect the channel config", "inspect --config D/chan.yaml", ()),
        ("summary of the numeric config", "summary --config D/num.yaml", ()),
        ("train: data.numeric, data.length 12 as in the file", f"{num} --data.length 12", ()),
        ("train: data.numeric_channels 2 for a 2-channel .npz",
         f"{num} --data.numeric_channels 2", ()),
        ("train: channels of a stranded pair", f"{chan} --data.channels "
         "[[D/cov.plus.bw,D/cov.minus.bw]]", ()),
        ("train: input channels beside coverage targets", "train --config D/cov.yaml "
         "--out O/run --data.channels [D/access.bw]", ()),
    ]  # fmt: skip
    cases = [Case("numeric inputs", n, argv, names, setup) for n, argv, names, setup in table]
    cases += [Case("numeric inputs", n, argv, setup=setup, ok=True) for n, argv, setup in odd]
    return cases


def valid_run_cases() -> list[Case]:
    """Valid command lines worth one try: methods, tiles and regions, motif runs."""
    tile = f"--checkpoint {CK} --tile 7 --genome D/genome.fa"
    table = [
        ("predict: tiles every 7 bp", f"predict {tile} --out O/p.tsv"),
        ("predict: a region shorter than the window",
         f"predict {tile} --region chr1:0-5 --out O/p.tsv"),
        ("predict: two regions", f"predict {tile} --region chr2 --region chr1:100-200 "
         "--out O/p.tsv"),
        ("attribute: tiles of a region", f"attribute {tile} --region chr1:100-200 "
         "--method saliency --out O/a.bw"),
        ("attribute: ISM", f"{BASE['attribute']} --method ism"),
        ("attribute: integrated gradients, 5 steps",
         f"{BASE['attribute']} --method integrated_gradients --n-steps 5"),
        ("attribute: DeepLIFT-SHAP, 3 shuffles",
         f"{BASE['attribute']} --method deeplift_shap --n-shuffles 3"),
        ("predict: chunks of 7, batches of 3", f"{BASE['predict']} --chunk-size 7 --batch-size 3"),
        ("predict: --rc-average", f"{BASE['predict']} --rc-average"),
        ("predict: one sequence", f"predict --checkpoint {CK} --fasta D/one.fa --out O/p.tsv"),
        ("evaluate: labels in the BED",
         f"evaluate --checkpoint {CK} --bed D/x.bed --genome D/genome.fa --out O/m.json"),
        ("motifs: a MEME database", BASE["motifs"]),
        ("motifs: a MEME database without alternative names",
         BASE["motifs"].replace("small.meme", "noalt.meme")),
        ("motifs: JASPAR", f"motifs --checkpoint {CK} --fasta D/reads.fa --method saliency "
         "--top 20 --out O/motifs"),
    ]  # fmt: skip
    return [Case("valid runs", name, argv, ok=True) for name, argv in table]


def process_cases() -> list[Case]:
    """Several processes (DDP) and a full disk (RLIMIT_FSIZE): run as subprocesses."""
    tile = f"--checkpoint {CK} --tile 1 --genome D/genome.fa"
    one = f"--checkpoint {CK} --fasta D/one.fa --devices 2"
    table = [  # (name, argv, what the error must name (none: must succeed), RLIMIT_FSIZE)
        ("predict --devices 2, one input", f"predict {one} --out O/p.tsv", (), None),
        ("attribute --devices 2, one input", f"attribute {one} {SIZES} --method saliency "
         "--out O/a.bw", (), None),
        ("predict --devices 2, 3 chunks", f"{BASE['predict']} --chunk-size 50 --devices 2", (),
         None),
        ("full disk: predict", f"predict {tile} --out O/p.tsv", ("p.tsv",), 4096),
        ("full disk: predict --devices 2", f"predict {tile} --chunk-size 300 --devices 2 "
         "--out O/p.tsv", ("p.tsv",), 4096),
        ("full disk: attribute .bw", f"attribute {tile} --method saliency --out O/a.bw",
         ("a.bw",), 8192),
        ("full disk: attribute .npz", f"attribute {tile} --method saliency --out O/a.npz",
         ("a.npz",), 8192),
        ("full disk: evaluate", BASE["evaluate"], ("m.json",), 100),
        ("full disk: train", BASE["train"], ("O/run",), 4096),
        ("full disk: motifs", BASE["motifs"], ("motifs",), 4096),
        ("predict tracks --devices 2", f"predict --checkpoint {CCK} --tile 3 --genome "
         "D/genome.fa --devices 2 --out O/p.bw", (), None),
        ("full disk: predict .bw tracks", f"predict --checkpoint {CCK} --tile 1 --genome "
         "D/genome.fa --out O/p.bw", ("p.bw",), 8192),
        ("full disk: predict .bedGraph tracks of a stranded pair", f"predict --checkpoint "
         f"{BCK} --tile 1 --genome D/genome.fa --out O/b.bedGraph", ("b.cov.",), 8192),
        ("full disk: attribute .npz, a numeric model", f"attribute --checkpoint {NCK} "
         "--numeric D/num.npz --method saliency --out O/a.npz", (".npz",), 4096),
    ]  # fmt: skip
    return [
        Case("processes, full disk", name, argv, names, ok=not names, subprocess=True,
             fsize=fsize, check=None if names else same_as_one_device)
        for name, argv, names, fsize in table
    ]  # fmt: skip


def all_cases() -> list[Case]:
    cases = [
        *path_cases(),
        *file_cases(),
        *number_cases(),
        *choice_cases(),
        *combination_cases(),
        *output_cases(),
        *config_cases(),
        *resume_cases(),
        *alphabet_cases(),
        *coverage_cases(),
        *numeric_cases(),
        *valid_run_cases(),
        *process_cases(),
    ]
    for case in cases:  # a successful motif run takes seconds: not for --quick
        case.slow = case.slow or (case.ok and case.template()[:1] == ["motifs"])
    return cases


def quick_subset(cases: list[Case], target: int = 60) -> list[Case]:
    """About ``target`` fast in-process cases, spread over every category (and its ok cases):
    every k-th case of each group, with the smallest k that keeps to the target."""
    groups: dict[tuple[str, bool], list[Case]] = {}
    for case in cases:
        if not case.subprocess and not case.slow:
            groups.setdefault((case.category, case.ok), []).append(case)

    def pick(step: int) -> list[Case]:
        return [case for group in groups.values() for case in group[step // 2 :: step] or group[:1]]

    step = next(k for k in range(1, 1000) if len(pick(k)) <= target)
    return pick(step)


# --------------------------------------------------------------------------- running


class CaseTimeout(BaseException):
    """A case ran past its time limit (a BaseException, so no ``except Exception`` eats it)."""


@dataclass
class Run:
    status: int | None
    stderr: str
    crashed: bool = False
    timed_out: bool = False


def _alarm(signum, frame):
    raise CaseTimeout


def run_in_process(argv: list[str], timeout: int = CASE_TIMEOUT) -> Run:
    """``seqmodels.cli.main(argv)`` with stdout and stderr captured; an exception escaping it
    is a crash."""
    from seqmodels.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(argv)
            except SystemExit as exit:
                status = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    except CaseTimeout:
        return Run(None, err.getvalue() + f"\n(timed out after {timeout} s)", timed_out=True)
    except Exception:
        return Run(None, err.getvalue() + traceback.format_exc(), crashed=True)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if status == 130:  # main turns Ctrl-C into 130: stop the measurement
        raise KeyboardInterrupt
    return Run(status, err.getvalue())


def run_subprocess(argv: list[str], cwd: Path, fsize: int | None) -> Run:
    """``python -m seqmodels argv`` in a session of its own; with ``fsize``, writes beyond
    that many bytes fail with EFBIG (a full disk)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "seqmodels", *argv],
        cwd=cwd,
        env=env,
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limit if fsize else None,
        start_new_session=True,
    )
    try:
        _, stderr = proc.communicate(timeout=SUBPROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the session started above, DDP workers too
        _, stderr = proc.communicate()
        return Run(None, stderr + f"\n(timed out after {SUBPROCESS_TIMEOUT} s)", timed_out=True)
    return Run(proc.returncode, stderr, crashed="Traceback (most recent call last)" in stderr)


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: a folder, or a file's size and modification time."""
    entries = {}
    for path in folder.rglob("*"):
        rel = str(path.relative_to(folder))
        if path.is_dir() and not path.is_symlink():
            entries[rel] = ("folder",)
        else:
            stat = path.lstat()
            entries[rel] = (stat.st_size, stat.st_mtime_ns)
    return entries


def changes(before: dict, after: dict) -> list[str]:
    new = [f"new O/{p}" for p in after if p not in before]
    gone = [f"removed O/{p}" for p in before if p not in after]
    changed = [f"changed O/{p}" for p in after if p in before and after[p] != before[p]]
    return new + gone + changed


TEMPORARY = re.compile(r"(^|/)\.[^/]+\.(part|parts)$")


@dataclass
class Result:
    case: Case
    outcome: str
    note: str
    stderr: str
    seconds: float


def run_case(case: Case, number: int, work: Path, data: Data) -> Result:
    folder = work / "cases" / f"c{number:04d}"
    ctx = Ctx(data, folder / "in", folder / "out")
    ctx.i.mkdir(parents=True)
    ctx.o.mkdir()
    for setup in case.setup:
        setup(ctx)
    argv = [ctx.expand(token) for token in case.template()]
    before = snapshot(ctx.o)
    start = time.perf_counter()
    run = run_subprocess(argv, work, case.fsize) if case.subprocess else run_in_process(argv)
    seconds = time.perf_counter() - start
    after = snapshot(ctx.o)
    problem = case.check(ctx, argv) if case.check and not run.crashed else None
    run.stderr = ctx.shorten(run.stderr)
    outcome, note = classify(case, run, changes(before, after), after, problem)
    return Result(case, outcome, ctx.shorten(note), run.stderr, seconds)


def written(path: str, out: str) -> bool:
    """Whether ``path`` is the output ``out`` names: itself, or one of the files named after
    it (predicted tracks: ``O/b.bw`` → ``O/b.TASK.plus.bw``, ``O/b.TASK.minus.bw``)."""
    stem, suffix = os.path.splitext(out)
    return path == out or (path.startswith(stem + ".") and path.endswith(suffix))


def classify(case: Case, run: Run, changed: list[str], entries: dict, problem: str | None):
    """The outcome of one case, and a note on what went wrong."""
    if run.crashed or run.timed_out:
        return "traceback", "timed out" if run.timed_out else "an exception escaped"
    temporary = [f"left O/{p}" for p in entries if TEMPORARY.search(p)]
    if case.ok:
        argv = case.template()
        out = argv[argv.index("--out") + 1] if "--out" in argv else None
        if run.status != 0:
            return "failed", f"exit status {run.status}"
        if temporary or problem:
            return "failed", "; ".join(temporary[:3]) or problem
        if out and not any(written(c.split(" ", 1)[1], out) for c in changed):
            return "failed", f"{out} was not written"
        return "succeeded", ""
    if run.status == 0:
        return "silent", "exit status 0" + (f"; {problem}" if problem else "")
    if problem:
        return "other", problem
    if changed:
        return "leftovers", "; ".join(changed[:4]) + (" …" if len(changed) > 4 else "")
    if run.status != 2:
        return "other", f"exit status {run.status}"
    found = [line for line in run.stderr.splitlines() if PREFIX in line]
    if not found:
        return "other", f"exit status 2 but no '{PREFIX}' line"
    if len(found) > 1:
        return "multi-line", f"{len(found)} error lines"
    if not found[0].startswith(PREFIX):
        return "multi-line", "the error line is glued to other output"
    lacking = [name for name in case.names if name not in found[0]]
    if lacking:
        return "wrong file", "the message does not name " + ", ".join(map(repr, lacking))
    return "handled", ""


# --------------------------------------------------------------------------- report

PROGRESS_BAR = re.compile(r"\d+%\|")


def last_lines(text: str, n: int = 8) -> str:
    kept = [line for line in text.splitlines() if line.strip() and not PROGRESS_BAR.search(line)]
    return "\n".join(kept[-n:])


def summary_rows(results: list[Result]) -> tuple[list[list[str]], list[list[str]]]:
    """Rows per category (and for all): bad inputs by outcome, valid-but-odd ones."""
    bad_rows, ok_rows = [], []
    for category in [*dict.fromkeys(r.case.category for r in results), None]:
        mine = [r for r in results if category in (None, r.case.category)]
        bad = [r for r in mine if not r.case.ok]
        odd = [r for r in mine if r.case.ok]
        label = category or "all"
        if bad:
            counts = [sum(r.outcome == o for r in bad) for o in OUTCOMES]
            share = f"{100 * counts[0] / len(bad):.1f}%"
            bad_rows.append([label, str(len(bad)), str(counts[0]), share, *map(str, counts[1:])])
        if odd:
            good = sum(r.outcome == "succeeded" for r in odd)
            ok_rows.append([label, str(len(odd)), str(good), str(len(odd) - good)])
    return bad_rows, ok_rows


def table(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|---" + "|--:" * (len(headers) - 1) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(row[k]) for row in [headers, *rows]) for k in range(len(headers))]

    def line(row: list[str]) -> str:
        cells = [
            c.ljust(w) if k == 0 else c.rjust(w)
            for k, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells)

    return "\n".join([line(headers), *map(line, rows)])


def report(results: list[Result], seconds: float, quick: bool, markdown: bool) -> str:
    bad = [r for r in results if not r.case.ok]
    odd = [r for r in results if r.case.ok]
    handled = sum(r.outcome == "handled" for r in bad)
    succeeded = sum(r.outcome == "succeeded" for r in odd)
    share = 100 * handled / max(len(bad), 1)
    heading = "## " if markdown else ""
    bad_rows, ok_rows = summary_rows(results)
    failures = [r for r in results if r.outcome not in ("handled", "succeeded")]
    parts = [
        f"{'# ' if markdown else ''}seqmodels bad-input measurement{' (--quick)' * quick}",
        f"{len(results)} cases ({len(bad)} bad inputs, {len(odd)} valid but odd) in "
        f"{seconds:.0f} s. Bad inputs handled: {handled} of {len(bad)} = {share:.1f}% "
        f"(goal 100%). Valid-but-odd inputs that succeeded: {succeeded} of {len(odd)}.",
        f"{heading}Bad inputs by category",
        table(["category", "cases", "handled", "share", *OUTCOMES[1:]], bad_rows, markdown),
        f"{heading}Valid but odd inputs",
        table(["category", "cases", "succeeded", "failed"], ok_rows, markdown),
        f"{heading}Not handled ({len(failures)})",
        "D/ is the shared data, I/ the case's inputs, O/ its output folder.",
    ]
    for number, r in enumerate(failures, start=1):
        head = f"{number}. [{r.outcome}] {r.case.category}: {r.case.name}"
        body = ["$ seqmodels " + " ".join(r.case.template())]
        body += [f"({r.note})"] if r.note else []
        body += (last_lines(r.stderr) or "(no stderr)").splitlines()
        if markdown:
            parts.append(f"{head}\n\n```\n" + "\n".join(body) + "\n```")
        else:
            parts.append(head + "\n" + "\n".join("    " + line for line in body))
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------- main


def quiet_logging() -> None:
    """Send log records nowhere: ``main``'s ``basicConfig`` is then a no-op, and Lightning
    (imported later) adds no handler of its own."""
    devnull = open(os.devnull, "w")  # noqa: SIM115 (open for the life of the process)
    logging.basicConfig(level=logging.WARNING, stream=devnull, force=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="about 60 fast in-process cases")
    parser.add_argument("--out", help="also write the report as Markdown to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_logging()
    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="seqmodels-bad-inputs-"))
    cwd = os.getcwd()
    try:
        (work / "data").mkdir()
        data = build_data(work / "data")
        cases = all_cases()
        if args.quick:
            cases = quick_subset(cases)
        print(f"setup {time.perf_counter() - start:.0f} s; {len(cases)} cases", file=sys.stderr)
        os.chdir(work)  # whatever a command writes beside itself lands here, not in the tree
        results = []
        for number, case in enumerate(cases):
            result = run_case(case, number, work, data)
            results.append(result)
            if result.outcome not in ("handled", "succeeded"):
                print(f"  [{result.outcome}] {case.category}: {case.name}", file=sys.stderr)
        os.chdir(cwd)
        seconds = time.perf_counter() - start
        print(report(results, seconds, args.quick, markdown=False))
        if args.out:
            Path(args.out).write_text(report(results, seconds, args.quick, markdown=True))
    finally:
        os.chdir(cwd)
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
