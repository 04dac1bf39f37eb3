"""Accuracy by quantization recipe for the reference model, through the engine alone.

    python -m qreason_engine.bench.reference_curve --model models/reference/hf --test test.jsonl \
        --calibration train.jsonl [--n 500] [--recipes rtn-w4g128,rtn-w3g128,gptq-w3g128,...]

For each named recipe: quantize the model with `quantize_to_dir`, load the variant with its runtime schemes
(`load_variant`), and measure greedy exact-match accuracy on the first `n` test problems (JSONL with
`prompt` and `answer`, as `qreason data export arith` writes). Prints one JSON line per recipe. This is
the quick curve used to choose the reference model's size; the demo's numbers come from `qreason run`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from ..model import load_model
from ..quant.recipe import parse_recipe
from ..quant.runtime import load_variant
from ..quant.variant import quantize_to_dir
from ..train.reference import evaluate, read_examples


def named_recipe(name: str, calibration: Path) -> dict | None:
    """`fp`, or `<method>-w<bits>g<group>` (g-1 is per channel), or `kv8`/`kv4`/`w8a8`."""
    if name == "fp":
        return None
    calib = {"path": str(calibration), "num_samples": 128, "seq_len": 256, "seed": 0}
    if name in ("kv8", "kv4"):
        return {"method": "none", "kv_bits": int(name[2]), "calibration": calib}
    if name == "w8a8":
        return {"method": "smoothquant", "w_bits": 8, "calibration": calib}
    method, spec = name.split("-")
    bits, group = spec[1:].split("g")
    recipe = {"method": method, "w_bits": int(bits), "group_size": int(group)}
    if method != "rtn":
        recipe["calibration"] = calib
    return recipe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--test", required=True, type=Path)
    parser.add_argument("--calibration", required=True, type=Path, help="JSONL with a `text` field")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--recipes", default="fp,rtn-w8g128,rtn-w4g128,rtn-w3g128,gptq-w3g128,awq-w3g128,"
                                             "rtn-w2g64,gptq-w2g64,kv4,w8a8")
    args = parser.parse_args()
    examples = read_examples(args.test)[: args.n]
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.recipes.split(","):
            started = time.time()
            recipe = named_recipe(name, args.calibration)
            if recipe is None:
                loaded = load_model(args.model, dtype="fp32", device=args.device)
            else:
                out = Path(scratch) / name
                quantize_to_dir(args.model, parse_recipe(recipe), out, device=args.device)
                loaded = load_variant(out, dtype="fp32", device=args.device)
            accuracy = evaluate(loaded.model, loaded.tokenizer, examples, loaded.device)
            print(json.dumps({"model": str(args.model), "recipe": name, "n": len(examples),
                              "accuracy": round(accuracy, 4), "seconds": round(time.time() - started, 1)}),
                  flush=True)


if __name__ == "__main__":
    main()
