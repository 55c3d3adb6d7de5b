"""One self-contained HTML page of a motif step: the named motifs, every logo inline."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from seqmodels.io.atomic import atomic_write
from seqmodels.motifs.matching import Q_THRESHOLD, best_matches

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img.logo { height: 70px; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; }
.grid figure { margin: 0; }
figcaption { font-size: 0.85em; color: #555; }
"""


def write_report(
    path: str | Path,
    results,
    *,
    title: str = "seqmodels motifs",
    details: dict[str, str] | None = None,
    q_threshold: float = Q_THRESHOLD,
) -> None:
    """Write ``report.html`` for :class:`~seqmodels.workflows.motifs.MotifResults`.

    Sections: the inputs (``details``), motifs whose best match has a q-value at most
    ``q_threshold``, every seqlet cluster, the attribution logos of the top sequences, and
    the logos of named filters.
    """
    best = _best_matches(results.matches)
    motifs = {m.name: m for m in results.filters + results.clusters}
    named = best[best["q_value"] <= q_threshold].sort_values("q_value")
    unshown = (~named["query"].isin(list(results.logos))).sum()
    named = named[named["query"].isin(list(results.logos))]
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if details:
        parts.append(_table(pd.DataFrame({"": list(details), " ": list(details.values())})))
    parts.append(f"<h2>Named motifs (best match q ≤ {q_threshold:g})</h2>")
    parts.append(_motif_table(named, motifs, results.logos) if len(named) else "<p>None.</p>")
    if unshown:
        parts.append(f"<p>and {unshown} more filters: see matches.tsv.</p>")
    parts.append("<h2>Seqlet clusters</h2>")
    clusters = best[best["query"].isin([m.name for m in results.clusters])]
    parts.append(_motif_table(clusters, motifs, results.logos))
    parts.append("<h2>Attributions of the top sequences</h2>")
    tops = [name for name in results.logos if ".top" in name]
    parts.append(_grid([(name, results.logos[name]) for name in tops], height=None))
    drawn = [(m.name, results.logos[m.name]) for m in results.filters if m.name in results.logos]
    parts.append(f"<h2>Named filters ({len(drawn)} of {len(results.filters)})</h2>")
    parts.append(_grid(drawn, height=70))
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    with atomic_write(path) as handle:
        handle.write(page)


def _best_matches(matches: pd.DataFrame) -> pd.DataFrame:
    """One row per query: its best match, with the names of the next ones as ``also``."""
    others = matches[matches["rank"] > 1].groupby("query", sort=False)["target_name"]
    best = best_matches(matches)
    best["also"] = others.agg(lambda names: ", ".join(dict.fromkeys(map(str, names.dropna()))))
    return best.reset_index().fillna({"also": ""})


def _motif_table(rows: pd.DataFrame, motifs: dict, logos: dict[str, Path]) -> str:
    head = ["motif", "logo", "sites", "best match", "name", "p-value", "q-value", "next matches"]
    body = []
    for row in rows.itertuples(index=False):
        cells = [
            html.escape(row.query),
            _image(logos[row.query], "logo"),
            f"<td class='num'>{motifs[row.query].nsites:,}",
            html.escape(row.target),
            f"<b>{html.escape(str(row.target_name))}</b>",
            f"<td class='num'>{row.p_value:.2e}",
            f"<td class='num'>{row.q_value:.2e}",
            html.escape(row.also),
        ]
        body.append("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}" for c in cells))
    header = "<tr>" + "".join(f"<th>{h}" for h in head)
    return f"<table>{header}{''.join(body)}</table>"


def _grid(images: list[tuple[str, Path]], *, height: int | None) -> str:
    style = f" style='height:{height}px'" if height else ""
    figures = "".join(
        f"<figure>{_image(path, '', style)}<figcaption>{html.escape(name)}</figcaption></figure>"
        for name, path in images
    )
    return f"<div class='grid'>{figures}</div>"


def _image(path: Path, css_class: str, style: str = "") -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"<img class='{css_class}'{style} src='data:image/png;base64,{data}'>"


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, header=False, escape=True, border=0)
