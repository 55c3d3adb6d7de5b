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
# # 3. Find the motifs the model learned, and name them
#
# `find_motifs` is `seqmodels motifs` as a function: TF-MoDISco (modisco-lite) clusters each
# task's hypothetical contributions into patterns, their hits are found in the contribution
# tracks, the first layer's filters become motifs, and the informative ones are named by
# Tomtom against JASPAR 2024 (vertebrate CORE, shipped offline by pyjaspar).

# %%
# %matplotlib inline
import os
from pathlib import Path

from seqmodels import plot
from seqmodels.checkpoint import load_task
from seqmodels.motifs import jaspar_motifs, optimize_sequence
from seqmodels.workflows.inputs import load_inputs
from seqmodels.workflows.motifs import find_motifs
from seqmodels.workflows.report import write_report

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
RUN = Path(os.environ.get("SEQMODELS_NOTEBOOK_RUN", ROOT / "runs" / "notebooks"))
DEMO = ROOT / "data" / "demo"

# %%
task = load_task(RUN / "cnn" / "checkpoints" / "best.ckpt")
sequences = load_inputs(task, bed=RUN / "test.bed", genome=DEMO / "genome.fa")
results = find_motifs(task, sequences, RUN / "motifs", database=jaspar_motifs(),
                      n_shuffles=10, control=False, verbose=True)  # fmt: skip
write_report(RUN / "motifs" / "report.html", results, title="seqmodels notebook")
patterns = results.summary[results.summary["kind"] == "pattern"].set_index("name")
patterns[["sites", "hits", "target", "target_name", "q_value"]]

# %% [markdown]
# The contribution logo of each task's first pattern:

# %%
for name in task.output_names:
    pattern = next((p for p in results.patterns if p.name.startswith(f"{name}.pos")), None)
    if pattern is not None:
        plot.attribution_logo(pattern.cwm, title=f"{pattern.name} contribution")

# %% [markdown]
# Did we name the planted motifs? A JASPAR name of the same family counts. Eight epochs are
# enough for the single-motif tasks; the cooperative SOX2 + POU5F1 task needs the full
# training of `make demo`.

# %%
families = {"CTCF": "CTCF", "SPI1": "SPI", "NRF1": "NRF1", "SOX2": "SOX", "POU5F1": "POU"}
named = patterns[patterns["q_value"] <= 0.05]
for factor, family in families.items():
    found = named[named["target_name"].str.upper().str.startswith(family)]
    print(f"{factor:<7} {'named' if len(found) else 'not named':<10}", found.index.tolist())
    if factor in ("CTCF", "SPI1", "NRF1"):
        assert len(found), f"{factor} was not named"

# %% [markdown]
# What does the model want to see? Gradient ascent on a relaxed one-hot input for the CTCF
# output (a class model).

# %%
ctcf = task.output_names.index("CTCF")
dream = optimize_sequence(task.model, length=60, target=ctcf, n_steps=150)
print(dream.sequence, f"score {dream.initial_score:.2f} → {dream.score:.2f}")
plot.motif_logo(dream.motif, title="CTCF class model")
