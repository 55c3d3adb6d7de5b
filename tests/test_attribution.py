"""Attributions checked against truths: completeness, hand computations, Captum, brute force."""

import warnings

import numpy as np
import pytest
import torch
from captum.attr import DeepLift as CaptumDeepLift
from captum.attr import IntegratedGradients
from torch import nn

from seqmodels import SeqmodelsError, one_hot_encode
from seqmodels.attribution import (
    attribute,
    check_deeplift_model,
    dinucleotide_shuffle,
    importance_track,
    make_baselines,
)
from seqmodels.models import build_model

warnings.filterwarnings("ignore", message=".*(hooks|required_grads).*")


def random_one_hot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 4, (n, length), generator=generator)
    return nn.functional.one_hot(codes, 4).float().transpose(1, 2).contiguous()


def shipped(name: str, **args) -> nn.Module:
    torch.manual_seed(0)
    return build_model(name, alphabet_size=4, n_outputs=2, **args).eval()


class Linear(nn.Module):
    """f(x) = Σ w·x + b."""

    def __init__(self, length: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4, length))
        self.bias = nn.Parameter(torch.tensor(0.3))

    def forward(self, x):
        return ((x * self.weight).sum(dim=(1, 2)) + self.bias)[:, None]


class TinyReLU(nn.Module):
    """f(x) = relu(w·x) with w = 1 at (A, 0) and (C, 1): hand-computable."""

    def __init__(self):
        super().__init__()
        self.weight = torch.zeros(4, 2)
        self.weight[0, 0] = self.weight[1, 1] = 1.0
        self.bias = nn.Parameter(torch.tensor(-1.5))
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu((x * self.weight).sum(dim=(1, 2)) + self.bias)[:, None]


def test_deeplift_on_a_linear_model_is_difference_times_weight():
    model = Linear(10)
    x, ref = random_one_hot(3, 10), random_one_hot(3, 10, seed=1)
    result = attribute(model, x, method="deeplift", baselines=ref, device="cpu")
    torch.testing.assert_close(result, (x - ref) * model.weight.detach(), rtol=0, atol=1e-6)


def test_deeplift_on_a_small_relu_net_matches_the_hand_computation():
    # x = "AC": pre-activation 1 + 1 − 1.5 = 0.5; ref = uniform: 0.25 + 0.25 − 1.5 = −1.
    # Rescale: multiplier Δy/Δz = (0.5 − 0)/(0.5 + 1) = 1/3 on both weighted inputs.
    x = one_hot_encode("AC")
    result = attribute(TinyReLU(), x, method="deeplift", baselines="uniform", device="cpu")
    expected = torch.zeros(1, 4, 2)
    expected[0, 0, 0] = expected[0, 1, 1] = 0.75 / 3  # (1 − 0.25) · 1 · 1/3
    torch.testing.assert_close(result, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("cnn", {"pool": "max", "global_pool": "max"}),
        ("cnn", {"pool": "max", "global_pool": "avg"}),
        ("cnn", {"pool": "avg", "global_pool": "max"}),
        ("cnn", {"pool": "none", "global_pool": "max"}),
        ("dilated", {"global_pool": "max"}),
        ("dilated", {"global_pool": "avg"}),
    ],
)
def test_deeplift_sums_to_the_output_difference_through_max_pooling(name, args):
    model = shipped(name, **args).double()
    x = random_one_hot(4, 150).double()
    refs = make_baselines(x, "shuffle", n=3, random_state=0)
    _, deltas = attribute(
        model,
        x,
        method="deeplift_shap",
        baselines=refs,
        n_shuffles=3,
        return_deltas=True,
        device="cpu",
    )
    with torch.no_grad():
        spread = (model(x)[:, 0, None] - model(refs.flatten(0, 1))[:, 0].view(4, 3)).abs()
    assert spread.max() > 1e-3  # the references really differ from the inputs
    assert deltas.abs().max() < 1e-5


