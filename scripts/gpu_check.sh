#!/usr/bin/env bash
# CUDA checks in one go, for a machine with a GPU (about 8 minutes on one H200, estimated):
#   1. the tests marked gpu (CUDA results equal CPU results; bf16 training learns),
#   2. the demo CNN trained for a few epochs in bf16-mixed precision,
#   3. throughput of a BPNet-size dilated CNN at 2,114 bp (64 filters, 9 dilated residual
#      blocks): training, saliency and DeepLIFT-SHAP with 20 shuffles (shuffles made on the
#      GPU), in sequences/s, and tangermeme's deep_lift_shap on the same model and batch
#      (goals on one H200: saliency >= 5,000/s, DeepLIFT-SHAP-20 >= 200/s and >= 2.5x
#      tangermeme),
#   4. the benchmark's attribution and variant figures on CUDA (scripts/benchmark.py
#      attribution variants --device cuda): ratios against tangermeme, Captum and a loop
#      calling predict per variant.
# Usage: scripts/gpu_check.sh [OUT_DIR]    (PYTHON=... to use another interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=${1:-runs/gpu_check}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"

echo "== tests marked gpu"
$PY -m pytest -q -m gpu -p no:cacheprovider | tail -n 3

echo "== demo CNN, 5 epochs, bf16-mixed"
rm -rf "$OUT/bf16"
$PY -m seqmodels train --config configs/cnn.yaml --out "$OUT/bf16" \
    --trainer.max_epochs 5 --trainer.precision bf16-mixed --trainer.enable_progress_bar false \
    | tail -n 8

echo "== throughput, BPNet-size dilated CNN at 2,114 bp"
$PY - "$OUT/throughput.md" <<'PYTHON'
import sys
import time

import torch

from seqmodels.attribution import attribute
from seqmodels.models import build_model

device, length = torch.device("cuda"), 2114
model = build_model(
    "dilated", alphabet_size=4, n_outputs=1, filters=64, first_kernel_size=21,
    n_dilated=9, dense=(), dropout=0.0,
).to(device)
codes = torch.randint(0, 4, (4096, length), device=device)
X = torch.nn.functional.one_hot(codes, 4).transpose(1, 2).float()


def rate(run, n) -> float:
    run()  # warm-up (cuDNN autotuning, allocator)
    torch.cuda.synchronize()
    start = time.perf_counter()
    run()
    torch.cuda.synchronize()
    return n / (time.perf_counter() - start)


optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)


def train(batch=256):
    model.train()
    for chunk in X.split(batch):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(chunk).float().square().mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()


def tangermeme(n=128):
    from tangermeme.deep_lift_shap import deep_lift_shap

    deep_lift_shap(model.eval(), X[:n], n_shuffles=20, batch_size=1024, device=device,
                   random_state=0, warning_threshold=1e9)


shap = rate(lambda: attribute(
    model, X[:512], method="deeplift_shap", n_shuffles=20, batch_size=1024, device=device), 512)
theirs = rate(tangermeme, 128)
rows = [
    ("training, bf16-mixed, batch 256", rate(train, len(X)), None),
    ("saliency, batch 1,024", rate(lambda: attribute(
        model, X, method="saliency", batch_size=1024, device=device), len(X)), 5000),
    ("DeepLIFT-SHAP, 20 shuffles, batch 1,024 pairs", shap, 200),
    ("tangermeme deep_lift_shap, 20 shuffles, batch 1,024 pairs", theirs, None),
    ("DeepLIFT-SHAP speed ÷ tangermeme's (×)", shap / theirs, 2.5),
]
lines = [f"{torch.cuda.get_device_name()}, torch {torch.__version__}", "",
         "| figure | sequences/s | goal | met? |", "|---|---:|---:|---|"]
for name, value, goal in rows:
    met = "–" if goal is None else ("yes" if value >= goal else "no")
    shown = f"{value:,.2f}" if value < 10 else f"{value:,.0f}"
    lines.append(f"| {name} | {shown} | {'–' if goal is None else f'≥ {goal:,}'} | {met} |")
print("\n".join(lines))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PYTHON
echo "wrote $OUT/throughput.md"

echo "== the benchmark's attribution and variant figures on CUDA"
$PY scripts/benchmark.py attribution variants --device cuda --out "$OUT/benchmark_cuda.md" \
    2>/dev/null | tail -n 16
