"""The ``seqmodels`` command: parses arguments and dispatches to the workflows.

Bad input — a :class:`~seqmodels.errors.SeqmodelsError`, an ``OSError`` on a file, an argument
the parser refuses — prints one line and exits with status 2, leaving no output behind.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from seqmodels.errors import SeqmodelsError

EPILOG = "Any config key can be overridden in dotted form, e.g. --data.length 500."
CONFIG_COMMANDS = ("inspect", "summary", "train")
"""Commands that read a config, and so take dotted overrides."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from seqmodels.allocator import keep_large_allocations

    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        overrides = _parse_overrides(extra, args.command)
        keep_large_allocations()  # see seqmodels/allocator.py: faster large batches, more RSS
        logging.basicConfig(level=logging.INFO, format="seqmodels: %(message)s", stream=sys.stderr)
        return args.run(args, overrides) or 0
    except SeqmodelsError as err:
        message = str(err)
    except OSError as err:  # a file the readers did not name: name it here
        message = f"{err.filename}: {err.strerror}" if err.filename else str(err.strerror or err)
    except KeyboardInterrupt:
        print("seqmodels: interrupted", file=sys.stderr)
        return 130
    # Printed once the error is gone, with the work it interrupted (and its progress bars).
    return _fail(message)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit status 2), like every other."""

    def error(self, message: str):
        raise SeqmodelsError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> Parser:
    parser = Parser(
        prog="seqmodels", description="Deep learning on DNA, RNA and protein sequences."
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(
        title="commands", required=True, metavar="COMMAND", dest="command"
    )
    for add in (_add_inspect, _add_summary, _add_train, _add_predict, _add_evaluate):
        add(commands)
    _add_attribute(commands)
    _add_motifs(commands)
    _add_variants(commands)
    return parser


# --------------------------------------------------------------------------- argument types


def positive_int(text: str) -> int:
    """An integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def device(text: str) -> str:
    """A torch device this machine has: ``cpu``, ``cuda``, ``cuda:1``, …"""
    import torch

    try:
        chosen = torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(f"expected cpu, cuda or cuda:N, got {text!r}") from None
    if chosen.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (chosen.index or 0) >= count:
            raise argparse.ArgumentTypeError(f"{text}: this machine has {count} CUDA device(s)")
    elif chosen.type != "cpu":
        raise argparse.ArgumentTypeError(f"expected cpu, cuda or cuda:N, got {text!r}")
    return text


