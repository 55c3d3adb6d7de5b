"""Tracks written to bigWig/bedGraph/npz and read back at the right coordinates."""

import numpy as np
import pyBigWig
import pytest
import torch

from seqmodels import DNA, SeqmodelsError, to_indices
from seqmodels.attribution import attribute, importance_track
from seqmodels.cli import main
from seqmodels.data import SequenceSet
from seqmodels.encoding import codes_to_one_hot
from seqmodels.io.tracks import TrackMerger, bedgraph_writer, bigwig_writer
from seqmodels.models import build_model
from seqmodels.workflows.attribute import export_attributions

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


def test_cli_attribute_writes_a_bigwig_over_bed_intervals(tiny_run, tmp_path):
    out = tmp_path / "x.bw"
    status = run_attribute(tiny_run, "--method", "deeplift", "--target", "bound", "--out", out)
    assert status == 0
    bw = pyBigWig.open(str(out))
    assert bw.chroms() == {"chr1": 400, "chr2": 400, "chr3": 400}
    values = np.array(bw.values("chr1", 0, 390))
    assert np.isfinite(values).all() and np.abs(values).sum() > 0


def test_cli_attribute_rejects_an_unknown_target(tiny_run, tmp_path, capsys):
    status = run_attribute(tiny_run, "--target", "CTCF", "--out", tmp_path / "x.bw")
    assert status == 2
    assert "--target 'CTCF': not one of bound or 0–0" in capsys.readouterr().err
    assert not (tmp_path / "x.bw").exists()


# bigWig layout, read back with pyBigWig: several chromosomes (header order not sorted),
# overlapping and touching tracks, gaps, a track of zeros, tracks past either chromosome end.
GENOME = {"chr2": 30_000, "chr10": 20_000, "chrM": 1_000}


def genome_tracks():
    rng = np.random.default_rng(0)

    def track(n):
        return rng.normal(0, 1, n).astype(np.float32)

    adds = [("chr2", start, track(1000)) for start in range(-300, 10_000, 500)]  # overlapping
    adds += [("chr2", start, track(1000)) for start in range(12_000, 20_000, 1000)]  # touching
    adds += [("chr2", 21_000, np.zeros(1000, dtype=np.float32))]
    adds += [("chr2", 23_000, track(1000)), ("chr2", 24_500, track(1000))]
    adds += [("chr2", 29_500, track(1000))]  # past the end
    long = track(12_000)  # several data blocks in one run
    long[5000:7000] = 0
    adds += [("chr10", 0, long), ("chr10", 15_000, np.full(1000, 0.5))]  # float64 input
    return adds  # chrM: nothing


def expected_values(adds, sizes):
    """Per-base means (float32) per chromosome; NaN where no track covers a base."""
    sums = {chrom: np.zeros(size) for chrom, size in sizes.items()}
    counts = {chrom: np.zeros(size) for chrom, size in sizes.items()}
    for chrom, start, values in adds:
        lo, hi = max(start, 0), min(start + len(values), sizes[chrom])
        sums[chrom][lo:hi] += values[lo - start : hi - start]
        counts[chrom][lo:hi] += 1
    with np.errstate(invalid="ignore"):
        return {c: (sums[c] / counts[c]).astype(np.float32) for c in sizes}


def write_genome(path, adds=None, **options):
    with bigwig_writer(path, GENOME, **options) as writer:
        for chrom, start, values in genome_tracks() if adds is None else adds:
            writer.add(chrom, start, values)
    return pyBigWig.open(str(path))


@pytest.fixture
def small_layout(monkeypatch):
    """Tiny blocks, batches and index nodes, so that a small file has deep trees."""
    from seqmodels.io import bigwig

    for name, value in [
        ("_BATCH_VALUES", 700),
        ("_BLOCK_ITEMS", 97),
        ("_ZOOM_ITEMS", 5),
        ("_NODE_ITEMS", 3),
        ("_TASK_BLOCKS", 2),
        ("_CHUNK_BLOCKS", 2),
    ]:
        monkeypatch.setattr(bigwig, name, value)


