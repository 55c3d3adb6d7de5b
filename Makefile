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
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/seqmodels inspect --config configs/cnn.yaml

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python scripts/benchmark_encoding.py

clean:
	rm -rf $(VENV) runs