def fraction(text: str) -> float:
    """A number in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text}")
    return value


# --------------------------------------------------------------------------- commands


def _add_inspect(commands) -> None:
    p = commands.add_parser(
        "inspect",
        help="validate input data and summarise it before training",
        description=(
            "Read sequences (FASTA + labels, or BED + genome), check them, and print record "
            "count, length distribution, composition (ambiguous and soft-masked fractions), "
            "label balance per task and split sizes per chromosome. Exits with status 2 and a "
            "one-line message on bad input."
        ),
        epilog=EPILOG,
    )
    _add_data_arguments(p)
    p.set_defaults(run=_run_inspect)


def _add_summary(commands) -> None:
    p = commands.add_parser(
        "summary",
        help="layer output shapes, parameter counts and receptive field of a configured model",
        description=(
            "Build the configured model for the configured sequence length and print each "
            "layer's output shape (from a real forward pass), its parameters and the receptive "
            "field so far. Reads only the header of the labels to count tasks."
        ),
        epilog=EPILOG,
    )
    p.add_argument("--config", required=True, help="YAML config (see configs/)")
    p.add_argument("--n-outputs", type=positive_int, help="outputs (default: label columns, or 1)")
    p.set_defaults(run=_run_summary)


def _add_train(commands) -> None:
    p = commands.add_parser(
        "train",
        help="train a model from a config; writes checkpoints, metrics and test metrics",
        description=(
            "Train the configured model on CUDA when available (else the CPU), with a progress "
            "bar, per-epoch metrics in DIR/metrics.csv, checkpoints of the best validation "
            "score and of the last epoch in DIR/checkpoints/, early stopping, and the test-split "
            "metrics of the best checkpoint in DIR/test_metrics.json. An interrupted run "
            "continues with --resume, exactly as configured in DIR/config.yaml. Multi-GPU: "
            "--trainer.devices 4 --trainer.strategy ddp."
        ),
        epilog=EPILOG,
    )
    p.add_argument("--config", help="YAML config (see configs/); --resume reads DIR/config.yaml")
    p.add_argument("--out", required=True, help="run directory DIR")
    p.add_argument("--resume", action="store_true", help="continue from DIR/checkpoints/last.ckpt")
    p.set_defaults(run=_run_train)


def _add_predict(commands) -> None:
    p = commands.add_parser(
        "predict",
        help="predict with a trained checkpoint; writes a table of id + one column per task",
        description=(
            "Encode the inputs as the checkpoint was trained (alphabet, length, policy for "
            "unknown symbols, strand) and write a table with 'id' and one column per task, in "
            "the order of the inputs: probabilities for classification, values for regression, "
            "predicted total counts for coverage models. Tab-separated (.tsv, .txt) or "
            "comma-separated (.csv). A coverage model (trained on data.targets) also writes its "
            "predicted tracks as bigWig (.bw) or bedGraph in genome coordinates, one file per "
            "track (pred.bw -> pred.CTCF.plus.bw, pred.CTCF.minus.bw; a single track: pred.bw): "
            "reads per base, overlapping windows averaged, bins spread over their bases."
        ),
    )
    _add_checkpoint_inputs(p)
    _add_genome_scale(p, chunk_size=8192)
    _add_rc_average(p)
    p.add_argument("--chrom-sizes", help="chrom.sizes (or .fai) for chr:start-end FASTA ids")
    p.add_argument(
        "--out", required=True, help="output table (.tsv, .txt, .csv) or tracks (.bw, .bedGraph)"
    )
    p.set_defaults(run=_run_predict)


def _add_evaluate(commands) -> None:
    p = commands.add_parser(
        "evaluate",
        help="metrics of a trained checkpoint on labelled inputs, as JSON",
        description=(
            "Predict on labelled inputs (FASTA + --labels, or BED with label columns + genome) "
            "and write the task metrics (AUROC, AUPRC, accuracy; Pearson, Spearman, R²) per "
            "task and averaged, as JSON (undefined metrics as null)."
        ),
    )
    _add_checkpoint_inputs(p)
    _add_rc_average(p)
    p.add_argument("--labels", help="CSV/TSV of labels (with --fasta)")
    p.add_argument("--out", required=True, help="output .json")
    p.set_defaults(run=_run_evaluate)


def _add_attribute(commands) -> None:
    from seqmodels.attribution.core import METHODS

    p = commands.add_parser(
        "attribute",
        help="per-base attribution tracks as bigWig/bedGraph, or arrays for TF-MoDISco",
        description=(
            "Explain a trained model's output for one task. Writes the per-base importance "
            "track (the contribution of the observed base) in genome coordinates — from BED "
            "intervals or chr:start-end FASTA ids, minus-strand ones mapped back reversed, "
            "else one 'chromosome' per record — as bigWig (.bw) or bedGraph (.bedGraph), "
            "overlapping intervals averaged; or, as .npz, hypothetical contributions X.npz and "
            "one-hot X_ohe.npz for 'modisco motifs -s X_ohe.npz -a X.npz'. Works in chunks, "
            "with a progress bar; the output appears only when complete."
        ),
    )
    _add_checkpoint_inputs(p)
    p.add_argument("--out", required=True, help="output .bw, .bedGraph or .npz")
    p.add_argument("--format", choices=["bigwig", "bedgraph", "npz"], help="default: from --out")
    p.add_argument(
        "--method",
        default="deeplift_shap",
        choices=[*METHODS, "cam"],
        metavar="METHOD",
        help=f"{', '.join(METHODS)} (default: deeplift_shap), or cam (class activation map: "
        "models with global average pooling)",
    )
    p.add_argument("--target", default="0", help="task name or output index (default: 0)")
    _add_head(p)
    p.add_argument(
        "--references",
        "--baselines",
        choices=["zeros", "uniform", "shuffle"],
        help="references of integrated_gradients and deeplift (default: uniform)",
    )
    p.add_argument(
        "--n-shuffles",
        type=positive_int,
        help="dinucleotide shuffles per sequence: deeplift_shap (default 20), or with "
        "--references shuffle",
    )
    p.add_argument(
        "--n-steps", type=positive_int, help="integrated_gradients: points on each path (50)"
    )
    p.add_argument(
        "--no-gradient-correction",
        action="store_true",
        help="saliency, input_x_gradient, integrated_gradients: keep the raw gradients "
        "(default: subtract the mean over the alphabet)",
    )
    p.add_argument("--chrom-sizes", help="chrom.sizes (or .fai) for chr:start-end FASTA ids")
    p.add_argument(
        "--browse",
        nargs="+",
        metavar="LOCUS",
        help="also write OUT.html beside a .bw: an igv.js view of the track at these loci "
        "(chr:start-end) over --genome, with igv.min.js beside it; opens offline",
    )
    _add_genome_scale(p, chunk_size=512)
    p.set_defaults(run=_run_attribute, batch_size=32)


def _add_motifs(commands) -> None:
    from seqmodels.attribution.core import METHODS

    p = commands.add_parser(
        "motifs",
        help="the motifs a trained model learned (TF-MoDISco patterns and first-layer "
        "filters), named from JASPAR, with their hits, a negative control and a report",
        description=(
            "Read a trained model through motifs. For each task the sequences are attributed "
            "and TF-MoDISco (modisco-lite) clusters their contributions into patterns of both "
            "signs; each pattern's hits are found in the contribution tracks. First-layer "
            "filters become motifs of their top-activating windows, ranked by their influence "
            "on the outputs. Patterns and filters are named by Tomtom against JASPAR "
            "(or your MEME file) on their informative cores only: diffuse profiles are "
            "reported as uninformative, a match must cover most of the core, q-values are over "
            "all comparisons of the run's patterns (and of its filters). The control repeats "
            "it all on the model with its filters permuted across positions: what it names "
            "is the run's false-discovery estimate. Writes to DIR: patterns.meme, "
            "patterns.tsv, filters.meme, filters.tsv, matches.tsv, seqlets.bed and hits.bed "
            "(genome coordinates and strand), hits/PATTERN.bw (contribution at the pattern's "
            "hits), control.json, PNG logos in DIR/logos/ and report.html, one self-contained "
            "page with all of it. DIR appears (or replaces an earlier one) only when complete."
        ),
    )
    _add_checkpoint_inputs(p)
    p.add_argument("--out", required=True, help="output directory DIR")
    p.add_argument(
        "--target",
        action="append",
        help="task name or output index; repeat for several (default: every task)",
    )
    _add_head(p)
    p.add_argument(
        "--method",
        default="deeplift_shap",
        choices=METHODS,
        metavar="METHOD",
        help=f"attribution method: {', '.join(METHODS)} (default: deeplift_shap)",
    )
    p.add_argument(
        "--n-shuffles",
        type=positive_int,
        help="dinucleotide shuffles per sequence for deeplift_shap (default: 10)",
    )
    p.add_argument(
        "--top",
        type=positive_int,
        help="attribute only the N top-scoring sequences per task (default: all of them)",
    )
    p.add_argument(
        "--control",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the negative control (filters permuted across positions; default: on, "
        "about doubles the time)",
    )
    p.add_argument(
        "--chrom-sizes",
        help="chrom.sizes (or .fai) for the hits' bigWigs of "
        "chr:start-end FASTA ids (with --bed, the genome's are used)",
    )
    p.add_argument(
        "--database",
        default="jaspar",
        help="'jaspar' (offline, via pyjaspar; DNA models) or a MEME file of motifs in the "
        "model's alphabet (default: jaspar)",
    )
    p.add_argument("--collection", default="CORE", help="JASPAR collection (default: CORE)")
    p.add_argument(
        "--tax-group",
        default="vertebrates",
        help="JASPAR taxonomic group: vertebrates, insects, plants, fungi, … "
        "(default: vertebrates)",
    )
    p.add_argument(
        "--filter-threshold",
        type=fraction,
        default=0.7,
        help="fraction of a filter's top activation that makes a site, in (0, 1] (default: 0.7)",
    )
    p.set_defaults(run=_run_motifs, batch_size=32)


def _add_variants(commands) -> None:
    from seqmodels.attribution.core import METHODS

    p = commands.add_parser(
        "variants",
        help="effects of the variants of a VCF on every task, with an empirical null and "
        "attribution tracks of both alleles",
        description=(
            "Score genetic variants. Each variant's REF and ALT windows of the model's length "
            "are read from the genome (the variant's first base at the window's centre; an "
            "indel's ALT window filled or cut on the right), REF checked against the genome "
            "(a mismatch is reported and not scored), and both run through the model, averaged "
            "with their reverse complement unless the task is stranded. Writes a TSV in VCF "
            "order, one row per ALT allele: chrom, pos (1-based), id, ref, alt, ref_match, then "
            "per task TASK (alt − ref on the logit scale), TASK.ref and TASK.alt (predictions), "
            "TASK.prob_diff (classification) and TASK.p (with --null). Reads VCF (plain, gzip, "
            "bgzip) and BCF; symbolic alleles are skipped with a count."
        ),
    )
    p.add_argument("--checkpoint", required=True, help="a .ckpt written by seqmodels train")
    p.add_argument("--vcf", required=True, help="VCF or BCF (plain, gzip or bgzip)")
    p.add_argument("--genome", required=True, help="the genome FASTA the VCF refers to")
    p.add_argument("--out", required=True, help="output table (.tsv)")
    p.add_argument(
        "--region", help="chr:start-end or a chromosome: only the variants there (needs an index)"
    )
    p.add_argument(
        "--drop-mismatch",
        action="store_true",
        help="leave out variants whose REF is not the genome's (default: kept, not scored)",
    )
    p.add_argument(
        "--null",
        type=positive_int,
        metavar="N",
        help="N null variants of the same type at random places of each window: an "
        "empirical p-value per variant and task (TASK.p)",
    )
    p.add_argument(
        "--attribute",
        choices=METHODS,
        metavar="METHOD",
        help="also write attribution tracks of both alleles and their difference as bigWig: "
        f"OUT.ref.bw, OUT.alt.bw, OUT.diff.bw ({', '.join(METHODS)})",
    )
    p.add_argument("--target", default="0", help="task of the tracks: name or index (default: 0)")
    _add_head(p)
    p.add_argument(
        "--chunk-size", type=positive_int, default=2048, help="variants per chunk (2048)"
    )
    p.add_argument(
        "--devices",
        type=positive_int,
        default=1,
        help="processes that share the chunks through Lightning's DDP (default: 1)",
    )
    p.add_argument("--batch-size", type=positive_int, default=256, help="windows per pass")
    p.add_argument(
        "--device", type=device, help="cpu, cuda, cuda:1 … (default: CUDA when available)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the null variants (0)")
    p.set_defaults(run=_run_variants)


def _add_head(p: argparse.ArgumentParser) -> None:
    from seqmodels.models.outputs import HEADS

    p.add_argument(
        "--head",
        choices=HEADS,
        help="coverage models: explain each task's predicted total count (counts, the "
        "default) or the shape of its profile (profile: BPNet's weighted-mean-normalised "
        "logits)",
    )


def _add_checkpoint_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", required=True, help="a .ckpt written by seqmodels train")
    p.add_argument("--fasta", help="FASTA of sequences (ids may be chr:start-end or getfasta -s)")
    p.add_argument("--bed", help="BED/BED6/narrowPeak intervals (plain or gzip)")
    p.add_argument("--genome", help="genome FASTA for --bed and --tile (plain or bgzip)")
    p.add_argument(
        "--numeric",
        help="numeric inputs (.npy, .npz, .csv, .tsv) for a model trained on data.numeric",
    )
    p.add_argument(
        "--channels",
        nargs="+",
        metavar="BIGWIG",
        help="input-channel bigWigs in the order the model was trained with (a stranded pair "
        "as PLUS.bw,MINUS.bw; default: the files the checkpoint names)",
    )
    p.add_argument(
        "--stranded",
        action=argparse.BooleanOptionalAction,
        help="read minus-strand BED intervals reverse-complemented (default: as in training)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=256,
        help="sequences (attribute: pairs, variants) per pass",
    )
    p.add_argument(
        "--device", type=device, help="cpu, cuda, cuda:1 … (default: CUDA when available)"
    )


def _add_genome_scale(p: argparse.ArgumentParser, *, chunk_size: int) -> None:
    scale = p.add_argument_group(
        "genome scale",
        "BED intervals and tiles are read from the genome a chunk at a time and the output "
        "streamed to disk, so memory stays flat however many there are.",
    )
    scale.add_argument(
        "--tile",
        type=positive_int,
        metavar="STRIDE",
        help="instead of --bed or --fasta: windows of the model's length every STRIDE bases "
        "over the --genome (or the --region)",
    )
    scale.add_argument(
        "--region",
        action="append",
        help="chr:start-end or a chromosome to tile; repeat for several (default: all)",
    )
    scale.add_argument(
        "--chunk-size",
        type=positive_int,
        default=chunk_size,
        help=f"sequences per chunk ({chunk_size}); results do not depend on it",
    )
    scale.add_argument(
        "--devices",
        type=positive_int,
        default=1,
        help="processes that share the chunks through Lightning's DDP (one per GPU, else CPU "
        "processes); their results are merged into one output (default: 1)",
    )


def _add_rc_average(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rc-average",
        action="store_true",
        help="average over each sequence and its reverse complement",
    )


def _add_data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="YAML config; its data section is the starting point")
    source = p.add_argument_group("input (replaces the config's)")
    source.add_argument("--fasta", help="FASTA of sequences (ids may be chr:start-end)")
    source.add_argument("--labels", help="CSV/TSV of labels with an 'id' column")
    source.add_argument("--bed", help="BED/BED6/narrowPeak intervals (labels after the fields)")
    source.add_argument("--genome", help="genome FASTA the BED intervals refer to")
    p.add_argument("--alphabet", choices=["dna", "rna", "protein"])
    p.add_argument(
        "--length", type=positive_int, help="pad/trim (FASTA) or resize (BED) to this length"
    )


# --------------------------------------------------------------------------- runs


def _data_config(args: argparse.Namespace, overrides: dict[str, str]) -> dict:
    """The configuration with the explicit data arguments applied, checked."""
    from seqmodels.config import check_config, load_config

    if args.fasta and args.bed:
        raise SeqmodelsError("give either --fasta (with --labels) or --bed with --genome")
    config = load_config(args.config, overrides)
    data = config["data"]
    if args.fasta:
        data.update(fasta=args.fasta, labels=args.labels, bed=None, genome=None, numeric=None)
    elif args.bed:
        data.update(bed=args.bed, genome=args.genome, fasta=None, labels=None, numeric=None)
    for key in ("alphabet", "length"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    if not (data["fasta"] or data["bed"] or data["numeric"]):
        named = (
            f"{args.config} sets none of data.fasta, data.bed and data.numeric: "
            if args.config
            else ""
        )
        raise SeqmodelsError(
            f"no input: {named}give --fasta (with --labels) or --bed with --genome"
        )
    return check_config(config)


def _run_inspect(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    from seqmodels.data.report import describe
    from seqmodels.workflows.inputs import encode_and_split, read_config_records

    config = _data_config(args, overrides)
    records = read_config_records(config["data"])
    sequences, splits = encode_and_split(records, config["data"], random_state=config["seed"])
    print(describe(records, sequences, splits))
    return 0


def _run_summary(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    from seqmodels.alphabets import get_alphabet
    from seqmodels.config import load_config
    from seqmodels.io.coverage import entry_strands
    from seqmodels.io.labels import read_labels
    from seqmodels.models import build_model, model_defaults
    from seqmodels.models.summary import summarize

    config = load_config(args.config, overrides)
    data, model = config["data"], dict(config["model"])
    length = data["length"] or _data_length(data, args.config)
    n_outputs = args.n_outputs or (
        len(read_labels(data["labels"]).columns) if data["labels"] else 1
    )
    alphabet = get_alphabet("none" if data["numeric"] else data["alphabet"])
    rows = alphabet.size + _channel_rows(data)
    profile = None
    if data["targets"]:  # BPNet's heads over the centre of the window
        if "head" not in model_defaults(model["name"]):
            raise SeqmodelsError(
                f"model.name: coverage targets need a profile head, which {model['name']} has "
                "not (it pools positions away): use model dilated"
            )
        tracks = sum(entry_strands(data["targets"]))
        profile = {"n_tracks": tracks, "output_length": data["target_length"] or length,
                   "bin_size": data["bin_size"]}  # fmt: skip
        model["head"] = "profile"
        n_outputs = args.n_outputs or len(data["targets"])
    network = build_model(
        model.pop("name"), alphabet_size=rows, n_outputs=n_outputs, profile=profile, **model
    )
    inputs = f"{alphabet.name} input" if rows == alphabet.size else f"{rows} input rows"
    print(f"{type(network).__name__} on {inputs} of length {length}")
    print(summarize(network, rows, length))
    return 0


def _channel_rows(data: dict) -> int:
    """The numeric input rows a data section gives a model: its bigWig channels, or the
    channels of its numeric file."""
    from seqmodels.io.coverage import entry_strands

    if data["numeric"]:
        from seqmodels.io.numeric import read_numeric

        return read_numeric(data["numeric"], n_channels=data["numeric_channels"])[1].shape[1]
    return sum(entry_strands(data["channels"]))


def _data_length(data: dict, source: str) -> int:
    """The length the configured data encodes to when ``data.length`` is not set; ``source``
    names the config in the error when there is no data."""
    from seqmodels.data.sets import encode_records
    from seqmodels.workflows.inputs import read_config_records

    if not (data["fasta"] or data["bed"] or data["numeric"]):
        raise SeqmodelsError(f"{source}: summary needs data.length, or data to read it from")
    records = read_config_records(data)
    alphabet = "none" if data["numeric"] else data["alphabet"]
    return encode_records(records, alphabet, unknown=data["unknown"]).length


def _run_train(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    from seqmodels.io.atomic import check_output_directory
    from seqmodels.workflows.train import train_from_files

    if not args.config and not args.resume:
        raise SeqmodelsError("train needs --config (or --resume to continue a run)")
    check_output_directory(args.out)
    metrics = train_from_files(args.config, args.out, overrides=overrides, resume=args.resume)
    if metrics:
        print(f"test split, best checkpoint (loss {metrics.pop('loss', float('nan')):.4f}):")
        print(format_metrics(metrics))
        print(f"wrote {args.out}/test_metrics.json")
    else:
        print("no test split (data.test_chroms is empty): no test metrics")
    print(f"wrote checkpoints in {args.out}/checkpoints/")
    return 0


def _load_task(args: argparse.Namespace):
    from seqmodels.checkpoint import load_task

    task = load_task(args.checkpoint)
    if getattr(args, "rc_average", False):
        if not task.alphabet.size:
            raise SeqmodelsError(
                f"--rc-average: {args.checkpoint} reads numeric inputs alone, which have no "
                "reverse complement"
            )
        task.hparams.rc_average = True
    return task


def _open_inputs(args: argparse.Namespace, task, *, streamed: bool, labels=None):
    """The inputs a checkpoint command names: FASTA, BED + genome, or (streamed) tiles."""
    from seqmodels.workflows.inputs import load_inputs, open_inputs

    tile = getattr(args, "tile", None)
    flags = (("--fasta", args.fasta), ("--bed", args.bed), ("--numeric", args.numeric))
    given = [flag for flag, value in flags if value]
    given += ["--tile"] if tile else []
    if len(given) != 1:
        what = "--fasta, --bed (with --genome), --tile (with --genome) or --numeric"
        if not streamed:
            what = "--fasta, --bed (with --genome) or --numeric"
        got = f" (got {' and '.join(given)})" if given else ""
        raise SeqmodelsError(f"give one of {what}{got}")
    if getattr(args, "region", None) and not tile:
        raise SeqmodelsError("--region goes with --tile")
    if args.bed and not args.genome:
        raise SeqmodelsError(f"--bed {args.bed} needs --genome, the FASTA its intervals refer to")
    if labels is not None and not (args.fasta or args.numeric):
        raise SeqmodelsError(
            "--labels goes with --fasta or --numeric (a BED carries its labels in columns)"
        )
    channels = [c.split(",") if "," in c else c for c in args.channels or []]
    if channels and args.numeric:
        raise SeqmodelsError("--channels go with --bed or --tile, not with --numeric")
    if not streamed:
        return load_inputs(
            task, fasta=args.fasta, labels=labels, bed=args.bed, genome=args.genome,
            stranded=args.stranded, numeric=args.numeric, channels=channels or None,
        )  # fmt: skip
    return open_inputs(
        task, fasta=args.fasta, bed=args.bed, genome=args.genome, stride=tile,
        regions=args.region, stranded=args.stranded, numeric=args.numeric,
        channels=channels or None,
    )  # fmt: skip


def _run_predict(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    from seqmodels.io.atomic import check_output_file
    from seqmodels.workflows.predict import TABLE_FORMATS, TRACK_FORMATS, predict_to_file

    fmt = check_output_file(args.out, {**TABLE_FORMATS, **TRACK_FORMATS})
    if fmt not in TRACK_FORMATS.values() and args.chrom_sizes:
        raise SeqmodelsError("--chrom-sizes goes with predicted tracks (--out .bw or .bedGraph)")
    task = _load_task(args)
    inputs = _open_inputs(args, task, streamed=True)
    if fmt in TRACK_FORMATS.values():
        return _predict_tracks(args, task, inputs)
    n = predict_to_file(
        task,
        inputs,
        args.out,
        chunk_size=args.chunk_size,
        batch_size=args.batch_size,
        device=args.device,
        devices=args.devices,
        verbose=True,
    )
    if n is not None:  # DDP ranks other than 0 write nothing
        print(f"wrote {n:,} predictions to {args.out}")
    return 0


def _predict_tracks(args: argparse.Namespace, task, inputs) -> int:
    from seqmodels.workflows.predict import predict_tracks_to_file

    sizes, sizes_source = _chrom_sizes(args)
    paths = predict_tracks_to_file(
        task, inputs, args.out, chrom_sizes=sizes, sizes_source=sizes_source,
        chunk_size=args.chunk_size, batch_size=args.batch_size, device=args.device,
        devices=args.devices, verbose=True,
    )  # fmt: skip
    if paths is not None:  # DDP ranks other than 0 write nothing
        shown = ", ".join(map(str, paths))
        print(f"wrote the predicted coverage of {len(inputs):,} windows to {shown}")
    return 0


def _chrom_sizes(args: argparse.Namespace) -> tuple[dict[str, int] | None, str]:
    """Chromosome sizes from --chrom-sizes, else from --genome's index, and their source."""
    from seqmodels.io.bed import chrom_sizes
    from seqmodels.io.tracks import read_chrom_sizes

    if args.chrom_sizes:
        return read_chrom_sizes(args.chrom_sizes), args.chrom_sizes
    if args.genome:
        return chrom_sizes(args.genome), args.genome
    return None, ""


