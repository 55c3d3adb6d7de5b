import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from seqmodels import SeqmodelsError, decode, one_hot_encode, to_indices
from seqmodels.cli import main
from seqmodels.io.meme import Motif, read_meme, write_meme
from seqmodels.motifs import (
    best_matches,
    call_seqlets,
    cluster_seqlets,
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


def test_seqlet_clusters_recover_planted_kmers_read_on_either_strand():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (400, 80)).astype(np.uint8)
    gata, ebox = (to_indices([site])[0] for site in ("AGATAAGA", "CACGTG"))
    rows = []
    for i in range(300):
        site = gata if i < 200 else ebox
        if i % 2:  # half of the GATA sites on the other strand
            site = 3 - site[::-1]
        start = rng.integers(5, 80 - len(site) - 5)
        codes[i, start : start + len(site)] = site
        rows.append((i, start - 2, start + len(site) + 2, 1, 1.0))
    rows.append((0, 0, 4, -1, -1.0))  # negative seqlets are not clustered
    seqlets = pd.DataFrame(rows, columns=["sequence", "start", "end", "sign", "score"])
    motifs = cluster_seqlets(seqlets, codes, k=6, flank=4, min_seqlets=20)
    assert [m.nsites for m in motifs] == [200, 100]
    consensus = [decode(torch.from_numpy(m.probs[None]))[0] for m in motifs]
    assert consensus[0] in ("AGATAAGA", "TCTTATCT")  # the seed's strand, trimmed to the site
    assert consensus[1] == "CACGTG"
    assert motifs[0].information_content().min() > 1.9


@pytest.mark.slow  # memelite compiles its Tomtom with numba on first use (~35 s)
def test_jaspar_matching_names_motifs():
    database = jaspar_motifs()
    assert len(database) > 800 and all(m.probs.shape[0] == 4 for m in database)
    ctcf = next(m for m in database if m.name.startswith("MA0139"))
    ap1 = Motif("ap1", one_hot_encode("TGACTCA")[0].numpy() * 0.9 + 0.025)
    matches = match_motifs([ctcf, ap1], database, n_best=5)
    best = best_matches(matches)
    assert best.loc[ctcf.name, "target"] == ctcf.name and best.loc[ctcf.name, "q_value"] < 1e-40
    bzip = ("FOS", "JUN", "ATF", "BATF", "MAF", "NFE2", "BACH")
    names = matches[matches["query"] == "ap1"]["target_name"].str.upper()
    assert any(name.startswith(bzip) for name in names)
    assert (matches["q_value"] >= matches["p_value"]).all()


@pytest.fixture(scope="module")
def spi1_run(tmp_path_factory):
    """A small CNN trained on sequences where the label is a planted SPI1 site."""
    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    path = tmp_path_factory.mktemp("spi1")
    spi1 = next(m for m in jaspar_motifs() if m.name == "MA0080.7")
    rng = np.random.default_rng(0)
    records, labels = [], []
    for i in range(800):
        seq = rng.choice(list("ACGT"), 60)
        if i % 2:
            site = [rng.choice(list("ACGT"), p=column) for column in spi1.probs.T]
            start = rng.integers(0, 60 - len(site))
            seq[start : start + len(site)] = site
        records.append(f">chr{1 + i % 3}:{i * 100}-{i * 100 + 60}\n{''.join(seq)}\n")
        labels.append(f"chr{1 + i % 3}:{i * 100}-{i * 100 + 60},{i % 2}\n")
    (path / "x.fa").write_text("".join(records))
    (path / "x.csv").write_text("id,SPI1\n" + "".join(labels))
    write_meme(path / "jaspar.meme", jaspar_motifs())  # as a user's own database
    config = load_config()
    config["data"].update(
        fasta=str(path / "x.fa"), labels=str(path / "x.csv"), val_chroms=["chr2"], test_fraction=0
    )
    config["model"] = {"name": "cnn", "filters": [16], "kernel_sizes": [11], "dense": []}
    config["optim"].update(lr=0.01)
    config["trainer"].update(
        max_epochs=8, accelerator="cpu", enable_progress_bar=False, enable_model_summary=False
    )
    assert train(config, path / "run") == {}  # no test split: no test metrics
    assert not (path / "run" / "test_metrics.json").exists()
    return path


@pytest.mark.slow  # trains a model, compiles Tomtom
def test_cli_motifs_names_the_planted_motif_and_writes_a_report(spi1_run, tmp_path, capsys):
    out = tmp_path / "motifs"
    status = main(
        [
            "motifs",
            "--checkpoint",
            str(spi1_run / "run/checkpoints/best.ckpt"),
            "--fasta",
            str(spi1_run / "x.fa"),
            "--database",
            str(spi1_run / "jaspar.meme"),
            "--top",
            "200",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    matches = pd.read_csv(out / "matches.tsv", sep="\t")
    best = matches[(matches["rank"] == 1) & matches["query"].str.startswith("SPI1.cluster")]
    assert best.iloc[0]["target"] == "MA0080.7" and best.iloc[0]["q_value"] < 0.05
    clusters = read_meme(out / "clusters.meme")
    assert clusters[0].name == "SPI1.cluster0" and clusters[0].nsites >= 50
    assert "SPI1.cluster0" in capsys.readouterr().out
    bed = pd.read_csv(out / "seqlets.bed", sep="\t", header=None)
    interval = bed[1] // 100 * 100  # FASTA ids chrN:start-end are genome coordinates
    assert set(bed[0]) <= {"chr1", "chr2", "chr3"} and (bed[2] <= interval + 60).all()
    assert set(bed[3]) <= {"SPI1:positive", "SPI1:negative"}
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") >= 4 and "MA0080.7" in report
    assert (out / "logos" / "SPI1.cluster0.png").read_bytes().startswith(b"\x89PNG")
