import json

import numpy as np
import pandas as pd
import pytest
import torch
from pages import needs_chromium, page_problems
from torch import nn

from seqmodels import SeqmodelsError, decode, one_hot_encode
from seqmodels.cli import main
from seqmodels.io.meme import Motif, read_meme, write_meme
from seqmodels.motifs import (
    best_matches,
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
    best = best_matches(matches)
    assert best.loc[ctcf.name, "target"] == ctcf.name and best.loc[ctcf.name, "q_value"] < 1e-35
    bzip = ("FOS", "JUN", "ATF", "BATF", "MAF", "NFE2", "BACH")
    names = matches[matches["query"] == "ap1"]["target_name"].str.upper()
    assert any(name.startswith(bzip) for name in names)
    assert (matches["q_value"] >= matches["p_value"]).all()


def train_spi1(path, *, permuted: bool):
    """A small CNN trained on sequences whose label is a planted SPI1 site (``permuted``: the
    same labels shuffled across sequences, which leaves nothing to learn)."""
    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    spi1 = next(m for m in jaspar_motifs() if m.name == "MA0080.7")
    rng = np.random.default_rng(0)
    records, labels = [], []
    for i in range(800):
        seq = rng.choice(list("ACGT"), 200)
        if i % 2:
            site = [rng.choice(list("ACGT"), p=column) for column in spi1.probs.T]
            start = rng.integers(0, 200 - len(site))
            seq[start : start + len(site)] = site
        records.append(f">chr{1 + i % 3}:{i * 1000}-{i * 1000 + 200}\n{''.join(seq)}\n")
        labels.append(i % 2)
    if permuted:
        labels = rng.permutation(labels)
    ids = [r.split("\n")[0][1:] for r in records]
    (path / "x.fa").write_text("".join(records))
    (path / "x.csv").write_text(
        "id,SPI1\n" + "".join(f"{i},{y}\n" for i, y in zip(ids, labels, strict=True))
    )
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


@pytest.fixture(scope="module")
def spi1_run(tmp_path_factory):
    return train_spi1(tmp_path_factory.mktemp("spi1"), permuted=False)


def run_motifs(run, out, *extra) -> int:
    return main(
        ["motifs", "--checkpoint", str(run / "run/checkpoints/best.ckpt"), "--fasta",
         str(run / "x.fa"), "--database", str(run / "jaspar.meme"), "--out", str(out), *extra]
    )  # fmt: skip


@pytest.mark.slow  # trains a model, compiles Tomtom and modisco-lite
def test_cli_motifs_names_the_planted_motif_and_writes_a_report(spi1_run, tmp_path, capsys):
    out = tmp_path / "motifs"
    assert run_motifs(spi1_run, out, "--chrom-sizes", str(spi1_run / "sizes")) == 2  # no file
    (spi1_run / "sizes").write_text("chr1\t1000000\nchr2\t1000000\nchr3\t1000000\n")
    assert run_motifs(spi1_run, out, "--chrom-sizes", str(spi1_run / "sizes")) == 0
    patterns = pd.read_csv(out / "patterns.tsv", sep="\t")
    first = patterns.iloc[0]
    assert first["name"] == "SPI1.pos0" and first["target"] == "MA0080.7"
    assert first["q_value"] < 0.05 and first["sites"] >= 50 and first["hits"] >= first["sites"] / 2
    assert first["share"] > 0.01 and patterns.loc[patterns["share"] < 0.01, "q_value"].isna().all()
    assert read_meme(out / "patterns.meme")[0].name == "SPI1.pos0"
    printed = capsys.readouterr().out
    assert "SPI1.pos0" in printed and "control (filters permuted)" in printed
    hits = pd.read_csv(out / "hits.bed", sep="\t", header=None)
    interval = hits[1] // 1000 * 1000  # FASTA ids chrN:start-end are genome coordinates
    assert set(hits[0]) <= {"chr1", "chr2", "chr3"} and (hits[2] <= interval + 200).all()
    spi1 = hits[hits[3] == "SPI1.pos0/Spi1"]  # the pattern and its JASPAR name
    assert len(spi1) and (spi1[5] == "+").mean() > 0.9  # the sites were planted forward
    assert (spi1[1] // 1000 % 2 == 1).mean() > 0.8  # mostly where a site was planted
    import pyBigWig

    with pyBigWig.open(str(out / "hits" / "SPI1.pos0.bw")) as bw:  # read back by libBigWig
        row = spi1.iloc[0]
        values = np.array(bw.values(row[0], int(row[1]), int(row[2])))
        assert np.isclose(values.sum(), row[4], atol=1e-4)  # the hit's summed contribution
    filters = pd.read_csv(out / "filters.tsv", sep="\t")  # by influence, the null's p beside
    assert filters["influence"].is_monotonic_decreasing and filters["influence"].sum() <= 1
    assert filters["influence_p"].iloc[0] <= 0.05 and filters["influence_p"].iloc[-1] > 0.05
    assert filters.loc[filters["influence_p"] > 0.05, "q_value"].isna().all()  # not matched
    control = json.loads((out / "control.json").read_text())
    assert control["real_patterns_named"] == 1 and control["filters"] == 16  # reported beside
    report = (out / "report.html").read_text()
    assert report.index("Seqlet patterns") < report.index("Filters (filters.tsv)")
    assert "MA0080.7" in report and "Negative control" in report
    assert (out / "logos" / "SPI1.pos0.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow  # trains two models, runs modisco-lite
def test_a_model_trained_on_permuted_labels_names_no_pattern_and_few_filters(spi1_run, tmp_path):
    permuted = train_spi1(tmp_path, permuted=True)
    assert run_motifs(permuted, tmp_path / "null", "--no-control") == 0
    assert run_motifs(spi1_run, tmp_path / "real", "--no-control") == 0
    named = {}
    for name in ("null", "real"):
        summary = pd.concat(
            [
                pd.read_csv(tmp_path / name / f"{kind}.tsv", sep="\t")
                for kind in ("patterns", "filters")
            ]
        )
        named[name] = summary[summary["q_value"] <= 0.05]["name"].tolist()
    assert not [n for n in named["null"] if ".pos" in n or ".neg" in n]
    null_filters = [n for n in named["null"] if n.startswith("filter")]
    real_filters = [n for n in named["real"] if n.startswith("filter")]
    assert real_filters and len(null_filters) <= len(real_filters) / 4


@pytest.mark.slow  # runs modisco-lite, then opens both pages in Chromium
@needs_chromium
def test_the_report_and_the_view_of_the_hits_open_in_a_real_browser(spi1_run, tmp_path):
    genome = {f"chr{k}": ["N"] * 800_200 for k in (1, 2, 3)}  # the records at their places
    lines = (spi1_run / "x.fa").read_text().splitlines()
    for header, seq in zip(lines[::2], lines[1::2], strict=True):
        chrom, span = header[1:].split(":")
        start = int(span.split("-")[0])
        genome[chrom][start : start + len(seq)] = seq
    (tmp_path / "genome.fa").write_text("".join(f">{c}\n{''.join(s)}\n" for c, s in genome.items()))
    out = tmp_path / "motifs"
    assert run_motifs(spi1_run, out, "--genome", str(tmp_path / "genome.fa")) == 0
    assert page_problems(out / "report.html") == []
    view = page_problems(out / "browse.html", tracks=["hits", "seqlets", "SPI1.pos0"])
    assert view == []
    report = (out / "report.html").read_text()  # one logo broken on purpose
    payload = report.split("src='data:image/png;base64,", 1)[1].split("'", 1)[0]
    (out / "report.html").write_text(report.replace(payload, "iVBORw0KGgoAAAA", 1))
    assert page_problems(out / "report.html") == [
        "image data:image/png;base64,iVBORw0KGgoAAAA is not decoded"
    ]
