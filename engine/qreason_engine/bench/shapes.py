"""Model shapes the benchmarks share, and a random model of a shape (weights random is fine for speed)."""

from __future__ import annotations

import torch

LLAMA_32_1B = dict(hidden_size=2048, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
                   intermediate_size=8192, vocab_size=128256, tie_word_embeddings=True, rope_theta=500000.0,
                   max_position_embeddings=131072)


def build_model(shape: dict, dtype: torch.dtype, device: torch.device, **config_fields):
    """A seeded, randomly initialised Llama of `shape`, built directly on `device` (a 1B model in seconds)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(**shape, **{"bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 2, **config_fields})
    torch.manual_seed(0)
    with device:
        model = LlamaForCausalLM(config)
    return model.to(dtype).eval()
