"""`qreason-engine quantize --model DIR --recipe FILE --out DIR`: make a variant directory.

Prints one JSON line to stdout ({"out", "summary"}); per-layer progress goes to stderr unless --quiet.
"""

from __future__ import annotations

import argparse
import json
import sys


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (argparse reports anything else as a usage error)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "quantize", help="quantize a HF model directory by a recipe into a variant directory",
        description="Quantize a Hugging Face model directory by a JSON recipe (RTN, GPTQ, AWQ, SmoothQuant, "
                    "KV/activation schemes) into a variant directory with qreason-quant.json.")
    parser.add_argument("--model", required=True, help="source model directory (Hugging Face layout)")
    parser.add_argument("--recipe", required=True,
                        help="recipe JSON file with every field given (schema: engine/qreason_engine/quant/README.md; "
                             "`qreason quantize` fills in defaults)")
    parser.add_argument("--out", required=True, help="variant directory to create (must not exist or be empty)")
    parser.add_argument("--device", default="auto", help="compute device: auto, cpu, cuda, cuda:N (default auto)")
    parser.add_argument("--dtype", default=None, choices=("fp32", "bf16", "fp16"),
                        help="storage dtype of the variant (default: the source model's own)")
    parser.add_argument("--batch-size", type=positive_int, default=8, help="calibration samples per forward (default 8)")
    parser.add_argument("--quiet", action="store_true", help="no per-layer progress on stderr")


def run(args) -> int:
    from .recipe import load_recipe

    # Fully resolved recipes only: qreason (src/study/engineDefaults.ts) is where defaults come from.
    # Read first, so a bad recipe fails before torch and transformers load.
    recipe = load_recipe(args.recipe, complete=True)

    from transformers.utils import logging as transformers_logging

    from .variant import quantize_to_dir
    # Our own per-layer lines are the progress; transformers' load/save bars would only interleave with them.
    transformers_logging.disable_progress_bar()

    def progress(line: str) -> None:
        print(f"quantize: {line}", file=sys.stderr, flush=True)

    manifest = quantize_to_dir(args.model, recipe, args.out, device=args.device, dtype=args.dtype,
                               batch_size=args.batch_size, progress=None if args.quiet else progress)
    print(json.dumps({"out": str(args.out), "summary": manifest["summary"],
                      "wall_seconds": manifest["wall_seconds"]}))
    return 0
