"""Metrics as strict JSON: an undefined metric (NaN) is ``null``, which every JSON reader takes."""

from __future__ import annotations

import json
import math
from pathlib import Path

from seqmodels.io.atomic import atomic_write


def write_json(path: str | Path, values: dict[str, float | None]) -> None:
    """Write ``{name: number}`` atomically, sorted, with NaN and infinities as ``null``."""
    clean = {k: (v if v is not None and math.isfinite(v) else None) for k, v in values.items()}
    with atomic_write(path) as handle:
        json.dump(clean, handle, indent=2, sort_keys=True, allow_nan=False)
        handle.write("\n")
