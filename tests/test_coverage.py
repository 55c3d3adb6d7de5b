"""Coverage targets: bigWig profiles in, BPNet-style models, their losses and metrics, predicted
tracks out, and the heads that attributions explain."""

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pyBigWig
import pytest
import torch
import yaml
from scipy import stats
from scipy.spatial.distance import jensenshannon
from test_bad_input import fails, nothing_left

from seqmodels.attribution import attribute
from seqmodels.checkpoint import load_task
from seqmodels.data.module import reverse_profiles
from seqmodels.encoding import codes_to_one_hot, reverse_complement
from seqmodels.errors import SeqmodelsError
from seqmodels.io.coverage import parse_targets, read_profiles
from seqmodels.profiles import binned_loss, profile_loss, profile_metrics
from seqmodels.workflows.inputs import load_inputs, open_inputs
from seqmodels.workflows.predict import evaluate, predict_coverage, predict_tracks_to_file

CHROMS = {"chr1": 3000, "chr2": 3000, "chr3": 3000}
LENGTH, TARGET = 100, 60


def write_bigwig(path: Path, sizes: dict[str, int], values: dict[str, np.ndarray]) -> Path:
    """A bigWig of per-base ``values`` (NaN: no entry) with pyBigWig."""
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(sizes.items()))
    for chrom, track in values.items():
        covered = np.flatnonzero(~np.isnan(track))
        if len(covered):
            bw.addEntries([chrom] * len(covered), covered.tolist(), ends=(covered + 1).tolist(),
                          values=track[covered].astype(float).tolist())  # fmt: skip
    bw.close()
    return path


# reading bigWig targets ---------------------------------------------------------------------


@pytest.fixture
def pair(tmp_path) -> list[Path]:
    """A stranded pair over one 50 bp chromosome: plus 1 … 10 on [0, 10) and 5 on [20, 30),
    minus 100 + position on [0, 30); no value elsewhere."""
    plus = np.full(50, np.nan)
    plus[:10], plus[20:30] = np.arange(1, 11), 5
    minus = np.full(50, np.nan)
    minus[:30] = 100 + np.arange(30)
    sizes = {"chrA": 50}
    return [
        write_bigwig(tmp_path / "F.plus.bw", sizes, {"chrA": plus}),
        write_bigwig(tmp_path / "F.minus.bw", sizes, {"chrA": minus}),
    ]


def test_profiles_read_zeros_where_the_bigwig_has_no_value_or_the_chromosome_ends(pair):
    targets = parse_targets([[str(p) for p in pair]])
    assert targets.names == ["F"] and targets.strands == [2]
    profiles, missing = read_profiles(targets, np.array(["chrA", "chrA"]), np.array([-5, 40]), 20)
    plus = np.zeros((2, 20))
    plus[0, 5:15] = np.arange(1, 11)
    assert np.array_equal(profiles[:, 0], plus)
    assert np.array_equal(profiles[0, 1, 5:], 100 + np.arange(15))
    assert not profiles[1, 1].any()
    # plus: 5 before the start, 5 of [10, 15); 10 of [40, 50) and 10 past the end
    assert missing.tolist() == [5 + 5 + 10 + 10, 5 + 10 + 10]


def test_minus_strand_profiles_are_reversed_with_their_strands_swapped(pair):
    targets = parse_targets([[str(p) for p in pair]])
    chrom, start = np.array(["chrA", "chrA"]), np.array([0, 0])
    profiles, _ = read_profiles(targets, chrom, start, 12, np.array(["+", "-"]))
    assert np.array_equal(profiles[1, 0], profiles[0, 1, ::-1])
    assert np.array_equal(profiles[1, 1], profiles[0, 0, ::-1])


def test_binned_profiles_are_the_sums_of_their_bins(pair):
    targets = parse_targets([str(pair[0])])
    per_base, _ = read_profiles(targets, np.array(["chrA"]), np.array([0]), 30)
    binned, _ = read_profiles(targets, np.array(["chrA"]), np.array([0]), 30, bin_size=10)
    assert binned.shape == (1, 1, 3)
    assert np.array_equal(binned[0, 0], per_base[0, 0].reshape(3, 10).sum(axis=1))
    assert binned[0, 0].tolist() == [55, 0, 50]


