"""The motif step of a trained model, end to end: filters as motifs, seqlets on attribution
tracks and their clusters, names from a motif database, logos, and one HTML report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from seqmodels.attribution.core import attribute, importance_track
from seqmodels.data.sets import SequenceSet
from seqmodels.encoding import codes_to_one_hot
from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_directory
from seqmodels.io.meme import Motif, read_meme, write_meme
from seqmodels.motifs.clustering import cluster_seqlets
from seqmodels.motifs.filters import filter_motifs
from seqmodels.motifs.matching import Q_THRESHOLD, best_matches, jaspar_motifs, match_motifs
from seqmodels.motifs.seqlets import call_seqlets, write_seqlets_bed
from seqmodels.workflows.predict import predict
from seqmodels.workflows.report import write_report

LOGO_FLANK = 20
"""Positions shown either side of the strongest seqlet in an attribution logo."""


@dataclass
class MotifResults:
    """What :func:`find_motifs` wrote, for a report or a notebook.

    Attributes
    ----------
    filters, clusters : list of Motif
        Filter motifs (with at least ``min_sites`` sites) and seqlet clusters, named
        ``filterK`` and ``TASK.clusterK``.
    seqlets : pandas.DataFrame
        Every seqlet, with its ``task`` and the ``sequence`` index it lies in.
    matches : pandas.DataFrame
        The best database matches of every motif (see :func:`match_motifs`).
    logos : dict of str to Path
        Motif name (or ``TASK.topK`` for attribution logos) → PNG.
    """

    filters: list[Motif]
    clusters: list[Motif]
    seqlets: pd.DataFrame
    matches: pd.DataFrame
    logos: dict[str, Path] = field(default_factory=dict)


def find_motifs(
    task,
    sequences: SequenceSet,
    out: str | Path,
    *,
    database: list[Motif],
    targets: list[int] | None = None,
    method: str = "deeplift_shap",
    n_top: int = 500,
    n_logos: int = 3,
    filter_threshold: float = 0.7,
    min_sites: int = 10,
    n_matches: int = 5,
    q_threshold: float = Q_THRESHOLD,
    max_filter_logos: int = 24,
    n_shuffles: int = 20,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    verbose: bool = False,
) -> MotifResults:
    """Find and name the motifs a trained task has learned; write them under ``out``.

    Writes ``filters.meme`` and ``clusters.meme`` (MEME minimal format), ``seqlets.bed``
    (genome coordinates when the sequences have them), ``matches.tsv`` and PNG logos in
    ``logos/``: of every cluster, and of the ``max_filter_logos`` filters with the best
    matches at a q-value up to ``q_threshold`` (a logo takes a third of a second to draw).
    For each target, the ``n_top`` sequences the model scores highest are
    attributed with ``method``; seqlets are called on their tracks and clustered.

    Parameters
    ----------
    task : SequenceTask
    sequences : SequenceSet
    database : list of Motif
        Motifs to name the found ones by (e.g. :func:`jaspar_motifs` or a MEME file).
    targets : list of int, optional
        Output indices (default: every output).
    filter_threshold : float
        Fraction of a filter's largest activation that makes a site (see
        :func:`filter_motifs`).
    """
    from seqmodels import plot

    out = Path(out)
    (out / "logos").mkdir(parents=True, exist_ok=True)
    alphabet = sequences.alphabet
    names = task.output_names
    targets = list(range(len(names))) if targets is None else targets
    X = codes_to_one_hot(torch.from_numpy(sequences.codes), alphabet)
    chrom, start, strand = _coordinates(sequences)

    filters = [
        m for m in filter_motifs(task.model, X, threshold=filter_threshold) if m.nsites >= min_sites
    ]
    scores = predict(task, sequences, batch_size=256, device=device)
    clusters, tables, logos = [], [], {}
    for target in tqdm(targets, disable=not verbose, unit="task", desc="motifs"):
        top = np.argsort(-scores[:, target], kind="stable")[:n_top]
        hypothetical = attribute(
            task.model, X[top], method=method, target=target, hypothetical=True,
            n_shuffles=n_shuffles, alphabet=alphabet.name, batch_size=batch_size, device=device,
        )  # fmt: skip
        track = importance_track(hypothetical, X[top]).numpy()
        seqlets = call_seqlets(track)
        found = cluster_seqlets(
            seqlets, sequences.codes[top], alphabet=alphabet.name, prefix=f"{names[target]}.cluster"
        )
        clusters += found
        for rank in range(min(n_logos, len(top))):
            name, index = f"{names[target]}.top{rank}", top[rank]
            mine = seqlets[(seqlets["sequence"] == rank) & (seqlets["sign"] > 0)]
            logos[name] = out / "logos" / f"{name}.png"
            minus = strand[index] == "-"  # positions run backwards in the genome: none shown
            plot.attribution_logo(
                hypothetical[rank] * X[index],
                alphabet=alphabet.name,
                **_logo_window(mine, track[rank], 0 if minus else start[index]),
                title=f"{name}: {sequences.ids[index]}" + (" (read 5′→3′ on −)" if minus else ""),
                path=logos[name],
            )
        tables.append(seqlets.assign(task=names[target], sequence=top[seqlets["sequence"]]))
    seqlets = pd.concat(tables, ignore_index=True)

    write_meme(out / "filters.meme", filters, alphabet=alphabet.symbols)
    write_meme(out / "clusters.meme", clusters, alphabet=alphabet.symbols)
    write_seqlets_bed(
        out / "seqlets.bed", seqlets, chrom, start, strand=strand, length=sequences.length
    )
    matches = match_motifs(filters + clusters, database, n_best=n_matches)
    matches.to_csv(out / "matches.tsv", sep="\t", index=False)
    best = best_matches(matches).sort_values("q_value")
    named = set(best[best["q_value"] <= q_threshold].index[:max_filter_logos])
    for motif in [f for f in filters if f.name in named] + clusters:
        logos[motif.name] = out / "logos" / f"{motif.name}.png"
        plot.motif_logo(motif, alphabet=alphabet, path=logos[motif.name])
    return MotifResults(filters, clusters, seqlets, matches, logos)


def _logo_window(seqlets: pd.DataFrame, track: np.ndarray, x0: int) -> dict[str, int]:
    """``start``, ``end`` and ``x0`` of the window around the strongest positive seqlet of
    one sequence (else its most important base)."""
    if len(seqlets):
        best = seqlets.loc[seqlets["score"].idxmax()]
        centre = int(best["start"] + best["end"]) // 2
    else:
        centre = int(np.abs(track).argmax())
    length = len(track)
    start = int(np.clip(centre - LOGO_FLANK, 0, max(length - 2 * LOGO_FLANK, 0)))
    return {"start": start, "end": min(start + 2 * LOGO_FLANK, length), "x0": int(x0)}


def motifs_to_directory(
    task,
    sequences: SequenceSet,
    out: str | Path,
    *,
    database: list[Motif],
    details: dict[str, str] | None = None,
    **options,
) -> MotifResults:
    """:func:`find_motifs` and its ``report.html`` (with ``details`` of the run), written to
    a folder that appears (or replaces an earlier one) only once everything in it is complete.
    ``options`` go to :func:`find_motifs`.
    """
    out = Path(out)
    with atomic_directory(out) as staging:
        results = find_motifs(task, sequences, staging, database=database, **options)
        write_report(staging / "report.html", results, details=details)
    results.logos = {name: out / path.relative_to(staging) for name, path in results.logos.items()}
    return results


def motif_database(
    database: str | list[Motif],
    alphabet,
    *,
    collection: str = "CORE",
    tax_group: str = "vertebrates",
) -> tuple[list[Motif], str]:
    """The motifs to name found ones by, and a description; they must fit the alphabet."""
    if not isinstance(database, str):
        return database, f"{len(database)} motifs"
    if database == "jaspar":
        if alphabet.name != "dna":
            raise SeqmodelsError(
                f"JASPAR holds DNA motifs and the model reads {alphabet.name}: give --database "
                f"a MEME file of {alphabet.name} motifs"
            )
        motifs = jaspar_motifs(collection=collection, tax_group=tax_group)
        if not motifs:
            raise SeqmodelsError(
                f"JASPAR 2024 has no {collection} matrices for the taxonomic group {tax_group!r}"
            )
        return motifs, f"JASPAR 2024 {collection} {tax_group} ({len(motifs)} matrices)"
    motifs = read_meme(database, alphabet=alphabet.symbols)
    return motifs, f"{database} ({len(motifs)} motifs)"


def _coordinates(sequences: SequenceSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chromosome, start and strand of each sequence; the id, 0 and ``.`` without genome
    coordinates."""
    n = len(sequences)
    if sequences.chrom is None:
        return np.asarray(sequences.ids), np.zeros(n, dtype=np.int64), np.full(n, ".")
    return np.asarray(sequences.chrom), np.asarray(sequences.start), np.asarray(sequences.strand)
