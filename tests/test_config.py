"""The config schema: every section typed and checked at load; values that would be misread are
errors naming the key; plausible shorthands mean what they look like."""

import re

import hypothesis.strategies as st
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from seqmodels import SeqmodelsError
from seqmodels.config import DEFAULTS, check_config, differences, load_config


def write(tmp_path, text: str, name="c.yaml"):
    (tmp_path / name).write_text(text)
    return tmp_path / name


def test_defaults_are_checked_plain_values_that_save_as_yaml():
    config = load_config()
    assert config == check_config(config)
    assert yaml.safe_load(yaml.safe_dump(config)) == config


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("optim: {lr: 1e-1}", ("optim", "lr"), 0.1),  # YAML 1.1 would read the string '1e-1'
        ("optim: {weight_decay: 5E-4}", ("optim", "weight_decay"), 5e-4),
        ("data: {val_chroms: chr7}", ("data", "val_chroms"), ["chr7"]),  # not c, h, r, 7
        ("data: {val_chroms: [1, X]}", ("data", "val_chroms"), ["1", "X"]),  # Ensembl names
        ("task: binary", ("task", "type"), "binary"),  # shorthand for {type: binary}
        ("model: lstm", ("model", "name"), "lstm"),  # shorthand for {name: lstm}
        ("task: {regression_loss: huber}", ("task", "regression_loss"), "huber"),
        ("trainer: {gradient_clip_val: 1e-1}", ("trainer", "gradient_clip_val"), 0.1),
    ],
)
def test_values_mean_what_they_look_like(tmp_path, text, key, value):
    config = load_config(write(tmp_path, text))
    assert config[key[0]][key[1]] == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "task: {regression_loss: poison}",
            "task.regression_loss: expected one of mse, poisson, huber",
        ),
        ("trainer: {max_epochs: -1}", "trainer.max_epochs: expected an integer >= 1, got -1"),
        ('data: {length: "300"}', "data.length: expected an integer >= 1 or null, got '300'"),
        ("data: {batch_size: 0}", "data.batch_size: expected an integer >= 1, got 0"),
        ("optim: {lr: fast}", "optim.lr: expected a number > 0, got 'fast'"),
        ("optim: {lr: 0}", "optim.lr: expected a number > 0, got 0"),
        ("model: {filters: [8, -8]}", "model.filters: expected a list, each an integer >= 1"),
        ("data: {alphabet: klingon}", "data.alphabet: expected one of dna, rna, protein"),
        ("train: {mode: up}", "train.mode: expected one of auto, min, max, got 'up'"),
        ("trainer: {precision: 17}", "trainer.precision: expected one of 32-true"),
        ("trainer: {accelerator: tpux}", "trainer.accelerator: expected one of auto, cpu"),
        ("data: {val_fraction: 1.5}", "data.val_fraction: expected a number in [0, 1), got 1.5"),
        ("data: {stranded: yes please}", "data.stranded: expected true or false"),
        ("task: {n_classes: 1}", "task.n_classes: expected an integer >= 2 or null, got 1"),
        ("data: {fatsa: x.fa}", "data.fatsa: unknown key; choose from fasta, labels"),
        ("dat: {fasta: x.fa}", "unknown config section 'dat' (sections: data"),
        ("model: {name: resnet}", "model.name: unknown model 'resnet'; choose one of cnn"),
        ("task: [1, 2]", "task: expected a mapping of keys or a type (task: ...), got [1, 2]"),
        ("- data", "a config must be a mapping of sections"),
        ("data: {fasta: [", "invalid YAML"),
        ("trainer: {callbacks: []}", "trainer.callbacks: not a Trainer argument seqmodels passes"),
        ("seed: -3", "seed: expected a non-negative integer, got -3"),
    ],
)
def test_bad_values_are_one_line_naming_the_key(tmp_path, text, message):
    with pytest.raises(SeqmodelsError, match=re.escape(message)) as caught:
        load_config(write(tmp_path, text))
    assert "\n" not in str(caught.value)


def test_overrides_are_checked_like_the_file(tmp_path):
    assert load_config(None, {"optim.lr": "3e-3"})["optim"]["lr"] == 0.003
    with pytest.raises(SeqmodelsError, match="--data: config overrides take the form"):
        load_config(None, {"data": "x"})
    with pytest.raises(SeqmodelsError, match=re.escape("data.max_shift: expected an integer >= 0")):
        load_config(None, {"data.max_shift": "-2"})


def test_differences_name_the_keys_that_changed():
    a = load_config()
    b = load_config(None, {"optim.lr": "0.01", "model.dropout": "0.5"})
    assert differences(a, b) == ["model.dropout", "optim.lr"]
    assert differences(a, load_config()) == []


SECTION_KEYS = [(s, k) for s, keys in DEFAULTS.items() if isinstance(keys, dict) for k in keys]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
    st.text(max_size=8), st.lists(st.integers(-3, 50), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(SECTION_KEYS), VALUES), min_size=1, max_size=4))
def test_any_values_load_or_fail_in_one_line(changes):
    """Random values for random keys: the loader accepts them (and what it returns passes the
    schema again) or refuses them with one SeqmodelsError naming a key, never anything else."""
    config = load_config()
    for (section, key), value in changes:
        config[section][key] = value
    try:
        checked = check_config(config)
    except SeqmodelsError as err:
        message = str(err)
        assert "\n" not in message and re.search(
            r"\b(data|task|optim|train|trainer|model)\b", message
        )
        return
    assert check_config(checked) == checked
