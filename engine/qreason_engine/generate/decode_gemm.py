"""Triton GEMMs for the fast path's decode projections on a GPU: few rows (the slots) against a whole weight,
so the work is streaming the weight once, and cuBLAS's tiles leave most SMs idle at these shapes.

- `gemm`: split-K (`_gemm`): K split so that a few hundred programs stream the weight, each split's float32
  partial stored for the consumer kernel to sum (decode_kernels: rotary_attend, add_rms_norm, silu_mul) in
  a fixed order; or, with a 9-field configuration, the weight-streaming kernel.
- `gemm_stream`: small BLOCK_N so N / BLOCK_N fills the SMs without splitting K, plain or TMA loads, the
  swapped MMA, atomic splits; its epilogues (`_store_tile`): `gemm_silu` (the fused gate/up weight, only
  silu(gate) * up stored) and `gemm_argmax` (lm_head's logits reduced to argmax's first stage, never stored).
- `gemm_choice` / `silu_choice`: the candidates (`gemm_candidates`, `silu_candidates`) timed against cuBLAS
  (or GEMM + silu_mul) over every layer's weight in one CUDA graph on this GPU; the faster kept per shape.

Under PDL (decode_kernels.pdl_wanted) each GEMM asks L2 for its first weight tiles before waiting on the
previous kernel (`_prefetch_rows`): weights are never written by a decode step, so their stream starts under
the previous kernel's tail.
"""

from __future__ import annotations

import torch

from . import decode_kernels
from .decode_kernels import GEMM_MARGIN, _gdc, _graph_ms, silu_mul, triton

if triton is not None:
    import triton.language as tl

    from .decode_kernels import _enter, _silu_times

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




def _prefetch(weight: torch.Tensor, k_len: int, block_k: int, pdl: bool) -> dict:
    """The GEMM kernels' PDL options and their weight prefetch: the first two BLOCK_K tiles of each
    program's rows (LINES 128-byte lines of LINE elements, a power of two) in the first WAVE programs
    (two per SM: those resident while the previous kernel finishes)."""
    line = max(1, 128 // weight.element_size())
    lines = max(1, min(k_len, 2 * block_k) // line)
    wave = 2 * torch.cuda.get_device_properties(weight.device).multi_processor_count if pdl else 0
    return {**_gdc(pdl), "WAVE": wave, "LINE": line, "LINES": 1 << (lines.bit_length() - 1)}


# (BLOCK_M, BLOCK_N, BLOCK_K, splits, num_warps, num_stages); None: cuBLAS through F.linear.
GemmConfig = tuple[int, int, int, int, int, int]


def gemm(x: torch.Tensor, weight: torch.Tensor, config: GemmConfig, pdl: bool = False) -> torch.Tensor:
    """x [M, K] @ weight[N, K]^T with the Triton kernel: [M, N] in x's dtype with one split, else the float32
    partials [splits, M, N] (the consumer kernels sum them; `dense` does it for the others). A 9-field
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
    if key in decode_kernels._GEMM_CHOICE:
        return decode_kernels._GEMM_CHOICE[key]
    forced = os.environ.get("QREASON_DECODE_GEMM", "auto")
    if weight.device.type != "cuda" or (forced == "auto" and rows > 64):
        # Measured on an H200 (2026-12-04, docs/benchmarks.md): at 256 rows cuBLAS beat every candidate on
        # every decode shape (by 1.1-2x); at 64 the weight-streaming kernel ties or wins by a few percent.
        decode_kernels._GEMM_CHOICE[key] = None
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
    decode_kernels._GEMM_CHOICE[key] = choice
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
    if key in decode_kernels._GEMM_CHOICE:
        return decode_kernels._GEMM_CHOICE[key]
    forced = os.environ.get("QREASON_DECODE_GEMM", "auto")
    candidates = [] if forced == "cublas" or weight.device.type != "cuda" else \
        silu_candidates(rows, k, weight.element_size())
    if not candidates:
        decode_kernels._GEMM_CHOICE[key] = None
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
    decode_kernels._GEMM_CHOICE[key] = choice
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
