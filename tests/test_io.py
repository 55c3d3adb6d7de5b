import gzip
import os
import stat

import numpy as np
import pytest

from seqmodels.data import load_sequences, read_records
from seqmodels.io.atomic import atomic_write
from seqmodels.io.bed import fetch_sequences, read_bed
from seqmodels.io.coords import parse_interval_id
from seqmodels.io.fasta import read_fasta, write_fasta
from seqmodels.io.labels import read_labels


def test_read_fasta_joins_lines_and_keeps_case(data_dir):
    ids, seqs = read_fasta(data_dir / "tiny.fa")
    assert ids == ["seq1", "seq2", "chr1:10-14"]
    assert seqs == ["ACGTACGTacgt", "NNRYacgt", "TTGA"]


def test_fasta_round_trip_through_gzip(tmp_path):
    write_fasta(tmp_path / "x.fa", ["a", "b"], ["ACGT" * 20, "ac"], width=7)
    lines = (tmp_path / "x.fa").read_text().splitlines()
    assert lines[1] == "ACGTACG" and max(map(len, lines)) == 7
    with open(tmp_path / "x.fa", "rb") as src, gzip.open(tmp_path / "x.fa.gz", "wb") as dst:
        dst.write(src.read())
    assert read_fasta(tmp_path / "x.fa.gz") == (["a", "b"], ["ACGT" * 20, "ac"])


@pytest.mark.parametrize("name", ["tiny_labels.csv", "tiny_labels.tsv"])
def test_read_labels_csv_and_tsv(data_dir, name):
    labels = read_labels(data_dir / name)
    assert list(labels.columns) == ["bound", "score"]
    assert labels.loc["seq1", "score"] == 0.5
    assert np.isnan(labels.loc["seq2", "score"])
    assert labels.dtypes.unique().tolist() == [np.float32]


def test_interval_ids():
    assert parse_interval_id("chr1:100-200") == ("chr1", 100, 200)
    assert parse_interval_id("chrX:5-9(+)") == ("chrX", 5, 9)
    assert parse_interval_id("seq1") is None


def test_fasta_set_with_labels(data_dir):
    records = read_records(fasta=data_dir / "tiny.fa", labels=data_dir / "tiny_labels.csv")
    assert records.task_names == ["bound", "score"]
    np.testing.assert_array_equal(records.targets[:, 0], [1, 0, 1])
    assert records.chrom is None  # not every id carries coordinates


def test_getfasta_ids_give_coordinates_of_the_encoded_window(tmp_path):
    write_fasta(tmp_path / "g.fa", ["chr1:100-104", "chr2:10-16"], ["ACGT", "ACGTAC"])
    sequences = load_sequences(fasta=tmp_path / "g.fa", length=4)
    assert list(sequences.chrom) == ["chr1", "chr2"]
    np.testing.assert_array_equal(sequences.start, [100, 11])  # centred window of 4 in 6


def test_read_bed_header_names_the_tasks(data_dir):
    intervals = read_bed(data_dir / "tiny.bed")
    assert list(intervals.labels.columns) == ["bound", "score"]
    np.testing.assert_array_equal(intervals.start, [0, 0, 96])
    assert np.isnan(intervals.labels["score"][1])


def test_bed_without_header_gets_default_task_names(tmp_path):
    (tmp_path / "x.bed").write_text("chrA\t0\t4\t1\t0\n")
    assert list(read_bed(tmp_path / "x.bed").labels.columns) == ["label1", "label2"]


def test_narrowpeak_resizes_around_the_summit(data_dir):
    peaks = read_bed(data_dir / "peaks.narrowPeak").resized(6)
    np.testing.assert_array_equal(peaks.start, [11, 17])  # summit 10+4; no summit: centre 20
    np.testing.assert_array_equal(peaks.end, [17, 23])
    assert peaks.labels.shape[1] == 0


def test_bed_sequences_come_from_the_genome(data_dir, genome):
    intervals = read_bed(data_dir / "tiny.bed")
    seqs, kept = fetch_sequences(genome, intervals)
    assert seqs == ["ACGTACGT", "tttttGGGGG", "ACGT"]
    assert len(kept) == 3


def test_intervals_past_a_chromosome_end_are_padded_or_dropped(data_dir, genome, caplog):
    intervals = read_bed(data_dir / "tiny.bed").resized(10)  # chrA -1..9 and 93..103 (of 100)
    seqs, _ = fetch_sequences(genome, intervals, out_of_bounds="pad")
    assert seqs == ["NACGTACGTA", "tttttGGGGG", "CGTACGTNNN"]
    assert "2 interval(s) run past a chromosome end: padded with N" in caplog.text
    seqs, kept = fetch_sequences(genome, intervals, out_of_bounds="drop")
    assert len(seqs) == len(kept) == 1 and kept.chrom[0] == "chrB"


def test_bed_set_labels_and_coordinates(data_dir, genome):
    sequences = load_sequences(bed=data_dir / "tiny.bed", genome=genome, length=4)
    assert sequences.ids == ["chrA:2-6", "chrB:3-7", "chrA:96-100"]
    np.testing.assert_array_equal(sequences.start, [2, 3, 96])
    np.testing.assert_array_equal(sequences.targets[:, 0], [1, 0, 1])


def test_atomic_outputs_get_ordinary_permissions_and_vanish_on_error(tmp_path):
    mask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "out.tsv") as handle:
            handle.write("a\n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "out.tsv").stat().st_mode) == 0o644
    with pytest.raises(RuntimeError), atomic_write(tmp_path / "never.tsv") as handle:
        handle.write("half")
        raise RuntimeError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tsv"]
