"""The fast path's KV cache: preallocated per slot, written in place, rounded as it is written.

kv: [layers, 2, slots, capacity, kv_heads, head_dim], allocated once (keys at [:, 0], values at [:, 1]: one
write and one allocation for both); slot s holds one row's prompt and generated tokens at positions 0..n-1. A decode step writes each slot's new entry at that slot's
own position (slots sit at different positions: continuous batching), and attends over the first T
positions of every slot with a per-slot mask. With a variant's KV scheme (runtime.kv) every entry is
rounded by that scheme's quantizer before it is stored, exactly once, as the quantizing transformers
caches of quant/kv.py do: prefill goes through such a cache (caches.make_cache) and is copied in already
rounded, decode writes round here (the fused decode on a GPU rounds inside its write kernel,
decode_kernels.write_kv). `off_grid_fraction` is the canary that proves it.
"""

from __future__ import annotations

import torch

from . import decode_kernels


class SlotCache:
    def __init__(self, *, layers: int, slots: int, capacity: int, kv_heads: int, head_dim: int,
                 dtype: torch.dtype, device: torch.device, quantizer=None):
        self.kv = torch.zeros((layers, 2, slots, capacity, kv_heads, head_dim), dtype=dtype, device=device)
        self.slots, self.capacity, self.kv_heads, self.head_dim = slots, capacity, kv_heads, head_dim
        self.quantizer = quantizer
        # The GPU write kernel's rounding mode for this scheme (None: eager writes).
        self.kernel_mode = (decode_kernels.kv_mode(quantizer, head_dim) if decode_kernels.available(device)
                            and decode_kernels.supports(head_dim, 1) else None)

    @property
    def keys(self) -> torch.Tensor:
        """[layers, slots, capacity, kv_heads, head_dim] (a view)."""
        return self.kv[:, 0]

    @property
    def values(self) -> torch.Tensor:
        return self.kv[:, 1]

    @property
    def bytes(self) -> int:
        return self.kv.numel() * self.kv.element_size()

    def fits(self, *, layers: int, slots: int, capacity: int, kv_heads: int, head_dim: int, dtype, device,
             quantizer) -> bool:
        return (self.kv.shape == (layers, 2, slots, capacity, kv_heads, head_dim) and self.kv.dtype == dtype
                and self.kv.device == device and self.quantizer is quantizer)

    def write(self, layer: int, flat_index: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> None:
        """key, value [slots, kv_heads, head_dim]: slot s's entry goes to flat position flat_index[s]
        (= s * capacity + position). Keys and values are rounded together (groups run along head_dim, so
        stacking them changes no group) and stored by one index_copy_."""
        both = torch.stack([key, value])
        if self.quantizer is not None:
            both = self.quantizer.round(both)
        index = torch.cat([flat_index, flat_index + self.slots * self.capacity])
        self.kv[layer].view(-1, self.kv_heads, self.head_dim).index_copy_(
            0, index, both.to(self.kv.dtype).view(-1, self.kv_heads, self.head_dim))

    def attended(self, layer: int, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values of the first `length` positions: [slots, kv_heads, length, head_dim] views."""
        return (self.keys[layer, :, :length].transpose(1, 2), self.values[layer, :, :length].transpose(1, 2))

    def load_prefill(self, cache, batch_rows: torch.Tensor, slots: torch.Tensor, length: int) -> None:
        """Copy a prefill's transformers cache (rows batch_rows, first `length` positions) into `slots`.
        The same prefill row may go to several slots: n samples of one prompt share one prefill."""
        for layer, stored in enumerate(cache.layers):
            keys = stored.keys[batch_rows, :, :length].transpose(1, 2)
            values = stored.values[batch_rows, :, :length].transpose(1, 2)
            self.kv[layer, 0, :, :length].index_copy_(0, slots, keys.to(self.kv.dtype))
            self.kv[layer, 1, :, :length].index_copy_(0, slots, values.to(self.kv.dtype))

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
        rtol = max(1e-4, 2 * torch.finfo(self.kv.dtype).eps)
        for tensor in (self.keys, self.values):
            stored = tensor[:, slot, :length]  # [layers, tokens, kv_heads, head_dim]: groups along head_dim
            again = quantizer.round(stored)
            changed += int((~torch.isclose(again.float(), stored.float(), rtol=rtol, atol=1e-6)).sum())
            total += stored.numel()
        return changed / max(total, 1)
