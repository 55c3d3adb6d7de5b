"""Genome scale: tiles, inputs read a chunk at a time, and work sharded over DDP processes,
each giving the same output as one process over inputs held in memory."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pyBigWig
import pytest

from seqmodels import SeqmodelsError
from seqmodels.checkpoint import load_task
from seqmodels.cli import main
from seqmodels.io.bed import tile_intervals
from seqmodels.workflows.inputs import load_inputs, open_inputs


def test_tiles_cover_every_base_and_end_at_the_region_end():
    tiles = tile_intervals({"a": 1000, "b": 250}, 300, 200)
    assert list(zip(tiles.chrom, tiles.start, tiles.end, strict=True)) == [
        ("a", 0, 300),
        ("a", 200, 500),
        ("a", 400, 700),
        ("a", 600, 900),
        ("a", 700, 1000),  # the last window ends at the chromosome end
        ("b", 0, 300),  # shorter than the window: one window, padded with N when read
    ]
    region = tile_intervals({"a": 1000}, 300, 300, ["a:100-700"])
    assert list(region.start) == [100, 400] and list(region.end) == [400, 700]
    with pytest.raises(SeqmodelsError, match="not within a chromosome"):
        tile_intervals({"a": 1000}, 300, 300, ["a:900-1200"])


def test_intervals_read_a_chunk_at_a_time_equal_the_ones_held_in_memory(tiny_run):
    task = load_task(tiny_run / "run/checkpoints/best.ckpt")
    held = load_inputs(task, bed=tiny_run / "x.bed", genome=tiny_run / "genome.fa")
    streamed = open_inputs(task, bed=tiny_run / "x.bed", genome=tiny_run / "genome.fa")
    assert len(streamed) == len(held) and streamed.length == held.length
    index = np.array([0, 5, len(held) - 1])
    np.testing.assert_array_equal(streamed.codes_at(index), held.codes[index])
    assert streamed.ids_at(index) == [held.ids[i] for i in index]


def run(tiny_run, command, *options):
    """``seqmodels COMMAND`` on the fixture's checkpoint and genome."""
    checkpoint = str(tiny_run / "run/checkpoints/best.ckpt")
    argv = [command, "--checkpoint", checkpoint, "--genome", str(tiny_run / "genome.fa")]
    return main(argv + [str(option) for option in options])


def test_predict_over_tiles_equals_predict_over_the_same_bed(tiny_run, tmp_path):
    tiles = tile_intervals({"chr2": 400}, 20, 7, ["chr2:13-200"])
    bed = pd.DataFrame({"chrom": tiles.chrom, "start": tiles.start, "end": tiles.end})
    bed.to_csv(tmp_path / "tiles.bed", sep="\t", header=False, index=False)
    tiled, listed = tmp_path / "tiled.tsv", tmp_path / "listed.tsv"
    assert run(tiny_run, "predict", "--tile", 7, "--region", "chr2:13-200", "--out", tiled) == 0
    assert run(tiny_run, "predict", "--bed", tmp_path / "tiles.bed", "--out", listed) == 0
    tiled, listed = pd.read_csv(tiled, sep="\t"), pd.read_csv(listed, sep="\t")
    assert tiled["id"].iloc[0] == "chr2:13-33" and len(tiled) == len(tiles)
    pd.testing.assert_frame_equal(tiled, listed)


def test_attribute_in_small_chunks_writes_the_same_bigwig(tiny_run, tmp_path):
    small, large = tmp_path / "small.bw", tmp_path / "large.bw"
    for out, chunk in ((small, 3), (large, 1000)):
        status = run(
            tiny_run, "attribute", "--tile", 10, "--method", "deeplift", "--target", "bound",
            "--chunk-size", chunk, "--out", out,
        )  # fmt: skip
        assert status == 0
    small, large = pyBigWig.open(str(small)), pyBigWig.open(str(large))
    for chrom in ("chr1", "chr2", "chr3"):
        values = np.array(small.values(chrom, 0, 400))
        assert np.isfinite(values).all() and np.abs(values).sum() > 0
        np.testing.assert_array_equal(values, large.values(chrom, 0, 400))


