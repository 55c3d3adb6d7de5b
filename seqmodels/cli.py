"""The ``seqmodels`` command: parses arguments and dispatches to importable functions.

User errors (:class:`~seqmodels.errors.SeqmodelsError`) print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys

from seqmodels.config import load_config
from seqmodels.errors import SeqmodelsError

EPILOG = "Any config key can be overridden in dotted form, e.g. --data.length 500."


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    logging.basicConfig(level=logging.INFO, format="seqmodels: %(message)s", stream=sys.stderr)
    try:
        overrides = _parse_overrides(extra)
        return args.run(args, overrides) or 0
    except SeqmodelsError as err:
        print(f"seqmodels: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("seqmodels: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seqmodels",
        description="Deep learning on DNA, RNA and protein sequences.",
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    _add_inspect(commands)
    return parser


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


def _add_data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="YAML config; its data section is the starting point")
    source = p.add_argument_group("input (replaces the config's)")
    source.add_argument("--fasta", help="FASTA of sequences (ids may be chr:start-end)")
    source.add_argument("--labels", help="CSV/TSV of labels with an 'id' column")
    source.add_argument("--bed", help="BED/narrowPeak intervals (labels after column 3)")
    source.add_argument("--genome", help="genome FASTA the BED intervals refer to")
    p.add_argument("--alphabet", choices=["dna", "rna", "protein"])
    p.add_argument("--length", type=int, help="pad/trim (FASTA) or resize (BED) to this length")


def _data_config(args: argparse.Namespace, overrides: dict[str, str]) -> dict:
    """The configuration with the explicit data arguments applied."""
    config = load_config(args.config, overrides)
    data = config["data"]
    if args.fasta:
        data.update(fasta=args.fasta, labels=args.labels, bed=None, genome=None)
    elif args.bed:
        data.update(bed=args.bed, genome=args.genome, fasta=None, labels=None)
    for key in ("alphabet", "length"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    if not (data["fasta"] or data["bed"]):
        raise SeqmodelsError("no input: give --fasta (with --labels) or --bed with --genome")
    return config


def _run_inspect(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    from seqmodels.data.build import encode_and_split, read_config_records
    from seqmodels.data.report import describe

    config = _data_config(args, overrides)
    records = read_config_records(config["data"])
    sequences, splits = encode_and_split(records, config["data"], seed=config["seed"])
    print(describe(records, sequences, splits))
    return 0


def _parse_overrides(extra: list[str]) -> dict[str, str]:
    """``["--a.b", "1", "--c.d=x"]`` → ``{"a.b": "1", "c.d": "x"}``."""
    overrides, i = {}, 0
    while i < len(extra):
        token = extra[i]
        if not token.startswith("--") or "." not in token.split("=")[0]:
            raise SeqmodelsError(f"unrecognised argument {token!r} (see --help)")
        key, eq, value = token[2:].partition("=")
        if not eq:
            if i + 1 >= len(extra):
                raise SeqmodelsError(f"{token} needs a value")
            value, i = extra[i + 1], i + 1
        overrides[key] = value
        i += 1
    return overrides


def _version() -> str:
    from seqmodels import __version__

    return f"seqmodels {__version__}"
