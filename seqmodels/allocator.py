"""The C allocator's treatment of large tensors.

glibc serves every allocation above its mmap threshold (128 kB, raised dynamically up to
32 MB) with a fresh ``mmap`` and returns it with ``munmap`` when freed, so a loop that
allocates the same large activations on each batch pays page faults for every page, every
time. Raising the threshold (and the trim threshold, so freed memory is not handed back
at once) keeps those pages in the heap for reuse: the ``seqmodels`` command does this at
start-up. The cost is memory: the heap keeps its peak size until the process ends.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
LARGE = 1 << 30
"""Allocations up to 1 GiB come from the heap."""


def keep_large_allocations(threshold: int = LARGE) -> bool:
    """Raise glibc's mmap and trim thresholds to ``threshold`` bytes for this process.

    A no-op (returning False) on other C libraries, or when ``MALLOC_MMAP_THRESHOLD_`` is
    already set in the environment (the user's choice wins).
    """
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold) and mallopt(M_TRIM_THRESHOLD, threshold))