def test_negative_coverage_and_foreign_chromosomes_are_refused(tmp_path, pair):
    track = np.zeros(50)
    track[7] = -1
    bad = write_bigwig(tmp_path / "lfc.bw", {"chrA": 50}, {"chrA": track})
    with pytest.raises(SeqmodelsError, match=r"lfc.bw: -1 at chrA:8: .*counts"):
        read_profiles(parse_targets([str(bad)]), np.array(["chrA"]), np.array([0]), 20)
    with pytest.raises(SeqmodelsError, match=r"F\.plus\.bw: no chromosome 'chr1'"):
        read_profiles(parse_targets([str(pair[0])]), np.array(["chr1"]), np.array([0]), 20)
    with pytest.raises(SeqmodelsError, match=r"data\.targets: two entries share the name 'F'"):
        parse_targets([str(pair[0]), str(pair[1])])
    with pytest.raises(SeqmodelsError, match=r"data.targets\[0\]: a bigWig path or a pair"):
        parse_targets([[str(pair[0])] * 3])


# losses and metrics -------------------------------------------------------------------------


def test_profile_loss_of_uniform_logits_is_the_total_times_log_positions():
    """Tasks of 2 and 1 tracks, 5 positions: with equal logits, each read costs log(10) or
    log(5); the count term is count_weight × (log count − log(1 + total))²."""
    rng = np.random.default_rng(0)
    observed = torch.from_numpy(rng.poisson(3.0, (4, 3, 5)).astype(np.float32))
    log_counts = torch.tensor(rng.normal(2, 1, (4, 2)), dtype=torch.float32)
    loss = profile_loss(torch.zeros(4, 3, 5), log_counts, observed, [2, 1], count_weight=0.5)
    totals = observed[:, :2].sum(dim=(1, 2)).numpy(), observed[:, 2].sum(dim=1).numpy()
    expected = 0.0
    for t, (total, positions) in enumerate(zip(totals, (10, 5), strict=True)):
        count = (log_counts[:, t].numpy() - np.log1p(total)) ** 2
        expected += np.mean(total * np.log(positions) + 0.5 * count)
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_binned_losses_are_poisson_and_squared_log_errors():
    rates = torch.tensor([[[0.0, 1.0, -1.0]]])
    counts = torch.tensor([[[0.0, 2.0, 1.0]]])
    poisson = np.mean(np.exp([0, 1, -1]) - np.array([0, 2, 1]) * np.array([0, 1, -1]))
    squared = np.mean((np.array([0, 1, -1]) - np.log1p([0, 2, 1])) ** 2)
    assert float(binned_loss(rates, counts, poisson=True)) == pytest.approx(poisson, rel=1e-6)
    assert float(binned_loss(rates, counts, poisson=False)) == pytest.approx(squared, rel=1e-6)


def test_a_profile_model_with_hand_set_weights_has_the_loss_worked_out_by_hand():
    """Profile convolution zeroed (uniform probabilities over 2 × 60 positions) and the count
    layer fixed to log(1 + 30): a window with 30 reads costs 30 · log(120), nothing more."""
    from seqmodels.models import complete_model_arguments
    from seqmodels.task import SequenceTask

    model = {"name": "dilated", "filters": 8, "n_dilated": 2, "head": "profile"}
    task = SequenceTask(model=complete_model_arguments(model), task="profile", task_names=["F"],
                        length=LENGTH, strands=[2], output_length=TARGET).eval()  # fmt: skip
    head = task.model.head
    with torch.no_grad():
        head.profile.weight.zero_(), head.profile.bias.zero_()
        head.counts.weight.zero_(), head.counts.bias.fill_(np.log1p(30.0))
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, LENGTH)), 4).permute(0, 2, 1)
    observed = torch.zeros(3, 2, TARGET)
    observed[:, 0, 7], observed[:, 1, 50] = 20, 10
    loss = task.loss(task(x.float()), observed)
    assert float(loss.detach()) == pytest.approx(30 * np.log(2 * TARGET), rel=1e-6)


