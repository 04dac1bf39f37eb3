"""Start-up checks of the decode kernels on this GPU (slot_forward.py runs them once per device and dtype
before the fused decode uses them): every kernel on small random inputs against its eager reference
(`verified`), and a chain of them launched with PDL and captured in a CUDA graph against plain launches
(`pdl_verified`). A Triton or driver that compiles them differently must not change what the engine
generates: on a failure the fused decode keeps the eager path (or launches without PDL).
"""

from __future__ import annotations

import torch

from .decode_gemm import gemm, gemm_argmax, gemm_silu
from .decode_kernels import (DecodeState, add_rms_norm, argmax, argmax_merge, attend, dense, embed_rms_norm,
                             kv_mode, rotary_attend, rotary_rows, rotary_write, silu_mul)


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
