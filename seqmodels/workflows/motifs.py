"""The motif step of a trained model, end to end: TF-MoDISco patterns of the attributions and
their hits, first-layer filters as motifs, names from a motif database for the informative
ones, a negative control, logos, and one HTML report."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqmodels.attribution.core import attribute
from seqmodels.data.sets import SequenceSet
from seqmodels.encoding import codes_to_one_hot
from seqmodels.errors import SeqmodelsError
from seqmodels.io.atomic import atomic_directory, atomic_write
from seqmodels.io.coords import genome_spans
from seqmodels.io.meme import Motif, read_meme, write_meme
from seqmodels.io.tracks import bigwig_writer
from seqmodels.motifs.filters import (
    INFLUENCE_P,
    filter_influence,
    filter_motifs,
    permute_filters,
)
from seqmodels.motifs.hits import find_hits
from seqmodels.motifs.matching import (
    Q_THRESHOLD,
    best_matches,
    informative_core,
    jaspar_motifs,
    match_motifs,
)
from seqmodels.motifs.modisco import MIN_SHARE, Pattern, find_patterns
from seqmodels.motifs.seqlets import write_spans_bed
from seqmodels.workflows.predict import predict
from seqmodels.workflows.report import write_report

LOGO_FLANK = 20
"""Positions shown either side of the strongest hit in an attribution logo."""

NULL_SIZE = 128
"""Null influences at least: filters permuted with as many seeds as this takes."""


COLUMNS = {
    "pattern": ["name", "task", "sign", "sites", "share", "hits", "width", "informative", "core",
                "target", "target_name", "p_value", "q_value"],
    "filter": ["name", "sites", "influence", "influence_p", "width", "informative", "core",
               "target", "target_name", "p_value", "q_value"],
}  # fmt: skip
"""The columns of ``patterns.tsv`` and ``filters.tsv``."""


@dataclass
class _Attributed:
    """One target's attributed sequences: their ``rows`` in the input, contributions
    ``(n, A, L)`` of the observed bases and the patterns found in them."""

    target: int
    rows: np.ndarray
    contributions: np.ndarray
    patterns: list[Pattern]


@dataclass
class MotifResults:
    """What :func:`find_motifs` wrote, for a report or a notebook.

    Attributes
    ----------
    patterns : list of Pattern
        TF-MoDISco patterns of every target, named ``TASK.pos0``, ``TASK.neg0``, ….
    filters : list of Motif
        First-layer filters with at least ``min_sites`` sites, named ``filterK``.
    summary : pandas.DataFrame
        One row per pattern and filter (``patterns.tsv`` and ``filters.tsv``): its kind,
        task, sign, sites or seqlets, share (patterns: of the attribution their seqlets carry),
        hits, influence (filters: share of the outputs' change and its empirical p-value
        against the permuted-filter null), informative core width and best match with its
        q-value.
    matches : pandas.DataFrame
        The best database matches of every informative motif (:func:`match_motifs`).
    hits : pandas.DataFrame
        Every hit (:func:`~seqmodels.motifs.hits.find_hits`) with its ``task`` and the
        ``sequence`` index it lies in.
    control : dict, optional
        The negative control's counts (``control.json``), when it ran.
    logos : dict of str to Path
        Motif name (``NAME.sequence`` for a pattern's sequence logo, ``TASK.topK`` for
        attribution logos) → PNG.
    """

    patterns: list[Pattern]
    filters: list[Motif]
    summary: pd.DataFrame
    matches: pd.DataFrame
    hits: pd.DataFrame
    control: dict | None = None
    logos: dict[str, Path] = field(default_factory=dict)

    def named(self, kind: str, q_threshold: float = Q_THRESHOLD) -> pd.DataFrame:
        """Rows of ``summary`` of one kind (``pattern`` or ``filter``) whose best match has a
        q-value at most ``q_threshold``."""
        rows = self.summary[self.summary["kind"] == kind]
        return rows[rows["q_value"] <= q_threshold]


def find_motifs(
    task,
    sequences: SequenceSet,
    out: str | Path,
    *,
    database: list[Motif],
    targets: list[int] | None = None,
    method: str = "deeplift_shap",
    n_top: int | None = None,
    n_logos: int = 3,
    filter_threshold: float = 0.7,
    min_sites: int = 10,
    n_matches: int = 5,
    q_threshold: float = Q_THRESHOLD,
    max_filter_logos: int = 24,
    n_shuffles: int = 10,
    control: bool = True,
    chrom_sizes: dict[str, int] | None = None,
    head: str | None = None,
    batch_size: int = 32,
    device: str | torch.device | None = None,
    verbose: bool = False,
) -> MotifResults:
    """Find and name the motifs a trained task has learned; write them under ``out``.

    For each target, the sequences (all, or the ``n_top`` the model scores highest) are
    attributed with ``method``, and TF-MoDISco clusters their hypothetical contributions into
    patterns of both signs, trimmed to the columns that carry contribution; each pattern's
    hits are found in the contribution tracks. Only patterns whose seqlets carry at least
    ``MIN_SHARE`` of the attribution are matched. The first-layer filters become motifs of
    their top-activating windows, ranked by their influence on the outputs; only filters whose
    influence exceeds that of the same model's filters permuted across positions (empirical
    p ≤ ``INFLUENCE_P``) are matched. Patterns and filters are matched to ``database`` by
    their informative cores (diffuse ones are reported as uninformative, not matched), with
    q-values over all comparisons of the run's patterns, and of its filters; hits are found
    for the informative patterns that carry ``MIN_SHARE`` (a minor pattern would take the
    hits of a major one it overlaps).
    With ``control`` the same steps run on a copy of the model whose first-layer filters are
    permuted across positions: what it names estimates the run's false discoveries.

    Writes ``patterns.meme``, ``patterns.tsv``, ``filters.meme``, ``filters.tsv``,
    ``matches.tsv``, ``seqlets.bed`` (each pattern's seqlets) and ``hits.bed`` (genome
    coordinates and strand when the sequences have them), ``hits/PATTERN.bw`` (contribution
    at the pattern's hits, where chromosome sizes are known), ``control.json`` and PNG logos
    in ``logos/``.

    Parameters
    ----------
    task : SequenceTask
    sequences : SequenceSet
    database : list of Motif
        Motifs to name the found ones by (e.g. :func:`jaspar_motifs` or a MEME file).
    targets : list of int, optional
        Output indices (default: every output).
    n_top : int, optional
        Attribute only the sequences the model scores highest for each target.
    filter_threshold : float
        Fraction of a filter's largest activation that makes a site.
    chrom_sizes : dict of str to int, optional
        Chromosome sizes for the hits' bigWigs, when the sequences have genome coordinates.
    head : {"counts", "profile"}, optional
        What a coverage model's attributions explain (see ``SequenceTask.explained``).
    """
    task.require_sequences("motifs")
    from seqmodels import plot

    out = Path(out)
    (out / "logos").mkdir(parents=True, exist_ok=True)
    alphabet = sequences.alphabet
    names = task.output_names
    targets = list(range(len(names))) if targets is None else targets
    X = codes_to_one_hot(torch.from_numpy(sequences.codes), alphabet)
    chrom, start, strand = _coordinates(sequences)
    sizes = chrom_sizes if sequences.chrom is not None else _own_sizes(sequences)
    complement = None if alphabet.complement is None else alphabet.complement_codes[: alphabet.size]
    scores = predict(task, sequences, batch_size=256, device=device)  # (N, T)

    options = {"n_shuffles": n_shuffles} if method == "deeplift_shap" else {}
    groups = (  # targets attributed together, and their sequences
        [(targets, np.arange(len(X)))]
        if n_top is None
        else [([t], _rows(scores[:, t], n_top)) for t in targets]
    )

    def step(model) -> tuple[list[Pattern], list[Motif], np.ndarray, list]:
        filters = filter_motifs(model, X, threshold=filter_threshold)
        influence = filter_influence(model, X, targets=targets)
        patterns, attributed = [], []
        for group, rows in groups:
            x = X[rows]
            hypothetical = attribute(
                model,
                x,
                method=method,
                target=group,
                hypothetical=True,
                batch_size=batch_size,
                device=device,
                verbose=verbose,
                **options,
            ).numpy()  # (n, T, A, L)
            for k, target in enumerate(group):
                found = find_patterns(x.numpy(), hypothetical[:, k], prefix=f"{names[target]}.")
                patterns += found
                contributions = hypothetical[:, k] * x.numpy()
                attributed.append(_Attributed(target, rows, contributions, found))
        return patterns, filters, influence, attributed

    model = task.explained(head)
    patterns, all_filters, influence, attributed = step(model)
    null = _null_influence(model, X, targets, n_filters=len(all_filters))
    keep = [k for k, m in enumerate(all_filters) if m.nsites >= min_sites]
    filters, influence = [all_filters[k] for k in keep], influence[keep]
    influence_p = _empirical_p(influence, null)
    matches = _match(
        _supported(patterns), _influential(filters, influence_p), database, n_best=n_matches
    )
    summary = _summary(patterns, filters, influence / influence.sum(), influence_p, matches)
    acting = {p.name for p in _supported(patterns)} & set(
        summary.loc[summary["informative"], "name"]
    )

    logos: dict[str, Path] = {}
    hits_tables = []
    for one in attributed:
        found = [p for p in one.patterns if p.name in acting]
        hits = find_hits(found, one.contributions, complement=complement)
        top = np.argsort(-scores[one.rows, one.target], kind="stable")[:n_logos]
        for rank, local in enumerate(top):
            name, index = f"{names[one.target]}.top{rank}", one.rows[local]
            track = one.contributions[local]
            logos[name] = out / "logos" / f"{name}.png"
            minus = strand[index] == "-"  # positions run backwards in the genome: none shown
            plot.attribution_logo(
                track, alphabet=alphabet.name,
                **_logo_window(hits[hits["sequence"] == local], track.sum(axis=0),
                               0 if minus else start[index]),
                title=f"{name}: {sequences.ids[index]}" + (" (read 5′→3′ on −)" if minus else ""),
                path=logos[name],
            )  # fmt: skip
        if len(hits) and len(one.patterns) and sizes is not None:
            _write_hit_tracks(out / "hits", hits, one, chrom, start, strand, sizes)
        within = hits["sequence"].to_numpy(dtype=np.int64)
        hits_tables.append(hits.assign(task=names[one.target], sequence=one.rows[within]))
    hits = pd.concat(hits_tables, ignore_index=True)
    counts = hits.groupby("motif").size()
    is_pattern = summary["kind"] == "pattern"
    summary["hits"] = summary["name"].map(counts).fillna(0).astype("Int64").where(is_pattern)

    labels = _bed_names(summary, q_threshold)
    write_spans_bed(out / "hits.bed", hits, hits["motif"].map(labels), hits["score"], chrom,
                    start, strand, length=sequences.length)  # fmt: skip
    seqlets = _pattern_seqlets(attributed)
    write_spans_bed(out / "seqlets.bed", seqlets, seqlets["motif"].map(labels),
                    seqlets["score"], chrom, start, strand, length=sequences.length)  # fmt: skip

    write_meme(out / "patterns.meme", [p.motif() for p in patterns], alphabet=alphabet.symbols)
    write_meme(out / "filters.meme", filters, alphabet=alphabet.symbols)
    matches.to_csv(out / "matches.tsv", sep="\t", index=False)
    for kind in ("pattern", "filter"):
        table = summary[summary["kind"] == kind][COLUMNS[kind]]
        table.to_csv(out / f"{kind}s.tsv", sep="\t", index=False, na_rep="")

    for pattern in patterns:
        logos[pattern.name] = out / "logos" / f"{pattern.name}.png"
        plot.attribution_logo(
            pattern.cwm, alphabet=alphabet.name, title=f"{pattern.name} contribution",
            path=logos[pattern.name],
        )  # fmt: skip
        logos[f"{pattern.name}.sequence"] = out / "logos" / f"{pattern.name}.sequence.png"
        plot.motif_logo(pattern.motif(), alphabet=alphabet, path=logos[f"{pattern.name}.sequence"])
    named = summary[(summary["kind"] == "filter") & (summary["q_value"] <= q_threshold)]
    for name in named["name"][:max_filter_logos]:
        motif = filters[[m.name for m in filters].index(name)]
        logos[name] = out / "logos" / f"{name}.png"
        plot.motif_logo(motif, alphabet=alphabet, path=logos[name])

    results = MotifResults(patterns, filters, summary, matches, hits, logos=logos)
    if control:
        results.control = _control(
            step, model, database, results, null,
            min_sites=min_sites, q_threshold=q_threshold,
        )  # fmt: skip
        with atomic_write(out / "control.json") as handle:
            json.dump(results.control, handle, indent=2)
    return results


def _match(patterns: list[Pattern], filters: list[Motif], database, *, n_best: int):
    """Matches of the patterns and of the filters, each kind's q-values over all of its
    comparisons."""
    return pd.concat(
        [match_motifs([p.motif() for p in patterns], database, n_best=n_best),
         match_motifs(filters, database, n_best=n_best)],
        ignore_index=True,
    )  # fmt: skip


def _null_influence(model, X, targets: list[int], *, n_filters: int) -> np.ndarray:
    """The influences of ``model``'s first-layer filters permuted across positions (seeds 1,
    2, …; the control has seed 0), pooled until there are ``NULL_SIZE`` of them."""
    seeds = range(1, 1 + -(-NULL_SIZE // n_filters))
    return np.concatenate(
        [filter_influence(permute_filters(copy.deepcopy(model), random_state=seed), X,
                          targets=targets) for seed in seeds]
    )  # fmt: skip


def _empirical_p(influence: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Each filter's empirical p-value: the share of the null's filters (with one pseudo-count)
    whose influence is at least its own."""
    exceed = (null[None, :] >= influence[:, None]).sum(axis=1)
    return (1 + exceed) / (1 + len(null))


