"""scripts/benchmark.py runs end to end at its quick sizes (its figures are not checked)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "scripts" / "benchmark.py"
COLUMNS = ["benchmark", "figure", "value", "baseline", "ratio", "goal", "met?"]
BENCHMARKS = {
    "encoding",
    "pipeline",
    "training",
    "attribution",
    "bigwig",
    "streaming",
    "allocator",
    "accuracy",
}


@pytest.mark.slow
def test_quick_run_writes_a_table_row_per_sub_benchmark(tmp_path):
    out = tmp_path / "benchmark.md"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--device", "cpu", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = out.read_text()
    assert table.strip() == result.stdout.strip()  # stdout holds the table and nothing else
    assert "Command: `python scripts/benchmark.py --quick --device cpu --out" in table
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    rows = [re.split(r"(?<!\\)\|", line)[1:-1] for line in lines]  # cells may hold \|
    assert [cell.strip() for cell in rows[0]] == COLUMNS
    assert {row[0].strip() for row in rows[1:]} == BENCHMARKS
    assert all(row[6].strip() in ("yes", "no", "–") for row in rows[1:])
