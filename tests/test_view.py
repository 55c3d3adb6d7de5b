"""The igv.js genome view: its configuration holds the genome's own sequence and values, and
the standalone page loads and draws every track in a real browser, offline."""

import base64
import gzip
import json

import numpy as np
import pytest
from pages import needs_chromium, page_problems
from test_coverage import write_bigwig

from seqmodels.errors import SeqmodelsError
from seqmodels.view import Locus, browse_config, parse_loci, write_browse_html

SIZES = {"chr1": 3000, "chr2": 2000}


def decoded(uri: str) -> str:
    return gzip.decompress(base64.b64decode(uri.split(",", 1)[1])).decode()


@pytest.fixture
def run(tmp_path):
    rng = np.random.default_rng(0)
    genome = {c: "".join(rng.choice(list("ACGT"), n)) for c, n in SIZES.items()}
    (tmp_path / "genome.fa").write_text("".join(f">{c}\n{s}\n" for c, s in genome.items()))
    values = {c: rng.normal(size=n) for c, n in SIZES.items()}
    values["chr1"][:1000] = np.nan  # no value there
    write_bigwig(tmp_path / "attr.bw", SIZES, values)
    (tmp_path / "hits.bed").write_text(
        "chr1\t1200\t1210\tGATA1\t3.5\t+\nchr2\t100\t112\tCTCF\t2.0\t-\nchr1\t2900\t2910\tfar\t1\t+\n"
    )
    return tmp_path, genome, values


def test_loci_read_as_a_browser_shows_them_or_as_bed_holds_them():
    assert parse_loci("chr1:1,001-2,000") == [Locus("chr1", 1000, 2000)]
    assert parse_loci([("chr2", 5, 10), "chr1:1-5"]) == [Locus("chr2", 5, 10), Locus("chr1", 0, 5)]
    assert str(Locus("chr1", 1000, 2000)) == "chr1:1001-2000"
    for bad in ("chr1:5", "chr1:10-5", []):
        with pytest.raises(SeqmodelsError):
            parse_loci(bad)


def test_the_view_embeds_the_genome_slices_and_the_values_at_the_loci(run):
    folder, genome, values = run
    config = browse_config(folder / "genome.fa", ["chr1:1101-1300", "chr2:51-150"],
                           bigwigs=[folder / "attr.bw"], beds=[folder / "hits.bed"],
                           flank=20)  # fmt: skip
    assert config["locus"] == ["chr1:1101-1300", "chr2:51-150"]
    fasta = decoded(config["reference"]["fastaURL"]).splitlines()
    # igv.js reads "chr:start-end @len=N" headers as slices of a chromosome of N bases
    assert fasta[0] == ">chr1:1081-1320 @len=3000" and fasta[1] == genome["chr1"][1080:1320]
    assert fasta[2] == ">chr2:31-170 @len=2000" and fasta[3] == genome["chr2"][30:170]
    signal, hits = config["tracks"]
    rows = [line.split("\t") for line in decoded(signal["url"]).splitlines()]
    assert [(r[0], int(r[1])) for r in rows[:2]] == [("chr1", 1080), ("chr1", 1081)]
    assert float(rows[0][3]) == pytest.approx(values["chr1"][1080], rel=1e-5)
    assert len(rows) == 240 + 140  # every base of both slices
    kept = decoded(hits["url"]).splitlines()
    assert [line.split("\t")[3] for line in kept] == ["GATA1", "CTCF"]  # not the far one


def test_loci_outside_the_genome_are_one_line(run):
    folder, *_ = run
    with pytest.raises(SeqmodelsError, match="no chromosome 'chr9'"):
        browse_config(folder / "genome.fa", "chr9:1-10")
    with pytest.raises(SeqmodelsError, match="past the end of chr2"):
        browse_config(folder / "genome.fa", "chr2:1901-2100")


@pytest.mark.slow
@needs_chromium
def test_the_standalone_page_loads_and_draws_every_track_offline(run, tmp_path):
    folder, *_ = run
    loci = ["chr1:1101-1300", "chr2:51-150"]
    page = write_browse_html(folder / "view" / "browse.html", folder / "genome.fa", loci,
                             bigwigs=[folder / "attr.bw"], beds=[folder / "hits.bed"])  # fmt: skip
    assert (folder / "view" / "igv.min.js").stat().st_size > 100_000
    assert page_problems(page, tracks=["attr", "hits"], loci=loci) == []
    # broken on purpose: a track dropped from the page, and a locus without values
    text = page.read_text()
    config = json.loads(text.split("const config = ", 1)[1].split(";\n", 1)[0])
    config["tracks"] = config["tracks"][1:]
    page.write_text(text.replace(text.split("const config = ", 1)[1].split(";\n", 1)[0],
                                 json.dumps(config)))  # fmt: skip
    assert page_problems(page, tracks=["attr", "hits"]) == ["track attr is missing"]
    empty = write_browse_html(folder / "empty.html", folder / "genome.fa", "chr1:101-300",
                              bigwigs=[folder / "attr.bw"])  # fmt: skip
    assert page_problems(empty, tracks=["attr"]) == ["track attr has no feature at the loci"]


def test_attribute_writes_the_view_of_its_track_and_refuses_a_view_it_cannot_draw(
    tiny_run, tmp_path, capsys
):
    from seqmodels.cli import main

    base = ["attribute", "--checkpoint", str(tiny_run / "run/checkpoints/best.ckpt"), "--bed",
            str(tiny_run / "x.bed"), "--genome", str(tiny_run / "genome.fa"), "--method",
            "saliency"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "a.bw"), "--browse", "chr1:11-60"]) == 0
    page = (tmp_path / "a.html").read_text()
    assert '"locus": ["chr1:11-60"]' in page and (tmp_path / "igv.min.js").exists()
    config = json.loads(page.split("const config = ", 1)[1].split(";\n", 1)[0])
    assert [t["name"] for t in config["tracks"]] == ["a"]
    for extra, message in (
        (["--out", str(tmp_path / "b.bedGraph"), "--browse", "chr1:11-60"], "give --out with .bw"),
        (["--out", str(tmp_path / "c.bw"), "--browse", "chr9:1-10"], "--browse chr9:1-10: not"),
        (["--out", str(tmp_path / "d.bw"), "--browse", "chr1"], "locus 'chr1': expected"),
    ):
        capsys.readouterr()
        assert main([*base, *extra]) == 2
        assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("[bcd].*"))  # refused before any work