def _influential(filters: list[Motif], influence_p: np.ndarray) -> list[Motif]:
    return [f for f, p in zip(filters, influence_p, strict=True) if p <= INFLUENCE_P]


def _supported(patterns: list[Pattern]) -> list[Pattern]:
    return [p for p in patterns if p.share >= MIN_SHARE]


def _rows(scores: np.ndarray, n_top: int | None) -> np.ndarray:
    """Indices of the sequences to attribute for one target: all, or the ``n_top`` scored
    highest (in descending order of score)."""
    if n_top is None or n_top >= len(scores):
        return np.arange(len(scores))
    return np.argsort(-scores, kind="stable")[:n_top]


def _summary(
    patterns: list[Pattern],
    filters: list[Motif],
    influence: np.ndarray,
    influence_p: np.ndarray,
    matches: pd.DataFrame,
) -> pd.DataFrame:
    """One row per pattern, then per filter (by influence), with its best match."""
    rows = [
        {"kind": "pattern", "name": p.name, "task": p.name.rsplit(".", 1)[0], "sign": p.sign,
         "sites": len(p.seqlets), "share": p.share, "width": p.width}
        for p in patterns
    ]  # fmt: skip
    order = np.argsort(-influence, kind="stable")
    rows += [
        {"kind": "filter", "name": filters[k].name, "sites": filters[k].nsites,
         "width": filters[k].width, "influence": float(influence[k]),
         "influence_p": float(influence_p[k])}
        for k in order
    ]  # fmt: skip
    columns = ["kind", "name", "task", "sign", "sites", "share", "width", "influence",
               "influence_p"]  # fmt: skip
    summary = pd.DataFrame(rows, columns=columns)
    best = best_matches(matches)
    summary["sign"] = summary["sign"].astype("Int64")
    cores = {m.name: informative_core(m) for m in [p.motif() for p in patterns] + filters}
    core = summary["name"].map(lambda name: None if cores[name] is None else cores[name].width)
    summary["core"] = core.astype("Int64")
    summary["informative"] = summary["core"].notna()
    for column in ("target", "target_name", "p_value", "q_value"):
        summary[column] = summary["name"].map(best[column])
    return summary


