"""Execute the notebooks in ``notebooks/`` in order, in a real Jupyter kernel (nbclient), from
their paired py:percent sources (jupytext), and write them with their outputs.

    python scripts/run_notebooks.py            # refresh notebooks/*.ipynb, outputs included
    python scripts/run_notebooks.py --out DIR  # write the executed notebooks to DIR instead

A cell that raises stops the run with the cell and its error (exit status 1). The notebooks
write to ``$SEQMODELS_NOTEBOOK_RUN`` (default ``runs/notebooks``). Outputs that a code host
cannot show and that would bloat the repository — the igv.js library igv-notebook sends to
the page, the state of the progress-bar widgets (their text stays) — are left out of the
saved notebooks (the view's page, ``browse.html``, is written beside the run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LARGE = 100_000
"""Characters above which a JavaScript output is left out of a saved notebook."""


def sources() -> list[Path]:
    """The notebooks' py:percent sources, in the order they run."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def execute(source: Path, timeout: int = 1200):
    """The notebook of ``source``, executed in a fresh kernel started in ``notebooks/``."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", store_widget_state=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )  # fmt: skip
    client.execute()
    for cell in notebook.cells:
        cell.get("metadata", {}).pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not _large_script(o)]
    return notebook


def _large_script(output) -> bool:
    script = output.get("data", {}).get("application/javascript", "")
    return len(script) > LARGE


def main(argv: list[str] | None = None) -> int:
    import jupytext
    from nbclient.exceptions import CellExecutionError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the executed notebooks here")
    args = parser.parse_args(argv)
    out = args.out or NOTEBOOKS
    out.mkdir(parents=True, exist_ok=True)
    for source in sources():
        print(f"running {source.name} …", file=sys.stderr, flush=True)
        try:
            notebook = execute(source)
        except CellExecutionError as err:
            print(f"{source.name}: {err}", file=sys.stderr)
            return 1
        notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
        jupytext.write(notebook, out / source.with_suffix(".ipynb").name, fmt="ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
