"""The tutorial notebooks: each .ipynb agrees with its paired py:percent source, and all of
them run from start to end in a real Jupyter kernel (nbclient)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


def cells(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def test_there_are_four_notebooks_and_each_ipynb_is_its_paired_source():
    assert [s.stem for s in SOURCES] == [
        "01_train", "02_attribute", "03_motifs", "04_variants_and_coverage"
    ]  # fmt: skip
    for source in SOURCES:
        committed = jupytext.read(source.with_suffix(".ipynb"))
        assert cells(committed) == cells(jupytext.read(source)), source.name
        assert committed.metadata["jupytext"]["formats"] == "ipynb,py:percent"
        code = [c for c in committed.cells if c.cell_type == "code"]
        assert all(c.outputs is not None for c in code)  # committed with their outputs
        assert any(o.get("data", {}).get("image/png") for c in code for o in c.outputs)


@pytest.mark.slow  # trains the demo CNN (8 epochs) and a profile model, runs modisco-lite
def test_the_notebooks_run_end_to_end_in_a_kernel(tmp_path):
    env = {**os.environ, "SEQMODELS_NOTEBOOK_RUN": str(tmp_path / "run")}
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "run_notebooks.py"), "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = {}
    for source in SOURCES:
        notebook = json.loads((tmp_path / source.with_suffix(".ipynb").name).read_text())
        texts = [o.get("text", "") for c in notebook["cells"] for o in c.get("outputs", [])]
        outputs[source.stem] = "".join(t if isinstance(t, str) else "".join(t) for t in texts)
    trained = json.loads((tmp_path / "01_train.ipynb").read_text())["cells"]
    training = next(c for c in trained if "train(config" in "".join(c["source"]))
    shown = [o for o in training["outputs"] if o["output_type"] == "display_data"]
    assert any("image/png" in o["data"] for o in shown)  # the curves, redrawn every epoch
    assert "epoch 7:" not in outputs["01_train"]  # the plot, not a wall of log lines
    for factor in ("CTCF", "SPI1", "NRF1"):
        assert f"{factor:<7} named" in outputs["03_motifs"]
    for written in ("cnn/checkpoints/best.ckpt", "CTCF.deeplift_shap.bw", "browse.html",
                    "motifs/report.html", "predicted.CTCF.plus.bw"):  # fmt: skip
        assert (tmp_path / "run" / written).stat().st_size > 1000, written
