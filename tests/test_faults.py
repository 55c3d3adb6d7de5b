"""Faults: a process killed mid-write leaves no partial file at the final path and what it left is
cleaned up by the next run; a full disk is one line; an interrupted training resumes exactly."""

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from seqmodels.checkpoint import load_checkpoint
from seqmodels.io.atomic import atomic_write, remove_leftovers


def seqmodels(*argv, limit_bytes: int | None = None, **options) -> subprocess.Popen:
    """``python -m seqmodels ARGV`` in a process of its own; ``limit_bytes`` caps the size of
    any file it writes (a full disk, as far as the process can tell)."""

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    command = [sys.executable, "-m", "seqmodels", *map(str, argv)]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit if limit_bytes else None,
        **options,
    )


def finish(process: subprocess.Popen) -> tuple[int, str]:
    _, err = process.communicate(timeout=600)
    return process.returncode, err


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("seqmodels: error:")]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".part", ".parts")))


def wait_for(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition never held")
        time.sleep(0.05)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    out = tmp_path / "x.tsv"
    dead = tmp_path / f".x.tsv.{dead_pid()}.abc123.part"
    alive = tmp_path / f".x.tsv.{os.getpid()}.def456.part"
    folder = tmp_path / f".x.tsv.{dead_pid()}.ghi789.part"
    dead.write_text("half")
    alive.write_text("in progress")
    folder.mkdir()
    (folder / "report.html").write_text("half")
    other = tmp_path / f".y.tsv.{dead_pid()}.abc123.part"  # another output's: not ours
    other.write_text("half")
    with atomic_write(out) as handle:
        handle.write("done\n")
    assert not dead.exists() and not folder.exists()
    assert alive.exists() and other.exists() and out.read_text() == "done\n"
    assert remove_leftovers(tmp_path / "y.tsv") == [other]


@pytest.fixture(scope="module")
def big_genome(tmp_path_factory) -> Path:
    """A 4 Mb random genome: enough tiles for a predict that runs for seconds."""
    path = tmp_path_factory.mktemp("big") / "genome.fa"
    rng = np.random.default_rng(0)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, 4_000_000)]
    lines = [bases[i : i + 80].tobytes().decode() for i in range(0, len(bases), 80)]
    path.write_text(">chr1\n" + "\n".join(lines) + "\n")
    return path


def test_a_killed_predict_leaves_no_output_and_the_rerun_cleans_up(tiny_run, big_genome, tmp_path):
    checkpoint = tiny_run / "run/checkpoints/best.ckpt"
    out = tmp_path / "p.tsv"
    common = ["predict", "--checkpoint", checkpoint, "--genome", big_genome, "--out", out]
    process = seqmodels(*common, "--tile", 5, "--chunk-size", 2000, "--device", "cpu")
    wait_for(lambda: leftovers(tmp_path) or process.poll() is not None)
    assert process.poll() is None, "predict finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert leftovers(tmp_path) and not out.exists()  # a partial file, never at the final path
    status, err = finish(seqmodels(*common, "--tile", 1000, "--region", "chr1:0-50000"))
    assert status == 0, err
    assert leftovers(tmp_path) == [] and len(out.read_text().splitlines()) == 1 + 51


@pytest.mark.parametrize(
    ("command", "suffix", "limit"),
    [("predict", ".tsv", 20_000), ("attribute", ".bw", 20_000), ("attribute", ".npz", 2_000)],
)
def test_a_full_disk_is_one_line_and_leaves_nothing(tiny_run, tmp_path, command, suffix, limit):
    out = tmp_path / f"out{suffix}"
    process = seqmodels(
        command, "--checkpoint", tiny_run / "run/checkpoints/best.ckpt",
        "--genome", tiny_run / "genome.fa", "--tile", 1, "--method" if command == "attribute"
        else "--rc-average", *(["saliency"] if command == "attribute" else []),
        "--out", out, limit_bytes=limit,
    )  # fmt: skip
    status, err = finish(process)
    assert status == 2, err[-2000:]
    assert "Traceback" not in err
    (line,) = error_lines(err)
    assert str(out) in line and "File too large" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_training_that_cannot_write_its_first_checkpoint_says_so_and_leaves_nothing(
    tiny_run, tmp_path
):
    config = yaml.safe_load((tiny_run / "run/config.yaml").read_text())
    config["model"].update(filters=[256], dense=[512])  # a checkpoint of 0.5 MB: over the limit
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    run = tmp_path / "run"
    status, err = finish(
        seqmodels("train", "--config", tmp_path / "c.yaml", "--out", run, limit_bytes=200_000)
    )
    assert status == 2 and "Traceback" not in err, err[-2000:]
    (line,) = error_lines(err)
    assert "checkpoints" in line and ".ckpt: cannot write it (File too large)" in line
    assert not run.exists()  # not a run folder that --resume would call empty
    status, err = finish(seqmodels("train", "--out", run, "--resume"))
    assert status == 2 and "nothing to resume" in err


@pytest.mark.slow  # trains three times, one of them killed (about 30 s)
def test_training_killed_then_resumed_ends_with_the_weights_of_an_unbroken_run(tmp_path, tiny_run):
    config = yaml.safe_load((tiny_run / "run/config.yaml").read_text())
    config["trainer"]["max_epochs"] = 12
    config["train"].update(patience=5, monitor="val/loss")  # early stopping on, and its state
    config["data"].update(reverse_complement=True, max_shift=2)
    config["model"]["dropout"] = 0.3
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    status, err = finish(
        seqmodels("train", "--config", tmp_path / "c.yaml", "--out", tmp_path / "a")
    )
    assert status == 0, err[-2000:]
    split = tmp_path / "b"
    process = seqmodels("train", "--config", tmp_path / "c.yaml", "--out", split)
    metrics = split / "metrics.csv"
    wait_for(lambda: metrics.exists() and len(metrics.read_text().splitlines()) >= 4)
    process.send_signal(signal.SIGKILL)
    process.wait()
    status, err = finish(seqmodels("train", "--out", split, "--resume"))
    assert status == 0, err[-2000:]
    whole = load_checkpoint(tmp_path / "a/checkpoints/last.ckpt")
    resumed = load_checkpoint(split / "checkpoints/last.ckpt")
    assert whole["epoch"] == resumed["epoch"]
    for key, value in whole["state_dict"].items():
        assert torch.equal(value, resumed["state_dict"][key]), key
    assert leftovers(split / "checkpoints") == []


def test_a_run_killed_after_early_stopping_fired_resumes_to_its_test_not_another_epoch(
    tmp_path, tiny_run
):
    config = yaml.safe_load((tiny_run / "run/config.yaml").read_text())
    config["trainer"]["max_epochs"] = 12
    config["train"].update(patience=2, monitor="val/loss")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    run = tmp_path / "run"
    status, err = finish(seqmodels("train", "--config", tmp_path / "c.yaml", "--out", run))
    assert status == 0, err[-2000:]
    epochs = load_checkpoint(run / "checkpoints/last.ckpt")["epoch"]
    assert epochs < 11  # stopped early
    (run / "test_metrics.json").unlink()  # as if killed while testing
    rows = (run / "metrics.csv").read_text()
    status, err = finish(seqmodels("train", "--out", run, "--resume"))
    assert status == 0, err[-2000:]
    assert load_checkpoint(run / "checkpoints/last.ckpt")["epoch"] == epochs
    assert (run / "metrics.csv").read_text() == rows
    assert (run / "test_metrics.json").exists()
