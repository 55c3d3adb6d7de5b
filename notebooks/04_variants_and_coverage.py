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
# # 4. Variant effects, and a coverage model
#
# Score the demo VCF's variants with notebook 1's model, look at the strongest one allele by
# allele; then train a BPNet-style profile model on the demo's simulated CTCF ChIP-nexus
# coverage and browse its predicted tracks beside the observed ones.

# %%
# %matplotlib inline
import os
from dataclasses import replace
from pathlib import Path

import pandas as pd

from seqmodels import plot
from seqmodels.checkpoint import load_task
from seqmodels.config import load_config
from seqmodels.io.bed import chrom_sizes
from seqmodels.io.vcf import read_vcf
from seqmodels.view import browse
from seqmodels.workflows.inputs import open_inputs
from seqmodels.workflows.predict import predict_tracks_to_file
from seqmodels.workflows.train import train
from seqmodels.workflows.variants import allele_attributions, score_variants

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
RUN = Path(os.environ.get("SEQMODELS_NOTEBOOK_RUN", ROOT / "runs" / "notebooks"))
DEMO = ROOT / "data" / "demo"
GENOME = DEMO / "genome.fa"

# %% [markdown]
# Effects on the logit scale (ALT − REF, averaged over both strands), with empirical p-values
# from 100 null variants of the same type per variant:

# %%
task = load_task(RUN / "cnn" / "checkpoints" / "best.ckpt")
effects = score_variants(task, DEMO / "variants.vcf", GENOME, n_null=100)
effects.reindex(effects["CTCF"].abs().sort_values(ascending=False).index).head()

# %%
variants = read_vcf(DEMO / "variants.vcf")  # one row per ALT allele, as the effects
strongest = int(effects["CTCF"].abs().to_numpy().argmax())
one = replace(variants, table=variants.table.iloc[[strongest]].reset_index(drop=True))
ref, alt, alleles = allele_attributions(task, one, GENOME, target=task.output_names.index("CTCF"))
middle = task.hparams.length // 2
plot.allele_logos(ref[0], alt[0], start=middle - 20, end=middle + 20,
                  title=f"{effects.loc[strongest, 'id']}: CTCF")  # fmt: skip

# %% [markdown]
# A profile model (`configs/profile.yaml`: 400 bp in, the centre 200 bp of stranded coverage
# out), trained briefly here; `seqmodels train --config configs/profile.yaml` trains it fully.

# %%
config = load_config(ROOT / "configs" / "profile.yaml",
                     {"trainer.max_epochs": "2", "trainer.limit_train_batches": "20"})  # fmt: skip
for key in ("bed", "genome"):
    config["data"][key] = str(ROOT / config["data"][key])
config["data"]["targets"] = [[str(ROOT / p) for p in pair] for pair in config["data"]["targets"]]
config["trainer"]["enable_progress_bar"] = False
metrics = train(config, RUN / "profile")
pd.Series(metrics).round(3)

# %% [markdown]
# Its predicted coverage of the held-out chromosome as one bigWig per strand, then a view of
# the strongest predicted peak beside the observed coverage:

# %%
profile = load_task(RUN / "profile" / "checkpoints" / "best.ckpt")
held_out = pd.read_csv(ROOT / config["data"]["bed"], sep="\t", header=None, comment="#")
(RUN / "chr8.bed").write_text(held_out[held_out[0] == "chr8"].to_csv(sep="\t", header=False,
                                                                    index=False))  # fmt: skip
inputs = open_inputs(profile, bed=RUN / "chr8.bed", genome=GENOME)
paths = predict_tracks_to_file(profile, inputs, RUN / "predicted.bw",
                               chrom_sizes=chrom_sizes(GENOME))  # fmt: skip
observed = [ROOT / p for p in config["data"]["targets"][0]]
site = held_out[held_out[0] == "chr8"].iloc[0]
browse(GENOME, [(site[0], int(site[1]), int(site[2]))], bigwigs=[*paths, *observed])