def test_profile_metrics_equal_scipy():
    rng = np.random.default_rng(1)
    observed = rng.poisson(2.0, (30, 2, 8)).astype(np.float64)
    observed[3] = 0  # no coverage: left out of the profile metrics
    logits = rng.normal(size=(30, 2, 8))
    log_counts = rng.normal(3, 1, (30, 1))
    metrics = profile_metrics(observed, logits, log_counts, [2], ["F"])
    totals = observed.sum(axis=(1, 2))
    assert metrics["F/count_pearson"] == pytest.approx(
        stats.pearsonr(np.log1p(totals), log_counts[:, 0])[0], abs=1e-6
    )
    assert metrics["F/count_spearman"] == pytest.approx(
        stats.spearmanr(np.log1p(totals), log_counts[:, 0])[0], abs=1e-9
    )
    flat = observed.reshape(30, -1)
    p = np.exp(logits.reshape(30, -1))
    p /= p.sum(axis=1, keepdims=True)
    covered = [i for i in range(30) if totals[i] > 0]
    pearson = np.mean([stats.pearsonr(flat[i], p[i])[0] for i in covered])
    jsd = np.mean([jensenshannon(flat[i] / totals[i], p[i]) for i in covered])
    mnll = -np.mean([stats.multinomial.logpmf(flat[i], int(totals[i]), p[i]) for i in range(30)])
    assert metrics["F/profile_pearson"] == pytest.approx(pearson, abs=1e-9)
    assert metrics["F/jsd"] == pytest.approx(jsd, abs=1e-9)
    assert metrics["F/mnll"] == pytest.approx(mnll, rel=1e-9)
    assert metrics["mean/mnll"] == metrics["F/mnll"]


def test_reversed_profiles_swap_each_stranded_task_and_leave_the_rest():
    profiles = torch.arange(2 * 3 * 4, dtype=torch.float32).view(2, 3, 4)
    flipped = reverse_profiles(profiles, torch.tensor([False, True]), [2, 1])
    assert torch.equal(flipped[0], profiles[0])
    assert torch.equal(flipped[1, 0], profiles[1, 1].flip(-1))
    assert torch.equal(flipped[1, 1], profiles[1, 0].flip(-1))
    assert torch.equal(flipped[1, 2], profiles[1, 2].flip(-1))


# trained models ---------------------------------------------------------------------------