@pytest.mark.slow  # starts two DDP processes for each command (about 40 s)
def test_two_ddp_processes_write_what_one_process_writes(tiny_run, tmp_path):
    checkpoint = str(tiny_run / "run/checkpoints/best.ckpt")
    common = ["--checkpoint", checkpoint, "--genome", str(tiny_run / "genome.fa")]
    lines = (tiny_run / "x.bed").read_text().splitlines()
    (tmp_path / "three.bed").write_text("\n".join(lines[:4]) + "\n")  # one chunk of three
    (tmp_path / "one.bed").write_text("\n".join(lines[:2]) + "\n")  # fewer than the devices
    jobs = {
        "predict": ["--bed", str(tiny_run / "x.bed"), "--chunk-size", "5"],
        "attribute": ["--tile", "10", "--chunk-size", "7", "--method", "deeplift_shap"],
        "predict three": ["--bed", str(tmp_path / "three.bed")],
        "predict one": ["--bed", str(tmp_path / "one.bed")],
    }
    for job, options in jobs.items():
        command, suffix = job.split()[0], ".bw" if job == "attribute" else ".tsv"
        outputs = {}
        for devices in (1, 2):
            out = tmp_path / f"{job.replace(' ', '_')}{devices}{suffix}"
            argv = [sys.executable, "-m", "seqmodels", command, *common, *options]
            argv += ["--devices", str(devices), "--device", "cpu", "--out", str(out)]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr[-2000:]
            outputs[devices] = out
        assert ("distributed_backend=gloo" in done.stderr) == (job != "predict one")
        assert not list(tmp_path.glob(".*parts")) and not list(tmp_path.glob(".*.part"))
        if command == "predict":
            one, two = (pd.read_csv(outputs[d], sep="\t") for d in (1, 2))
            assert len(one) == {"predict": 114, "predict three": 3, "predict one": 1}[job]
            pd.testing.assert_frame_equal(one, two)
        else:
            one, two = (pyBigWig.open(str(outputs[d])) for d in (1, 2))
            for chrom in ("chr1", "chr2", "chr3"):
                np.testing.assert_array_equal(one.values(chrom, 0, 400), two.values(chrom, 0, 400))


def shuffled_bed(tiny_run, tmp_path):
    """The fixture's intervals in a random order (and so not in genome order)."""
    lines = (tiny_run / "x.bed").read_text().splitlines()
    order = np.random.default_rng(0).permutation(len(lines) - 1) + 1
    (tmp_path / "shuffled.bed").write_text("\n".join([lines[0], *(lines[i] for i in order)]) + "\n")
    return tmp_path / "shuffled.bed"


def test_predict_writes_rows_in_the_order_of_the_input(tiny_run, tmp_path):
    bed = shuffled_bed(tiny_run, tmp_path)
    assert (
        run(tiny_run, "predict", "--bed", bed, "--chunk-size", 7, "--out", tmp_path / "p.tsv") == 0
    )
    ids = pd.read_csv(tmp_path / "p.tsv", sep="\t")["id"].tolist()
    expected = [f"{c}:{s}-{e}" for c, s, e, _ in (line.split("\t") for line in
                bed.read_text().splitlines()[1:])]  # fmt: skip
    assert ids == expected and ids != sorted(ids)


def test_deeplift_shap_tracks_do_not_depend_on_chunks_batches_or_order(tiny_run, tmp_path):
    """The default method's shuffled references are drawn per sequence, not per call."""
    runs = {
        "one chunk": (tiny_run / "x.bed", 1000, 256),
        "chunks of 3, batches of 7": (tiny_run / "x.bed", 3, 7),
        "shuffled input": (shuffled_bed(tiny_run, tmp_path), 5, 32),
    }
    tracks = {}
    for name, (bed, chunk, batch) in runs.items():
        out = tmp_path / f"{len(tracks)}.bw"
        status = run(
            tiny_run, "attribute", "--bed", bed, "--target", "bound", "--chunk-size", chunk,
            "--batch-size", batch, "--out", out,
        )  # fmt: skip
        assert status == 0
        bw = pyBigWig.open(str(out))
        tracks[name] = np.concatenate([bw.values(c, 0, 400) for c in ("chr1", "chr2", "chr3")])
    first = tracks.pop("one chunk")
    assert np.isfinite(first).sum() > 1000 and np.abs(np.nan_to_num(first)).sum() > 0
    for name, values in tracks.items():
        np.testing.assert_allclose(values, first, rtol=1e-6, atol=1e-7, err_msg=name)
