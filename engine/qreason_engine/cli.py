"""`qreason-engine`: the engine's command line, a registry of subcommand modules.

Each module exposes `add_parser(subparsers)` (adding one or more subcommands) and `run(args) -> int`.
Adding a subcommand is one line in SUBCOMMANDS. Modules import torch lazily, inside `run`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Before anything loads torch (some subcommand modules import it at the top): OpenMP worker threads that
# wait by sleeping, not spinning. libgomp, torch's OpenMP, reads this once, when it is loaded. By default
# each worker spins after every parallel region; on a machine whose cores are busy with other work (other
# processes, CI's tests side by side, a small shared box) the spinning worker takes the core the working
# thread needs. A DPO-LoRA step on the bundled reference model took 5.2 s of CPU with spinning workers and
# 1.3 s with sleeping ones, at the same load (docs/restore.md, "Training speed"). A caller's value wins.
OPENMP_DEFAULTS = {"OMP_WAIT_POLICY": "PASSIVE"}
for _name, _value in OPENMP_DEFAULTS.items():
    os.environ.setdefault(_name, _value)

from . import __version__  # noqa: E402
from .errors import EngineError  # noqa: E402

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