def _coverage_run(folder: Path, *, bin_size: int | None) -> Path:
    """A profile (or binned) model trained for one epoch on Poisson coverage that follows a
    GATA-like word on the plus strand and its reverse complement on the minus strand."""
    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    rng = np.random.default_rng(0)
    genome, plus, minus = {}, {}, {}
    for chrom, size in CHROMS.items():
        seq = rng.choice(list("ACGT"), size)
        rate = np.full((2, size), 0.2)
        for site in rng.choice(size - 20, 40, replace=False):
            seq[site : site + 4] = list("GATA")
            rate[0, max(site - 6, 0) : site], rate[1, site + 4 : site + 10] = 8.0, 8.0
        genome[chrom] = "".join(seq)
        plus[chrom], minus[chrom] = rng.poisson(rate[0]), rng.poisson(rate[1])
    (folder / "genome.fa").write_text("".join(f">{c}\n{s}\n" for c, s in genome.items()))
    write_bigwig(folder / "F.plus.bw", CHROMS, {c: v.astype(float) for c, v in plus.items()})
    write_bigwig(folder / "F.minus.bw", CHROMS, {c: v.astype(float) for c, v in minus.items()})
    lines = [f"{c}\t{s}\t{s + LENGTH}" for c in CHROMS for s in range(0, 3000 - LENGTH, 40)]
    (folder / "x.bed").write_text("\n".join(lines) + "\n")
    config = load_config()
    config["data"].update(
        bed=str(folder / "x.bed"), genome=str(folder / "genome.fa"), length=LENGTH,
        targets=[[str(folder / "F.plus.bw"), str(folder / "F.minus.bw")]],
        target_length=TARGET, bin_size=bin_size, val_chroms=["chr2"], test_chroms=["chr3"],
    )  # fmt: skip
    config["model"] = {"name": "dilated", "filters": 8, "n_dilated": 2, "profile_kernel": 9}
    config["trainer"].update(
        max_epochs=1, accelerator="cpu", enable_progress_bar=False, enable_model_summary=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train(config, folder / "run")
    return folder


@pytest.fixture(scope="session")
def profile_run(tmp_path_factory) -> Path:
    return _coverage_run(tmp_path_factory.mktemp("profile"), bin_size=None)


@pytest.fixture(scope="session")
def binned_run(tmp_path_factory) -> Path:
    return _coverage_run(tmp_path_factory.mktemp("binned"), bin_size=10)


def _stranded_bed(folder: Path, path: Path) -> Path:
    """Windows 0 and 1 overlap by 50 bp, window 2 is on the minus strand."""
    path.write_text(
        f"chr3\t200\t{200 + LENGTH}\ta\t0\t+\nchr3\t250\t{250 + LENGTH}\tb\t0\t+\n"
        f"chr3\t1000\t{1000 + LENGTH}\tc\t0\t-\n"
    )
    return path


def test_training_reports_the_coverage_metrics(profile_run, binned_run):
    import json

    for run in (profile_run, binned_run):
        metrics = json.loads((run / "run" / "test_metrics.json").read_text())
        for key in ("count_pearson", "count_spearman", "profile_pearson", "jsd", "mnll"):
            assert np.isfinite(metrics[f"F/{key}"])
    task = load_task(binned_run / "run" / "checkpoints" / "best.ckpt")
    assert task.hparams.task == "binned" and task.hparams.bin_size == 10


@pytest.mark.parametrize("run", ["profile_run", "binned_run"])
def test_predicted_bigwigs_read_back_equal_the_predictions_in_memory(run, request, tmp_path):
    folder = request.getfixturevalue(run)
    task = load_task(folder / "run" / "checkpoints" / "best.ckpt")
    bed = _stranded_bed(folder, tmp_path / "w.bed")
    sequences = load_inputs(task, bed=bed, genome=folder / "genome.fa", stranded=True)
    coverage = predict_coverage(task, sequences)  # (3, 2, P), in reading orientation
    if task.hparams.bin_size:
        coverage = np.repeat(coverage / task.hparams.bin_size, task.hparams.bin_size, axis=-1)
    paths = predict_tracks_to_file(task, sequences, tmp_path / "pred.bw", chrom_sizes=CHROMS)
    assert [p.name for p in paths] == ["pred.F.plus.bw", "pred.F.minus.bw"]
    offset = (LENGTH - TARGET) // 2
    for k, path in enumerate(paths):
        with pyBigWig.open(str(path)) as bw:
            values = np.array(bw.values("chr3", 0, 3000))
        first = np.full(3000, np.nan)
        first[200 + offset : 200 + offset + TARGET] = coverage[0, k]
        second = np.full(3000, np.nan)
        second[250 + offset : 250 + offset + TARGET] = coverage[1, k]
        both = np.isfinite(first) & np.isfinite(second)
        expected = np.where(both, (first + second) / 2, np.fmax(first, second))
        # the minus-strand window: read backwards, its plus track the genome's minus strand
        expected[1000 + offset : 1000 + offset + TARGET] = coverage[2, 1 - k, ::-1]
        np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-6)


def test_predicted_tracks_do_not_depend_on_the_chunk_size(profile_run, tmp_path):
    task = load_task(profile_run / "run" / "checkpoints" / "best.ckpt")
    inputs = open_inputs(task, genome=profile_run / "genome.fa", stride=30)  # overlapping tiles
    tracks = []
    for chunk_size in (7, 10_000):
        paths = predict_tracks_to_file(task, inputs, tmp_path / f"{chunk_size}.bw",
                                       chrom_sizes=CHROMS, chunk_size=chunk_size)  # fmt: skip
        with pyBigWig.open(str(paths[0])) as bw:
            tracks.append(
                np.concatenate([bw.values(c, 0, n, numpy=True) for c, n in CHROMS.items()])
            )
    np.testing.assert_allclose(tracks[0], tracks[1], rtol=1e-6)  # batches round differently
    assert np.isfinite(tracks[0]).mean() > 0.9


def test_reverse_complement_averaging_makes_the_profile_strand_symmetric(profile_run):
    task = load_task(profile_run / "run" / "checkpoints" / "best.ckpt")
    task.hparams.rc_average = True
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (5, LENGTH)), 4).permute(0, 2, 1).float()
    with torch.no_grad():
        logits, counts = task.raw_outputs(x)
        rc_logits, rc_counts = task.raw_outputs(reverse_complement(x, task.alphabet))
    torch.testing.assert_close(rc_logits, logits[:, [1, 0]].flip(-1))
    torch.testing.assert_close(rc_counts, counts)


