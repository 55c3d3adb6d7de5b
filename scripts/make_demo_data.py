"""Generate the synthetic regulatory-DNA demo data set (``data/demo/`` by default).

Background sequence comes from a first-order Markov model (~42% GC, CpG-depleted); real
JASPAR motifs, looked up by matrix id in a pinned release, are planted into it. Four binary
tasks record which motifs were planted, and the sequences are laid out on a small
eight-chromosome genome so that each one has genome coordinates. Same seed, same bytes.
"""

import argparse
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
from pyjaspar import jaspardb

JASPAR_RELEASE = "JASPAR2024"
MOTIFS = {  # name -> matrix id in JASPAR_RELEASE (SOX2/POU5F1: the 11-bp versions)
    "CTCF": "MA0139.2",
    "SPI1": "MA0080.7",
    "NRF1": "MA0506.3",
    "SOX2": "MA0143.4",
    "POU5F1": "MA1115.1",
    "CEBPA": "MA0102.5",
}
SINGLE_TASKS = ("CTCF", "SPI1", "NRF1")
TASKS = (*SINGLE_TASKS, "SOX2_POU5F1")
DISTRACTOR = "CEBPA"
PSEUDOFREQ = 1e-3  # added to each JASPAR frequency before renormalising

ALPHABET = "ACGT"
ASCII = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)  # index -> ASCII code
IUPAC = "RYSWKM"
GC_CONTENT = 0.42
DINUCLEOTIDE_ODDS = {"CG": 0.25, "TA": 0.75, "CA": 1.2, "TG": 1.2}  # rough human values
HIT_FRACTION = 0.8  # background windows scoring >= this fraction of a motif's best are redrawn
SITE_FRACTION = 0.85  # planted instances are redrawn until they score >= this fraction of best

N_CHROMS = 8
PER_CHROM = 625
SEQ_LEN = 300
SPACER_LEN = (50, 400)
MIN_GAP = 5  # bp kept between motif instances and the sequence edges
LINE_WIDTH = 60

SINGLE_RATE = 0.30
DISTRACTOR_RATE = 0.50
MISSING_RATE = 0.01  # of SPI1 labels
SOFTMASK_RATE, SOFTMASK_LEN = 0.30, (20, 60)
NRUN_RATE, NRUN_LEN = 0.05, (1, 5)
IUPAC_RATE = 0.01


class Site(NamedTuple):
    """One planted motif instance, in sequence coordinates."""

    seq: int
    start: int
    end: int
    name: str
    strand: str


class Demo(NamedTuple):
    """Everything written to disk: sequences, labels, genome and planted sites."""

    seqs: list[str]
    labels: np.ndarray  # (N, len(TASKS)) float, NaN where missing
    coords: list[tuple[str, int, int]]
    chroms: dict[str, str]
    sites: list[Site]
    motifs: dict[str, np.ndarray]  # name -> probabilities, shape (4, L)
    background_gc: float


def load_motifs(release=JASPAR_RELEASE):
    """Fetch ``MOTIFS`` by matrix id; return ``{name: probs}`` with probs of shape (4, L)."""
    db = jaspardb(release=release)
    probs = {}
    for name, matrix_id in MOTIFS.items():
        motif = db.fetch_motif_by_id(matrix_id)
        if motif is None or motif.name.upper() != name:
            raise ValueError(f"{matrix_id} in {release} is not {name}")
        counts = np.array([motif.counts[base] for base in ALPHABET], dtype=float)
        freqs = counts / counts.sum(axis=0)
        probs[name] = (freqs + PSEUDOFREQ) / (1 + 4 * PSEUDOFREQ)
    return probs


def transition_matrix(gc):
    """First-order transitions P(next | prev), shape (4, 4): composition x dinucleotide odds."""
    freqs = np.array([1 - gc, gc, gc, 1 - gc]) / 2
    odds = np.ones((4, 4))
    for (prev, nxt), ratio in DINUCLEOTIDE_ODDS.items():
        odds[ALPHABET.index(prev), ALPHABET.index(nxt)] = ratio
    trans = freqs * odds
    return trans / trans.sum(axis=1, keepdims=True)


def stationary(trans):
    """Stationary distribution of a Markov transition matrix, shape (4,)."""
    values, vectors = np.linalg.eig(trans.T)
    pi = np.real(vectors[:, np.argmax(np.real(values))])
    return pi / pi.sum()


