# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # seqmodels tutorial: from FASTA to named motifs
#
# Train a CNN on the demo data, explain it, and find the motifs it learned — then name them
# from JASPAR. The demo sequences (`data/demo/`) carry planted JASPAR sites (CTCF, SPI1,
# NRF1, and SOX2 with POU5F1 for a cooperative task, plus a CEBPA distractor that sets no
# label); `data/demo/motifs.bed` says where.
#
# This file is a notebook in the py:percent format: open it in Jupyter (with jupytext), VS
# Code or PyCharm, or run it as a script (`python scripts/tutorial.py`; CI does, from start
# to end). It writes to `runs/tutorial/` (or `$SEQMODELS_TUTORIAL_RUN`) and takes a couple of
# minutes on a laptop CPU.

# %%
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqmodels import plot
from seqmodels.attribution import attribute, importance_track
from seqmodels.checkpoint import load_task
from seqmodels.config import load_config
from seqmodels.encoding import codes_to_one_hot
from seqmodels.motifs import call_seqlets, jaspar_motifs, optimize_sequence
from seqmodels.workflows.inputs import load_inputs
from seqmodels.workflows.motifs import find_motifs
from seqmodels.workflows.report import write_report
from seqmodels.workflows.train import train

ROOT = Path(__file__).resolve().parents[1] if "__file__" in globals() else Path.cwd()
RUN = Path(os.environ.get("SEQMODELS_TUTORIAL_RUN", ROOT / "runs" / "tutorial"))
DEMO = ROOT / "data" / "demo"

# %% [markdown]
# ## 1. Train
# The shipped config, shortened to 8 epochs (the full run, `make demo`, takes 60 at most).
# The config's paths are relative to the repository root.

# %%
config = load_config(ROOT / "configs" / "cnn.yaml", {"trainer.max_epochs": "8"})
for key in ("fasta", "labels"):
    config["data"][key] = str(ROOT / config["data"][key])
config["trainer"]["enable_progress_bar"] = False
if RUN.exists():
    import shutil

    shutil.rmtree(RUN)
metrics = train(config, RUN)
pd.Series(metrics).round(3)

# %%
plot.plot_training_curves(RUN / "metrics.csv", path=RUN / "training.png")

# %% [markdown]
# ## 2. Explain one held-out sequence
# The test split is chromosome 8. Load its intervals with the checkpoint's own encoding, and
# attribute the CTCF output with DeepLIFT-SHAP (20 dinucleotide-shuffled references).

# %%
task = load_task(RUN / "checkpoints" / "best.ckpt")
intervals = pd.read_csv(DEMO / "intervals.bed", sep="\t")
test_bed = RUN / "test.bed"
intervals[intervals["#chrom"] == "chr8"].to_csv(test_bed, sep="\t", index=False)
sequences = load_inputs(task, bed=test_bed, genome=DEMO / "genome.fa")
X = codes_to_one_hot(torch.from_numpy(sequences.codes))
ctcf = task.output_names.index("CTCF")
carriers = np.flatnonzero(sequences.targets[:, ctcf] == 1)[:50]
hypothetical = attribute(
    task.model, X[carriers], method="deeplift_shap", target=ctcf, hypothetical=True
)
track = importance_track(hypothetical, X[carriers]).numpy()
first = carriers[0]
with torch.no_grad():
    probability = task.eval().predict_outputs(X[[first]])[0, ctcf]
print(f"{sequences.ids[first]}: CTCF probability {probability:.3f}")

# %% [markdown]
# The strongest span of its track, as a logo whose letters are scaled by their contribution,
# in genome coordinates; then the hypothetical contributions of every base there.

# %%
seqlets = call_seqlets(track)
best = seqlets[(seqlets["sequence"] == 0) & (seqlets["sign"] > 0)].nlargest(1, "score").iloc[0]
start, end = max(int(best["start"]) - 10, 0), min(int(best["end"]) + 10, sequences.length)
x0 = int(sequences.start[first])
contributions = (hypothetical[0] * X[first]).numpy()
plot.attribution_logo(contributions, start=start, end=end, x0=x0, path=RUN / "ctcf_logo.png")

# %%
plot.hypothetical_heatmap(hypothetical[0], start=start, end=end, x0=x0)

