"""KV-cache quantization: keys and values are rounded when they are written to the cache.

The attention modules of every supported family call `past_key_values.update(key, value, layer_idx)` with
keys after RoPE (and after Qwen3's k-norm) and receive back the whole cache, which attention then reads.
A forward pre-hook on each attention module wraps its cache in `QuantizingCache`, whose `update` rounds the
new entries before they are stored: every later step reads the rounded values, and an entry is rounded
exactly once (re-rounding the whole cache at every step would drift). Without a cache (use_cache=False,
teacher-forced scoring) the wrapper rounds and returns the entries, so scoring sees what decoding sees.

Formats: integer 8/4 bits, asymmetric min-max per token and head (optionally in groups along the head
dimension); fp8 e4m3 round trip with scale 1, as vLLM's `kv_cache_dtype=fp8` without calibrated scales.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..errors import EngineError
from .grid import fake_quantize_fp8_e4m3, fake_quantize_groups


@dataclass(frozen=True)
class KVQuantizer:
    kv_bits: int | str
    group_size: int = -1

    def __call__(self, states: torch.Tensor) -> torch.Tensor:
        """states [batch, heads, tokens, head_dim] -> the same, rounded, in the same dtype."""
        if self.kv_bits == "fp8_e4m3":
            return fake_quantize_fp8_e4m3(states)
        return fake_quantize_groups(states, int(self.kv_bits), self.group_size, symmetric=False).to(states.dtype)

    def check_head_dim(self, head_dim: int) -> None:
        if self.kv_bits in (8, 4) and self.group_size != -1 and head_dim % self.group_size:
            raise EngineError("E_QUANT", f"kv_group_size {self.group_size} does not divide the head dimension "
                              f"{head_dim}", field="kv_group_size")


class QuantizingCache:
    """Stands in for a transformers Cache (or for no cache) inside one attention call."""

    def __init__(self, inner, quantizer: KVQuantizer):
        self._inner = inner
        self._quantizer = quantizer

    def update(self, key_states, value_states, layer_idx, *args, **kwargs):
        key_states = self._quantizer(key_states)
        value_states = self._quantizer(value_states)
        if self._inner is None:
            return key_states, value_states
        return self._inner.update(key_states, value_states, layer_idx, *args, **kwargs)

    def __getattr__(self, name):
        if self._inner is None:
            raise AttributeError(name)
        return getattr(self._inner, name)


def _cache_keyword(kwargs: dict) -> str:
    # transformers 5 says past_key_values; 4.x attention modules took past_key_value.
    return "past_key_value" if "past_key_value" in kwargs else "past_key_values"


def install_kv_quantization(attention: nn.Module, quantizer: KVQuantizer):
    """Hook one attention module; returns the removable handle."""
    head_dim = getattr(attention, "head_dim", None)
    if head_dim is None:
        raise EngineError("E_QUANT", f"{type(attention).__name__} has no head_dim: KV quantization unsupported")
    quantizer.check_head_dim(head_dim)

    def wrap_cache(module, args, kwargs):
        keyword = _cache_keyword(kwargs)
        kwargs[keyword] = QuantizingCache(kwargs.get(keyword), quantizer)
        return args, kwargs

    return attention.register_forward_pre_hook(wrap_cache, with_kwargs=True)
