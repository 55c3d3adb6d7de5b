"""In-silico mutagenesis, fast and in full, against a loop over every variant."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from seqmodels.attribution import attribute
from seqmodels.attribution.fast_ism import WindowedModel
from seqmodels.attribution.ism import saturation_mutagenesis
from seqmodels.models import CNN, CNNLSTM, DilatedCNN


def random_one_hot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 4, (n, length), generator=generator)
    return nn.functional.one_hot(codes, 4).float().transpose(1, 2).contiguous()


def brute_force(model: nn.Module, X: torch.Tensor, target: int) -> torch.Tensor:
    """Every substitution written out, ``f(variant) − f(x)``, a model call per sequence."""
    effects = torch.zeros_like(X)
    with torch.no_grad():
        for i, x in enumerate(X):
            variants = []
            for position in range(X.shape[2]):
                for symbol in range(X.shape[1]):
                    variant = x.clone()
                    variant[:, position] = 0
                    variant[symbol, position] = 1
                    variants.append(variant)
            outputs = model(torch.stack(variants))[:, target] - model(x[None])[0, target]
            effects[i] = outputs.view(X.shape[2], X.shape[1]).T
    return effects


def trained_looking(model: nn.Module, seed: int = 0) -> nn.Module:
    """``model`` in eval mode with batch norm statistics and affine weights far from their
    initial values."""
    generator = torch.Generator().manual_seed(seed)
    for layer in model.modules():
        if isinstance(layer, nn.BatchNorm1d):
            size = layer.num_features
            layer.running_mean.copy_(torch.randn(size, generator=generator))
            layer.running_var.copy_(torch.rand(size, generator=generator) * 2 + 0.2)
            with torch.no_grad():
                layer.weight.copy_(torch.randn(size, generator=generator))
                layer.bias.copy_(torch.randn(size, generator=generator))
    return model.eval()


def small_cnn(**args) -> nn.Module:
    torch.manual_seed(0)
    args = {"filters": (8, 8, 6), "kernel_sizes": (7, 3, 3), "pool_size": 3, "dense": (5,)} | args
    return trained_looking(CNN(4, 3, **args))


def sequential() -> nn.Module:
    """Even "same" padding, "valid" padding, dilation, a stride past the kernel, average
    pooling."""
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Conv1d(4, 6, 4, padding="same"),
        nn.ELU(),
        nn.AvgPool1d(2),
        nn.Conv1d(6, 5, 3, dilation=2, padding="valid"),
        nn.Conv1d(5, 5, 2, stride=3, padding=1),
        nn.AdaptiveAvgPool1d(1),
        nn.Flatten(),
        nn.Linear(5, 2),
    ).eval()


MODELS = {
    "cnn": small_cnn,
    "cnn_avg": lambda: small_cnn(pool="avg", global_pool="avg", activation="elu"),
    "cnn_strided": lambda: small_cnn(pool="none", pool_size=2),
    "cnn_fractional": lambda: small_cnn(pool="fractional", pool_size=1.6),
    "dilated": lambda: trained_looking(
        DilatedCNN(
            4, 3, filters=6, first_kernel_size=5, n_dilated=3, dense=(5,), scanner_skip=False
        )
    ),
    "sequential": sequential,
}


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("length", [13, 80])
def test_fast_ism_equals_every_variant_run_in_full(name, length):
    model = MODELS[name]()
    assert WindowedModel.compile(model) is not None
    X = random_one_hot(2, length, seed=length)
    fast = saturation_mutagenesis(model, X, target=1, batch_size=16)
    torch.testing.assert_close(fast, brute_force(model, X, 1), rtol=1e-4, atol=1e-5)
    assert fast[X.bool()].abs().max() == 0  # the observed symbol


def test_a_head_reading_two_layers_falls_back_to_full_ism():
    """The windowed form follows one chain of layers; a scanner skip is not one."""
    model = trained_looking(DilatedCNN(4, 3, filters=6, first_kernel_size=5, n_dilated=2))
    assert model.scanner_skip and WindowedModel.compile(model) is None
    X = random_one_hot(2, 40, seed=5)
    fast = saturation_mutagenesis(model, X, target=1, batch_size=16)
    torch.testing.assert_close(fast, brute_force(model, X, 1), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["cnn_strided", "dilated"])
def test_fast_ism_is_exact_in_float64(name):
    model = MODELS[name]().double()
    X = random_one_hot(1, 60, seed=3).double()
    fast = saturation_mutagenesis(model, X, target=0, batch_size=16)
    torch.testing.assert_close(fast, brute_force(model, X, 0), rtol=0, atol=1e-12)


def test_fast_ism_does_a_fraction_of_the_arithmetic():
    torch.manual_seed(0)
    model = trained_looking(CNN(4, 2, filters=(16, 16, 16), kernel_sizes=(15, 5, 5)))  # 3 blocks
    X = random_one_hot(1, 300)
    flops = {}
    for fast in (True, False):
        with FlopCounterMode(display=False) as counter:
            saturation_mutagenesis(model, X, batch_size=32, fast=fast)
        flops[fast] = counter.get_total_flops()
    assert flops[False] > 10 * flops[True]


def test_forward_hooks_are_honoured():
    model = MODELS["cnn"]()
    X = random_one_hot(2, 30)
    hook = model.trunk[1][0].register_forward_hook(lambda module, args, out: out.flip(2))
    try:
        effects = saturation_mutagenesis(model, X, batch_size=16)
        torch.testing.assert_close(effects, brute_force(model, X, 0), rtol=1e-4, atol=1e-5)
    finally:
        hook.remove()


def test_n_and_gap_columns_are_mutated_to_every_symbol():
    model = MODELS["cnn"]()
    X = random_one_hot(2, 30)
    X[0, :, 4] = 0.25
    X[1, :, 20:22] = 0.0
    fast = saturation_mutagenesis(model, X, target=2, batch_size=16)
    torch.testing.assert_close(fast, brute_force(model, X, 2), rtol=1e-4, atol=1e-5)
    assert (fast[0, :, 4] != 0).all() and (fast[1, :, 20:22] != 0).all()


def test_window_mutates_only_its_positions():
    model = MODELS["cnn_strided"]()
    X = random_one_hot(2, 40)
    windowed = saturation_mutagenesis(model, X, batch_size=16, window=(5, 17))
    every = brute_force(model, X, 0)
    assert windowed[..., :5].abs().max() == 0 and windowed[..., 17:].abs().max() == 0
    torch.testing.assert_close(windowed[..., 5:17], every[..., 5:17], rtol=1e-4, atol=1e-5)


def test_results_do_not_depend_on_batch_size_or_path():
    model = MODELS["cnn_strided"]()
    X = random_one_hot(5, 40)
    first = saturation_mutagenesis(model, X, batch_size=2)
    for batch_size in (3, 64):
        torch.testing.assert_close(saturation_mutagenesis(model, X, batch_size=batch_size), first)
    full = saturation_mutagenesis(model, X, batch_size=16, fast=False)
    torch.testing.assert_close(full, first, rtol=1e-4, atol=1e-5)


def test_lstm_falls_back_to_running_every_variant_in_full():
    torch.manual_seed(0)
    model = trained_looking(CNNLSTM(4, 2, filters=6, kernel_size=5, pool_size=2, hidden_size=4))
    assert WindowedModel.compile(model) is None
    X = random_one_hot(2, 20)
    effects = saturation_mutagenesis(model, X, target=1, batch_size=16)
    torch.testing.assert_close(effects, brute_force(model, X, 1), rtol=1e-4, atol=1e-5)


def test_mode_and_device_are_restored_and_dropout_is_off():
    model = MODELS["cnn"]()
    X = random_one_hot(2, 30)
    expected = brute_force(model, X, 0)
    model.train()
    for effects in (
        saturation_mutagenesis(model, X, batch_size=16),
        attribute(model, X, method="ism", batch_size=16, device="cpu"),
    ):
        assert model.training and all(m.training for m in model.modules())
        torch.testing.assert_close(effects, expected, rtol=1e-4, atol=1e-5)
    assert all(p.requires_grad for p in model.parameters())
