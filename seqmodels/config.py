"""Run configuration: YAML files in ``configs/``, defaults, and dotted command-line overrides."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from seqmodels.errors import SeqmodelsError

DEFAULTS: dict[str, dict[str, Any]] = {
    "data": {
        "fasta": None,
        "labels": None,
        "bed": None,
        "genome": None,
        "alphabet": "dna",
        "length": None,
        "unknown": "error",
        "out_of_bounds": "pad",
        "val_chroms": [],
        "test_chroms": [],
        "val_fraction": 0.1,
        "test_fraction": 0.1,
        "batch_size": 64,
        "reverse_complement": False,
        "max_shift": 0,
        "num_workers": 0,
    },
    "model": {"name": "cnn"},
    "task": {
        "type": "auto",
        "pos_weight": "balanced",
        "regression_loss": "mse",
        "n_classes": None,
        "rc_average": False,
    },
    "optim": {"lr": 1e-3, "weight_decay": 1e-4, "scheduler": "plateau"},
    "train": {"monitor": "val/loss", "mode": "min", "patience": 5},
    "trainer": {
        "max_epochs": 20,
        "accelerator": "auto",
        "devices": 1,
        "precision": "32-true",
        "gradient_clip_val": None,
        "log_every_n_steps": 10,
    },
    "seed": 0,
}

OPEN_SECTIONS = ("model", "trainer")
"""Sections whose keys are checked where they are used: against the model's constructor and
against Lightning's ``Trainer``."""


def load_config(path: str | Path | None = None, overrides: dict[str, str] | None = None) -> dict:
    """Defaults, updated by the YAML file at ``path``, then by dotted ``overrides``.

    Parameters
    ----------
    path : str or Path, optional
    overrides : dict of str to str, optional
        ``{"trainer.max_epochs": "5"}``; values are parsed as YAML scalars or lists.

    Raises
    ------
    SeqmodelsError
        On unreadable YAML or a key the configuration does not have.
    """
    config = copy.deepcopy(DEFAULTS)
    if path is not None:
        _merge(config, _read_yaml(path), source=str(path))
    for key, value in (overrides or {}).items():
        set_dotted(config, key, _parse_value(value), source="command line")
    return config


def set_dotted(config: dict, key: str, value: Any, *, source: str = "command line") -> None:
    """Set ``config["a"]["b"] = value`` for ``key = "a.b"``; unknown keys are an error."""
    *parents, leaf = key.split(".")
    node = config
    for i, part in enumerate(parents):
        if not isinstance(node.get(part), dict):
            raise SeqmodelsError(f"{source}: unknown config key {'.'.join(parents[: i + 1])!r}")
        node = node[part]
    _check_key(node, leaf, key, source)
    node[leaf] = value


def save_config(config: dict, path: str | Path) -> None:
    """Write the resolved configuration as YAML."""
    from seqmodels.io.atomic import atomic_write

    with atomic_write(path) as handle:
        yaml.safe_dump(config, handle, sort_keys=False)


def _merge(config: dict, update: dict, *, source: str, prefix: str = "") -> None:
    for key, value in update.items():
        dotted = f"{prefix}{key}"
        _check_key(config, key, dotted, source)
        if isinstance(config.get(key), dict) and isinstance(value, dict):
            _merge(config[key], value, source=source, prefix=f"{dotted}.")
        else:
            config[key] = value


def _check_key(node: dict, key: str, dotted: str, source: str) -> None:
    if dotted.split(".")[0] in OPEN_SECTIONS and "." in dotted:
        return
    if key not in node:
        known = ", ".join(node)
        raise SeqmodelsError(f"{source}: unknown config key {dotted!r} (known here: {known})")


def _read_yaml(path: str | Path) -> dict:
    try:
        with open(path) as handle:
            loaded = yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise SeqmodelsError(f"{path}: no such config file") from None
    except yaml.YAMLError as err:
        raise SeqmodelsError(f"{path}: invalid YAML ({err})".replace("\n", " ")) from None
    if not isinstance(loaded, dict):
        raise SeqmodelsError(f"{path}: a config must be a mapping of sections")
    return loaded


def _parse_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text