@pytest.mark.parametrize("layout", ["default", "small"])
@pytest.mark.parametrize("threads", [1, 3])
def test_bigwig_reads_back_every_base_exactly(tmp_path, request, layout, threads):
    if layout == "small":
        request.getfixturevalue("small_layout")
    expected = expected_values(genome_tracks(), GENOME)
    bw = write_genome(tmp_path / "t.bw", threads=threads)
    assert list(bw.chroms().items()) == list(GENOME.items())  # ids in header order
    for chrom, size in GENOME.items():
        np.testing.assert_array_equal(
            np.array(bw.values(chrom, 0, size), np.float32), expected[chrom]
        )
    assert (bw.values("chr2", 21_000, 22_000) == np.zeros(1000)).all()  # zeros kept, not missing
    assert bw.values("chr2", 29_999, 30_000)[0] == expected["chr2"][-1]  # last base
    assert np.isnan(bw.values("chrM", 0, 1000)).all()
    intervals = bw.intervals("chr2", 23_990, 24_510)  # the gap 24,000–24,500 has no entry
    assert intervals[9][:2] == (23_999, 24_000) and intervals[10][:2] == (24_500, 24_501)
    bw.close()


@pytest.mark.parametrize(("compression", "zooms"), [("rle", 10), ("zlib", 10), ("none", 0)])
def test_bigwig_header_matches_pybigwig_s_own_writer(tmp_path, compression, zooms):
    expected = expected_values(genome_tracks(), GENOME)
    ours = write_genome(tmp_path / "ours.bw", compression=compression, zooms=zooms)
    theirs = pyBigWig.open(str(tmp_path / "theirs.bw"), "w")
    theirs.addHeader(list(GENOME.items()), maxZooms=0)
    for chrom, values in expected.items():
        covered = np.flatnonzero(np.diff(np.concatenate([[0], ~np.isnan(values), [0]])))
        for begin, end in zip(covered[::2], covered[1::2], strict=True):
            theirs.addEntries(chrom, int(begin), values=values[begin:end], span=1, step=1)
    theirs.close()
    theirs = pyBigWig.open(str(tmp_path / "theirs.bw"))
    levels = 7 if zooms else 0  # 16, 64, ..., 65,536 bases
    assert ours.header() == {**theirs.header(), "nLevels": levels}
    assert ours.header()["nBasesCovered"] == sum((~np.isnan(v)).sum() for v in expected.values())
    for chrom, size in GENOME.items():
        assert (
            ours.values(chrom, 0, size, numpy=True).tobytes()
            == theirs.values(chrom, 0, size, numpy=True).tobytes()
        )
        for stat in ("mean", "min", "max", "coverage", "std"):
            np.testing.assert_allclose(
                np.array(ours.stats(chrom, type=stat, exact=True), float),
                np.array(theirs.stats(chrom, type=stat, exact=True), float),
            )


def zoom_mean(values, size, start, end):
    """What a reader computes from zoom records of ``size`` bases over ``[start, end)``.

    Each record spans the covered bases of one bin (first to last) and is weighted by the
    fraction of it inside the query, as libBigWig does.
    """
    total = weight = 0.0
    for bin_start in range(0, len(values), size):
        chunk = values[bin_start : bin_start + size]
        covered = np.flatnonzero(~np.isnan(chunk))
        if not len(covered):
            continue
        lo, hi = bin_start + covered[0], bin_start + covered[-1] + 1
        overlap = min(hi, end) - max(lo, start)
        if overlap > 0:
            total += np.nansum(chunk.astype(np.float64)) * overlap / (hi - lo)
            weight += len(covered) * overlap / (hi - lo)
    return total / weight


@pytest.mark.parametrize("layout", ["default", "small"])
def test_bigwig_zoom_levels_summarize_the_values(tmp_path, request, layout):
    if layout == "small":
        request.getfixturevalue("small_layout")
    expected = expected_values(genome_tracks(), GENOME)
    bw = write_genome(tmp_path / "t.bw")
    assert bw.header()["nLevels"] == 7
    for chrom in ("chr2", "chr10"):
        values = expected[chrom]
        # Bins of twice a zoom level's size, aligned to it: the zoom records give exact stats.
        for size in (16, 64, 256, 1024, 4096):
            n_bins = len(values) // (2 * size)
            end = n_bins * 2 * size
            for stat in ("mean", "min", "max", "coverage", "std"):
                zoomed = bw.stats(chrom, 0, end, type=stat, nBins=n_bins)
                exact = bw.stats(chrom, 0, end, type=stat, nBins=n_bins, exact=True)
                np.testing.assert_allclose(
                    np.array(zoomed, float), np.array(exact, float), rtol=1e-4, atol=1e-5
                )
        # A window that cuts records: weighted by their share inside it (level 16 here).
        windows = {"chr2": [100, 12_345, 19_990, 23_950, 24_470], "chr10": [5003, 11_950, 14_950]}
        for start in windows[chrom]:
            zoomed = bw.stats(chrom, start, start + 100, type="mean")[0]
            assert zoomed == pytest.approx(zoom_mean(values, 16, start, start + 100), rel=1e-5)
    bw.close()


