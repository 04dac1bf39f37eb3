"""The fast path's KV cache: preallocated per slot, written in place, rounded as it is written.

keys and values: [layers, slots, capacity, kv_heads, head_dim] each, allocated once; slot s holds one row's
prompt and generated tokens at positions 0..n-1. A decode step writes each slot's new entry at that slot's
own position (slots sit at different positions: continuous batching), and attends over the first T
positions of every slot with a per-slot mask. With a variant's KV scheme (runtime.kv) every entry is
rounded by that scheme's quantizer before it is stored, exactly once, as the quantizing transformers
caches of quant/kv.py do: prefill goes through such a cache (caches.make_cache) and is copied in already
rounded, decode writes round here. `off_grid_fraction` is the canary that proves it.
"""

from __future__ import annotations

import torch


class SlotCache:
    def __init__(self, *, layers: int, slots: int, capacity: int, kv_heads: int, head_dim: int,
                 dtype: torch.dtype, device: torch.device, quantizer=None):
        shape = (layers, slots, capacity, kv_heads, head_dim)
        self.keys = torch.zeros(shape, dtype=dtype, device=device)
        self.values = torch.zeros(shape, dtype=dtype, device=device)
        self.slots, self.capacity, self.kv_heads, self.head_dim = slots, capacity, kv_heads, head_dim
        self.quantizer = quantizer

    @property
    def bytes(self) -> int:
        return 2 * self.keys.numel() * self.keys.element_size()

    def fits(self, *, layers: int, slots: int, capacity: int, kv_heads: int, head_dim: int, dtype, device,
             quantizer) -> bool:
        return (self.keys.shape == (layers, slots, capacity, kv_heads, head_dim) and self.keys.dtype == dtype
                and self.keys.device == device and self.quantizer is quantizer)

    def write(self, layer: int, flat_index: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> None:
        """key, value [slots, kv_heads, head_dim]: slot s's entry goes to flat position flat_index[s]
        (= s * capacity + position)."""
        if self.quantizer is not None:
            key, value = self.quantizer.round(key), self.quantizer.round(value)
        flat = (-1, self.kv_heads, self.head_dim)
        self.keys[layer].view(flat).index_copy_(0, flat_index, key.to(self.keys.dtype))
        self.values[layer].view(flat).index_copy_(0, flat_index, value.to(self.values.dtype))

    def attended(self, layer: int, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values of the first `length` positions: [slots, kv_heads, length, head_dim] views."""
        return (self.keys[layer, :, :length].transpose(1, 2), self.values[layer, :, :length].transpose(1, 2))

    def load_prefill(self, cache, batch_rows: torch.Tensor, slots: torch.Tensor, length: int) -> None:
        """Copy a prefill's transformers cache (rows batch_rows, first `length` positions) into `slots`.
        The same prefill row may go to several slots: n samples of one prompt share one prefill."""
        for layer, stored in enumerate(cache.layers):
            keys = stored.keys[batch_rows, :, :length].transpose(1, 2)
            values = stored.values[batch_rows, :, :length].transpose(1, 2)
            self.keys[layer, :, :length].index_copy_(0, slots, keys.to(self.keys.dtype))
            self.values[layer, :, :length].index_copy_(0, slots, values.to(self.values.dtype))

    def off_grid_fraction(self, slot: int, length: int) -> float:
        """The canary: the fraction of slot's cached numbers (first `length` positions, every layer, keys and
        values) that rounding them again to the KV scheme's grid changes. Entries the scheme rounded are
        fixed points of it (min-max rounding maps a rounded group onto the same scale and zero point; an
        fp8 round trip is exact), up to a few ulps (the tolerance): about 0 for a cache that rounds as it writes,
        most entries for one that does not. -1.0 without a scheme (there is no grid)."""
        quantizer = self.quantizer
        if quantizer is None:
            return -1.0
        changed = total = 0
        # Re-rounding recomputes the scale from rounded extremes: a few ulps of noise, never half a step.
        rtol = max(1e-4, 2 * torch.finfo(self.keys.dtype).eps)
        for tensor in (self.keys, self.values):
            stored = tensor[:, slot, :length]  # [layers, tokens, kv_heads, head_dim]: groups along head_dim
            again = quantizer.round(stored)
            changed += int((~torch.isclose(again.float(), stored.float(), rtol=rtol, atol=1e-6)).sum())
            total += stored.numel()
        return changed / max(total, 1)
