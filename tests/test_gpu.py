"""CUDA paths give what the CPU gives (run by scripts/gpu_check.sh; skipped without CUDA)."""

import numpy as np
import pandas as pd
import pytest
import torch

from seqmodels.attribution import attribute, make_references
from seqmodels.checkpoint import load_task
from seqmodels.models import build_model
from seqmodels.workflows.inputs import open_inputs
from seqmodels.workflows.predict import predict_to_file

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def random_batch(n: int, length: int) -> torch.Tensor:
    codes = torch.randint(0, 4, (n, length), generator=torch.Generator().manual_seed(0))
    return torch.nn.functional.one_hot(codes, 4).transpose(1, 2).float()


@pytest.mark.parametrize("method", ["saliency", "deeplift_shap", "ism"])
def test_attributions_on_cuda_equal_those_on_the_cpu(method):
    model = build_model("cnn", alphabet_size=4, n_outputs=2, filters=(16, 16), kernel_sizes=(7, 3))
    X = random_batch(4, 100)
    options = {"n_shuffles": 4} if method == "deeplift_shap" else {}
    cpu = attribute(model, X, method=method, target=1, device="cpu", **options)
    cuda = attribute(model, X, method=method, target=1, device="cuda", **options)
    assert cuda.device.type == "cpu" and next(model.parameters()).device.type == "cpu"
    torch.testing.assert_close(cuda, cpu, atol=1e-4, rtol=1e-3)


def test_shuffles_made_on_cuda_equal_those_made_on_the_cpu():
    X = random_batch(8, 300)
    X[2, :, 10:20] = 0.25  # Ns
    cpu = make_references(X, "shuffle", n=5, random_state=3)
    cuda = make_references(X.cuda(), "shuffle", n=5, random_state=3)
    assert cuda.device.type == "cuda" and torch.equal(cuda.cpu(), cpu)


def test_predictions_on_cuda_equal_those_on_the_cpu(tiny_run, tmp_path):
    task = load_task(tiny_run / "run/checkpoints/best.ckpt")
    inputs = open_inputs(task, bed=tiny_run / "x.bed", genome=tiny_run / "genome.fa")
    for device in ("cpu", "cuda"):
        predict_to_file(task, inputs, tmp_path / f"{device}.tsv", chunk_size=7, device=device)
    cpu, cuda = (pd.read_csv(tmp_path / f"{device}.tsv", sep="\t") for device in ("cpu", "cuda"))
    pd.testing.assert_frame_equal(cuda, cpu, atol=1e-5)


def test_bf16_training_on_cuda_learns(tiny_run, tmp_path):
    from seqmodels.config import load_config
    from seqmodels.workflows.train import train

    config = load_config()
    config["data"].update(
        bed=str(tiny_run / "x.bed"), genome=str(tiny_run / "genome.fa"), length=20
    )
    config["data"].update(val_chroms=["chr2"], test_chroms=["chr3"])
    config["model"] = {"name": "cnn", "filters": [4], "kernel_sizes": [3], "dense": []}
    config["trainer"].update(
        max_epochs=2, accelerator="cuda", precision="bf16-mixed", enable_progress_bar=False
    )
    metrics = train(config, tmp_path / "run")
    assert np.isfinite(metrics["loss"])
    task = load_task(tmp_path / "run/checkpoints/best.ckpt")
    assert next(task.parameters()).dtype == torch.float32  # bf16 autocast, float32 weights