def _run_evaluate(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    from seqmodels.io.atomic import check_output_file
    from seqmodels.workflows.predict import evaluate_to_file

    check_output_file(args.out, {".json": "json"})
    if args.fasta and not args.labels:
        raise SeqmodelsError("evaluate --fasta needs --labels")
    if args.numeric and not args.labels:
        raise SeqmodelsError("evaluate --numeric needs --labels, keyed by sample id")
    task = _load_task(args)
    if task.coverage:
        raise SeqmodelsError(
            f"{args.checkpoint}: a {task.hparams.task} model predicts coverage; evaluate scores "
            "label predictions (the coverage metrics of training are in its test_metrics.json)"
        )
    sequences = _open_inputs(args, task, streamed=False, labels=args.labels)
    metrics = evaluate_to_file(
        task, sequences, args.out, batch_size=args.batch_size, device=args.device
    )
    print(format_metrics(metrics))
    return 0


def _run_attribute(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    from seqmodels.io.atomic import check_output_file
    from seqmodels.workflows.attribute import FORMATS, export_attributions

    fmt = check_output_file(args.out, None if args.format else FORMATS) or args.format
    loci = _browse_loci(args, fmt)
    task = _load_task(args)
    target = _resolve_target(args.target, task.output_names)
    sequences = _open_inputs(args, task, streamed=True)
    sizes, sizes_source = _chrom_sizes(args)
    n = export_attributions(
        task.explained(args.head),
        sequences,
        args.out,
        fmt=fmt,
        chrom_sizes=sizes,
        sizes_source=sizes_source,
        chunk_size=args.chunk_size,
        devices=args.devices,
        verbose=True,
        method=args.method,
        target=target,
        **_attribution_options(args),
        batch_size=args.batch_size,
        device=args.device,
    )
    if n is not None:  # DDP ranks other than 0 write nothing
        print(
            f"wrote {args.method} attributions of {n:,} sequences for "
            f"{task.output_names[target]} to {args.out}"
        )
        if loci:
            from seqmodels.view import write_browse_html

            page = write_browse_html(
                Path(args.out).with_suffix(".html"), args.genome, loci, bigwigs=[args.out],
                title=f"{args.method} attributions for {task.output_names[target]}",
            )  # fmt: skip
            print(f"wrote {page} (open it in a browser)")
    return 0


def _browse_loci(args: argparse.Namespace, fmt: str):
    """The loci of ``attribute --browse``, checked before any work."""
    if not args.browse:
        return None
    from seqmodels.view import parse_loci

    if fmt != "bigwig":
        raise SeqmodelsError("--browse shows a bigWig track: give --out with .bw")
    if not args.genome:
        raise SeqmodelsError("--browse needs --genome, the sequence the view shows")
    from seqmodels.io.bed import chrom_sizes

    sizes, loci = chrom_sizes(args.genome), parse_loci(args.browse)
    for locus in loci:
        if locus.end > sizes.get(locus.chrom, -1):
            raise SeqmodelsError(f"--browse {locus}: not within a chromosome of {args.genome}")
    return loci


def _attribution_options(args: argparse.Namespace) -> dict:
    """The attribution options given on the command line; one that does not apply to the
    method is an error."""
    from seqmodels.attribution.core import takes

    given = {
        "references": args.references,
        "n_shuffles": args.n_shuffles,
        "n_steps": args.n_steps,
        "gradient_correction": False if args.no_gradient_correction else None,
    }
    options = {name: value for name, value in given.items() if value is not None}
    if "references" in options and args.method == "deeplift_shap":
        raise SeqmodelsError(
            "--references does not apply to --method deeplift_shap (its references are "
            "dinucleotide shuffles; use --method deeplift for others)"
        )
    for name in options:
        if args.method == "cam" or not takes(args.method, name):
            flag = "no-gradient-correction" if name == "gradient_correction" else name
            raise SeqmodelsError(
                f"--{flag.replace('_', '-')} does not apply to --method {args.method}"
            )
    if "n_shuffles" in options and args.method != "deeplift_shap" and args.references != "shuffle":
        raise SeqmodelsError(f"--n-shuffles goes with --references shuffle for {args.method}")
    return options


def _run_motifs(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    from seqmodels.io.atomic import check_output_directory
    from seqmodels.motifs.matching import Q_THRESHOLD
    from seqmodels.motifs.modisco import MIN_SHARE
    from seqmodels.workflows.attribute import track_coordinates
    from seqmodels.workflows.motifs import motif_database, motifs_to_directory

    check_output_directory(args.out)
    if args.n_shuffles is not None and args.method != "deeplift_shap":
        raise SeqmodelsError(f"--n-shuffles does not apply to --method {args.method}")
    task = _load_task(args)
    task.require_sequences("motifs", source=args.checkpoint)
    names = task.output_names
    targets = [_resolve_target(t, names) for t in args.target] if args.target else None
    database, source = motif_database(
        args.database, task.alphabet, collection=args.collection, tax_group=args.tax_group
    )  # checked before the work starts
    sizes, sizes_source = _chrom_sizes(args)
    sequences = _open_inputs(args, task, streamed=False)
    if sizes is not None and sequences.chrom is not None:
        track_coordinates(sequences, sizes, source=sizes_source)  # every chromosome sized
    details = {
        "checkpoint": args.checkpoint,
        "inputs": args.fasta or f"{args.bed} over {args.genome}",
        "sequences": f"{len(sequences):,} × {sequences.length} bp",
        "attribution": f"{args.method}, "
        + (f"top {args.top} sequences per task" if args.top else "every sequence"),
        "database": source,
    }
    results = motifs_to_directory(
        task,
        sequences,
        args.out,
        database=database,
        details=details,
        targets=targets,
        method=args.method,
        **({"n_shuffles": args.n_shuffles} if args.n_shuffles else {}),
        n_top=args.top,
        filter_threshold=args.filter_threshold,
        control=args.control,
        chrom_sizes=sizes,
        genome=args.genome,
        head=args.head,
        batch_size=args.batch_size,
        device=args.device,
        verbose=True,
    )
    patterns = results.summary[results.summary["kind"] == "pattern"]
    print(f"{len(patterns)} TF-MoDISco patterns ({patterns['informative'].sum()} informative):")
    for row in patterns.itertuples(index=False):
        if not row.informative:
            match = "uninformative"
        elif isinstance(row.target, str):
            match = f"{row.target:<10} {row.target_name:<14} q = {row.q_value:.1e}"
        else:
            match = f"not matched (carries < {MIN_SHARE:.0%} of the attribution)"
        print(
            f"  {row.name:<28} {row.sites:>6} seqlets {row.share:>6.1%} {int(row.hits):>6} hits"
            f"  {match}"
        )
    n_filters = (results.summary["kind"] == "filter").sum()
    named = len(results.named("filter"))
    print(f"{named} of {n_filters} filters named at q ≤ {Q_THRESHOLD}")
    if results.control:
        c = results.control
        print(
            f"control (filters permuted): {c['patterns_named']} of {c['patterns']} patterns "
            f"and {c['filters_named']} of {c['filters']} filters named"
        )
    if sequences.chrom is not None and sizes is None:
        print("no hits/*.bw: bigWigs need chromosome sizes (--chrom-sizes)")
    print(f"wrote {args.out}/report.html, patterns.tsv, filters.tsv, matches.tsv, hits.bed, …")
    return 0


def _run_variants(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    import torch

    from seqmodels.io.atomic import check_output_file
    from seqmodels.io.vcf import read_vcf
    from seqmodels.workflows.variants import score_variants_to_file, write_allele_tracks

    check_output_file(args.out, {".tsv": "tsv", ".txt": "tsv"})
    task = _load_task(args)
    task.require_sequences("variant effects", source=args.checkpoint)
    target = _resolve_target(args.target, task.output_names)
    if args.head and not args.attribute:
        raise SeqmodelsError("--head goes with --attribute")
    model = task.explained(args.head)  # a head the model lacks: refused now
    if args.attribute in ("deeplift", "deeplift_shap"):  # refused now, not after the table
        from seqmodels.attribution.checks import check_model
        from seqmodels.devices import model_on

        with model_on(model, torch.device("cpu")):
            check_model(model, task.alphabet.size, task.hparams.length)
    variants = read_vcf(args.vcf, region=args.region)
    n = score_variants_to_file(
        task, variants, args.genome, args.out, drop_mismatch=args.drop_mismatch,
        n_null=args.null or 0, chunk_size=args.chunk_size, batch_size=args.batch_size,
        device=args.device, devices=args.devices, random_state=args.seed, verbose=True,
    )  # fmt: skip
    if n is None:  # DDP ranks other than 0 write nothing
        return 0
    print(f"wrote the effects of {n:,} variant allele(s) to {args.out}")
    if args.attribute:
        prefix = str(args.out).removesuffix(Path(args.out).suffix)
        paths = write_allele_tracks(
            task, variants, args.genome, prefix, method=args.attribute, target=target,
            head=args.head,
            device=args.device, verbose=True,
        )  # fmt: skip
        print(f"wrote {', '.join(map(str, paths))}")
    return 0


def _resolve_target(target: str, names: list[str]) -> int:
    """A task name or an output index."""
    if target in names:
        return names.index(target)
    if target.isdigit() and int(target) < len(names):
        return int(target)
    raise SeqmodelsError(
        f"--target {target!r}: not one of {', '.join(names)} or 0–{len(names) - 1}"
    )


def format_metrics(metrics: dict[str, float]) -> str:
    """``{"task/metric": value}`` as a table: one row per task, one column per metric."""
    if not metrics:
        return "(no metrics)"
    rows: dict[str, dict[str, float]] = {}
    for key, value in metrics.items():
        task, _, metric = key.rpartition("/")
        rows.setdefault(task, {})[metric] = value
    columns = sorted({m for row in rows.values() for m in row})
    width = max(map(len, rows)) + 2
    cell = max(10, *(len(c) + 2 for c in columns))
    lines = [f"{'task':<{width}}" + "".join(f"{c:>{cell}}" for c in columns)]
    for task, row in rows.items():
        cells = (row.get(c) for c in columns)
        lines.append(
            f"{task:<{width}}"
            + "".join(f"{'–' if v is None else f'{v:.4f}':>{cell}}" for v in cells)
        )
    return "\n".join(lines)


def _parse_overrides(extra: list[str], command: str) -> dict[str, str]:
    """``["--a.b", "1", "--c.d=x"]`` → ``{"a.b": "1", "c.d": "x"}``; only config commands
    take them."""
    overrides, i = {}, 0
    while i < len(extra):
        token = extra[i]
        key = token.split("=")[0]
        if not token.startswith("--") or "." not in key:
            raise SeqmodelsError(f"{command}: unrecognised argument {token!r} (see --help)")
        if command not in CONFIG_COMMANDS:
            raise SeqmodelsError(
                f"{command}: {key} is a config override; {command} reads its settings from the "
                "checkpoint and takes none"
            )
        key, eq, value = token[2:].partition("=")
        if not eq:
            if i + 1 >= len(extra):
                raise SeqmodelsError(f"{token} needs a value")
            value, i = extra[i + 1], i + 1
        overrides[key] = value
        i += 1
    return overrides


def _fail(message: str) -> int:
    print(f"seqmodels: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def _version() -> str:
    from seqmodels import __version__

    return f"seqmodels {__version__}"