# %% [markdown]
# In-silico mutagenesis of the same window: the change in the CTCF logit for every
# substitution.

# %%
ism = attribute(task.model, X[[first]], method="ism", target=ctcf, window=(start, end))
plot.ism_heatmap(ism[0], start=start, end=end, x0=x0)

# %% [markdown]
# Tracks of three methods over the whole interval, stacked with genome coordinates; the
# planted site is where they agree.

# %%
tracks = {"DeepLIFT-SHAP": track[0]}
for method, options in (("integrated_gradients", {"n_steps": 100}), ("saliency", {})):
    attributions = attribute(task.model, X[[first]], method=method, target=ctcf, **options)
    tracks[method] = attributions.sum(dim=1)[0].numpy()
plot.plot_tracks(tracks, chrom=str(sequences.chrom[first]), start=x0)

# %% [markdown]
# ## 3. Is the model looking at the planted sites?
# Seqlets (contiguous high-importance spans) against the planted CTCF sites of these
# sequences.

# %%
planted = pd.read_csv(DEMO / "motifs.bed", sep="\t", header=None, usecols=[0, 1, 2, 3])
planted.columns = ["chrom", "start", "end", "name"]
sites = planted[planted["name"] == "CTCF"]
hit = 0
for row, index in enumerate(carriers):
    chrom, origin = sequences.chrom[index], sequences.start[index]
    mine = sites[(sites["chrom"] == chrom) & (sites["start"] >= origin)]
    mine = mine[mine["end"] <= origin + sequences.length]
    calls = seqlets[(seqlets["sequence"] == row) & (seqlets["sign"] > 0)]
    hit += any(
        (calls["start"] + origin < site.end).any() and (calls["end"] + origin > site.start).any()
        for site in mine.itertuples()
    )
print(f"a positive seqlet overlaps a planted CTCF site in {hit} of {len(carriers)} carriers")

# %% [markdown]
# ## 4. Find the motifs and name them
# `find_motifs` is the `seqmodels motifs` command as a function: TF-MoDISco (modisco-lite)
# clusters each task's hypothetical contributions into patterns, their hits are found in the
# contribution tracks, the first layer's filters become motifs, and the informative ones are
# named by Tomtom against JASPAR 2024 (vertebrate CORE, shipped offline by pyjaspar).

# %%
database = jaspar_motifs()
results = find_motifs(task, sequences, RUN / "motifs", database=database, n_shuffles=10,
                      control=False)  # fmt: skip
write_report(RUN / "motifs" / "report.html", results, title="seqmodels tutorial")
patterns = results.summary[results.summary["kind"] == "pattern"].set_index("name")
patterns[["sites", "hits", "target", "target_name", "q_value"]]

# %% [markdown]
# The contribution logo of the first pattern of each task that has one:

# %%
for name in task.output_names:
    pattern = next((p for p in results.patterns if p.name.startswith(f"{name}.pos")), None)
    if pattern is not None:
        plot.attribution_logo(pattern.cwm, title=f"{pattern.name} contribution")

# %% [markdown]
# Did we name the planted motifs? A JASPAR name of the same family counts (SOX2's pattern may
# match another SOX factor, POU5F1's another POU factor). Eight epochs are enough for the
# single-motif tasks; the cooperative SOX2 + POU5F1 task needs the full training of
# `make demo`, whose motif step names both (see the README).

# %%
families = {"CTCF": "CTCF", "SPI1": "SPI", "NRF1": "NRF1", "SOX2": "SOX", "POU5F1": "POU"}
named = patterns[patterns["q_value"] <= 0.05]
for factor, family in families.items():
    found = named[named["target_name"].str.upper().str.startswith(family)]
    print(f"{factor:<7} {'named' if len(found) else 'not named':<10}", found.index.tolist())
    if factor in ("CTCF", "SPI1", "NRF1"):
        assert len(found), f"{factor} was not named"

# %% [markdown]
# ## 5. What does the model want to see?
# Class-model visualisation: gradient ascent on a relaxed one-hot input for the CTCF output.

# %%
dream = optimize_sequence(task.model, length=60, target=ctcf, n_steps=150)
print(dream.sequence, f"score {dream.initial_score:.2f} → {dream.score:.2f}")
plot.motif_logo(dream.motif, title="CTCF class model")