def test_captum_alone_breaks_summation_through_relu_then_max_pooling():
    """The reason for our rules: Captum's own DeepLift misses the output difference."""
    model = shipped("cnn", pool="max", global_pool="max").double()
    x = random_one_hot(4, 150).double()
    ref = make_baselines(x, "shuffle", random_state=0)[:, 0]
    captum = CaptumDeepLift(model).attribute(x, ref, target=0)
    with torch.no_grad():
        difference = model(x)[:, 0] - model(ref)[:, 0]
    assert (captum.sum(dim=(1, 2)) - difference).abs().max() > 1e-3


def test_parity_with_captum_where_captum_is_right():
    model = shipped("cnn", pool="avg", global_pool="avg")
    x = random_one_hot(5, 120)
    ref = make_baselines(x, "shuffle", random_state=0)[:, 0]
    ours = attribute(model, x, method="deeplift", baselines=ref, device="cpu")
    theirs = CaptumDeepLift(model).attribute(x, ref, target=0)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-6)

    ours = attribute(
        model,
        x,
        method="integrated_gradients",
        baselines=ref,
        gradient_correction=False,
        device="cpu",
    )
    theirs = IntegratedGradients(model).attribute(x, ref, target=0, n_steps=50)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("baselines", ["uniform", "shuffle", "zeros"])
def test_integrated_gradients_is_complete(baselines):
    model = shipped("dilated")
    x = random_one_hot(3, 100)
    attributions, deltas = attribute(
        model,
        x,
        method="integrated_gradients",
        baselines=baselines,
        n_shuffles=2,
        n_steps=400,  # the Riemann sum's error falls as 1 / n_steps: 2.1e-3 at 200 steps
        gradient_correction=baselines != "zeros",
        return_deltas=True,
        device="cpu",
    )
    refs = make_baselines(x, baselines, n=2 if baselines == "shuffle" else 1, random_state=0)
    with torch.no_grad():
        fx = model(x)[:, 0]
        fr = model(refs.flatten(0, 1))[:, 0].view(3, -1)
    difference = (fx[:, None] - fr).mean(dim=1)
    torch.testing.assert_close(attributions.sum(dim=(1, 2)), difference, rtol=0, atol=2e-3)
    assert deltas.shape == refs.shape[:2] and deltas.abs().max() < 2e-3


@pytest.mark.parametrize("method", ["saliency", "integrated_gradients", "deeplift_shap", "ism"])
def test_results_do_not_depend_on_batch_size(method):
    model = shipped("cnn")
    x = random_one_hot(5, 60)
    kwargs = {"method": method, "n_shuffles": 4, "n_steps": 10, "device": "cpu"}
    small = attribute(model, x, batch_size=3, **kwargs)
    large = attribute(model, x, batch_size=500, **kwargs)
    torch.testing.assert_close(small, large, rtol=1e-4, atol=1e-6)


def test_gradient_correction_removes_the_mean_over_the_alphabet():
    model = shipped("cnn")
    x = random_one_hot(4, 80)
    raw = attribute(model, x, method="saliency", gradient_correction=False, device="cpu")
    corrected = attribute(model, x, method="saliency", device="cpu")
    torch.testing.assert_close(corrected, raw - raw.mean(dim=1, keepdim=True))
    assert corrected.sum(dim=1).abs().max() < 1e-6
    absolute = attribute(model, x, method="saliency", absolute=True, device="cpu")
    torch.testing.assert_close(absolute, corrected.abs())


