"""Every command answers bad input in one line naming the file, record or key and the problem,
with exit status 2, no traceback, and nothing left behind. (``scripts/bad_inputs.py`` runs a
matrix of several hundred such inputs; these are the cases each kind of problem needs.)"""

import gzip
import json
import pickle

import numpy as np
import pytest
import torch
import yaml

from seqmodels.cli import main

GOOD_FASTA = ">a\nACGT\n>b\nACGA\n"
GOOD_LABELS = "id,y\na,1\nb,0\n"


def fails(capsys, *argv) -> str:
    """Run ``seqmodels ARGV``; it must fail in one line (returned) and exit 2."""
    status = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("seqmodels: error:")]
    assert len(lines) == 1, err
    return lines[0]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def nothing_left(folder, *allowed) -> None:
    left = sorted(p.name for p in folder.iterdir() if p.name not in allowed)
    assert left == [], left


# --------------------------------------------------------------------------- inputs (inspect)


@pytest.mark.parametrize(
    ("fasta", "expected"),
    [
        ("ACGT\n>a\nACGT\n", "line 1: expected a FASTA header starting with '>'"),
        ("", "no FASTA records"),
        (">a\nACGT\n>b\n>c\nAC\n", "line 3: record 'b' has no sequence"),
        (">a\nACGT\n>b\nAC\n>a\nAA\n", "line 5: duplicate record id 'a' (first at line 1)"),
        (">a\nACGT\n> \nAC\n", "line 3: empty FASTA header"),
        (">a\nACGT\n>b\nACJT\n", "record b: unknown symbol 'J' at position 3"),
        (">chr1:0-10\nACGT\n", "record chr1:0-10: 4 bases, but its id spans 10"),
    ],
)
def test_bad_fasta(tmp_path, capsys, fasta, expected):
    path = write(tmp_path, "x.fa", fasta)
    message = fails(capsys, "inspect", "--fasta", path, "--length", 4)
    assert str(path) in message and expected in message


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory, not a file"),
        (lambda p: p.symlink_to(p), "Too many levels of symbolic links"),
        (lambda p: p.write_bytes(bytes(range(256)) * 4), "not a FASTA file"),
        (lambda p: p.write_bytes(gzip.compress(b"\x00\xff" * 100)), "not a FASTA file"),
    ],
)
def test_a_path_that_is_not_a_readable_text_file(tmp_path, capsys, make, expected):
    path = tmp_path / "x.fa"
    make(path)
    message = fails(capsys, "inspect", "--fasta", path)
    assert f"{path}: {expected}" in message


def test_gzip_fasta_and_labels_are_read(tmp_path, capsys):
    (tmp_path / "x.fa.gz").write_bytes(gzip.compress(GOOD_FASTA.encode()))
    (tmp_path / "y.csv.gz").write_bytes(gzip.compress(GOOD_LABELS.encode()))
    args = ["inspect", "--fasta", tmp_path / "x.fa.gz", "--labels", tmp_path / "y.csv.gz"]
    assert main(list(map(str, args))) == 0
    assert "task y  1 positive / 1 negative" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ("id,y\na,1\nb,0\nc,1\nd,0\ne,1\nf,0\n", "4 label id(s) not in"),
        ("id,y\na,1\n", "1 record(s) without labels in"),
        ("id,y\na,1\nb,yes\n", "line 3: column 'y': non-numeric label 'yes'"),
        ("id,y\na,1\nb,inf\n", "line 3: column 'y': not a finite number 'inf'"),
        ("name,y\na,1\nb,0\n", "no 'id' column"),
        ("id,y\na,1\nb,0\na,1\n", "line 4: duplicate id 'a'"),
        ("id\na\nb\n", "no task columns beside 'id'"),
    ],
)
def test_bad_labels(tmp_path, capsys, labels, expected):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    path = write(tmp_path, "y.csv", labels)
    assert expected in fails(capsys, "inspect", "--fasta", fasta, "--labels", path)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("chrA\tten\t20\t1\n", "line 3: start 'ten' is not an integer"),
        ("chrA\t30\t20\t1\n", "line 3: invalid interval 30-20"),
        ("chrA\t-5\t20\t1\n", "line 3: invalid interval -5-20"),
        ("chrA\t0\t20\tx\n", "line 3: column 'label1': non-numeric label 'x'"),
        ("chrA\t0\t20\n", "line 3: 3 tab-separated columns, where line 2 has 4"),
        ("chrA\t500\t520\t1\n", "line 3: chrA:500-520 lies past the end of chrA"),
        ("chrZ\t0\t20\t1\n", "1 chromosome(s) not in"),
    ],
)
def test_bad_bed_lines(tmp_path, capsys, genome, line, expected):
    bed = write(tmp_path, "x.bed", "track name=x\nchrA\t0\t4\t1\n" + line)
    message = fails(capsys, "inspect", "--bed", bed, "--genome", genome)
    assert str(bed) in message and expected in message


