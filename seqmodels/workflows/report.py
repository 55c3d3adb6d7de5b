"""One self-contained HTML page of a motif step: the named motifs, every logo inline."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from seqmodels.io.atomic import atomic_write
from seqmodels.motifs.filters import INFLUENCE_P
from seqmodels.motifs.matching import Q_THRESHOLD
from seqmodels.motifs.modisco import MIN_SHARE

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

    Sections: the inputs (``details``), the negative control, the TF-MoDISco patterns (logos
    of contribution and of sequence, seqlets, hits, best matches), the attribution logos of
    the top sequences, and the filters named at a q-value up to ``q_threshold``, by their
    influence on the outputs. Every number is in a file beside the report.
    """
    summary = results.summary
    also = _next_matches(results.matches)
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if details:
        parts.append(_table(pd.DataFrame({"": list(details), " ": list(details.values())})))
    if results.control:
        c = results.control
        parts.append(
            "<p><b>Negative control</b> (control.json): the same step on the model with its "
            f"first-layer filters permuted across positions names {c['patterns_named']} of "
            f"{c['patterns']} patterns and {c['filters_named']} of {c['filters']} filters; "
            f"this run names {c['real_patterns_named']} patterns and "
            f"{c['real_filters_named']} filters.</p>"
        )
    patterns = summary[summary["kind"] == "pattern"]
    named = patterns[patterns["q_value"] <= q_threshold]
    minor = (patterns["share"] < MIN_SHARE).sum()
    parts.append(
        f"<h2>Seqlet patterns (TF-MoDISco; patterns.tsv): {len(named)} of {len(patterns)} "
        f"named at q ≤ {q_threshold:g}; {minor} carry less than {MIN_SHARE:.0%} of the "
        f"attribution, not matched; {(~patterns['informative']).sum()} uninformative</h2>"
    )
    parts.append(
        _pattern_table(patterns, also, results.logos, q_threshold)
        if len(patterns)
        else "<p>None.</p>"
    )
    parts.append("<h2>Attributions of the top sequences</h2>")
    tops = [name for name in results.logos if ".top" in name]
    parts.append(_grid([(name, results.logos[name]) for name in tops], height=None))
    filters = summary[summary["kind"] == "filter"]
    named = filters[filters["q_value"] <= q_threshold]
    weak = (filters["influence_p"] > INFLUENCE_P).sum()
    parts.append(
        f"<h2>Filters (filters.tsv): {len(named)} of {len(filters)} named; {weak} move the "
        f"outputs no more than permuted filters do (p > {INFLUENCE_P:g}), not matched; "
        f"{(~filters['informative']).sum()} uninformative</h2>"
    )
    parts.append(_filter_table(named, also, results.logos) if len(named) else "<p>None.</p>")
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    with atomic_write(path) as handle:
        handle.write(page)


def _next_matches(matches: pd.DataFrame) -> dict[str, str]:
    """The names of each query's matches after the best, joined."""
    others = matches[matches["rank"] > 1].groupby("query", sort=False)["target_name"]
    return others.agg(lambda names: ", ".join(dict.fromkeys(map(str, names.dropna())))).to_dict()


def _match_cells(row, also: dict[str, str], q_threshold: float) -> list[str]:
    if not row.informative:
        return ["uninformative", "", "", ""]
    if not isinstance(row.target, str):
        return ["not matched", "", "", ""]
    name = html.escape(str(row.target_name))
    return [
        html.escape(str(row.target)),
        f"<b>{name}</b>" if row.q_value <= q_threshold else name,
        f"<td class='num'>{row.q_value:.2e}",
        html.escape(also.get(row.name, "")),
    ]


def _pattern_table(rows, also, logos, q_threshold) -> str:
    head = ["pattern", "contribution", "sequence", "seqlets", "share", "hits", "best match",
            "name", "q-value", "next matches"]  # fmt: skip
    body = []
    for row in rows.itertuples(index=False):
        cells = [
            html.escape(row.name),
            _image(logos[row.name], "logo"),
            _image(logos[f"{row.name}.sequence"], "logo"),
            f"<td class='num'>{row.sites:,}",
            f"<td class='num'>{row.share:.1%}",
            f"<td class='num'>{int(row.hits):,}",
            *_match_cells(row, also, q_threshold),
        ]
        body.append(_row(cells))
    return _html_table(head, body)


def _filter_table(rows, also, logos) -> str:
    head = ["filter", "logo", "influence", "p (null)", "sites", "best match", "name", "q-value",
            "next matches"]  # fmt: skip
    body = []
    for row in rows.itertuples(index=False):
        logo = _image(logos[row.name], "logo") if row.name in logos else ""
        cells = [
            html.escape(row.name),
            logo,
            f"<td class='num'>{row.influence:.1%}",
            f"<td class='num'>{row.influence_p:.3f}",
            f"<td class='num'>{row.sites:,}",
            *_match_cells(row, also, float("inf")),
        ]
        body.append(_row(cells))
    return _html_table(head, body)


def _row(cells: list[str]) -> str:
    return "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}" for c in cells)


def _html_table(head: list[str], body: list[str]) -> str:
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