def _bed_names(summary: pd.DataFrame, q_threshold: float) -> dict[str, str]:
    """Each pattern's BED name: ``TASK.pos0``, with ``/FACTOR`` where it is named."""
    labels = {}
    for row in summary[summary["kind"] == "pattern"].itertuples(index=False):
        named = row.q_value <= q_threshold and isinstance(row.target_name, str)
        labels[row.name] = f"{row.name}/{row.target_name}" if named else row.name
    return labels


def _pattern_seqlets(attributed: list[_Attributed]) -> pd.DataFrame:
    """Every pattern's seqlets, indexed into the input, with their summed contribution."""
    tables = []
    for one in attributed:
        for pattern in one.patterns:
            s = pattern.seqlets
            within = s["sequence"].to_numpy(dtype=np.int64)
            tables.append(s.assign(sequence=one.rows[within], motif=pattern.name))
    columns = ["sequence", "start", "end", "strand", "motif", "score"]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)


def _write_hit_tracks(folder: Path, hits, one: _Attributed, chrom, start, strand, sizes):
    """One bigWig per pattern of ``one``: the per-base contribution at its hits (``hits``
    index ``one``'s sequences), nothing elsewhere."""
    folder.mkdir(exist_ok=True)
    per_base = one.contributions.sum(axis=1)  # (n, L)
    rank = {name: i for i, name in enumerate(sizes)}
    for motif, mine in hits.groupby("motif", sort=True):
        local = mine["sequence"].to_numpy(dtype=np.int64)
        spans = genome_spans(
            mine.assign(sequence=one.rows[local]), chrom, start, strand, length=per_base.shape[1]
        )
        order = np.lexsort((spans["start"].to_numpy(), spans["chrom"].map(rank).to_numpy()))
        with bigwig_writer(folder / f"{motif}.bw", sizes) as writer:
            for j in order:
                n, a, b = local[j], int(mine["start"].iloc[j]), int(mine["end"].iloc[j])
                values = per_base[n, a:b]
                if strand[one.rows[n]] == "-":
                    values = values[::-1]
                writer.add(str(spans["chrom"].iloc[j]), int(spans["start"].iloc[j]), values)


