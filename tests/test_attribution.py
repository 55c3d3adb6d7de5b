"""Attributions checked against truths: completeness, hand computations, Captum and tangermeme,
brute force, and invariance to how the work is cut."""

import warnings

import numpy as np
import pytest
import torch
from captum.attr import DeepLift as CaptumDeepLift
from captum.attr import IntegratedGradients
from torch import nn

from seqmodels import SeqmodelsError, one_hot_encode
from seqmodels.attribution import (
    METHODS,
    attribute,
    check_model,
    dinucleotide_shuffle,
    importance_track,
    make_references,
)
from seqmodels.models import build_model

warnings.filterwarnings("ignore", message=".*(hooks|required_grads).*")

ARCHITECTURES = [
    ("cnn", {"pool": "max", "global_pool": "max"}),
    ("cnn", {"pool": "max", "global_pool": "avg"}),
    ("cnn", {"pool": "avg", "global_pool": "max"}),
    ("cnn", {"pool": "fractional", "pool_size": 2.5, "pool_regions": "random"}),
    ("cnn", {"pool": "none", "global_pool": "max", "dense": (16,), "activation": "elu"}),
    ("dilated", {"global_pool": "max"}),
    ("dilated", {"global_pool": "avg", "residual": "post", "scanner_skip": False}),
]
"""Every shipped convolutional architecture and pooling choice."""


def random_one_hot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 4, (n, length), generator=generator)
    return nn.functional.one_hot(codes, 4).float().transpose(1, 2).contiguous()


