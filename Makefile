# Quick start: `make demo` and `make test` set up .venv on first use.
# These machines install the CPU build of torch from local disk; on a CUDA machine use e.g.
# `make demo TORCH=torch` (or install seqmodels into an environment that already has torch).
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[dev,motifs]"
	touch $@

# The main job on the demo data: check the inputs, train the default CNN, report test metrics,
# write a DeepLIFT-SHAP bigWig of the CTCF task over the held-out chromosome (chr8), find
# and name the motifs the model learned there, with their hits and a negative control
# (runs/demo/motifs/report.html), and score the demo VCF's variants against a null
# (runs/demo/variants.tsv).
demo: $(VENV)/.installed
	$(BIN)/seqmodels inspect --config configs/cnn.yaml
	rm -rf runs/demo
	$(BIN)/seqmodels train --config configs/cnn.yaml --out runs/demo
	awk '$$1 == "chr8"' data/demo/intervals.bed > runs/demo/test.bed
	$(BIN)/seqmodels attribute --checkpoint runs/demo/checkpoints/best.ckpt \
		--bed runs/demo/test.bed --genome data/demo/genome.fa --target CTCF \
		--method deeplift_shap --out runs/demo/CTCF.deeplift_shap.bw
	$(BIN)/seqmodels motifs --checkpoint runs/demo/checkpoints/best.ckpt \
		--bed runs/demo/test.bed --genome data/demo/genome.fa --n-shuffles 10 \
		--out runs/demo/motifs
	$(BIN)/seqmodels variants --checkpoint runs/demo/checkpoints/best.ckpt \
		--vcf data/demo/variants.vcf --genome data/demo/genome.fa --null 100 \
		--out runs/demo/variants.tsv

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python scripts/benchmark.py --out scripts/benchmark.md

clean:
	rm -rf $(VENV) runs
