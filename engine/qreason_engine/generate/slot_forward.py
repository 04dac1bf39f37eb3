"""The fast path's model forward over slots: one new token per slot, each slot at its own position.

It calls the model's own modules (embedding, projections, rotary embedding, MLP, lm_head) in the order the
Llama-family decoder layers do, so weights on a quantization grid and activation-rounding hooks on the
Linears act exactly as in the transformers forward. Ours, to launch fewer kernels per step (a decode step
of a 1B model is hundreds of small kernels): attention (each slot's new key and value are written at its
position in the SlotCache, rounded there for a KV scheme, and the slot attends over positions 0..its
position through one additive mask per step), the rotary embedding applied as x*cos + roll(x)*sin' (the
same arithmetic as rotate_half), and RMSNorm as F.rms_norm (one kernel instead of eight). Same math, not
the same rounding: with fused=False the norms and the rotary embedding are the model's own, so keys and
values are bit-identical to the transformers forward before a KV scheme rounds them (a scheme's rounding
turns an ulp of difference into a different code now and then: fp32 parity of KV-quantized variants with
the oracle holds only then). Unquantized fp32 tokens equal the oracle's either way. Grouped-query attention needs no copy of the cache: the query heads that
share a KV head become that head's query rows (q [slots, kv_heads, group, head_dim]).

Families: llama, qwen2, qwen3 (q/k norms), mistral, without a sliding window shorter than the cache.
`unsupported_reason` says why another model must use the oracle path.
"""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F

FAMILIES = ("llama", "qwen2", "qwen3", "mistral")
# Their RMSNorm modules compute weight * (x * rsqrt(mean(x^2) + eps)); F.rms_norm is the same in one kernel.
RMS_NORMS = ("LlamaRMSNorm", "Qwen2RMSNorm", "Qwen3RMSNorm", "MistralRMSNorm")


def _sliding_window(config) -> int | None:
    window = getattr(config, "sliding_window", None)
    if config.model_type == "qwen2" and not getattr(config, "use_sliding_window", False):
        return None
    return window


def unsupported_reason(model, capacity: int | None = None) -> str | None:
    config = getattr(model, "config", None)
    if config is None or getattr(config, "model_type", None) not in FAMILIES:
        return f"model type {getattr(config, 'model_type', None)!r} is not one of {', '.join(FAMILIES)}"
    base = getattr(model, "model", None)
    if base is None or not hasattr(base, "layers") or not hasattr(model, "lm_head"):
        return f"{type(model).__name__} is not a plain causal LM (model.model.layers, lm_head)"
    window = _sliding_window(config)
    if window is not None and capacity is not None and window < capacity:
        return f"sliding window {window} < {capacity} tokens"
    attention = base.layers[0].self_attn
    if not hasattr(attention, "head_dim") or not hasattr(attention, "scaling"):
        return f"{type(attention).__name__} has no head_dim/scaling"
    return None


