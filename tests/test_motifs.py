import numpy as np
import pytest
import torch
from torch import nn

from seqmodels import SeqmodelsError, decode, one_hot_encode
from seqmodels.io.meme import Motif, read_meme, write_meme
from seqmodels.motifs import (
    call_seqlets,
    filter_motifs,
    jaspar_motifs,
    match_motifs,
    write_seqlets_bed,
)


def test_meme_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    motifs = [
        Motif("MA0139.2", rng.dirichlet(np.ones(4), size=15).T, alt="CTCF", nsites=120),
        Motif("filter3", rng.dirichlet(np.ones(4), size=7).T),
    ]
    write_meme(tmp_path / "m.meme", motifs)
    text = (tmp_path / "m.meme").read_text()
    assert text.startswith("MEME version 4\n\nALPHABET= ACGT")
    back = read_meme(tmp_path / "m.meme")
    assert [(m.name, m.alt, m.nsites) for m in back] == [
        ("MA0139.2", "CTCF", 120),
        ("filter3", None, None),
    ]
    for original, read in zip(motifs, back, strict=True):
        np.testing.assert_allclose(read.probs, original.probs, atol=1e-6)


def test_meme_errors_name_the_motif(tmp_path):
    (tmp_path / "bad.meme").write_text(
        "MEME version 4\n\nMOTIF x\n"
        "letter-probability matrix: alength= 4 w= 2\n0.25 0.25 0.25 0.25\n"
    )
    with pytest.raises(SeqmodelsError, match="motif x: expected 2 rows"):
        read_meme(tmp_path / "bad.meme")


def test_information_content():
    uniform = Motif("u", np.full((4, 3), 0.25))
    certain = Motif("c", np.eye(4)[:, :3])
    np.testing.assert_allclose(uniform.information_content(), 0, atol=1e-9)
    np.testing.assert_allclose(certain.information_content(), 2, atol=1e-6)


def test_a_hand_set_filter_recovers_the_motif_it_encodes():
    site = "TGACTCA"
    conv = nn.Conv1d(4, 2, len(site), padding=3)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0] = one_hot_encode(site)[0] * 2 - 1  # +1 for the site's base, −1 otherwise
        conv.bias.fill_(-len(site) + 1.5)  # positive only for the exact site (score 7 − 5.5)
    model = nn.Sequential(conv, nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(2, 1))
    rng = np.random.default_rng(0)
    seqs = []
    for i in range(200):
        seq = list(rng.choice(list("ACGT"), 60))
        if i % 2 == 0:
            start = rng.integers(0, 60 - len(site))
            seq[start : start + len(site)] = site
        seqs.append("".join(seq))
    motifs = filter_motifs(model, one_hot_encode(seqs))
    assert motifs[0].nsites >= 100 and motifs[0].width == len(site)
    assert decode(torch.from_numpy(motifs[0].probs[None]))[0] == site
    assert motifs[0].information_content().min() > 1.5
    assert motifs[1].nsites == 0  # an all-zero filter never fires


def test_seqlets_are_found_exactly_on_a_synthetic_track():
    tracks = np.zeros((3, 100))
    tracks[0, 20:30] = 1.0  # a positive span
    tracks[1, 50:55] = -2.0  # a negative span
    tracks[1, 80:84] = 0.5
    tracks[1, 86:90] = 0.5  # two spans 2 apart: merged
    seqlets = call_seqlets(tracks, window=1, threshold=0.25, merge_distance=3)
    assert seqlets.to_dict("records") == [
        {"sequence": 0, "start": 20, "end": 30, "sign": 1, "score": 10.0},
        {"sequence": 1, "start": 50, "end": 55, "sign": -1, "score": -10.0},
        {"sequence": 1, "start": 80, "end": 90, "sign": 1, "score": 4.0},
    ]


def test_seqlets_against_a_null_find_a_planted_span_in_noise():
    rng = np.random.default_rng(1)
    tracks = rng.normal(0, 0.1, (50, 200))
    tracks[:, 100:110] += 1.0
    seqlets = call_seqlets(tracks, window=5, fdr=0.001)
    assert set(seqlets["sequence"]) == set(range(50))
    hits = seqlets[seqlets["sign"] > 0]
    assert ((hits["start"] <= 100) & (hits["end"] >= 110)).sum() >= 45
    assert len(seqlets) < 70  # few calls in the noise


def test_seqlets_bed_uses_genome_coordinates(tmp_path):
    seqlets = call_seqlets(np.array([[0, 0, 3.0, 3.0, 0]]), window=1, threshold=1)
    write_seqlets_bed(tmp_path / "s.bed", seqlets, np.array(["chr2"]), np.array([1000]))
    assert (tmp_path / "s.bed").read_text() == "chr2\t1002\t1004\tpositive\t6.0\t.\n"


@pytest.mark.slow  # memelite compiles its Tomtom with numba on first use (~35 s)
def test_jaspar_matching_names_motifs():
    database = jaspar_motifs()
    assert len(database) > 800 and all(m.probs.shape[0] == 4 for m in database)
    ctcf = next(m for m in database if m.name.startswith("MA0139"))
    ap1 = Motif("ap1", one_hot_encode("TGACTCA")[0].numpy() * 0.9 + 0.025)
    matches = match_motifs([ctcf, ap1], database, n_best=5)
    best = matches[matches["rank"] == 1].set_index("query")
    assert best.loc[ctcf.name, "target"] == ctcf.name and best.loc[ctcf.name, "q_value"] < 1e-40
    bzip = ("FOS", "JUN", "ATF", "BATF", "MAF", "NFE2", "BACH")
    names = matches[matches["query"] == "ap1"]["target_name"].str.upper()
    assert any(name.startswith(bzip) for name in names)
    assert (matches["q_value"] >= matches["p_value"]).all()
