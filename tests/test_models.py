import math
import re
from pathlib import Path

import pytest
import torch
from torch import nn

from seqmodels import SeqmodelsError
from seqmodels.cli import main
from seqmodels.models import MODELS, build_model
from seqmodels.models.layers import FractionalMaxPool1d, receptive_field
from seqmodels.models.summary import layer_shapes

CONFIGS = Path(__file__).parent.parent / "configs"


@pytest.mark.parametrize("name", list(MODELS))
def test_models_map_one_hot_to_one_output_per_task(name):
    model = build_model(name, alphabet_size=4, n_outputs=3)
    assert model(torch.randn(5, 4, 120)).shape == (5, 3)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_activation_is_its_own_module(name):
    model = build_model(name, alphabet_size=20, n_outputs=2, dense=(8,))
    activations = [m for m in model.modules() if isinstance(m, (nn.ReLU, nn.ELU))]
    assert len(activations) == len({id(m) for m in activations}) > 1


def test_cnn_receptive_field_is_exact():
    """The field equals the span of input positions that move one output position."""
    model = build_model(
        "cnn",
        alphabet_size=4,
        n_outputs=1,
        filters=(2, 2, 2),
        kernel_sizes=(5, 3, 3),
        pool="avg",  # max pooling passes gradients to one position only
        pool_size=2,
        batch_norm=False,
        dropout=0.0,
    )
    # conv 5, pool 2 (+1), conv 3 at jump 2 (+4), pool 2 (+2), conv 3 at jump 4 (+8)
    assert model.receptive_field == 5 + 1 + 4 + 2 + 8
    x = torch.randn(1, 4, 200, requires_grad=True)
    torch.manual_seed(0)
    for p in model.trunk.parameters():
        nn.init.uniform_(p, 0.5, 1.0)  # all positive: no unit is dead, gradients reach every input
    model.trunk(x.abs())[0, :, 20].sum().backward()
    touched = x.grad.abs().sum((0, 1)).nonzero().squeeze()
    assert touched.max() - touched.min() + 1 == model.receptive_field


def test_dilated_receptive_field_doubles_per_block():
    model = build_model("dilated", alphabet_size=4, n_outputs=1, first_kernel_size=9, n_dilated=3)
    assert model.receptive_field == 9 + 2 * (2 + 4 + 8)


def test_all_convolutional_cnn_strides_instead_of_pooling():
    model = build_model(
        "cnn",
        alphabet_size=4,
        n_outputs=1,
        pool="none",
        filters=(8, 8),
        kernel_sizes=(7, 4),
        pool_size=4,
    )
    assert not any(isinstance(m, nn.MaxPool1d) for m in model.modules())
    assert model.trunk[1][0].stride == (4,)
    assert receptive_field(model.trunk) == 7 + 3


