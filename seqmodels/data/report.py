"""What a user checks before training: counts, lengths, composition, label balance or
coverage, splits."""

from __future__ import annotations

import numpy as np

from seqmodels.data.sets import Records, SequenceSet


def describe(records: Records, sequences: SequenceSet, splits: dict[str, np.ndarray]) -> str:
    """A plain-text report of a data set, as ``seqmodels inspect`` prints it."""
    lines = [f"source        {records.source}", f"alphabet      {sequences.alphabet.name}"]
    lines.append(f"records       {len(records.ids):,}")
    if records.seqs:
        lines += _lengths(records, sequences.length)
        lines += _composition(records, sequences)
    lines += _channels(records) if records.numeric is not None else []
    lines += _coverage(records) if records.profiles is not None else []
    lines += _labels(sequences)
    lines += _splits(sequences, splits)
    return "\n".join(lines)


def _lengths(records: Records, length: int) -> list[str]:
    n = np.fromiter(map(len, records.seqs), dtype=np.int64, count=len(records.seqs))
    line = (
        f"length        min {n.min():,}  median {int(np.median(n)):,}  mean {n.mean():,.1f}  "
        f"max {n.max():,}  → encoded at {length:,}"
    )
    resized = f"({(n < length).sum():,} padded, {(n > length).sum():,} trimmed)"
    return [line + ("  " + resized if (n != length).any() else "")]


def _composition(records: Records, sequences: SequenceSet) -> list[str]:
    raw = np.frombuffer("".join(records.seqs).encode("ascii", "replace"), dtype=np.uint8)
    soft_masked = np.count_nonzero((raw >= ord("a")) & (raw <= ord("z"))) / max(len(raw), 1)
    alphabet = sequences.alphabet
    counts = np.bincount(sequences.codes.ravel(), minlength=len(alphabet.letters))
    total = max(counts.sum(), 1)
    core = "  ".join(f"{s} {counts[i] / total:.1%}" for i, s in enumerate(alphabet.symbols))
    ambiguous = counts[alphabet.size : alphabet.gap_code].sum() / total
    padding = counts[alphabet.gap_code] / total
    return [
        f"composition   {core}",
        f"              ambiguous {ambiguous:.3%}  soft-masked {soft_masked:.2%}  "
        f"gap/padding {padding:.2%}",
    ]


def _labels(sequences: SequenceSet) -> list[str]:
    if sequences.targets is None:
        return ["labels        none"]
    lines = []
    width = max(map(len, sequences.task_names)) + 2
    for name, column in zip(sequences.task_names, sequences.targets.T, strict=True):
        known = column[~np.isnan(column)]
        missing = len(column) - len(known)
        if np.isin(known, (0, 1)).all():
            positive = int(known.sum())
            summary = (
                f"{positive:,} positive / {len(known) - positive:,} negative "
                f"({positive / max(len(known), 1):.1%} positive)"
            )
        else:
            summary = (
                f"mean {known.mean():.3g}  sd {known.std():.3g}  min {known.min():.3g}  "
                f"max {known.max():.3g}"
            )
        lines.append(f"task {name:<{width}}{summary}, {missing:,} missing")
    return lines


def _coverage(records: Records) -> list[str]:
    """Per coverage track: its file, reads in the windows, their spread over windows, empty
    windows and positions without a value."""
    profiles = records.profiles
    n, k, p = profiles.shape
    lines = [f"coverage      {k} track(s) × {p:,} values per window (task labels: totals)"]
    for track, path in enumerate(records.tracks):
        totals = profiles[:, track].sum(axis=-1)
        q50, q90 = np.quantile(totals, [0.5, 0.9]) if n else (0.0, 0.0)
        lines.append(
            f"track {path}: {totals.sum():,.0f} reads in the windows; per window median "
            f"{q50:,.3g}, 90% {q90:,.3g}, max {totals.max(initial=0):,.3g}; "
            f"{np.mean(totals == 0):.1%} of windows empty; {records.missing[track]:,} of "
            f"{n * p:,} positions without a value (read as 0)"
        )
    return lines


def _channels(records: Records) -> list[str]:
    """Per numeric input channel: its spread of values and the share of zeros."""
    values = records.numeric
    _, c, length = values.shape
    kind = "input channel(s) beside the sequence" if records.seqs else "numeric channel(s)"
    lines = [f"channels      {c} {kind} × {length:,} steps"]
    for k, name in enumerate(records.channels):
        v = values[:, k]
        lines.append(
            f"channel {name}: mean {v.mean():.4g}  sd {v.std():.4g}  min {v.min():.4g}  "
            f"max {v.max():.4g}  zeros {np.mean(v == 0):.1%}"
        )
    return lines


def _splits(sequences: SequenceSet, splits: dict[str, np.ndarray]) -> list[str]:
    lines = []
    for name in ("train", "val", "test"):
        index = splits[name]
        line = f"split {name:<8}{len(index):,}"
        if sequences.chrom is not None and len(index):
            chroms, counts = np.unique(sequences.chrom[index], return_counts=True)
            line += (
                "  (" + ", ".join(f"{c} {n:,}" for c, n in zip(chroms, counts, strict=True)) + ")"
            )
        lines.append(line)
    return lines