def background_model(gc=GC_CONTENT):
    """Return ``(pi, trans)`` with the composition tuned so the stationary GC equals ``gc``."""
    param = gc
    for _ in range(50):
        trans = transition_matrix(param)
        pi = stationary(trans)
        param += gc - pi[1] - pi[2]
    return pi, trans


def sample_markov(rng, model, n, length):
    """Draw ``n`` sequences from the background; uint8 indices, shape (n, length)."""
    pi, trans = model
    cum_pi, cum_trans = np.cumsum(pi)[:-1], np.cumsum(trans, axis=1)[:, :-1]
    u = rng.random((n, length))
    x = np.empty((n, length), dtype=np.uint8)
    x[:, 0] = (u[:, :1] > cum_pi).sum(axis=1)
    for i in range(1, length):
        x[:, i] = (u[:, i, None] > cum_trans[x[:, i - 1]]).sum(axis=1)
    return x


def strong_hit(x, probs, background):
    """Whether each row of ``x`` (N, L) has a window scoring >= ``HIT_FRACTION`` of the best."""
    log_odds = np.log2(probs / background[:, None])
    width = probs.shape[1]
    n_windows = x.shape[1] - width + 1
    best = np.full(len(x), -np.inf)
    for matrix in (log_odds, log_odds[::-1, ::-1]):  # forward and reverse-complement strands
        scores = sum(matrix[x[:, j : j + n_windows], j] for j in range(width))
        best = np.maximum(best, scores.max(axis=1))
    return best >= HIT_FRACTION * log_odds.max(axis=0).sum()


def sample_background(rng, model, motifs, n):
    """Background sequences (n, SEQ_LEN), redrawing any with a strong accidental motif hit."""
    x = np.empty((n, SEQ_LEN), dtype=np.uint8)
    todo = np.arange(n)
    while todo.size:
        x[todo] = sample_markov(rng, model, todo.size, SEQ_LEN)
        hit = np.zeros(todo.size, dtype=bool)
        for probs in motifs.values():
            hit |= strong_hit(x[todo], probs, model[0])
        todo = todo[hit]
    return x


def draw_design(rng, n):
    """Which motifs are planted in each sequence: ``{name: bool array (n,)}``."""
    planted = {name: rng.random(n) < SINGLE_RATE for name in SINGLE_TASKS}
    group = rng.integers(0, 4, size=n)  # bit 1: SOX2, bit 2: POU5F1; a quarter each
    planted["SOX2"] = (group & 1) > 0
    planted["POU5F1"] = (group & 2) > 0
    planted[DISTRACTOR] = rng.random(n) < DISTRACTOR_RATE
    return planted


def make_labels(rng, planted):
    """Task labels (N, len(TASKS)), float with NaN for the missing SPI1 cells."""
    cooperative = planted["SOX2"] & planted["POU5F1"]
    labels = np.stack([*(planted[t] for t in SINGLE_TASKS), cooperative], axis=1).astype(float)
    labels[rng.random(len(labels)) < MISSING_RATE, TASKS.index("SPI1")] = np.nan
    return labels


def sample_site(rng, probs, strand, background):
    """One strong motif instance drawn column by column from ``probs`` (4, L), as indices.

    Draws are repeated until the site scores at least ``SITE_FRACTION`` of the motif's best
    log-odds score, so that every planted site is a clear binding site.
    """
    log_odds = np.log2(probs / background[:, None])
    columns = np.arange(probs.shape[1])
    while True:
        site = (rng.random(probs.shape[1]) > np.cumsum(probs, axis=0)[:-1]).sum(axis=0)
        if log_odds[site, columns].sum() >= SITE_FRACTION * log_odds.max(axis=0).sum():
            return site if strand == "+" else (3 - site)[::-1]


def place_sites(rng, lengths):
    """Random non-overlapping starts keeping ``MIN_GAP`` bp between sites and from the edges."""
    k = len(lengths)
    slack = SEQ_LEN - sum(lengths) - MIN_GAP * (k + 1)
    offsets = np.sort(rng.integers(0, slack + 1, size=k))
    return MIN_GAP * (1 + np.arange(k)) + offsets + np.cumsum([0, *lengths[:-1]])


