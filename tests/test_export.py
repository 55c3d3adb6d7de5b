"""Tracks written to bigWig/bedGraph/npz and read back at the right coordinates."""

import numpy as np
import pyBigWig
import pytest
import torch

from seqmodels import DNA, SeqmodelsError, to_indices
from seqmodels.attribution import attribute, importance_track
from seqmodels.attribution.export import export_attributions
from seqmodels.cli import main
from seqmodels.data import SequenceSet
from seqmodels.encoding import codes_to_one_hot
from seqmodels.io.tracks import TrackMerger, bedgraph_writer, bigwig_writer
from seqmodels.models import build_model

SIZES = {"chrB": 50, "chrA": 40}  # header order is not alphabetical


def collect(chrom_sizes, adds):
    runs = []
    merger = TrackMerger(chrom_sizes, lambda c, s, v: runs.append((c, s, v.tolist())))
    for chrom, start, values in adds:
        merger.add(chrom, start, np.asarray(values, dtype=float))
    merger.close()
    return runs


def dense(runs, chrom):
    """Per-base values of ``chrom`` from emitted runs; NaN where nothing was written."""
    values = np.full(SIZES[chrom], np.nan)
    for name, start, run in runs:
        if name == chrom:
            assert np.isnan(values[start : start + len(run)]).all()  # each base written once
            values[start : start + len(run)] = run
    return values


def test_overlaps_are_averaged_and_gaps_kept():
    runs = collect(SIZES, [("chrB", 2, [1, 1, 1, 1]), ("chrB", 4, [3, 3, 3]), ("chrB", 10, [5])])
    expected = np.full(50, np.nan)
    expected[2:7], expected[10] = [1, 1, 2, 2, 3], 5
    np.testing.assert_array_equal(dense(runs, "chrB"), expected)
    assert [start for _, start, _ in runs] == sorted(start for _, start, _ in runs)


def test_positions_outside_the_chromosome_are_dropped():
    runs = collect(SIZES, [("chrA", -2, [1, 2, 3, 4]), ("chrA", 38, [7, 8, 9])])
    values = dense(runs, "chrA")
    np.testing.assert_array_equal(values[[0, 1, 38, 39]], [3, 4, 7, 8])
    assert np.isnan(values[2:38]).all()


def test_non_finite_values_are_an_error_not_a_nan_in_the_file():
    with pytest.raises(SeqmodelsError, match="non-finite values in the track at chrB:3"):
        collect(SIZES, [("chrB", 3, [1.0, np.nan])])


def test_bigwig_values_read_back_exactly(tmp_path):
    path = tmp_path / "t.bw"
    values = np.array([0.0, -1.5, 2.25, 0.0, 1e-3], dtype=np.float32)
    with bigwig_writer(path, SIZES) as writer:
        writer.add("chrB", 10, values)
        writer.add("chrB", 12, values)  # overlaps 12–15
        writer.add("chrA", 0, values)
    bw = pyBigWig.open(str(path))
    assert bw.chroms() == SIZES and bw.header()["nLevels"] > 0  # zoom levels kept
    expected = np.concatenate([values[:2], (values[2:] + values[:3]) / 2, values[3:]])
    np.testing.assert_array_equal(bw.values("chrB", 10, 17), expected.astype(np.float32))
    np.testing.assert_array_equal(bw.values("chrA", 0, 5), values)  # zeros kept
    assert np.isnan(bw.values("chrB", 0, 1)[0])  # not covered: no entry
    bw.close()


def test_bedgraph_merges_runs_of_equal_values(tmp_path):
    path = tmp_path / "t.bedGraph"
    with bedgraph_writer(path, SIZES) as writer:
        writer.add("chrB", 0, np.array([1, 1, 2, 2, 2], dtype=np.float32))
    lines = path.read_text().splitlines()
    assert lines[0].startswith("track type=bedGraph")
    assert lines[1:] == ["chrB\t0\t2\t1", "chrB\t2\t5\t2"]


def test_no_output_appears_when_writing_fails(tmp_path):
    path = tmp_path / "t.bw"
    with pytest.raises(RuntimeError), bigwig_writer(path, SIZES) as writer:
        writer.add("chrB", 0, np.ones(3, dtype=np.float32))
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def tiny_model():
    torch.manual_seed(0)
    return build_model("cnn", alphabet_size=4, n_outputs=2, filters=[4], kernel_sizes=[3]).eval()


def genomic_set():
    seqs = ["ACGTACGTAC", "TTGACGGCAT", "GGGCCCAATA"]
    chrom, start = np.array(["chrA", "chrB", "chrB"]), np.array([5, 20, 24])  # overlap 24–30
    ids = [f"{c}:{s}-{s + 10}" for c, s in zip(chrom, start, strict=True)]
    return SequenceSet(ids, to_indices(seqs), DNA, None, [], chrom, start)


