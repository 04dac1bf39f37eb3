"""Triton kernels for the fast path's decode step on a GPU: attention over each slot's used KV prefix, and
the KV write (rounded to the variant's KV grid inside the same kernel).

- `attend`: flash-decoding. Each (slot, KV head, split of SPLIT positions) program reads only that slot's
  positions 0..position (the slot's own length, not the attended-length bucket), computes the scores of
  the `group` query heads that share the KV head (grouped-query attention without copying the cache),
  and keeps an online softmax; a second kernel merges the splits by their log-sum-exp. SDPA with an
  additive mask reads the whole bucket for every slot and launches mask arithmetic per step.
- `write_kv`: the new key and value of every slot written at the slot's position, in one kernel per layer;
  with a KV scheme the asymmetric min-max integer rounding (groups along the head dimension, the
  arithmetic of quant/grid.py: IEEE division, round half to even) or the fp8 e4m3 round trip happens in
  the kernel, instead of a dozen elementwise kernels per tensor.

These are used only by the fused decode on CUDA (slot_forward.py); the exact path (fused=False) and the CPU
keep SDPA and the eager rounding. Not bit-identical to those: the scores are summed in another order (an
ulp), which the fused mode's tests allow. `available()` is False without Triton or without CUDA.
"""

from __future__ import annotations

import torch

try:  # the GPU image has Triton; the CPU lock does not
    import triton
    import triton.language as tl

    try:
        from triton.language.extra import libdevice
    except ImportError:  # older layout
        from triton.language.extra.cuda import libdevice
except ImportError:  # pragma: no cover - exercised where Triton is absent (the CPU lock)
    triton = None


def available(device: torch.device) -> bool:
    return triton is not None and device.type == "cuda"


def _pow2(n: int) -> int:
    return 1 << max(0, (int(n) - 1).bit_length())


def supports(head_dim: int, group: int) -> bool:
    """Shapes these kernels handle: a power-of-two head dimension (16..256) and query group up to 64."""
    return 16 <= head_dim <= 256 and _pow2(head_dim) == head_dim and 1 <= group <= 64


def split_size(length: int) -> int:
    """Positions per attention split: short contexts in more, smaller splits (more programs to fill the GPU),
    long ones in larger splits (fewer partial results to merge)."""
    return 128 if length <= 1024 else 256


