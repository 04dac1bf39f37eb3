"""The fast path's model forward over slots: one new token per slot, each slot at its own position.

It calls the model's own modules (embedding, projections, rotary embedding, MLP, lm_head) in the order the
Llama-family decoder layers do, so weights on a quantization grid and activation-rounding hooks on the
Linears act exactly as in the transformers forward. Ours: attention (each slot's new key and value are
written at its position in the SlotCache, rounded there for a KV scheme, and the slot attends over
positions 0..its position). Two modes:
- exact (fused=False): the model's own norms, rotary module and Linears, SDPA with one additive mask per
  step; keys and values are bit-identical to the transformers forward before a KV scheme rounds them (a
  scheme's rounding turns an ulp of difference into a different code now and then: fp32 parity of
  KV-quantized variants with the oracle holds only here).
- fused (default), to launch fewer kernels per step (a decode step of a 1B model is hundreds of small
  kernels): F.rms_norm (one kernel instead of eight), cos/sin looked up in a table of the rotary module's
  own values and applied as x*cos + roll(x)*sin' (the arithmetic of rotate_half) to q and k in one pass,
  q/k/v and gate/up as one GEMM each where the Linears are plain (fused_weights.py), and on a GPU the
  Triton kernels of decode_kernels.py: the KV write with the rounding inside, attention over each slot's
  used positions only. Same math, other rounding (an ulp).
Unquantized fp32 tokens equal the oracle's either way. Grouped-query attention needs no copy of the cache:
the query heads that share a KV head become that head's query rows.

Families: llama, qwen2, qwen3 (q/k norms), mistral, without a sliding window shorter than the cache.
`unsupported_reason` says why another model must use the oracle path.
"""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F

from . import decode_gemm, decode_kernels, kernel_checks
from .fused_weights import FusedProjections

