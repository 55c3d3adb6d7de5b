"""Class activation maps checked against hand computations and the logit they decompose."""

import pytest
import torch
from torch import nn

from seqmodels import SeqmodelsError, one_hot_encode
from seqmodels.attribution import class_activation_map
from seqmodels.models import build_model
from seqmodels.models.cnn import CNN
from seqmodels.task import SequenceTask


def set_weights(layer: nn.Module, weight, bias) -> None:
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight, dtype=torch.float32).reshape(layer.weight.shape))
        layer.bias.copy_(torch.tensor(bias, dtype=torch.float32))


def per_base_model() -> CNN:
    """Kernel-1 convolution → ReLU → GAP → Linear: each trunk position sees one base.

    Trunk activations (3 channels) per base, relu(W·x + b):
    A → [1, 0, 0.5], C → [0, 2, 0], G → [0, 2, 0], T → [0, 0, 2.5].
    """
    model = CNN(
        4, 2, filters=(3,), kernel_sizes=(1,), batch_norm=False, dropout=0.0,
        global_pool="avg", dense=(),
    )  # fmt: skip
    conv = [[1, 0, 0, 0], [0, 2, 2, 0], [1, -1, 0, 3]]
    set_weights(model.trunk[0][0], conv, [0.0, 0.0, -0.5])
    set_weights(model.head[2], [[1, -1, 2], [0.5, 1, -1]], [0.25, -1.0])
    return model


def pooled_model() -> CNN:
    """Two kernel-1 blocks with average pooling of 2 between them: L′ = L / 2.

    "ACGT" → block 1 gives [1, 2, 3, 4], pooled [1.5, 3.5]; block 2 passes it on.
    """
    model = CNN(
        4, 1, filters=(1, 1), kernel_sizes=(1, 1), pool="avg", pool_size=2, batch_norm=False,
        dropout=0.0, global_pool="avg", dense=(),
    )  # fmt: skip
    set_weights(model.trunk[0][0], [1, 2, 3, 4], [0.0])
    set_weights(model.trunk[1][0], [1], [0.0])
    set_weights(model.head[2], [[2.0]], [0.5])
    return model


@pytest.mark.parametrize(
    ("target", "expected", "logit"),
    [
        # W[0] = [1, −1, 2]: A → 1 + 1 = 2, T → 5, G, C → −2; mean 1, + bias 0.25
        (0, [2.0, 5.0, -2.0, -2.0, 2.0], 1.25),
        # W[1] = [0.5, 1, −1]: A → 0.5 − 0.5 = 0, T → −2.5, G, C → 2; mean 0.3, + bias −1
        (1, [0.0, -2.5, 2.0, 2.0, 0.0], -0.7),
    ],
)
def test_cam_matches_the_hand_computation(target, expected, logit):
    model, x = per_base_model(), one_hot_encode("ATGCA")
    cam = class_activation_map(model, x, target=target, device="cpu")
    torch.testing.assert_close(cam, torch.tensor([expected]), rtol=0, atol=1e-6)
    torch.testing.assert_close(model(x)[:, target], torch.tensor([logit]), rtol=0, atol=1e-6)


def test_cam_is_upsampled_linearly_between_segment_centres():
    # trunk CAM 2 · [1.5, 3.5] = [3, 7], centred on input positions 0.5 and 2.5:
    # held at the ends, 3 + (7 − 3)/4 at 1 and 3 + 3(7 − 3)/4 at 2. Logit 5 + 0.5.
    model, x = pooled_model(), one_hot_encode("ACGT")
    trunk = class_activation_map(model, x, upsample=False, device="cpu")
    torch.testing.assert_close(trunk, torch.tensor([[3.0, 7.0]]), rtol=0, atol=1e-6)
    full = class_activation_map(model, x, device="cpu")
    torch.testing.assert_close(full, torch.tensor([[3.0, 4.0, 6.0, 7.0]]), rtol=0, atol=1e-6)
    torch.testing.assert_close(model(x), torch.tensor([[5.5]]), rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("cnn", {"filters": (8, 8, 8), "kernel_sizes": (5, 3, 3), "pool_size": 2}),
        ("cnn", {"filters": (8, 8), "kernel_sizes": (5, 3), "pool": "none", "pool_size": 3}),
        ("dilated", {"filters": 8, "first_kernel_size": 5, "n_dilated": 2, "scanner_skip": False}),
    ],
)
def test_trunk_cam_mean_plus_bias_is_the_logit(name, args):
    torch.manual_seed(0)
    model = build_model(
        name, alphabet_size=4, n_outputs=3, global_pool="avg", dense=(), **args
    ).eval()
    x = nn.functional.one_hot(torch.randint(0, 4, (5, 50)), 4).float().transpose(1, 2)
    cam = class_activation_map(model, x, target=2, upsample=False, device="cpu")
    with torch.no_grad():
        logits = model(x)[:, 2]
    torch.testing.assert_close(cam.mean(dim=1) + model.head[2].bias[2], logits)
    full = class_activation_map(model, x, target=2, batch_size=2, device="cpu")
    assert full.shape == (5, 50)


