from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """Tiny real input files."""
    return DATA


@pytest.fixture
def genome(tmp_path) -> Path:
    """A copy of the tiny genome (pyfaidx writes its index beside it)."""
    copy = tmp_path / "genome.fa"
    copy.write_text((DATA / "genome.fa").read_text())
    return copy
