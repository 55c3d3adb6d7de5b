"""Hand-built cases for the motif step's parts that TF-MoDISco does not do: informative cores,
matching coverage and run-wide q-values, the permuted-filter control, hits and their genome
coordinates."""

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from seqmodels import one_hot_encode
from seqmodels.io.coords import genome_spans
from seqmodels.io.meme import Motif
from seqmodels.motifs.filters import filter_influence, permute_filters
from seqmodels.motifs.hits import find_hits
from seqmodels.motifs.matching import _benjamini_hochberg, informative_core, match_motifs
from seqmodels.motifs.modisco import Pattern


def ppm(site: str, *, certainty: float = 0.97) -> np.ndarray:
    """A PPM ``(4, W)`` of a consensus, ``N`` columns uniform."""
    columns = []
    for base in site:
        if base == "N":
            columns.append(np.full(4, 0.25))
        else:
            column = np.full(4, (1 - certainty) / 3)
            column["ACGT".index(base)] = certainty
            columns.append(column)
    return np.array(columns).T


def decoys(n: int = 40, seed: int = 1) -> list[Motif]:
    """Random database motifs (Tomtom's p-values need a database of 25 or more)."""
    rng = np.random.default_rng(seed)
    return [Motif(f"decoy{i}", rng.dirichlet(np.full(4, 0.5), size=10).T) for i in range(n)]


def test_the_informative_core_drops_flat_flanks_and_diffuse_profiles():
    motif = Motif("m", ppm("NNNNTGACTCANNNN"))
    core = informative_core(motif)
    assert core is not None and core.width == 7
    np.testing.assert_allclose(core.probs, motif.probs[:, 4:11])
    rng = np.random.default_rng(0)
    diffuse = rng.dirichlet(np.full(4, 30.0), size=30).T  # ~0.05 bits a column, 30 columns
    assert informative_core(Motif("diffuse", diffuse)) is None
    assert informative_core(Motif("short", ppm("NNGATNN"))) is None  # three columns
    weak = ppm("TGACTCA", certainty=0.5)  # seven columns of 0.6 bits: 4.2 bits in all
    assert informative_core(Motif("weak", weak)) is None


def test_a_match_must_cover_most_of_the_core():
    query = Motif("q", ppm("TTGACGTCATCG"))
    part = Motif("part", ppm("TGACG"), alt="covers 5 of 12")
    whole = Motif("whole", ppm("ATTGACGTCATCGA"), alt="covers all")
    unrelated = Motif("other", ppm("CCCCGGGGAAAA"), alt="unrelated")
    matches = match_motifs([query], [part, whole, unrelated, *decoys()], n_best=43)
    ranked = matches.set_index("target")
    assert matches.iloc[0]["target"] == "whole" and matches.iloc[0]["q_value"] < 0.05
    assert ranked.loc["part", "p_value"] == 1.0  # aligned, but on 5 of 12 columns
    assert (matches["core"] == 12).all()


def test_uninformative_queries_are_not_matched_and_q_values_span_the_run():
    sites = ["TGACTCAT", "GATAAGAT", "CACGTGAC", "CCGGAAGT", "TTTGCATA"]
    database = [Motif(f"t{i}", ppm(site)) for i, site in enumerate(sites)]
    queries = [
        Motif("ap1", ppm("NTGACTCAN")),
        Motif("gata", ppm("GATAAGA")),
        Motif("flat", np.full((4, 12), 0.25)),
    ]
    database += decoys()
    matches = match_motifs(queries, database, n_best=len(database))
    assert set(matches["query"]) == {"ap1", "gata"}
    p = matches.sort_values(["query", "target"])["p_value"].to_numpy()
    q = matches.sort_values(["query", "target"])["q_value"].to_numpy()
    np.testing.assert_allclose(q, _benjamini_hochberg(p))  # one correction over all the pairs
    best = matches[matches["rank"] == 1].set_index("query")["target"]
    assert best.to_dict() == {"ap1": "t0", "gata": "t1"}


def test_the_control_permutes_each_filter_across_positions_only():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(4, 3, 7, padding=3), nn.ReLU(), nn.AdaptiveMaxPool1d(1))
    before = model[0].weight.detach().clone()
    permuted = permute_filters(model)[0].weight.detach()
    assert not torch.equal(before, permuted)
    for k in range(3):  # the same columns, in another order
        columns = sorted(map(tuple, before[k].T.tolist()))
        assert columns == sorted(map(tuple, permuted[k].T.tolist()))


