"""DPO-LoRA wall time: 545 synthetic pairs (seed 003's count) over a randomly initialised Llama-3.2-1B-shaped
model (bf16), LoRA rank 32 on every projection, through the engine's own trainer (`qreason-engine train`'s
loop: reference log-probs precomputed with the adapter disabled, then the optimizer steps). No TRL (the GPU
image has none), nothing downloaded.

    python -m qreason_engine.bench.dpo                         # GPU (seed 003: 2-4 minutes on 4 A800s)
    python -m qreason_engine.bench.dpo --runtime a8kv8         # through int8 activation + KV rounding (STE)
    python -m qreason_engine.bench.dpo --small                 # CPU smoke test on a tiny shape

Prompts and completions are random token ids with MATH-like lengths (prompt 60-200 tokens, each completion
150-500), seeded. Times: model construction is not timed; `reference_s` (one no-grad pass over all pairs),
`train_s` (the optimizer steps) and their sum `wall_s`. The loss printed means nothing on random weights.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from ..quant.recipe import parse_recipe
from ..quant.runtime import install_runtime_schemes
from ..train.data import Dataset, Example
from ..train.lora import attach_lora
from ..train.recipe import parse_train_recipe
from ..train.trainer import adapter_disabled_reference, planned_steps, train_loop
from .shapes import LLAMA_32_1B, build_model

SMALL = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             intermediate_size=128, vocab_size=512, tie_word_embeddings=True, max_position_embeddings=2048)
RUNTIME = {"none": None, "a8": {"method": "none", "a_bits": 8}, "kv8": {"method": "none", "kv_bits": 8},
           "a8kv8": {"method": "none", "a_bits": 8, "kv_bits": 8}}


def synthetic_pairs(count: int, vocab: int, *, seed: int, small: bool) -> list[Example]:
    generator = torch.Generator().manual_seed(seed)

    def length(low: int, high: int) -> int:
        return int(torch.randint(low, high + 1, (1,), generator=generator))

    def ids(n: int) -> tuple[int, ...]:
        return tuple(torch.randint(3, vocab, (n,), generator=generator).tolist())

    scale = 8 if small else 1
    examples = []
    for line in range(1, count + 1):
        prompt = ids(length(60 // scale, 200 // scale))
        examples.append(Example(line=line, prompt=prompt,
                                completions=(ids(length(150 // scale, 500 // scale)),
                                             ids(length(150 // scale, 500 // scale)))))
    return examples


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="tiny shape on the CPU (smoke test)")
    parser.add_argument("--device", default=None, help="default: cuda when available (cpu with --small)")
    parser.add_argument("--pairs", type=int, default=545)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8, help="pairs per optimizer step")
    parser.add_argument("--micro-batch-size", type=int, default=None, help="pairs per forward (default: batch size)")
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--runtime", choices=sorted(RUNTIME), default="none",
                        help="runtime schemes the forward passes through (weights stay as built)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    device = torch.device(args.device or ("cpu" if args.small or not torch.cuda.is_available() else "cuda"))
    dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    shape = SMALL if args.small else LLAMA_32_1B
    model = build_model(shape, dtype, device)
    if RUNTIME[args.runtime] is not None:
        install_runtime_schemes(model, parse_recipe(RUNTIME[args.runtime]))
    recipe = parse_train_recipe({
        "kind": "dpo", "base": "random-llama", "data": "synthetic", "lora": {"rank": args.rank, "alpha": 2 * args.rank},
        "lr": 5e-5, "epochs": args.epochs, "batch_size": args.batch_size,
        **({"micro_batch_size": args.micro_batch_size} if args.micro_batch_size else {}), "beta": 0.1,
        "seed": args.seed})
    examples = synthetic_pairs(args.pairs, shape["vocab_size"], seed=args.seed, small=args.small)
    dataset = Dataset(tuple(examples), "synthetic", len(examples), 0, 0)
    tokens = sum(len(e.prompt) * 2 + len(e.completions[0]) + len(e.completions[1]) for e in examples)
    torch.manual_seed(args.seed)
    peft_model = attach_lora(model, recipe.lora)
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    print(f"device {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}), "
          f"torch {torch.__version__}, {str(dtype).removeprefix('torch.')}, "
          f"{sum(p.numel() for p in model.parameters()) / 1e9:.2f}B parameters, LoRA r{args.rank} "
          f"({trainable / 1e6:.1f}M trainable), {args.pairs} pairs ({tokens} tokens/epoch), runtime {args.runtime}, "
          f"{planned_steps(recipe, len(examples))} steps of {args.batch_size}", flush=True)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    synchronize(device)
    start = time.perf_counter()
    reference = adapter_disabled_reference(peft_model, examples, pad_id=2, micro_batch=recipe.micro_batch)
    synchronize(device)
    reference_s = time.perf_counter() - start
    result = train_loop(peft_model, recipe, dataset, pad_id=2, reference=reference)
    synchronize(device)
    wall_s = time.perf_counter() - start
    train_s = wall_s - reference_s
    report = {
        "bench": "dpo", "device": str(device), "shape": "small" if args.small else "llama-3.2-1b",
        "runtime": args.runtime, "pairs": args.pairs, "epochs": args.epochs, "batch_size": args.batch_size,
        "lora_rank": args.rank, "trainable_parameters": trainable, "steps": result["steps"],
        "reference_s": round(reference_s, 2), "train_s": round(train_s, 2), "wall_s": round(wall_s, 2),
        "steps_per_s": round(result["steps"] / train_s, 3),
        "tokens_per_s": round(tokens * args.epochs / train_s, 1),
        "peak_memory_gib": round(torch.cuda.max_memory_allocated(device) / 2**30, 2) if device.type == "cuda" else None,
        "final_loss": result["final"]["loss"], "torch": torch.__version__,
    }
    print(json.dumps(report), flush=True)
    return report


def main() -> None:
    run()


if __name__ == "__main__":
    main()
