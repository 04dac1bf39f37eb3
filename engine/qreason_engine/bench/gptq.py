"""GPTQ wall time: W4 g128 over every decoder Linear of a randomly initialised Llama-3.2-1B-shaped model
(bf16) with 128 x 2048 calibration tokens, through the same layer-sequential pipeline `qreason-engine
quantize` runs (true-sequential Hessians, per-Linear error statistics, the full-precision reference stream).

    python -m qreason_engine.bench.gptq              # GPU (target: <= 60 s on an H100)
    python -m qreason_engine.bench.gptq --small      # CPU smoke test on a tiny shape

Random weights and random token ids are fine for speed (nothing is downloaded); the error figures printed
are not meaningful for a random model, only the times are. Model construction is not timed; loading
from disk and saving the variant are not part of this figure either.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from ..quant.recipe import parse_recipe
from ..quant.variant import quantize_model
from .shapes import LLAMA_32_1B, build_model

SMALL = dict(hidden_size=256, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             intermediate_size=512, vocab_size=1024, tie_word_embeddings=True, max_position_embeddings=2048)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time GPTQ on a Llama-3.2-1B-shaped random model.")
    parser.add_argument("--small", action="store_true", help="tiny shape on the CPU (smoke test)")
    parser.add_argument("--device", default=None, help="default: cuda when available (cpu with --small)")
    parser.add_argument("--samples", type=int, default=None, help="calibration samples (default 128; 8 with --small)")
    parser.add_argument("--seq-len", type=int, default=None, help="tokens per sample (default 2048; 128 with --small)")
    parser.add_argument("--batch-size", type=int, default=8, help="calibration samples per forward")
    parser.add_argument("--bits", type=int, default=4, choices=(2, 3, 4, 8))
    parser.add_argument("--group-size", type=int, default=128, choices=(-1, 32, 64, 128))
    parser.add_argument("--act-order", action="store_true")
    parser.add_argument("--per-layer", action="store_true", help="print every Linear's error and solve time")
    args = parser.parse_args()

    device = torch.device(args.device or ("cpu" if args.small or not torch.cuda.is_available() else "cuda"))
    dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    shape = SMALL if args.small else LLAMA_32_1B
    samples = args.samples or (8 if args.small else 128)
    seq_len = args.seq_len or (128 if args.small else 2048)

    model = build_model(shape, dtype, device)
    generator = torch.Generator().manual_seed(0)
    token_ids = torch.randint(0, shape["vocab_size"], (samples, seq_len), generator=generator)
    # The calibration path is never read: the token ids are passed in directly.
    recipe = parse_recipe({"method": "gptq", "w_bits": args.bits, "group_size": args.group_size,
                           "gptq": {"act_order": args.act_order},
                           "calibration": {"path": "random-token-ids", "num_samples": samples, "seq_len": seq_len}})
    print(f"device {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}), "
          f"torch {torch.__version__}, dtype {str(dtype).removeprefix('torch.')}, "
          f"{sum(p.numel() for p in model.parameters()) / 1e9:.2f}B parameters, "
          f"{samples} x {seq_len} calibration tokens, W{args.bits} g{args.group_size}"
          f"{' act_order' if args.act_order else ''}", flush=True)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    synchronize(device)
    start = time.perf_counter()
    report = quantize_model(model, recipe, token_ids, device=device, batch_size=args.batch_size,
                            progress=lambda line: print(f"  {line}", flush=True))
    synchronize(device)
    wall = time.perf_counter() - start

    solve = {}
    for linear in report.linears:
        # Stacked Linears (q/k/v, gate/up) share one solve: count it once.
        key = (linear.name.rsplit(".", 2)[0], tuple(linear.notes.get("gptq_stacked_with", [linear.name])))
        solve[key] = linear.notes.get("gptq_seconds", 0.0)
        if args.per_layer:
            print(f"    {linear.name:40s} rel_error {linear.rel_error:.4f}  SQNR {linear.sqnr_db:6.2f} dB  "
                  f"solve {linear.notes.get('gptq_seconds', 0.0):.3f} s")
    layer_seconds = sum(layer.seconds for layer in report.layers)
    summary = {
        "bench": "gptq", "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "shape": "small" if args.small else "llama-3.2-1b", "bits": args.bits, "group_size": args.group_size,
        "act_order": args.act_order, "calibration_tokens": samples * seq_len,
        "wall_seconds": round(wall, 2),
        "capture_seconds": round(report.seconds - layer_seconds, 2),
        "gptq_solve_seconds": round(sum(solve.values()), 2),
        "layer_seconds_mean": round(layer_seconds / len(report.layers), 3),
        "mean_rel_error": round(sum(x.rel_error for x in report.linears) / len(report.linears), 5),
        "peak_gpu_memory_gib": (round(torch.cuda.max_memory_allocated(device) / 2**30, 2)
                                if device.type == "cuda" else None),
        "torch": torch.__version__,
    }
    print(f"GPTQ W{args.bits} g{args.group_size}: {wall:.1f} s wall ({summary['gptq_solve_seconds']:.1f} s in the "
          f"column solves, {summary['capture_seconds']:.1f} s capturing layer inputs; the rest is Hessian and "
          f"statistics forwards)")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