def _own_sizes(sequences: SequenceSet) -> dict[str, int]:
    """Sequences without genome coordinates are their own chromosomes, named by id."""
    return {record_id: sequences.length for record_id in sequences.ids}


def _control(step, model, database, results: MotifResults, null, *, min_sites, q_threshold) -> dict:
    """The motif step on ``model`` with its first-layer filters permuted across positions
    (another permutation than the influence ``null``'s): how many patterns and filters it
    names, beside the real model's."""
    patterns, filters, influence, _ = step(permute_filters(copy.deepcopy(model)))
    keep = [k for k, f in enumerate(filters) if f.nsites >= min_sites]
    filters = [filters[k] for k in keep]
    influential = _influential(filters, _empirical_p(influence[keep], null))
    best = best_matches(_match(_supported(patterns), influential, database, n_best=1))
    named = set(best.index[best["q_value"] <= q_threshold])
    return {
        "model": "first-layer filters permuted across positions",
        "patterns": len(patterns),
        "patterns_named": sum(p.name in named for p in patterns),
        "filters": len(filters),
        "filters_named": sum(f.name in named for f in filters),
        "real_patterns_named": len(results.named("pattern", q_threshold)),
        "real_filters_named": len(results.named("filter", q_threshold)),
    }


def _logo_window(hits: pd.DataFrame, track: np.ndarray, x0: int) -> dict[str, int]:
    """``start``, ``end`` and ``x0`` of the window around the strongest hit of one sequence
    (else its most important base)."""
    if len(hits):
        best = hits.loc[hits["score"].abs().idxmax()]
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
    genome: str | Path | None = None,
    n_loci: int = 6,
    **options,
) -> MotifResults:
    """:func:`find_motifs` and its ``report.html`` (with ``details`` of the run), written to
    a folder that appears (or replaces an earlier one) only once everything in it is complete.
    With the ``genome`` the sequences come from, also ``browse.html``: an igv.js view of the
    ``n_loci`` strongest hits with every pattern's contribution track, the hits and the
    seqlets (:func:`~seqmodels.view.write_browse_html`). ``options`` go to
    :func:`find_motifs`.
    """
    out = Path(out)
    with atomic_directory(out) as staging:
        results = find_motifs(task, sequences, staging, database=database, **options)
        if genome is not None and (staging / "hits").is_dir():
            _write_browse(staging, genome, n_loci)
        write_report(staging / "report.html", results, details=details)
    results.logos = {name: out / path.relative_to(staging) for name, path in results.logos.items()}
    return results