if triton is not None:

    @triton.jit
    def _attend_split(Q, KV, POS, PART_O, PART_L, limit, qk_scale,
                      stride_qs, stride_qh, stride_ks, stride_kp, stride_kh, v_offset,
                      KV_HEADS: tl.constexpr, SPLITS: tl.constexpr, GROUP: tl.constexpr, G_PAD: tl.constexpr,
                      HEAD_DIM: tl.constexpr, SPLIT: tl.constexpr, BLOCK_N: tl.constexpr, PRECISION: tl.constexpr):
        slot = tl.program_id(0).to(tl.int64)  # offsets past 2^31 elements in large caches
        head = tl.program_id(1)
        split = tl.program_id(2)
        length = tl.minimum(tl.load(POS + slot).to(tl.int32) + 1, limit)
        start = split * SPLIT
        if start < length:
            end = tl.minimum(start + SPLIT, length)
            g = tl.arange(0, G_PAD)
            d = tl.arange(0, HEAD_DIM)
            q = tl.load(Q + slot * stride_qs + (head * GROUP + g[:, None]) * stride_qh + d[None, :],
                        mask=g[:, None] < GROUP, other=0.0)
            m = tl.full([G_PAD], float("-inf"), tl.float32)
            total = tl.zeros([G_PAD], tl.float32)
            acc = tl.zeros([G_PAD, HEAD_DIM], tl.float32)
            base = KV + slot * stride_ks + head * stride_kh
            for n0 in range(start, end, BLOCK_N):
                n = n0 + tl.arange(0, BLOCK_N)
                valid = n < end
                k = tl.load(base + n[:, None] * stride_kp + d[None, :], mask=valid[:, None], other=0.0)
                s = tl.dot(q, tl.trans(k), input_precision=PRECISION) * qk_scale  # log2 units
                s = tl.where(valid[None, :], s, float("-inf"))
                m_new = tl.maximum(m, tl.max(s, 1))
                alpha = tl.exp2(m - m_new)
                p = tl.exp2(s - m_new[:, None])
                total = total * alpha + tl.sum(p, 1)
                v = tl.load(base + v_offset + n[:, None] * stride_kp + d[None, :], mask=valid[:, None], other=0.0)
                acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=PRECISION)
                m = m_new
            row = (slot * KV_HEADS + head) * SPLITS + split
            keep = g < GROUP
            tl.store(PART_O + (row * GROUP + g[:, None]) * HEAD_DIM + d[None, :], acc / total[:, None],
                     mask=keep[:, None])
            tl.store(PART_L + row * GROUP + g, m + tl.log2(total), mask=keep)

    @triton.jit
    def _attend_merge(PART_O, PART_L, POS, OUT, limit, stride_os, stride_oh,
                      KV_HEADS: tl.constexpr, SPLITS: tl.constexpr, GROUP: tl.constexpr, G_PAD: tl.constexpr,
                      HEAD_DIM: tl.constexpr, SPLIT: tl.constexpr):
        slot = tl.program_id(0).to(tl.int64)
        head = tl.program_id(1)
        length = tl.minimum(tl.load(POS + slot).to(tl.int32) + 1, limit)
        count = tl.cdiv(length, SPLIT)
        g = tl.arange(0, G_PAD)
        d = tl.arange(0, HEAD_DIM)
        keep = g < GROUP
        m = tl.full([G_PAD], float("-inf"), tl.float32)
        total = tl.zeros([G_PAD], tl.float32)
        acc = tl.zeros([G_PAD, HEAD_DIM], tl.float32)
        for split in range(0, count):
            row = (slot * KV_HEADS + head) * SPLITS + split
            lse = tl.load(PART_L + row * GROUP + g, mask=keep, other=0.0)
            o = tl.load(PART_O + (row * GROUP + g[:, None]) * HEAD_DIM + d[None, :], mask=keep[:, None], other=0.0)
            m_new = tl.maximum(m, lse)
            alpha = tl.exp2(m - m_new)
            w = tl.exp2(lse - m_new)
            acc = acc * alpha[:, None] + o * w[:, None]
            total = total * alpha + w
            m = m_new
        out = acc / total[:, None]
        tl.store(OUT + slot * stride_os + (head * GROUP + g[:, None]) * stride_oh + d[None, :],
                 out.to(OUT.dtype.element_ty), mask=keep[:, None])

    @triton.jit
    def _round_row(x, MODE: tl.constexpr, MAXQ: tl.constexpr, HEAD_DIM: tl.constexpr, GROUP_SIZE: tl.constexpr):
        # x: [HEAD_DIM] float32. MODE 0: as is; 1: asymmetric min-max integer grid per group; 2: fp8 e4m3.
        if MODE == 1:
            groups = tl.reshape(x, [HEAD_DIM // GROUP_SIZE, GROUP_SIZE])
            low = tl.minimum(tl.min(groups, 1), 0.0)
            high = tl.maximum(tl.max(groups, 1), 0.0)
            empty = (low == 0.0) & (high == 0.0)
            low = tl.where(empty, -1.0, low)
            high = tl.where(empty, 1.0, high)
            maxq = tl.full([HEAD_DIM // GROUP_SIZE], MAXQ, tl.float32)
            scale = tl.math.div_rn(high - low, maxq)
            zero = libdevice.rint(tl.math.div_rn(-low, scale))
            codes = libdevice.rint(tl.math.div_rn(groups, scale[:, None])) + zero[:, None]
            codes = tl.minimum(tl.maximum(codes, 0.0), maxq[:, None])
            x = tl.reshape(scale[:, None] * (codes - zero[:, None]), [HEAD_DIM])
        elif MODE == 2:
            x = tl.minimum(tl.maximum(x, -448.0), 448.0).to(tl.float8e4nv).to(tl.float32)
        return x

    @triton.jit
    def _write_kv(K, V, KV, POS, stride_k_s, stride_k_h, stride_v_s, stride_v_h, stride_cs, stride_cp, stride_ch,
                  v_offset, MODE: tl.constexpr, MAXQ: tl.constexpr, HEAD_DIM: tl.constexpr, GROUP_SIZE: tl.constexpr):
        slot = tl.program_id(0).to(tl.int64)
        head = tl.program_id(1)
        position = tl.load(POS + slot)
        d = tl.arange(0, HEAD_DIM)
        target = KV + slot * stride_cs + position * stride_cp + head * stride_ch + d
        key = tl.load(K + slot * stride_k_s + head * stride_k_h + d).to(tl.float32)
        key = _round_row(key, MODE, MAXQ, HEAD_DIM, GROUP_SIZE)
        # The quantizer returns the input's dtype and the cache stores its own: round through both.
        tl.store(target, key.to(K.dtype.element_ty).to(KV.dtype.element_ty))
        value = tl.load(V + slot * stride_v_s + head * stride_v_h + d).to(tl.float32)
        value = _round_row(value, MODE, MAXQ, HEAD_DIM, GROUP_SIZE)
        tl.store(target + v_offset, value.to(V.dtype.element_ty).to(KV.dtype.element_ty))


def kv_mode(quantizer, head_dim: int) -> tuple[int, float, int] | None:
    """(MODE, MAXQ, GROUP_SIZE) of `_write_kv` for a KV scheme, or None when the kernel cannot round it."""
    if quantizer is None:
        return 0, 1.0, head_dim
    bits = quantizer.kv_bits
    if bits == "fp8_e4m3":
        return 2, 1.0, head_dim
    if bits in (4, 8):
        size = head_dim if quantizer.group_size == -1 else int(quantizer.group_size)
        if head_dim % size or _pow2(size) != size:
            return None
        return 1, float(2 ** int(bits) - 1), size
    return None


def write_kv(kv: torch.Tensor, key: torch.Tensor, value: torch.Tensor, positions: torch.Tensor,
             mode: tuple[int, float, int]) -> None:
    """kv: one layer's cache [2, slots, capacity, kv_heads, head_dim]; key, value [slots, kv_heads, head_dim]
    (any strides with a unit last one); each slot's entry goes to its position."""
    slots, kv_heads, head_dim = key.shape
    keys = kv[0]
    _write_kv[(slots, kv_heads)](
        key, value, keys, positions, key.stride(0), key.stride(1), value.stride(0), value.stride(1),
        keys.stride(0), keys.stride(1), keys.stride(2), kv.stride(0),
        MODE=mode[0], MAXQ=mode[1], HEAD_DIM=head_dim, GROUP_SIZE=mode[2], num_warps=1)


def attend(q: torch.Tensor, kv: torch.Tensor, positions: torch.Tensor, length: int, scale: float) -> torch.Tensor:
    """q [slots, heads, head_dim] (unit last stride); kv one layer's cache [2, slots, capacity, kv_heads,
    head_dim]; slot s attends over its positions 0..positions[s] (at most `length`). Returns [slots, heads *
    head_dim] in q's dtype."""
    slots, heads, head_dim = q.shape
    keys = kv[0]
    kv_heads = keys.shape[2]
    group = heads // kv_heads
    split = split_size(length)
    splits = triton.cdiv(length, split)
    part_o = torch.empty((slots, kv_heads, splits, group, head_dim), dtype=torch.float32, device=q.device)
    part_l = torch.empty((slots, kv_heads, splits, group), dtype=torch.float32, device=q.device)
    out = torch.empty((slots, heads * head_dim), dtype=q.dtype, device=q.device)
    precision = "ieee" if q.dtype == torch.float32 else "tf32"
    g_pad = max(16, _pow2(group))
    log2e = 1.4426950408889634
    _attend_split[(slots, kv_heads, splits)](
        q, keys, positions, part_o, part_l, length, scale * log2e, q.stride(0), q.stride(1),
        keys.stride(0), keys.stride(1), keys.stride(2), kv.stride(0),
        KV_HEADS=kv_heads, SPLITS=splits, GROUP=group, G_PAD=g_pad, HEAD_DIM=head_dim, SPLIT=split,
        BLOCK_N=64 if head_dim <= 128 else 32, PRECISION=precision, num_warps=4, num_stages=2)
    _attend_merge[(slots, kv_heads)](
        part_o, part_l, positions, out, length, out.stride(0), head_dim,
        KV_HEADS=kv_heads, SPLITS=splits, GROUP=group, G_PAD=g_pad, HEAD_DIM=head_dim, SPLIT=split, num_warps=4)
    return out
