"""Variant effects checked against truths: a hand-set k-mer counter gives exact effects,
windows are checked base by base, scores equal ``predict`` on the same windows, results do not
depend on chunks or processes, and breaking a planted site matters more than background."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig
import pysam
import pytest
import torch
from torch import nn

from seqmodels.checkpoint import load_task
from seqmodels.cli import main
from seqmodels.data.alleles import allele_windows, null_alleles
from seqmodels.io.vcf import read_vcf
from seqmodels.workflows.inputs import load_inputs
from seqmodels.workflows.predict import predict
from seqmodels.workflows.variants import score_variants

HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def write_vcf(path: Path, records: list[str]) -> Path:
    path.write_text(HEADER + "".join(f"{r}\t.\t.\t.\n" for r in records))
    return path


class KmerCounter(nn.Module):
    """Output: the number of occurrences of ``kmer`` (a convolution that scores 1 only on an
    exact match, a ReLU, a sum)."""

    def __init__(self, kmer: str):
        super().__init__()
        self.conv = nn.Conv1d(4, 1, len(kmer))
        with torch.no_grad():
            self.conv.weight.zero_()
            for i, base in enumerate(kmer):
                self.conv.weight[0, "ACGT".index(base), i] = 1.0
            self.conv.bias.fill_(1.0 - len(kmer))
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.conv(x)).sum(dim=-1)


@pytest.fixture
def counter(tiny_run, tmp_path):
    """The tiny run's task (20 bp windows) with its model replaced by a GATC counter (GATC is
    its own reverse complement, so averaging over strands leaves the count)."""
    task = load_task(tiny_run / "run/checkpoints/best.ckpt")
    task.model = KmerCounter("GATC")
    genome = tmp_path / "g.fa"
    # chr1 holds one GATC (positions 11-14, 1-based), chr2 none
    genome.write_text(">chr1\nAAAAAAAAAAGATCAAAAAAAAAAAAAAAAAAAA\n>chr2\n" + "C" * 40 + "\n")
    return task, genome


def test_effects_of_creating_or_destroying_the_counted_kmer_are_exactly_one(counter, tmp_path):
    task, genome = counter
    vcf = write_vcf(tmp_path / "v.vcf", [
        "chr1\t12\tbreak\tA\tC",  # GATC -> GCTC: one fewer
        "chr2\t20\tmake\tCCCC\tGATC",  # a substitution of four bases: one more
        "chr1\t25\tnone\tA\tT",  # far from it: nothing
        "chr1\t13\tboth\tT\tA,G",  # multi-allelic: GAAC and GAGC
    ])  # fmt: skip
    table = score_variants(task, vcf, genome, device="cpu")
    assert table["id"].tolist() == ["break", "make", "none", "both", "both"]
    assert table["bound"].tolist() == [-1.0, 1.0, 0.0, -1.0, -1.0]  # logit scale: the count
    assert table["alt"].tolist()[-2:] == ["A", "G"]
    assert table["ref_match"].all()
    np.testing.assert_allclose(
        table["bound.prob_diff"], table["bound.alt"] - table["bound.ref"], rtol=1e-6
    )


def test_indel_windows_are_built_base_by_base(tmp_path):
    genome = tmp_path / "g.fa"
    genome.write_text(">c\nACGTACGTAACCGGTTACGT\n")  # 20 bp
    fasta = __import__("pyfaidx").Fasta(str(genome), as_raw=True)
    variants = pd.DataFrame({
        "chrom": ["c"] * 4, "pos": [9, 9, 2, 19], "ref": ["A", "AACC", "C", "G"],
        "alt": ["ATTT", "A", "G", "T"], "record": [1, 2, 3, 4],
    })  # fmt: skip
    alleles = allele_windows(fasta, variants, 8, source="test")
    # window of 8, the variant's first base at offset 4: 1-based 9 -> 0-based 8, window [4, 12)
    assert alleles.ref[0] == "ACGTAACC" and alleles.alt[0] == "ACGTATTT"  # insertion
    assert alleles.ref[1] == "ACGTAACC" and alleles.alt[1] == "ACGTAGGT"  # deletion: right fill
    assert alleles.ref[2] == "NNNACGTA" and alleles.alt[2] == "NNNAGGTA"  # padded at the start
    assert alleles.ref[3] == "TTACGTNN" and alleles.alt[3] == "TTACTTNN"  # padded at the end
    assert alleles.ref_match.tolist() == [True, True, True, True]
    nulls = null_alleles(alleles.segment[1], "AACC", "A", 8, 50, key="k", random_state=1)
    assert all(len(w) == 8 for w in nulls) and len(set(nulls)) > 1
    same = null_alleles(alleles.segment[1], "AACC", "A", 8, 50, key="k", random_state=1)
    assert nulls == same  # a function of the seed and the variant alone


def test_a_ref_mismatch_is_kept_unscored_or_dropped(counter, tmp_path, caplog):
    task, genome = counter
    vcf = write_vcf(tmp_path / "v.vcf", ["chr1\t12\tgood\tA\tC", "chr1\t11\tbad\tc\tA"])
    table = score_variants(task, vcf, genome, device="cpu")
    assert table["ref_match"].tolist() == [True, False]
    assert table.loc[1, ["bound", "bound.ref", "bound.alt"]].isna().all()
    assert "1 of 2 variant(s) have a REF that is not" in caplog.text
    assert "record 2 (chr1:11 c>A)" in caplog.text
    dropped = score_variants(task, vcf, genome, drop_mismatch=True, device="cpu")
    assert dropped["id"].tolist() == ["good"]


def test_scores_equal_predict_on_the_same_windows(tiny_run, tmp_path):
    task = load_task(tiny_run / "run/checkpoints/best.ckpt")
    genome = tiny_run / "genome.fa"
    vcf = write_vcf(tmp_path / "v.vcf", ["chr1\t50\ta\tX\tC", "chr2\t100\tb\tX\tGTT"])
    fasta = __import__("pyfaidx").Fasta(str(genome), as_raw=True)
    text = vcf.read_text().replace("50\ta\tX", f"50\ta\t{fasta['chr1'][49]}")
    vcf.write_text(text.replace("100\tb\tX", f"100\tb\t{fasta['chr2'][99]}"))
    table = score_variants(task, vcf, genome, device="cpu")
    alleles = allele_windows(fasta, read_vcf(vcf).table, 20)
    records = [f">{side}{i}\n{w}\n" for side in ("ref", "alt")
               for i, w in enumerate(getattr(alleles, side))]  # fmt: skip
    (tmp_path / "w.fa").write_text("".join(records))
    task.hparams.rc_average = True  # as variants average strands (the task is unstranded)
    expected = predict(task, load_inputs(task, fasta=tmp_path / "w.fa"), device="cpu")
    np.testing.assert_allclose(table["bound.ref"], expected[:2, 0], rtol=1e-5)
    np.testing.assert_allclose(table["bound.alt"], expected[2:, 0], rtol=1e-5)


def test_the_null_gives_empirical_p_values_independent_of_chunks(counter, tmp_path):
    task, genome = counter
    vcf = write_vcf(tmp_path / "v.vcf", ["chr1\t12\tbreak\tA\tC", "chr1\t25\tnone\tA\tT"])
    one = score_variants(task, vcf, genome, n_null=40, device="cpu")
    two = score_variants(task, vcf, genome, n_null=40, chunk_size=1, device="cpu")
    pd.testing.assert_frame_equal(one, two)
    # breaking the one GATC: only null variants that hit it (4 of 20 positions) move as far
    assert 0.05 < one.loc[0, "bound.p"] < 0.5
    assert one.loc[1, "bound.p"] == 1.0  # no effect: every null moves at least as far


def test_vcf_forms_and_regions(tmp_path):
    plain = write_vcf(tmp_path / "v.vcf", ["chr1\t12\ta\tA\tC", "chr2\t20\tb\tC\t<DEL>",
                                           "chr2\t30\tc\tC\tG"])  # fmt: skip
    pysam.tabix_compress(str(plain), str(tmp_path / "v.vcf.gz"))
    pysam.tabix_index(str(tmp_path / "v.vcf.gz"), preset="vcf")
    variants = read_vcf(tmp_path / "v.vcf.gz")
    assert variants.table["id"].tolist() == ["a", "c"] and variants.skipped == {"symbolic": 1}
    assert read_vcf(tmp_path / "v.vcf.gz", region="chr2").table["id"].tolist() == ["c"]
    header = pysam.VariantHeader()
    for contig in ("chr1", "chr2"):
        header.contigs.add(contig)
    with pysam.VariantFile(str(tmp_path / "v.bcf"), "wb", header=header) as bcf:
        for contig, pos, name, alleles in (
            ("chr1", 12, "a", ("A", "C")),
            ("chr2", 30, "c", ("C", "G")),
        ):
            bcf.write(bcf.new_record(contig=contig, start=pos - 1, id=name, alleles=alleles))
    assert read_vcf(tmp_path / "v.bcf").table["id"].tolist() == ["a", "c"]


def run(*argv) -> int:
    return main(["variants", *map(str, argv)])


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([], "no variants"),
        (["chr9\t5\tx\tA\tC"], "record 1: chromosome 'chr9' is not in"),
        (["chr1\t500\tx\tA\tC"], "position chr1:500 lies past the end of chr1 (34 bp in"),
        (["chr1\t5\tx\tAZ\tC"], "record 1 (chr1:5): REF 'AZ' is not made of A, C, G, T or N"),
        (["chr1\t5\tx\tA\tQ"], "record 1 (chr1:5): ALT 'Q' is not made of A, C, G, T or N"),
    ],
)
def test_bad_vcf_records_are_one_line(counter, tiny_run, tmp_path, capsys, records, expected):
    _, genome = counter
    vcf = write_vcf(tmp_path / "v.vcf", records)
    out = tmp_path / "out.tsv"
    ckpt = tiny_run / "run/checkpoints/best.ckpt"
    assert run("--checkpoint", ckpt, "--vcf", vcf, "--genome", genome, "--out", out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0] and "Traceback" not in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["v.vcf", "g.fa", "g.fa.fai"] if (tmp_path / "g.fa.fai").exists() else ["v.vcf", "g.fa"]
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"chr1\t5\tx\tA\tC\t.\t.\t.\n", "not a VCF or BCF file: no header"),
        (None, "truncated"),
    ],
)
def test_unreadable_vcf_files_are_one_line(tiny_run, tmp_path, capsys, content, expected):
    vcf = tmp_path / "v.vcf.gz"
    if content is None:  # a bgzip stream cut in half
        write_vcf(tmp_path / "full.vcf", [f"chr1\t{i}\tx\tA\tC" for i in range(1, 300)])
        pysam.tabix_compress(str(tmp_path / "full.vcf"), str(tmp_path / "full.vcf.gz"))
        data = (tmp_path / "full.vcf.gz").read_bytes()
        vcf.write_bytes(data[: len(data) // 2])
    else:
        vcf.write_bytes(content)
    argv = ["--checkpoint", tiny_run / "run/checkpoints/best.ckpt", "--vcf", vcf,
            "--genome", tiny_run / "genome.fa", "--out", tmp_path / "out.tsv"]  # fmt: skip
    assert run(*argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0] and str(vcf) in err[0]
    assert not (tmp_path / "out.tsv").exists()


def test_a_vcf_of_another_build_is_flagged(counter, tmp_path, caplog):
    task, genome = counter
    vcf = write_vcf(tmp_path / "v.vcf", [f"chr2\t{i}\tx\tA\tC" for i in range(1, 21)])
    table = score_variants(task, vcf, genome, device="cpu")
    assert not table["ref_match"].any()
    assert "100% of the REF alleles differ" in caplog.text and "another genome build" in caplog.text


def test_cli_writes_the_table_and_allele_tracks(counter, tiny_run, tmp_path, capsys):
    _, genome = counter
    vcf = write_vcf(tmp_path / "v.vcf", ["chr1\t12\tbreak\tA\tC", "chr1\t20\tins\tA\tAGG"])
    out = tmp_path / "effects.tsv"
    argv = ["--checkpoint", tiny_run / "run/checkpoints/best.ckpt", "--vcf", vcf,
            "--genome", genome, "--out", out, "--null", "5", "--attribute", "saliency"]  # fmt: skip
    assert run(*argv) == 0
    table = pd.read_csv(out, sep="\t")
    assert list(table.columns) == [
        "chrom", "pos", "id", "ref", "alt", "ref_match",
        "bound", "bound.ref", "bound.alt", "bound.prob_diff", "bound.p",
    ]  # fmt: skip
    assert table["pos"].tolist() == [12, 20]  # 1-based, as in the VCF
    tracks = {side: pyBigWig.open(str(tmp_path / f"effects.{side}.bw")) for side in
              ("ref", "alt", "diff")}  # fmt: skip
    ref = np.array(tracks["ref"].values("chr1", 0, 30))
    alt = np.array(tracks["alt"].values("chr1", 0, 30))
    diff = np.array(tracks["diff"].values("chr1", 0, 30))
    assert np.isfinite(ref).sum() == 28  # windows [1, 21) and [9, 29)
    both = np.isfinite(alt) & np.isfinite(diff)
    assert both.sum() > 20
    # ref and diff come from different windows where two overlap: check where only one lies
    only_first = slice(1, 9)
    np.testing.assert_allclose(diff[only_first], alt[only_first] - ref[only_first], atol=1e-6)


@pytest.mark.slow  # starts two DDP processes (about 30 s)
def test_two_processes_write_what_one_writes(tiny_run, tmp_path):
    genome = tiny_run / "genome.fa"
    fasta = __import__("pyfaidx").Fasta(str(genome), as_raw=True)
    records = [f"chr{c}\t{p}\tv{c}_{p}\t{fasta[f'chr{c}'][p - 1]}\tA" for c in (1, 2, 3)
               for p in range(20, 380, 30)]  # fmt: skip
    vcf = write_vcf(tmp_path / "v.vcf", records)
    outputs = []
    for devices in (1, 2):
        out = tmp_path / f"d{devices}.tsv"
        argv = [sys.executable, "-m", "seqmodels", "variants", "--checkpoint",
                str(tiny_run / "run/checkpoints/best.ckpt"), "--vcf", str(vcf), "--genome",
                str(genome), "--out", str(out), "--null", "4", "--chunk-size", "7",
                "--devices", str(devices), "--device", "cpu"]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(pd.read_csv(out, sep="\t"))
    pd.testing.assert_frame_equal(outputs[0], outputs[1])
    assert not list(tmp_path.glob(".*parts"))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """A small CNN trained briefly on the demo data."""
    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "configs" / "cnn.yaml")
    config["model"] = {"name": "cnn", "filters": [32], "kernel_sizes": [19], "dense": []}
    config["trainer"].update(
        max_epochs=4, accelerator="cpu", enable_progress_bar=False, enable_model_summary=False
    )
    path = tmp_path_factory.mktemp("demo")
    train(config, path / "run")
    return path / "run/checkpoints/best.ckpt"


@pytest.mark.slow  # trains a small CNN on the demo data (about a minute)
def test_snvs_that_break_planted_sites_rank_above_background(demo_run):
    from sklearn.metrics import roc_auc_score

    root = Path(__file__).resolve().parents[1]
    task = load_task(demo_run)
    table = score_variants(task, root / "data/demo/variants.vcf", root / "data/demo/genome.fa")
    kind = table["id"].str.replace(r"_\d+$", "", regex=True)
    background = table[kind == "background"]
    for factor in ("CTCF", "SPI1", "NRF1"):
        broken = table[kind == f"{factor}_break"]
        truth = np.r_[np.ones(len(broken)), np.zeros(len(background))]
        scores = -np.r_[broken[factor], background[factor]]  # breaking lowers the output
        assert roc_auc_score(truth, scores) > 0.9, factor