def test_ism_equals_brute_force_prediction_differences():
    model = shipped("cnn")
    x = random_one_hot(2, 40)
    effects = attribute(model, x, method="ism", batch_size=7, device="cpu")
    with torch.no_grad():
        reference = model(x)[:, 0]
        for i, a, pos in [(0, 0, 0), (0, 3, 17), (1, 2, 39), (1, 1, 20)]:
            variant = x[i : i + 1].clone()
            variant[0, :, pos] = 0
            variant[0, a, pos] = 1
            assert effects[i, a, pos].item() == pytest.approx(
                (model(variant)[0, 0] - reference[i]).item(), abs=1e-5
            )
    observed = x.bool()
    assert effects[observed].abs().max() < 1e-5
    window = attribute(model, x, method="ism", window=(10, 20), device="cpu")
    assert window[..., :10].abs().max() == 0
    torch.testing.assert_close(window[..., 10:20], effects[..., 10:20], rtol=1e-4, atol=1e-6)


def test_hypothetical_contributions_at_the_observed_base_give_the_track():
    model = shipped("dilated")
    x = random_one_hot(3, 80)
    kwargs = {"method": "deeplift_shap", "n_shuffles": 5, "device": "cpu"}
    attributions = attribute(model, x, **kwargs)
    hypothetical = attribute(model, x, hypothetical=True, **kwargs)
    torch.testing.assert_close(
        importance_track(hypothetical, x), attributions.sum(dim=1), rtol=1e-4, atol=1e-6
    )


def test_model_check_catches_a_reused_relu_and_recurrent_layers():
    relu = nn.ReLU()
    reused = nn.Sequential(
        nn.Conv1d(4, 4, 3), relu, nn.Conv1d(4, 4, 3), relu, nn.Flatten(), nn.Linear(4 * 16, 1)
    )
    with pytest.raises(SeqmodelsError, match=r"1 \(ReLU\) \(2×\) is called more than once"):
        check_deeplift_model(reused, 4, 20)
    with pytest.raises(SeqmodelsError, match="recurrent layers"):
        attribute(shipped("lstm"), random_one_hot(1, 50), method="deeplift", device="cpu")


def test_model_check_catches_a_functional_relu():
    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.linear = nn.Conv1d(4, 2, 3), nn.Linear(2, 1)

        def forward(self, x):
            return self.linear(torch.relu(self.conv(x)).mean(-1))

    with pytest.raises(SeqmodelsError, match="relu in Functional"):
        check_deeplift_model(Functional(), 4, 20)


def test_no_hooks_remain_even_after_an_error():
    model = shipped("cnn")
    before = [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()]
    with pytest.raises(IndexError):
        attribute(model, random_one_hot(2, 50), method="deeplift", target=7, device="cpu")
    after = [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()]
    assert before == after
    assert not model.training and all(p.requires_grad for p in model.parameters())


def test_model_state_is_restored():
    model = shipped("cnn").train()
    attribute(model, random_one_hot(2, 50), method="saliency", device="cpu")
    assert model.training and all(p.requires_grad for p in model.parameters())


def test_large_deltas_warn_with_sequence_names():
    model = shipped("cnn")
    x = random_one_hot(2, 50)
    with pytest.warns(
        UserWarning, match=r"convergence delta above 1e-12 for \d sequence\(s\).*seqA"
    ):
        attribute(
            model,
            x,
            method="integrated_gradients",
            n_steps=2,
            tolerance=1e-12,
            names=["seqA", "seqB"],
            device="cpu",
        )


def test_dinucleotide_shuffle_keeps_dinucleotides_and_ends():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 5, (20, 60)).astype(np.uint8)
    shuffles = dinucleotide_shuffle(codes, 7, random_state=1)
    assert shuffles.shape == (20, 7, 60)

    def counts(seq):
        table = np.zeros((5, 5), dtype=int)
        np.add.at(table, (seq[:-1], seq[1:]), 1)
        return table

    for i in range(20):
        for j in range(7):
            assert (counts(shuffles[i, j]) == counts(codes[i])).all()
            assert shuffles[i, j, 0] == codes[i, 0] and shuffles[i, j, -1] == codes[i, -1]
    assert (shuffles != codes[:, None]).any(axis=2).mean() > 0.95
    again = dinucleotide_shuffle(codes, 7, random_state=1)
    assert np.array_equal(shuffles, again)
