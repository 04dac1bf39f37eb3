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
- `write_kv`: the new key and value of every slot written at the slot's position, in one kernel per layer;
  with a KV scheme the asymmetric min-max integer rounding (groups along the head dimension, the
  arithmetic of quant/grid.py: IEEE division, round half to even) or the fp8 e4m3 round trip happens in
  the kernel, instead of a dozen elementwise kernels per tensor.

On Hopper and later the fused decode launches these kernels with programmatic dependent launch (PDL,
`pdl_wanted`): each waits on the previous kernel (`gdc_wait`) before reading its output, then lets the next
one start; a GEMM first asks L2 for its first weight tiles, which no kernel writes. At 33-64 rows that made
the Triton GEMMs beat cuBLAS on every decode shape (H200, 2026-12-04: batch 64 +4.8 to +9.4 %, docs/benchmarks.md).

The decode's GEMMs (split-K, weight streaming, their silu and argmax epilogues, and the timed choice
against cuBLAS) are in decode_gemm.py; the start-up checks of every kernel against its eager reference in
kernel_checks.py. The shared pieces live here: Triton's import, the PDL switches (`_enter`, `_gdc`), the
split-K partials' sum (`dense`), the CUDA-graph timing and the choice registry.

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
_GEMM_CHOICE: dict = {}  # timed choices (decode_gemm.py's and attend_stages_choice), per shape, for the process
GEMM_MARGIN = 1.02  # a Triton kernel replaces cuBLAS only when at least 2 % faster
GEMM_LOG: list[str] = []  # one line per timed choice (cuBLAS and each candidate), for benchmarks and logs


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