def test_bigwig_of_many_chromosomes_and_of_none_written(tmp_path):
    sizes = {f"s{i}": 50 + i for i in range(1000)}  # a chromosome tree of several nodes
    with bigwig_writer(tmp_path / "many.bw", sizes) as writer:
        for i in range(0, 1000, 7):
            writer.add(f"s{i}", 10, np.arange(20, dtype=np.float32) - 5)
    bw = pyBigWig.open(str(tmp_path / "many.bw"))
    assert list(bw.chroms().items()) == list(sizes.items())
    for i in range(0, 1000, 7):
        np.testing.assert_array_equal(bw.values(f"s{i}", 10, 30), np.arange(20) - 5)
    assert np.isnan(bw.values("s1", 0, 51)).all()
    bw.close()

    with bigwig_writer(tmp_path / "empty.bw", SIZES):
        pass
    bw = pyBigWig.open(str(tmp_path / "empty.bw"))
    assert bw.chroms() == SIZES and bw.header()["nBasesCovered"] == 0
    assert np.isnan(bw.values("chrA", 0, 40)).all()
    bw.close()


def test_bigwig_writer_rejects_tracks_out_of_order_or_past_the_end(tmp_path):
    from seqmodels.io.bigwig import BigWigWriter

    writer = BigWigWriter(tmp_path / "t.bw", SIZES)
    writer.write("chrA", 0, np.ones(5, dtype=np.float32))
    with pytest.raises(ValueError, match="out of order"):
        writer.write("chrB", 0, np.ones(5, dtype=np.float32))  # chrB comes before chrA
    with pytest.raises(ValueError, match="past the end"):
        writer.write("chrA", 38, np.ones(5, dtype=np.float32))
    writer.abort()


def test_bigwig_bytes_do_not_depend_on_batches_or_threads(tmp_path, monkeypatch):
    from seqmodels.io import bigwig

    write_genome(tmp_path / "one.bw", threads=1).close()
    monkeypatch.setattr(bigwig, "_BATCH_VALUES", 700)  # runs and zoom bins cut across batches
    monkeypatch.setattr(bigwig, "_TASK_BLOCKS", 1)
    monkeypatch.setattr(bigwig, "_CHUNK_BLOCKS", 1)  # zoom levels built a block at a time
    write_genome(tmp_path / "many.bw", threads=3).close()
    one, many = (tmp_path / "one.bw").read_bytes(), (tmp_path / "many.bw").read_bytes()
    summary = slice(64 + 24 * 10, 64 + 24 * 10 + 40)  # sums may differ in the last bit
    assert len(one) == len(many) and one[: summary.start] == many[: summary.start]
    assert one[summary.stop :] == many[summary.stop :]


@pytest.mark.usefixtures("small_layout")
def test_bigwig_zoom_records_are_not_all_held_in_memory(tmp_path, monkeypatch):
    """Zoom records are joined a batch or a chunk at a time, by way of scratch files."""
    from seqmodels.io import bigwig

    sizes = {"chrA": 100_000, "chrB": 60_000}
    runs = [(c, start) for c, size in sizes.items() for start in range(7, size - 50, 80)]
    joined = []  # how many records each join of zoom records was given
    join_bins = bigwig._join_bins

    def counting_join_bins(records, size):
        joined.append(len(records))
        return join_bins(records, size)

    monkeypatch.setattr(bigwig, "_join_bins", counting_join_bins)
    writer = bigwig.BigWigWriter(tmp_path / "t.bw", sizes, threads=1)
    for i, (chrom, start) in enumerate(runs):
        writer.write(chrom, start, np.arange(i, i + 50, dtype=np.float32))
    writer.close()
    finest = sum(len(np.unique(np.arange(s, s + 50) // 16)) for _, s in runs)
    assert finest == 8_000 and max(joined) < 100  # a batch's records at most
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.bw"]  # no scratch file left
    bw = pyBigWig.open(str(tmp_path / "t.bw"))
    assert bw.header()["nLevels"] == 8  # 16 to 262,144 bases
    for i in (0, len(runs) // 2, len(runs) - 1):
        chrom, start = runs[i]
        assert bw.values(chrom, start, start + 50) == list(range(i, i + 50))
        assert bw.stats(chrom, start - 7, start + 73, type="max")[0] == i + 49
    bw.close()

    writer = bigwig.BigWigWriter(tmp_path / "u.bw", sizes)
    writer.write("chrA", 0, np.ones(10_000, dtype=np.float32))
    writer.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.bw", "u.bw"]
