"""The fast path's model forward over slots: one new token per slot, each slot at its own position.

It calls the model's own modules (embedding, norms, projections, rotary embedding, MLP, lm_head) in the
order the Llama-family decoder layers do, so weights on a quantization grid and activation-rounding hooks
on the Linears act exactly as in the transformers forward; only attention is ours: each slot's new key and
value are written at its position in the SlotCache (rounded there for a KV scheme) and the slot attends
over positions 0..its position. Grouped-query attention needs no copy of the cache: the query heads that
share a KV head become that head's query rows (q [slots, kv_heads, group, head_dim]).

Families: llama, qwen2, qwen3 (q/k norms), mistral, without a sliding window shorter than the cache.
`unsupported_reason` says why another model must use the oracle path.
"""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F

FAMILIES = ("llama", "qwen2", "qwen3", "mistral")


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

    def __init__(self, model):
        self.model = model
        self.base = model.model
        config = model.config
        attention = self.base.layers[0].self_attn
        self.head_dim = int(attention.head_dim)
        self.heads = int(config.num_attention_heads)
        self.kv_heads = int(getattr(config, "num_key_value_heads", None) or self.heads)
        self.group = self.heads // self.kv_heads
        self.layers = len(self.base.layers)
        self.apply_rotary = sys.modules[type(attention).__module__].apply_rotary_pos_emb

    def decode(self, tokens: torch.Tensor, positions: torch.Tensor, cache, length: int) -> torch.Tensor:
        """tokens, positions [slots] (long): each slot's last token and its position. Writes the new KV entry
        of every slot, attends over the first `length` positions; returns next-token logits [slots, vocab]
        (float32)."""
        slots = tokens.shape[0]
        hidden = self.base.embed_tokens(tokens[:, None])  # [slots, 1, hidden]
        cos, sin = self.base.rotary_emb(hidden, positions[:, None])
        visible = (torch.arange(length, device=tokens.device)[None, :] <= positions[:, None])[:, None, None, :]
        flat_index = torch.arange(slots, device=tokens.device) * cache.capacity + positions
        for index, layer in enumerate(self.base.layers):
            attention = layer.self_attn
            x = layer.input_layernorm(hidden)
            q = attention.q_proj(x).view(slots, 1, self.heads, self.head_dim)
            k = attention.k_proj(x).view(slots, 1, self.kv_heads, self.head_dim)
            v = attention.v_proj(x).view(slots, 1, self.kv_heads, self.head_dim)
            if hasattr(attention, "q_norm"):
                q, k = attention.q_norm(q), attention.k_norm(k)
            q, k = self.apply_rotary(q.transpose(1, 2), k.transpose(1, 2), cos, sin)
            cache.write(index, flat_index, k[:, :, 0], v[:, 0])
            keys, values = cache.attended(index, length)
            grouped = q.reshape(slots, self.kv_heads, self.group, self.head_dim)
            out = F.scaled_dot_product_attention(grouped, keys, values, attn_mask=visible, scale=attention.scaling)
            hidden = hidden + attention.o_proj(out.reshape(slots, 1, self.heads * self.head_dim))
            hidden = hidden + layer.mlp(layer.post_attention_layernorm(hidden))
        hidden = self.base.norm(hidden)
        return self.model.lm_head(hidden[:, 0]).float()

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
