"""Label tables: a CSV/TSV with an ``id`` column and one numeric column per task."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from seqmodels.errors import SeqmodelsError

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
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    try:
        table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise SeqmodelsError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise SeqmodelsError(f"{path}: not a label table ({err})") from None
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
    return labels.apply(lambda column: parse_labels(column, path, first_line=2)).astype(np.float32)


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


def parse_labels(column: pd.Series, path: str | Path, *, first_line: int) -> pd.Series:
    """Column of label strings as floats; missing markers become NaN.

    ``first_line`` is the file line of the column's first cell, for the error message.

    Raises
    ------
    SeqmodelsError
        On a cell that is neither a number nor a missing marker.
    """
    values = column.str.strip()
    missing = values.isin(MISSING)
    numbers = pd.to_numeric(values.where(~missing), errors="coerce")
    wrong = numbers.isna() & ~missing
    if wrong.any():
        row = int(wrong.to_numpy().argmax())
        raise SeqmodelsError(
            f"{path}: line {first_line + row}: column {column.name!r}: non-numeric label "
            f"{values.iloc[row]!r}"
        )
    return numbers