def plant_motifs(rng, x, motifs, planted, background):
    """Write the planted motifs into ``x`` (N, L) in place; return their ``Site`` records."""
    sites = []
    for i in range(len(x)):
        names = [name for name in MOTIFS if planted[name][i]]
        names = [names[j] for j in rng.permutation(len(names))]
        starts = place_sites(rng, [motifs[name].shape[1] for name in names])
        for name, start in zip(names, starts, strict=True):
            strand = "+-"[rng.integers(2)]
            site = sample_site(rng, motifs[name], strand, background)
            x[i, start : start + len(site)] = site
            sites.append(Site(i, int(start), int(start) + len(site), name, strand))
    return sites


def free_start(rng, covered, length):
    """A random start for a run of ``length`` bp that avoids ``covered`` positions."""
    free = np.lib.stride_tricks.sliding_window_view(~covered, length).all(axis=1)
    return int(rng.choice(np.flatnonzero(free)))


def add_extras(rng, x, sites):
    """Decode ``x`` to text with soft-masking, N runs and IUPAC letters (off the motifs)."""
    covered = np.zeros(x.shape, dtype=bool)
    for site in sites:
        covered[site.seq, site.start : site.end] = True
    text = ASCII[x]
    for i in range(len(x)):
        if rng.random() < SOFTMASK_RATE:
            length = rng.integers(SOFTMASK_LEN[0], SOFTMASK_LEN[1] + 1)
            start = rng.integers(0, SEQ_LEN - length + 1)
            text[i, start : start + length] |= 0x20  # ASCII lowercase
        if rng.random() < NRUN_RATE:
            length = int(rng.integers(NRUN_LEN[0], NRUN_LEN[1] + 1))
            start = free_start(rng, covered[i], length)
            text[i, start : start + length] = ord("N")
            covered[i, start : start + length] = True
        if rng.random() < IUPAC_RATE:
            text[i, free_start(rng, covered[i], 1)] = ord(IUPAC[rng.integers(len(IUPAC))])
    return [row.tobytes().decode() for row in text]


def layout_genome(rng, model, seqs):
    """Chromosomes of spacer + sequence + ... + spacer; return ``(chroms, coords)``."""
    n_spacers = N_CHROMS * (PER_CHROM + 1)
    lengths = rng.integers(SPACER_LEN[0], SPACER_LEN[1] + 1, size=n_spacers)
    raw = ASCII[sample_markov(rng, model, n_spacers, SPACER_LEN[1])]
    spacers = iter(row[:n].tobytes().decode() for row, n in zip(raw, lengths, strict=True))
    chroms, coords = {}, []
    for c in range(N_CHROMS):
        name, pieces = f"chr{c + 1}", [next(spacers)]
        pos = len(pieces[0])
        for seq in seqs[c * PER_CHROM : (c + 1) * PER_CHROM]:
            coords.append((name, pos, pos + len(seq)))
            pieces += [seq, next(spacers)]
            pos += len(seq) + len(pieces[-1])
        chroms[name] = "".join(pieces)
    return chroms, coords


def generate(seed=0):
    """Build the whole demo data set from ``seed``; return a ``Demo``."""
    rng = np.random.default_rng(seed)
    motifs = load_motifs()
    model = background_model()
    n = N_CHROMS * PER_CHROM
    x = sample_background(rng, model, motifs, n)
    planted = draw_design(rng, n)
    labels = make_labels(rng, planted)
    sites = plant_motifs(rng, x, motifs, planted, model[0])
    seqs = add_extras(rng, x, sites)
    chroms, coords = layout_genome(rng, model, seqs)
    gc = float(model[0][1] + model[0][2])
    return Demo(seqs, labels, coords, chroms, sites, motifs, gc)


def fasta_text(records):
    """FASTA text for ``(name, sequence)`` pairs, wrapped at ``LINE_WIDTH`` columns."""
    lines = []
    for name, seq in records:
        lines.append(f">{name}")
        lines.extend(seq[i : i + LINE_WIDTH] for i in range(0, len(seq), LINE_WIDTH))
    return "\n".join(lines) + "\n"


def label_cells(row, missing):
    """Label values as text, ``missing`` where NaN."""
    return [missing if np.isnan(v) else str(int(v)) for v in row]


def record_ids(demo):
    """FASTA/CSV ids as ``bedtools getfasta`` writes them: ``chrom:start-end``."""
    return [f"{chrom}:{start}-{end}" for chrom, start, end in demo.coords]


