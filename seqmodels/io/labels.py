"""Label tables: a CSV/TSV with an ``id`` column and one numeric column per task."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from seqmodels.errors import SeqmodelsError
from seqmodels.io.text import read_text

MISSING = ("", "NA", "NaN", "nan", "N/A", ".")
"""Cells read as a missing label (skipped by the loss)."""


def read_labels(path: str | Path) -> pd.DataFrame:
    """Read a label table keyed by record id.

    The separator comes from the suffix (``.tsv``/``.txt``: tab, ``.csv``: comma).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``, one float32 column per task, NaN for missing labels.
    """
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    sep = "," if suffixes[-1:] == [".csv"] else "\t"
    text = read_text(path, "label table")
    try:
        table = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except pd.errors.EmptyDataError:
        raise SeqmodelsError(f"{path}: no labels (the file is empty)") from None
    except pd.errors.ParserError as err:
        raise SeqmodelsError(f"{path}: not a label table ({_one_line(err)})") from None
    if "id" not in table.columns:
        found = ", ".join(map(str, table.columns[:5]))
        raise SeqmodelsError(f"{path}: no 'id' column (columns: {found})")
    if len(table.columns) < 2:
        raise SeqmodelsError(f"{path}: no task columns beside 'id'")
    duplicated = table["id"][table["id"].duplicated()]
    if len(duplicated):
        line = int(duplicated.index[0]) + 2
        raise SeqmodelsError(f"{path}: line {line}: duplicate id {duplicated.iloc[0]!r}")
    labels = table.set_index("id")
    lines = np.arange(2, len(table) + 2)
    return labels.apply(lambda column: parse_labels(column, path, lines=lines)).astype(np.float32)


def align_labels(
    labels: pd.DataFrame, ids: Sequence[str], *, labels_path: str | Path, fasta_path: str | Path
) -> np.ndarray:
    """Labels of each record of the FASTA, float32 ``(N, T)``.

    Raises
    ------
    SeqmodelsError
        When label ids are missing from the FASTA, or FASTA records have no labels.
    """
    ids = pd.Index(ids)
    _require_subset(labels.index, ids, f"{labels_path}: {{n}} label id(s) not in {fasta_path}")
    _require_subset(
        ids, labels.index, f"{fasta_path}: {{n}} record(s) without labels in {labels_path}"
    )
    return labels.loc[ids].to_numpy(dtype=np.float32)


def _require_subset(items: pd.Index, within: pd.Index, message: str) -> None:
    missing = items[~items.isin(within)]
    if len(missing):
        shown = ", ".join(map(str, missing[:3])) + (", …" if len(missing) > 3 else "")
        raise SeqmodelsError(message.format(n=len(missing)) + f": {shown}")


def parse_labels(column: pd.Series, path: str | Path, *, lines: np.ndarray) -> pd.Series:
    """Column of label strings as floats; missing markers become NaN.

    ``lines`` holds the file line of each cell, for the error message.

    Raises
    ------
    SeqmodelsError
        On a cell that is neither a finite number nor a missing marker.
    """
    values = column.str.strip()
    missing = values.isin(MISSING)
    numbers = pd.to_numeric(values.where(~missing), errors="coerce")
    wrong = (numbers.isna() & ~missing) | np.isinf(numbers.fillna(0))
    if wrong.any():
        row = int(wrong.to_numpy().argmax())
        what = "not a finite number" if np.isinf(numbers.iloc[row]) else "non-numeric label"
        raise SeqmodelsError(
            f"{path}: line {lines[row]}: column {column.name!r}: {what} {values.iloc[row]!r}"
        )
    return numbers


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())
