"""Numeric inputs that are not sequences: ``(N, C, L)`` matrices of C channels over L steps
(genes × time points, say) from ``.npy``, ``.npz`` or a CSV/TSV table.

- ``.npz``: an array ``x`` ``(N, C, L)`` and the sample ids ``ids`` ``(N,)``.
- ``.npy``: the array alone; samples are named by their row, ``0`` to ``N − 1``.
- ``.csv``/``.tsv``: an ``id`` column, then C·L numeric columns, channel after channel
  (``n_channels`` says how many).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from seqmodels.errors import SeqmodelsError
from seqmodels.io.text import check_input_file, read_text

SUFFIXES = (".npy", ".npz", ".csv", ".tsv", ".txt")


def read_numeric(path: str | Path, *, n_channels: int = 1) -> tuple[list[str], np.ndarray]:
    """Sample ids and their values, float32 ``(N, C, L)``.

    Raises
    ------
    SeqmodelsError
        For a file of another kind, a shape that is not ``(N, C, L)``, repeated ids, a value
        that is not a finite number, or a table whose columns do not split into C channels.
    """
    path = Path(path)
    check_input_file(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SeqmodelsError(f"{path}: numeric inputs are .npy, .npz, .csv or .tsv")
    if suffix in (".npy", ".npz"):
        ids, values = _read_array(path, suffix)
    else:
        ids, values = _read_table(path, "," if suffix == ".csv" else "\t", n_channels)
    if values.ndim != 3 or 0 in values.shape:
        raise SeqmodelsError(f"{path}: values of shape {values.shape}, expected (N, C, L)")
    if len(set(ids)) < len(ids):
        repeated = pd.Index(ids)[pd.Index(ids).duplicated()][0]
        raise SeqmodelsError(f"{path}: sample id {repeated!r} appears twice")
    bad = ~np.isfinite(values)
    if bad.any():
        n, c, position = np.argwhere(bad)[0]
        raise SeqmodelsError(
            f"{path}: sample {ids[n]}: channel {c + 1}, step {position + 1}: "
            f"{values[n, c, position]} is not a finite number"
        )
    return ids, values


def _read_array(path: Path, suffix: str) -> tuple[list[str], np.ndarray]:
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
        raise SeqmodelsError(f"{path}: not a NumPy {suffix} file ({err})") from None
    if suffix == ".npy":
        values = loaded
        ids = [str(i) for i in range(len(values))] if values.ndim else []
    else:
        with loaded:
            if {"x", "ids"} - set(loaded.files):
                raise SeqmodelsError(
                    f"{path}: an .npz of numeric inputs holds x (N, C, L) and ids (N,); it "
                    f"has {', '.join(loaded.files) or 'nothing'}"
                )
            try:  # an array of Python objects would need unpickling: refused
                values, id_array = loaded["x"], loaded["ids"]
            except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
                raise SeqmodelsError(f"{path}: not a NumPy {suffix} file ({err})") from None
        if id_array.ndim != 1:
            raise SeqmodelsError(f"{path}: ids of shape {id_array.shape}, expected (N,)")
        ids = [str(i) for i in id_array]
        if values.ndim and len(ids) != len(values):
            raise SeqmodelsError(f"{path}: {len(ids)} ids for {len(values)} samples")
    if not np.issubdtype(values.dtype, np.number) or np.issubdtype(
        values.dtype, np.complexfloating
    ):
        raise SeqmodelsError(f"{path}: values of type {values.dtype}, expected real numbers")
    with np.errstate(over="ignore"):  # too large for float32: infinite, refused by the caller
        return ids, values.astype(np.float32)


def _read_table(path: Path, sep: str, n_channels: int) -> tuple[list[str], np.ndarray]:
    text = read_text(path, "numeric table")
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as err:
        raise SeqmodelsError(f"{path}: not a table of numbers ({str(err).strip()})") from None
    if table.columns[0] != "id":
        raise SeqmodelsError(f"{path}: the first column must be id, found {table.columns[0]!r}")
    if table.empty:
        raise SeqmodelsError(f"{path}: no samples (a header only)")
    empty = (table["id"].str.strip() == "").to_numpy()
    if empty.any():
        raise SeqmodelsError(f"{path}: line {int(np.argmax(empty)) + 2}: an empty id")
    columns = table.columns[1:]
    if not len(columns) or len(columns) % n_channels:
        raise SeqmodelsError(
            f"{path}: {len(columns)} value columns do not split into {n_channels} channel(s) "
            "(data.numeric_channels)"
        )
    values = np.empty((len(table), len(columns)), dtype=np.float32)
    for j, column in enumerate(columns):
        numbers = pd.to_numeric(table[column], errors="coerce")
        wrong = numbers.isna().to_numpy()
        if wrong.any():
            row = int(np.argmax(wrong))
            raise SeqmodelsError(
                f"{path}: line {row + 2}: column {column}: {table[column].iloc[row]!r} is not a "
                "number"
            )
        with np.errstate(over="ignore"):  # too large for float32: infinite, refused later
            values[:, j] = numbers.to_numpy(dtype=np.float32)
    ids = table["id"].tolist()
    return ids, values.reshape(len(table), n_channels, -1)
