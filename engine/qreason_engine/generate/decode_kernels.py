"""Triton kernels for the fast path's decode step on a GPU: attention over each slot's used KV prefix, and
the KV write (rounded to the variant's KV grid inside the same kernel).

- `attend`: flash-decoding. Each (slot, KV head, split of SPLIT positions) program reads only that slot's
  positions 0..position (the slot's own length, not the attended-length bucket), computes the scores of
  the `group` query heads that share the KV head (grouped-query attention without copying the cache),
  and keeps an online softmax; a second kernel merges the splits by their log-sum-exp. SDPA with an
  additive mask reads the whole bucket for every slot and launches mask arithmetic per step.
- `rotary_write` (decode, one program per slot) and `rotary_rows` (prefill, one per prompt token, in place):
  the rotary embedding of q and k fused with the KV rounding and the cache write; `rotary_attend`: the
  decode's rotary embedding, KV write and attention in one program per (slot, KV head) where one split
  fills the GPU (the queries never leave the program; one launch per layer fewer).
- `add_rms_norm`: a residual add and the RMSNorm after it in one kernel (the new hidden state and its norm);
  `embed_rms_norm`: the embedding lookup and the first norm.
- `argmax`: greedy decoding's argmax in two stages (many programs per row; the first index of the maximum);
  with a `DecodeState` the second stage also does the greedy step's bookkeeping.
- `gemm`: a split-K GEMM for decode projections of few rows, its float32 partials summed by the consumer
  kernel, and weight-streaming tiles (plain or TMA loads); `gemm_choice` times them against cuBLAS on the
  GPU and keeps the faster per shape. Epilogues of the streaming kernel: `gemm_silu` (the fused gate/up
  weight, silu(gate) * up stored; `silu_choice` times it against the pair) and `gemm_argmax` (lm_head's
  logits reduced to argmax's first stage, never stored).
- `write_kv`: the new key and value of every slot written at the slot's position, in one kernel per layer;
  with a KV scheme the asymmetric min-max integer rounding (groups along the head dimension, the
  arithmetic of quant/grid.py: IEEE division, round half to even) or the fp8 e4m3 round trip happens in
  the kernel, instead of a dozen elementwise kernels per tensor.

On Hopper and later the fused decode launches these kernels with programmatic dependent launch (PDL,
`pdl_wanted`): each waits on the previous kernel (`gdc_wait`) before reading its output, then lets the next
one start; a GEMM first asks L2 for its first weight tiles, which no kernel writes. At 33-64 rows that made
the Triton GEMMs beat cuBLAS on every decode shape (H200, 2026-12-04: batch 64 +4.8 to +9.4 %, docs/benchmarks.md).

These are used only by the fused decode on CUDA (slot_forward.py); the exact path (fused=False) and the CPU
keep SDPA and the eager rounding. Not bit-identical to those: the scores are summed in another order (an
ulp), which the fused mode's tests allow. `available()` is False without Triton or without CUDA.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

try:  # the GPU image has Triton; the CPU lock does not
    import triton
    import triton.language as tl

    try:
        from triton.language.extra import libdevice
    except ImportError:  # older layout
        from triton.language.extra.cuda import libdevice
    try:  # grid dependency control (programmatic dependent launch, Hopper and later): Triton >= 3.3
        from triton.language.extra.cuda import gdc_launch_dependents, gdc_wait
    except ImportError:  # pragma: no cover - an older Triton: no PDL
        gdc_wait = gdc_launch_dependents = None
except ImportError:  # pragma: no cover - exercised where Triton is absent (the CPU lock)
    triton = None


def available(device: torch.device) -> bool:
    return triton is not None and device.type == "cuda"


def pdl_supported(device: torch.device) -> bool:
    """Programmatic dependent launch: a Triton with grid dependency control on a GPU of compute capability
    9.0 or later (Hopper)."""
    return (available(device) and gdc_wait is not None
            and torch.cuda.get_device_capability(device)[0] >= 9)


def pdl_wanted(device: torch.device) -> bool:
    """Whether the fused decode launches its Triton kernels with programmatic dependent launch (PDL).
    QREASON_DECODE_PDL=0 turns it off (the A/B of the benchmark), 1 or unset: on where supported.

    Why: a decode step at 64 rows is ~150 kernels of 2-20 us, and each one's start (launch, the first
    loads' latency) and tail (the last programs running while most SMs idle) cost a few us of bandwidth.
    Launched with PDL, a kernel's programs start while the previous kernel's last ones finish; they wait
    (`gdc_wait`) before touching anything it writes, and a GEMM first asks L2 for its own weight rows,
    which no earlier kernel writes: the weight stream starts under the previous kernel's tail (the idea of
    CUTLASS's Hopper example 63, GEMM with weight prefetch)."""
    import os

    if os.environ.get("QREASON_DECODE_PDL", "1").strip().lower() in ("0", "off", "false", "no"):
        return False
    return pdl_supported(device)


LOG2E = 1.4426950408889634  # the attention kernels' scores are in log2 units (exp2)


def _pow2(n: int) -> int:
    return 1 << max(0, (int(n) - 1).bit_length())


def supports(head_dim: int, group: int) -> bool:
    """Shapes these kernels handle: a power-of-two head dimension (16..256) and query group up to 64."""
    return 16 <= head_dim <= 256 and _pow2(head_dim) == head_dim and 1 <= group <= 64


