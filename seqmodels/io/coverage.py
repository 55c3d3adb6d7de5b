"""Coverage to learn from bigWig files: per-base profiles (or bin sums) over genome intervals,
read with pyBigWig a chunk of intervals at a time, never a whole chromosome.

Each target is one bigWig (an unstranded signal: ATAC-seq, DNase) or a pair, plus strand then
minus strand (ChIP-exo, ChIP-nexus, PRO-cap); a pair is one task whose profile has two
tracks. Positions a bigWig has no value for (pyBigWig's NaN) count as zero coverage, as
coverage files leave zeros out; positions past a chromosome end count as zero too.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqmodels.errors import SeqmodelsError
from seqmodels.io.text import check_input_file


@dataclass
class Targets:
    """The coverage tracks of each task.

    Attributes
    ----------
    names : list of str
        Task names, from the file names (``CTCF.plus.bw`` and ``CTCF.minus.bw`` → ``CTCF``).
    paths : list of list of Path
        Each task's bigWigs: one, or plus strand then minus strand.
    """

    names: list[str]
    paths: list[list[Path]]

    @property
    def tracks(self) -> list[Path]:
        """Every bigWig, task by task: the K tracks of a profile ``(K, L)``."""
        return [path for paths in self.paths for path in paths]

    @property
    def strands(self) -> list[int]:
        """Tracks per task (1 or 2)."""
        return [len(paths) for paths in self.paths]

    @property
    def track_names(self) -> list[str]:
        """The name of each track (:func:`track_names`)."""
        return track_names(self.names, self.strands)


def entry_strands(entries: list) -> list[int]:
    """Tracks of each ``data.targets`` or ``data.channels`` entry: 1 for a path, 2 for a pair."""
    return [len(entry) if isinstance(entry, list) else 1 for entry in entries]


def track_names(names: list[str], strands: list[int]) -> list[str]:
    """Each track's name: its task's, or ``NAME.plus`` and ``NAME.minus`` for a pair."""
    tracks = []
    for name, n in zip(names, strands, strict=True):
        tracks += [name] if n == 1 else [f"{name}.plus", f"{name}.minus"]
    return tracks


def parse_targets(entries: list, *, key: str = "data.targets") -> Targets:
    """``data.targets`` as :class:`Targets`: each entry a bigWig path or a pair of them."""
    names, paths = [], []
    for k, entry in enumerate(entries):
        group = [entry] if isinstance(entry, str) else entry
        if not isinstance(group, list) or not 1 <= len(group) <= 2:
            raise SeqmodelsError(
                f"{key}[{k}]: a bigWig path or a pair [plus strand, minus strand], got {entry!r}"
            )
        group = [Path(p) for p in group]
        for path in group:
            check_input_file(path)
        names.append(task_name(group))
        paths.append(group)
    if len(set(names)) < len(names):
        raise SeqmodelsError(f"{key}: two entries share the name {_repeated(names)!r}")
    return Targets(names, paths)


def read_profiles(
    targets: Targets,
    chrom: np.ndarray,
    start: np.ndarray,
    length: int,
    strand: np.ndarray | None = None,
    *,
    bin_size: int | None = None,
    counts: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Coverage of ``length`` bases from each ``start`` (0-based) on ``chrom``, per track.

    Minus-strand intervals (``strand``) are read as the model reads them: positions reversed
    and the two tracks of a stranded pair swapped. An infinite value is an error naming the
    file and position, and so is a negative one for ``counts`` (coverage counts reads; input
    channels such as conservation scores may be negative).

    Returns
    -------
    profiles : numpy.ndarray, float32, shape (N, K, length) or (N, K, length // bin_size)
        Per-base coverage, or its sums over bins of ``bin_size``.
    missing : numpy.ndarray, int64, shape (K,)
        Positions each track had no value for (counted as zero).
    """
    import pyBigWig

    files = [_open(pyBigWig, path) for path in targets.tracks]
    missing = np.zeros(len(files), dtype=np.int64)
    try:
        profiles = np.zeros((len(chrom), len(files), length), dtype=np.float32)
        for k, (path, bw) in enumerate(zip(targets.tracks, files, strict=True)):
            sizes = bw.chroms()
            for i, (c, s) in enumerate(zip(chrom, start, strict=True)):
                if c not in sizes:
                    raise SeqmodelsError(
                        f"{path}: no chromosome {str(c)!r} (it has {', '.join(list(sizes)[:3])}, "
                        "…): a bigWig of another genome?"
                    )
                lo, hi = max(int(s), 0), min(int(s) + length, sizes[c])
                missing[k] += length - max(hi - lo, 0)
                if hi > lo:
                    values = np.asarray(bw.values(c, lo, hi, numpy=True), dtype=np.float32)
                    absent = np.isnan(values)
                    missing[k] += np.count_nonzero(absent)
                    _check_values(values, absent, path, c, lo, counts=counts)
                    profiles[i, k, lo - s : hi - s] = np.where(absent, 0.0, values)
    finally:
        for bw in files:
            bw.close()
    if strand is not None and (strand == "-").any():
        minus = strand == "-"
        swapped = profiles[minus][:, reversed_order(targets.strands), ::-1]
        profiles[minus] = swapped
    if bin_size:
        n_bins = length // bin_size
        profiles = profiles[..., : n_bins * bin_size].reshape(*profiles.shape[:2], n_bins, -1)
        profiles = profiles.sum(axis=-1)
    return profiles, missing


def _check_values(values, absent, path: Path, chrom: str, lo: int, *, counts: bool) -> None:
    bad = ~absent & ~(np.isfinite(values) & ((values >= 0) | (not counts)))
    if bad.any():
        i = int(np.argmax(bad))
        rule = (
            "coverage targets must be finite counts ≥ 0 (a fold-change or log-scale track?)"
            if counts
            else "input channels must be finite"
        )
        raise SeqmodelsError(f"{path}: {values[i]:g} at {chrom}:{lo + i + 1}: {rule}")


def reversed_order(strands: list[int]) -> np.ndarray:
    """Track order of the reverse strand: the two tracks of every stranded task swapped."""
    order, first = [], 0
    for n in strands:
        order += list(range(first, first + n))[::-1]
        first += n
    return np.array(order, dtype=np.int64)


def _open(pyBigWig, path: Path):
    try:
        with _quiet_stderr():  # libBigWig prints its complaints about a bad file itself
            bw = pyBigWig.open(str(path))
    except RuntimeError:
        bw = None
    if bw is None or not bw.isBigWig():
        raise SeqmodelsError(f"{path}: not a bigWig file")
    return bw


@contextlib.contextmanager
def _quiet_stderr():
    """The process's standard error (file descriptor 2, where C libraries write) sent to
    the null device for the duration: a bad file is reported in seqmodels' one line."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no descriptor 2: nothing to quiet
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def task_name(paths: list[Path]) -> str:
    """``CTCF.plus.bw`` → ``CTCF``: the file name without its suffix and strand word."""
    stems = []
    for path in paths:
        stem = path.name.removesuffix(path.suffix)
        for strand in (".plus", ".minus", ".pos", ".neg", "_plus", "_minus", ".+", ".-"):
            stem = stem.removesuffix(strand)
        stems.append(stem)
    return stems[0]


def _repeated(names: list[str]) -> str:
    return next(n for n in names if names.count(n) > 1)
