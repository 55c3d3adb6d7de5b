#!/usr/bin/env bash
# A non-editable `pip install .` into a fresh virtual environment, then a smoke test run from
# outside the source tree: catches modules or data left out of the wheel, which an editable
# install (what `make` sets up) would hide. CI runs it after `make test`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
bin="$tmp/venv/bin"
"$bin/pip" install --quiet "${TORCH:-torch==2.13.0}"
"$bin/pip" install --quiet "$root"
cd "$tmp"
"$bin/python" - "$root" <<'PY'
import importlib, pkgutil, sys
import seqmodels
assert "site-packages" in seqmodels.__file__, seqmodels.__file__
names = [m.name for m in pkgutil.walk_packages(seqmodels.__path__, "seqmodels.")]
names = [name for name in names if not name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(f"seqmodels {seqmodels.__version__}: {len(names)} modules import from {seqmodels.__file__}")
PY
"$bin/seqmodels" --version
demo="$root/data/demo"
"$bin/seqmodels" inspect --fasta "$demo/sequences.fa" --labels "$demo/labels.csv" | head -n 3
status=0
"$bin/seqmodels" predict --checkpoint "$tmp/none.ckpt" --fasta "$demo/sequences.fa" \
    --out "$tmp/p.tsv" 2>"$tmp/err" || status=$?
[ "$status" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || { cat "$tmp/err"; exit 1; }
echo "bad input: $(cat "$tmp/err")"
echo "non-editable install: ok"