def split_size(length: int, pairs: int = 0) -> int:
    """Positions per attention split for `pairs` (slot, KV head) programs. Enough programs to fill the GPU
    (about 512 on an H200) with as few splits as that allows: one split over the whole length needs no
    partial results and no merge kernel (measured on an H200, 2026-12-04, batch 64 and 256 at lengths 384
    and 512: one split 10-15 % faster than splits of 128 or 256 positions; docs/benchmarks.md).
    QREASON_ATTEND_SPLIT overrides it (a benchmark's sweep)."""
    import os

    forced = os.environ.get("QREASON_ATTEND_SPLIT")
    if forced:
        return int(forced)
    splits = max(1, -(-512 // max(pairs, 1)))
    return max(64, -(-length // (splits * 64)) * 64)


if triton is not None:

    @triton.jit
    def _enter(USE_GDC: tl.constexpr):
        # Launched with PDL: wait until the previous kernel has finished and its writes are visible, then
        # let the next kernel's programs start (they wait in turn; at most two kernels overlap).
        if USE_GDC:
            gdc_wait()
            gdc_launch_dependents()

    @triton.jit
    def _prefetch_rows(W, rn, N, stride_wn, k0, k_len, program, WAVE: tl.constexpr, LINE: tl.constexpr,
                       LINES: tl.constexpr):
        # Ask L2 for the first LINES 128-byte lines (LINE elements each) of weight rows rn from column k0
        # (not past k0 + k_len) before waiting on the previous kernel, which never writes weights: the
        # pipeline's first tiles arrive under that kernel's tail. Only the first WAVE programs, the ones
        # resident while it runs (whole slices made the streaming lm_head 139 -> 170 us on an H200).
        if program < WAVE:
            rows = tl.minimum(rn, N - 1).to(tl.int64) * stride_wn
            columns = tl.minimum(k0 + tl.arange(0, LINES) * LINE, k0 + k_len - 1)
            tl.inline_asm_elementwise("prefetch.global.L2 [$1]; // dummy $0", "=r,l",
                                      [W + rows[:, None] + columns[None, :]], dtype=tl.int32, is_pure=False, pack=1)

    @triton.jit
    def _attend_positions(q, base, start, end, stride_kp, v_offset, qk_scale, G_PAD: tl.constexpr,
                          HEAD_DIM: tl.constexpr, BLOCK_N: tl.constexpr, PRECISION: tl.constexpr):
        # The online softmax of q [G_PAD, HEAD_DIM] over cache positions start..end-1 of one (slot, KV head),
        # base its first key: (running max, sum of exponentials, unnormalised output), scores in log2 units.
        # The cache is streamed once per step: read evict-first (L2 keeps what many programs re-read).
        d = tl.arange(0, HEAD_DIM)
        m = tl.full([G_PAD], float("-inf"), tl.float32)
        total = tl.zeros([G_PAD], tl.float32)
        acc = tl.zeros([G_PAD, HEAD_DIM], tl.float32)
        for n0 in range(start, end, BLOCK_N):
            n = n0 + tl.arange(0, BLOCK_N)
            valid = n < end
            k = tl.load(base + n[:, None] * stride_kp + d[None, :], mask=valid[:, None], other=0.0,
                        eviction_policy="evict_first")
            s = tl.dot(q, tl.trans(k), input_precision=PRECISION) * qk_scale
            s = tl.where(valid[None, :], s, float("-inf"))
            m_new = tl.maximum(m, tl.max(s, 1))
            alpha = tl.exp2(m - m_new)
            p = tl.exp2(s - m_new[:, None])
            total = total * alpha + tl.sum(p, 1)
            v = tl.load(base + v_offset + n[:, None] * stride_kp + d[None, :], mask=valid[:, None], other=0.0,
                        eviction_policy="evict_first")
            acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=PRECISION)
            m = m_new
        return m, total, acc

    @triton.jit
    def _attend_split(Q, KV, POS, PART_O, PART_L, OUT, limit, qk_scale,
                      stride_qs, stride_qh, stride_ks, stride_kp, stride_kh, v_offset, stride_os, stride_oh,
                      KV_HEADS: tl.constexpr, SPLITS: tl.constexpr, GROUP: tl.constexpr, G_PAD: tl.constexpr,
                      HEAD_DIM: tl.constexpr, SPLIT: tl.constexpr, BLOCK_N: tl.constexpr, PRECISION: tl.constexpr,
                      DIRECT: tl.constexpr, USE_GDC: tl.constexpr):
        # DIRECT: one split covers every attended position: the program stores the output itself (no merge).
        _enter(USE_GDC)
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
            m, total, acc = _attend_positions(q, KV + slot * stride_ks + head * stride_kh, start, end, stride_kp,
                                              v_offset, qk_scale, G_PAD, HEAD_DIM, BLOCK_N, PRECISION)
            keep = g < GROUP
            if DIRECT:
                tl.store(OUT + slot * stride_os + (head * GROUP + g[:, None]) * stride_oh + d[None, :],
                         (acc / total[:, None]).to(OUT.dtype.element_ty), mask=keep[:, None])
            else:
                row = (slot * KV_HEADS + head) * SPLITS + split
                tl.store(PART_O + (row * GROUP + g[:, None]) * HEAD_DIM + d[None, :], acc / total[:, None],
                         mask=keep[:, None])
                tl.store(PART_L + row * GROUP + g, m + tl.log2(total), mask=keep)

    @triton.jit
    def _attend_merge(PART_O, PART_L, POS, OUT, limit, stride_os, stride_oh,
                      KV_HEADS: tl.constexpr, SPLITS: tl.constexpr, GROUP: tl.constexpr, G_PAD: tl.constexpr,
                      HEAD_DIM: tl.constexpr, SPLIT: tl.constexpr, USE_GDC: tl.constexpr):
        _enter(USE_GDC)
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
    def _round_row(x, MODE: tl.constexpr, MAXQ: tl.constexpr, INV_MAXQ: tl.constexpr, HEAD_DIM: tl.constexpr,
                   GROUP_SIZE: tl.constexpr):
        # x: [HEAD_DIM] float32. MODE 0: as is; 1: asymmetric min-max integer grid per group; 2: fp8 e4m3.
        if MODE == 1:
            groups = tl.reshape(x, [HEAD_DIM // GROUP_SIZE, GROUP_SIZE])
            low = tl.minimum(tl.min(groups, 1), 0.0)
            high = tl.maximum(tl.max(groups, 1), 0.0)
            empty = (low == 0.0) & (high == 0.0)
            low = tl.where(empty, -1.0, low)
            high = tl.where(empty, 1.0, high)
            maxq = tl.full([HEAD_DIM // GROUP_SIZE], MAXQ, tl.float32)
            # (high - low) / maxq as PyTorch computes it on CUDA: a tensor divided by a Python number is a
            # multiplication by its float32 reciprocal (tensor / tensor, below, is IEEE division).
            scale = (high - low) * INV_MAXQ
            zero = libdevice.rint(tl.math.div_rn(-low, scale))
            codes = libdevice.rint(tl.math.div_rn(groups, scale[:, None])) + zero[:, None]
            codes = tl.minimum(tl.maximum(codes, 0.0), maxq[:, None])
            x = tl.reshape(scale[:, None] * (codes - zero[:, None]), [HEAD_DIM])
        elif MODE == 2:
            x = tl.minimum(tl.maximum(x, -448.0), 448.0).to(tl.float8e4nv).to(tl.float32)
        return x

    @triton.jit
    def _write_kv(K, V, KV, POS, stride_k_s, stride_k_h, stride_v_s, stride_v_h, stride_cs, stride_cp, stride_ch,
                  v_offset, MODE: tl.constexpr, MAXQ: tl.constexpr, INV_MAXQ: tl.constexpr, HEAD_DIM: tl.constexpr,
                  GROUP_SIZE: tl.constexpr):
        slot = tl.program_id(0).to(tl.int64)
        head = tl.program_id(1)
        position = tl.load(POS + slot)
        d = tl.arange(0, HEAD_DIM)
        target = KV + slot * stride_cs + position * stride_cp + head * stride_ch + d
        key = tl.load(K + slot * stride_k_s + head * stride_k_h + d).to(tl.float32)
        key = _round_row(key, MODE, MAXQ, INV_MAXQ, HEAD_DIM, GROUP_SIZE)
        # The quantizer returns the input's dtype and the cache stores its own: round through both.
        tl.store(target, key.to(K.dtype.element_ty).to(KV.dtype.element_ty))
        value = tl.load(V + slot * stride_v_s + head * stride_v_h + d).to(tl.float32)
        value = _round_row(value, MODE, MAXQ, INV_MAXQ, HEAD_DIM, GROUP_SIZE)
        tl.store(target + v_offset, value.to(V.dtype.element_ty).to(KV.dtype.element_ty))

    @triton.jit
    def _round_tile(x, MODE: tl.constexpr, MAXQ: tl.constexpr, INV_MAXQ: tl.constexpr, ROWS: tl.constexpr,
                    HEAD_DIM: tl.constexpr, GROUP_SIZE: tl.constexpr):
        # _round_row for a tile [ROWS, HEAD_DIM] of heads (float32): the same arithmetic per row.
        if MODE == 1:
            groups = tl.reshape(x, [ROWS, HEAD_DIM // GROUP_SIZE, GROUP_SIZE])
            low = tl.minimum(tl.min(groups, 2), 0.0)
            high = tl.maximum(tl.max(groups, 2), 0.0)
            empty = (low == 0.0) & (high == 0.0)
            low = tl.where(empty, -1.0, low)
            high = tl.where(empty, 1.0, high)
            scale = (high - low) * INV_MAXQ
            zero = libdevice.rint(tl.math.div_rn(-low, scale))
            codes = libdevice.rint(tl.math.div_rn(groups, scale[:, :, None])) + zero[:, :, None]
            codes = tl.minimum(tl.maximum(codes, 0.0), MAXQ)
            x = tl.reshape(scale[:, :, None] * (codes - zero[:, :, None]), [ROWS, HEAD_DIM])
        elif MODE == 2:
            x = tl.minimum(tl.maximum(x, -448.0), 448.0).to(tl.float8e4nv).to(tl.float32)
        return x

    @triton.jit
    def _load_sum(ptr, offsets, mask, stride_split, SPLITS: tl.constexpr, dtype: tl.constexpr):
        # A GEMM's output elements: the values, or the sums of SPLITS float32 split-K partials rounded to
        # the model's dtype as the one-pass GEMM rounds its output.
        x = tl.load(ptr + offsets, mask=mask, other=0.0).to(tl.float32)
        for split in tl.static_range(1, SPLITS):
            x += tl.load(ptr + split * stride_split + offsets, mask=mask, other=0.0)
        return x.to(dtype).to(tl.float32)

    @triton.jit
    def _rotary_write(QKV, COS, SSIN, POS, QOUT, KV, stride_x, stride_xs, stride_t, stride_qs, stride_qh, stride_cs,
                      stride_cp, stride_ch, v_offset, HEADS: tl.constexpr, KV_HEADS: tl.constexpr,
                      HEADS_PAD: tl.constexpr, MODE: tl.constexpr, MAXQ: tl.constexpr, INV_MAXQ: tl.constexpr,
                      HEAD_DIM: tl.constexpr, GROUP_SIZE: tl.constexpr, SPLITS: tl.constexpr,
                      USE_GDC: tl.constexpr):
        # One slot's row of the fused q/k/v GEMM output [q heads | k heads | v heads] (or of its SPLITS
        # split-K partials, summed here), every head at once: the rotary embedding of q and k (x * cos,
        # rounded to the model's dtype as the separate multiplication rounds it, plus roll(x) * signed sin);
        # the query heads stored rotated, the rotated keys and the values rounded to the KV grid and
        # written at the slot's position.
        _enter(USE_GDC)
        slot = tl.program_id(0).to(tl.int64)
        position = tl.load(POS + slot)
        h = tl.arange(0, HEADS_PAD)
        d = tl.arange(0, HEAD_DIM)
        keep = (h < HEADS + 2 * KV_HEADS)[:, None]
        row = QKV + slot * stride_x
        dtype = QOUT.dtype.element_ty
        x = _load_sum(row, h[:, None] * HEAD_DIM + d[None, :], keep, stride_xs, SPLITS, dtype)
        rolled = _load_sum(row, h[:, None] * HEAD_DIM + ((d + HEAD_DIM // 2) % HEAD_DIM)[None, :], keep, stride_xs,
                           SPLITS, dtype)
        cos = tl.load(COS + position * stride_t + d).to(tl.float32)[None, :]
        sin = tl.load(SSIN + position * stride_t + d).to(tl.float32)[None, :]
        rotated = ((x * cos).to(dtype).to(tl.float32) + rolled * sin).to(dtype).to(tl.float32)
        x = tl.where((h < HEADS + KV_HEADS)[:, None], rotated, x)
        tl.store(QOUT + slot * stride_qs + h[:, None] * stride_qh + d[None, :], x.to(dtype), mask=(h < HEADS)[:, None])
        x = _round_tile(x, MODE, MAXQ, INV_MAXQ, HEADS_PAD, HEAD_DIM, GROUP_SIZE)
        is_key = (h >= HEADS) & (h < HEADS + KV_HEADS)
        is_value = (h >= HEADS + KV_HEADS) & (h < HEADS + 2 * KV_HEADS)
        kv_head = tl.where(is_key, h - HEADS, h - HEADS - KV_HEADS)
        target = (KV + slot * stride_cs + position * stride_cp + kv_head[:, None] * stride_ch
                  + tl.where(is_value, v_offset, 0)[:, None] + d[None, :])
        tl.store(target, x.to(dtype).to(KV.dtype.element_ty), mask=(is_key | is_value)[:, None])

    @triton.jit
    def _rotary_attend(QKV, COS, SSIN, POS, KV, OUT, limit, qk_scale, stride_x, stride_xs, stride_t, stride_ks,
                       stride_kp, stride_kh, v_offset, stride_os, stride_oh, HEADS: tl.constexpr,
                       KV_HEADS: tl.constexpr, GROUP: tl.constexpr, G_PAD: tl.constexpr, HEAD_DIM: tl.constexpr,
                       BLOCK_N: tl.constexpr, PRECISION: tl.constexpr, MODE: tl.constexpr, MAXQ: tl.constexpr,
                       INV_MAXQ: tl.constexpr, GROUP_SIZE: tl.constexpr, SPLITS: tl.constexpr,
                       USE_GDC: tl.constexpr, LINE: tl.constexpr, LINES: tl.constexpr, PREFETCH: tl.constexpr):
        # _rotary_write and a one-split _attend_split in one program per (slot, KV head): the group's query
        # heads, the key and the value read from the q/k/v GEMM output (or its SPLITS partials), rotated
        # and rounded exactly as _rotary_write does; the key and value stored at the slot's position; then,
        # once every thread's store is visible (fence, barrier), attention over positions 0..position, the
        # new one read back from the cache as every later step reads it. Under PDL the first PREFETCH
        # positions' keys and values (LINES 128-byte lines of LINE elements each) are asked of L2 before the
        # wait: older entries, which no kernel before this one in a step writes (nor the positions: the
        # step's last kernel advances them), so the attention's first tiles arrive under the q/k/v GEMM's
        # tail and the rotary work.
        slot = tl.program_id(0).to(tl.int64)
        head = tl.program_id(1)
        base = KV + slot * stride_ks + head * stride_kh
        position = tl.load(POS + slot)
        if USE_GDC:
            n = tl.minimum(tl.arange(0, PREFETCH), tl.minimum(position.to(tl.int32), limit - 1))
            lines = base + n[:, None] * stride_kp + (tl.arange(0, LINES) * LINE)[None, :]
            for half in tl.static_range(2):
                tl.inline_asm_elementwise("prefetch.global.L2 [$1]; // dummy $0", "=r,l", [lines + half * v_offset],
                                          dtype=tl.int32, is_pure=False, pack=1)
        _enter(USE_GDC)
        g = tl.arange(0, G_PAD)
        r = tl.arange(0, 2)  # 0: the key, 1: the value
        d = tl.arange(0, HEAD_DIM)
        half = ((d + HEAD_DIM // 2) % HEAD_DIM)[None, :]
        dtype = OUT.dtype.element_ty
        row = QKV + slot * stride_x
        cos = tl.load(COS + position * stride_t + d).to(tl.float32)[None, :]
        sin = tl.load(SSIN + position * stride_t + d).to(tl.float32)[None, :]
        keep = (g < GROUP)[:, None]
        q_columns = (head * GROUP + g[:, None]) * HEAD_DIM
        x = _load_sum(row, q_columns + d[None, :], keep, stride_xs, SPLITS, dtype)
        rolled = _load_sum(row, q_columns + half, keep, stride_xs, SPLITS, dtype)
        q = ((x * cos).to(dtype).to(tl.float32) + rolled * sin).to(dtype)
        every = (r < 2)[:, None]
        kv_columns = ((HEADS + r * KV_HEADS + head) * HEAD_DIM)[:, None]
        y = _load_sum(row, kv_columns + d[None, :], every, stride_xs, SPLITS, dtype)
        rolled = _load_sum(row, kv_columns + half, every, stride_xs, SPLITS, dtype)
        rotated = ((y * cos).to(dtype).to(tl.float32) + rolled * sin).to(dtype).to(tl.float32)
        y = _round_tile(tl.where((r == 0)[:, None], rotated, y), MODE, MAXQ, INV_MAXQ, 2, HEAD_DIM, GROUP_SIZE)
        tl.store(base + position * stride_kp + r[:, None] * v_offset + d[None, :], y.to(dtype).to(KV.dtype.element_ty))
        # The loop's asynchronous copies read L2, not this SM's L1: the stores made visible GPU-wide first.
        tl.inline_asm_elementwise("membar.gl; // dummy $0 $1", "=r,l", [position], dtype=tl.int32, is_pure=False,
                                  pack=1)
        tl.debug_barrier()
        length = tl.minimum(position.to(tl.int32) + 1, limit)
        m, total, acc = _attend_positions(q, base, 0, length, stride_kp, v_offset, qk_scale, G_PAD, HEAD_DIM, BLOCK_N,
                                          PRECISION)
        tl.store(OUT + slot * stride_os + (head * GROUP + g[:, None]) * stride_oh + d[None, :],
                 (acc / total[:, None]).to(dtype), mask=keep)

    @triton.jit
    def _rotary_rows(QKV, COS, SSIN, KV, SLOTS, stride_x, stride_t, stride_cs, stride_cp, stride_ch, v_offset,
                     tokens_per_row, HEADS: tl.constexpr, KV_HEADS: tl.constexpr, HEADS_PAD: tl.constexpr,
                     MODE: tl.constexpr, MAXQ: tl.constexpr, INV_MAXQ: tl.constexpr, HEAD_DIM: tl.constexpr,
                     GROUP_SIZE: tl.constexpr, WRITE_KV: tl.constexpr):
        # The prefill's q/k/v GEMM output [tokens, (heads + 2 kv_heads) * head_dim], in place, one token
        # (every head) per program; token i sits at position i % tokens_per_row of prompt row
        # i // tokens_per_row (right-padded prompts). q and k rotated as _rotary_write rotates them; k and v
        # rounded to the KV grid; WRITE_KV: k and v also stored into the cache at slot SLOTS[row].
        token = tl.program_id(0).to(tl.int64)
        h = tl.arange(0, HEADS_PAD)
        d = tl.arange(0, HEAD_DIM)
        keep = (h < HEADS + 2 * KV_HEADS)[:, None]
        row = QKV + token * stride_x
        dtype = QKV.dtype.element_ty
        position = token % tokens_per_row
        x = tl.load(row + h[:, None] * HEAD_DIM + d[None, :], mask=keep, other=0.0).to(tl.float32)
        rolled = tl.load(row + h[:, None] * HEAD_DIM + ((d + HEAD_DIM // 2) % HEAD_DIM)[None, :], mask=keep,
                         other=0.0).to(tl.float32)
        cos = tl.load(COS + position * stride_t + d).to(tl.float32)[None, :]
        sin = tl.load(SSIN + position * stride_t + d).to(tl.float32)[None, :]
        rotated = ((x * cos).to(dtype).to(tl.float32) + rolled * sin).to(dtype).to(tl.float32)
        x = tl.where((h < HEADS + KV_HEADS)[:, None], rotated, x)
        x = tl.where((h >= HEADS)[:, None], _round_tile(x, MODE, MAXQ, INV_MAXQ, HEADS_PAD, HEAD_DIM, GROUP_SIZE), x)
        tl.debug_barrier()  # every thread has read the row (rolled reads other threads' halves) before any store
        tl.store(row + h[:, None] * HEAD_DIM + d[None, :], x.to(dtype), mask=keep)
        if WRITE_KV:
            slot = tl.load(SLOTS + token // tokens_per_row)
            is_key = (h >= HEADS) & (h < HEADS + KV_HEADS)
            is_value = (h >= HEADS + KV_HEADS) & (h < HEADS + 2 * KV_HEADS)
            kv_head = tl.where(is_key, h - HEADS, h - HEADS - KV_HEADS)
            target = (KV + slot * stride_cs + position * stride_cp + kv_head[:, None] * stride_ch
                      + tl.where(is_value, v_offset, 0)[:, None] + d[None, :])
            tl.store(target, x.to(dtype).to(KV.dtype.element_ty), mask=(is_key | is_value)[:, None])

    @triton.jit
    def _argmax_blocks(X, VALUES, INDEX, width, stride_x, blocks, BLOCK: tl.constexpr, USE_GDC: tl.constexpr):
        # Greedy decoding's argmax, first stage: the largest logit of one block of one row and its first
        # index (NaN counts as the largest, as torch.argmax has it).
        _enter(USE_GDC)
        row = tl.program_id(0).to(tl.int64)
        block = tl.program_id(1)
        columns = block * BLOCK + tl.arange(0, BLOCK)
        x = tl.load(X + row * stride_x + columns, mask=columns < width, other=float("-inf")).to(tl.float32)
        x = tl.where(x != x, float("inf"), x)
        best = tl.argmax(x, 0, tie_break_left=True)
        tl.store(VALUES + row * blocks + block, tl.max(x, 0))
        tl.store(INDEX + row * blocks + block, block * BLOCK + best)

    @triton.jit
    def _argmax_merge(VALUES, INDEX, OUT, blocks, CHUNK, COUNTER, POS, STEPS, stride_chunk, capacity,
                      BLOCKS: tl.constexpr, STEP: tl.constexpr, USE_GDC: tl.constexpr):
        # STEP: also the decode step's bookkeeping (fast.py's greedy step): OUT is the next tokens; the token
        # stored in row COUNTER of the chunk's output, the row's position advanced (up to capacity - 1) and
        # its step count.
        _enter(USE_GDC)
        row = tl.program_id(0).to(tl.int64)
        b = tl.arange(0, BLOCKS)
        values = tl.load(VALUES + row * blocks + b, mask=b < blocks, other=float("-inf"))
        best = tl.argmax(values, 0, tie_break_left=True)  # the first block holding the maximum: the first index
        token = tl.load(INDEX + row * blocks + best).to(tl.int64)
        tl.store(OUT + row, token)
        if STEP:
            tl.store(CHUNK + tl.load(COUNTER) * stride_chunk + row, token)
            tl.store(POS + row, tl.minimum(tl.load(POS + row) + 1, capacity - 1))
            tl.store(STEPS + row, tl.load(STEPS + row) + 1)

    @triton.jit
    def _add_rms_norm(H, Y, WEIGHT, H_OUT, N_OUT, TOKENS, width, eps, stride_h, stride_ys, stride_y, stride_ho,
                      stride_no, HAS_ADD: tl.constexpr, EMBED: tl.constexpr, SPLITS: tl.constexpr, BLOCK: tl.constexpr,
                      USE_GDC: tl.constexpr):
        # One row: hidden + y (y a GEMM output or its SPLITS split-K partials, summed and rounded to the
        # model's dtype first), stored as the new hidden state, and RMSNorm of it as the Llama-family modules
        # compute it: weight * (x * rsqrt(mean(x^2) + eps)).to(dtype), with x in float32. EMBED (the decode's
        # first norm): H is the embedding table, the hidden state its row TOKENS[row], stored in H_OUT.
        _enter(USE_GDC)
        row = tl.program_id(0).to(tl.int64)
        columns = tl.arange(0, BLOCK)
        keep = columns < width
        dtype = N_OUT.dtype.element_ty
        if EMBED:
            h = tl.load(H + tl.load(TOKENS + row) * stride_h + columns, mask=keep, other=0.0)
            tl.store(H_OUT + row * stride_ho + columns, h.to(dtype), mask=keep)
            h = h.to(tl.float32)
        else:
            h = tl.load(H + row * stride_h + columns, mask=keep, other=0.0).to(tl.float32)
        if HAS_ADD:
            y = tl.load(Y + row * stride_y + columns, mask=keep, other=0.0).to(tl.float32)
            for split in tl.static_range(1, SPLITS):
                y += tl.load(Y + split * stride_ys + row * stride_y + columns, mask=keep, other=0.0)
            h = (h + y.to(dtype).to(tl.float32)).to(dtype).to(tl.float32)
            tl.store(H_OUT + row * stride_ho + columns, h.to(dtype), mask=keep)
        variance = tl.sum(h * h, 0) / width
        normed = (h * tl.math.rsqrt(variance + eps)).to(dtype).to(tl.float32)
        weight = tl.load(WEIGHT + columns, mask=keep, other=0.0).to(tl.float32)
        tl.store(N_OUT + row * stride_no + columns, (normed * weight).to(dtype), mask=keep)

    @triton.jit
    def _skinny_tiles(X, W, M, N, k_per_split, stride_xm, stride_wn, pid_m, pid_n, split, program,
                      BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, USE_GDC: tl.constexpr,
                      WAVE: tl.constexpr, LINE: tl.constexpr, LINES: tl.constexpr):
        # The split-K and streaming GEMMs' start: this program's rows and columns, their masks, the first x
        # and weight tile pointers of its K split; under PDL the weight prefetch, then the wait.
        rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
        rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
        rk = tl.arange(0, BLOCK_K)
        k0 = split * k_per_split
        if USE_GDC:
            _prefetch_rows(W, rn, N, stride_wn, k0, k_per_split, program, WAVE, LINE, LINES)
        _enter(USE_GDC)
        x_ptr = X + rm[:, None].to(tl.int64) * stride_xm + (k0 + rk)[None, :]
        w_ptr = W + rn[:, None].to(tl.int64) * stride_wn + (k0 + rk)[None, :]
        return rm, rn, rm < M, rn < N, x_ptr, w_ptr

    @triton.jit
    def _gemm(X, W, P, M, N, k_per_split, stride_xm, stride_wn, stride_ps, stride_pm,
              BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, PRECISION: tl.constexpr,
              USE_GDC: tl.constexpr, WAVE: tl.constexpr, LINE: tl.constexpr, LINES: tl.constexpr):
        # x [M, K] @ w[N, K]^T over one split of K (k_per_split, a multiple of BLOCK_K): the decode's skinny
        # GEMMs (M = slots) split along K so that enough programs stream the weights; each split stores its
        # float32 partial (or, with one split, the output in P's dtype) and the consumer kernel sums them.
        pid_m = tl.program_id(0)
        pid_n = tl.program_id(1)
        split = tl.program_id(2)
        program = (split * tl.num_programs(1) + pid_n) * tl.num_programs(0) + pid_m  # launch order
        rm, rn, keep_m, keep_n, x_ptr, w_ptr = _skinny_tiles(
            X, W, M, N, k_per_split, stride_xm, stride_wn, pid_m, pid_n, split, program,
            BLOCK_M, BLOCK_N, BLOCK_K, USE_GDC, WAVE, LINE, LINES)
        acc = tl.zeros([BLOCK_M, BLOCK_N], tl.float32)
        for _ in range(0, k_per_split, BLOCK_K):
            x = tl.load(x_ptr, mask=keep_m[:, None], other=0.0)
            w = tl.load(w_ptr, mask=keep_n[:, None], other=0.0, eviction_policy="evict_first")
            acc = tl.dot(x, tl.trans(w), acc, input_precision=PRECISION)
            x_ptr += BLOCK_K
            w_ptr += BLOCK_K
        out = P + split.to(tl.int64) * stride_ps + rm[:, None].to(tl.int64) * stride_pm + rn[None, :]
        tl.store(out, acc.to(P.dtype.element_ty), mask=keep_m[:, None] & keep_n[None, :])

    @triton.jit
    def _gemm_stream(X, W, P, IDX, M, N, k_per_split, stride_xm, stride_wn, stride_pm,
                     BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, SWAP: tl.constexpr,
                     ATOMIC: tl.constexpr, SILU: tl.constexpr, ARGMAX: tl.constexpr, PRECISION: tl.constexpr,
                     USE_GDC: tl.constexpr, WAVE: tl.constexpr, LINE: tl.constexpr, LINES: tl.constexpr):
        # x [M, K] @ w[N, K]^T for decode's weight-streaming shapes: the grid's first axis walks N (small
        # BLOCK_N gives every SM weight rows without splitting K); SWAP computes w_tile @ x_tile^T (the weight
        # rows as the MMA's M side, the few slots as its N side); ATOMIC adds this split's float32 sum into
        # P (zeroed, [M, N] float32) instead of storing P's dtype. The epilogues of one split, no swap:
        # SILU: W is the fused gate/up weight (gate rows 0..N-1, up rows N..2N-1), each program computes
        # both tiles and P [M, N] receives silu(gate) * up; ARGMAX: P and IDX [M, programs along N] receive
        # each row's largest logit among the program's columns and its index (argmax's first stage).
        pid_n = tl.program_id(0)
        pid_m = tl.program_id(1)
        split = tl.program_id(2)
        program = (split * tl.num_programs(1) + pid_m) * tl.num_programs(0) + pid_n  # launch order
        if SILU and USE_GDC:
            _prefetch_rows(W + N.to(tl.int64) * stride_wn, pid_n * BLOCK_N + tl.arange(0, BLOCK_N), N, stride_wn,
                           split * k_per_split, k_per_split, program, WAVE, LINE, LINES)
        rm, rn, keep_m, keep_n, x_ptr, w_ptr = _skinny_tiles(
            X, W, M, N, k_per_split, stride_xm, stride_wn, pid_m, pid_n, split, program,
            BLOCK_M, BLOCK_N, BLOCK_K, USE_GDC, WAVE, LINE, LINES)
        if SWAP:
            acc = tl.zeros([BLOCK_N, BLOCK_M], tl.float32)
        else:
            acc = tl.zeros([BLOCK_M, BLOCK_N], tl.float32)
        if SILU:
            acc_up = tl.zeros([BLOCK_M, BLOCK_N], tl.float32)
            u_ptr = w_ptr + N.to(tl.int64) * stride_wn
        else:
            acc_up = acc  # not used: _store_tile reads it only with SILU
        for _ in range(0, k_per_split, BLOCK_K):
            x = tl.load(x_ptr, mask=keep_m[:, None], other=0.0)
            w = tl.load(w_ptr, mask=keep_n[:, None], other=0.0, eviction_policy="evict_first")
            if SWAP:
                acc = tl.dot(w, tl.trans(x), acc, input_precision=PRECISION)
            else:
                acc = tl.dot(x, tl.trans(w), acc, input_precision=PRECISION)
            if SILU:
                u = tl.load(u_ptr, mask=keep_n[:, None], other=0.0, eviction_policy="evict_first")
                acc_up = tl.dot(x, tl.trans(u), acc_up, input_precision=PRECISION)
                u_ptr += BLOCK_K
            x_ptr += BLOCK_K
            w_ptr += BLOCK_K
        if SWAP:
            out = P + rn[:, None] + rm[None, :].to(tl.int64) * stride_pm
            keep = keep_n[:, None] & keep_m[None, :]
        else:
            out = P + rm[:, None].to(tl.int64) * stride_pm + rn[None, :]
            keep = keep_m[:, None] & keep_n[None, :]
        _store_tile(acc, acc_up, P, IDX, out, keep, rm, rn, keep_m, keep_n, pid_n, BLOCK_N, ATOMIC, SILU, ARGMAX,
                    X.dtype.element_ty)

    @triton.jit
    def _gemm_tma(X_DESC, W_DESC, W, P, IDX, M, N, K, stride_pm, stride_wn,
                  BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, SILU: tl.constexpr,
                  ARGMAX: tl.constexpr, PRECISION: tl.constexpr, USE_GDC: tl.constexpr, WAVE: tl.constexpr,
                  LINE: tl.constexpr, LINES: tl.constexpr):
        # gemm_stream's plain case (and its SILU and ARGMAX epilogues) with the x and weight tiles loaded by
        # the Hopper TMA engine (host tensor descriptors; out-of-range rows read as zeros): no per-element
        # address arithmetic in the loop. W: the weight's pointer, for the prefetch under PDL.
        pid_n = tl.program_id(0)
        pid_m = tl.program_id(1)
        m0 = pid_m * BLOCK_M
        n0 = pid_n * BLOCK_N
        if USE_GDC:
            program = pid_m * tl.num_programs(0) + pid_n
            _prefetch_rows(W, n0 + tl.arange(0, BLOCK_N), N, stride_wn, 0, K, program, WAVE, LINE, LINES)
            if SILU:
                _prefetch_rows(W + N.to(tl.int64) * stride_wn, n0 + tl.arange(0, BLOCK_N), N, stride_wn, 0, K, program,
                               WAVE, LINE, LINES)
        _enter(USE_GDC)
        acc = tl.zeros([BLOCK_M, BLOCK_N], tl.float32)
        if SILU:
            acc_up = tl.zeros([BLOCK_M, BLOCK_N], tl.float32)
        else:
            acc_up = acc  # not used: _store_tile reads it only with SILU
        for k in range(0, K, BLOCK_K):
            x = X_DESC.load([m0, k])
            w = W_DESC.load([n0, k])
            acc = tl.dot(x, tl.trans(w), acc, input_precision=PRECISION)
            if SILU:
                u = W_DESC.load([N + n0, k])
                acc_up = tl.dot(x, tl.trans(u), acc_up, input_precision=PRECISION)
        rm = m0 + tl.arange(0, BLOCK_M)
        rn = n0 + tl.arange(0, BLOCK_N)
        keep_m, keep_n = rm < M, rn < N
        out = P + rm[:, None].to(tl.int64) * stride_pm + rn[None, :]
        keep = keep_m[:, None] & keep_n[None, :]
        _store_tile(acc, acc_up, P, IDX, out, keep, rm, rn, keep_m, keep_n, pid_n, BLOCK_N, False, SILU, ARGMAX,
                    W.dtype.element_ty)

    @triton.jit
    def _silu_mul(X, OUT, inner, stride_x, stride_xs, stride_o, SPLITS: tl.constexpr, BLOCK: tl.constexpr,
                  USE_GDC: tl.constexpr):
        # act(gate) * up over the fused gate/up output [rows, 2 * inner] (or its SPLITS split-K partials),
        # rounded as the two kernels round.
        _enter(USE_GDC)
        row = tl.program_id(0).to(tl.int64)
        columns = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
        keep = columns < inner
        dtype = OUT.dtype.element_ty
        gate = tl.load(X + row * stride_x + columns, mask=keep, other=0.0).to(tl.float32)
        up = tl.load(X + row * stride_x + inner + columns, mask=keep, other=0.0).to(tl.float32)
        for split in tl.static_range(1, SPLITS):
            gate += tl.load(X + split * stride_xs + row * stride_x + columns, mask=keep, other=0.0)
            up += tl.load(X + split * stride_xs + row * stride_x + inner + columns, mask=keep, other=0.0)
        tl.store(OUT + row * stride_o + columns, _silu_times(gate.to(dtype).to(tl.float32), up.to(dtype).to(tl.float32),
                                                             dtype), mask=keep)

    @triton.jit
    def _silu_times(gate, up, dtype: tl.constexpr):
        # silu(gate) * up of float32 values already rounded to dtype, rounded as the two eager kernels round.
        act = tl.math.div_rn(gate, 1.0 + tl.exp(-gate)).to(dtype).to(tl.float32)
        return (act * up).to(dtype)

    @triton.jit
    def _store_tile(acc, acc_up, P, IDX, out, keep, rm, rn, keep_m, keep_n, block, BLOCK_N: tl.constexpr,
                    ATOMIC: tl.constexpr, SILU: tl.constexpr, ARGMAX: tl.constexpr, logits_dtype: tl.constexpr):
        # The streaming GEMMs' epilogue for their float32 tile: argmax's first stage (at [row, block] of P and
        # IDX), silu(gate) * up of the gate and up tiles, a float32 atomic add, or the tile in P's dtype.
        if ARGMAX:
            _argmax_tile(acc, rm, rn, keep_m, keep_n, P, IDX, block, tl.num_programs(0), BLOCK_N, logits_dtype)
        elif SILU:
            dtype = P.dtype.element_ty
            tl.store(out, _silu_times(acc.to(dtype).to(tl.float32), acc_up.to(dtype).to(tl.float32), dtype), mask=keep)
        elif ATOMIC:
            tl.atomic_add(out, acc, mask=keep, sem="relaxed")
        else:
            tl.store(out, acc.to(P.dtype.element_ty), mask=keep)

    @triton.jit
    def _argmax_tile(acc, rm, rn, keep_m, keep_n, VALUES, INDEX, block, blocks, BLOCK_N: tl.constexpr,
                     dtype: tl.constexpr):
        # _argmax_blocks over a GEMM's output tile, the logits rounded to their dtype first: each row's
        # largest among this block's columns and its first index (NaN as the largest), at [row, block].
        x = acc.to(dtype).to(tl.float32)
        x = tl.where(keep_n[None, :], tl.where(x != x, float("inf"), x), float("-inf"))
        best = tl.argmax(x, 1, tie_break_left=True)
        at = rm.to(tl.int64) * blocks + block
        tl.store(VALUES + at, tl.max(x, 1), mask=keep_m)
        tl.store(INDEX + at, block * BLOCK_N + best, mask=keep_m)


def kv_mode(quantizer, head_dim: int) -> tuple[int, float, float, int] | None:
    """(MODE, MAXQ, INV_MAXQ, GROUP_SIZE) of the write kernels for a KV scheme, or None when they cannot
    round it."""
    if quantizer is None:
        return 0, 1.0, 1.0, head_dim
    bits = quantizer.kv_bits
    if bits == "fp8_e4m3":
        return 2, 1.0, 1.0, head_dim
    if bits in (4, 8):
        size = head_dim if quantizer.group_size == -1 else int(quantizer.group_size)
        if head_dim % size or _pow2(size) != size:
            return None
        maxq = 2 ** int(bits) - 1
        inverse = (torch.tensor(1.0, dtype=torch.float32) / torch.tensor(float(maxq), dtype=torch.float32)).item()
        return 1, float(maxq), inverse, size
    return None


def write_kv(kv: torch.Tensor, key: torch.Tensor, value: torch.Tensor, positions: torch.Tensor,
             mode: tuple[int, float, float, int]) -> None:
    """kv: one layer's cache [2, slots, capacity, kv_heads, head_dim]; key, value [slots, kv_heads, head_dim]
    (any strides with a unit last one); each slot's entry goes to its position."""
    slots, kv_heads, head_dim = key.shape
    keys = kv[0]
    _write_kv[(slots, kv_heads)](
        key, value, keys, positions, key.stride(0), key.stride(1), value.stride(0), value.stride(1),
        keys.stride(0), keys.stride(1), keys.stride(2), kv.stride(0),
        MODE=mode[0], MAXQ=mode[1], INV_MAXQ=mode[2], HEAD_DIM=head_dim, GROUP_SIZE=mode[3], num_warps=1)


def _gdc(pdl: bool) -> dict:
    """Launch options of a kernel with the USE_GDC switch: PDL on or off (launch_pdl only when on, which
    Triton's interpreter does not know)."""
    return {"USE_GDC": True, "launch_pdl": True} if pdl else {"USE_GDC": False}


def _prefetch(weight: torch.Tensor, k_len: int, block_k: int, pdl: bool) -> dict:
    """The GEMM kernels' PDL options and their weight prefetch: the first two BLOCK_K tiles of each
    program's rows (LINES 128-byte lines of LINE elements, a power of two) in the first WAVE programs
    (two per SM: those resident while the previous kernel finishes)."""
    line = max(1, 128 // weight.element_size())
    lines = max(1, min(k_len, 2 * block_k) // line)
    wave = 2 * torch.cuda.get_device_properties(weight.device).multi_processor_count if pdl else 0
    return {**_gdc(pdl), "WAVE": wave, "LINE": line, "LINES": 1 << (lines.bit_length() - 1)}


def _splits(x: torch.Tensor) -> tuple[int, int]:
    """(splits, stride between splits) of a GEMM output: [rows, n] (one) or float32 partials [splits, rows, n]."""
    return (x.shape[0], x.stride(0)) if x.dim() == 3 else (1, 0)


def dense(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """A GEMM output as one tensor in the model's dtype: split-K partials summed (for the eager consumers)."""
    return x.sum(0).to(dtype) if x.dim() == 3 else x


def rotary_write(qkv: torch.Tensor, cos: torch.Tensor, signed_sin: torch.Tensor, positions: torch.Tensor,
                 kv: torch.Tensor, heads: int, kv_heads: int, mode: tuple[int, float, float, int],
                 dtype: torch.dtype | None = None, pdl: bool = False) -> torch.Tensor:
    """qkv: the fused GEMM's output [slots, (heads + 2 * kv_heads) * head_dim] (or its float32 split-K
    partials [splits, slots, ...]); cos, signed_sin: the rotary tables [positions, head_dim]; kv: one layer's
    cache. Writes the rotated, rounded key and the rounded value of every slot at its position; returns the
    rotated queries [slots, heads, head_dim] in `dtype` (default qkv's)."""
    splits, stride_split = _splits(qkv)
    slots = qkv.shape[-2]
    head_dim = cos.shape[-1]
    q = torch.empty((slots, heads, head_dim), dtype=dtype or qkv.dtype, device=qkv.device)
    keys = kv[0]
    _rotary_write[(slots,)](
        qkv, cos, signed_sin, positions, q, keys, qkv.stride(-2), stride_split, cos.stride(0), q.stride(0), q.stride(1),
        keys.stride(0), keys.stride(1), keys.stride(2), kv.stride(0), HEADS=heads, KV_HEADS=kv_heads,
        HEADS_PAD=_pow2(heads + 2 * kv_heads), MODE=mode[0], MAXQ=mode[1], INV_MAXQ=mode[2], HEAD_DIM=head_dim,
        GROUP_SIZE=mode[3], SPLITS=splits, num_warps=4, **_gdc(pdl))
    return q


def rotary_attend(qkv: torch.Tensor, cos: torch.Tensor, signed_sin: torch.Tensor, positions: torch.Tensor,
                  kv: torch.Tensor, heads: int, kv_heads: int, mode: tuple[int, float, float, int], length: int,
                  scale: float, dtype: torch.dtype | None = None, pdl: bool = False,
                  split: int | None = None, stages: int | None = None) -> torch.Tensor:
    """rotary_write, then attend over the first `length` positions: [slots, heads * head_dim] in `dtype`
    (default qkv's). Where attend runs one split per (slot, KV head) (`split`, default split_size: a batch
    that fills the GPU) both happen in one kernel, with the same arithmetic, so the queries never leave
    the program and one launch per layer is saved; otherwise the two kernels run. stages: the one-split
    kernel's pipeline stages (default _attend_stages; attend_stages_choice times them)."""
    slots = qkv.shape[-2]
    head_dim = cos.shape[-1]
    split = split or split_size(length, slots * kv_heads)
    if triton.cdiv(length, split) > 1:
        q = rotary_write(qkv, cos, signed_sin, positions, kv, heads, kv_heads, mode, dtype, pdl)
        return attend(q, kv, positions, length, scale, split=split, pdl=pdl)
    splits, stride_split = _splits(qkv)
    group = heads // kv_heads
    out = torch.empty((slots, heads * head_dim), dtype=dtype or qkv.dtype, device=qkv.device)
    keys = kv[0]
    line = max(1, 128 // kv.element_size())  # elements per 128-byte line, for the prefetch under PDL
    _rotary_attend[(slots, kv_heads)](
        qkv, cos, signed_sin, positions, keys, out, length, scale * LOG2E, qkv.stride(-2), stride_split,
        cos.stride(0), keys.stride(0), keys.stride(1), keys.stride(2), kv.stride(0), out.stride(0), head_dim,
        HEADS=heads, KV_HEADS=kv_heads, GROUP=group, G_PAD=max(16, _pow2(group)), HEAD_DIM=head_dim,
        BLOCK_N=64 if head_dim <= 128 else 32, PRECISION="ieee" if out.dtype == torch.float32 else "tf32",
        MODE=mode[0], MAXQ=mode[1], INV_MAXQ=mode[2], GROUP_SIZE=mode[3], SPLITS=splits, num_warps=4,
        num_stages=stages or _attend_stages(slots * kv_heads), LINE=line, LINES=max(1, head_dim // line), PREFETCH=128,
        **_gdc(pdl))
    return out


def attend_stages_choice(slots: int, heads: int, kv_heads: int, head_dim: int, dtype: torch.dtype,
                         device: torch.device, pdl: bool = False, length: int = 512, layers: int = 16) -> int | None:
    """The pipeline stages (2 or 3) rotary_attend runs fastest with at `slots` slots on this GPU, timed over
    `layers` launches at `length` positions in one CUDA graph; None (the _attend_stages default) where that
    is within GEMM_MARGIN or the batch takes more than one split. Why timed: on an H100 under PDL two stages
    were 6-15 % faster at batch 64 (2026-12-07), on an H200 without PDL three were 7-9 % faster
    (2026-12-04; docs/benchmarks.md). Remembered per shape, as gemm_choice's."""
    key = ("attend_stages", slots, heads, kv_heads, head_dim, length, dtype, str(device), pdl)
    if key in _GEMM_CHOICE:
        return _GEMM_CHOICE[key]
    choice = None
    if device.type == "cuda" and triton.cdiv(length, split_size(length, slots * kv_heads)) == 1:
        generator = torch.Generator(device=device).manual_seed(0)
        randn = lambda *shape: torch.randn(shape, generator=generator, device=device).to(dtype)  # noqa: E731
        qkv, kv = randn(slots, (heads + 2 * kv_heads) * head_dim), randn(2, slots, length, kv_heads, head_dim)
        cos, sin = randn(length, head_dim), randn(length, head_dim)
        positions = torch.full((slots,), length - 1, dtype=torch.long, device=device)
        mode = kv_mode(None, head_dim)
        with torch.cuda.device(device):
            timings = {stages: _graph_ms(lambda: [rotary_attend(qkv, cos, sin, positions, kv, heads, kv_heads, mode,
                                                                length, head_dim ** -0.5, dtype, pdl, stages=stages)
                                                  for _ in range(layers)]) for stages in (2, 3)}
        default = _attend_stages(slots * kv_heads)
        best = min(timings, key=timings.get)
        if best != default and timings[default] > timings[best] * GEMM_MARGIN:
            choice = best
        GEMM_LOG.append(f"rotary_attend [{slots} slots, {length} positions]{' pdl' if pdl else ''}: " + ", ".join(
            f"{stages} stages {ms * 1000 / layers:.1f} us" for stages, ms in sorted(timings.items())))
    _GEMM_CHOICE[key] = choice
    return choice


def rotary_rows(qkv: torch.Tensor, cos: torch.Tensor, signed_sin: torch.Tensor, tokens_per_row: int, heads: int,
                kv_heads: int, mode: tuple[int, float, float, int], kv: torch.Tensor | None = None,
                slots: torch.Tensor | None = None) -> None:
    """The prefill's q/k/v [tokens, (heads + 2 kv_heads) * head_dim] (contiguous rows; token i at position
    i % tokens_per_row of prompt row i // tokens_per_row), in place: q and k rotated, k and v rounded to the
    KV grid; with kv (one layer's cache) and slots (one per prompt row), k and v also written there."""
    tokens = qkv.shape[0]
    head_dim = cos.shape[-1]
    write = kv is not None
    keys = kv[0] if write else qkv
    _rotary_rows[(tokens,)](
        qkv, cos, signed_sin, keys, slots if write else qkv, qkv.stride(0), cos.stride(0),
        keys.stride(0) if write else 0, keys.stride(1) if write else 0, keys.stride(2) if write else 0,
        kv.stride(0) if write else 0, tokens_per_row, HEADS=heads, KV_HEADS=kv_heads,
        HEADS_PAD=_pow2(heads + 2 * kv_heads), MODE=mode[0], MAXQ=mode[1], INV_MAXQ=mode[2], HEAD_DIM=head_dim,
        GROUP_SIZE=mode[3], WRITE_KV=write, num_warps=4)


def add_rms_norm(hidden: torch.Tensor, addend: torch.Tensor | None, weight: torch.Tensor,
                 eps: float, pdl: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """(hidden + addend, rms_norm(hidden + addend) * weight) in one kernel (hidden updated in place);
    without an addend, (hidden, its norm). hidden [rows, width]; addend a GEMM output [rows, width] or its
    float32 split-K partials."""
    rows, width = hidden.shape
    normed = torch.empty_like(hidden)
    if addend is None:
        splits, stride_split, y, stride_y = 1, 0, hidden, hidden.stride(0)
    else:
        (splits, stride_split), y, stride_y = _splits(addend), addend, addend.stride(-2)
    _add_rms_norm[(rows,)](
        hidden, y, weight, hidden, normed, hidden, width, eps, hidden.stride(0), stride_split, stride_y,
        hidden.stride(0), normed.stride(0), HAS_ADD=addend is not None, EMBED=False, SPLITS=splits,
        BLOCK=_pow2(width), num_warps=4 if width <= 4096 else 8, **_gdc(pdl))
    return hidden, normed


def embed_rms_norm(tokens: torch.Tensor, table: torch.Tensor, weight: torch.Tensor, eps: float,
                   pdl: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """(table[tokens], rms_norm(table[tokens]) * weight) in one kernel: the embedding lookup and the first
    layer's norm of a decode step (add_rms_norm's arithmetic). tokens [rows] (long); table [vocab, width]."""
    rows, width = tokens.shape[0], table.shape[1]
    hidden = torch.empty((rows, width), dtype=table.dtype, device=table.device)
    normed = torch.empty_like(hidden)
    _add_rms_norm[(rows,)](
        table, table, weight, hidden, normed, tokens, width, eps, table.stride(0), 0, 0, hidden.stride(0),
        normed.stride(0), HAS_ADD=False, EMBED=True, SPLITS=1, BLOCK=_pow2(width),
        num_warps=4 if width <= 4096 else 8, **_gdc(pdl))
    return hidden, normed


def silu_mul(gate_up: torch.Tensor, dtype: torch.dtype | None = None, pdl: bool = False) -> torch.Tensor:
    """silu(gate) * up of the fused gate/up GEMM's output [rows, 2 * inner] (or its float32 split-K
    partials): one kernel instead of two."""
    splits, stride_split = _splits(gate_up)
    rows, width = gate_up.shape[-2:]
    inner = width // 2
    out = torch.empty((rows, inner), dtype=dtype or gate_up.dtype, device=gate_up.device)
    block = 1024
    _silu_mul[(rows, triton.cdiv(inner, block))](gate_up, out, inner, gate_up.stride(-2), stride_split, out.stride(0),
                                                 SPLITS=splits, BLOCK=block, num_warps=4, **_gdc(pdl))
    return out


class DecodeState(NamedTuple):
    """The slot state a greedy decode step advances (fast.py): each slot's next token, its position and
    step count; the chunk's output [chunk steps, slots] and the row of it this step fills (counter [1])."""
    tokens: torch.Tensor
    positions: torch.Tensor
    steps: torch.Tensor
    out: torch.Tensor
    counter: torch.Tensor
    capacity: int


def argmax(logits: torch.Tensor, pdl: bool = False, state: DecodeState | None = None) -> torch.Tensor:
    """logits [rows, vocab] -> the first index of each row's maximum (long), as torch.argmax: two kernels
    that spread a row over many programs (torch's reduction runs one row per block: few blocks at decode).
    With `state`, the tokens go to state.tokens and the step's bookkeeping happens too (argmax_merge)."""
    rows, width = logits.shape
    block = 4096
    blocks = triton.cdiv(width, block)
    values = torch.empty((rows, blocks), dtype=torch.float32, device=logits.device)
    index = torch.empty((rows, blocks), dtype=torch.int32, device=logits.device)
    _argmax_blocks[(rows, blocks)](logits, values, index, width, logits.stride(0), blocks, BLOCK=block, num_warps=8,
                                        **_gdc(pdl))
    return argmax_merge(values, index, pdl, state)


def argmax_merge(values: torch.Tensor, index: torch.Tensor, pdl: bool = False,
                 state: DecodeState | None = None) -> torch.Tensor:
    """argmax's second stage over the first stage's per-block maxima and indices [rows, blocks] (from
    argmax or gemm_argmax): each row's first index of its maximum (long). With `state` (a greedy decode
    step), in the same kernel: the tokens stored as state.tokens (returned) and in row state.counter of
    state.out, each position advanced by one (at most capacity - 1) and each step count by one; the
    caller advances the counter."""
    rows, blocks = values.shape
    if state is None:
        out = torch.empty(rows, dtype=torch.long, device=values.device)
        chunk, counter, positions, steps, stride_chunk, capacity = out, out, out, out, 0, 0
    else:
        out, chunk, counter, positions, steps = state.tokens, state.out, state.counter, state.positions, state.steps
        stride_chunk, capacity = chunk.stride(0), state.capacity
    width = max(16, _pow2(blocks))
    _argmax_merge[(rows,)](values, index, out, blocks, chunk, counter, positions, steps, stride_chunk, capacity,
                           BLOCKS=width, STEP=state is not None, num_warps=1 if width <= 1024 else 4, **_gdc(pdl))
    return out


# -- the decode's skinny GEMMs --------------------------------------------------------------------------------
# (BLOCK_M, BLOCK_N, BLOCK_K, splits, num_warps, num_stages); None: cuBLAS through F.linear.
GemmConfig = tuple[int, int, int, int, int, int]


def gemm(x: torch.Tensor, weight: torch.Tensor, config: GemmConfig, pdl: bool = False) -> torch.Tensor:
    """x [M, K] @ weight[N, K]^T with the Triton kernel: [M, N] in x's dtype with one split, else the float32
    partials [splits, M, N] (the consumer kernels sum them; `dense` does it for the others). An 8-field
    configuration is the weight-streaming kernel's (`gemm_stream`)."""
    if len(config) == 9:
        return gemm_stream(x, weight, config, pdl)
    block_m, block_n, block_k, splits, warps, stages = config
    rows, width = x.shape
    n = weight.shape[0]
    if splits == 1:
        out = torch.empty((rows, n), dtype=x.dtype, device=x.device)
    else:
        out = torch.empty((splits, rows, n), dtype=torch.float32, device=x.device)
    precision = "ieee" if x.dtype == torch.float32 else "tf32"
    _gemm[(triton.cdiv(rows, block_m), triton.cdiv(n, block_n), splits)](
        x, weight, out, rows, n, width // splits, x.stride(0), weight.stride(0), out.stride(0) if splits > 1 else 0,
        out.stride(-2), BLOCK_M=block_m, BLOCK_N=block_n, BLOCK_K=block_k, PRECISION=precision,
        num_warps=warps, num_stages=stages, **_prefetch(weight, width // splits, block_k, pdl))
    return out


# (BLOCK_M, BLOCK_N, BLOCK_K, splits, num_warps, num_stages, swap, atomic, tma) for `gemm_stream` (tma:
# TMA descriptors, one split, no swap, no atomics).
StreamConfig = tuple[int, int, int, int, int, int, bool, bool, bool]


def gemm_stream(x: torch.Tensor, weight: torch.Tensor, config: StreamConfig, pdl: bool = False,
                epilogue: str = "store"):
    """x [M, K] @ weight[N, K]^T with the weight-streaming kernel (`tma`: its tiles loaded through TMA
    descriptors; one split, no swap, no atomics): [M, N] in x's dtype (one split, no atomics), or with
    `atomic` the float32 sum of the splits as partials [1, M, N] (zeroed here, then every split adds into
    it; the consumer kernels read it as one split). With two splits the sum is deterministic (0 + a + b
    either way round); more splits add in whatever order they finish. epilogue (one split, no swap, no
    atomics): "silu" (gemm_silu), "argmax" (gemm_argmax)."""
    block_m, block_n, block_k, splits, warps, stages, swap, atomic, tma = config
    if epilogue != "store" and (splits != 1 or swap or atomic):
        raise ValueError(f"the {epilogue} epilogue needs one split without swap or atomics, not {config}")
    rows, width = x.shape
    n = weight.shape[0] // 2 if epilogue == "silu" else weight.shape[0]
    index = None
    if epilogue == "argmax":
        out = torch.empty((rows, triton.cdiv(n, block_n)), dtype=torch.float32, device=x.device)
        index = torch.empty(out.shape, dtype=torch.int32, device=x.device)
    elif atomic:
        out = torch.zeros((1, rows, n), dtype=torch.float32, device=x.device)
    else:
        out = torch.empty((rows, n), dtype=x.dtype, device=x.device)
    flags = {"SILU": epilogue == "silu", "ARGMAX": epilogue == "argmax",
             "PRECISION": "ieee" if x.dtype == torch.float32 else "tf32"}
    options = {"num_warps": warps, "num_stages": stages, **_prefetch(weight, width // splits, block_k, pdl)}
    grid = (triton.cdiv(n, block_n), triton.cdiv(rows, block_m), splits)
    if tma:
        from triton.tools.tensor_descriptor import TensorDescriptor

        _gemm_tma[grid[:2]](
            TensorDescriptor.from_tensor(x, [block_m, block_k]), TensorDescriptor.from_tensor(weight, [block_n, block_k]),
            weight, out, out if index is None else index, rows, n, width, out.stride(-2), weight.stride(0),
            BLOCK_M=block_m, BLOCK_N=block_n, BLOCK_K=block_k, **flags, **options)
    else:
        _gemm_stream[grid](
            x, weight, out, out if index is None else index, rows, n, width // splits, x.stride(0), weight.stride(0),
            out.stride(-2), BLOCK_M=block_m, BLOCK_N=block_n, BLOCK_K=block_k, SWAP=swap, ATOMIC=atomic, **flags,
            **options)
    return (out, index) if epilogue == "argmax" else out


def gemm_silu(x: torch.Tensor, gate_up: torch.Tensor, config: StreamConfig, pdl: bool = False) -> torch.Tensor:
    """silu(x @ gate^T) * (x @ up^T) for the fused gate/up weight [2 * inner, K] (gate rows first): one
    weight-streaming kernel whose programs compute a gate tile and the matching up tile and store only
    the product, [M, inner] in x's dtype: bit-identical to silu_mul over gemm_stream's output with the
    same configuration, without writing and re-reading the two halves or launching silu_mul."""
    return gemm_stream(x, gate_up, config, pdl, "silu")


def gemm_argmax(x: torch.Tensor, weight: torch.Tensor, config: StreamConfig,
                pdl: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """argmax's first stage over x @ weight^T without storing the product (lm_head for greedy rows: the
    logits, 64 x 128k at batch 64, are never written): each row's largest value per BLOCK_N columns, as
    rounded to x's dtype, and its first index ([M, blocks] float32 and int32), for argmax_merge."""
    return gemm_stream(x, weight, config, pdl, "argmax")


def silu_candidates(rows: int, k: int, element_size: int = 2) -> list[StreamConfig]:
    """Configurations of gemm_silu worth timing for `rows` slots (up to 64): small BLOCK_N (each program
    streams two tiles of weight rows, so half as many programs as gemm_stream's at the same BLOCK_N),
    plain and TMA loads, the pipeline's stages (BLOCK_M + 2 BLOCK_N) x BLOCK_K elements each within shared
    memory; BLOCK_K 64 where 128 does not fit (float32)."""
    if rows > 64:
        return []
    block_m = 16 if rows <= 16 else 32 if rows <= 32 else 64
    configs = [(block_m, 16, 128, 1, 4, 5, False, False, False), (block_m, 32, 128, 1, 4, 4, False, False, False),
               (block_m, 64, 128, 1, 4, 3, False, False, False), (block_m, 32, 128, 1, 4, 4, False, False, True),
               (block_m, 64, 128, 1, 4, 3, False, False, True), (block_m, 16, 64, 1, 4, 4, False, False, False),
               (block_m, 32, 64, 1, 4, 3, False, False, True)]
    fits = [c for c in configs if k % c[2] == 0 and (c[0] + 2 * c[1]) * c[2] * element_size * c[5] <= SHARED_BYTES]
    wide = [c for c in fits if c[2] == 128]
    return wide or fits


SHARED_BYTES = 224 * 1024  # an H200 SM's shared memory for one program (the hardware limit is 227 KB)


def gemm_candidates(rows: int, n: int, k: int, splits_allowed: bool = True, element_size: int = 2,
                    pdl: bool = False) -> list[GemmConfig]:
    """Triton configurations worth timing for a decode GEMM of `rows` slots: K split so that a few hundred
    programs stream the weight (the skinny shapes leave most of the GPU idle otherwise). From 33 to 64 rows,
    the two weight-streaming configurations that matched or beat cuBLAS in the H200 sweep (2026-12-04,
    docs/benchmarks.md: lm_head 139 against 145 us, o_proj a tie at BLOCK_N 16), without atomics (their
    sums would depend on the order the splits finish). A streaming configuration whose pipeline stages
    ((BLOCK_M + BLOCK_N) * BLOCK_K elements each) do not fit in shared memory at `element_size` is left out
    (float32 doubles them: on the H200 run of 2026-12-04 (64, 64, 128, 4 stages) asked for 262,160 bytes).
    With `pdl` (the kernels prefetch their first weight tiles and overlap the previous kernel) at 33-64
    rows: streaming tiles (plain and TMA) and split-K
    with 2 to 8 splits, whose float32 partials the next kernel sums in a fixed order (deterministic; the
    first H200 run picked 2 splits for q/k/v and 4 for o_proj and down_proj, 2026-12-04)."""
    if 32 < rows <= 64 and pdl:
        streams = [(64, 64, 128, 1, 4, 3, False, False, False), (64, 16, 128, 1, 4, 5, False, False, False),
                   (64, 32, 128, 1, 4, 4, False, False, False), (64, 64, 128, 1, 4, 3, False, False, True),
                   (64, 16, 256, 1, 4, 4, False, False, True)]
        found = [c for c in streams if k % c[2] == 0 and (c[0] + c[1]) * c[2] * element_size * c[5] <= SHARED_BYTES]
        if splits_allowed:
            # Wider (BLOCK_N 128, BLOCK_K 256), deeper (6 stages) and 8-split variants never won on an H100
            # (2026-12-07, docs/benchmarks.md): not timed.
            splits = [(64, 64, 128, 2, 4, 4), (64, 64, 128, 4, 4, 4), (64, 32, 128, 4, 4, 4), (64, 64, 128, 8, 4, 3)]
            found += [c for c in splits if k % (c[3] * c[2]) == 0
                      and (c[0] + c[1]) * c[2] * element_size * c[5] <= SHARED_BYTES]
        return found
    if 32 < rows <= 64:  # the last three: the same tiles through TMA (not in that sweep; timed here)
        streams = [(64, 64, 128, 1, 4, 3, False, False, False), (64, 16, 128, 1, 4, 5, False, False, False),
                   (64, 64, 128, 1, 4, 4, False, False, True), (64, 32, 256, 1, 4, 3, False, False, True),
                   (64, 128, 128, 1, 4, 3, False, False, True)]
        return [c for c in streams if k % c[2] == 0  # the plain kernel's K loop is not masked
                and (c[0] + c[1]) * c[2] * element_size * c[5] <= SHARED_BYTES]
    block_m = 16 if rows <= 16 else 32 if rows <= 32 else 64
    sms = 132
    found = []
    for block_n, block_k, warps, stages in ((64, 128, 4, 4), (128, 128, 8, 3), (32, 256, 4, 3)):
        tiles = triton.cdiv(rows, block_m) * triton.cdiv(n, block_n)
        options = [s for s in (1, 2, 4, 8, 16) if k % (s * block_k) == 0 and (s == 1 or splits_allowed)]
        enough = [s for s in options if tiles * s >= 2 * sms] or options[-1:]
        for splits in enough[:2]:
            found.append((block_m, block_n, block_k, splits, warps, stages))
    return found


_GEMM_CHOICE: dict = {}
GEMM_MARGIN = 1.02  # a Triton kernel replaces cuBLAS only when at least 2 % faster
GEMM_LOG: list[str] = []  # one line per timed choice (cuBLAS and each candidate), for benchmarks and logs


def gemm_choice(name: str, weights: list[torch.Tensor], rows: int, splits_allowed: bool = True,
                log=None, pdl: bool = False) -> GemmConfig | None:
    """Time cuBLAS and the Triton candidates on this GPU for `rows` rows over every layer's weight of this
    shape (as a decode step runs them, one CUDA graph) and keep the fastest (None: cuBLAS). Remembered per
    shape for the process: timings move by noise, and a choice that flips between generations would only
    make the outputs differ by an ulp for no reason. QREASON_DECODE_GEMM=cublas|triton forces one side.
    pdl: the candidates are launched with programmatic dependent launch, as the decode step launches them
    (one after another in the graph, each prefetching its weights under the previous one's tail)."""
    import os

    weight = weights[0]
    n, k = weight.shape
    key = (name, rows, n, k, len(weights), weight.dtype, str(weight.device), splits_allowed, pdl)
    if key in _GEMM_CHOICE:
        return _GEMM_CHOICE[key]
    forced = os.environ.get("QREASON_DECODE_GEMM", "auto")
    if weight.device.type != "cuda" or (forced == "auto" and rows > 64):
        # Measured on an H200 (2026-12-04, docs/benchmarks.md): at 256 rows cuBLAS beat every candidate on
        # every decode shape (by 1.1-2x); at 64 the weight-streaming kernel ties or wins by a few percent.
        _GEMM_CHOICE[key] = None
        return None
    x = torch.randn((rows, k), device=weight.device, dtype=weight.dtype)
    candidates = [] if forced == "cublas" else gemm_candidates(rows, n, k, splits_allowed, weight.element_size(), pdl)
    timings: list[tuple[float, GemmConfig | None]] = []
    with torch.cuda.device(weight.device):
        linear = lambda: [torch.nn.functional.linear(x, w) for w in weights]  # noqa: E731
        _time_candidates(timings, candidates, linear if forced != "triton" or not candidates else None,
                         lambda config: lambda: [gemm(x, w, config, pdl) for w in weights], f"gemm {name}", log)
    timings.sort(key=lambda item: item[0])
    choice = timings[0][1]
    cublas = next((ms for ms, c in timings if c is None), None)
    if choice is not None and cublas is not None and cublas <= timings[0][0] * GEMM_MARGIN:
        choice = None  # a win inside the timing noise is not worth another kernel's rounding order
    if log:
        bytes_ = weight.numel() * weight.element_size() * len(weights)
        table = ", ".join(f"{'cublas' if c is None else c}: {ms * 1000 / len(weights):.1f} us "
                          f"({bytes_ / (ms * 1e-3) / 1e12:.2f} TB/s)" for ms, c in timings)
        log(f"gemm {name} [{rows}x{k}]x[{k}x{n}]{' pdl' if pdl else ''}: {table}")
    _GEMM_CHOICE[key] = choice
    return choice


def silu_choice(weights: list[torch.Tensor], rows: int, unfused: GemmConfig | None, log=None,
                pdl: bool = False) -> StreamConfig | None:
    """Whether the decode's gate/up projection and silu(gate) * up run as one gemm_silu kernel: its
    candidates timed against the pair the decode runs otherwise (`unfused`, gate/up's gemm_choice, None for
    cuBLAS, then silu_mul) over every layer's fused gate/up weight in one CUDA graph; a fused configuration
    only when GEMM_MARGIN faster (None: the pair). Remembered per shape, as gemm_choice's.
    QREASON_DECODE_GEMM=cublas: never fused; =triton: the fastest fused candidate, unfused not timed."""
    import os

    weight = weights[0]
    n, k = weight.shape
    key = ("silu", rows, n, k, len(weights), weight.dtype, str(weight.device), unfused, pdl)
    if key in _GEMM_CHOICE:
        return _GEMM_CHOICE[key]
    forced = os.environ.get("QREASON_DECODE_GEMM", "auto")
    candidates = [] if forced == "cublas" or weight.device.type != "cuda" else \
        silu_candidates(rows, k, weight.element_size())
    if not candidates:
        _GEMM_CHOICE[key] = None
        return None
    x = torch.randn((rows, k), device=weight.device, dtype=weight.dtype)
    pair = (lambda w: torch.nn.functional.linear(x, w)) if unfused is None else (lambda w: gemm(x, w, unfused, pdl))
    timings: list[tuple[float, StreamConfig | None]] = []
    with torch.cuda.device(weight.device):
        _time_candidates(timings, candidates,
                         None if forced == "triton" else lambda: [silu_mul(pair(w), x.dtype, pdl) for w in weights],
                         lambda config: lambda: [gemm_silu(x, w, config, pdl) for w in weights], "gemm_silu", log)
    timings.sort(key=lambda item: item[0])
    choice = timings[0][1] if timings else None
    paired = next((ms for ms, c in timings if c is None), None)
    if choice is not None and paired is not None and paired <= timings[0][0] * GEMM_MARGIN:
        choice = None
    if log and timings:
        table = ", ".join(f"{'pair ' + str(unfused or 'cublas') if c is None else c}: {ms * 1000 / len(weights):.1f} us"
                          for ms, c in timings)
        log(f"gemm_silu [{rows}x{k}]x[{k}x{n}]{' pdl' if pdl else ''}: {table}")
    _GEMM_CHOICE[key] = choice
    return choice


def _time_candidates(timings: list, candidates: list, baseline, run, name: str, log) -> None:
    """Append (ms, None) for `baseline` (one pass over every layer's weight; None: not timed) and (ms,
    config) for each candidate (`run(config)`: its pass) to timings; a configuration that does not compile
    or run here is skipped (and logged)."""
    if baseline is not None:
        timings.append((_graph_ms(baseline), None))
    for config in candidates:
        try:
            timings.append((_graph_ms(run(config)), config))
        except Exception as error:  # noqa: BLE001 - a configuration that does not compile here: skip it
            if log:
                log(f"{name} {config}: {type(error).__name__}: {error}")


def _graph_ms(work, replays: int = 10) -> float:
    """Milliseconds of one pass of `work` captured as a CUDA graph (median of `replays` replays)."""
    work()
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        work()
    graph.replay()
    torch.cuda.synchronize()
    times = []
    for _ in range(replays):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        graph.replay()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    del graph
    return sorted(times)[len(times) // 2]


def _attend_stages(programs: int) -> int:
    # Measured on an H200 (2026-12-04): a third pipeline stage is 7-9 % faster with ~512 programs (batch 64),
    # 1-2 % slower with ~2048 (batch 256).
    return 3 if programs <= 1024 else 2


def attend(q: torch.Tensor, kv: torch.Tensor, positions: torch.Tensor, length: int, scale: float,
           split: int | None = None, block_n: int | None = None, warps: int = 4, stages: int | None = None,
           pdl: bool = False) -> torch.Tensor:
    """q [slots, heads, head_dim] (unit last stride); kv one layer's cache [2, slots, capacity, kv_heads,
    head_dim]; slot s attends over its positions 0..positions[s] (at most `length`). Returns [slots, heads *
    head_dim] in q's dtype. split: positions per program (default split_size); one split over the whole
    length stores the output directly, without partials and the merge kernel."""
    slots, heads, head_dim = q.shape
    keys = kv[0]
    kv_heads = keys.shape[2]
    group = heads // kv_heads
    split = split or split_size(length, slots * kv_heads)
    splits = triton.cdiv(length, split)
    direct = splits == 1
    if stages is None:
        stages = _attend_stages(slots * kv_heads * splits)
    out = torch.empty((slots, heads * head_dim), dtype=q.dtype, device=q.device)
    if direct:
        part_o = part_l = out
    else:
        part_o = torch.empty((slots, kv_heads, splits, group, head_dim), dtype=torch.float32, device=q.device)
        part_l = torch.empty((slots, kv_heads, splits, group), dtype=torch.float32, device=q.device)
    precision = "ieee" if q.dtype == torch.float32 else "tf32"
    g_pad = max(16, _pow2(group))
    _attend_split[(slots, kv_heads, splits)](
        q, keys, positions, part_o, part_l, out, length, scale * LOG2E, q.stride(0), q.stride(1),
        keys.stride(0), keys.stride(1), keys.stride(2), kv.stride(0), out.stride(0), head_dim,
        KV_HEADS=kv_heads, SPLITS=splits, GROUP=group, G_PAD=g_pad, HEAD_DIM=head_dim, SPLIT=split,
        BLOCK_N=block_n or (64 if head_dim <= 128 else 32), PRECISION=precision, DIRECT=direct, num_warps=warps,
        num_stages=stages, **_gdc(pdl))
    if not direct:
        _attend_merge[(slots, kv_heads)](
            part_o, part_l, positions, out, length, out.stride(0), head_dim,
            KV_HEADS=kv_heads, SPLITS=splits, GROUP=group, G_PAD=g_pad, HEAD_DIM=head_dim, SPLIT=split, num_warps=4,
            **_gdc(pdl))
    return out


_VERIFIED: dict = {}


def verified(device: torch.device, dtype: torch.dtype) -> str | None:
    """Run every kernel once on small random inputs against its eager reference (once per device and dtype):
    None when they agree, else why not, and the fused decode then keeps the eager path (a Triton or driver
    version that compiles them differently must not change what the engine generates)."""
    key = (str(device), dtype)
    if key not in _VERIFIED:
        try:
            _VERIFIED[key] = _check(device, dtype)
        except Exception as error:  # noqa: BLE001 - a kernel that fails to compile or run: the eager path
            _VERIFIED[key] = f"{type(error).__name__}: {error}"
    return _VERIFIED[key]


def pdl_verified(device: torch.device, dtype: torch.dtype) -> str | None:
    """A chain of the decode kernels launched with PDL and captured in a CUDA graph, against the same chain
    launched plainly (once per device and dtype): None when every output is bit-identical, else why not
    (the fused decode then launches without PDL). Catches a driver that cannot capture programmatic
    launches and a kernel that reads before it waits (a race shows as a difference)."""
    key = ("pdl", str(device), dtype)
    if key not in _VERIFIED:
        try:
            with torch.cuda.device(device):  # the capture runs on the current device's stream
                _VERIFIED[key] = _check_pdl(device, dtype)
        except Exception as error:  # noqa: BLE001 - a launch or capture that fails: no PDL
            _VERIFIED[key] = f"{type(error).__name__}: {error}"
    return _VERIFIED[key]


def _check_pdl(device: torch.device, dtype: torch.dtype) -> str | None:
    generator = torch.Generator(device=device).manual_seed(1)
    randn = lambda *shape: torch.randn(shape, generator=generator, device=device).to(dtype)  # noqa: E731
    rows, width, inner = 48, 256, 512
    heads, kv_heads, head_dim, capacity = 4, 2, 64, 64
    table, tokens, norm = randn(100, width), torch.arange(rows, device=device) * 7 % 100, randn(width)
    qkv_w, o_w = randn((heads + 2 * kv_heads) * head_dim, width) * 0.1, randn(width, heads * head_dim) * 0.1
    gate_up, down, logits_w = randn(2 * inner, width) * 0.1, randn(width, inner) * 0.1, randn(1000, width)
    cos, sin, kv = randn(capacity, head_dim), randn(capacity, head_dim), randn(2, rows, capacity, kv_heads, head_dim)
    positions = torch.arange(rows, device=device)
    stream, split = (64, 16, 64, 1, 4, 2, False, False, False), (64, 32, 64, 2, 4, 2)

    def chain(pdl: bool) -> list[torch.Tensor]:
        # One decode layer and the greedy head, as the fused decode launches them (state made anew in the
        # graph, so every replay starts from the same one).
        h, x = embed_rms_norm(tokens, table, norm, 1e-5, pdl)
        cache = kv.clone()
        out = rotary_attend(gemm(x, qkv_w, split, pdl), cos, sin, positions, cache, heads, kv_heads,
                            kv_mode(None, head_dim), capacity, head_dim ** -0.5, dtype, pdl, split=capacity)
        h, x = add_rms_norm(h, gemm(out, o_w, split, pdl), norm, 1e-5, pdl)
        paired = silu_mul(gemm(x, gate_up, stream, pdl), dtype, pdl)
        h, x = add_rms_norm(h, gemm(gemm_silu(x, gate_up, stream, pdl), down, split, pdl), norm, 1e-5, pdl)
        logits = gemm(x, logits_w, stream, pdl)
        state = DecodeState(torch.zeros_like(tokens), positions.clone(), positions.clone(),
                            torch.zeros((2, rows), dtype=torch.long, device=device),
                            torch.ones(1, dtype=torch.long, device=device), capacity)
        argmax_merge(*gemm_argmax(x, logits_w, stream, pdl), pdl, state)
        return [h, x, cache, paired, logits, argmax(logits, pdl), state.tokens, state.positions, state.steps,
                state.out]

    names = ("hidden", "norm", "cache", "silu_mul", "logits", "argmax", "tokens", "positions", "steps", "chunk")
    expected = chain(False)
    chain(True)  # compiles the PDL variants outside the capture
    torch.cuda.synchronize(device)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        got = chain(True)
    for _ in range(3):
        graph.replay()
        torch.cuda.synchronize(device)
        for name, a, b in zip(names, got, expected):
            if not torch.equal(a, b):
                return f"PDL chain in a CUDA graph: {name} differs from the plain launches"
    return None


def _check(device: torch.device, dtype: torch.dtype) -> str | None:
    import torch.nn.functional as F

    from ..quant.kv import KVQuantizer

    generator = torch.Generator(device=device).manual_seed(0)
    slots, heads, kv_heads, head_dim, capacity = 3, 8, 2, 64, 256
    tolerance = 1e-4 if dtype == torch.float32 else 3e-2
    randn = lambda *shape: torch.randn(shape, generator=generator, device=device).to(dtype)  # noqa: E731
    kv = randn(2, slots, capacity, kv_heads, head_dim)
    positions = torch.tensor([0, 100, capacity - 1], device=device)
    qkv = randn(slots, (heads + 2 * kv_heads) * head_dim)
    cos, sin = randn(capacity, head_dim), randn(capacity, head_dim)
    quantizer = KVQuantizer(4)
    q = rotary_write(qkv, cos, sin, positions, kv, heads, kv_heads, kv_mode(quantizer, head_dim))
    x = qkv[:, :(heads + kv_heads) * head_dim].view(slots, heads + kv_heads, head_dim)
    c, s = cos[positions][:, None], sin[positions][:, None]
    rotated = torch.addcmul(x * c, x.roll(head_dim // 2, dims=-1), s)
    if not torch.allclose(q.float(), rotated[:, :heads].float(), atol=tolerance, rtol=tolerance):
        return "rotary_write: queries differ from the eager rotary embedding"
    slot = torch.arange(slots, device=device)
    keys = quantizer.round(rotated[:, heads:])
    values = quantizer.round(qkv[:, (heads + kv_heads) * head_dim:].view(slots, kv_heads, head_dim))
    for stored, expected in ((kv[0, slot, positions], keys), (kv[1, slot, positions], values)):
        # In float32 an ulp of the rotation moves a group's scale by an ulp: close, not equal; a moved code
        # (rare) is a whole step off.
        if torch.isclose(stored.float(), expected.float(), rtol=1e-4, atol=1e-6).float().mean() < 0.98:
            return "rotary_write: cached entries differ from the eager KV rounding"
    gate_up = randn(slots, 2 * 300)
    if not torch.allclose(silu_mul(gate_up).float(), (F.silu(gate_up[:, :300]) * gate_up[:, 300:]).float(),
                          atol=tolerance, rtol=tolerance):
        return "silu_mul differs from silu(gate) * up"
    length = capacity
    out = attend(q, kv, positions, length, head_dim ** -0.5)
    visible = torch.arange(length, device=device)[None, :] <= positions[:, None]
    mask = torch.zeros(visible.shape, device=device).masked_fill(~visible, float("-inf"))[:, None, None, :]
    grouped = q.float().reshape(slots, kv_heads, heads // kv_heads, head_dim)
    expected = F.scaled_dot_product_attention(grouped, kv[0].transpose(1, 2).float(), kv[1].transpose(1, 2).float(),
                                              attn_mask=mask, scale=head_dim ** -0.5).reshape(slots, -1)
    if not torch.allclose(out.float(), expected, atol=tolerance, rtol=tolerance):
        return "attend differs from masked SDPA"
    direct = attend(q, kv, positions, length, head_dim ** -0.5, split=length)
    if not torch.allclose(direct.float(), expected, atol=tolerance, rtol=tolerance):
        return "attend (one split, direct store) differs from masked SDPA"
    fused_kv = kv.clone()
    fused_kv[:, slot, positions] = 0  # rotary_write's entries: rotary_attend must write them again
    fused = rotary_attend(qkv, cos, sin, positions, fused_kv, heads, kv_heads, kv_mode(quantizer, head_dim), length,
                          head_dim ** -0.5, split=length)
    if not (torch.equal(fused, direct) and torch.equal(fused_kv, kv)):
        return "rotary_attend differs from rotary_write then attend"
    hidden, addend, weight = randn(slots, 300), randn(slots, 300), randn(300)
    new_hidden, normed = add_rms_norm(hidden.clone(), addend, weight, 1e-5)
    summed = hidden + addend
    if not torch.allclose(new_hidden.float(), summed.float(), atol=tolerance, rtol=tolerance) or not torch.allclose(
            normed.float(), F.rms_norm(summed, (300,), weight, 1e-5).float(), atol=tolerance, rtol=tolerance):
        return "add_rms_norm differs from hidden + addend and F.rms_norm"
    x, w = randn(slots, 256), randn(96, 256)
    for config in ((16, 32, 64, 1, 4, 2), (16, 32, 64, 4, 4, 2)):
        got = dense(gemm(x, w, config), dtype)
        if not torch.allclose(got.float(), F.linear(x, w).float(), atol=10 * tolerance, rtol=10 * tolerance):
            return f"gemm {config} differs from F.linear"
    stream = (16, 32, 64, 1, 4, 2, False, False, False)
    if not torch.equal(gemm_silu(x, w, stream), silu_mul(gemm(x, w, stream))):
        return "gemm_silu differs from silu_mul over the same GEMM"
    w[70] = w[5] = x[0] * 4  # row 0: a tie at its maximum across blocks, the first index wins
    if not torch.equal(argmax_merge(*gemm_argmax(x, w, stream)), argmax(gemm(x, w, stream))):
        return "gemm_argmax differs from argmax over the same GEMM"
    logits = randn(slots, 5000)
    logits[1, 4000:] = logits[1].max() + 1  # ties: the first index wins
    if not torch.equal(argmax(logits), logits.argmax(dim=-1)):
        return "argmax differs from torch.argmax"
    tokens, steps, out = torch.zeros(slots, dtype=torch.long, device=device), positions.clone(), \
        torch.zeros((4, slots), dtype=torch.long, device=device)
    state = DecodeState(tokens, positions.clone(), steps, out, torch.tensor([2], device=device), capacity)
    argmax(logits, state=state)
    chosen = logits.argmax(dim=-1)
    if not (torch.equal(tokens, chosen) and torch.equal(out[2], chosen) and not out[[0, 1, 3]].any()
            and torch.equal(state.positions, (positions + 1).clamp(max=capacity - 1))
            and torch.equal(steps, positions + 1)):
        return "argmax's step bookkeeping differs from the eager updates"
    table = randn(50, 300)
    ids = torch.tensor([7, 0, 49], device=device)
    embedded, normed = embed_rms_norm(ids, table, weight, 1e-5)
    if not (torch.equal(embedded, table[ids]) and torch.equal(normed, add_rms_norm(table[ids], None, weight, 1e-5)[1])):
        return "embed_rms_norm differs from the lookup then add_rms_norm"
    rows_qkv = randn(2 * 7, (heads + 2 * kv_heads) * head_dim)
    before = rows_qkv.clone()
    rotary_rows(rows_qkv, cos, sin, 7, heads, kv_heads, kv_mode(None, head_dim))
    x = before[:, :(heads + kv_heads) * head_dim].view(14, heads + kv_heads, head_dim)
    index = torch.arange(14, device=device) % 7
    expected = torch.addcmul(x * cos[index][:, None], x.roll(head_dim // 2, dims=-1), sin[index][:, None])
    if not torch.allclose(rows_qkv[:, :(heads + kv_heads) * head_dim].float(), expected.reshape(14, -1).float(),
                          atol=tolerance, rtol=tolerance):
        return "rotary_rows differs from the eager rotary embedding"
    return None
