"""KV-cache variants against fp: does the scheme act, and how far does it move teacher-forced log-probs?

    python -m qreason_engine.bench.kv_logprobs --model models/reference/hf [--device auto] [--dtype fp32]
        [--formats 8,4,fp8_e4m3] [--min-int4-shift 0.05]

For each KV format: make the runtime-only variant (`method: none`), load it with `load_variant` (whose
canary proves the quantizing cache is in use), and score one arith problem's gold solution with it and
with the fp model on the same device and dtype. Prints one JSON line per format (max and mean |Δ log-prob|
over the solution's tokens, what the canary checked) and exits 1 if a variant does not load or KV int4
moves no log-prob by more than --min-int4-shift: the check that a KV study would otherwise pass with
"KV4 costs nothing" measured on a scheme that was off. scripts/gpu/engine-tests.sh runs it on the GPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ..errors import EngineError
from ..model import load_model
from ..quant.recipe import parse_recipe
from ..quant.runtime import load_variant, verify_runtime_schemes
from ..quant.variant import quantize_to_dir
from ..score import Scorer, ScoreRequest

# An arith test-split problem and its gold solution (src/data/arith/README.md), in the reference model's
# prompt format: the question, one line break.
QUESTION = ("Zoe has 9 packs with 291 pencils in each. Lily has 169 more pencils than Zoe. Zoe also has 38 pets. "
            "Lily gives 438 pencils to Alice. Lily is 68 years old. Lily donates 132 pencils. How many more pencils "
            "does Zoe have than Lily?\n")
SOLUTION = ("Step 1: Zoe's pencils: 9 * 291 = 2619.\nStep 2: Lily's pencils: 2619 + 169 = 2788.\n"
            "Step 3: Lily's pencils after giving some away: 2788 - 438 = 2350.\n"
            "Step 4: Lily's pencils after donating some: 2350 - 132 = 2218.\n"
            "Step 5: How many more Zoe has than Lily: 2619 - 2218 = 401.\n\\boxed{401}")


def logprobs(loaded) -> list[float]:
    request = ScoreRequest(prompt=QUESTION, continuation=SOLUTION, top_k=1)
    return [token.logprob for token in Scorer(loaded.model, loaded.tokenizer).score([request])[0].tokens]


def kv_format(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def shift(model: Path, kv_bits: int | str, work: Path, *, device: str | None, dtype: str | None,
          reference: list[float]) -> dict:
    """Quantize, load (canary included) and score one KV format; returns its figures."""
    variant = work / f"kv-{kv_bits}"
    quantize_to_dir(model, parse_recipe({"method": "none", "kv_bits": kv_bits}), variant, device="cpu")
    loaded = load_variant(variant, dtype, device)
    deltas = [abs(a - b) for a, b in zip(reference, logprobs(loaded), strict=True)]
    return {"kv_bits": kv_bits, "device": str(loaded.device), "dtype": str(loaded.dtype).removeprefix("torch."),
            "tokens": len(deltas), "max_abs_delta": max(deltas), "mean_abs_delta": sum(deltas) / len(deltas),
            "canary": verify_runtime_schemes(loaded.model)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qreason_engine.bench.kv_logprobs",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/reference/hf"))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default=None, help="fp32, bf16 or fp16 (default: fp32 on CPU, bf16 on CUDA)")
    parser.add_argument("--formats", default="8,4,fp8_e4m3", help="comma-separated kv_bits values")
    parser.add_argument("--min-int4-shift", type=float, default=0.05,
                        help="fail unless KV int4 moves some log-prob by more than this (default 0.05)")
    args = parser.parse_args(argv)
    try:
        reference = logprobs(load_model(args.model, dtype=args.dtype, device=args.device))
    except EngineError as error:
        print(json.dumps({"kv_bits": None, "error": {"code": error.code, "message": error.describe()}}))
        return 1
    failed = False
    with tempfile.TemporaryDirectory(prefix="kv-logprobs-") as work:
        for kv_bits in map(kv_format, args.formats.split(",")):
            try:
                figures = shift(args.model, kv_bits, Path(work), device=args.device, dtype=args.dtype,
                                reference=reference)
            except EngineError as error:
                print(json.dumps({"kv_bits": kv_bits, "error": {"code": error.code, "message": error.describe()}}))
                failed = True
                continue
            figures["ok"] = kv_bits != 4 or figures["max_abs_delta"] > args.min_int4_shift
            failed = failed or not figures["ok"]
            print(json.dumps(figures), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
