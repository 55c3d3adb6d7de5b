"""An interactive genome view of a run's tracks — attributions, seqlets, motif hits, variants —
with igv.js: in a notebook (:func:`browse`, through igv-notebook) or as a standalone
``browse.html`` (:func:`write_browse_html`, igv.js copied beside it).

Both work offline: the reference sequence and every track are cut to the requested loci (with
``flank`` bases either side) and embedded in the view as gzipped data URIs, so the page never
fetches a file — a double-clicked ``file://`` page, a notebook without a server and a machine
without a network show the same view.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from seqmodels.errors import SeqmodelsError
from seqmodels.io.bed import open_genome
from seqmodels.io.text import check_input_file

LOCUS = re.compile(r"^(?P<chrom>[^:\s]+):(?P<start>[\d,]+)-(?P<end>[\d,]+)$")
COLORS = ("#1f5fa8", "#b2182b", "#2a7f3f", "#7b3294", "#e08214")
"""Colours of successive tracks (positive values; negative ones in grey)."""


@dataclass(frozen=True)
class Locus:
    """A genome interval, 0-based and half-open."""

    chrom: str
    start: int
    end: int

    def __str__(self) -> str:  # igv.js's 1-based, inclusive form
        return f"{self.chrom}:{self.start + 1}-{self.end}"


def parse_loci(loci: str | Sequence) -> list[Locus]:
    """Loci from ``chr:start-end`` strings (1-based, inclusive, as a browser shows them) or
    ``(chrom, start, end)`` tuples (0-based, half-open, as BED holds them)."""
    if isinstance(loci, (str, Locus)) or (isinstance(loci, tuple) and len(loci) == 3):
        loci = [loci]
    parsed = []
    for locus in loci:
        if isinstance(locus, Locus):
            parsed.append(locus)
        elif isinstance(locus, str):
            match = LOCUS.match(locus.strip())
            if match is None:
                raise SeqmodelsError(f"locus {locus!r}: expected chr:start-end")
            start, end = (int(match[k].replace(",", "")) for k in ("start", "end"))
            parsed.append(Locus(match["chrom"], start - 1, end))
        else:
            chrom, start, end = locus
            parsed.append(Locus(str(chrom), int(start), int(end)))
    for locus in parsed:
        if not 0 <= locus.start < locus.end:
            raise SeqmodelsError(f"locus {locus}: its start must lie before its end")
    if not parsed:
        raise SeqmodelsError("no locus to show")
    return parsed


def browse_config(
    genome: str | Path,
    loci: str | Sequence,
    *,
    bigwigs: Sequence[str | Path] = (),
    beds: Sequence[str | Path] = (),
    vcf: str | Path | None = None,
    flank: int = 50,
) -> dict:
    """The igv.js configuration of the view: the reference and every track cut to the loci
    (with ``flank`` bases either side) and embedded as data URIs.

    Parameters
    ----------
    genome : path
        The genome FASTA the tracks refer to.
    loci : str, tuple or list of them
        See :func:`parse_loci`; several loci are shown side by side.
    bigwigs : paths
        Signal tracks (attributions, predicted or observed coverage).
    beds : paths
        Feature tracks (``seqlets.bed``, ``hits.bed``, peaks).
    vcf : path, optional
        Variants.
    flank : int
        Bases of context either side of each locus.
    """
    loci = parse_loci(loci)
    fasta = open_genome(genome)
    for locus in loci:
        if locus.chrom not in fasta:
            raise SeqmodelsError(f"{genome}: no chromosome {locus.chrom!r} for locus {locus}")
        if locus.end > len(fasta[locus.chrom]):
            raise SeqmodelsError(f"locus {locus}: past the end of {locus.chrom} in {genome}")
    slices = _slices(loci, flank, {c: len(fasta[c]) for c in {lo.chrom for lo in loci}})
    records = [
        f">{s.chrom}:{s.start + 1}-{s.end} @len={len(fasta[s.chrom])}\n"
        f"{fasta[s.chrom][s.start : s.end]!s}\n"
        for s in slices
    ]
    tracks = [
        _bigwig_track(Path(p), slices, COLORS[i % len(COLORS)]) for i, p in enumerate(bigwigs)
    ]
    tracks += [_bed_track(Path(p), slices) for p in beds]
    if vcf is not None:
        tracks.append(_vcf_track(Path(vcf), slices))
    return {
        "reference": {
            "id": Path(genome).name,
            "name": Path(genome).name,
            "fastaURL": _data_uri("".join(records)),
            "indexed": False,
        },
        "locus": [str(locus) for locus in loci],
        "tracks": tracks,
        "loadDefaultGenomes": False,  # igv.js would fetch igv.org's list of genomes
        "showCenterGuide": False,
        "showNavigation": True,
    }


def browse(genome, loci, **tracks):
    """Show the view inside a notebook (igv-notebook's bundled igv.js; no network).

    ``genome``, ``loci`` and ``tracks`` are those of :func:`browse_config`. Returns the
    ``igv_notebook.Browser``.
    """
    import igv_notebook

    config = browse_config(genome, loci, **tracks)
    igv_notebook.init()
    return igv_notebook.Browser(config)


def write_browse_html(
    path: str | Path, genome, loci, *, title: str = "seqmodels", **tracks
) -> Path:
    """Write a standalone ``browse.html`` of the view, with igv.js (``igv.min.js``, from
    igv-notebook) copied beside it; it opens from the run folder, offline. The page sets
    ``window.seqmodelsBrowser`` (the igv.js browser) and ``document.body.dataset.ready`` once
    every track has loaded."""
    from seqmodels.io.atomic import atomic_write

    path = Path(path)
    config = browse_config(genome, loci, **tracks)
    page = PAGE.replace("{title}", _escape(title)).replace(
        "{config}", json.dumps(config).replace("</", "<\\/")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as handle:
        handle.write(page)
    shutil.copyfile(igv_js(), path.parent / "igv.min.js")
    return path


def igv_js() -> Path:
    """igv.js as igv-notebook ships it."""
    try:
        return Path(str(resources.files("igv_notebook") / "js" / "igv.min.js"))
    except ModuleNotFoundError:
        raise SeqmodelsError(
            "the genome view needs igv-notebook (pip install 'seqmodels[view]')"
        ) from None


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<script src="igv.min.js"></script>
<style>body { font-family: sans-serif; margin: 1em; } #igv { margin-top: 0.5em; }</style>
</head>
<body>
<h1 style="font-size: 1.2em">{title}</h1>
<div id="igv"></div>
<script>
const config = {config};
igv.createBrowser(document.getElementById("igv"), config).then(function (browser) {
  window.seqmodelsBrowser = browser;
  document.body.dataset.ready = "true";
});
</script>
</body>
</html>
"""


@dataclass(frozen=True)
class _Slice:
    chrom: str
    start: int
    end: int


def _slices(loci: list[Locus], flank: int, sizes: dict[str, int]) -> list[_Slice]:
    """The loci widened by ``flank``, overlapping ones merged, per chromosome."""
    slices: list[_Slice] = []
    for locus in sorted(loci, key=lambda lo: (lo.chrom, lo.start)):
        start, end = max(locus.start - flank, 0), min(locus.end + flank, sizes[locus.chrom])
        last = slices[-1] if slices else None
        if last is not None and last.chrom == locus.chrom and start <= last.end:
            slices[-1] = _Slice(locus.chrom, last.start, max(last.end, end))
        else:
            slices.append(_Slice(locus.chrom, start, end))
    return slices


def _data_uri(text: str) -> str:
    packed = gzip.compress(text.encode(), mtime=0)
    return "data:application/gzip;base64," + base64.b64encode(packed).decode("ascii")


def _bigwig_track(path: Path, slices: list[_Slice], color: str) -> dict:
    import pyBigWig

    check_input_file(path)
    bw = pyBigWig.open(str(path))
    if bw is None or not bw.isBigWig():
        raise SeqmodelsError(f"{path}: not a bigWig file")
    lines = []
    with bw:
        sizes = bw.chroms()
        for s in slices:
            if s.chrom not in sizes:
                continue
            values = np.asarray(bw.values(s.chrom, s.start, min(s.end, sizes[s.chrom])))
            lines += [
                f"{s.chrom}\t{s.start + i}\t{s.start + i + 1}\t{v:.6g}\n"
                for i, v in enumerate(values)
                if np.isfinite(v)
            ]
    name = path.name.removesuffix(path.suffix)
    return {
        "name": name,
        "type": "wig",
        "format": "bedgraph",
        "url": _data_uri("".join(lines)),
        "color": color,
        "altColor": "#888888",
        "autoscale": True,
        "height": 70,
    }


def _bed_track(path: Path, slices: list[_Slice]) -> dict:
    from seqmodels.io.text import read_text

    check_input_file(path)
    kept = []
    for line in read_text(path, "BED").splitlines():
        fields = line.split("\t")
        if not line or line.startswith(("#", "track", "browser")) or len(fields) < 3:
            continue
        chrom, start, end = fields[0], int(fields[1]), int(fields[2])
        if any(s.chrom == chrom and start < s.end and end > s.start for s in slices):
            kept.append(line + "\n")
    name = path.name.removesuffix(path.suffix)
    return {
        "name": name,
        "type": "annotation",
        "format": "bed",
        "url": _data_uri("".join(kept)),
        "indexed": False,
        "displayMode": "EXPANDED",
    }


def _vcf_track(path: Path, slices: list[_Slice]) -> dict:
    import pysam

    check_input_file(path)
    kept = []
    with pysam.VariantFile(str(path)) as vcf:
        header = str(vcf.header)
        for record in vcf:
            if any(s.chrom == record.chrom and s.start <= record.start < s.end for s in slices):
                kept.append(str(record))
    return {
        "name": path.name.split(".")[0],
        "type": "variant",
        "format": "vcf",
        "url": _data_uri(header + "".join(kept)),
        "indexed": False,
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
