"""Generation throughput: our BatchGenerator against plain HF `generate` with a static cache, and the
weight-read roofline, on a randomly initialised Llama-3.2-1B-shaped model (random token ids, no tokenizer).

    python -m qreason_engine.bench.generate                 # GPU: batch 1/16/64/256, 256 prompt + 256 new
    python -m qreason_engine.bench.generate --small         # CPU smoke test on a tiny shape

Throughput = batch x new tokens / wall time of the whole call (prefill included), after one warm-up call
of the same shape (which also pays for compilation). Roofline: a decode step must read every weight
once, so steps/s <= HBM bandwidth / weight bytes; "+KV" also counts reading the KV cache at the mean
context length.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from ..generate import BatchGenerator, GenerationRequest, SamplingParams
from .shapes import LLAMA_32_1B, build_model

TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            intermediate_size=128, vocab_size=512, tie_word_embeddings=True, max_position_embeddings=2048)

MODES = ("ours", "ours-static", "ours-compiled", "hf-static")


def weight_bytes(model) -> int:
    # Parameters are deduplicated by storage, so a tied embedding/lm_head counts once (it is read once).
    seen, total = set(), 0
    for param in model.parameters():
        if param.data_ptr() not in seen:
            seen.add(param.data_ptr())
            total += param.numel() * param.element_size()
    return total


def kv_bytes_per_token(model) -> int:
    config = model.config
    head_dim = config.hidden_size // config.num_attention_heads
    element = next(model.parameters()).element_size()
    return 2 * config.num_hidden_layers * config.num_key_value_heads * head_dim * element


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_ours(generator: BatchGenerator, prompts: torch.Tensor, new_tokens: int) -> None:
    params = SamplingParams(max_tokens=new_tokens, ignore_eos=True)
    results = generator.generate([GenerationRequest(prompt_ids=tuple(row), params=params)
                                  for row in prompts.tolist()])
    assert all(r.completions[0].completion_tokens == new_tokens for r in results)


def run_hf(model, prompts: torch.Tensor, new_tokens: int):
    out = model.generate(prompts, attention_mask=torch.ones_like(prompts), max_new_tokens=new_tokens,
                         min_new_tokens=new_tokens, do_sample=False, cache_implementation="static",
                         pad_token_id=model.config.pad_token_id)
    assert out.shape[1] == prompts.shape[1] + new_tokens


def time_mode(mode: str, model, prompts: torch.Tensor, new_tokens: int, repeats: int) -> float:
    """Seconds per call, best of `repeats`, after a warm-up call of the same shape."""
    device = prompts.device
    if mode == "hf-static":
        call = lambda: run_hf(model, prompts, new_tokens)  # noqa: E731
    else:
        # One generator across calls: the compiled step (and its CUDA graphs) are reused, as in a server.
        shared = BatchGenerator(model, None, max_batch_rows=prompts.shape[0],
                                cache="dynamic" if mode == "ours" else "static", compile=mode == "ours-compiled")
        call = lambda: run_ours(shared, prompts, new_tokens)  # noqa: E731
    call()
    best = float("inf")
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        call()
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best


def check_agreement(device: torch.device, modes: list[str]) -> None:
    """Before timing: on a small fp32 model with peaked outputs, every mode must produce the greedy tokens
    that HF `generate` produces for each prompt alone (mixed prompt lengths, so left padding is exercised).
    A fast generator that decodes the wrong tokens would make the numbers below meaningless."""
    model = build_model(TINY, torch.float32, device)
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() == 2:
                param.normal_(0.0, 0.15)  # peaked distributions: greedy ties do not occur by accident
    generator = torch.Generator().manual_seed(1)
    prompts = [torch.randint(3, TINY["vocab_size"], (length,), generator=generator).tolist()
               for length in (5, 17, 9, 30, 1, 12)]
    new_tokens = 24
    expected = []
    for ids in prompts:
        tensor = torch.tensor([ids], device=device)
        out = model.generate(tensor, attention_mask=torch.ones_like(tensor), max_new_tokens=new_tokens,
                             min_new_tokens=new_tokens, do_sample=False, pad_token_id=model.config.pad_token_id)
        expected.append(out[0, len(ids):].tolist())
    params = SamplingParams(max_tokens=new_tokens, ignore_eos=True)
    for mode in modes:
        if mode == "hf-static":
            continue
        ours = BatchGenerator(model, None, max_batch_rows=len(prompts), cache="dynamic" if mode == "ours" else "static",
                              compile=mode == "ours-compiled")
        for attempt in range(2):  # the compiled mode's second call replays CUDA graphs: check that too
            results = ours.generate([GenerationRequest(prompt_ids=tuple(ids), params=params) for ids in prompts])
            got = [list(r.completions[0].token_ids) for r in results]
            bad = [i for i, (a, b) in enumerate(zip(got, expected)) if a != b]
            status = "ok" if not bad else f"MISMATCH on prompts {bad}"
            print(f"# check {mode} call {attempt + 1}: batched greedy vs HF generate per prompt: {status}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="tiny shape on CPU: a smoke test of this script")
    parser.add_argument("--batches", default=None, help="comma-separated batch sizes (default 1,16,64,256)")
    parser.add_argument("--prompt-tokens", type=int, default=None, help="default 256 (16 with --small)")
    parser.add_argument("--new-tokens", type=int, default=None, help="default 256 (16 with --small)")
    parser.add_argument("--modes", default=None, help=f"comma-separated subset of {','.join(MODES)}")
    parser.add_argument("--bandwidth", type=float, default=3.35e12, help="HBM bytes/s (H100 SXM: 3.35e12)")
    parser.add_argument("--repeats", type=int, default=1, help="timed calls per point (best is reported)")
    parser.add_argument("--device", default=None, help="default cuda (cpu with --small)")
    parser.add_argument("--no-check", action="store_true", help="skip the greedy agreement check before timing")
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)

    device = torch.device(args.device or ("cpu" if args.small else "cuda"))
    dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    batches = [int(b) for b in (args.batches or ("1,4" if args.small else "1,16,64,256")).split(",")]
    prompt_tokens = args.prompt_tokens or (16 if args.small else 256)
    new_tokens = args.new_tokens or (16 if args.small else 256)
    default_modes = [m for m in MODES if device.type == "cuda" or m != "ours-compiled"]
    modes = args.modes.split(",") if args.modes else default_modes
    for mode in modes:
        if mode not in MODES:
            parser.error(f"unknown mode {mode!r}")

    import transformers

    if not args.no_check:
        check_agreement(device, modes)
    # Every mode and batch size compiles its own graphs of the same forward; the default limit of 8 would
    # quietly turn the later points (HF's included) into eager runs.
    config = torch._dynamo.config
    name = "recompile_limit" if hasattr(config, "recompile_limit") else "cache_size_limit"
    setattr(config, name, max(getattr(config, name), 64))
    model = build_model(TINY if args.small else LLAMA_32_1B, dtype, device)
    weights = weight_bytes(model)
    kv_token = kv_bytes_per_token(model)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"# {name}; torch {torch.__version__}; transformers {transformers.__version__}; {dtype}")
    print(f"# weights {weights / 1e9:.3f} GB; KV {kv_token} B/token; bandwidth {args.bandwidth:.3g} B/s; "
          f"{prompt_tokens} prompt + {new_tokens} new tokens")
    print(f"{'batch':>5} {'mode':>14} {'seconds':>8} {'tok/s':>9} {'roofline':>9} {'roof+KV':>9} {'% roof':>7}")
    rows = []
    generator = torch.Generator().manual_seed(0)
    for batch in batches:
        prompts = torch.randint(3, model.config.vocab_size, (batch, prompt_tokens), generator=generator).to(device)
        mean_context = prompt_tokens + new_tokens / 2
        roofline = batch * args.bandwidth / weights
        roofline_kv = batch * args.bandwidth / (weights + batch * mean_context * kv_token)
        for mode in modes:
            try:
                seconds = time_mode(mode, model, prompts, new_tokens, args.repeats)
            except torch.OutOfMemoryError:
                print(f"{batch:>5} {mode:>14}  out of memory")
                torch.cuda.empty_cache()
                continue
            throughput = batch * new_tokens / seconds
            rows.append({"batch": batch, "mode": mode, "seconds": seconds, "tokens_per_s": throughput,
                         "roofline_tokens_per_s": roofline, "roofline_kv_tokens_per_s": roofline_kv})
            print(f"{batch:>5} {mode:>14} {seconds:>8.3f} {throughput:>9.0f} {roofline:>9.0f} {roofline_kv:>9.0f} "
                  f"{100 * throughput / roofline:>6.1f}%", flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"device": name, "dtype": str(dtype), "weights_bytes": weights, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    main()
