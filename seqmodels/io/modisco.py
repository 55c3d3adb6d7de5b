"""Arrays for TF-MoDISco: ``modisco motifs -s X_ohe.npz -a X.npz`` reads them unchanged.

Each file holds one array under the key ``arr_0`` with shape ``(N, 4, L)``. Arrays are
filled a chunk at a time through a memory map on disk, then stored (uncompressed) into the
``.npz``, so memory does not grow with N.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from seqmodels.io.atomic import WRITE_ERRORS, atomic_path, named_write_errors, scratch_file


def one_hot_path(path: str | Path) -> Path:
    """Where the one-hot sequences go beside contributions at ``path``: ``X_ohe.npz``."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".npz") + "_ohe.npz")


@contextlib.contextmanager
def npz_array(path: str | Path, shape: tuple[int, ...]) -> Iterator[np.ndarray]:
    """A float32 array of ``shape`` to fill; stored as ``arr_0`` in ``path`` on success."""
    npy = scratch_file(path, ".npy")
    try:
        with named_write_errors(path):
            array = np.lib.format.open_memmap(npy, mode="w+", dtype=np.float32, shape=shape)
            _reserve(npy)
        yield array
        array.flush()
        del array
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
            archive.write(npy, "arr_0.npy")
    finally:
        npy.unlink(missing_ok=True)


def _reserve(scratch: Path) -> None:
    """Allocate the memory map's blocks now, so that a full disk is an error here rather than
    a bus error when a page is first written."""
    with open(scratch, "r+b") as handle:
        try:
            os.posix_fallocate(handle.fileno(), 0, os.fstat(handle.fileno()).st_size)
        except OSError as err:
            if err.errno in WRITE_ERRORS:
                raise
            # a file system without fallocate: pages are then allocated as they are written
