"""Generation throughput on a randomly initialised Llama-3.2-1B-shaped model (random token ids, no
tokenizer): the oracle generator (today's loop), the fast generator, HF `generate` with a static cache, the
weight+KV read roofline and a plain-kernel floor.

    python -m qreason_engine.bench.generate --tiny                      # CPU smoke test of every section
    python -m qreason_engine.bench.generate --bandwidth 4.8e12          # GPU (H200): every section
    python -m qreason_engine.bench.generate --sections fixed --batches 64 --modes ours-fast

Sections (--sections, comma-separated; each runs on its own, an error in one is printed and the rest run):
- check: on a small fp32 model with peaked outputs, the oracle, the fast generator (twice: the second call
  replays its CUDA graphs) and HF generate agree on greedy tokens for mixed prompt lengths.
- fixed: batches of --batches prompts of --prompt-tokens + --new-tokens (ignore_eos), tokens/s of
  ours-old (the oracle, dynamic cache), ours-fast, hf-static (and, asked for by --modes, ours-fast-exact:
  the model's own norm and rotary modules; ours-fast-compiled: with torch.compile); beside them the roofline + KV (a decode step
  reads every weight once plus the KV cache at the mean context: batch x bandwidth / bytes) and the floor:
  only the weight matmuls and SDPA of each decode step at the mean context, no model around them
  (floor-eager as kernel launches, floor-graph replayed as one CUDA graph).
- long: --long-requests requests, output lengths drawn uniformly from [--long-min, --long-max] (seed
  --seed), ignore_eos with per-request max_tokens: the fast generator on all of them with --long-slots
  slots; the oracle on the first --old-requests of the same draws (its fixed batches take as long as
  their longest row, so its rate on one batch is its rate on the whole workload) at --old-batch rows.
- quant: the fast generator at --quant-batches on bf16, KV int8 / int4 / fp8 e4m3 (the variant scheme's
  rounding in the slot cache) and fake-quant W4 (RTN, groups of 128, weights rounded in place: dense
  weights on a grid).
- profile (not in the default list): at --quant-batches, after a fast-path generation of the fixed shape,
  one decode step at its last position: milliseconds per step eager and replayed as a CUDA graph (fused
  and exact modes), and torch.profiler's kernel table of one eager fused step (GPU time by kernel; the
  difference between the graph's step and the kernels' sum is launch gaps).

Throughput = generated tokens / wall time of the whole call (prefill included), after one warm-up call of
the same shape (which pays for graph capture and compilation). --json writes every row.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import traceback

import torch

from ..generate import BatchGenerator, GenerationRequest, SamplingParams
from ..generate.fast import FastGenerator
from .shapes import LLAMA_32_1B, build_model

TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            intermediate_size=128, vocab_size=512, tie_word_embeddings=True, max_position_embeddings=8192)

SECTIONS = ("check", "fixed", "long", "quant", "profile")
MODES = ("ours-old", "ours-fast", "ours-fast-exact", "ours-fast-compiled", "hf-static", "floor")
DEFAULT_MODES = ("ours-old", "ours-fast", "hf-static", "floor")


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


def timed(call, device: torch.device, warmup: bool = True) -> float:
    if warmup:
        call()
    synchronize(device)
    start = time.perf_counter()
    call()
    synchronize(device)
    return time.perf_counter() - start


def requests_for(prompts: list[list[int]], lengths: list[int]) -> list[GenerationRequest]:
    return [GenerationRequest(prompt_ids=tuple(p), params=SamplingParams(max_tokens=n, ignore_eos=True))
            for p, n in zip(prompts, lengths)]


def run_generator(generator, requests: list[GenerationRequest]) -> int:
    results = generator.generate(requests)
    made = sum(c.completion_tokens for r in results for c in r.completions)
    wanted = sum(r.params.max_tokens for r in requests)
    assert made == wanted, f"{made} tokens generated, {wanted} asked for"
    return made


def run_hf(model, prompts: torch.Tensor, new_tokens: int) -> None:
    out = model.generate(prompts, attention_mask=torch.ones_like(prompts), max_new_tokens=new_tokens,
                         min_new_tokens=new_tokens, do_sample=False, cache_implementation="static",
                         pad_token_id=model.config.pad_token_id)
    assert out.shape[1] == prompts.shape[1] + new_tokens


# -- the plain-kernel floor -----------------------------------------------------------------------------------

def floor_step_seconds(model, batch: int, context: int, graph: bool, repeats: int = 20) -> float:
    """Seconds of one decode step's weight matmuls (every Linear and the lm_head) and SDPA over `context`
    cached tokens, for `batch` rows, with nothing else: no norms, rotary, residuals or sampling."""
    config = model.config
    device = next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    head_dim = config.hidden_size // heads
    layers = model.model.layers
    x = torch.randn(batch, config.hidden_size, device=device, dtype=dtype)
    keys = torch.randn(batch, kv_heads, context, head_dim, device=device, dtype=dtype)
    values = torch.randn_like(keys)
    weights = [(l.self_attn.q_proj.weight, l.self_attn.k_proj.weight, l.self_attn.v_proj.weight,
                l.self_attn.o_proj.weight, l.mlp.gate_proj.weight, l.mlp.up_proj.weight, l.mlp.down_proj.weight)
               for l in layers]
    head = model.lm_head.weight

    def step():
        for wq, wk, wv, wo, wg, wu, wd in weights:
            q = (x @ wq.T).view(batch, kv_heads, heads // kv_heads, head_dim)
            x @ wk.T
            x @ wv.T
            attention = torch.nn.functional.scaled_dot_product_attention(q, keys, values)
            attention.reshape(batch, -1) @ wo.T
            g = x @ wg.T
            u = x @ wu.T
            (g * u) @ wd.T  # the elementwise product stands in for the activation: one small kernel
        x @ head.T

    with torch.inference_mode():
        step()
        if graph and device.type == "cuda":
            captured = torch.cuda.CUDAGraph()
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                step()
            torch.cuda.current_stream().wait_stream(side)
            with torch.cuda.graph(captured):
                step()
            run = captured.replay
        else:
            run = step
        run()
        synchronize(device)
        start = time.perf_counter()
        for _ in range(repeats):
            run()
        synchronize(device)
    return (time.perf_counter() - start) / repeats


# -- sections ------------------------------------------------------------------------------------------------

def section_check(args, device) -> list[dict]:
    """Greedy agreement of every generator with HF generate per prompt, on a peaked fp32 model."""
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
    rows = []
    requests = requests_for(prompts, [new_tokens] * len(prompts))
    for name, generator in (("ours-old", BatchGenerator(model, None, max_batch_rows=len(prompts))),
                            ("ours-fast", FastGenerator(model, None, slots=4, chunk=8))):
        for attempt in range(2):
            got = [list(r.completions[0].token_ids) for r in generator.generate(requests)]
            bad = [i for i, (a, b) in enumerate(zip(got, expected)) if a != b]
            status = "ok" if not bad else f"MISMATCH on prompts {bad}"
            print(f"# check {name} call {attempt + 1}: greedy vs HF generate per prompt: {status}", flush=True)
            rows.append({"section": "check", "mode": name, "call": attempt + 1, "ok": not bad})
    return rows


def section_fixed(args, device, model) -> list[dict]:
    weights, kv_token = weight_bytes(model), kv_bytes_per_token(model)
    prompt_tokens, new_tokens = args.prompt_tokens, args.new_tokens
    mean_context = prompt_tokens + new_tokens / 2
    print(f"\n## fixed shape: {prompt_tokens} prompt + {new_tokens} new tokens, tokens/s "
          f"(roofline+KV at {args.bandwidth:.3g} B/s)")
    print(f"{'batch':>5} {'mode':>12} {'seconds':>8} {'tok/s':>9} {'roof+KV':>9} {'% roof+KV':>9}")
    rows = []
    generator = torch.Generator().manual_seed(args.seed)
    for batch in args.batches:
        prompts = torch.randint(3, model.config.vocab_size, (batch, prompt_tokens), generator=generator)
        requests = requests_for(prompts.tolist(), [new_tokens] * batch)
        roofline_kv = batch * args.bandwidth / (weights + batch * mean_context * kv_token)
        for mode in args.modes:
            try:
                if mode == "ours-old":
                    old = BatchGenerator(model, None, max_batch_rows=batch)
                    seconds = timed(lambda: run_generator(old, requests), device)
                elif mode in ("ours-fast", "ours-fast-exact", "ours-fast-compiled"):
                    ours = FastGenerator(model, None, slots=batch, chunk=args.chunk, compile=mode.endswith("compiled"),
                                         fused=not mode.endswith("exact"))
                    seconds = timed(lambda: run_generator(ours, requests), device)
                    print(f"# {mode} decode GEMMs at batch {batch}: {ours.forward._gemms if ours.forward else None}")
                    _GEMM_SEEN[0] = print_gemm_log(_GEMM_SEEN[0])  # the timings behind those choices
                    del ours
                elif mode == "hf-static":
                    on_device = prompts.to(device)
                    seconds = timed(lambda: run_hf(model, on_device, new_tokens), device)
                elif mode.startswith("floor"):
                    for graph in ((False, True) if device.type == "cuda" else (False,)):
                        step = floor_step_seconds(model, batch, int(mean_context), graph)
                        name = "floor-graph" if graph else "floor-eager"
                        throughput = batch / step
                        rows.append({"section": "fixed", "batch": batch, "mode": name, "step_seconds": step,
                                     "tokens_per_s": throughput, "roofline_kv_tokens_per_s": roofline_kv})
                        print(f"{batch:>5} {name:>12} {step * new_tokens:>8.3f} {throughput:>9.0f} "
                              f"{roofline_kv:>9.0f} {100 * throughput / roofline_kv:>8.1f}%", flush=True)
                    continue
                else:
                    raise ValueError(f"unknown mode {mode!r}")
            except Exception as error:  # noqa: BLE001 - one mode failing must not lose the others
                print(f"{batch:>5} {mode:>12}  FAILED: {type(error).__name__}: {error}", flush=True)
                traceback.print_exc()
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                continue
            throughput = batch * new_tokens / seconds
            rows.append({"section": "fixed", "batch": batch, "mode": mode, "seconds": seconds,
                         "tokens_per_s": throughput, "roofline_kv_tokens_per_s": roofline_kv})
            print(f"{batch:>5} {mode:>12} {seconds:>8.3f} {throughput:>9.0f} {roofline_kv:>9.0f} "
                  f"{100 * throughput / roofline_kv:>8.1f}%", flush=True)
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return rows


def long_workload(args, vocab: int) -> tuple[list[list[int]], list[int]]:
    rng = random.Random(args.seed)
    lengths = [rng.randint(args.long_min, args.long_max) for _ in range(args.long_requests)]
    prompts = [[rng.randrange(3, vocab) for _ in range(args.prompt_tokens)] for _ in range(args.long_requests)]
    return prompts, lengths


def section_long(args, device, model) -> list[dict]:
    prompts, lengths = long_workload(args, model.config.vocab_size)
    print(f"\n## long outputs: {len(prompts)} requests, {args.prompt_tokens} prompt tokens, output lengths "
          f"uniform in [{args.long_min}, {args.long_max}] (seed {args.seed}; mean {sum(lengths) / len(lengths):.0f})")
    rows = []
    for mode in ("ours-fast", "ours-old"):
        try:
            if mode == "ours-fast":
                count = len(prompts)
                longest = args.prompt_tokens + args.long_max
                generator = FastGenerator(model, None, slots=args.long_slots, chunk=args.chunk, min_capacity=longest)
                # Warm-up, as a server's start would: allocate the slot cache, capture every length's graph.
                warm = time.perf_counter()
                graphs = generator.prepare_graphs(longest)
                print(f"# fast warm-up: {graphs} decode graphs captured in {time.perf_counter() - warm:.1f} s", flush=True)
            else:
                count = min(args.old_requests, len(prompts))
                generator = BatchGenerator(model, None, max_batch_rows=args.old_batch)
            requests = requests_for(prompts[:count], lengths[:count])
            synchronize(device)
            start = time.perf_counter()
            tokens = run_generator(generator, requests)
            synchronize(device)
            seconds = time.perf_counter() - start
        except Exception as error:  # noqa: BLE001 - report and go on
            print(f"{mode:>10}  FAILED: {type(error).__name__}: {error}", flush=True)
            traceback.print_exc()
            continue
        extra = ""
        if mode == "ours-fast":
            extra = f" slots {args.long_slots}; {generator.stats}"
        else:
            extra = f" batch {args.old_batch}"
        row = {"section": "long", "mode": mode, "requests": count, "tokens": tokens, "seconds": seconds,
               "tokens_per_s": tokens / seconds}
        rows.append(row)
        print(f"{mode:>10} {count:>4} requests {tokens:>8} tokens {seconds:>8.2f} s {tokens / seconds:>9.0f} tok/s"
              f"{extra}", flush=True)
        del generator
        if device.type == "cuda":
            torch.cuda.empty_cache()
    rates = {r["mode"]: r["tokens_per_s"] for r in rows}
    if len(rates) == 2:
        print(f"# long-output speed-up, fast over old: {rates['ours-fast'] / rates['ours-old']:.2f}x")
    return rows


def round_weights_w4(model, group_size: int = 128) -> dict:
    """RTN W4 (asymmetric, groups along the input dimension) of every decoder Linear, in place; returns
    the original weights so they can be put back."""
    from ..quant.grid import fake_quantize_groups

    saved = {}
    with torch.no_grad():
        for name, module in model.model.layers.named_modules():
            if isinstance(module, torch.nn.Linear):
                saved[name] = module.weight.detach().clone()
                group = min(group_size, module.weight.shape[1])
                module.weight.copy_(fake_quantize_groups(module.weight, 4, group, symmetric=False))
    return saved


def restore_weights(model, saved: dict) -> None:
    with torch.no_grad():
        for name, module in model.model.layers.named_modules():
            if name in saved:
                module.weight.copy_(saved[name])


def section_quant(args, device, model) -> list[dict]:
    from ..quant.kv import KVQuantizer
    from ..quant.runtime import RuntimeSchemes

    print(f"\n## quantized schemes in the fast path: {args.prompt_tokens} prompt + {args.new_tokens} new tokens")
    print(f"{'batch':>5} {'scheme':>10} {'seconds':>8} {'tok/s':>9} {'vs bf16':>8}")
    rows = []
    generator = torch.Generator().manual_seed(args.seed)
    for batch in args.quant_batches:
        prompts = torch.randint(3, model.config.vocab_size, (batch, args.prompt_tokens), generator=generator)
        requests = requests_for(prompts.tolist(), [args.new_tokens] * batch)
        base = None
        for scheme in ("bf16", "kv-int8", "kv-int4", "kv-fp8", "w4-rtn"):
            schemes = saved = None
            try:
                if scheme.startswith("kv-"):
                    bits = {"kv-int8": 8, "kv-int4": 4, "kv-fp8": "fp8_e4m3"}[scheme]
                    schemes = RuntimeSchemes(kv=KVQuantizer(bits))
                    schemes.attach(model)
                elif scheme == "w4-rtn":
                    saved = round_weights_w4(model)
                ours = FastGenerator(model, None, slots=batch, chunk=args.chunk)
                seconds = timed(lambda: run_generator(ours, requests), device)
                if scheme.startswith("kv-"):
                    offgrid = ours.cache.off_grid_fraction(0, args.prompt_tokens + args.new_tokens - 1)
                    print(f"# {scheme} canary: fraction of slot 0's cached numbers off the grid: {offgrid:.4f}")
            except Exception as error:  # noqa: BLE001
                print(f"{batch:>5} {scheme:>10}  FAILED: {type(error).__name__}: {error}", flush=True)
                traceback.print_exc()
                continue
            finally:
                if schemes is not None:
                    schemes.remove()
                if saved is not None:
                    restore_weights(model, saved)
            throughput = batch * args.new_tokens / seconds
            base = base or (throughput if scheme == "bf16" else None)
            ratio = f"{100 * throughput / base:>7.1f}%" if base else "      -"
            rows.append({"section": "quant", "batch": batch, "scheme": scheme, "seconds": seconds,
                         "tokens_per_s": throughput})
            print(f"{batch:>5} {scheme:>10} {seconds:>8.3f} {throughput:>9.0f} {ratio}", flush=True)
            del ours
            if device.type == "cuda":
                torch.cuda.empty_cache()
    return rows


def _step_ms(generator, length: int, graph: bool, repeats: int = 20) -> float:
    device = generator.device
    state = [generator.tokens, generator.positions, generator.steps, generator.counter]
    saved = [t.clone() for t in state]

    def one():
        if graph:
            generator.graphs.run(("profile", length), lambda: generator._step(length, False, False), state)
        else:
            generator._step(length, False, False)
        generator.counter.zero_()

    one()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        one()
    synchronize(device)
    for tensor, value in zip(state, saved):
        tensor.copy_(value)
    return 1000 * (time.perf_counter() - start) / repeats


def gemm_layouts(model, batch: int, device) -> list[dict]:
    """Microseconds and bytes/s of the decode's GEMM shapes at `batch` rows, the weight stored [out, in]
    (as nn.Linear holds it) and [in, out] (its transpose contiguous): cuBLAS picks other kernels for each."""
    config = model.config
    dtype = next(model.parameters()).dtype
    hidden, inner = config.hidden_size, config.intermediate_size
    kv = config.num_key_value_heads * hidden // config.num_attention_heads
    shapes = {"qkv": (hidden + 2 * kv, hidden), "o": (hidden, hidden), "gate_up": (2 * inner, hidden),
              "down": (hidden, inner), "lm_head": (config.vocab_size, hidden)}
    rows = []
    for name, (out, into) in shapes.items():
        weight = torch.randn(out, into, device=device, dtype=dtype)
        x = torch.randn(batch, into, device=device, dtype=dtype)
        for layout, w in (("[out,in]", weight), ("[in,out]", weight.t().contiguous().t())):
            graph = torch.cuda.CUDAGraph()
            torch.nn.functional.linear(x, w)
            with torch.cuda.graph(graph):
                for _ in range(10):
                    torch.nn.functional.linear(x, w)
            graph.replay()
            synchronize(device)
            start = time.perf_counter()
            for _ in range(10):
                graph.replay()
            synchronize(device)
            us = (time.perf_counter() - start) / 100 * 1e6
            rate = weight.numel() * weight.element_size() / (us * 1e-6)
            print(f"# gemm {name:>7} [{batch}x{into}]x[{into}x{out}] weight {layout}: {us:7.1f} us, {rate / 1e12:.2f} TB/s")
            rows.append({"section": "profile", "batch": batch, "gemm": name, "layout": layout, "us": us})
        del weight
    return rows


def attention_splits(model, batch: int, device) -> list[dict]:
    """Microseconds per layer of the decode attention kernel over every layer's cache, per split size, at
    attended lengths 384 (the fixed shape's mean) and 512 (its last step); every slot at the last position."""
    from ..generate import decode_kernels

    config = model.config
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    head_dim = config.hidden_size // heads
    layers = config.num_hidden_layers
    kv = torch.randn((layers, 2, batch, 512, kv_heads, head_dim), device=device, dtype=torch.bfloat16)
    q = torch.randn((batch, heads, head_dim), device=device, dtype=torch.bfloat16)
    rows = []
    for length in (384, 512):
        positions = torch.full((batch,), length - 1, dtype=torch.long, device=device)
        kv_bytes = batch * length * kv_heads * head_dim * 2 * 2
        cells = []
        for split in (64, 128, 256, 512):
            ms = decode_kernels._graph_ms(lambda: [decode_kernels.attend(q, kv[i], positions, length, 0.125, split)
                                                   for i in range(layers)])
            us = ms * 1000 / layers
            cells.append(f"split {split}: {us:.1f} us ({kv_bytes / (us * 1e-6) / 1e12:.2f} TB/s)")
            rows.append({"section": "profile", "batch": batch, "attention_length": length, "split": split, "us": us})
        print(f"# attention b{batch} length {length}: " + ", ".join(cells), flush=True)
        cells = []
        for block_n, warps, stages in ((64, 4, 2), (64, 4, 3), (64, 4, 4), (128, 4, 2), (32, 2, 3)):
            ms = decode_kernels._graph_ms(lambda: [decode_kernels.attend(q, kv[i], positions, length, 0.125, None,
                                                                         block_n, warps, stages) for i in range(layers)])
            us = ms * 1000 / layers
            cells.append(f"block {block_n} warps {warps} stages {stages}: {us:.1f} us")
            rows.append({"section": "profile", "batch": batch, "attention_length": length, "block_n": block_n,
                         "warps": warps, "stages": stages, "us": us})
        print(f"# attention b{batch} length {length}, default split: " + ", ".join(cells), flush=True)
    del kv
    return rows


def prefill_profile(model, generator, prompts: list[list[int]], device, rows_per_forward: int) -> list[dict]:
    """Seconds of the fused prefill of `prompts` into the generator's slots (as _admit runs it, chunks of
    rows_per_forward prompts), its kernel table, and causal SDPA with grouped-query heads vs expanded KV."""
    from torch.profiler import ProfilerActivity, profile

    forward, cache = generator.forward, generator.cache
    chunks = [list(range(i, min(i + rows_per_forward, len(prompts)))) for i in range(0, len(prompts), rows_per_forward)]

    def run_all():
        for chunk in chunks:
            index = torch.tensor(chunk, device=device)
            forward.prefill_fused([prompts[i] for i in chunk], cache, torch.arange(len(chunk), device=device), index,
                                  generator.pad_id)

    with torch.inference_mode():
        run_all()
        synchronize(device)
        start = time.perf_counter()
        run_all()
        synchronize(device)
        seconds = time.perf_counter() - start
        print(f"# prefill of {len(prompts)} x {len(prompts[0])} tokens ({len(chunks)} forwards): {seconds:.4f} s",
              flush=True)
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            run_all()
            synchronize(device)
        events = [e for e in prof.key_averages() if e.device_time_total > 0]
        events.sort(key=lambda e: -e.self_device_time_total)
        total = sum(e.self_device_time_total for e in events) / 1000
        print(f"# prefill kernels: {total:.2f} ms of GPU time")
        for e in events[:14]:
            print(f"  {e.self_device_time_total / 1000:8.3f} ms {e.count:5d}x  {e.key[:110]}")
        config = model.config
        heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
        head_dim = config.hidden_size // heads
        t = len(prompts[0])
        q = torch.randn((rows_per_forward, heads, t, head_dim), device=device, dtype=torch.bfloat16)
        k = torch.randn((rows_per_forward, kv_heads, t, head_dim), device=device, dtype=torch.bfloat16)
        from ..generate import decode_kernels
        sdpa = torch.nn.functional.scaled_dot_product_attention
        gqa = decode_kernels._graph_ms(lambda: sdpa(q, k, k, is_causal=True, enable_gqa=True))
        wide = decode_kernels._graph_ms(lambda: sdpa(q, k.repeat_interleave(heads // kv_heads, 1),
                                                     k.repeat_interleave(heads // kv_heads, 1), is_causal=True))
        print(f"# prefill SDPA [{rows_per_forward}x{heads}x{t}x{head_dim}] causal: enable_gqa {gqa:.3f} ms, "
              f"expanded KV {wide:.3f} ms", flush=True)
    return [{"section": "profile", "mode": "prefill", "prompts": len(prompts), "seconds": seconds,
             "gpu_ms": total, "sdpa_gqa_ms": gqa, "sdpa_expanded_ms": wide}]


_GEMM_SEEN = [0]  # GEMM_LOG lines the fixed section has printed


def print_gemm_log(start: int) -> int:
    from ..generate import decode_kernels

    for line in decode_kernels.GEMM_LOG[start:]:
        print(f"# {line}", flush=True)
    return len(decode_kernels.GEMM_LOG)


def section_profile(args, device, model) -> list[dict]:
    from torch.profiler import ProfilerActivity, profile

    rows = []
    if device.type == "cuda":
        with torch.inference_mode():
            for batch in args.quant_batches:
                rows += gemm_layouts(model, batch, device)
                rows += attention_splits(model, batch, device)
                torch.cuda.empty_cache()
    generator = torch.Generator().manual_seed(args.seed)
    for batch in args.quant_batches:
        prompts = torch.randint(3, model.config.vocab_size, (batch, args.prompt_tokens), generator=generator)
        requests = requests_for(prompts.tolist(), [args.new_tokens] * batch)
        length = args.prompt_tokens + args.new_tokens
        print(f"\n## profile: batch {batch}, one decode step at position ~{length} (attended length {length})")
        for fused in (True, False):
            ours = FastGenerator(model, None, slots=batch, chunk=args.chunk, fused=fused)
            run_generator(ours, requests)
            print_gemm_log(0)
            if fused and device.type == "cuda":
                rows += prefill_profile(model, ours, prompts.tolist(), device, max(1, ours.prefill_tokens // args.prompt_tokens))
            with torch.inference_mode():
                ours.positions.fill_(length - 1)
                eager = _step_ms(ours, length, graph=False)
                graph = _step_ms(ours, length, graph=True) if device.type == "cuda" else float("nan")
            name = "fused" if fused else "exact"
            print(f"# {name}: {eager:.3f} ms/step eager, {graph:.3f} ms/step as a CUDA graph "
                  f"(= {batch / graph * 1000:.0f} tok/s of decode alone)", flush=True)
            rows.append({"section": "profile", "batch": batch, "mode": name, "eager_ms": eager, "graph_ms": graph})
            if fused and device.type == "cuda":
                with torch.inference_mode():
                    with profile(activities=[ProfilerActivity.CUDA]) as prof:
                        for _ in range(5):
                            ours._step(length, False, False)
                            ours.counter.zero_()
                        synchronize(device)
                events = [e for e in prof.key_averages() if e.device_time_total > 0]
                events.sort(key=lambda e: -e.device_time_total)
                total = sum(e.self_device_time_total for e in events) / 5 / 1000
                print(f"# kernels of one fused step: {total:.3f} ms of GPU time "
                      f"({sum(e.count for e in events) // 5} launches)")
                for e in events[:22]:
                    print(f"  {e.self_device_time_total / 5 / 1000:8.4f} ms {e.count // 5:5d}x  {e.key[:110]}")
                rows.append({"section": "profile", "batch": batch, "mode": "kernels", "gpu_ms": total})
            del ours
            if device.type == "cuda":
                torch.cuda.empty_cache()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", "--small", action="store_true", dest="tiny",
                        help="tiny shape and short workloads on the CPU: a smoke test of this script")
    parser.add_argument("--sections", default=",".join(SECTIONS[:4]),
                        help=f"comma-separated subset of {','.join(SECTIONS)} (default: all but profile)")
    parser.add_argument("--batches", default=None, help="fixed section batch sizes (default 1,64,256; --tiny 1,4)")
    parser.add_argument("--modes", default=None, help=f"fixed section modes, subset of {','.join(MODES)}")
    parser.add_argument("--prompt-tokens", type=int, default=None, help="default 256 (16 with --tiny)")
    parser.add_argument("--new-tokens", type=int, default=None, help="default 256 (16 with --tiny)")
    parser.add_argument("--chunk", type=int, default=16, help="fast path: decode steps between host syncs")
    parser.add_argument("--long-requests", type=int, default=None, help="default 512 (24 with --tiny)")
    parser.add_argument("--long-min", type=int, default=None, help="default 64 (4 with --tiny)")
    parser.add_argument("--long-max", type=int, default=None, help="default 4096 (48 with --tiny)")
    parser.add_argument("--long-slots", type=int, default=None, help="fast path slots (default 256; 8 with --tiny)")
    parser.add_argument("--old-requests", type=int, default=None, help="oracle's share of the long workload (64; 8)")
    parser.add_argument("--old-batch", type=int, default=64, help="oracle rows per batch (its serving default 64)")
    parser.add_argument("--quant-batches", default=None, help="quant section batch sizes (default 64,256; --tiny 4)")
    parser.add_argument("--bandwidth", type=float, default=4.8e12, help="HBM bytes/s (H200: 4.8e12, H100: 3.35e12)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="default cuda (cpu with --tiny)")
    parser.add_argument("--json", default=None, help="also write every row to this JSON file")
    args = parser.parse_args(argv)

    tiny = args.tiny
    device = torch.device(args.device or ("cpu" if tiny else "cuda"))
    dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    args.batches = [int(b) for b in (args.batches or ("1,4" if tiny else "1,64,256")).split(",")]
    args.quant_batches = [int(b) for b in (args.quant_batches or ("4" if tiny else "64,256")).split(",")]
    args.prompt_tokens = args.prompt_tokens or (16 if tiny else 256)
    args.new_tokens = args.new_tokens or (16 if tiny else 256)
    args.long_requests = args.long_requests or (24 if tiny else 512)
    args.long_min = args.long_min or (4 if tiny else 64)
    args.long_max = args.long_max or (48 if tiny else 4096)
    args.long_slots = args.long_slots or (8 if tiny else 256)
    args.old_requests = args.old_requests or (8 if tiny else 64)
    args.modes = args.modes.split(",") if args.modes else [m for m in DEFAULT_MODES if not (tiny and m == "hf-static")]
    sections = args.sections.split(",")
    for name in sections:
        if name not in SECTIONS:
            parser.error(f"unknown section {name!r}; choose from {','.join(SECTIONS)}")
    for mode in args.modes:
        if mode not in MODES:
            parser.error(f"unknown mode {mode!r}; choose from {','.join(MODES)}")

    import transformers

    # HF generate with a static cache compiles its forward per shape; the default limit of 8 graphs would
    # quietly turn later batch sizes into eager runs.
    config = torch._dynamo.config
    limit = "recompile_limit" if hasattr(config, "recompile_limit") else "cache_size_limit"
    setattr(config, limit, max(getattr(config, limit), 64))
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"# {name}; torch {torch.__version__}; transformers {transformers.__version__}; {dtype}", flush=True)
    rows: list[dict] = []
    model = None
    for section in sections:
        started = time.perf_counter()
        try:
            if section == "check":
                rows += section_check(args, device)
            else:
                if model is None:
                    model = build_model(TINY if tiny else LLAMA_32_1B, dtype, device)
                    print(f"# model: {'tiny' if tiny else 'Llama-3.2-1B shape'}, random weights; weights "
                          f"{weight_bytes(model) / 1e9:.3f} GB; KV {kv_bytes_per_token(model)} B/token", flush=True)
                rows += {"fixed": section_fixed, "long": section_long, "quant": section_quant,
                         "profile": section_profile}[section](args, device, model)
        except Exception as error:  # noqa: BLE001 - a section failing must not lose the others
            print(f"# section {section} FAILED: {type(error).__name__}: {error}", flush=True)
            traceback.print_exc()
        print(f"# section {section}: {time.perf_counter() - started:.1f} s", flush=True)
        if args.json:  # after every section: a later hang or kill keeps what was measured
            with open(args.json, "w") as handle:
                json.dump({"device": name, "dtype": str(dtype), "torch": torch.__version__,
                           "transformers": transformers.__version__, "args": vars(args), "rows": rows}, handle,
                          indent=2)


if __name__ == "__main__":
    main()
