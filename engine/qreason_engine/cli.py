"""`qreason-engine`: the engine's command line, a registry of subcommand modules.

Each module exposes `add_parser(subparsers)` (adding one or more subcommands) and `run(args) -> int`.
Adding a subcommand is one line in SUBCOMMANDS. Modules import torch lazily, inside `run`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import EngineError

SUBCOMMANDS = (
    "qreason_engine.serve.cli",  # serve --stdio | --http
    "qreason_engine.serve.jsonl_cli",  # generate, score
    "qreason_engine.quant.cli",  # quantize
    "qreason_engine.quant.imatrix_cli",  # imatrix
    "qreason_engine.train.reference",  # train-reference
    "qreason_engine.train.cli",  # train (LoRA sft | dpo | margin)
    "qreason_engine.gguf_to_hf",  # gguf-to-hf
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qreason-engine",
                                     description="qreason's Python engine: serve, generate, score, quantize, imatrix, train-reference, train, gguf-to-hf.")
    parser.add_argument("--version", action="version", version=f"qreason-engine {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in SUBCOMMANDS:
        module = importlib.import_module(module_name)
        before = set(subparsers.choices)
        module.add_parser(subparsers)
        for name in set(subparsers.choices) - before:
            subparsers.choices[name].set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except EngineError as error:
        print(f"qreason-engine {args.command}: {error.code}: {error.describe()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