@pytest.mark.parametrize("regions", ["pseudorandom", "random"])
@pytest.mark.parametrize("ratio", [1.5, 2, 2.7])
def test_fractional_pooling_takes_regions_of_floor_or_ceil_ratio(regions, ratio):
    pool = FractionalMaxPool1d(ratio, regions=regions)
    for length in (7, 100, 101):
        index = pool.positions(length).view(-1, pool.window)
        sizes = 1 + (index.diff() > 0).sum(1)
        assert len(index) == int(length // ratio) and index.min() >= 0 and index.max() < length
        assert set(sizes.tolist()) <= {int(ratio), math.ceil(ratio)}
        torch.testing.assert_close(index[1:, 0] - index[:-1, 0], sizes[:-1])  # disjoint, in order
        assert abs(sizes.sum() - ratio * len(index)) <= 1  # the overall ratio
    x, index = torch.randn(3, 2, 101), pool.positions(101, torch.Generator().manual_seed(0))
    index = index.view(-1, pool.window)  # the regions of evaluation: seed 0
    brute = torch.stack([x[..., row.unique()].amax(-1) for row in index], dim=-1)
    torch.testing.assert_close(pool.eval()(x), brute)


def test_fractional_pooling_draws_in_training_and_is_fixed_in_evaluation():
    pool, x = FractionalMaxPool1d(1.7), torch.randn(2, 3, 200)
    torch.manual_seed(0)
    assert not torch.equal(pool(x), pool(x))
    pool.eval()
    fixed = pool(x)
    assert torch.equal(fixed, pool(x)) and torch.equal(fixed, FractionalMaxPool1d(1.7).eval()(x))
    assert not torch.equal(fixed, FractionalMaxPool1d(1.7, seed=1).eval()(x))


def test_fractional_pooling_in_the_cnn_bounds_its_receptive_field():
    model = build_model(
        "cnn", alphabet_size=4, n_outputs=1, filters=(2, 2), kernel_sizes=(5, 3),
        pool="fractional", pool_size=2.5, batch_norm=False, dropout=0.0,
    )  # fmt: skip
    # conv 5, regions of at most 3 (+2), conv 3 at jumps of at most 3 (+6)
    assert model.eval().receptive_field == 5 + 2 + 6
    assert model.trunk(torch.randn(1, 4, 100)).shape == (1, 2, 40)


def test_pure_lstm_reads_one_hot_directly():
    model = build_model("lstm", alphabet_size=4, n_outputs=2, filters=0, hidden_size=8)
    assert isinstance(model.conv, nn.Identity) and model.lstm.input_size == 4
    assert model(torch.randn(2, 4, 30)).shape == (2, 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"kernels": [3]}, "model.kernels: unknown key; choose from filters, kernel_sizes"),
        ({"filters": "many"}, "model.filters: expected a list, each an integer >= 1, got 'many'"),
        ({"filters": [8, -8]}, "model.filters: expected a list, each an integer >= 1, got [8, -8]"),
        ({"dropout": "high"}, "model.dropout: expected a number in [0, 1), got 'high'"),
        ({"dropout": 1.5}, "model.dropout: expected a number in [0, 1), got 1.5"),
        ({"pool": "min"}, "model.pool: expected one of max, avg, fractional, none, got 'min'"),
        ({"pool_size": 0.5}, "model.pool_size: expected an integer >= 1 or a number > 1, got 0.5"),
        ({"pool_size": 2.5}, "model (cnn): pool_size 2.5: only fractional pooling takes a"),
        # one block pools nothing, yet a ratio of 1 is no fractional pooling
        (
            {"pool": "fractional", "pool_size": 1, "filters": [4], "kernel_sizes": [3]},
            "model (cnn): pool_size 1: fractional pooling needs a ratio > 1",
        ),
        ({"pool": "fractional", "pool_size": 1}, "pool_size 1: fractional pooling needs a ratio"),
        ({"batch_norm": 1}, "model.batch_norm: expected true or false, got 1"),
    ],
)
def test_config_arguments_are_checked_against_the_constructor(args, message):
    with pytest.raises(SeqmodelsError, match=re.escape(message)):
        build_model("cnn", alphabet_size=4, n_outputs=1, **args)


def test_unknown_model_is_an_error_not_an_import():
    with pytest.raises(SeqmodelsError, match=r"unknown model 'os\.system'; choose one of cnn"):
        build_model("os.system", alphabet_size=4, n_outputs=1)


@pytest.mark.parametrize("name", list(MODELS))
def test_summary_shapes_are_those_of_a_real_forward_pass(name):
    model = build_model(name, alphabet_size=4, n_outputs=3)
    rows = layer_shapes(model, 4, 300)
    assert rows[-1][2] == tuple(model(torch.zeros(1, 4, 300)).shape)
    convs = [(m, shape) for _, m, shape in rows if isinstance(m, nn.Conv1d)]
    length = 300
    for conv, shape in convs[:1]:  # first convolution: 'same' padding keeps the length
        assert shape == (1, conv.out_channels, length)


def test_summary_command_prints_layers_and_receptive_field(capsys):
    assert main(["summary", "--config", str(CONFIGS / "cnn.yaml")]) == 0
    out = capsys.readouterr().out
    assert "CNN on dna input of length 300" in out  # read from the data: the config has none
    assert "trunk.0.3                   MaxPool1d           (1, 128, 75)" in out
    assert "head.2                      Linear              (1, 4)" in out
    assert "receptive field: 50 positions" in out


def test_summary_without_a_length_or_data_to_read_it_from_is_one_line(tmp_path, capsys):
    (tmp_path / "c.yaml").write_text("model: cnn\n")
    assert main(["summary", "--config", str(tmp_path / "c.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"seqmodels: error: {tmp_path / 'c.yaml'}: summary needs data.length, or data to read "
        "it from"
    )


@pytest.mark.parametrize("config", sorted(str(p) for p in CONFIGS.glob("*.yaml")))
def test_every_shipped_config_builds_its_model(config, capsys):
    assert main(["summary", "--config", config]) == 0
    assert "parameters:" in capsys.readouterr().out