def test_bed_strand_and_spaces(tmp_path, capsys, genome):
    bed = write(tmp_path, "x.bed", "chrA\t0\t4\tn\t0\t+\nchrA\t0\t4\tn\t0\tx\n")
    assert "line 2: strand 'x' is not +, - or ." not in fails(
        capsys, "inspect", "--bed", bed, "--genome", genome
    )  # column 6 is not all strands: not a BED6, so x is a label cell
    bed = write(tmp_path, "y.bed", "chrA 0 4 1\n")
    message = fails(capsys, "inspect", "--bed", bed, "--genome", genome)
    assert "fewer than 3 columns (BED columns are separated by tabs)" in message


@pytest.mark.parametrize(
    ("genome", "expected"),
    [
        (">a\nACGT\n>a\nGGGG\n", "duplicate sequence name 'a'"),
        (
            gzip.compress(b">chrA\nACGT\n"),
            "compressed with plain gzip; genomes must be plain or bgzip",
        ),
        (">chrA\nACJTACGT\n", "unknown symbol 'J'"),
    ],
)
def test_bad_genomes_are_named(tmp_path, capsys, genome, expected):
    path = tmp_path / "g.fa"
    path.write_bytes(genome if isinstance(genome, bytes) else genome.encode())
    bed = write(tmp_path, "x.bed", "chrA\t0\t4\t1\n")
    message = fails(capsys, "inspect", "--bed", bed, "--genome", path)
    assert str(path) in message and expected in message


def test_nucleotides_given_to_a_protein_model_are_flagged(tmp_path, capsys, caplog):
    fasta = write(tmp_path, "x.fa", ">a\nACGTACGTTTGACCA\n>b\nGGGTTTAACCAGTAC\n")
    assert main(["inspect", "--fasta", str(fasta), "--alphabet", "protein"]) == 0
    assert "100% of the residues are A, C, G, T, U or N: is this DNA or RNA" in caplog.text


def test_split_problems(tmp_path, capsys):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    message = fails(capsys, "inspect", "--fasta", fasta, "--data.test_chroms", "[chr1]")
    assert "val_chroms/test_chroms need genome coordinates" in message
    ids = write(tmp_path, "c.fa", ">chr1:0-4\nACGT\n>chr2:0-4\nACGT\n")
    message = fails(capsys, "inspect", "--fasta", ids, "--data.val_chroms", "chrX")
    assert "data.val_chroms: no sequences on chrX (the data has chr1, chr2" in message


def test_unknown_config_key(tmp_path, capsys):
    fasta = write(tmp_path, "x.fa", GOOD_FASTA)
    message = fails(capsys, "inspect", "--fasta", fasta, "--data.fatsa", "y.fa")
    assert "data.fatsa: unknown key; choose from fasta, labels" in message


# --------------------------------------------------------------------------- train


def train_config(tmp_path, **sections):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 12)) for _ in range(30)]
    ids = [f"chr{1 + i % 3}:{i * 20}-{i * 20 + 12}" for i in range(30)]
    write(tmp_path, "x.fa", "".join(f">{i}\n{s}\n" for i, s in zip(ids, seqs, strict=True)))
    labels = sections.pop("labels", [i % 2 for i in range(30)])
    write(
        tmp_path,
        "y.csv",
        "id,y\n" + "".join(f"{i},{v}\n" for i, v in zip(ids, labels, strict=True)),
    )
    config = {
        "data": {"fasta": str(tmp_path / "x.fa"), "labels": str(tmp_path / "y.csv"),
                 "val_chroms": ["chr2"], "test_chroms": ["chr3"]},
        "model": {"name": "cnn", "filters": [4], "kernel_sizes": [3], "dense": []},
        "trainer": {"max_epochs": 1, "accelerator": "cpu", "enable_progress_bar": False},
    }  # fmt: skip
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    return write(tmp_path, "c.yaml", yaml.safe_dump(config))


