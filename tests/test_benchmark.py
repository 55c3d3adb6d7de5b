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
    "variants",
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


@pytest.mark.slow
def test_training_benchmark_trains_every_model_and_the_reference(tmp_path):
    """scripts/benchmark_training.py at its quick size, with an ablation change: one row per
    task, a column per model, and the margin over the reference."""
    out = tmp_path / "training.md"
    result = subprocess.run(
        [sys.executable, str(SCRIPT.parent / "benchmark_training.py"), "--quick",
         "--suites", "logic", "--set", "model.dense=[8]", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    table = out.read_text()
    assert "| suite | task | metric | cnn | dilated | lstm | reference | weakest minus" in table
    for task in ("GATA1", "FOXA1_AND_HNF4A", "CEBPB_NOT_REST"):
        cells = next(line for line in table.splitlines() if f"| {task} |" in line).split("|")
        assert all(0 <= float(cell) <= 1 for cell in cells[4:8]), cells


@pytest.mark.slow
def test_coverage_benchmark_runs_at_its_quick_size(tmp_path):
    """scripts/benchmark_coverage.py simulates, trains and times a profile model end to end."""
    out = tmp_path / "coverage.md"
    result = subprocess.run(
        [sys.executable, str(SCRIPT.parent / "benchmark_coverage.py"), "--quick", "--out",
         str(out)], capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split("|")[1].strip() for line in out.read_text().splitlines()[5:]]
    assert rows.count("accuracy") == 3 and {"training", "loading"} <= set(rows)
