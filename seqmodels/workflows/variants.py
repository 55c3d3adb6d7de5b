"""Variant effects from a VCF: both alleles through the model, an empirical null, attribution
tracks of both alleles in genome coordinates.

Each variant's REF and ALT windows come from the genome by the rule of
:mod:`seqmodels.data.alleles`; both go through the model, averaged with their reverse
complement unless the checkpoint's task is stranded; the effect is ``alt − ref`` on the logit
scale (log-odds for binary and multi-label tasks, log-probability for multi-class, the raw
output for regression). A chunk of variants is read, scored and written at a time, in VCF
order, and chunks can be shared among DDP processes as ``predict`` shares them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqmodels.attribution.core import attribute
from seqmodels.data.alleles import Alleles, allele_windows, null_alleles
from seqmodels.devices import model_on
from seqmodels.encoding import codes_to_one_hot, reverse_complement, to_indices
from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_write
from seqmodels.io.bed import open_genome
from seqmodels.io.tracks import bigwig_writer
from seqmodels.io.vcf import Variants, read_vcf
from seqmodels.task import to_predictions
from seqmodels.workflows.sharding import chunk_indices, map_chunks

log = logging.getLogger("seqmodels")

COLUMNS = ["chrom", "pos", "id", "ref", "alt", "ref_match"]
"""The leading columns of the variant table; then, per task, ``TASK`` (the effect),
``TASK.ref`` and ``TASK.alt`` (predictions), ``TASK.prob_diff`` (classification) and
``TASK.p`` (with a null)."""

BUILD_WARNING = 0.1
"""A share of REF mismatches above which the VCF is likely of another genome build."""


@dataclass
class _Scoring:
    """What scoring a chunk needs: the variants, the genome and how to run the model."""

    variants: Variants
    genome: Path
    hp: object  # the task's hyper-parameters
    alphabet: object
    n_outputs: int
    rc: bool
    n_null: int
    batch_size: int
    random_state: int


def score_variants(
    task,
    vcf: str | Path | Variants,
    genome: str | Path,
    *,
    region: str | None = None,
    drop_mismatch: bool = False,
    n_null: int = 0,
    chunk_size: int = 2048,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    random_state: int = 0,
    verbose: bool = False,
) -> pd.DataFrame:
    """Effects of the variants of ``vcf`` on every output of ``task``, one row per ALT allele.

    Parameters
    ----------
    task : SequenceTask
    vcf : path or Variants
        A VCF or BCF file (plain, gzip, bgzip), or variants already read.
    genome : path
        The genome FASTA the VCF refers to.
    region : str, optional
        ``chr:start-end`` or ``chr``: only the variants there (through the VCF's index).
    drop_mismatch : bool
        Leave out the variants whose REF is not the genome's (default: kept, unscored).
    n_null : int
        Null variants of the same type at random places of each window: an empirical
        p-value per variant and task (``TASK.p``).
    chunk_size : int
        Variants read and scored at a time; results do not depend on it.
    batch_size : int
        Windows per pass.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`COLUMNS`, then per task the effect and the predictions.
    """
    tables = _tables(
        task, vcf, genome, region=region, drop_mismatch=drop_mismatch, n_null=n_null,
        chunk_size=chunk_size, batch_size=batch_size, device=device,
        random_state=random_state, verbose=verbose,
    )  # fmt: skip
    return pd.concat(list(tables), ignore_index=True)


def score_variants_to_file(
    task, vcf, genome, path: str | Path, *, devices: int = 1, **options
) -> int | None:
    """:func:`score_variants` (``options``), streamed a chunk at a time to a TSV at ``path``
    (atomically), the chunks shared among ``devices`` DDP processes. Returns the rows written
    (None on ranks other than 0)."""
    tables = _tables(task, vcf, genome, output=path, devices=devices, **options)
    if tables is None:
        return None
    rows = 0
    with atomic_write(path) as handle:
        for k, table in enumerate(tables):
            table.to_csv(handle, sep="\t", index=False, header=k == 0, float_format="%.6g")
            rows += len(table)
    return rows


def _tables(task, vcf, genome, *, region=None, drop_mismatch=False, n_null=0, chunk_size=2048,
            batch_size=256, device=None, random_state=0, verbose=False, output=None,
            devices=1):  # fmt: skip
    """The output table a chunk at a time (at least one, with the header), in VCF order; None
    on DDP ranks other than 0."""
    task.require_sequences("variant effects")
    variants = vcf if isinstance(vcf, Variants) else read_vcf(vcf, region=region)
    _report_skipped(variants)
    variants = match_reference(variants, genome, task.hparams.length, drop=drop_mismatch)
    scoring = _Scoring(
        variants, Path(genome), task.hparams, task.alphabet, len(task.output_names),
        rc=not task.hparams.stranded and task.alphabet.complement is not None,
        n_null=n_null, batch_size=batch_size, random_state=random_state,
    )  # fmt: skip
    chunks = chunk_indices(len(variants), chunk_size, devices)
    results = map_chunks(
        task.explained(), _compute(scoring, chunks), len(chunks), output=output, device=device,
        devices=devices, verbose=verbose,
    )  # fmt: skip
    if results is None:
        return None

    def tables():
        yield _table(task, variants, [], {}, with_p=n_null > 0)  # the header, whatever follows
        for index, result in zip(chunks, results, strict=True):
            yield _table(task, variants, index, result, with_p=n_null > 0)

    return tables()


def match_reference(
    variants: Variants, genome, length: int, *, drop: bool = False, report: bool = True
) -> Variants:
    """``variants`` with ``ref_match`` (whether REF is the genome's, case-insensitive), the
    mismatches reported (``report``) and left out (``drop``)."""
    match = allele_windows(
        open_genome(genome), variants.table, length, source=variants.source, genome=str(genome)
    ).ref_match
    if report:
        _report_mismatches(variants, match, genome)
    table = variants.table.assign(ref_match=match)
    if drop:
        table = table[match].reset_index(drop=True)
    return Variants(table, variants.skipped, variants.source)


def _compute(scoring: _Scoring, chunks: list[np.ndarray]):
    """``compute(model, chunk, device)`` for :func:`~seqmodels.workflows.sharding.map_chunks`:
    raw outputs of both alleles (and the nulls' p-values) of one chunk."""

    @torch.inference_mode()
    def compute(model, chunk: int, device) -> dict[str, np.ndarray]:
        table = scoring.variants.table.iloc[chunks[chunk]]
        alleles = allele_windows(
            open_genome(scoring.genome), table, scoring.hp.length, source=scoring.variants.source
        )
        scored = np.flatnonzero(alleles.ref_match)
        names = [f"{r.record} ({r.chrom}:{r.pos}" for r in table.iloc[scored].itertuples()]
        with model_on(model, device):
            ref = _outputs(model, scoring, [alleles.ref[i] for i in scored],
                           [f"{n}, REF window)" for n in names], device)  # fmt: skip
            alt = _outputs(model, scoring, [alleles.alt[i] for i in scored],
                           [f"{n}, ALT window)" for n in names], device)  # fmt: skip
            effect = _effects(ref, alt, scoring.hp.task)
            result = {"scored": scored, "ref": ref, "alt": alt, "effect": effect}
            if scoring.n_null and len(scored):
                result["p"] = _null_p(model, scoring, table, alleles, scored, ref, effect, device)
        return result

    return compute


def _outputs(model, scoring: _Scoring, windows: list[str], names: list[str], device):
    """Raw outputs ``(n, T)`` of the windows, averaged with their reverse complements; a
    symbol the checkpoint's alphabet lacks is an error naming the genome and the window."""
    if not windows:
        return np.zeros((0, scoring.n_outputs), np.float32)
    try:
        codes = to_indices(windows, scoring.alphabet, unknown=scoring.hp.unknown, names=names)
    except SeqmodelsError as err:
        raise SeqmodelsError(f"{scoring.genome}: {err}") from None
    codes = torch.from_numpy(codes)
    out = []
    for batch in codes.split(scoring.batch_size):
        x = codes_to_one_hot(batch.to(device), scoring.alphabet)
        raw = model(x)
        if scoring.rc:
            raw = (raw + model(reverse_complement(x, scoring.alphabet))) / 2
        out.append(raw.float().cpu())
    return torch.cat(out).numpy()


def _effects(ref: np.ndarray, alt: np.ndarray, task_type: str) -> np.ndarray:
    """``alt − ref`` on the logit scale: log-probabilities for multi-class tasks."""
    if task_type == "multiclass" and len(ref):
        log_softmax = torch.nn.functional.log_softmax
        return (
            log_softmax(torch.from_numpy(alt), -1) - log_softmax(torch.from_numpy(ref), -1)
        ).numpy()
    return alt - ref


def _null_p(model, scoring, table, alleles: Alleles, scored, ref, effect, device) -> np.ndarray:
    """Empirical two-sided p-values ``(n, T)``: how often a null variant of the same type
    moves the output (from ``ref``) at least as far, ``(1 + #{|null| ≥ |effect|}) / (1 + N)``."""
    n = scoring.n_null
    windows, names = [], []
    for i in scored:
        row = table.iloc[i]
        key = f"{row.chrom}:{row.pos}:{row.ref}>{row.alt}"
        windows += null_alleles(
            alleles.segment[i], row.ref, row.alt, scoring.hp.length, n, key=key,
            random_state=scoring.random_state,
        )  # fmt: skip
        names += [f"{row.record} ({row.chrom}:{row.pos}, null variant {k + 1})" for k in range(n)]
    null = _outputs(model, scoring, windows, names, device).reshape(len(scored), n, -1)
    null_effect = _effects(np.repeat(ref, n, axis=0), null.reshape(len(scored) * n, -1),
                           scoring.hp.task).reshape(null.shape)  # fmt: skip
    exceed = (np.abs(null_effect) >= np.abs(effect)[:, None]).sum(axis=1)
    return (1 + exceed) / (1 + n)


def _table(task, variants: Variants, index, result: dict, *, with_p: bool) -> pd.DataFrame:
    """The output rows of the variants at ``index`` from their chunk's ``result``; the rows
    not scored (REF mismatches) stay empty."""
    hp = task.hparams
    table = variants.table.iloc[index][COLUMNS].reset_index(drop=True)
    width = len(task.output_names)

    def placed(values: np.ndarray | None) -> np.ndarray:
        out = np.full((len(table), width), np.nan)
        if values is not None and len(values):
            out[result["scored"]] = values
        return out

    def predictions(raw: np.ndarray | None) -> np.ndarray | None:
        if raw is None or not len(raw):
            return None
        return to_predictions(torch.from_numpy(raw), hp.task, hp.regression_loss).numpy()

    effect, p = placed(result.get("effect")), placed(result.get("p"))
    ref, alt = (placed(predictions(result.get(side))) for side in ("ref", "alt"))
    columns: dict[str, np.ndarray] = {}
    for k, name in enumerate(task.output_names):
        columns[name] = effect[:, k]
        columns[f"{name}.ref"], columns[f"{name}.alt"] = ref[:, k], alt[:, k]
        if hp.task in ("binary", "multilabel", "multiclass"):
            columns[f"{name}.prob_diff"] = alt[:, k] - ref[:, k]
        if with_p:
            columns[f"{name}.p"] = p[:, k]
    return pd.concat([table, pd.DataFrame(columns)], axis=1)


def _report_skipped(variants: Variants) -> None:
    for reason, count in variants.skipped.items():
        log.info("%s: %d %s allele(s) skipped", variants.source, count, reason)


def _report_mismatches(variants: Variants, match: np.ndarray, genome) -> None:
    bad = np.flatnonzero(~match)
    if not len(bad):
        return
    shown = "; ".join(variants.where(i) for i in bad[:3])
    log.warning(
        "%s: %d of %d variant(s) have a REF that is not %s's: %s%s (not scored)",
        variants.source, len(bad), len(match), genome, shown, ", …" if len(bad) > 3 else "",
    )  # fmt: skip
    if len(bad) >= 10 and len(bad) > BUILD_WARNING * len(match):
        log.warning(
            "%s: %.0f%% of the REF alleles differ from %s: is the VCF of another genome "
            "build?", variants.source, 100 * len(bad) / len(match), genome,
        )  # fmt: skip


def allele_attributions(
    task,
    variants: Variants,
    genome: str | Path,
    *,
    method: str = "deeplift_shap",
    target: int = 0,
    head: str | None = None,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    verbose: bool = False,
    **options,
) -> tuple[np.ndarray, np.ndarray, Alleles]:
    """Attributions ``(N, A, L)`` of output ``target`` to each allele's window (the observed
    bases' contributions: ``X · hypothetical``) for ``plot.allele_logos`` or tracks, with the
    windows; ``head``: what a coverage model's attributions explain (``task.explained``).
    ``options`` go to :func:`~seqmodels.attribution.attribute`."""
    task.require_sequences("variant effects")
    alleles = allele_windows(open_genome(genome), variants.table, task.hparams.length,
                             source=variants.source)  # fmt: skip
    result = []
    for windows in (alleles.ref, alleles.alt):
        codes = torch.from_numpy(to_indices(windows, task.alphabet, unknown=task.hparams.unknown))
        X = codes_to_one_hot(codes, task.alphabet)
        hypothetical = attribute(
            task.explained(head), X, method=method, target=target, hypothetical=True,
            batch_size=batch_size, device=device, verbose=verbose, **options,
        )  # fmt: skip
        result.append((hypothetical * X).numpy())
    return result[0], result[1], alleles


def write_allele_tracks(
    task,
    variants: Variants,
    genome: str | Path,
    prefix: str | Path,
    **options,
) -> list[Path]:
    """bigWigs of the per-base contribution of each variant's REF window
    (``PREFIX.ref.bw``), of its ALT window (``PREFIX.alt.bw``) and of their difference
    (``PREFIX.diff.bw``) in genome coordinates, overlapping windows averaged.

    ALT positions map to the genome one to one left of the variant and after it, shifted by
    the allele's change in length; inserted bases have no genome position and are left out,
    as are deleted ones from the ALT track. The variants' tracks are held in memory
    (12 bytes per base of each window). ``options`` go to :func:`allele_attributions`.
    """
    scored = match_reference(variants, genome, task.hparams.length, drop=True, report=False)
    ref, alt, _ = allele_attributions(task, scored, genome, **options)
    ref, alt = ref.sum(axis=1), alt.sum(axis=1)  # (N, L)
    length, offset = task.hparams.length, task.hparams.length // 2
    tracks: dict[str, list[tuple[str, int, np.ndarray]]] = {"ref": [], "alt": [], "diff": []}
    for i, row in enumerate(scored.table.itertuples(index=False)):
        start = row.pos - 1 - offset
        shift = len(row.ref) - len(row.alt)
        kept = offset + min(len(row.ref), len(row.alt))  # ALT bases left of any insertion
        alt_on_ref = np.full(length, np.nan)  # the ALT window on REF coordinates
        alt_on_ref[:kept] = alt[i, :kept]
        after = np.arange(offset + len(row.alt), length)  # ALT positions after the allele
        on_ref = after + shift
        inside = on_ref < length
        alt_on_ref[on_ref[inside]] = alt[i, after[inside]]  # deleted REF bases stay NaN
        tracks["ref"].append((row.chrom, start, ref[i]))
        tracks["alt"] += _runs(row.chrom, start, alt_on_ref)
        tracks["diff"] += _runs(row.chrom, start, alt_on_ref - ref[i])
    sizes = {name: len(record) for name, record in open_genome(genome).items()}
    rank = {name: k for k, name in enumerate(sizes)}
    paths = []
    for side, entries in tracks.items():
        path = Path(f"{prefix}.{side}.bw")
        with bigwig_writer(path, sizes) as writer:
            for chrom, start, values in sorted(entries, key=lambda e: (rank[e[0]], e[1])):
                writer.add(chrom, start, values)
        paths.append(path)
    return paths


def _runs(chrom: str, start: int, values: np.ndarray) -> list[tuple[str, int, np.ndarray]]:
    """The runs of non-NaN ``values`` as ``(chrom, start, values)`` entries."""
    defined = ~np.isnan(values)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], defined.astype(np.int8), [0]])))
    return [(chrom, start + a, values[a:b]) for a, b in zip(edges[::2], edges[1::2], strict=True)]
