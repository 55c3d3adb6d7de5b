"""Strand, end to end: minus-strand records (``bedtools getfasta -s`` ids, BED6 strands read with
``stranded``) are read reverse-complemented and their tracks land back on the genome reversed."""

import numpy as np
import pandas as pd
import pyBigWig
import pytest
import torch

from seqmodels import DNA, reverse_complement, to_indices
from seqmodels.attribution import attribute, importance_track
from seqmodels.checkpoint import load_task
from seqmodels.cli import main
from seqmodels.data import SequenceSet
from seqmodels.encoding import codes_to_one_hot
from seqmodels.io.bed import open_genome
from seqmodels.io.fasta import write_fasta
from seqmodels.motifs.seqlets import write_seqlets_bed
from seqmodels.workflows.attribute import export_attributions
from seqmodels.workflows.inputs import load_inputs

SIZES = {"chrA": 40}


def tiny_model():
    from seqmodels.models import build_model

    torch.manual_seed(0)
    return build_model("cnn", alphabet_size=4, n_outputs=1, filters=[4], kernel_sizes=[3]).eval()


def track_of(model, seq: str) -> np.ndarray:
    X = codes_to_one_hot(torch.from_numpy(to_indices([seq])))
    options = {"method": "saliency", "hypothetical": True, "device": "cpu"}
    return importance_track(attribute(model, X, **options), X)[0].numpy()


def test_a_minus_strand_track_lands_on_the_genome_reversed(tmp_path):
    model, plus = tiny_model(), "ACGTTGCAAGGCTTAC"  # genome chrA:5-21, read on +
    minus = reverse_complement(plus)  # the same interval read on −
    sequences = SequenceSet(
        ["chrA:5-21(-)"], to_indices([minus]), DNA, None, [], np.array(["chrA"]), np.array([5]),
        np.array(["-"]),
    )  # fmt: skip
    out = tmp_path / "minus.bw"
    export_attributions(
        model, sequences, out, fmt="bigwig", chrom_sizes=SIZES, method="saliency", device="cpu"
    )
    written = np.array(pyBigWig.open(str(out)).values("chrA", 5, 21))
    np.testing.assert_allclose(written, track_of(model, minus)[::-1], rtol=1e-5, atol=1e-7)
    assert not np.allclose(written, track_of(model, minus), atol=1e-4)  # the test can fail


@pytest.fixture
def stranded_inputs(tiny_run, tmp_path):
    """The fixture genome's chr1:100-120 as a getfasta -s record on −, as BED6 on − and on +."""
    genome = open_genome(tiny_run / "genome.fa")
    plus = genome["chr1"][100:120]
    write_fasta(tmp_path / "minus.fa", ["chr1:100-120(-)"], [reverse_complement(plus)])
    write_fasta(tmp_path / "plus.fa", ["chr1:100-120(+)"], [plus])
    (tmp_path / "x.bed").write_text("chr1\t100\t120\tsite\t0\t-\n")
    return tmp_path


def attribute_to(tiny_run, out, *inputs):
    checkpoint = str(tiny_run / "run/checkpoints/best.ckpt")
    argv = ["attribute", "--checkpoint", checkpoint, "--method", "saliency", "--out", str(out)]
    assert main([*argv, "--genome", str(tiny_run / "genome.fa"), *map(str, inputs)]) == 0
    return np.array(pyBigWig.open(str(out)).values("chr1", 100, 120))