FAMILIES = ("llama", "qwen2", "qwen3", "mistral")
# Their RMSNorm modules compute weight * (x * rsqrt(mean(x^2) + eps)); F.rms_norm is the same in one kernel.
RMS_NORMS = ("LlamaRMSNorm", "Qwen2RMSNorm", "Qwen3RMSNorm", "MistralRMSNorm")
SILU = ("SiLU", "SiLUActivation")  # the activations decode_kernels.silu_mul computes


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
        self.fused_weights = FusedProjections(self.base.layers) if fused else None
        self._table = None
        device = model.lm_head.weight.device
        # The Triton kernels (GPU, fused mode): KV write and attention over each slot's used positions.
        self.kernels_wanted = fused and decode_kernels.available(device) and decode_kernels.supports(self.head_dim, self.group)
        self.kernels = False  # until prepare() has checked them against their eager references
        self.pdl = False  # the decode's Triton kernels launched with programmatic dependent launch (prepare)
        self._warned = False
        self._pdl_warned = False
        # Per decode projection ("qkv", "o", "gate_up", "down"): the Triton split-K configuration chosen for
        # this slot count, or None (cuBLAS); see _choose_gemms.
        self._gemms: dict[str, tuple | None] = {}
        self._gemm_slots: int | None = None

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
        in the model's dtype (the caller converts them to float32 where it samples)."""
        if self.fused:
            return self._decode_fused(tokens, positions, cache, length)
        slots = tokens.shape[0]
        hidden = self.base.embed_tokens(tokens[:, None])  # [slots, 1, hidden], as the transformers forward has it
        cos, sin = self.base.rotary_emb(hidden, positions[:, None])  # [slots, 1, head_dim]
        mask = self._mask(positions, length, hidden.dtype)
        flat_index = torch.arange(slots, device=tokens.device) * cache.capacity + positions
        out_shape = (slots, 1, self.heads * self.head_dim)
        for index, layer in enumerate(self.base.layers):
            attention = layer.self_attn
            x = layer.input_layernorm(hidden)
            q = attention.q_proj(x).view(slots, self.heads, self.head_dim)
            k = attention.k_proj(x).view(slots, self.kv_heads, self.head_dim)
            v = attention.v_proj(x).view(slots, self.kv_heads, self.head_dim)
            if hasattr(attention, "q_norm"):
                q, k = attention.q_norm(q), attention.k_norm(k)
            q, k = self.apply_rotary(q[:, :, None, :], k[:, :, None, :], cos, sin)  # [slots, heads, 1, head_dim]
            cache.write(index, flat_index, k[:, :, 0], v)
            out = self._sdpa(q, cache, index, length, mask, attention.scaling)
            hidden = hidden + attention.o_proj(out.reshape(out_shape))
            hidden = hidden + layer.mlp(layer.post_attention_layernorm(hidden))
        hidden = self.base.norm(hidden)
        return self.model.lm_head(hidden.view(slots, -1))

    @staticmethod
    def _mask(positions: torch.Tensor, length: int, dtype: torch.dtype) -> torch.Tensor:
        visible = torch.arange(length, device=positions.device)[None, :] <= positions[:, None]
        mask = torch.zeros(visible.shape, dtype=dtype, device=positions.device)
        return mask.masked_fill(~visible, float("-inf"))[:, None, None, :]

    def _sdpa(self, q, cache, index, length, mask, scale) -> torch.Tensor:
        """Attention of q [slots, heads, 1, head_dim] over the first `length` positions through SDPA and the
        additive mask: the query heads of one KV head become that head's query rows."""
        slots = q.shape[0]
        keys, values = cache.attended(index, length)
        grouped = q.reshape(slots, self.kv_heads, self.group, self.head_dim)
        return F.scaled_dot_product_attention(grouped, keys, values, attn_mask=mask, scale=scale)

    # -- the fused decode ---------------------------------------------------------------------------------

    def prepare(self, capacity: int, device: torch.device, dtype: torch.dtype, slots: int | None = None) -> bool:
        """Before a generation: the rotary table for `capacity` positions, the fused weight groups and (GPU,
        `slots` rows) which GEMM kernel each decode projection uses. True when something the captured
        decode graphs use changed (they must be captured again)."""
        changed = False
        if self.fused:
            if self.kernels_wanted:
                problem = kernel_checks.verified(device, dtype)
                if problem is not None and not self._warned:
                    print(f"qreason-engine: fast path keeps its eager decode ({problem})", file=sys.stderr, flush=True)
                    self._warned = True
                changed |= self.kernels != (problem is None)
                self.kernels = problem is None
                pdl = self.kernels and decode_kernels.pdl_wanted(device)
                if pdl:
                    problem = kernel_checks.pdl_verified(device, dtype)
                    if problem is not None and not self._pdl_warned:
                        print(f"qreason-engine: decode kernels launched without PDL ({problem})", file=sys.stderr,
                              flush=True)
                        self._pdl_warned = True
                    pdl = problem is None
                changed |= pdl != self.pdl
                self.pdl = pdl
            changed |= self.fused_weights.refresh()
            if self.kernels and slots is not None:
                gemms = self._choose_gemms(slots)
                changed |= gemms != self._gemms or slots != self._gemm_slots
                self._gemms, self._gemm_slots = gemms, slots
            if self._table is None or self._table[0].shape[0] < capacity or self._table[0].dtype != dtype:
                self._table = self._rotary_table(capacity, device, dtype)
                changed = True
        return changed

    def _projection_weights(self) -> dict[str, list[torch.Tensor] | None]:
        """Each decode projection's weight in every layer, where every layer's is a plain bias-free matmul
        (fused q/k/v and gate/up groups, plain o_proj and down_proj Linears); None where one is not."""
        from .fused_weights import _plain

        layers = self.base.layers
        groups = {"qkv": [self.fused_weights.qkv[i] for i in range(self.layers)],
                  "gate_up": [self.fused_weights.gate_up[i] for i in range(self.layers)]}
        found: dict[str, list[torch.Tensor] | None] = {}
        for name, items in groups.items():
            ok = all(g is not None and g.weight is not None and g.bias is None for g in items)
            found[name] = [g.weight for g in items] if ok else None
        for name, get in (("o", lambda l: l.self_attn.o_proj), ("down", lambda l: getattr(l.mlp, "down_proj", None))):
            modules = [get(l) for l in layers]
            ok = all(m is not None and _plain([m]) and m.bias is None for m in modules)
            found[name] = [m.weight for m in modules] if ok else None
        head = self.model.lm_head
        found["lm_head"] = [head.weight] if _plain([head]) and head.bias is None else None
        return found

    def _choose_gemms(self, slots: int) -> dict[str, tuple | None]:
        """The decode's skinny GEMMs (M = slots): cuBLAS or a Triton split-K kernel whose partials the next
        kernel sums, whichever this GPU runs faster for this shape (decode_gemm.gemm_choice times both);
        "silu": the gate/up GEMM with silu(gate) * up in its epilogue where that beats the pair."""
        chosen = {}
        found = self._projection_weights()
        for name, weights in found.items():
            # lm_head's consumers (sampling, argmax) take one [slots, vocab] tensor, not split-K partials.
            chosen[name] = None if weights is None else decode_gemm.gemm_choice(
                name, weights, slots, splits_allowed=name != "lm_head", log=decode_kernels.GEMM_LOG.append,
                pdl=self.pdl)
        silu = found["gate_up"] is not None and all(type(l.mlp.act_fn).__name__ in SILU for l in self.base.layers)
        chosen["silu"] = decode_gemm.silu_choice(found["gate_up"], slots, chosen["gate_up"],
                                                 log=decode_kernels.GEMM_LOG.append, pdl=self.pdl) if silu else None
        weight = self.model.lm_head.weight
        chosen["attend_stages"] = decode_kernels.attend_stages_choice(
            slots, self.heads, self.kv_heads, self.head_dim, weight.dtype, weight.device, self.pdl)
        return chosen

    def _project(self, name: str, weight: torch.Tensor, x: torch.Tensor, linear) -> torch.Tensor:
        """One decode projection: the chosen Triton kernel (an output or split-K partials) or `linear`."""
        config = self._gemms.get(name)
        if config is None or x.shape[0] != self._gemm_slots:
            return linear(x)
        return decode_gemm.gemm(x, weight, config, self.pdl)

    def _rotary_table(self, capacity: int, device: torch.device, dtype: torch.dtype):
        """cos and the signed sin (rotate_half folded in) of every position, as the model's rotary module
        computes them per position (one table lookup per step instead of its kernels). Not for RoPE types
        whose frequencies depend on the sequence length (dynamic, longrope): those call the module."""
        rope = getattr(self.base.rotary_emb, "rope_type", "default")
        if rope in ("dynamic", "longrope"):
            return None
        probe = torch.zeros((1, capacity, self.head_dim), dtype=dtype, device=device)
        cos, sin = self.base.rotary_emb(probe, torch.arange(capacity, device=device)[None])
        half = self.head_dim // 2
        return cos[0], torch.cat([-sin[0, :, :half], sin[0, :, half:]], dim=-1)

    def _rotary(self, positions: torch.Tensor, like: torch.Tensor):
        if self._table is not None:
            return self._table[0][positions][:, None], self._table[1][positions][:, None]  # [slots, 1, head_dim]
        cos, sin = self.base.rotary_emb(like, positions[:, None])
        half = self.head_dim // 2
        return cos, torch.cat([-sin[..., :half], sin[..., half:]], dim=-1)

    def _decode_fused(self, tokens: torch.Tensor, positions: torch.Tensor, cache, length: int) -> torch.Tensor:
        """The same decode with fewer kernels: 2-D activations [slots, hidden] (a 3-D [slots, 1, hidden] Linear
        input is a different, on the CPU far slower, kernel), F.rms_norm, the rotary table and
        x*cos + roll(x)*sin', q/k/v and gate/up each one GEMM where the Linears are plain, and on a GPU the
        Triton kernels: the embedding lookup with the first norm and each residual add with the RMSNorm
        after it, the rotary embedding and KV write (rounding inside) with the attention over each slot's
        used positions, and where this GPU runs them faster than cuBLAS the split-K projections whose
        partials those kernels sum and the gate/up GEMM with silu(gate) * up inside (decode_kernels.py, decode_gemm.py)."""
        return self._project("lm_head", self.model.lm_head.weight, self._decode_hidden(tokens, positions, cache, length),
                             self.model.lm_head)

    def decode_greedy(self, cache, length: int, state: decode_kernels.DecodeState) -> None:
        """A greedy decode step on the GPU kernels (self.kernels): the fused decode of state.tokens at
        state.positions, the argmax of its logits, and the step's bookkeeping in the argmax's last kernel
        (decode_kernels.argmax_merge: tokens, chunk output row, positions, step counts; not the counter).
        Where lm_head runs as a one-split streaming kernel its epilogue takes the argmax's first stage, so
        the logits are never stored."""
        x = self._decode_hidden(state.tokens, state.positions, cache, length)
        head = self.model.lm_head
        config = self._gemms.get("lm_head")
        if config is not None and len(config) == 9 and config[3] == 1 and not (config[6] or config[7]) \
                and x.shape[0] == self._gemm_slots:
            values, index = decode_gemm.gemm_argmax(x, head.weight, config, self.pdl)
            decode_kernels.argmax_merge(values, index, self.pdl, state)
        else:
            decode_kernels.argmax(self._project("lm_head", head.weight, x, head), self.pdl, state)

    def _embed_norm(self, tokens: torch.Tensor, add_norm: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """The hidden states of tokens and the first layer's norm of them: one kernel where the embedding
        is a plain lookup (no hooks: a variant's may act on it) and the norms are the Triton ones."""
        embedding, norm = self.base.embed_tokens, self.base.layers[0].input_layernorm
        module = torch.nn.modules.module
        hooked = (embedding._forward_hooks or embedding._forward_pre_hooks or module._global_forward_hooks
                  or module._global_forward_pre_hooks)
        if add_norm and type(embedding) is torch.nn.Embedding and embedding.max_norm is None and not hooked:
            return decode_kernels.embed_rms_norm(tokens, embedding.weight, norm.weight, norm.variance_epsilon, self.pdl)
        hidden = embedding(tokens)
        return hidden, self._norm(norm, hidden)

    def _decode_hidden(self, tokens: torch.Tensor, positions: torch.Tensor, cache, length: int) -> torch.Tensor:
        """_decode_fused up to lm_head: the final norm of every slot's hidden state [slots, hidden]."""
        slots = tokens.shape[0]
        add_norm = self.kernels and self.fused_norms  # residual add + RMSNorm as one kernel
        hidden, x = self._embed_norm(tokens, add_norm)
        dtype = hidden.dtype
        one_kernel = self.kernels and cache.kernel_mode is not None and self._table is not None
        cos = signed_sin = None
        if not one_kernel or any(hasattr(l.self_attn, "q_norm") for l in self.base.layers[:1]) or \
                any(g.weight is None for g in self.fused_weights.qkv):
            cos, signed_sin = self._rotary(positions, hidden.view(slots, 1, -1))
        mask = None if self.kernels else self._mask(positions, length, hidden.dtype)
        q_width = self.heads * self.head_dim
        layers = self.base.layers
        for index, layer in enumerate(layers):
            attention = layer.self_attn
            fused = self.fused_weights.qkv[index]
            if one_kernel and fused.weight is not None and not hasattr(attention, "q_norm"):
                # Rotary embedding of q and k, KV rounding, the cache write and the attention: one kernel
                # where the batch fills the GPU with one attention split per (slot, KV head), else two.
                qkv = self._project("qkv", fused.weight, x, fused)
                out = decode_kernels.rotary_attend(qkv, self._table[0], self._table[1], positions, cache.kv[index],
                                                   self.heads, self.kv_heads, cache.kernel_mode, length,
                                                   attention.scaling, dtype, self.pdl,
                                                   stages=self._gemms.get("attend_stages"))
            else:
                q = self._attention_input(index, layer, x, positions, cos, signed_sin, cache, fused)
                if self.kernels:
                    out = decode_kernels.attend(q, cache.kv[index], positions, length, attention.scaling,
                                                pdl=self.pdl)
                else:
                    out = self._sdpa(q[:, :, None, :], cache, index, length, mask, attention.scaling)
            out = out.reshape(slots, q_width)
            attended = self._project("o", attention.o_proj.weight, out, attention.o_proj)
            hidden, x = self._add_norm(add_norm, hidden, attended, layer.post_attention_layernorm)
            gate_up = self.fused_weights.gate_up[index]
            silu = self._gemms.get("silu")
            if gate_up is not None and gate_up.weight is not None and silu is not None and \
                    x.shape[0] == self._gemm_slots:
                inner = decode_gemm.gemm_silu(x, gate_up.weight, silu, self.pdl)
                mlp = self._project("down", layer.mlp.down_proj.weight, inner, layer.mlp.down_proj)
            elif gate_up is not None and gate_up.weight is not None:
                both = self._project("gate_up", gate_up.weight, x, gate_up)
                if self.kernels and type(layer.mlp.act_fn).__name__ in SILU:
                    inner = decode_kernels.silu_mul(both, dtype, self.pdl)
                else:
                    both = decode_kernels.dense(both, dtype)
                    width = layer.mlp.gate_proj.out_features
                    inner = layer.mlp.act_fn(both[:, :width]) * both[:, width:]
                mlp = self._project("down", layer.mlp.down_proj.weight, inner, layer.mlp.down_proj)
            else:
                mlp = layer.mlp(x)
            after = layers[index + 1].input_layernorm if index + 1 < len(layers) else self.base.norm
            hidden, x = self._add_norm(add_norm, hidden, mlp, after)
        return x

    def _add_norm(self, one_kernel: bool, hidden: torch.Tensor, addend: torch.Tensor, norm):
        """(hidden + addend, norm(hidden + addend)): one Triton kernel (hidden updated in place), or the
        eager add and norm. addend may be split-K partials."""
        if one_kernel:
            return decode_kernels.add_rms_norm(hidden, addend, norm.weight, norm.variance_epsilon, self.pdl)
        hidden = hidden + decode_kernels.dense(addend, hidden.dtype)
        return hidden, self._norm(norm, hidden)

    def _attention_input(self, index, layer, x, positions, cos, signed_sin, cache, fused) -> torch.Tensor:
        """q rotated [slots, heads, head_dim]; the rotated key and the value written to the cache."""
        attention = layer.self_attn
        slots = x.shape[0]
        half = self.head_dim // 2
        q_width, kv_width = self.heads * self.head_dim, self.kv_heads * self.head_dim
        if fused.weight is not None:
            qkv = fused(x)
            q, k, v = qkv[:, :q_width], qkv[:, q_width:q_width + kv_width], qkv[:, q_width + kv_width:]
        else:
            q, k, v = attention.q_proj(x), attention.k_proj(x), attention.v_proj(x)
        v = v.view(slots, self.kv_heads, self.head_dim)
        if fused.weight is not None and not hasattr(attention, "q_norm"):
            # q and k side by side in the GEMM's output: one rotary pass over both.
            qk = qkv[:, :q_width + kv_width].view(slots, self.heads + self.kv_heads, self.head_dim)
            qk = torch.addcmul(qk * cos, qk.roll(half, dims=-1), signed_sin)
            q, k = qk[:, :self.heads], qk[:, self.heads:]
        else:
            q, k = q.view(slots, self.heads, self.head_dim), k.view(slots, self.kv_heads, self.head_dim)
            if hasattr(attention, "q_norm"):
                q, k = self._norm(attention.q_norm, q), self._norm(attention.k_norm, k)
            q = torch.addcmul(q * cos, q.roll(half, dims=-1), signed_sin)
            k = torch.addcmul(k * cos, k.roll(half, dims=-1), signed_sin)
        if self.kernels and cache.kernel_mode is not None:
            decode_kernels.write_kv(cache.kv[index], k, v, positions, cache.kernel_mode)
        else:
            cache.write(index, torch.arange(slots, device=positions.device) * cache.capacity + positions, k, v)
        return q

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

    def can_prefill_fused(self) -> bool:
        return self.fused and self._table is not None

    def prefill_fused(self, prompts: list[list[int]], cache, batch_rows: torch.Tensor, slots: torch.Tensor,
                      pad_id: int) -> torch.Tensor:
        """The fused mode's prefill: right-padded prompts through the same fused pieces as the decode
        (F.rms_norm, the rotary table, one GEMM for q/k/v and for gate/up, silu(gate)*up in one kernel on a
        GPU) and causal SDPA, with each layer's keys and values rounded to the KV scheme (as the
        quantizing cache rounds them: attention sees the rounded entries) and written straight into the
        slots (prompt row batch_rows[i] into slot slots[i]) instead of a transformers cache copied over.
        Returns each prompt's next-token logits [prompts, vocab] (float32)."""
        device = self.model.lm_head.weight.device
        rows, longest = len(prompts), max(len(p) for p in prompts)
        # Padded on the host, one copy to the device (not one per prompt).
        ids = torch.tensor([list(p) + [pad_id] * (longest - len(p)) for p in prompts], dtype=torch.long).to(device)
        hidden = self.base.embed_tokens(ids).view(rows * longest, -1)  # [tokens, hidden]
        # Each prompt row in exactly one slot (no n-sample sharing): the rotary kernel writes the slot itself.
        row_slots = None
        if batch_rows.numel() == rows:
            row_slots = torch.empty(rows, dtype=slots.dtype, device=device).scatter_(0, batch_rows, slots)
        cos, signed_sin = self._table[0][:longest, None], self._table[1][:longest, None]  # [T, 1, head_dim]
        half = self.head_dim // 2
        q_width, kv_width = self.heads * self.head_dim, self.kv_heads * self.head_dim
        quantizer = cache.quantizer
        add_norm = self.kernels and self.fused_norms
        layers = self.base.layers
        x = self._norm(layers[0].input_layernorm, hidden)
        for index, layer in enumerate(layers):
            attention = layer.self_attn
            fused = self.fused_weights.qkv[index]
            if fused.weight is not None:
                qkv = fused(x)
                if self.kernels and cache.kernel_mode is not None and not hasattr(attention, "q_norm"):
                    # Rotary embedding of q and k and the KV rounding in place, one kernel, which also writes
                    # the keys and values into the slots where each prompt row has one.
                    decode_kernels.rotary_rows(qkv, self._table[0], self._table[1], longest, self.heads,
                                               self.kv_heads, cache.kernel_mode,
                                               None if row_slots is None else cache.kv[index], row_slots)
                    rotated = True
                else:
                    rotated = False
                q, k, v = qkv[..., :q_width], qkv[..., q_width:q_width + kv_width], qkv[..., q_width + kv_width:]
            else:
                q, k, v = attention.q_proj(x), attention.k_proj(x), attention.v_proj(x)
                rotated = False
            q = q.reshape(rows, longest, self.heads, self.head_dim)
            k = k.reshape(rows, longest, self.kv_heads, self.head_dim)
            v = v.reshape(rows, longest, self.kv_heads, self.head_dim)
            if not rotated:
                if hasattr(attention, "q_norm"):
                    q, k = self._norm(attention.q_norm, q), self._norm(attention.k_norm, k)
                q = torch.addcmul(q * cos, q.roll(half, dims=-1), signed_sin)
                k = torch.addcmul(k * cos, k.roll(half, dims=-1), signed_sin)
                if quantizer is not None:
                    k, v = quantizer.round(k), quantizer.round(v)
            if not (rotated and row_slots is not None):
                cache.kv[index, 0, :, :longest].index_copy_(0, slots, k[batch_rows].to(cache.kv.dtype))
                cache.kv[index, 1, :, :longest].index_copy_(0, slots, v[batch_rows].to(cache.kv.dtype))
            out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                                 is_causal=True, scale=attention.scaling,
                                                 enable_gqa=self.group > 1)
            attended = attention.o_proj(out.transpose(1, 2).reshape(rows * longest, q_width))
            hidden, x = self._add_norm(add_norm, hidden, attended, layer.post_attention_layernorm)
            gate_up = self.fused_weights.gate_up[index]
            if gate_up is not None and gate_up.weight is not None:
                both = gate_up(x)
                if self.kernels and type(layer.mlp.act_fn).__name__ in SILU:
                    inner = decode_kernels.silu_mul(both)
                else:
                    width = layer.mlp.gate_proj.out_features
                    inner = layer.mlp.act_fn(both[..., :width]) * both[..., width:]
                mlp = layer.mlp.down_proj(inner)
            else:
                mlp = layer.mlp(x)
            after = layers[index + 1].input_layernorm if index + 1 < len(layers) else None
            if after is None:  # the final norm only on each prompt's last token (the logits it needs)
                hidden = hidden + mlp
            else:
                hidden, x = self._add_norm(add_norm, hidden, mlp, after)
        hidden = hidden.view(rows, longest, -1)
        last = torch.tensor([len(p) - 1 for p in prompts], device=device)
        hidden = self._norm(self.base.norm, hidden[torch.arange(rows, device=device), last])
        return self.model.lm_head(hidden).float()
