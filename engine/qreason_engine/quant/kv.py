"""KV-cache quantization: keys and values are rounded when they are written to the cache.

The attention modules of every supported family call `cache.update(key, value, layer_idx, ...)` with keys
after RoPE (and after Qwen3's k-norm) and attend over what it returns. The quantizing caches here are
transformers `DynamicCache` / `StaticCache` subclasses whose `update` rounds the new entries before the
parent stores them: every later step reads the rounded values, and an entry is rounded exactly once
(re-rounding the whole cache at every step would drift). They are passed in as the model's cache through
the public argument (`caches.make_cache`): by the decode loop, by teacher-forced scoring (so scoring sees
what decoding sees) and by the quantization pipeline's statistics pass. `batch_select_indices`, sliding-
window layers and everything else are the parent's.

Formats: integer 8/4 bits, asymmetric min-max per token and head (optionally in groups along the head
dimension); fp8 e4m3 round trip with scale 1, as vLLM's `kv_cache_dtype=fp8` without calibrated scales.
While gradients flow (training through a quantized base) the rounding is a straight-through estimator.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import DynamicCache, StaticCache

from ..errors import EngineError
from .grid import fake_quantize_fp8_e4m3, fake_quantize_groups


def straight_through(x: torch.Tensor, rounded: torch.Tensor) -> torch.Tensor:
    """rounded in the forward pass; the identity's gradient in the backward pass (when one is taken)."""
    if torch.is_grad_enabled() and x.requires_grad:
        return x + (rounded - x).detach()
    return rounded


@dataclass(frozen=True)
class KVQuantizer:
    kv_bits: int | str
    group_size: int = -1

    def __call__(self, states: torch.Tensor) -> torch.Tensor:
        """states [batch, heads, tokens, head_dim] -> the same, rounded, in the same dtype."""
        return straight_through(states, self.round(states))

    def round(self, states: torch.Tensor) -> torch.Tensor:
        if self.kv_bits == "fp8_e4m3":
            return fake_quantize_fp8_e4m3(states)
        return fake_quantize_groups(states, int(self.kv_bits), self.group_size, symmetric=False).to(states.dtype)

    @property
    def label(self) -> str:
        group = f", kv_group_size {self.group_size}" if self.kv_bits in (8, 4) and self.group_size != -1 else ""
        return f"kv_bits {self.kv_bits}{group}"

    def check_head_dim(self, head_dim: int) -> None:
        if self.kv_bits in (8, 4) and self.group_size != -1 and head_dim % self.group_size:
            raise EngineError("E_QUANT", f"kv_group_size {self.group_size} does not divide the head dimension "
                              f"{head_dim}", field="kv_group_size")


class _Quantizing:
    """Mixin for a transformers Cache: new keys and values are rounded before the cache stores them."""

    kv_quantizer: KVQuantizer

    def update(self, key_states, value_states, layer_idx, *args, **kwargs):
        quantizer = self.kv_quantizer
        return super().update(quantizer(key_states), quantizer(value_states), layer_idx, *args, **kwargs)


class KVQuantizingDynamicCache(_Quantizing, DynamicCache):
    def __init__(self, quantizer: KVQuantizer, config):
        super().__init__(config=config)
        self.kv_quantizer = quantizer


class KVQuantizingStaticCache(_Quantizing, StaticCache):
    def __init__(self, quantizer: KVQuantizer, config, max_cache_len: int):
        super().__init__(config=config, max_cache_len=max_cache_len)
        self.kv_quantizer = quantizer


def quantizing_cache(quantizer: KVQuantizer, config, kind: str = "dynamic", max_len: int | None = None):
    if kind == "static":
        if max_len is None:
            raise ValueError("a static cache needs max_len")
        return KVQuantizingStaticCache(quantizer, config, max_len)
    if kind != "dynamic":
        raise ValueError(f"unknown cache kind {kind!r}")
    return KVQuantizingDynamicCache(quantizer, config)


def head_dim_of(attention) -> int:
    head_dim = getattr(attention, "head_dim", None)
    if head_dim is None:
        raise EngineError("E_QUANT", f"{type(attention).__name__} has no head_dim: KV quantization unsupported")
    return int(head_dim)
