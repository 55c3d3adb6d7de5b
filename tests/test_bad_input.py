"""Every bad input gets one line naming the file and the record or line, and exit status 2."""

import pytest

from seqmodels.cli import main

GOOD_FASTA = ">a\nACGT\n>b\nACGA\n"
GOOD_LABELS = "id,y\na,1\nb,0\n"


def run_inspect(capsys, *args) -> str:
    status = main(["inspect", *map(str, args)])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("seqmodels: error:")]
    assert len(lines) == 1, err
    return lines[0]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("fasta", "expected"),
    [
        ("ACGT\n>a\nACGT\n", "line 1: expected a FASTA header starting with '>'"),
        ("", "no FASTA records"),
        (">a\nACGT\n>b\n>c\nAC\n", "line 3: record 'b' has no sequence"),
        (">a\nACGT\n>b\nAC\n>a\nAA\n", "line 5: duplicate record id 'a' (first at line 1)"),
        (">a\nACGT\n> \nAC\n", "line 3: empty FASTA header"),
        (">a\nACGT\n>b\nACJT\n", "record b: unknown symbol 'J' at position 3"),
    ],
)
def test_bad_fasta(tmp_path, capsys, fasta, expected):
    path = write(tmp_path, "x.fa", fasta)
    message = run_inspect(capsys, "--fasta", path, "--length", 4)
    assert str(path) in message and expected in message


def test_missing_file(tmp_path, capsys):
    message = run_inspect(capsys, "--fasta", tmp_path / "nope.fa")
    assert "nope.fa: no such file" in message


def test_label_ids_missing_from_the_fasta(tmp_path, capsys):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    labels = write(tmp_path, "y.csv", "id,y\na,1\nb,0\nc,1\nd,0\ne,1\nf,0\n")
    message = run_inspect(capsys, "--fasta", fasta, "--labels", labels)
    assert f"{labels}: 4 label id(s) not in {fasta}: c, d, e, …" in message


def test_fasta_records_without_labels(tmp_path, capsys):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    labels = write(tmp_path, "y.csv", "id,y\na,1\n")
    message = run_inspect(capsys, "--fasta", fasta, "--labels", labels)
    assert f"{fasta}: 1 record(s) without labels in {labels}: b" in message


def test_non_numeric_label(tmp_path, capsys):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    labels = write(tmp_path, "y.csv", "id,y\na,1\nb,yes\n")
    message = run_inspect(capsys, "--fasta", fasta, "--labels", labels)
    assert f"{labels}: line 3: column 'y': non-numeric label 'yes'" in message


def test_labels_without_id_column(tmp_path, capsys):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    labels = write(tmp_path, "y.csv", "name,y\na,1\nb,0\n")
    assert "no 'id' column" in run_inspect(capsys, "--fasta", fasta, "--labels", labels)


def test_duplicate_label_ids(tmp_path, capsys):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    labels = write(tmp_path, "y.csv", "id,y\na,1\nb,0\na,1\n")
    assert "line 4: duplicate id 'a'" in run_inspect(capsys, "--fasta", fasta, "--labels", labels)


def test_bed_chromosome_not_in_genome(tmp_path, capsys, genome):
    bed = write(tmp_path, "x.bed", "chrA\t0\t4\t1\n1\t0\t4\t0\n")
    message = run_inspect(capsys, "--bed", bed, "--genome", genome)
    assert f"{bed}: 1 chromosome(s) not in {genome}: 1 (the genome has chrA, chrB" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("chrA\tten\t20\t1\n", "line 2: start 'ten' is not an integer"),
        ("chrA\t30\t20\t1\n", "line 2: invalid interval 30-20"),
        ("chrA\t0\t20\tx\n", "line 2: column 'label1': non-numeric label 'x'"),
    ],
)
def test_bad_bed_lines(tmp_path, capsys, genome, line, expected):
    bed = write(tmp_path, "x.bed", "chrA\t0\t4\t1\n" + line)
    message = run_inspect(capsys, "--bed", bed, "--genome", genome)
    assert str(bed) in message and expected in message


def test_split_chromosomes_need_coordinates(tmp_path, capsys):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    message = run_inspect(capsys, "--fasta", fasta, "--data.test_chroms", "[chr1]")
    assert "val_chroms/test_chroms need genome coordinates" in message


def test_unknown_config_key(tmp_path, capsys):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    message = run_inspect(capsys, "--fasta", fasta, "--data.fatsa", "y.fa")
    assert "data.fatsa: unknown key; choose from fasta, labels" in message