def test_exported_bigwig_holds_the_tracks_at_their_coordinates(tmp_path):
    model, sequences = tiny_model(), genomic_set()
    options = {"method": "saliency", "target": 1, "device": "cpu"}
    export_attributions(
        model,
        sequences,
        tmp_path / "a.bw",
        fmt="bigwig",
        chrom_sizes=SIZES,
        chunk_size=2,
        **options,
    )
    X = codes_to_one_hot(torch.from_numpy(sequences.codes))
    track = importance_track(attribute(model, X, hypothetical=True, **options), X).numpy()
    bw = pyBigWig.open(str(tmp_path / "a.bw"))
    np.testing.assert_allclose(bw.values("chrA", 5, 15), track[0], rtol=1e-6)
    np.testing.assert_allclose(bw.values("chrB", 20, 24), track[1, :4], rtol=1e-6)
    np.testing.assert_allclose(
        bw.values("chrB", 24, 30), (track[1, 4:] + track[2, :6]) / 2, rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(bw.values("chrB", 30, 34), track[2, 6:], rtol=1e-6)


def test_npz_layout_is_what_modisco_reads(tmp_path):
    model, sequences = tiny_model(), genomic_set()
    export_attributions(
        model,
        sequences,
        tmp_path / "a.npz",
        fmt="npz",
        method="deeplift_shap",
        n_shuffles=3,
        device="cpu",
        chunk_size=2,
    )
    contributions = np.load(tmp_path / "a.npz")
    one_hot = np.load(tmp_path / "a_ohe.npz")
    assert list(contributions.keys()) == ["arr_0"] == list(one_hot.keys())
    assert contributions["arr_0"].shape == one_hot["arr_0"].shape == (3, 4, 10)
    np.testing.assert_array_equal(
        one_hot["arr_0"], codes_to_one_hot(torch.from_numpy(sequences.codes))
    )


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A briefly trained model on the tiny genome's intervals."""
    from seqmodels.config import load_config
    from seqmodels.train import train

    path = tmp_path_factory.mktemp("run")
    genome = path / "genome.fa"
    rng = np.random.default_rng(0)
    chroms = {name: "".join(rng.choice(list("ACGT"), 400)) for name in ("chr1", "chr2", "chr3")}
    genome.write_text("".join(f">{c}\n{s}\n" for c, s in chroms.items()))
    lines = [
        f"{c}\t{s}\t{s + 20}\t{int(i % 2)}"
        for i, (c, s) in enumerate((c, s) for c in chroms for s in range(0, 380, 10))
    ]
    (path / "x.bed").write_text("#chrom\tstart\tend\tbound\n" + "\n".join(lines) + "\n")
    config = load_config()
    config["data"].update(
        bed=str(path / "x.bed"),
        genome=str(genome),
        length=20,
        val_chroms=["chr2"],
        test_chroms=["chr3"],
    )
    config["model"] = {"name": "cnn", "filters": [4], "kernel_sizes": [3], "dense": []}
    config["trainer"].update(
        max_epochs=1, accelerator="cpu", enable_progress_bar=False, enable_model_summary=False
    )
    train(config, path / "run")
    return path


def run_attribute(run, *options) -> int:
    """``seqmodels attribute`` on the fixture's checkpoint, BED and genome."""
    return main(
        [
            "attribute",
            "--checkpoint",
            str(run / "run/checkpoints/best.ckpt"),
            "--bed",
            str(run / "x.bed"),
            "--genome",
            str(run / "genome.fa"),
            *map(str, options),
        ]
    )


def test_cli_attribute_writes_a_bigwig_over_bed_intervals(checkpoint, tmp_path):
    out = tmp_path / "x.bw"
    status = run_attribute(checkpoint, "--method", "deeplift", "--target", "bound", "--out", out)
    assert status == 0
    bw = pyBigWig.open(str(out))
    assert bw.chroms() == {"chr1": 400, "chr2": 400, "chr3": 400}
    values = np.array(bw.values("chr1", 0, 390))
    assert np.isfinite(values).all() and np.abs(values).sum() > 0


def test_cli_attribute_rejects_an_unknown_target(checkpoint, tmp_path, capsys):
    status = run_attribute(checkpoint, "--target", "CTCF", "--out", tmp_path / "x.bw")
    assert status == 2
    assert "--target 'CTCF': not one of bound or 0–0" in capsys.readouterr().err
    assert not (tmp_path / "x.bw").exists()