class SlotForward:
    """Decode forward for `slots` slots over a SlotCache; also the batched prefill forward."""

    def __init__(self, model, *, fused: bool = True):
        self.model = model
        self.base = model.model
        config = model.config
        attention = self.base.layers[0].self_attn
        self.head_dim = int(attention.head_dim)
        self.heads = int(config.num_attention_heads)
        self.kv_heads = int(getattr(config, "num_key_value_heads", None) or self.heads)
        self.group = self.heads // self.kv_heads
        self.layers = len(self.base.layers)
        self.fused = fused
        self.fused_norms = fused and all(type(m).__name__ in RMS_NORMS for m in self._norms())
        self.apply_rotary = sys.modules[type(attention).__module__].apply_rotary_pos_emb

    def _norms(self):
        yield self.base.norm
        for layer in self.base.layers:
            yield layer.input_layernorm
            yield layer.post_attention_layernorm
            for name in ("q_norm", "k_norm"):
                if hasattr(layer.self_attn, name):
                    yield getattr(layer.self_attn, name)

    def _norm(self, module, x: torch.Tensor) -> torch.Tensor:
        if self.fused_norms:
            return F.rms_norm(x, (x.shape[-1],), module.weight, module.variance_epsilon)
        return module(x)

    def decode(self, tokens: torch.Tensor, positions: torch.Tensor, cache, length: int) -> torch.Tensor:
        """tokens, positions [slots] (long): each slot's last token and its position. Writes the new KV entry
        of every slot, attends over the first `length` positions; returns next-token logits [slots, vocab]
        (float32)."""
        slots = tokens.shape[0]
        # Fused: 2-D activations [slots, hidden] (a 3-D [slots, 1, hidden] Linear input is a different, on the
        # CPU far slower, kernel). Exact: [slots, 1, hidden], as the transformers forward has them.
        hidden = self.base.embed_tokens(tokens if self.fused else tokens[:, None])
        cos, sin = self.base.rotary_emb(hidden.view(slots, 1, -1), positions[:, None])  # [slots, 1, head_dim]
        half = self.head_dim // 2
        # rotate_half(x) * sin == roll(x, half) * (sin with its first half negated)
        cos4, signed_sin = cos[:, None], torch.cat([-sin[..., :half], sin[..., half:]], dim=-1)[:, None]
        visible = torch.arange(length, device=tokens.device)[None, :] <= positions[:, None]
        mask = torch.zeros(visible.shape, dtype=hidden.dtype, device=tokens.device)
        mask = mask.masked_fill(~visible, float("-inf"))[:, None, None, :]
        flat_index = torch.arange(slots, device=tokens.device) * cache.capacity + positions
        out_shape = (slots, self.heads * self.head_dim) if self.fused else (slots, 1, self.heads * self.head_dim)
        for index, layer in enumerate(self.base.layers):
            attention = layer.self_attn
            x = self._norm(layer.input_layernorm, hidden)
            q = attention.q_proj(x).view(slots, self.heads, self.head_dim)
            k = attention.k_proj(x).view(slots, self.kv_heads, self.head_dim)
            v = attention.v_proj(x).view(slots, self.kv_heads, self.head_dim)
            if hasattr(attention, "q_norm"):
                q, k = self._norm(attention.q_norm, q), self._norm(attention.k_norm, k)
            q, k = q[:, :, None, :], k[:, :, None, :]  # [slots, heads, 1, head_dim]
            if self.fused:
                q = torch.addcmul(q * cos4, q.roll(half, dims=-1), signed_sin)
                k = torch.addcmul(k * cos4, k.roll(half, dims=-1), signed_sin)
            else:
                q, k = self.apply_rotary(q, k, cos, sin)
            cache.write(index, flat_index, k[:, :, 0], v)
            keys, values = cache.attended(index, length)
            grouped = q.reshape(slots, self.kv_heads, self.group, self.head_dim)
            out = F.scaled_dot_product_attention(grouped, keys, values, attn_mask=mask, scale=attention.scaling)
            hidden = hidden + attention.o_proj(out.reshape(out_shape))
            hidden = hidden + layer.mlp(self._norm(layer.post_attention_layernorm, hidden))
        hidden = self._norm(self.base.norm, hidden)
        return self.model.lm_head(hidden.view(slots, -1)).float()

    def prefill(self, prompts: list[list[int]], cache, pad_id: int) -> torch.Tensor:
        """Run right-padded prompts through the transformers forward into `cache` (caches.make_cache: the
        variant's quantizing cache when it has a KV scheme); returns each prompt's next-token logits
        [prompts, vocab] (float32). Right padding needs no mask: causal attention keeps a prompt's tokens
        from seeing the padding after them."""
        from ..caches import cache_keyword

        device = self.model.lm_head.weight.device
        longest = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), longest), pad_id, dtype=torch.long, device=device)
        for i, prompt in enumerate(prompts):
            ids[i, :len(prompt)] = torch.tensor(prompt, dtype=torch.long, device=device)
        positions = torch.arange(longest, device=device)[None, :].expand(len(prompts), -1)
        out = self.base(input_ids=ids, position_ids=positions, use_cache=True, **{cache_keyword(self.base): cache})
        last = torch.tensor([len(p) - 1 for p in prompts], device=device)
        hidden = out.last_hidden_state[torch.arange(len(prompts), device=device), last]
        return self.model.lm_head(hidden).float()
