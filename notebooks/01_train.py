# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Train a model from FASTA and labels
#
# The demo data (`data/demo/`): 5,000 synthetic 300 bp regulatory sequences with real JASPAR
# sites planted (CTCF, SPI1, NRF1, and SOX2 with POU5F1 for a cooperative task), labelled per
# task in `labels.csv`. These notebooks write to `runs/notebooks/` (or
# `$SEQMODELS_NOTEBOOK_RUN`); run them in order — the next ones read this one's checkpoint.

# %%
# %matplotlib inline
import os
from pathlib import Path

import pandas as pd

from seqmodels import plot
from seqmodels.config import load_config
from seqmodels.workflows.train import train

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
RUN = Path(os.environ.get("SEQMODELS_NOTEBOOK_RUN", ROOT / "runs" / "notebooks"))
DEMO = ROOT / "data" / "demo"

# %% [markdown]
# The shipped config (`configs/cnn.yaml`: the default CNN, chromosome 7 for validation and 8
# for test), shortened to 8 epochs; `make demo` trains it fully. Its paths are relative to the
# repository root. In a notebook, training shows a progress bar per epoch and its curves,
# redrawn after every epoch.

# %%
config = load_config(ROOT / "configs" / "cnn.yaml", {"trainer.max_epochs": "8"})
for key in ("fasta", "labels"):
    config["data"][key] = str(ROOT / config["data"][key])
if RUN.exists():
    import shutil

    shutil.rmtree(RUN)
metrics = train(config, RUN / "cnn")
pd.Series(metrics).round(3)

# %% [markdown]
# The loss and the validation metric per epoch, from the run's `metrics.csv`:

# %%
plot.plot_training_curves(RUN / "cnn" / "metrics.csv")
