"""End-to-end training on tiny data: every task type, checkpoints, resume, predict, evaluate."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from seqmodels.checkpoint import load_checkpoint, load_task
from seqmodels.cli import main
from seqmodels.config import load_config
from seqmodels.data import load_sequences
from seqmodels.io.fasta import read_fasta, write_fasta
from seqmodels.workflows.predict import predict
from seqmodels.workflows.train import train

MOTIFS = ("TGACTCA", "CCAATCG")  # AP-1 and a second, unrelated site


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """600 sequences of 40 bp on three chromosomes; labels count the planted motifs."""
    path = tmp_path_factory.mktemp("tiny")
    rng = np.random.default_rng(0)
    ids, seqs, counts = [], [], []
    for i in range(600):
        seq = list(rng.choice(list("ACGT"), 40))
        for motif in MOTIFS:
            for _ in range(rng.integers(0, 3) if rng.random() < 0.5 else 0):
                start = rng.integers(0, 40 - len(motif))
                seq[start : start + len(motif)] = motif
        text = "".join(seq)
        count = [text.count(motif) for motif in MOTIFS]
        chrom = ("chr1", "chr2", "chr3")[i % 3]
        ids.append(f"{chrom}:{i * 100}-{i * 100 + 40}")
        seqs.append(text)
        counts.append(count)
    counts = np.array(counts)
    (path / "seqs.fa").write_text("".join(f">{i}\n{s}\n" for i, s in zip(ids, seqs, strict=True)))
    labels = pd.DataFrame(
        {"id": ids, "ap1": (counts[:, 0] > 0) * 1, "ccaat": (counts[:, 1] > 0) * 1}
    )
    labels.loc[5, "ccaat"] = None  # a missing label
    labels.to_csv(path / "multilabel.csv", index=False)
    labels[["id", "ap1"]].to_csv(path / "binary.csv", index=False)
    cls = np.where(counts[:, 0] > 0, 1, 0) + np.where(counts[:, 1] > 0, 2, 0)
    pd.DataFrame({"id": ids, "site": np.minimum(cls, 2)}).to_csv(
        path / "multiclass.csv", index=False
    )
    pd.DataFrame({"id": ids, "n_ap1": counts[:, 0]}).to_csv(path / "regression.csv", index=False)
    return path


def tiny_config(tiny, labels="multilabel.csv", **sections):
    config = load_config()
    config["data"].update(
        fasta=str(tiny / "seqs.fa"),
        labels=str(tiny / labels),
        length=40,
        val_chroms=["chr2"],
        test_chroms=["chr3"],
        batch_size=32,
        reverse_complement=True,
        max_shift=2,
    )
    config["model"] = {"name": "cnn", "filters": [16], "kernel_sizes": [7], "dense": []}
    config["optim"].update(lr=0.02)
    config["trainer"].update(
        max_epochs=8, accelerator="cpu", enable_progress_bar=False, enable_model_summary=False
    )
    config["train"]["patience"] = 0
    for section, values in sections.items():
        config[section].update(values)
    return config


@pytest.mark.parametrize(
    ("labels", "task", "metric", "floor"),
    [
        ("binary.csv", {}, "ap1/auroc", 0.9),
        ("multilabel.csv", {}, "mean/auroc", 0.9),
        ("multiclass.csv", {"type": "multiclass"}, "site/accuracy", 0.7),
        ("regression.csv", {"type": "regression"}, "n_ap1/pearson", 0.7),
        (
            "regression.csv",
            {"type": "regression", "regression_loss": "poisson"},
            "n_ap1/spearman",
            0.7,
        ),
    ],
)
def test_each_task_type_learns_the_planted_motifs(tiny, tmp_path, labels, task, metric, floor):
    metrics = train(tiny_config(tiny, labels, task=task), tmp_path)
    assert metrics[metric] > floor
    assert json.loads((tmp_path / "test_metrics.json").read_text())[metric] == metrics[metric]
    saved = yaml.safe_load((tmp_path / "config.yaml").read_text())
    assert saved["data"]["labels"].endswith(labels)
    log = pd.read_csv(tmp_path / "metrics.csv")
    assert log["epoch"].tolist() == list(range(8))
    assert {"train/loss", "val/loss", "lr", f"val/{metric}"} <= set(log.columns)
    # the default schedule: warm-up within the first epoch, then a cosine to zero
    assert log["lr"].iloc[0] == pytest.approx(0.02, rel=0.01)
    assert log["lr"].is_monotonic_decreasing and log["lr"].iloc[-1] < 1e-4


def test_checkpoint_is_self_describing_and_predicts_identically(tiny, tmp_path):
    config = tiny_config(tiny, trainer={"max_epochs": 2})
    train(config, tmp_path)
    checkpoint = load_checkpoint(tmp_path / "checkpoints" / "best.ckpt")  # weights_only=True
    hp = checkpoint["hyper_parameters"]
    assert (hp["alphabet"], hp["length"], hp["task"], hp["unknown"]) == (
        "dna",
        40,
        "multilabel",
        "error",
    )
    assert hp["task_names"] == ["ap1", "ccaat"] and hp["model"]["name"] == "cnn" and hp["version"]

    task = load_task(tmp_path / "checkpoints" / "best.ckpt")
    sequences = load_sequences(fasta=tiny / "seqs.fa", length=40)
    first = predict(task, sequences)
    reloaded = load_task(tmp_path / "checkpoints" / "best.ckpt")
    assert np.array_equal(first, predict(reloaded, sequences))
    np.testing.assert_allclose(predict(task, sequences, batch_size=7), first, rtol=1e-5)
    x = torch.from_numpy(sequences.codes[:5])
    from seqmodels.encoding import codes_to_one_hot

    with torch.no_grad():
        direct = torch.sigmoid(task.model(codes_to_one_hot(x))).numpy()
    np.testing.assert_allclose(first[:5], direct, rtol=1e-6)


def test_resume_after_an_interruption_matches_an_uninterrupted_run(tiny, tmp_path, monkeypatch):
    config = tiny_config(tiny, trainer={"max_epochs": 4})
    train(config, tmp_path / "whole")

    import seqmodels.workflows.train as training

    class Crash(RuntimeError):
        pass

    class CrashMidEpoch(training.pl.Callback):
        def on_train_batch_start(self, trainer, *args):
            if trainer.current_epoch == 2 and trainer.fit_loop.epoch_loop.batch_idx == 1:
                raise Crash

    make_callbacks = training._callbacks
    monkeypatch.setattr(training, "_callbacks", lambda *a: [*make_callbacks(*a), CrashMidEpoch()])
    with pytest.raises(Crash):
        train(config, tmp_path / "split")
    monkeypatch.undo()
    assert load_checkpoint(tmp_path / "split" / "checkpoints" / "last.ckpt")["epoch"] == 1
    train(config, tmp_path / "split", resume=True)

    log = pd.read_csv(tmp_path / "split" / "metrics.csv")
    assert log["epoch"].tolist() == [0, 1, 2, 3]  # the epochs before the crash are kept
    whole = load_checkpoint(tmp_path / "whole" / "checkpoints" / "last.ckpt")["state_dict"]
    split = load_checkpoint(tmp_path / "split" / "checkpoints" / "last.ckpt")["state_dict"]
    assert whole.keys() == split.keys()
    for key in whole:
        assert torch.equal(whole[key], split[key]), key


def test_cli_train_predict_evaluate(tiny, tmp_path, capsys):
    config = tiny_config(tiny, trainer={"max_epochs": 2})
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    assert (
        main(["train", "--config", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "run")]) == 0
    )
    best = str(tmp_path / "run" / "checkpoints" / "best.ckpt")
    fasta = str(tiny / "seqs.fa")
    assert (
        main(["predict", "--checkpoint", best, "--fasta", fasta, "--out", str(tmp_path / "p.tsv")])
        == 0
    )
    table = pd.read_csv(tmp_path / "p.tsv", sep="\t")
    assert list(table.columns) == ["id", "ap1", "ccaat"] and len(table) == 600
    assert table[["ap1", "ccaat"]].apply(lambda c: c.between(0, 1).all()).all()

    labels = str(tiny / "multilabel.csv")
    out = str(tmp_path / "m.json")
    assert (
        main(["evaluate", "--checkpoint", best, "--fasta", fasta, "--labels", labels, "--out", out])
        == 0
    )
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert 0.5 < metrics["mean/auroc"] <= 1.0

    capsys.readouterr()
    assert (
        main(["train", "--config", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "run")]) == 2
    )
    assert "holds a run already; use --resume" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (["--model.name", "resnet"], "model.name: unknown model 'resnet'"),
        (["--model.filterz", "[8]"], "model.filterz: unknown key; choose from filters"),
        (["--model.dropout", "lots"], "model.dropout: expected a number in [0, 1), got 'lots'"),
        (["--trainer.max_epoch", "3"], "trainer.max_epoch: not a Trainer argument"),
        (["--task.type", "ranking"], "task.type: expected one of auto, binary, multilabel"),
    ],
)
def test_config_errors_are_one_line(tiny, tmp_path, capsys, override, message):
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(tiny_config(tiny)))
    status = main(
        ["train", "--config", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "r"), *override]
    )
    err = capsys.readouterr().err
    assert status == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_ddp_with_two_cpu_processes_scores_each_sequence_once(tiny, tmp_path):
    """Lightning's DistributedSampler pads the shards to equal size by repeating sequences; the
    metrics of two processes must still equal one process's on the same checkpoint."""
    ids, seqs = read_fasta(tiny / "seqs.fa")
    keep = [i for i, name in enumerate(ids) if name != ids[2]]  # chr3 (test): 199, odd
    write_fasta(tmp_path / "seqs.fa", [ids[i] for i in keep], [seqs[i] for i in keep])
    labels = pd.read_csv(tiny / "multilabel.csv").iloc[keep]
    labels.to_csv(tmp_path / "labels.csv", index=False)
    config = tiny_config(tiny, trainer={"max_epochs": 4, "devices": 2, "strategy": "ddp"})
    config["data"].update(fasta=str(tmp_path / "seqs.fa"), labels=str(tmp_path / "labels.csv"))
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [sys.executable, "-m", "seqmodels", "train", "--config", str(tmp_path / "c.yaml"),
         "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "distributed_backend=gloo" in result.stderr
    ddp = json.loads((tmp_path / "run" / "test_metrics.json").read_text())
    assert ddp["mean/auroc"] > 0.8

    test = labels[labels["id"].str.startswith("chr3:")]
    assert len(test) == 199
    test.to_csv(tmp_path / "test.csv", index=False)
    write_fasta(tmp_path / "test.fa", test["id"], [seqs[ids.index(i)] for i in test["id"]])
    best = str(tmp_path / "run" / "checkpoints" / "best.ckpt")
    argv = ["evaluate", "--checkpoint", best, "--fasta", str(tmp_path / "test.fa")]
    assert (
        main([*argv, "--labels", str(tmp_path / "test.csv"), "--out", str(tmp_path / "m.json")])
        == 0
    )
    one = json.loads((tmp_path / "m.json").read_text())
    assert one.keys() == ddp.keys() - {"loss"}
    for key, value in one.items():
        assert ddp[key] == pytest.approx(value, abs=1e-6), key


def test_the_best_checkpoint_is_the_best_validation_auroc_by_default(tiny, tmp_path):
    config = tiny_config(tiny, trainer={"max_epochs": 5})
    config["train"] = load_config()["train"]  # monitor: auto, mode: auto, patience 10
    train(config, tmp_path)
    log = pd.read_csv(tmp_path / "metrics.csv")
    best = load_checkpoint(tmp_path / "checkpoints" / "best.ckpt")
    assert best["epoch"] == int(log.loc[log["val/mean/auroc"].idxmax(), "epoch"])
    callback = next(v for k, v in best["callbacks"].items() if k.startswith("ModelCheckpoint"))
    assert callback["monitor"] == "val/mean/auroc"