@pytest.mark.parametrize(
    "args",
    [
        {"dense": (4,)},  # max pooling and a hidden dense layer
        {"global_pool": "max", "dense": ()},
        {"global_pool": "avg", "dense": (4,)},
    ],
)
def test_cam_refuses_other_heads(args):
    model = CNN(4, 1, filters=(4,), kernel_sizes=(3,), **args)
    with pytest.raises(SeqmodelsError, match="global average pooling"):
        class_activation_map(model, one_hot_encode("ACGTA"), device="cpu")


def test_cam_refuses_a_model_whose_head_also_reads_its_scanners():
    model = build_model("dilated", alphabet_size=4, n_outputs=1, filters=4, global_pool="avg")
    with pytest.raises(SeqmodelsError, match=r"model\.scanner_skip: false"):
        class_activation_map(model, one_hot_encode("ACGTA"), device="cpu")


def test_cam_refuses_a_model_without_a_trunk():
    model = build_model("lstm", alphabet_size=4, n_outputs=1, global_pool="avg", dense=())
    with pytest.raises(SeqmodelsError, match=r"model\.global_pool: avg"):
        class_activation_map(model, one_hot_encode("ACGTA"), device="cpu")


def test_cam_leaves_the_network_of_a_task_as_found():
    task = SequenceTask(
        model={"name": "cnn", "filters": [4], "kernel_sizes": [3], "global_pool": "avg",
               "dense": []},
        task="binary", task_names=["y"], length=6,
    )  # fmt: skip
    task.train()
    task.model.head[2].bias.requires_grad_(False)
    flags = [p.requires_grad for p in task.parameters()]
    cam = class_activation_map(task.model, one_hot_encode(["ACGTAC", "GGGTTT"]), device="cpu")
    assert cam.shape == (2, 6)
    assert task.training and task.model.training
    assert [p.requires_grad for p in task.parameters()] == flags
    assert all(p.grad is None for p in task.parameters())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cam_on_cuda_returns_cpu_and_moves_the_model_back():
    model, x = per_base_model(), one_hot_encode("ATGCA")
    cam = class_activation_map(model, x, device="cuda")
    assert cam.device.type == "cpu"
    assert next(model.parameters()).device.type == "cpu"
    torch.testing.assert_close(cam, torch.tensor([[2.0, 5.0, -2.0, -2.0, 2.0]]))


def test_cli_writes_the_cam_of_a_global_average_pool_model_as_a_bigwig(tmp_path):
    import numpy as np
    import pyBigWig

    from seqmodels.checkpoint import load_task
    from seqmodels.cli import main
    from seqmodels.config import load_config
    from seqmodels.workflows.inputs import load_inputs
    from seqmodels.workflows.train import train

    rng = np.random.default_rng(0)
    genome = {c: "".join(rng.choice(list("ACGT"), 400)) for c in ("chr1", "chr2", "chr3")}
    (tmp_path / "g.fa").write_text("".join(f">{c}\n{s}\n" for c, s in genome.items()))
    rows = [f"{c}\t{s}\t{s + 40}\t{s // 40 % 2}" for c in genome for s in range(0, 360, 40)]
    (tmp_path / "x.bed").write_text("#chrom\tstart\tend\tbound\n" + "\n".join(rows) + "\n")
    config = load_config()
    config["data"].update(
        bed=str(tmp_path / "x.bed"), genome=str(tmp_path / "g.fa"), val_chroms=["chr2"]
    )
    config["data"]["test_chroms"] = ["chr3"]
    config["model"] = {
        "name": "cnn", "filters": [4], "kernel_sizes": [5], "dense": [], "global_pool": "avg"
    }  # fmt: skip
    config["trainer"].update(max_epochs=1, accelerator="cpu", enable_progress_bar=False)
    train(config, tmp_path / "run")
    checkpoint = tmp_path / "run/checkpoints/best.ckpt"
    out = tmp_path / "cam.bw"
    argv = ["attribute", "--checkpoint", str(checkpoint), "--bed", str(tmp_path / "x.bed")]
    argv += ["--genome", str(tmp_path / "g.fa"), "--method", "cam", "--out", str(out)]
    assert main(argv) == 0
    task = load_task(checkpoint)
    sequences = load_inputs(task, bed=tmp_path / "x.bed", genome=tmp_path / "g.fa")
    X = torch.nn.functional.one_hot(torch.from_numpy(sequences.codes).long(), 4)
    cam = class_activation_map(task.model, X.transpose(1, 2).float())
    values = np.array(pyBigWig.open(str(out)).values("chr1", 40, 80))
    np.testing.assert_allclose(values, cam[1].numpy(), rtol=1e-5, atol=1e-6)
