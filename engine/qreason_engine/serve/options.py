"""Command-line options every model-opening subcommand shares, and building the generator and scorer."""

from __future__ import annotations

import argparse


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="Hugging Face model directory (or quantized variant)")
    parser.add_argument("--adapter", default=None,
                        help="PEFT LoRA adapter directory (qreason-engine train's output) applied over the model")
    parser.add_argument("--dtype", default="auto", help="fp32 | bf16 | fp16 | auto (bf16 on CUDA, fp32 on CPU)")
    parser.add_argument("--device", default="auto", help="cpu | cuda | cuda:N | auto")
    parser.add_argument("--max-batch-rows", type=int, default=64,
                        help="most sequences decoded at once (the fast generator's slots)")
    parser.add_argument("--generator", choices=("fast", "oracle"), default="fast",
                        help="fast (the default): slots with continuous batching, a per-slot static KV cache, CUDA "
                             "graphs on a GPU, one host sync per --sync-every tokens; JSON-constrained and log-prob "
                             "requests still run on the oracle. oracle: the reference loop, one batch at a time")
    parser.add_argument("--sync-every", type=int, default=16,
                        help="fast generator: decode steps between host syncs (a finished row waits at most this "
                             "many steps for its slot to be refilled)")
    parser.add_argument("--slot-tokens", type=int, default=0,
                        help="fast generator: tokens per slot to allocate at least (0: what the first requests need; "
                             "a later request needing more waits until the running ones finish)")
    parser.add_argument("--cache", choices=("dynamic", "static"), default=None,
                        help="oracle KV cache: dynamic (drops finished rows; the default) or static (--compile's)")
    parser.add_argument("--compile", action="store_true",
                        help="oracle: compile the decode step with CUDA graphs (static cache; first batches are slow)")


def build_engine(args: argparse.Namespace):
    """(loaded model, generator, Scorer) for the parsed options: a FastGenerator (over a BatchGenerator for
    what it leaves to the oracle) unless --generator oracle."""
    from pathlib import Path

    from ..errors import EngineError

    if not Path(args.model).is_dir():  # before importing torch: a typo should not cost seconds
        raise EngineError("E_NOT_FOUND", f"model directory not found: {args.model}")
    if args.adapter is not None and not Path(args.adapter).is_dir():
        raise EngineError("E_NOT_FOUND", f"adapter directory not found: {args.adapter}", field="adapter")
    from ..generate import BatchGenerator
    from ..score import Scorer
    from .loading import open_model

    if args.compile and args.cache == "dynamic":
        raise EngineError("E_USAGE", "--compile needs the static cache: drop --cache dynamic")
    args.cache = args.cache or ("static" if args.compile else "dynamic")
    loaded = open_model(args.model, dtype=args.dtype, device=args.device, adapter=args.adapter)
    generator = BatchGenerator(loaded.model, loaded.tokenizer, max_batch_rows=args.max_batch_rows,
                               cache=args.cache, compile=args.compile)
    if getattr(args, "generator", "fast") == "fast":
        from ..generate.fast import FastGenerator

        generator = FastGenerator(loaded.model, loaded.tokenizer, slots=args.max_batch_rows, chunk=args.sync_every,
                                  min_capacity=args.slot_tokens, oracle=generator)
    return loaded, generator, Scorer(loaded.model, loaded.tokenizer)