def _write_browse(folder: Path, genome, n_loci: int) -> None:
    """``browse.html`` of the strongest hits (one locus per hit, 40 bp either side), with the
    contribution tracks of their patterns, the hits and the seqlets."""
    from seqmodels.io.bed import chrom_sizes
    from seqmodels.view import Locus, write_browse_html

    if not (folder / "hits.bed").stat().st_size:
        return
    hits = pd.read_csv(folder / "hits.bed", sep="\t", header=None)
    strongest = hits.iloc[np.argsort(-hits[4].to_numpy(), kind="stable")[:n_loci]]
    sizes = chrom_sizes(genome)
    patterns = dict.fromkeys(name.split("/")[0] for name in strongest[3])  # in order
    tracks = [folder / "hits" / f"{name}.bw" for name in patterns]
    loci = [
        Locus(str(chrom), max(int(start) - 40, 0), min(int(end) + 40, sizes[str(chrom)]))
        for chrom, start, end in strongest[[0, 1, 2]].itertuples(index=False)
    ]
    write_browse_html(
        folder / "browse.html", genome, loci, title="seqmodels motifs: the strongest hits",
        bigwigs=[track for track in tracks if track.exists()],
        beds=[folder / "hits.bed", folder / "seqlets.bed"], flank=60,
    )  # fmt: skip


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
