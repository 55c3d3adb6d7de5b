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
# # 2. Explain the model and export tracks
#
# Attribute the CTCF output of notebook 1's model over the held-out chromosome 8, look at one
# sequence closely, export the importance track as bigWig, and browse it — in this notebook
# and as a standalone page — beside the genome and the planted sites.

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqmodels import plot
from seqmodels.attribution import attribute, importance_track
from seqmodels.checkpoint import load_task
from seqmodels.io.bed import chrom_sizes
from seqmodels.view import browse, write_browse_html
from seqmodels.workflows.attribute import export_attributions
from seqmodels.workflows.inputs import load_inputs

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
RUN = Path(os.environ.get("SEQMODELS_NOTEBOOK_RUN", ROOT / "runs" / "notebooks"))
DEMO = ROOT / "data" / "demo"

# %%
task = load_task(RUN / "cnn" / "checkpoints" / "best.ckpt")
intervals = pd.read_csv(DEMO / "intervals.bed", sep="\t")
test_bed = RUN / "test.bed"
intervals[intervals["#chrom"] == "chr8"].to_csv(test_bed, sep="\t", index=False)
sequences = load_inputs(task, bed=test_bed, genome=DEMO / "genome.fa")
ctcf = task.output_names.index("CTCF")
carriers = np.flatnonzero(sequences.targets[:, ctcf] == 1)[:50]
X = sequences.inputs_at(carriers)
hypothetical = attribute(
    task.model, X, method="deeplift_shap", target=ctcf, hypothetical=True, verbose=True
)
track = importance_track(hypothetical, X).numpy()
with torch.no_grad():
    probability = task.eval().predict_outputs(X[:1])[0, ctcf]
print(f"{sequences.ids[carriers[0]]}: CTCF probability {probability:.3f}")

# %% [markdown]
# The strongest stretch of its track as a logo whose letters are scaled by their contribution,
# in genome coordinates, then in-silico mutagenesis of the same window.

# %%
peak = int(np.argmax(track[0]))
start, end = max(peak - 15, 0), min(peak + 15, sequences.length)
x0 = int(sequences.start[carriers[0]])
plot.attribution_logo((hypothetical[0] * X[0]).numpy(), start=start, end=end, x0=x0)

# %%
ism = attribute(task.model, X[:1], method="ism", target=ctcf, window=(start, end))
plot.ism_heatmap(ism[0], start=start, end=end, x0=x0)

# %% [markdown]
# The DeepLIFT-SHAP track of every chromosome-8 interval as bigWig, in genome coordinates
# (`seqmodels attribute` does the same from the command line):

# %%
bigwig = RUN / "CTCF.deeplift_shap.bw"
export_attributions(task.model, sequences, bigwig, fmt="bigwig",
                    chrom_sizes=chrom_sizes(DEMO / "genome.fa"), method="deeplift_shap",
                    target=ctcf)  # fmt: skip

# %% [markdown]
# An igv.js view of the track beside the planted sites, at the first carrier's interval and
# the next (igv-notebook brings igv.js; nothing is fetched from the network). The same view
# as a page that opens from the run folder: `browse.html`.

# %%
loci = [(str(sequences.chrom[i]), int(sequences.start[i]), int(sequences.start[i]) + 300)
        for i in carriers[:2]]  # fmt: skip
view = {"bigwigs": [bigwig], "beds": [DEMO / "motifs.bed"]}
write_browse_html(RUN / "browse.html", DEMO / "genome.fa", loci, title="CTCF", **view)
browse(DEMO / "genome.fa", loci, **view)