def test_filter_influence_is_the_mean_change_of_the_output_each_filter_makes():
    conv = nn.Conv1d(4, 3, 3, padding=1)
    torch.manual_seed(0)
    head = nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        head.weight[:] = torch.tensor([[0.0, 1.0, -2.0]])  # filter 0 is never read
    model = nn.Sequential(conv, nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(), head)
    x = one_hot_encode(["ACGTTGCA", "GGGATTAC", "TTTTACGA"])
    influence = filter_influence(model, x, targets=[0, 0])
    with torch.no_grad():  # linear after the ReLU: the change is exact, w_k (mean_l a − ā)
        a = model[1](conv(x))  # (3, K, L)
        change = (a.mean(dim=2) - a.mean(dim=(0, 2))) * head.weight[0]
    np.testing.assert_allclose(influence, change.abs().mean(dim=0).numpy(), rtol=1e-5)
    assert influence[0] == 0


def planted(n=60, length=50, seed=0):
    """Contributions ``(n, 4, L)``: small noise, and a copy of a 6-column CWM at known places,
    forward or reverse-complemented."""
    rng = np.random.default_rng(seed)
    cwm = np.zeros((4, 6))
    cwm[[0, 2, 3, 3, 1, 0], np.arange(6)] = [1.0, 0.8, 1.2, 0.9, 1.0, 0.7]  # AGTTCA
    contributions = rng.normal(0, 0.01, (n, 4, length)) * np.eye(4)[
        rng.integers(0, 4, (n, length))
    ].transpose(0, 2, 1)
    truth = []
    for i in range(n):
        if i % 3 == 2:
            continue  # no site
        start = int(rng.integers(0, length - 6))
        strand = "+" if i % 2 else "-"
        site = cwm if strand == "+" else cwm[::-1, ::-1]  # reverse complement: rows ACGT→TGCA
        contributions[i, :, start : start + 6] = site
        truth.append((i, start, start + 6, strand))
    seqlets = pd.DataFrame(truth[:20], columns=["sequence", "start", "end", "strand"])
    per_base = contributions.sum(axis=1)
    score = [per_base[i, start:end].sum() for i, start, end, _ in truth[:20]]
    share = float(np.abs(score).sum() / np.abs(per_base).sum())
    ppm = np.abs(cwm) / np.abs(cwm).sum(0)
    return contributions, Pattern("T.pos0", 1, ppm, cwm, seqlets.assign(score=score), share), truth


def test_hits_are_found_where_the_pattern_was_planted_on_either_strand():
    contributions, pattern, truth = planted()
    hits = find_hits([pattern], contributions)
    found = list(hits[["sequence", "start", "end", "strand"]].itertuples(index=False, name=None))
    assert found == truth
    assert (hits["motif"] == "T.pos0").all() and np.allclose(hits["score"], 5.6, atol=0.1)
    assert (hits["similarity"] > 0.95).all()


def test_negative_patterns_hit_only_negative_contributions_and_hits_do_not_overlap():
    contributions, pattern, truth = planted()
    negative = dataclasses.replace(pattern, name="T.neg0", sign=-1, cwm=-pattern.cwm)
    assert find_hits([negative], contributions).empty  # the planted sites raise the output
    flipped = find_hits([negative], -contributions)
    assert len(flipped) == len(truth) and (flipped["score"] < 0).all()
    weaker = dataclasses.replace(pattern, name="T.pos1", cwm=pattern.cwm * 0.9)
    both = find_hits([pattern, weaker], contributions)
    assert len(both) == len(truth)  # each site once, by the pattern it scores highest for
    for _, group in both.groupby("sequence"):
        spans = sorted(zip(group["start"], group["end"], strict=True))
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_spans_map_to_the_genome_with_their_strand():
    spans = pd.DataFrame({"sequence": [0, 1, 1], "start": [2, 2, 10], "end": [8, 8, 16],
                          "strand": ["+", "+", "-"]})  # fmt: skip
    chrom, start, strand = np.array(["chr1", "chr2"]), np.array([100, 500]), np.array([".", "-"])
    mapped = genome_spans(spans, chrom, start, strand, length=20)
    assert mapped.to_dict("list") == {
        "chrom": ["chr1", "chr2", "chr2"],
        "start": [102, 512, 504],  # on −, position p of the read is 500 + 20 − p − 1
        "end": [108, 518, 510],
        "strand": ["+", "-", "+"],
    }
    with pytest.raises(ValueError, match="length"):
        genome_spans(spans, chrom, start, strand, length=None)
