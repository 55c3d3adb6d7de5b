"""Run configuration: YAML files in ``configs/``, a typed schema with defaults, and dotted
command-line overrides.

Every section is a dataclass below; :func:`load_config` and :func:`check_config` check a
configuration against them once, when it is loaded: an unknown key, a value of the wrong type
or out of range, or an unknown choice is one :class:`~seqmodels.errors.SeqmodelsError` naming
the key and what it accepts. ``model`` keys are checked against the model's constructor and
``trainer`` keys against Lightning's ``Trainer``. A checked configuration is a plain dict of
sections, as saved beside every run.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml

from seqmodels.errors import SeqmodelsError
from seqmodels.schema import (
    Before,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Probability,
    Range,
    check_arguments,
    coerce,
)


def _chromosome_list(value: Any) -> Any:
    """``chr7`` → ``["chr7"]``; ``[1, X]`` → ``["1", "X"]`` (YAML reads chromosome 1 as an int)."""
    if value is None:
        return []
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, (list, tuple)):
        return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    return value


Chromosomes = Annotated[list[str], Before(_chromosome_list)]


@dataclass
class DataConfig:
    """Inputs, encoding, splits and batches (see the README's Data section)."""

    fasta: str | None = None
    labels: str | None = None
    bed: str | None = None
    genome: str | None = None
    alphabet: Literal["dna", "rna", "protein"] = "dna"
    length: PositiveInt | None = None
    unknown: Literal["error", "zero", "uniform"] = "error"
    out_of_bounds: Literal["pad", "drop"] = "pad"
    stranded: bool = False
    val_chroms: Chromosomes = field(default_factory=list)
    test_chroms: Chromosomes = field(default_factory=list)
    val_fraction: Probability = 0.1
    test_fraction: Probability = 0.1
    batch_size: PositiveInt = 64
    reverse_complement: bool | Literal["auto"] = "auto"
    max_shift: NonNegativeInt | Literal["auto"] = "auto"
    num_workers: NonNegativeInt = 0
    targets: list[str | list[str]] = field(default_factory=list)
    target_length: PositiveInt | None = None
    bin_size: PositiveInt | None = None
    channels: list[str | list[str]] = field(default_factory=list)
    numeric: str | None = None
    numeric_channels: PositiveInt = 1


@dataclass
class TaskConfig:
    """What the labels mean and how they are learned."""

    type: Literal["auto", "binary", "multilabel", "multiclass", "regression", "profile",
                  "binned"] = "auto"  # fmt: skip
    pos_weight: Literal["balanced"] | PositiveFloat | None = "balanced"
    count_weight: NonNegativeFloat | Literal["auto"] = "auto"
    regression_loss: Literal["mse", "poisson", "huber"] = "mse"
    n_classes: Annotated[int, Range(2)] | None = None
    rc_average: bool = False


@dataclass
class OptimConfig:
    """AdamW and its learning-rate schedule."""

    lr: PositiveFloat = 3e-3
    weight_decay: NonNegativeFloat = 1e-4
    scheduler: Literal["warmup_cosine", "cosine", "plateau", "none"] = "warmup_cosine"


@dataclass
class TrainConfig:
    """Checkpoint selection and early stopping."""

    monitor: str = "auto"
    mode: Literal["auto", "min", "max"] = "auto"
    patience: NonNegativeInt = 10


PRECISIONS = (
    "32-true", "32", 32, "16-mixed", "16", 16, "bf16-mixed", "bf16",
    "64-true", "64", 64, "16-true", "bf16-true",
)  # fmt: skip
ACCELERATORS = ("auto", "cpu", "cuda", "gpu", "mps", "tpu")


@dataclass
class TrainerConfig:
    """The Lightning ``Trainer`` arguments seqmodels types itself; any other ``Trainer``
    argument is passed on as given (Lightning checks it)."""

    max_epochs: PositiveInt = 50
    accelerator: Literal[ACCELERATORS] = "auto"  # type: ignore[valid-type]
    devices: PositiveInt | Literal["auto"] | list[NonNegativeInt] = 1
    precision: Literal[PRECISIONS] = "32-true"  # type: ignore[valid-type]
    gradient_clip_val: NonNegativeFloat | None = None
    log_every_n_steps: PositiveInt = 10


Batches = PositiveInt | Annotated[float, Range(0, 1, open="low")] | None
"""A number of batches, or a fraction of them."""
TRAINER_TYPES: dict[str, Any] = {
    "accumulate_grad_batches": PositiveInt,
    "check_val_every_n_epoch": PositiveInt | None,
    "num_sanity_val_steps": Annotated[int, Range(-1)] | None,
    "limit_train_batches": Batches,
    "limit_val_batches": Batches,
    "limit_test_batches": Batches,
    "limit_predict_batches": Batches,
    "max_steps": Annotated[int, Range(-1)],
    "min_epochs": NonNegativeInt | None,
    "min_steps": NonNegativeInt | None,
    "num_nodes": PositiveInt,
    "enable_progress_bar": bool | None,
    "enable_model_summary": bool | None,
    "deterministic": bool | Literal["warn"] | None,
    "benchmark": bool | None,
    "strategy": str,
    "gradient_clip_algorithm": Literal["norm", "value"] | None,
    "overfit_batches": NonNegativeInt | Annotated[float, Range(0, 1, open="high")],
    "sync_batchnorm": bool,
    "detect_anomaly": bool,
    "fast_dev_run": bool | PositiveInt,
    "reload_dataloaders_every_n_epochs": NonNegativeInt,
}
"""Types of the other ``Trainer`` arguments most often given; checked when they are."""

SECTIONS = {
    "data": DataConfig,
    "task": TaskConfig,
    "optim": OptimConfig,
    "train": TrainConfig,
    "trainer": TrainerConfig,
}
SHORTHAND = {"model": "name", "task": "type"}
"""``model: cnn`` means ``model: {name: cnn}``; ``task: binary`` means ``task: {type: binary}``."""
MANAGED_TRAINER_ARGS = (
    "callbacks",
    "logger",
    "plugins",
    "default_root_dir",
    "enable_checkpointing",
)
"""``Trainer`` arguments seqmodels sets itself."""

DEFAULTS: dict[str, Any] = {
    **{name: dataclasses.asdict(section()) for name, section in SECTIONS.items()},
    "model": {"name": "cnn"},
    "seed": 0,
}


def load_config(path: str | Path | None = None, overrides: dict[str, str] | None = None) -> dict:
    """Defaults, updated by the YAML file at ``path``, then by dotted ``overrides``; checked.

    Parameters
    ----------
    path : str or Path, optional
    overrides : dict of str to str, optional
        ``{"trainer.max_epochs": "5"}``; values are parsed as YAML (``1e-3`` is a number).

    Raises
    ------
    SeqmodelsError
        On unreadable YAML, an unknown key, or a value the schema does not accept.
    """
    config = copy.deepcopy(DEFAULTS)
    source = str(path) if path is not None else "defaults"
    if path is not None:
        _merge(config, read_yaml(path), source=source)
    for key, value in (overrides or {}).items():
        set_dotted(config, key, parse_value(value))
    return check_config(config, source=source if not overrides else f"{source} + command line")


def check_config(config: dict, *, source: str = "config") -> dict:
    """The configuration checked against the schema, as a new dict of plain values."""
    config = dict(config)
    unknown = set(config) - {*SECTIONS, "model", "seed"}
    if unknown:
        raise SeqmodelsError(
            f"{source}: unknown config section {sorted(unknown)[0]!r} "
            f"(sections: {', '.join([*SECTIONS, 'model', 'seed'])})"
        )
    checked: dict[str, Any] = {}
    for name, section in SECTIONS.items():
        values = _expand(name, config.get(name, {}), source)
        if name == "trainer":
            checked[name] = _check_trainer(values)
        else:
            given = check_arguments(section, values, name)
            checked[name] = dataclasses.asdict(section(**given))
    checked["model"] = _check_model(_expand("model", config.get("model", {}), source))
    seed = config.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise SeqmodelsError(f"seed: expected a non-negative integer, got {seed!r}")
    checked["seed"] = seed
    return checked


def save_config(config: dict, path: str | Path) -> None:
    """Write the resolved configuration as YAML."""
    from seqmodels.io.atomic import atomic_write

    with atomic_write(path) as handle:
        yaml.safe_dump(config, handle, sort_keys=False)


def set_dotted(config: dict, key: str, value: Any) -> None:
    """Set ``config["a"]["b"] = value`` for ``key = "a.b"``; unknown keys are an error."""
    section, dot, leaf = key.partition(".")
    if not dot or "." in leaf or not leaf:
        raise SeqmodelsError(f"--{key}: config overrides take the form --section.key VALUE")
    if section not in {*SECTIONS, "model"}:
        raise SeqmodelsError(
            f"--{key}: unknown config section {section!r} "
            f"(sections: {', '.join([*SECTIONS, 'model'])})"
        )
    node = config.get(section)
    if not isinstance(node, dict):
        node = config[section] = _expand(section, node, "config")
    node[leaf] = value


def differences(a: dict, b: dict) -> list[str]:
    """Dotted keys whose values differ between two checked configurations."""
    keys = []
    for name in sorted(set(a) | set(b)):
        left, right = a.get(name), b.get(name)
        if isinstance(left, dict) and isinstance(right, dict):
            for key in sorted(set(left) | set(right)):
                if left.get(key) != right.get(key):
                    keys.append(f"{name}.{key}")
        elif left != right:
            keys.append(name)
    return keys


def read_yaml(path: str | Path) -> dict:
    """A YAML mapping (YAML 1.2 numbers: ``1e-3`` is a float, not a string)."""
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = yaml.load(handle, Loader=_Loader) or {}
    except FileNotFoundError:
        raise SeqmodelsError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise SeqmodelsError(f"{path}: is a directory, not a config file") from None
    except UnicodeDecodeError:
        raise SeqmodelsError(f"{path}: not a text (YAML) file") from None
    except yaml.YAMLError as err:
        raise SeqmodelsError(f"{path}: invalid YAML ({_one_line(err)})") from None
    if not isinstance(loaded, dict):
        raise SeqmodelsError(f"{path}: a config must be a mapping of sections")
    return loaded


def parse_value(text: str) -> Any:
    """A command-line value as YAML would read it; text that is not YAML stays text."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return text


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 floats (``1e-3`` and ``1E5`` are numbers), where a
    key given twice in one mapping is an error, not the last one silently winning."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.VERBOSE,
    ),
    list("-+0123456789."),
)


def _merge(config: dict, update: dict, *, source: str) -> None:
    for name, value in update.items():
        if name not in config:
            known = ", ".join(config)
            raise SeqmodelsError(f"{source}: unknown config section {name!r} (sections: {known})")
        if isinstance(config[name], dict):
            config[name].update(_expand(name, value, source))
        else:
            config[name] = value


def _expand(section: str, value: Any, source: str) -> dict:
    """A section as a dict, accepting the shorthand of :data:`SHORTHAND`."""
    if isinstance(value, dict):
        return dict(value)
    if section in SHORTHAND and isinstance(value, str):
        return {SHORTHAND[section]: value}
    if value is None:
        return {}
    shorthand = f" or a {SHORTHAND[section]} ({section}: ...)" if section in SHORTHAND else ""
    raise SeqmodelsError(
        f"{source}: {section}: expected a mapping of keys{shorthand}, got {value!r}"
    )


def _check_trainer(values: dict) -> dict:
    import pytorch_lightning as pl

    typed = {f.name for f in dataclasses.fields(TrainerConfig)}
    known = set(inspect.signature(pl.Trainer.__init__).parameters) - {"self"}
    for key in values:
        if key in MANAGED_TRAINER_ARGS or key not in known:
            raise SeqmodelsError(f"trainer.{key}: not a Trainer argument seqmodels passes on")
    given = check_arguments(
        TrainerConfig, {k: v for k, v in values.items() if k in typed}, "trainer"
    )
    passed_on = {
        k: coerce(v, TRAINER_TYPES[k], f"trainer.{k}") if k in TRAINER_TYPES else v
        for k, v in values.items()
        if k not in typed
    }
    return {**dataclasses.asdict(TrainerConfig(**given)), **passed_on}


def _check_model(values: dict) -> dict:
    from seqmodels.models import check_model_arguments

    values = {"name": DEFAULTS["model"]["name"], **values}
    name = values.pop("name")
    return {"name": name, **_plain(check_model_arguments(name, values))}


def _plain(values: dict) -> dict:
    """Tuples as lists, so the configuration saves as plain YAML."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())
