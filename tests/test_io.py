import gzip
import os
import stat

import numpy as np
import pytest

from seqmodels import SeqmodelsError
from seqmodels.data import load_sequences, read_records
from seqmodels.io.atomic import atomic_paths, atomic_write
from seqmodels.io.bed import chrom_sizes, open_genome, place_on_genome, read_bed, read_sequences
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
    assert parse_interval_id("chr1:100-200") == ("chr1", 100, 200, ".")
    assert parse_interval_id("chrX:5-9(+)") == ("chrX", 5, 9, "+")
    assert parse_interval_id("chrX:5-9(-)") == ("chrX", 5, 9, "-")
    assert parse_interval_id("seq1") is None
    assert parse_interval_id("chr1:200-100") is None  # not an interval: a name


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


def fetch(genome, intervals, **options):
    placed = place_on_genome(intervals, chrom_sizes(genome), **options)
    return read_sequences(open_genome(genome), placed), placed


def test_bed_sequences_come_from_the_genome(data_dir, genome):
    seqs, kept = fetch(genome, read_bed(data_dir / "tiny.bed"))
    assert seqs == ["ACGTACGT", "tttttGGGGG", "ACGT"]
    assert len(kept) == 3


def test_intervals_past_a_chromosome_end_are_padded_or_dropped(data_dir, genome, caplog):
    intervals = read_bed(data_dir / "tiny.bed")  # resized: chrA -1..9 and 93..103 (of 100)
    seqs, _ = fetch(genome, intervals, length=10, out_of_bounds="pad")
    assert seqs == ["NACGTACGTA", "tttttGGGGG", "CGTACGTNNN"]
    assert "2 interval(s) run past a chromosome end: padded with N" in caplog.text
    seqs, kept = fetch(genome, intervals, length=10, out_of_bounds="drop")
    assert len(seqs) == len(kept) == 1 and kept.chrom[0] == "chrB"


def test_an_interval_wholly_past_the_chromosome_end_is_an_error(tmp_path, genome):
    (tmp_path / "x.bed").write_text("chrA\t0\t8\nchrA\t500\t520\n")
    with pytest.raises(SeqmodelsError, match=r"x.bed: line 2: chrA:500-520 lies past the end"):
        fetch(genome, read_bed(tmp_path / "x.bed"), length=300, source=str(tmp_path / "x.bed"))


def test_bed6_strand_reverse_complements_when_stranded(tmp_path, genome, caplog):
    caplog.set_level("INFO")
    (tmp_path / "x.bed").write_text("chrA\t0\t6\tp\t0\t+\nchrB\t0\t6\tm\t0\t-\n")
    intervals = read_bed(tmp_path / "x.bed")
    assert intervals.labels.shape[1] == 0  # name, score and strand are not labels
    assert list(intervals.strand) == ["+", "-"]
    seqs, kept = fetch(genome, intervals, stranded=True)
    assert seqs == ["ACGTAC", "Caaaaa"]  # chrB:0-6 is tttttG; its reverse complement, case kept
    assert kept.ids == ["chrA:0-6(+)", "chrB:0-6(-)"]
    seqs, kept = fetch(genome, intervals, stranded=False)
    assert seqs == ["ACGTAC", "tttttG"] and kept.ids == ["chrA:0-6", "chrB:0-6"]
    assert "1 interval(s) on the minus strand read from the plus strand" in caplog.text


@pytest.mark.parametrize(
    ("line", "names", "labels"),
    [
        ("chrA\t0\t8\t1\t0.5", None, ["label1", "label2"]),  # BED3 + labels
        ("chrA\t0\t8\tpeak1", ["name"], []),  # BED4: a name, not a label
        ("chrA\t0\t8\tpeak1\t0.7", ["name"], ["label1"]),  # name + a label
        ("chrA\t0\t8\tp\t0\t-\t1\t0", ["name", "score", "strand"], ["label1", "label2"]),
        ("chrA\t0\t8\tp\t0\t.\t5.0\t-1\t-1\t4", ["peak"], []),  # narrowPeak by columns
        ("chrA\t0\t8\tp\t0\t+\t0\t8\t0\t1\t8,\t0,", ["blockCount"], []),  # BED12
    ],
)
def test_bed_columns_are_recognised_by_their_content(tmp_path, line, names, labels):
    (tmp_path / "x.bed").write_text(line + "\n")
    intervals = read_bed(tmp_path / "x.bed")
    assert list(intervals.labels.columns) == labels
    if names and "peak" in names:
        assert intervals.summit.tolist() == [4]


def test_gzip_bed_reads_like_plain(tmp_path, data_dir):
    with gzip.open(tmp_path / "x.bed.gz", "wt") as handle:
        handle.write((data_dir / "tiny.bed").read_text())
    plain, packed = read_bed(data_dir / "tiny.bed"), read_bed(tmp_path / "x.bed.gz")
    assert packed.ids == plain.ids and packed.labels.equals(plain.labels)


def test_getfasta_minus_strand_ids_give_the_window_start_and_strand(tmp_path):
    # bedtools getfasta -s: the record holds the minus strand of chr1:100-106
    write_fasta(tmp_path / "g.fa", ["chr1:100-106(-)", "chr1:200-205(+)"], ["AACCGG", "ACGTA"])
    sequences = load_sequences(fasta=tmp_path / "g.fa", length=4)
    assert list(sequences.strand) == ["-", "+"]
    # minus: record positions 1..4 kept; they lie at genome 104..101, so the window is 101–105
    np.testing.assert_array_equal(sequences.start, [101, 201])  # plus: positions 1..4 of 200–205


def test_a_stale_genome_index_is_rebuilt(tmp_path, caplog):
    fasta = tmp_path / "g.fa"
    fasta.write_text(">a\nACGTACGT\n>b\nGGGG\n")
    assert chrom_sizes(fasta) == {"a": 8, "b": 4}
    index_time = os.stat(f"{fasta}.fai").st_mtime
    fasta.write_text(">a\nACGTACGTAA\n>b\nTTTTCC\n")  # other lengths …
    os.utime(fasta, (index_time - 100, index_time - 100))  # … and an older time stamp
    assert chrom_sizes(fasta) == {"a": 10, "b": 6}
    assert "index does not fit the file: rebuilt" in caplog.text
    assert open_genome(fasta)["b"][:6] == "TTTTCC"


def test_duplicate_genome_names_are_one_error(tmp_path):
    (tmp_path / "g.fa").write_text(">a\nACGT\n>a\nGGGG\n")
    with pytest.raises(SeqmodelsError, match="duplicate sequence name 'a'"):
        open_genome(tmp_path / "g.fa")


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


def test_outputs_that_belong_together_appear_together_or_not_at_all(tmp_path):
    paths = [tmp_path / "p.F.plus.bw", tmp_path / "p.F.minus.bw"]
    with pytest.raises(RuntimeError), atomic_paths(paths) as tmps:
        tmps[0].write_text("plus")
        raise RuntimeError  # the second track never written
    assert list(tmp_path.iterdir()) == []
    paths[1].mkdir()  # the second cannot be renamed: the first is undone
    with pytest.raises(IsADirectoryError), atomic_paths(paths) as tmps:
        for tmp in tmps:
            tmp.write_text("track")
    assert [p.name for p in tmp_path.iterdir()] == ["p.F.minus.bw"]
    paths[1].rmdir()
    with atomic_paths(paths) as tmps:
        for tmp, text in zip(tmps, ("plus", "minus"), strict=True):
            tmp.write_text(text)
    assert [p.read_text() for p in paths] == ["plus", "minus"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