@pytest.mark.parametrize("head", ["counts", "profile"])
def test_deeplift_explains_each_head_to_the_output_difference(profile_run, head):
    task = load_task(profile_run / "run" / "checkpoints" / "best.ckpt")
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (4, LENGTH)), 4).permute(0, 2, 1).float()
    model = task.explained(head)
    attributions, deltas = attribute(
        model, x, method="deeplift_shap", n_shuffles=5, return_deltas=True
    )
    assert attributions.shape == x.shape and deltas.abs().max() < 1e-4
    if head == "counts":
        with torch.no_grad():
            torch.testing.assert_close(model(x)[:, 0], task(x)[1][:, 0])


def test_heads_are_refused_where_the_model_has_none(profile_run, binned_run, tiny_run):
    with pytest.raises(SeqmodelsError, match="--head profile: a binned model has counts, not a"):
        load_task(binned_run / "run" / "checkpoints" / "best.ckpt").explained("profile")
    with pytest.raises(SeqmodelsError, match="--head counts: a binary model has one output per"):
        load_task(tiny_run / "run" / "checkpoints" / "best.ckpt").explained("counts")


def test_cli_predict_writes_tracks_and_totals_and_inspect_reports_coverage(profile_run, tmp_path):
    run = [sys.executable, "-m", "seqmodels"]
    checkpoint = profile_run / "run" / "checkpoints" / "best.ckpt"
    inputs = ["--bed", str(profile_run / "x.bed"), "--genome", str(profile_run / "genome.fa")]
    for out in ("p.bw", "p.tsv"):
        command = [*run, "predict", "--checkpoint", str(checkpoint), *inputs, "--out"]
        done = subprocess.run([*command, str(tmp_path / out)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.F.plus.bw").exists() and (tmp_path / "p.F.minus.bw").exists()
    totals = np.loadtxt(tmp_path / "p.tsv", skiprows=1, usecols=1)
    task = load_task(checkpoint)
    sequences = load_inputs(task, bed=profile_run / "x.bed", genome=profile_run / "genome.fa")
    with torch.no_grad():
        x = codes_to_one_hot(torch.from_numpy(sequences.codes), task.alphabet)
        expected = task.predict_outputs(x)[:, 0].numpy()
    np.testing.assert_allclose(totals, expected, rtol=1e-4, atol=1e-5)
    assert (totals >= 0).all()
    config = profile_run / "run" / "config.yaml"
    report = subprocess.run([*run, "inspect", "--config", str(config)], capture_output=True,
                            text=True)  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert "coverage      2 track(s) × 60 values per window" in report.stdout
    assert "F.minus.bw:" in report.stdout and "positions without a value" in report.stdout


@pytest.mark.slow
def test_the_demo_coverage_regenerates_byte_for_byte_and_the_profile_config_trains_on_it(
    tmp_path,
):
    root = Path(__file__).resolve().parents[1]
    script = root / "scripts" / "make_demo_coverage.py"
    done = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "coverage")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for name in ("CTCF.plus.bw", "CTCF.minus.bw", "intervals.bed"):
        shipped = root / "data" / "demo" / "coverage" / name
        assert (tmp_path / "coverage" / name).read_bytes() == shipped.read_bytes(), name
    command = [sys.executable, "-m", "seqmodels", "train", "--config", "configs/profile.yaml",
               "--out", str(tmp_path / "run"), "--trainer.max_epochs", "1",
               "--trainer.limit_train_batches", "5", "--trainer.limit_val_batches", "2",
               "--trainer.limit_test_batches", "2"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "run" / "test_metrics.json").read_text())
    assert {"CTCF/count_pearson", "CTCF/profile_pearson", "CTCF/jsd"} <= set(metrics)


# bad input ----------------------------------------------------------------------------------


def test_coverage_settings_that_would_go_unread_are_refused(
    tiny_run, profile_run, tmp_path, capsys
):
    labelled = tmp_path / "bed.yaml"
    labelled.write_text(yaml.safe_dump({
        "data": {"bed": str(tiny_run / "x.bed"), "genome": str(tiny_run / "genome.fa"),
                 "length": 20, "val_chroms": ["chr2"], "test_chroms": ["chr3"]},
        "model": {"name": "cnn", "filters": [4], "kernel_sizes": [3]},
        "trainer": {"max_epochs": 1, "accelerator": "cpu"},
    }))  # fmt: skip
    coverage = profile_run / "run" / "config.yaml"
    out = tmp_path / "out"
    cases = [  # (command, expected)
        (["train", "--config", labelled, "--task.type", "profile"],
         "task.type: profile learns coverage: it needs data.targets"),  # was a TypeError
        (["train", "--config", labelled, "--task.type", "binned"], "task.type: binned learns"),
        (["train", "--config", labelled, "--data.target_length", "10"],
         "data.target_length: 10, but there are no coverage targets (data.targets)"),
        (["inspect", "--config", labelled, "--data.bin_size", "5"],
         "data.bin_size: 5, but there are no coverage targets"),
        (["train", "--config", coverage, "--model.head", "pool"],  # was trained with a profile head
         "model.head: pool: coverage targets (data.targets) are learned by the profile head"),
    ]  # fmt: skip
    for command, expected in cases:
        argv = [*command, "--out", out] if command[0] == "train" else command
        assert expected in fails(capsys, *argv), command
    nothing_left(tmp_path, "bed.yaml")