def shipped(name: str, **args) -> nn.Module:
    torch.manual_seed(0)
    model = build_model(name, alphabet_size=4, n_outputs=2, **args)
    with torch.no_grad():
        for module in model.modules():  # batch norm as after training, not the identity
            if isinstance(module, nn.BatchNorm1d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
        [*_, last] = (m for m in model.modules() if isinstance(m, nn.Linear))
        last.weight *= 30  # outputs that differ by units, as a trained model's do
    return model.eval()


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


def output_differences(model, x, refs, target=0) -> torch.Tensor:
    """f(x) − f(x′) for every pair, ``(N, R)``."""
    with torch.no_grad():
        fx = model(x)[:, target]
        fr = model(refs.flatten(0, 1))[:, target].view(refs.shape[:2])
    return fx[:, None] - fr


def test_deeplift_on_a_linear_model_is_difference_times_weight():
    model = Linear(10)
    x, ref = random_one_hot(3, 10), random_one_hot(3, 10, seed=1)
    result = attribute(model, x, method="deeplift", references=ref, device="cpu")
    torch.testing.assert_close(result, (x - ref) * model.weight.detach(), rtol=0, atol=1e-6)


def test_deeplift_on_a_small_relu_net_matches_the_hand_computation():
    # x = "AC": pre-activation 1 + 1 − 1.5 = 0.5; ref = uniform: 0.25 + 0.25 − 1.5 = −1.
    # Rescale: multiplier Δy/Δz = (0.5 − 0)/(0.5 + 1) = 1/3 on both weighted inputs.
    x = one_hot_encode("AC")
    result = attribute(TinyReLU(), x, method="deeplift", references="uniform", device="cpu")
    expected = torch.zeros(1, 4, 2)
    expected[0, 0, 0] = expected[0, 1, 1] = 0.75 / 3  # (1 − 0.25) · 1 · 1/3
    torch.testing.assert_close(result, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("name", "args"), ARCHITECTURES)
@pytest.mark.parametrize(("dtype", "bound"), [(torch.float32, 1e-5), (torch.float64, 1e-10)])
def test_deeplift_shap_sums_to_the_output_difference(name, args, dtype, bound):
    model = shipped(name, **args).to(dtype)
    x = random_one_hot(4, 150).to(dtype)
    refs = make_references(x, "shuffle", n=3, random_state=0)
    attributions, deltas = attribute(
        model, x, method="deeplift_shap", references=refs, target=[0, 1], return_deltas=True,
        device="cpu",
    )  # fmt: skip
    difference = output_differences(model, x, refs, target=1)
    assert difference.abs().max() > 0.1  # the references really differ from the inputs
    assert deltas.shape == (4, 3, 2) and deltas.abs().max() < bound
    summed = attributions[:, 1].sum(dim=(1, 2))
    torch.testing.assert_close(summed, difference.mean(dim=1), rtol=0, atol=10 * bound)


@pytest.mark.parametrize(("name", "args"), ARCHITECTURES[::3])
def test_against_itself_the_multipliers_are_the_gradient(name, args):
    """Δx = 0 everywhere: each rule falls back to the derivative, so the hypothetical
    contributions against the sequence itself are those of its gradient (0 elsewhere)."""
    model = shipped(name, **args).double()
    x = random_one_hot(3, 80).double()
    hypothetical = attribute(
        model, x, method="deeplift", references=x, hypothetical=True, device="cpu"
    )
    grads = attribute(model, x, method="saliency", gradient_correction=False, device="cpu")
    expected = grads - (x * grads).sum(dim=1, keepdim=True)
    torch.testing.assert_close(hypothetical, expected, rtol=1e-10, atol=1e-12)
    assert attribute(model, x, method="deeplift", references=x, device="cpu").abs().max() == 0


def test_captum_alone_breaks_summation_through_relu_then_max_pooling():
    """The reason for our rules: Captum's own DeepLift misses the output difference."""
    model = shipped("cnn", pool="max", global_pool="max").double()
    x = random_one_hot(4, 150).double()
    ref = make_references(x, "shuffle", random_state=0)[:, 0]
    captum = CaptumDeepLift(model).attribute(x, ref, target=0)
    difference = output_differences(model, x, ref.unsqueeze(1))[:, 0]
    assert (captum.sum(dim=(1, 2)) - difference).abs().max() > 1e-3


def test_equal_to_captum_and_tangermeme_where_they_are_exact():
    """Without max pooling the three implementations give one answer (to float32 rounding):
    Captum's attributions, tangermeme's per-base contributions and hypothetical ones."""
    from tangermeme.deep_lift_shap import deep_lift_shap

    model = shipped("cnn", pool="avg", global_pool="avg")
    x = random_one_hot(5, 120)
    refs = make_references(x, "shuffle", n=4, random_state=0)
    kwargs = {"method": "deeplift_shap", "references": refs, "device": "cpu"}
    ours, hypothetical = (
        attribute(model, x, **kwargs),
        attribute(model, x, hypothetical=True, **kwargs),
    )
    captum = torch.stack(
        [CaptumDeepLift(model).attribute(x, refs[:, k].contiguous(), target=0) for k in range(4)]
    ).mean(dim=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = {
            flag: deep_lift_shap(model, x, references=refs, hypothetical=flag, device="cpu")
            for flag in (False, True)
        }
    atol = 1e-5 * ours.abs().max()
    torch.testing.assert_close(ours, captum, rtol=0, atol=atol)
    torch.testing.assert_close(ours.sum(dim=1), theirs[False].sum(dim=1), rtol=0, atol=atol)
    torch.testing.assert_close(hypothetical, theirs[True], rtol=0, atol=atol)

    ig = attribute(
        model, x, method="integrated_gradients", references=refs[:, 0], gradient_correction=False,
        device="cpu",
    )  # fmt: skip
    theirs = IntegratedGradients(model).attribute(x, refs[:, 0].contiguous(), target=0, n_steps=50)
    torch.testing.assert_close(ig, theirs, rtol=0, atol=1e-5 * theirs.abs().max())


def test_several_targets_from_one_pass_equal_one_target_at_a_time():
    model = shipped("dilated")
    x = random_one_hot(3, 90)
    both = attribute(model, x, method="deeplift_shap", n_shuffles=4, target="all", device="cpu")
    for t in range(2):
        one = attribute(model, x, method="deeplift_shap", n_shuffles=4, target=t, device="cpu")
        torch.testing.assert_close(both[:, t], one, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("baselines", ["uniform", "shuffle", "zeros"])
def test_integrated_gradients_is_complete_with_the_default_correction(baselines):
    """On a smooth model (ELU, average pooling) 50 Gauss–Legendre points converge; the default
    gradient correction never moves the sum (it missed by 6% against zeros before 0.2)."""
    model = shipped("dilated", activation="elu", global_pool="avg")
    x = random_one_hot(3, 100)
    n = 2 if baselines == "shuffle" else None
    attributions, deltas = attribute(
        model, x, method="integrated_gradients", references=baselines, n_shuffles=n,
        return_deltas=True, device="cpu",
    )  # fmt: skip
    refs = make_references(x, baselines, n=n or 1, random_state=0)
    difference = output_differences(model, x, refs).mean(dim=1)
    assert difference.abs().max() > 0.02
    torch.testing.assert_close(attributions.sum(dim=(1, 2)), difference, rtol=0, atol=1e-4)
    assert deltas.shape == refs.shape[:2] and deltas.abs().max() < 1e-4


def test_gradient_correction_that_would_break_completeness_is_refused():
    model, x = shipped("cnn"), random_one_hot(2, 60)
    with pytest.raises(ValueError, match="would break completeness"):
        attribute(
            model, x, method="integrated_gradients", references="zeros",
            gradient_correction=True, device="cpu",
        )  # fmt: skip


@pytest.mark.parametrize("method", list(METHODS))
def test_results_do_not_depend_on_batch_size_block_or_order(method, monkeypatch):
    model = shipped("cnn")
    x = random_one_hot(7, 60)
    options = {"deeplift_shap": {"n_shuffles": 4}, "integrated_gradients": {"n_steps": 10}}
    kwargs = {"method": method, "device": "cpu", **options.get(method, {})}
    reference = attribute(model, x, batch_size=500, **kwargs)
    torch.testing.assert_close(attribute(model, x, batch_size=3, **kwargs), reference)
    monkeypatch.setattr("seqmodels.attribution.common.BLOCK", 2)  # references made 2 at a time
    torch.testing.assert_close(attribute(model, x, batch_size=5, **kwargs), reference)
    order = torch.tensor([4, 0, 6, 2, 1, 5, 3])
    torch.testing.assert_close(attribute(model, x[order], **kwargs), reference[order])


def test_references_of_a_sequence_are_its_own_dinucleotide_shuffles_with_its_n_columns():
    x = random_one_hot(3, 40)
    x[1, :, 5:8] = 0.25  # Ns
    refs = make_references(x, "shuffle", n=6, random_state=2)
    assert refs.shape == (3, 6, 4, 40)
    for i in range(3):
        columns = sorted(map(tuple, x[i].T.tolist()))
        for k in range(6):
            assert sorted(map(tuple, refs[i, k].T.tolist())) == columns  # a permutation
    assert (refs[1] == 0.25).all(dim=1).sum(dim=1).eq(3).all()  # the Ns kept
    torch.testing.assert_close(make_references(x[1:2], "shuffle", n=6, random_state=2), refs[1:2])


def test_gradient_correction_removes_the_mean_over_the_alphabet():
    model = shipped("cnn")
    x = random_one_hot(4, 80)
    raw = attribute(model, x, method="saliency", gradient_correction=False, device="cpu")
    corrected = attribute(model, x, method="saliency", device="cpu")
    torch.testing.assert_close(corrected, raw - raw.mean(dim=1, keepdim=True))
    assert corrected.sum(dim=1).abs().max() < 1e-6
    absolute = attribute(model, x, method="saliency", absolute=True, device="cpu")
    torch.testing.assert_close(absolute, corrected.abs())
    product = attribute(model, x, method="input_x_gradient", device="cpu")
    torch.testing.assert_close(product, x * corrected)


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


def test_an_argument_meant_for_another_method_is_an_error():
    model, x = shipped("cnn"), random_one_hot(1, 40)
    for method, option in [
        ("deeplift_shap", "window"),
        ("ism", "n_steps"),
        ("saliency", "n_shuffles"),
    ]:
        with pytest.raises(TypeError, match=f"{method} takes no argument '{option}'"):
            attribute(model, x, method=method, device="cpu", **{option: 1})
    with pytest.raises(TypeError, match="n_shuffles goes with references='shuffle'"):
        attribute(model, x, method="deeplift", n_shuffles=3, device="cpu")
    with pytest.raises(TypeError, match="deeplift_shap takes references as a tensor"):
        attribute(model, x, method="deeplift_shap", references="zeros", device="cpu")


class Functional(nn.Module):
    """A module used twice and activations called as functions: exact all the same."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv1d(4, 6, 5), nn.Conv1d(6, 6, 3)
        self.relu, self.linear = nn.ReLU(), nn.Linear(6, 2)

    def forward(self, x):
        h = self.relu(self.conv1(x))
        h = torch.nn.functional.max_pool1d(torch.tanh(self.relu(self.conv2(h))), 2)
        return self.linear(torch.exp(-h).mean(dim=-1))


def test_reused_modules_and_functional_activations_get_exact_rules():
    model = Functional().double().eval()
    x = random_one_hot(3, 40).double()
    _, deltas = attribute(
        model, x, method="deeplift_shap", n_shuffles=3, return_deltas=True, device="cpu"
    )
    assert deltas.abs().max() < 1e-10


class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 2, 3)

    def forward(self, x):
        h = self.conv(x)
        return (h[:, :1] * torch.sigmoid(h[:, 1:])).mean(dim=-1)


class Normed(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv1d(4, 2, 3), nn.LayerNorm(18))
        self.out = nn.Linear(2, 1)

    def forward(self, x):
        return self.out(self.encoder(x).mean(dim=-1))


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (Gated(), r"mul of two input-dependent tensors in Gated"),
        (Normed(), r"layer_norm in encoder\.1 \(LayerNorm\)"),
        (nn.Sequential(nn.Conv1d(4, 2, 3), nn.Softmax(dim=1)), r"softmax in 1 \(Softmax\)"),
        (shipped("lstm"), r"recurrent layer lstm \(LSTM\)"),
    ],
)
def test_the_model_check_names_the_first_operation_without_a_rule(model, message):
    with pytest.raises(SeqmodelsError, match=message):
        attribute(model, random_one_hot(1, 20), method="deeplift", device="cpu")


def test_the_model_check_refuses_batch_statistics_and_in_place_activations():
    class InPlace(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(4, 2, 3)

        def forward(self, x):
            return self.conv(x).relu_().mean(dim=-1)

    with pytest.raises(SeqmodelsError, match=r"relu_ \(in place"):
        check_model(InPlace().requires_grad_(False), 4, 20)
    bn = nn.Sequential(nn.Conv1d(4, 2, 3), nn.BatchNorm1d(2, track_running_stats=False))
    with pytest.raises(SeqmodelsError, match="batch_norm with training=True"):
        check_model(bn.eval().requires_grad_(False), 4, 20)


def test_a_forward_that_depends_on_the_batch_size_is_refused():
    class Moody(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(4, 2, 3)

        def forward(self, x):
            h = self.conv(x)
            return (torch.relu(h) if len(x) == 1 else torch.tanh(h)).mean(dim=-1)

    with pytest.raises(SeqmodelsError, match="does the model's forward depend on the batch"):
        attribute(Moody(), random_one_hot(1, 20), method="deeplift_shap", device="cpu")


def test_no_hooks_remain_even_after_an_error():
    model = shipped("cnn")
    before = [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()]
    with pytest.raises(IndexError, match="target 7 out of range"):
        attribute(model, random_one_hot(2, 50), method="deeplift", target=7, device="cpu")
    with pytest.raises(SeqmodelsError):
        attribute(Normed(), random_one_hot(1, 20), method="deeplift", device="cpu")
    after = [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()]
    assert before == after
    assert not model.training and all(p.requires_grad for p in model.parameters())


def test_model_state_is_restored():
    model = shipped("cnn").train()
    attribute(model, random_one_hot(2, 50), method="deeplift_shap", n_shuffles=2, device="cpu")
    assert model.training and all(p.requires_grad for p in model.parameters())


def test_large_deltas_warn_with_sequence_names():
    model = shipped("cnn")
    x = random_one_hot(2, 50)
    with pytest.warns(
        UserWarning, match=r"convergence delta above 1e-12 for \d sequence\(s\).*seqA"
    ):
        attribute(
            model, x, method="integrated_gradients", n_steps=2, tolerance=1e-12,
            names=["seqA", "seqB"], device="cpu",
        )  # fmt: skip


def test_dinucleotide_shuffle_keeps_dinucleotides_and_ends():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 5, (20, 60)).astype(np.uint8)
    shuffles = dinucleotide_shuffle(codes, 7, random_state=1).numpy()
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
    again = dinucleotide_shuffle(codes[::-1].copy(), 7, random_state=1).numpy()
    assert np.array_equal(shuffles, again[::-1])  # a sequence's shuffles are its own
