"""The tutorial notebook (a py:percent script) runs from start to end and names the motifs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).parents[1] / "scripts" / "tutorial.py"


@pytest.mark.slow  # trains the demo CNN for 8 epochs (about 1.5 min on 2 cores)
def test_tutorial_runs_and_names_the_planted_motifs(tmp_path):
    env = {**os.environ, "SEQMODELS_TUTORIAL_RUN": str(tmp_path), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(TUTORIAL)], env=env, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for factor in ("CTCF", "SPI1", "NRF1"):
        assert f"{factor:<7} named" in done.stdout
    assert "overlaps a planted CTCF site in" in done.stdout
    for output in ("training.png", "ctcf_logo.png", "motifs/report.html", "motifs/matches.tsv"):
        assert (tmp_path / output).stat().st_size > 1000
