"""Text inputs, plain or gzip/bgzip-compressed (recognised by their first bytes, not the suffix),
with one-line errors for what is not a readable text file."""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from pathlib import Path

from seqmodels.errors import SeqmodelsError

GZIP_MAGIC = b"\x1f\x8b"


def read_text(path: str | Path, what: str = "text") -> str:
    """The whole file as text, newlines normalised (CRLF read as LF), a byte-order mark dropped.

    Parameters
    ----------
    what : str
        What the file should be, for messages (``"FASTA"``, ``"BED"``, …).

    Raises
    ------
    SeqmodelsError
        For a missing path, a directory, or a file that is not text.
    """
    path = Path(path)
    check_input_file(path)
    try:
        with open(path, "rb") as handle:
            compressed = handle.read(2) == GZIP_MAGIC
        opener = gzip.open if compressed else open
        with opener(path, "rt", encoding="utf-8-sig", newline=None) as handle:
            text = handle.read()
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, zlib.error):
        raise SeqmodelsError(f"{path}: not a {what} file (it is not text)") from None
    if "\x00" in text:
        raise SeqmodelsError(f"{path}: not a {what} file (it holds binary data)")
    return text


def check_input_file(path: str | Path) -> None:
    """A readable regular file, else one line saying what it is instead."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise SeqmodelsError(f"{path}: no such file") from None
    except OSError as err:  # a loop of symbolic links, a path through a file, …
        raise SeqmodelsError(f"{path}: {err.strerror or err}") from None
    if stat.S_ISDIR(mode):
        raise SeqmodelsError(f"{path}: is a directory, not a file")
