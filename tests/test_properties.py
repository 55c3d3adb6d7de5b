"""Property: every command, given any mix of good and bad arguments, either succeeds or exits 2
with exactly one ``seqmodels: error:`` line — never a traceback — and leaves no partial output."""

import contextlib
import io
import shutil
import tempfile
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, event, given, settings

from seqmodels.cli import main

NUMBERS = st.one_of(
    st.integers(1, 40).map(str),  # st.one_of draws the first strategy most often
    st.integers(-3, 0).map(str),
    st.sampled_from(["1.5", "abc", "", "nan", "1e3", "999999"]),
)
TEXT = st.text(alphabet="abcXYZ019:-_.,", max_size=6)

# Each command: the inputs it may be given (one set drawn, its files good or bad) and its other
# flags with what a value may be (a path kind, NUMBERS or choices; None: a switch).
PATHS = ("good",) * 6 + ("missing", "directory", "text", "binary")
BED, FASTA, TILES = ("--bed", "--genome"), ("--fasta",), ("--tile", "--genome")
INPUTS = {
    "predict": [BED, FASTA, TILES, (*BED, "--fasta"), ()],
    "evaluate": [BED, (*FASTA, "--labels"), FASTA, ()],
    "attribute": [BED, FASTA, TILES, ("--region", "--bed", "--genome")],
    "inspect": [BED, (*FASTA, "--labels"), ()],
}
OPTIONS = {
    "predict": {
        "--chunk-size": NUMBERS, "--batch-size": NUMBERS, "--stranded": None,
        "--region": st.sampled_from(["chr1", "chr1:0-100", "chrZ", "x"]), "--rc-average": None,
        "--out": ("out.tsv", "out.csv", "out.xyz", "missing/o.tsv"),
    },
    "evaluate": {"--batch-size": NUMBERS, "--rc-average": None, "--out": ("m.json", "m.txt")},
    "attribute": {
        "--method": st.sampled_from(
            ["saliency", "input_x_gradient", "deeplift", "ism", "cam", "integrated_gradients",
             "bogus"]),
        "--target": st.one_of(st.sampled_from(["bound", "0", "1", "-1"]), TEXT),
        "--n-steps": st.sampled_from(["2", "0", "x"]), "--n-shuffles": st.sampled_from(["2", "0"]),
        "--baselines": st.sampled_from(["zeros", "uniform", "shuffle", "ones"]),
        "--chunk-size": NUMBERS, "--batch-size": NUMBERS,
        "--format": st.sampled_from(["bigwig", "bedgraph", "npz", "wig"]),
        "--out": ("a.bw", "a.bedGraph", "a.npz", "a.xyz"),
    },
    "inspect": {
        "--length": NUMBERS, "--alphabet": st.sampled_from(["dna", "rna", "protein", "klingon"]),
        "--data.val_fraction": st.sampled_from(["0.1", "1.5", "x", "-1"]),
        "--data.unknown": st.sampled_from(["error", "zero", "uniform", "skip"]),
    },
}  # fmt: skip
FILES = {
    "--checkpoint": "checkpoint", "--fasta": "fasta", "--bed": "bed", "--genome": "genome",
    "--labels": "labels",
}  # fmt: skip


@pytest.fixture(scope="module")
def files(tiny_run, tmp_path_factory) -> dict[str, dict[str, Path]]:
    """For every file argument: a good file and bad ones of each kind."""
    root = tmp_path_factory.mktemp("files")
    (root / "directory").mkdir()
    (root / "text.txt").write_text("not what it should be\n")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 8)
    lines = (tiny_run / "x.bed").read_text().splitlines()
    (root / "small.bed").write_text("\n".join(lines[:7]) + "\n")
    fasta = "".join(f">{c}:{s}-{e}\n{'ACGTACGTACGTACGTACGT'}\n" for c, s, e, _ in
                    (line.split("\t") for line in lines[1:7]))  # fmt: skip
    (root / "small.fa").write_text(fasta)
    ids = [line.split("\t") for line in lines[1:7]]
    labels = "id,bound\n" + "".join(f"{c}:{s}-{e},{y}\n" for c, s, e, y in ids)
    (root / "labels.csv").write_text(labels)
    good = {
        "checkpoint": tiny_run / "run/checkpoints/best.ckpt",
        "fasta": root / "small.fa",
        "bed": root / "small.bed",
        "genome": tiny_run / "genome.fa",
        "labels": root / "labels.csv",
    }
    bad = {
        "missing": root / "missing.file",
        "directory": root / "directory",
        "text": root / "text.txt",
        "binary": root / "binary.bin",
    }
    return {kind: {"good": path, **bad} for kind, path in good.items()}


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith((".part", ".parts"))]


@st.composite
def command_lines(draw, files):
    command = draw(st.sampled_from(sorted(OPTIONS)))
    options = OPTIONS[command]
    flags = list(draw(st.sampled_from(INPUTS[command])))
    flags += draw(st.lists(st.sampled_from(sorted(options)), unique=True, max_size=3))
    if command != "inspect":
        flags += ["--checkpoint", "--out"]
    argv = [command]
    for flag in dict.fromkeys(flags):
        kind = options.get(flag, NUMBERS if flag == "--tile" else TEXT)
        if flag in FILES:
            which = "good" if flag == "--checkpoint" else draw(st.sampled_from(PATHS))
            argv += [flag, str(files[FILES[flag]][which])]
        elif flag == "--region":
            argv += [flag, draw(st.sampled_from(["chr1", "chr1:0-100", "chrZ", "x"]))]
        elif flag == "--out":
            argv += [flag, "OUT/" + draw(st.sampled_from(kind))]
        elif kind is None:
            argv.append(flag)
        else:
            argv += [flag, draw(kind)]
    return argv


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_command_line_succeeds_or_fails_in_one_line(files, data):
    argv = data.draw(command_lines(files))
    out = Path(tempfile.mkdtemp())
    try:
        argv = [a.replace("OUT/", f"{out}/") for a in argv]
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main(argv)  # an exception here is the traceback a user would see
        event(f"{argv[0]}: exit {status}")  # --hypothesis-show-statistics shows the mix
        errors = [line for line in stderr.getvalue().splitlines() if "seqmodels: error:" in line]
        assert status in (0, 2), (argv, stderr.getvalue())
        assert len(errors) == (1 if status == 2 else 0), (argv, stderr.getvalue())
        assert not leftovers(out), argv
        if status == 2:
            assert not [p for p in out.iterdir() if p.name != "missing"], argv  # nothing written
    finally:
        shutil.rmtree(out, ignore_errors=True)