def test_getfasta_minus_records_and_stranded_bed6_write_the_same_reversed_track(
    tiny_run, stranded_inputs
):
    d = stranded_inputs
    from_fasta = attribute_to(tiny_run, d / "a.bw", "--fasta", d / "minus.fa")
    from_bed = attribute_to(tiny_run, d / "b.bw", "--bed", d / "x.bed", "--stranded")
    unstranded = attribute_to(tiny_run, d / "c.bw", "--bed", d / "x.bed")
    plus = attribute_to(tiny_run, d / "d.bw", "--fasta", d / "plus.fa")
    np.testing.assert_array_equal(from_fasta, from_bed)
    np.testing.assert_array_equal(unstranded, plus)  # the strand set aside: read on +
    task = load_task(tiny_run / "run/checkpoints/best.ckpt")
    minus_seq = load_inputs(task, fasta=d / "minus.fa")
    X = codes_to_one_hot(torch.from_numpy(minus_seq.codes))
    options = {"method": "saliency", "hypothetical": True, "device": "cpu"}
    track = importance_track(attribute(task.model, X, **options), X)[0].numpy()
    np.testing.assert_allclose(from_fasta, track[::-1], rtol=1e-5, atol=1e-7)


def test_stranded_bed_predictions_are_those_of_the_reverse_complement(tiny_run, stranded_inputs):
    d, checkpoint = stranded_inputs, str(tiny_run / "run/checkpoints/best.ckpt")
    common = ["predict", "--checkpoint", checkpoint, "--genome", str(tiny_run / "genome.fa")]
    assert main([*common, "--bed", str(d / "x.bed"), "--stranded", "--out", str(d / "b.tsv")]) == 0
    assert main([*common, "--fasta", str(d / "minus.fa"), "--out", str(d / "f.tsv")]) == 0
    bed, fasta = pd.read_csv(d / "b.tsv", sep="\t"), pd.read_csv(d / "f.tsv", sep="\t")
    assert bed["id"].tolist() == fasta["id"].tolist() == ["chr1:100-120(-)"]
    assert bed["bound"].tolist() == fasta["bound"].tolist()


def test_stranded_training_is_remembered_by_the_checkpoint(tmp_path):
    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    rng = np.random.default_rng(1)
    genome = {c: "".join(rng.choice(list("ACGT"), 300)) for c in ("chr1", "chr2", "chr3")}
    (tmp_path / "g.fa").write_text("".join(f">{c}\n{s}\n" for c, s in genome.items()))
    rows = [f"{c}\t{s}\t{s + 20}\tn\t0\t{'+-'[s // 20 % 2]}\t{s // 20 % 2}" for c in genome
            for s in range(0, 280, 20)]  # fmt: skip
    (tmp_path / "x.bed").write_text("\n".join(rows) + "\n")
    config = load_config(None, {"data.stranded": "true"})
    config["data"].update(
        bed=str(tmp_path / "x.bed"), genome=str(tmp_path / "g.fa"), val_chroms=["chr2"],
        test_chroms=["chr3"],
    )  # fmt: skip
    config["model"] = {"name": "cnn", "filters": [4], "kernel_sizes": [3], "dense": []}
    config["trainer"].update(max_epochs=1, accelerator="cpu", enable_progress_bar=False)
    train(config, tmp_path / "run")
    task = load_task(tmp_path / "run/checkpoints/best.ckpt")
    assert task.hparams.stranded is True
    sequences = load_inputs(task, bed=tmp_path / "x.bed", genome=tmp_path / "g.fa")
    assert sequences.ids[1] == "chr1:20-40(-)"
    assert (
        sequences.codes[1].tolist()
        == to_indices(reverse_complement(genome["chr1"][20:40]))[0].tolist()
    )


def test_seqlets_of_minus_strand_sequences_are_mirrored_onto_the_genome(tmp_path):
    seqlets = pd.DataFrame(
        {"sequence": [0, 1], "start": [2, 2], "end": [6, 6], "sign": [1, 1], "score": [1.0, 2.0]}
    )
    write_seqlets_bed(
        tmp_path / "s.bed", seqlets, np.array(["chrA", "chrA"]), np.array([100, 200]),
        strand=np.array(["+", "-"]), length=20,
    )  # fmt: skip
    rows = [line.split("\t") for line in (tmp_path / "s.bed").read_text().splitlines()]
    assert [r[:3] + r[5:] for r in rows] == [
        ["chrA", "102", "106", "+"],
        ["chrA", "214", "218", "-"],  # positions 2–5 of 200–220 read on −: genome 217…214
    ]