def test_evaluate_refuses_a_coverage_model_in_one_line(profile_run, tmp_path, capsys):
    checkpoint = profile_run / "run" / "checkpoints" / "best.ckpt"
    bed = ["--bed", profile_run / "x.bed", "--genome", profile_run / "genome.fa"]
    (tmp_path / "x.fa").write_text(">a\n" + "ACGT" * 25 + "\n>b\n" + "TTGA" * 25 + "\n")
    (tmp_path / "y.csv").write_text("id,F\na,3\nb,40\n")  # labels named like its task
    fasta = ["--fasta", tmp_path / "x.fa", "--labels", tmp_path / "y.csv"]
    for inputs in (bed, fasta):  # the second was a ValueError of the metrics
        message = fails(capsys, "evaluate", "--checkpoint", checkpoint, *inputs,
                        "--out", tmp_path / "m.json")  # fmt: skip
        assert f"{checkpoint}: a profile model predicts coverage; evaluate scores" in message
    nothing_left(tmp_path, "x.fa", "y.csv")
    task = load_task(checkpoint)
    sequences = load_inputs(task, fasta=tmp_path / "x.fa", labels=tmp_path / "y.csv")
    with pytest.raises(SeqmodelsError, match="evaluation scores labels; a profile model"):
        evaluate(task, sequences)


def test_predicted_tracks_name_their_file_and_appear_together(
    profile_run, tiny_run, tmp_path, capsys
):
    inputs = ["--bed", profile_run / "x.bed", "--genome", profile_run / "genome.fa"]
    label_model = tiny_run / "run" / "checkpoints" / "best.ckpt"
    out = tmp_path / "p.bw"
    message = fails(capsys, "predict", "--checkpoint", label_model, *inputs, "--out", out)
    assert message.startswith(f"seqmodels: error: {out}: the checkpoint is a binary model")
    checkpoint = profile_run / "run" / "checkpoints" / "best.ckpt"
    for track in ("p.F.plus.bw", "p.F.minus.bw"):  # either in the way: neither is written
        (tmp_path / track).mkdir()
        message = fails(capsys, "predict", "--checkpoint", checkpoint, *inputs, "--out", out)
        assert message == f"seqmodels: error: {tmp_path / track}: is a folder; give a file name"
        nothing_left(tmp_path, track)
        (tmp_path / track).rmdir()


def test_checkpoints_whose_profile_does_not_fit_are_refused(profile_run, binned_run, tmp_path):
    for run, key, value, expected in [
        (profile_run, "output_length", 120, "output_length: 120 is longer than the input windows"),
        (binned_run, "bin_size", 7, "bin_size: 7 does not divide output_length (60)"),
    ]:  # fmt: skip
        checkpoint = torch.load(run / "run" / "checkpoints" / "best.ckpt", weights_only=True)
        checkpoint["hyper_parameters"][key] = value
        torch.save(checkpoint, tmp_path / "bad.ckpt")
        with pytest.raises(SeqmodelsError, match=re.escape(f"bad.ckpt: {expected}")):
            load_task(tmp_path / "bad.ckpt")


def test_a_file_that_is_not_a_bigwig_is_one_line_on_stderr(tmp_path, capfd):
    (tmp_path / "x.bw").write_text("chr1\t0\t10\t1.5\n")  # a bedGraph
    with pytest.raises(SeqmodelsError, match=r"x\.bw: not a bigWig file"):
        read_profiles(parse_targets([str(tmp_path / "x.bw")]), np.array(["chr1"]),
                      np.array([0]), 10)  # fmt: skip
    assert capfd.readouterr().err == ""  # libBigWig's own complaints are not printed
