"""Numeric inputs: matrices of numeric inputs alone (genes × time points), and bigWig input
channels beside the one-hot sequence."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pyBigWig
import pytest
import torch
from test_bad_input import fails, nothing_left
from test_coverage import write_bigwig

from seqmodels.alphabets import DNA
from seqmodels.attribution import attribute
from seqmodels.checkpoint import load_task
from seqmodels.data.module import augment, augment_channels
from seqmodels.errors import SeqmodelsError
from seqmodels.io.numeric import read_numeric
from seqmodels.workflows.inputs import load_inputs, open_inputs
from seqmodels.workflows.predict import predict

CHROMS = {"chr1": 4000, "chr2": 4000, "chr3": 4000}
LENGTH = 50
RUN = [sys.executable, "-m", "seqmodels"]


def _train(config: dict, out: Path) -> Path:
    from seqmodels.workflows.train import train

    config["trainer"].update(
        max_epochs=8, accelerator="cpu", enable_progress_bar=False, enable_model_summary=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train(config, out)
    return out / "checkpoints" / "best.ckpt"


@pytest.fixture(scope="session")
def genes_run(tmp_path_factory) -> Path:
    """600 genes × 2 channels × 24 time points; a gene is labelled 1 when channel 2 peaks
    between time points 8 and 12."""
    from seqmodels.config import load_config

    folder = tmp_path_factory.mktemp("genes")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 2, 24)).astype(np.float32)
    label = rng.random(600) < 0.5
    x[label, 1, 8:12] += 3.0
    ids = np.array([f"g{i}" for i in range(600)])
    np.savez(folder / "genes.npz", x=x, ids=ids)
    (folder / "labels.csv").write_text(
        "id,late\n" + "".join(f"{i},{int(v)}\n" for i, v in zip(ids, label, strict=True))
    )
    config = load_config()
    config["data"].update(numeric=str(folder / "genes.npz"), labels=str(folder / "labels.csv"))
    config["model"] = {"name": "cnn", "filters": [8], "kernel_sizes": [5]}
    _train(config, folder / "run")
    return folder


@pytest.fixture(scope="session")
def channels_run(tmp_path_factory) -> Path:
    """Windows over a random genome with an accessibility bigWig beside it: a window is
    positive where the track is high over its GATA site (the sequence alone cannot tell)."""
    from seqmodels.config import load_config

    folder = tmp_path_factory.mktemp("channels")
    rng = np.random.default_rng(1)
    genome, access, lines = {}, {}, []
    for chrom, size in CHROMS.items():
        seq = rng.choice(list("ACGT"), size)
        signal = rng.random(size) * 0.2
        for start in range(0, size - LENGTH, 25):
            open_ = rng.random() < 0.5
            site = start + 23
            seq[site : site + 4] = list("GATA")
            if open_:
                signal[site - 5 : site + 9] += 2.0
            lines.append(f"{chrom}\t{start}\t{start + LENGTH}\t{int(open_)}")
        genome[chrom], access[chrom] = "".join(seq), signal
    (folder / "genome.fa").write_text("".join(f">{c}\n{s}\n" for c, s in genome.items()))
    write_bigwig(folder / "access.bw", CHROMS, access)
    (folder / "x.bed").write_text("#chrom\tstart\tend\topen\n" + "\n".join(lines) + "\n")
    config = load_config()
    config["data"].update(
        bed=str(folder / "x.bed"), genome=str(folder / "genome.fa"),
        channels=[str(folder / "access.bw")], val_chroms=["chr2"], test_chroms=["chr3"],
    )  # fmt: skip
    config["model"] = {"name": "cnn", "filters": [8, 8], "kernel_sizes": [7, 3]}
    _train(config, folder / "run")
    return folder


def test_numeric_files_read_alike_from_npz_npy_and_tables(tmp_path):
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    np.savez(tmp_path / "a.npz", x=x, ids=np.array(["s1", "s2"]))
    np.save(tmp_path / "a.npy", x)
    rows = [",".join(["id", *(f"c{k}t{t}" for k in range(3) for t in range(4))])]
    rows += [",".join([name, *map(str, x[i].ravel())]) for i, name in enumerate(["s1", "s2"])]
    (tmp_path / "a.csv").write_text("\n".join(rows) + "\n")
    for name, ids in (("a.npz", ["s1", "s2"]), ("a.npy", ["0", "1"]), ("a.csv", ["s1", "s2"])):
        got_ids, values = read_numeric(tmp_path / name, n_channels=3)
        assert got_ids == ids
        np.testing.assert_array_equal(values, x)  # a table's columns: channel after channel


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,a,b,c\ns1,1,2,3\n", r"3 value columns do not split into 2 channel"),
        ("id,a,b\ns1,1,x\n", r"line 2: column b: 'x' is not a number"),
        ("id,a,b\ns1,1,2\ns1,3,4\n", r"sample id 's1' appears twice"),
        ("name,a,b\ns1,1,2\n", r"the first column must be id"),
        ("id,a,b\ns1,1,inf\n", r"sample s1: channel 2, step 1: inf is not a finite number"),
        ("id,a,b\n", r"no samples \(a header only\)"),  # was a ValueError of numpy
        ("id,a,b\ns1,1,2\n ,3,4\n", r"line 3: an empty id"),  # was read as the id ''
    ],
)
def test_bad_numeric_tables_are_one_line(tmp_path, content, message):
    (tmp_path / "x.csv").write_text(content)
    with pytest.raises(SeqmodelsError, match=message):
        read_numeric(tmp_path / "x.csv", n_channels=2)


def test_bad_numeric_arrays_are_one_line(tmp_path):
    np.save(tmp_path / "flat.npy", np.zeros((3, 4)))
    with pytest.raises(SeqmodelsError, match=r"shape \(3, 4\), expected \(N, C, L\)"):
        read_numeric(tmp_path / "flat.npy")
    np.savez(tmp_path / "no_ids.npz", x=np.zeros((3, 1, 4)))
    with pytest.raises(SeqmodelsError, match=r"holds x .* and ids"):
        read_numeric(tmp_path / "no_ids.npz")
    (tmp_path / "text.npy").write_text("not numpy")
    with pytest.raises(SeqmodelsError, match=r"not a NumPy \.npy file"):
        read_numeric(tmp_path / "text.npy")
    x = np.zeros((2, 1, 4))
    np.savez(tmp_path / "objects.npz", x=x.astype(object), ids=np.array(["a", "b"]))
    with pytest.raises(SeqmodelsError, match=r"not a NumPy \.npz file \(Object arrays"):
        read_numeric(tmp_path / "objects.npz")  # was a ValueError: never unpickled
    np.savez(tmp_path / "one_id.npz", x=x[:1], ids=np.array("a"))
    with pytest.raises(SeqmodelsError, match=r"ids of shape \(\), expected \(N,\)"):
        read_numeric(tmp_path / "one_id.npz")  # was a TypeError
    np.savez(tmp_path / "huge.npz", x=np.full((2, 1, 4), 1e39), ids=np.array(["a", "b"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning of the cast on stderr
        with pytest.raises(SeqmodelsError, match=r"sample a: channel 1, step 1: inf is not"):
            read_numeric(tmp_path / "huge.npz")


def test_numeric_configs_refuse_what_they_would_leave_unread(genes_run, tmp_path):
    from seqmodels.config import load_config
    from seqmodels.workflows.inputs import read_config_records

    bigwig = write_bigwig(tmp_path / "t.bw", {"chr1": 10}, {"chr1": np.ones(10)})
    data = {"numeric": str(genes_run / "genes.npz"), "labels": str(genes_run / "labels.csv")}
    for changes, message in [
        ({"targets": [str(bigwig)]}, r"data.targets: bigWig tracks are read over data.bed"),
        ({"channels": [str(bigwig)]}, r"data.channels: bigWig tracks are read over data.bed"),
        ({"length": 30}, r"data.length: 30, but .*genes.npz holds 24 steps per sample"),
        ({"numeric_channels": 3}, r"data.numeric_channels: 3, but .*genes.npz holds 2 channel"),
    ]:
        config = load_config()
        config["data"].update(data, **changes)
        with pytest.raises(SeqmodelsError, match=message):
            read_config_records(config["data"])
    config = load_config()
    config["data"].update(data, length=24, numeric_channels=2)  # as the file says: fine
    assert read_config_records(config["data"]).numeric.shape == (600, 2, 24)


def test_checkpoint_commands_name_what_numeric_models_cannot_take(
    genes_run, channels_run, tmp_path, capsys
):
    genes = genes_run / "run" / "checkpoints" / "best.ckpt"
    with_channels = channels_run / "run" / "checkpoints" / "best.ckpt"
    numeric = ["--checkpoint", genes, "--numeric", genes_run / "genes.npz"]
    cases = [  # (argv, the start of the message)
        (["evaluate", *numeric, "--out", tmp_path / "m.json"],
         "evaluate --numeric needs --labels"),  # was: evaluation needs the label columns
        (["predict", *numeric, "--rc-average", "--out", tmp_path / "p.tsv"],
         f"--rc-average: {genes} reads numeric inputs alone"),  # was: rc_average: …, mid-work
        (["motifs", "--checkpoint", with_channels, "--bed", channels_run / "x.bed", "--genome",
          channels_run / "genome.fa", "--out", tmp_path / "m"],
         f"{with_channels}: motifs work on sequences alone"),
        (["variants", "--checkpoint", genes, "--vcf", tmp_path / "v.vcf", "--genome",
          channels_run / "genome.fa", "--out", tmp_path / "v.tsv"],
         f"{genes}: variant effects work on sequences alone"),
    ]  # fmt: skip
    (tmp_path / "v.vcf").write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n")
    for argv, expected in cases:
        assert fails(capsys, *argv).startswith(f"seqmodels: error: {expected}"), argv
    nothing_left(tmp_path, "v.vcf")


def test_a_model_of_numeric_inputs_alone_learns_and_predicts_from_the_cli(genes_run, tmp_path):
    metrics = json.loads((genes_run / "run" / "test_metrics.json").read_text())
    assert metrics["late/auroc"] > 0.9
    checkpoint = genes_run / "run" / "checkpoints" / "best.ckpt"
    task = load_task(checkpoint)
    assert task.hparams.alphabet == "none" and task.channel_names == ["channel1", "channel2"]
    command = [*RUN, "predict", "--checkpoint", str(checkpoint), "--out", str(tmp_path / "p.tsv")]
    done = subprocess.run([*command, "--numeric", str(genes_run / "genes.npz")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = np.loadtxt(tmp_path / "p.tsv", skiprows=1, usecols=1)
    x = torch.from_numpy(np.load(genes_run / "genes.npz")["x"])
    with torch.no_grad():
        expected = task.eval().predict_outputs(x)[:, 0].numpy()
    np.testing.assert_allclose(table, expected, rtol=1e-4, atol=1e-6)


def test_attributions_of_numeric_inputs_are_shaped_like_them_and_complete(genes_run, tmp_path):
    checkpoint = genes_run / "run" / "checkpoints" / "best.ckpt"
    out = tmp_path / "a.npz"
    command = [*RUN, "attribute", "--checkpoint", str(checkpoint), "--method", "deeplift"]
    done = subprocess.run([*command, "--numeric", str(genes_run / "genes.npz"), "--out",
                           str(out)], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    attributions = np.load(out)["arr_0"]
    x = np.load(genes_run / "genes.npz")["x"]
    assert attributions.shape == x.shape
    task = load_task(checkpoint).eval()
    with torch.no_grad():  # DeepLIFT against zeros: the attributions sum to f(x) − f(0)
        difference = task(torch.from_numpy(x))[:, 0] - task(torch.zeros(1, *x.shape[1:]))[0, 0]
    np.testing.assert_allclose(attributions.sum(axis=(1, 2)), difference.numpy(), atol=1e-4)
    # the label lives in channel 2, time points 8-11
    share = np.abs(attributions[:, 1, 8:12]).sum() / np.abs(attributions).sum()
    assert share > 0.25  # 3 times the share of 4 of 48 values


def test_sequence_features_refuse_numeric_inputs_in_one_line(genes_run, channels_run, tmp_path):
    genes = genes_run / "run" / "checkpoints" / "best.ckpt"
    with_channels = channels_run / "run" / "checkpoints" / "best.ckpt"
    bed, genome = str(channels_run / "x.bed"), str(channels_run / "genome.fa")
    cases = [
        (["attribute", "--checkpoint", str(genes), "--numeric", str(genes_run / "genes.npz"),
          "--out", str(tmp_path / "a.npz")], "--method deeplift_shap changes sequences"),
        (["attribute", "--checkpoint", str(genes), "--numeric", str(genes_run / "genes.npz"),
          "--method", "saliency", "--out", str(tmp_path / "a.bw")],
         "numeric inputs alone have no genome coordinates"),
        (["motifs", "--checkpoint", str(with_channels), "--bed", bed, "--genome", genome,
          "--out", str(tmp_path / "m")], "motifs work on sequences alone"),
        (["predict", "--checkpoint", str(with_channels), "--fasta", str(channels_run / "genome.fa"),
          "--out", str(tmp_path / "p.tsv")], "give --bed or --tile"),
        (["predict", "--checkpoint", str(with_channels), "--bed", bed, "--genome", genome,
          "--channels", str(channels_run / "access.bw"), str(channels_run / "access.bw"),
          "--out", str(tmp_path / "p.tsv")], "--channels: give 1 bigWig"),
        (["predict", "--checkpoint", str(genes), "--bed", bed, "--genome", genome,
          "--out", str(tmp_path / "p.tsv")], "give --numeric FILE"),
    ]  # fmt: skip
    for command, message in cases:
        done = subprocess.run([*RUN, *command], capture_output=True, text=True)
        assert done.returncode == 2 and message in done.stderr, (command, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_input_channels_are_read_with_their_windows_and_reversed_on_the_minus_strand(
    channels_run, tmp_path
):
    task = load_task(channels_run / "run" / "checkpoints" / "best.ckpt")
    assert task.channel_names == ["access"] and task.model.trunk[0][0].in_channels == 5
    bed = tmp_path / "w.bed"
    bed.write_text("chr3\t100\t150\ta\t0\t+\nchr3\t100\t150\tb\t0\t-\n")
    sequences = load_inputs(task, bed=bed, genome=channels_run / "genome.fa", stranded=True)
    with pyBigWig.open(str(channels_run / "access.bw")) as bw:
        expected = np.array(bw.values("chr3", 100, 150), dtype=np.float32)
    np.testing.assert_allclose(sequences.numeric[0, 0], expected)
    np.testing.assert_allclose(sequences.numeric[1, 0], expected[::-1])
    x = sequences.inputs_at(np.arange(2))
    torch.testing.assert_close(task.reverse_inputs(x[:1]), x[1:])  # the other strand, exactly


def test_a_model_with_input_channels_learns_from_them_and_streams_the_same(channels_run):
    metrics = json.loads((channels_run / "run" / "test_metrics.json").read_text())
    assert metrics["open/auroc"] > 0.9  # the sequence alone cannot tell
    task = load_task(channels_run / "run" / "checkpoints" / "best.ckpt")
    genome = channels_run / "genome.fa"
    in_memory = load_inputs(task, bed=channels_run / "x.bed", genome=genome)
    streamed = open_inputs(task, bed=channels_run / "x.bed", genome=genome)
    np.testing.assert_allclose(predict(task, streamed), predict(task, in_memory), rtol=1e-5)


def test_augmentation_moves_channels_with_their_sequence():
    codes = torch.tensor([[0, 1, 2, 3, 0]], dtype=torch.uint8)  # ACGTA
    numeric = torch.arange(10, dtype=torch.float32).view(1, 2, 5)  # a stranded pair
    flip, shift = torch.tensor([True]), torch.tensor([1])
    moved = augment_channels(numeric, [2], flip=flip, shift=shift)
    # reverse strand: the pair swapped and reversed; then one step right, a zero shifted in
    torch.testing.assert_close(moved[0], torch.tensor([[0.0, 9, 8, 7, 6], [0, 4, 3, 2, 1]]))
    # its sequence: TACGT, then a gap shifted in
    assert augment(codes, DNA, flip=flip, shift=shift).tolist() == [[DNA.gap_code, 3, 0, 1, 2]]


def test_deeplift_on_a_model_with_channels_is_exact(channels_run):
    task = load_task(channels_run / "run" / "checkpoints" / "best.ckpt").eval()
    sequences = load_inputs(task, bed=channels_run / "x.bed", genome=channels_run / "genome.fa")
    x = sequences.inputs_at(np.arange(8))
    reference = torch.zeros(5, LENGTH)
    reference[:4] = 0.25
    _, deltas = attribute(task.model, x, method="deeplift", references=reference,
                          return_deltas=True)  # fmt: skip
    assert deltas.abs().max() < 1e-4