def labels_csv(demo):
    """``labels.csv`` text: id plus one 0/1 column per task, missing cells empty."""
    rows = [",".join(("id", *TASKS))]
    for rid, row in zip(record_ids(demo), demo.labels, strict=True):
        rows.append(",".join([rid, *label_cells(row, "")]))
    return "\n".join(rows) + "\n"


def intervals_bed(demo):
    """``intervals.bed`` text: header, then chrom, start, end and the labels (``NA`` missing)."""
    rows = ["\t".join(("#chrom", "start", "end", *TASKS))]
    for (chrom, start, end), row in zip(demo.coords, demo.labels, strict=True):
        rows.append("\t".join([chrom, str(start), str(end), *label_cells(row, "NA")]))
    return "\n".join(rows) + "\n"


def motifs_bed(demo):
    """``motifs.bed`` text: BED6+1 planted instances in genome coordinates, sorted."""
    rows = []
    for site in demo.sites:
        chrom, offset, _ = demo.coords[site.seq]
        rows.append((chrom, offset + site.start, offset + site.end, site.name, site.strand))
    rows.sort(key=lambda r: (int(r[0].removeprefix("chr")), r[1]))
    lines = [f"{c}\t{s}\t{e}\t{n}\t0\t{strand}\t{MOTIFS[n]}\n" for c, s, e, n, strand in rows]
    return "".join(lines)


def extras_counts(seqs):
    """Number of sequences with soft-masking, N runs and IUPAC letters."""
    return {
        "soft-masked stretch": sum(s != s.upper() for s in seqs),
        "run of N": sum("N" in s for s in seqs),
        "IUPAC letter": sum(any(c in s.upper() for c in IUPAC) for s in seqs),
    }


def task_counts(labels):
    """``{task: (positives, labelled)}``."""
    return {
        task: (int(np.nansum(col)), int((~np.isnan(col)).sum()))
        for task, col in zip(TASKS, labels.T, strict=True)
    }


def readme_text(demo, seed):
    """``README.md`` describing the files, tasks, motifs and how to regenerate them."""
    n = len(demo.seqs)
    rules = {
        t: f"`{t}` planted (in ~{SINGLE_RATE:.0%} of sequences, independently)"
        for t in SINGLE_TASKS
    }
    rules["SOX2_POU5F1"] = (
        "`SOX2` and `POU5F1` both planted (SOX2 only / POU5F1 only / both / neither: ~25% each)"
    )
    tasks = "\n".join(
        f"| `{task}` | {rules[task]} | {pos:,} / {lab:,} ({pos / lab:.1%}) |"
        for task, (pos, lab) in task_counts(demo.labels).items()
    )
    motifs = "\n".join(
        f"| `{name}` | {MOTIFS[name]} | {probs.shape[1]} |" for name, probs in demo.motifs.items()
    )
    extras = ", ".join(f"{k}: {v:,}" for k, v in extras_counts(demo.seqs).items())
    return f"""# seqmodels demo data

Small synthetic regulatory-DNA data set for tests, tutorials and smoke runs: {n:,} sequences
of {SEQ_LEN} bp with real JASPAR motifs planted in a Markov background, four binary tasks and
a toy genome that holds every sequence. Regenerate it byte for byte with

```
python scripts/make_demo_data.py --seed {seed}
```

(`--out DIR` writes it elsewhere; the default is `data/demo`.)

## Files

- `sequences.fa`: the {n:,} sequences, ids `chrom:start-end` as `bedtools getfasta` writes
  them (0-based, half-open), {LINE_WIDTH} columns per line, soft-masking (lowercase) kept.
- `labels.csv`: `id,{",".join(TASKS)}`; values 0/1, an empty cell is a missing label.
- `genome.fa`: `chr1`..`chr{N_CHROMS}` with {PER_CHROM} sequences each, laid out as
  spacer + sequence + spacer + ... + spacer (spacers of {SPACER_LEN[0]}-{SPACER_LEN[1]} bp from
  the same background); `genome[chrom][start:end]` is exactly the FASTA record, case included.
  No `.fai` is shipped; pyfaidx or `samtools faidx` builds one.
- `intervals.bed`: the same intervals with the four labels (`NA` = missing), after a
  `#chrom` header line.
- `motifs.bed`: every planted motif instance, distractor included, in genome coordinates,
  BED6+1 (`chrom start end name 0 strand jaspar_id`), sorted by chromosome then start.

## Tasks

| task | positive iff | positives / labelled |
|---|---|---|
{tasks}

About {MISSING_RATE:.0%} of the `SPI1` labels are missing. The distractor `{DISTRACTOR}`
is planted in ~{DISTRACTOR_RATE:.0%} of sequences regardless of any label.

## Motifs

JASPAR release {JASPAR_RELEASE} (offline, via `pyjaspar`), looked up by matrix id (the latest
version of each matrix; for `SOX2` and `POU5F1` the 11-bp versions, not the trimmed 7-bp
ones); counts become probabilities with a pseudo-frequency of {PSEUDOFREQ}.

| name | JASPAR id | length |
|---|---|---|
{motifs}

Each instance is drawn column by column from the matrix, put on a random strand (the site is
reverse-complemented for `-`) at a random position, at least {MIN_GAP} bp from other instances
and from the sequence edges. A draw scoring below {SITE_FRACTION:.0%} of the matrix's best
log-odds score is redrawn, so every planted site is a clear binding site.

## Background

First-order Markov chain with {GC_CONTENT:.0%} GC and rough human dinucleotide odds ratios
({", ".join(f"{k} {v}" for k, v in DINUCLEOTIDE_ODDS.items())}; CpG-depleted). A background
sequence with any window (either strand) scoring at least {HIT_FRACTION:.0%} of a motif's
best log-odds score is redrawn before planting.

## Grammar extras

- ~{SOFTMASK_RATE:.0%} of sequences: one soft-masked (lowercase) stretch of
  {SOFTMASK_LEN[0]}-{SOFTMASK_LEN[1]} bp, which may overlap motifs.
- ~{NRUN_RATE:.0%}: one run of {NRUN_LEN[0]}-{NRUN_LEN[1]} `N`, placed off the motif instances.
- ~{IUPAC_RATE:.0%}: one IUPAC ambiguity letter ({", ".join(IUPAC)}), placed off the motif
  instances and the `N` runs.

Sequences with each: {extras}.
"""


