"""Tiny random models of each supported family, built from configs with no download.

Used by the engine's tests, by the TypeScript tests (GGUF export equivalence) through
`python -m qreason_engine.tiny --family llama --out DIR`, and as shapes for speed benchmarks.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

FAMILIES = ("llama", "qwen2", "qwen3", "mistral")

_CORPUS = [
    "Step 1: Tom has 3 apples and buys 4 more, so 3 + 4 = 7.",
    "Step 2: He gives 2 away, so 7 - 2 = 5. The answer is \\boxed{5}.",
    "Question: What is 12 * 7? Answer: 84",
    "The quick brown fox jumps over the lazy dog 0123456789 + - * / = ( ) { } \\frac \\sqrt",
]


def make_tokenizer(vocab_size: int = 384):
    """A byte-level BPE tokenizer trained on a fixed corpus: deterministic, offline, with a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<|bos|>", "<|eos|>", "<|pad|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(_CORPUS * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<|bos|>", eos_token="<|eos|>",
                                   pad_token="<|pad|>")
    fast.chat_template = (
        "{% for message in messages %}<|bos|>{{ message['role'] }}\n{{ message['content'] }}<|eos|>\n"
        "{% endfor %}{% if add_generation_prompt %}<|bos|>assistant\n{% endif %}")
    return fast


def make_config(family: str, vocab_size: int, *, hidden: int = 64, layers: int = 2, heads: int = 4,
                kv_heads: int = 2, intermediate: int = 128):
    from transformers import LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config

    common = dict(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=intermediate,
                  num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv_heads,
                  max_position_embeddings=512, rms_norm_eps=1e-6, tie_word_embeddings=False,
                  bos_token_id=0, eos_token_id=1, pad_token_id=2)
    if family == "llama":
        return LlamaConfig(**common)
    if family == "qwen2":
        return Qwen2Config(**common)
    if family == "qwen3":
        return Qwen3Config(**common, head_dim=hidden // heads)
    if family == "mistral":
        return MistralConfig(**common, sliding_window=None)
    raise ValueError(f"unknown family {family!r}; choose one of {FAMILIES}")


def make_tiny_model(family: str, out_dir: str | Path, *, seed: int = 0, dtype: torch.dtype = torch.float32,
                    **shape) -> Path:
    """Write a random model of `family` in HF layout (config, safetensors, tokenizer) to `out_dir`."""
    from transformers import AutoModelForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = make_tokenizer()
    config = make_config(family, len(tokenizer), **shape)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config).to(dtype)
    # Random init with std 0.02 gives near-uniform outputs; a larger scale gives the peaked, outlier-bearing
    # distributions that make quantization differences (and greedy decoding) meaningful in tests.
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() == 2:
                param.normal_(0.0, 0.15)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a tiny random HF causal LM (for tests).")
    parser.add_argument("--family", choices=FAMILIES, default="llama")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args()
    print(make_tiny_model(args.family, args.out, seed=args.seed, hidden=args.hidden, layers=args.layers))


if __name__ == "__main__":
    main()