@pytest.mark.parametrize(
    ("labels", "task", "expected"),
    [
        ([2] + [0, 1] * 14 + [1], {"type": "multilabel"}, "record chr1:0-12: task y: label 2 is"),
        ([-1] + [0, 1] * 14 + [1], {"type": "binary"}, "label -1 is not 0 or 1"),
        ([-1] + [0, 3] * 14 + [1], {"type": "regression", "regression_loss": "poisson"},
         "label -1 is negative (a Poisson loss takes counts)"),
        ([0.5] + [0, 2] * 14 + [1], {"type": "multiclass"}, "label 0.5 is not a class index"),
        ([0, 1] * 15, {"type": "multiclass", "n_classes": 3}, None),
    ],
)  # fmt: skip
def test_labels_must_fit_the_task_type(tmp_path, capsys, labels, task, expected):
    config = train_config(tmp_path, labels=labels, task=task)
    argv = ["train", "--config", config, "--out", tmp_path / "run"]
    if expected is None:
        assert main(list(map(str, argv))) == 0
        return
    message = fails(capsys, *argv)
    assert str(tmp_path / "y.csv") in message and expected in message
    assert not (tmp_path / "run").exists()


def test_training_that_diverges_stops_in_one_line(tmp_path, capsys):
    config = train_config(
        tmp_path, labels=[i * 1e6 for i in range(30)], task={"type": "regression"},
        optim={"lr": 1e12, "weight_decay": 0}, trainer={"max_epochs": 3},
    )  # fmt: skip
    message = fails(capsys, "train", "--config", config, "--out", tmp_path / "run")
    assert "training diverged: the" in message and "loss is inf" in message
    assert "lower optim.lr" in message


def test_resume_with_another_config_is_refused_and_leaves_the_run_alone(tmp_path, capsys):
    config = train_config(tmp_path)
    run = tmp_path / "run"
    assert main(["train", "--config", str(config), "--out", str(run)]) == 0
    saved = (run / "config.yaml").read_text()
    other = write(
        tmp_path, "other.yaml", config.read_text().replace("max_epochs: 1", "max_epochs: 5")
    )
    message = fails(capsys, "train", "--config", other, "--out", run, "--resume")
    assert "--resume continues the run as" in message and "trainer.max_epochs differ" in message
    message = fails(capsys, "train", "--out", run, "--resume", "--optim.lr", "0.5")
    assert "optim.lr differ" in message
    assert (run / "config.yaml").read_text() == saved


def test_train_output_problems(tmp_path, capsys):
    config = train_config(tmp_path)
    (tmp_path / "file").write_text("x")
    assert "is a file" in fails(capsys, "train", "--config", config, "--out", tmp_path / "file/run")
    message = fails(capsys, "train", "--out", tmp_path / "empty", "--resume")
    assert "nothing to resume" in message
    message = fails(
        capsys, "train", "--config", config, "--out", tmp_path / "r", "--train.monitor", "val/bogus"
    )
    assert "train.monitor: 'val/bogus' is not logged for a binary task; choose val/loss" in message
    message = fails(
        capsys,
        "train",
        "--config",
        config,
        "--out",
        tmp_path / "r",
        "--trainer.devices",
        "auto",
        "--trainer.strategy",
        "bogus",
    )
    assert message.startswith("seqmodels: error: trainer: Lightning refuses these settings")
    nothing_left(tmp_path, "x.fa", "y.csv", "c.yaml", "file")


# --------------------------------------------------------------------------- checkpoints