def write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, newline="\n")
    os.replace(tmp, path)


def write_demo(demo, out, *, seed=0):
    """Write the six demo files into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "sequences.fa": fasta_text(zip(record_ids(demo), demo.seqs, strict=True)),
        "labels.csv": labels_csv(demo),
        "genome.fa": fasta_text(demo.chroms.items()),
        "intervals.bed": intervals_bed(demo),
        "motifs.bed": motifs_bed(demo),
        "README.md": readme_text(demo, seed),
    }
    (out / "genome.fa.fai").unlink(missing_ok=True)  # a stale index would no longer match
    for name, text in files.items():
        write_text(out / name, text)
    return [out / name for name in files]


def summary(demo, paths):
    """Short human-readable report: task counts, extras, motif sites and file sizes."""
    lines = [f"{len(demo.seqs):,} sequences, background model GC {demo.background_gc:.1%}"]
    for task, (pos, lab) in task_counts(demo.labels).items():
        missing = len(demo.labels) - lab
        lines.append(
            f"  {task:<12} {pos:>5,} / {lab:,} positive ({pos / lab:.1%}), {missing} missing"
        )
    names = [site.name for site in demo.sites]
    lines.append("motif sites: " + ", ".join(f"{m} {names.count(m):,}" for m in MOTIFS))
    lines.append("extras: " + ", ".join(f"{k} {v:,}" for k, v in extras_counts(demo.seqs).items()))
    lines += [f"  {p}  {p.stat().st_size / 1e3:,.1f} kB" for p in paths]
    return "\n".join(lines)


def main(argv=None):
    """Parse the command line, generate the demo data set and write it."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Writes sequences.fa, labels.csv, genome.fa, intervals.bed, motifs.bed and\n"
        "README.md. Example: python scripts/make_demo_data.py --seed 0 --out data/demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--out", type=Path, default=Path("data/demo"), help="output folder (default: data/demo)"
    )
    args = parser.parse_args(argv)
    demo = generate(args.seed)
    paths = write_demo(demo, args.out, seed=args.seed)
    print(summary(demo, paths))


if __name__ == "__main__":
    main()
