import os
import subprocess
import sys

import pytest

from seqmodels.allocator import keep_large_allocations

PROBE = """
import os, sys
import numpy as np
from seqmodels.allocator import keep_large_allocations
if sys.argv[1] == "keep":
    assert keep_large_allocations()
page = os.sysconf("SC_PAGE_SIZE")
rss = lambda: int(open("/proc/self/statm").read().split()[1]) * page
before = rss()
block = np.ones(200_000_000, dtype=np.uint8)  # 200 MB, above any default mmap threshold
del block
print((rss() - before) // 1_000_000)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_large_blocks_stay_in_the_heap_for_reuse_only_when_asked():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}

    def kept(mode: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return int(done.stdout)

    assert kept("default") < 20  # glibc unmapped the block when it was freed
    assert kept("keep") >= 190  # kept, so the next large allocation reuses its pages


def test_the_users_environment_wins(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert keep_large_allocations() is False