class Payload:
    """Unpickling this would create a file: a checkpoint that runs code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def checkpoint_variants(tmp_path, good):
    state = torch.load(good, weights_only=True)
    variants = {
        "truncated": good.read_bytes()[:500],
        "random bytes": np.random.default_rng(0).bytes(2000),
        "a text file": b"model: cnn\n",
        "empty": b"",
    }
    for name, data in variants.items():
        (tmp_path / f"{name}.ckpt").write_bytes(data)
    torch.save({"hyper_parameters": state["hyper_parameters"]}, tmp_path / "no weights.ckpt")
    odd = {**state, "hyper_parameters": {**state["hyper_parameters"], "colour": "blue"}}
    torch.save(odd, tmp_path / "unknown hparam.ckpt")
    shrunk = {k: v[:1] if v.dim() else v for k, v in state["state_dict"].items()}
    torch.save({**state, "state_dict": shrunk}, tmp_path / "wrong shapes.ckpt")
    broken = {
        k: v * float("nan") if v.is_floating_point() else v for k, v in state["state_dict"].items()
    }
    torch.save({**state, "state_dict": broken}, tmp_path / "nan weights.ckpt")
    with open(tmp_path / "malicious.ckpt", "wb") as handle:
        pickle.dump({"state_dict": Payload(tmp_path / "PWNED")}, handle)
    return {
        "truncated": "not a checkpoint torch can read",
        "random bytes": "refused: not a checkpoint of tensors and plain values",
        "a text file": "refused: not a checkpoint of tensors and plain values",
        "empty": "not a checkpoint torch can read",
        "no weights": "not a seqmodels checkpoint (no weights)",
        "unknown hparam": "hyper-parameter.colour: unknown key",
        "wrong shapes": "weights do not fit the model",
        "nan weights": "weights are not finite",
        "malicious": "refused: not a checkpoint of tensors and plain values",
    }


@pytest.mark.parametrize("command", ["predict", "evaluate", "attribute", "motifs"])
def test_bad_checkpoints_are_refused_in_one_line(tiny_run, tmp_path, capsys, command):
    expected = checkpoint_variants(tmp_path, tiny_run / "run/checkpoints/best.ckpt")
    out = {"predict": "p.tsv", "evaluate": "m.json", "attribute": "a.bw", "motifs": "m"}[command]
    for name, problem in expected.items():
        checkpoint = tmp_path / f"{name}.ckpt"
        message = fails(
            capsys, command, "--checkpoint", checkpoint, "--bed", tiny_run / "x.bed",
            "--genome", tiny_run / "genome.fa", "--out", tmp_path / out,
        )  # fmt: skip
        assert str(checkpoint) in message and problem in message, (name, message)
    assert not (tmp_path / "PWNED").exists()  # the payload never ran
    assert not (tmp_path / out).exists()


def run_checkpoint(capsys, tiny_run, command, *argv):
    checkpoint = tiny_run / "run/checkpoints/best.ckpt"
    return fails(capsys, command, "--checkpoint", checkpoint, *argv)


@pytest.mark.parametrize(
    ("command", "argv", "expected"),
    [
        ("predict", ["--batch-size", "-4"], "--batch-size: expected a number of at least 1"),
        ("predict", ["--chunk-size", "0"], "--chunk-size: expected a number of at least 1, got 0"),
        ("predict", ["--devices", "0"], "--devices: expected a number of at least 1, got 0"),
        ("predict", ["--tile", "1.5"], "--tile: expected a whole number, got '1.5'"),
        ("attribute", ["--n-shuffles", "0"], "--n-shuffles: expected a number of at least 1"),
        ("attribute", ["--n-steps", "x"], "--n-steps: expected a whole number, got 'x'"),
        ("attribute", ["--method", "bogus"], "--method: invalid choice: 'bogus'"),
        ("attribute", ["--format", "wig"], "--format: invalid choice: 'wig'"),
        ("attribute", ["--target", "CTCF"], "--target 'CTCF': not one of bound or 0–0"),
        ("attribute", ["--target", "3"], "--target '3': not one of bound or 0–0"),
        ("attribute", ["--n-steps", "5"], "--n-steps does not apply to --method deeplift_shap"),
        ("attribute", ["--method", "saliency", "--n-shuffles", "3"],
         "--n-shuffles does not apply to --method saliency"),
        ("attribute", ["--method", "ism", "--references", "zeros"],
         "--references does not apply to --method ism"),
        ("attribute", ["--references", "zeros"],
         "--references does not apply to --method deeplift_shap"),
        ("attribute", ["--method", "deeplift", "--no-gradient-correction"],
         "--no-gradient-correction does not apply to --method deeplift"),
        ("attribute", ["--method", "deeplift", "--n-shuffles", "3"],
         "--n-shuffles goes with --references shuffle for deeplift"),
        ("attribute", ["--method", "cam", "--n-steps", "3"],
         "--n-steps does not apply to --method cam"),
        ("motifs", ["--method", "ism", "--n-shuffles", "3"],
         "--n-shuffles does not apply to --method ism"),
        ("motifs", ["--top", "0"], "--top: expected a number of at least 1, got 0"),
        ("motifs", ["--filter-threshold", "1.5"], "--filter-threshold: expected a number in"),
        ("motifs", ["--target", "-1"], "--target '-1': not one of bound"),
        ("predict", ["--data.length", "40"], "predict: --data.length is a config override"),
        ("evaluate", ["--trainer.devices", "2"], "evaluate: --trainer.devices is a config"),
        ("predict", ["--region", "chr1"], "--region goes with --tile"),
        ("predict", ["--fasta", "x.fa"], "(with --genome) or --numeric (got --fasta and --bed)"),
        ("predict", ["--frobnicate"], "predict: unrecognised argument '--frobnicate'"),
    ],
)  # fmt: skip
def test_bad_arguments_are_one_line(tiny_run, tmp_path, capsys, command, argv, expected):
    out = {"predict": "p.tsv", "evaluate": "m.json", "attribute": "a.bw", "motifs": "m"}[command]
    inputs = ["--bed", tiny_run / "x.bed", "--genome", tiny_run / "genome.fa"]
    message = run_checkpoint(capsys, tiny_run, command, *inputs, *argv, "--out", tmp_path / out)
    assert expected in message
    nothing_left(tmp_path)


@pytest.mark.parametrize(
    ("command", "out", "expected"),
    [
        ("predict", "missing/p.tsv", "cannot write it: {tmp}/missing no such folder"),
        ("predict", "p.xyz", "unknown output suffix; use .tsv, .txt, .csv"),
        ("predict", ".", "is a folder; give a file name"),
        ("evaluate", "m.txt", "unknown output suffix; use .json"),
        ("attribute", "a.wig", "unknown output suffix; use .bw, .bigwig, .bedgraph, .npz"),
        ("attribute", "file/a.bw", "cannot write it: {tmp}/file is not a folder"),
        ("motifs", "file", "cannot make the folder: {tmp}/file is a file"),
    ],
)
def test_bad_outputs_are_refused_before_any_work(
    tiny_run, tmp_path, capsys, command, out, expected
):
    (tmp_path / "file").write_text("x")
    inputs = ["--bed", tiny_run / "x.bed", "--genome", tiny_run / "genome.fa"]
    message = run_checkpoint(capsys, tiny_run, command, *inputs, "--out", tmp_path / out)
    assert expected.format(tmp=tmp_path) in message
    nothing_left(tmp_path, "file")


def test_a_dna_checkpoint_given_protein_names_the_record(tiny_run, tmp_path, capsys):
    fasta = write(tmp_path, "p.fa", ">prot1\nMKVLEFWQRSTLLMKVLEFWQ\n")
    message = run_checkpoint(
        capsys, tiny_run, "predict", "--fasta", fasta, "--out", tmp_path / "p.tsv"
    )
    assert str(fasta) in message and "record prot1: unknown symbol 'L' at position 4" in message


def test_chromosome_sizes_must_cover_the_inputs(tiny_run, tmp_path, capsys):
    fasta = write(
        tmp_path, "x.fa", ">chr1:0-20\n" + "ACGT" * 5 + "\n>chr9:0-20\n" + "ACGT" * 5 + "\n"
    )
    sizes = write(tmp_path, "hg.sizes", "chr1\t400\n")
    message = run_checkpoint(
        capsys,
        tiny_run,
        "attribute",
        "--fasta",
        fasta,
        "--chrom-sizes",
        sizes,
        "--out",
        tmp_path / "a.bw",
    )
    assert f"{sizes}: 1 chromosome(s) of the input missing: chr9" in message
    bad = write(tmp_path, "bad.sizes", "chr1 four hundred\n")
    message = run_checkpoint(
        capsys,
        tiny_run,
        "attribute",
        "--fasta",
        fasta,
        "--chrom-sizes",
        bad,
        "--out",
        tmp_path / "a.bw",
    )
    assert f"{bad}: line 1: expected 'name length'" in message


def test_motif_databases_must_fit_the_alphabet(tiny_run, tmp_path, capsys):
    from seqmodels.io.meme import Motif, write_meme

    protein = tmp_path / "protein.meme"
    write_meme(protein, [Motif("p1", np.full((20, 4), 0.05))], alphabet="ACDEFGHIKLMNPQRSTVWY")
    inputs = ["--bed", tiny_run / "x.bed", "--genome", tiny_run / "genome.fa"]
    message = run_checkpoint(
        capsys, tiny_run, "motifs", *inputs, "--database", protein, "--out", tmp_path / "m"
    )
    assert (
        f"{protein}: motifs over the alphabet ACDEFGHIKLMNPQRSTVWY, but the model reads ACGT"
        in message
    )
    empty = write(tmp_path, "empty.meme", "MEME version 4\n")
    message = run_checkpoint(
        capsys, tiny_run, "motifs", *inputs, "--database", empty, "--out", tmp_path / "m"
    )
    assert f"{empty}: no motifs" in message
    assert not (tmp_path / "m").exists()


def test_evaluate_refuses_predictions_that_carry_no_information(tiny_run, tmp_path, capsys):
    from seqmodels.checkpoint import load_checkpoint

    state = load_checkpoint(tiny_run / "run/checkpoints/best.ckpt")
    head = [k for k in state["state_dict"] if k.startswith("model.head") and k.endswith("weight")]
    state["state_dict"][head[-1]] = torch.zeros_like(state["state_dict"][head[-1]])
    torch.save(state, tmp_path / "constant.ckpt")
    argv = ["evaluate", "--checkpoint", tmp_path / "constant.ckpt", "--bed", tiny_run / "x.bed"]
    message = fails(capsys, *argv, "--genome", tiny_run / "genome.fa", "--out", tmp_path / "m.json")
    assert "the model predicts" in message and "on every one of the 114 sequences" in message
    nothing_left(tmp_path, "constant.ckpt")


def test_evaluate_writes_undefined_metrics_as_json_null(tiny_run, tmp_path):
    lines = (tiny_run / "x.bed").read_text().splitlines()
    positives = [line for line in lines[1:] if line.endswith("\t1")]  # one class: AUROC undefined
    write(tmp_path, "pos.bed", "\n".join([lines[0], *positives]) + "\n")
    argv = [
        "evaluate",
        "--checkpoint",
        tiny_run / "run/checkpoints/best.ckpt",
        "--bed",
        tmp_path / "pos.bed",
    ]
    assert (
        main(
            [
                *map(str, argv),
                "--genome",
                str(tiny_run / "genome.fa"),
                "--out",
                str(tmp_path / "m.json"),
            ]
        )
        == 0
    )
    text = (tmp_path / "m.json").read_text()
    assert "NaN" not in text and json.loads(text)["bound/auroc"] is None
    assert json.loads(text)["bound/accuracy"] is not None


def test_the_quick_bad_input_matrix_is_all_handled():
    """``scripts/bad_inputs.py --quick``: about sixty bad inputs across every command."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[1] / "scripts" / "bad_inputs.py"
    done = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    handled = re.search(r"Bad inputs handled: (\d+) of (\d+)", done.stdout)
    odd = re.search(r"Valid-but-odd inputs that succeeded: (\d+) of (\d+)", done.stdout)
    assert handled and odd, done.stdout[-2000:]
    assert handled[1] == handled[2] and int(handled[2]) >= 40, done.stdout[-3000:]
    assert odd[1] == odd[2], done.stdout[-3000:]
