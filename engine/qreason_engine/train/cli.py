"""`qreason-engine train --recipe RECIPE.json --out ADAPTER_DIR [--progress jsonl|text]`.

Trains a LoRA adapter (SFT, DPO or margin repair) over the recipe's base: a quantized variant (its on-grid
weights, activation and KV-cache schemes; rounding is a straight-through estimator) or a model directory.

stdout: with `--progress jsonl`, one JSON object per line while it runs
  {"event": "reference", "done", "total"}                       (DPO: reference log-probs, computed once)
  {"event": "progress", "step", "total", "loss", "reward_margin", "reward_accuracy", "fp_margin", "fp_top1",
   "lr", "tokens", "elapsed_s"}                                   (one per optimizer step; nulls where n/a)
then always a last line {"event": "done", "out", "steps", "metrics", "wall_seconds"}.
stderr: human-readable progress (`--progress text`, the default) and logs.
User mistakes exit 2 with `E_*: file:line: field 'x': message`.

Recipe fields and data formats: engine/qreason_engine/train/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a LoRA adapter (sft | dpo | margin) over a quantized variant or a model",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", required=True, help="training recipe JSON (strict; see train/README.md)")
    parser.add_argument("--out", required=True, help="adapter directory to write (must not exist or be empty)")
    parser.add_argument("--progress", choices=("text", "jsonl"), default="text",
                        help="jsonl: progress lines on stdout for a parent process; text: lines on stderr")
    parser.add_argument("--device", default="auto", help="cpu | cuda | cuda:N | auto")
    parser.add_argument("--dtype", default="auto", help="fp32 | bf16 | fp16 | auto (bf16 on CUDA, fp32 on CPU)")


def _emitter(mode: str, out):
    def emit(line: dict) -> None:
        if mode == "jsonl":
            out.write(json.dumps(line, allow_nan=False) + "\n")
            out.flush()
            return
        if line["event"] == "reference":
            print(f"reference log-probs {line['done']}/{line['total']}", file=sys.stderr)
        else:
            shown = "  ".join(f"{key} {line[key]:.4f}" for key in ("loss", "reward_margin", "reward_accuracy",
                                                                  "fp_margin", "fp_top1") if line.get(key) is not None)
            print(f"step {line['step']}/{line['total']}  {shown}  {line['elapsed_s']:.1f}s", file=sys.stderr)

    return emit


def run(args: argparse.Namespace) -> int:
    from .recipe import load_train_recipe

    recipe = load_train_recipe(args.recipe)  # before torch and the model: a typo should not cost seconds
    protocol_out = sys.stdout
    # stdout carries our JSON lines alone: anything a library prints goes to stderr.
    sys.stdout = sys.stderr
    try:
        from .adapter_run import train_adapter

        record = train_adapter(recipe, args.out, device=args.device, dtype=args.dtype,
                               progress=_emitter(args.progress, protocol_out),
                               log=lambda text: print(text, file=sys.stderr))
    finally:
        sys.stdout = protocol_out
    done = {"event": "done", "out": args.out, "steps": record["steps"], "metrics": {key: value for key, value in (record["metrics"]["final"] or {}).items()
                                                       if key != "event"},
            "wall_seconds": record["wall_seconds"]}
    protocol_out.write(json.dumps(done, allow_nan=False) + "\n")
    protocol_out.flush()
    return 0
