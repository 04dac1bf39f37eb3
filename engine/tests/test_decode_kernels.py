"""The fast path's Triton decode kernels against the eager reference they replace: attention over each
slot's used positions against SDPA with the additive mask, and the KV write (rounding inside) against the
KV quantizer's eager rounding. GPU only (QREASON_TEST_DEVICE=cuda with Triton; scripts/gpu/generate-bench.sh
runs them); skipped on the CPU, where the fast path uses the eager reference itself."""

import os

import pytest
import torch
import torch.nn.functional as F

from qreason_engine.generate import decode_gemm, decode_kernels, kernel_checks
from qreason_engine.quant.kv import KVQuantizer

DEVICE = torch.device(os.environ.get("QREASON_TEST_DEVICE", "cpu"))
pytestmark = pytest.mark.skipif(not decode_kernels.available(DEVICE), reason="needs CUDA and Triton")


def reference_attention(q, kv, positions, length, scale):
    slots, heads, head_dim = q.shape
    kv_heads = kv.shape[3]
    keys = kv[0, :, :length].transpose(1, 2).float()
    values = kv[1, :, :length].transpose(1, 2).float()
    visible = torch.arange(length, device=q.device)[None, :] <= positions[:, None]
    mask = torch.zeros(visible.shape, device=q.device).masked_fill(~visible, float("-inf"))[:, None, None, :]
    grouped = q.float().reshape(slots, kv_heads, heads // kv_heads, head_dim)
    out = F.scaled_dot_product_attention(grouped, keys, values, attn_mask=mask, scale=scale)
    return out.reshape(slots, heads * head_dim)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("slots,heads,kv_heads,head_dim,capacity,length",
                         [(3, 4, 2, 16, 256, 256), (5, 32, 8, 64, 768, 512), (2, 8, 8, 128, 2304, 2048),
                          (4, 14, 2, 64, 256, 128)])
def test_attention_over_used_positions_matches_masked_sdpa(dtype, slots, heads, kv_heads, head_dim, capacity, length):
    generator = torch.Generator(device=DEVICE).manual_seed(0)
    kv = torch.randn((2, slots, capacity, kv_heads, head_dim), generator=generator, device=DEVICE).to(dtype)
    # The new token's q sits beside k in a wider GEMM output: a strided view, as the fused decode passes it.
    wide = torch.randn((slots, heads + kv_heads, head_dim), generator=generator, device=DEVICE).to(dtype)
    q = wide[:, :heads]
    # Slots at different positions; the last one past the bucket (a free slot's stale position): it sees all.
    positions = torch.randint(0, length, (slots,), generator=generator, device=DEVICE)
    positions[0], positions[-1] = 0, capacity - 1
    scale = head_dim ** -0.5
    got = decode_kernels.attend(q, kv, positions, length, scale)
    expected = reference_attention(q, kv, positions, length, scale)
    tolerance = 1e-5 if dtype == torch.float32 else 2e-2
    torch.testing.assert_close(got.float(), expected, atol=tolerance, rtol=tolerance)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("quantizer", [None, KVQuantizer(8), KVQuantizer(4), KVQuantizer(4, 16), KVQuantizer("fp8_e4m3")],
                         ids=["none", "int8", "int4", "int4-g16", "fp8"])
def test_kv_write_rounds_as_the_quantizer_does(dtype, quantizer):
    slots, kv_heads, head_dim, capacity = 6, 4, 64, 32
    generator = torch.Generator(device=DEVICE).manual_seed(1)
    kv = torch.zeros((2, slots, capacity, kv_heads, head_dim), device=DEVICE, dtype=dtype)
    out = torch.randn((slots, 3, kv_heads, head_dim), generator=generator, device=DEVICE).to(dtype) * 3
    out[1, 1, 2] = 0  # an all-zero group
    key, value = out[:, 1], out[:, 2]  # strided views, as in the fused decode
    positions = torch.tensor([0, 5, 31, 7, 7, 2], device=DEVICE)
    mode = decode_kernels.kv_mode(quantizer, head_dim)
    decode_kernels.write_kv(kv, key, value, positions, mode)
    slot = torch.arange(slots, device=DEVICE)
    for stored, given in ((kv[0, slot, positions], key), (kv[1, slot, positions], value)):
        expected = given if quantizer is None else quantizer.round(given)
        equal = (stored == expected).float().mean().item()
        assert equal > 0.999, f"{equal:.4f} of the entries equal the eager rounding"
    untouched = kv.clone()
    untouched[:, slot, positions] = 0
    assert not untouched.any()  # nothing written anywhere else


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("quantizer", [None, KVQuantizer(4)], ids=["none", "int4"])
def test_rotary_write_matches_the_eager_rotary_embedding_and_rounding(dtype, quantizer):
    slots, heads, kv_heads, head_dim, capacity = 5, 8, 2, 64, 64
    generator = torch.Generator(device=DEVICE).manual_seed(2)
    qkv = torch.randn((slots, (heads + 2 * kv_heads) * head_dim), generator=generator, device=DEVICE).to(dtype)
    cos = torch.randn((capacity, head_dim), generator=generator, device=DEVICE).to(dtype)
    sin = torch.randn((capacity, head_dim), generator=generator, device=DEVICE).to(dtype)
    kv = torch.zeros((2, slots, capacity, kv_heads, head_dim), device=DEVICE, dtype=dtype)
    positions = torch.tensor([0, 3, 63, 9, 9], device=DEVICE)
    q = decode_kernels.rotary_write(qkv, cos, sin, positions, kv, heads, kv_heads,
                                    decode_kernels.kv_mode(quantizer, head_dim))
    x = qkv[:, :(heads + kv_heads) * head_dim].view(slots, heads + kv_heads, head_dim)
    rotated = torch.addcmul(x * cos[positions][:, None], x.roll(head_dim // 2, dims=-1), sin[positions][:, None])
    tolerance = 1e-5 if dtype == torch.float32 else 1e-2
    torch.testing.assert_close(q, rotated[:, :heads], atol=tolerance, rtol=tolerance)
    slot = torch.arange(slots, device=DEVICE)
    value = qkv[:, (heads + kv_heads) * head_dim:].view(slots, kv_heads, head_dim)
    if quantizer is None:
        torch.testing.assert_close(kv[0, slot, positions], rotated[:, heads:], atol=tolerance, rtol=tolerance)
        assert torch.equal(kv[1, slot, positions], value)
    else:
        # An ulp of the rotation moves a group's scale by an ulp (float32) or, rarely, a code by a step.
        close = torch.isclose(kv[0, slot, positions].float(), quantizer.round(rotated[:, heads:]).float(),
                              rtol=1e-4 if dtype == torch.float32 else 1e-2, atol=1e-6)
        assert close.float().mean() > 0.97
        assert (kv[1, slot, positions] == quantizer.round(value)).float().mean() > 0.999


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_silu_mul_matches_the_two_eager_kernels(dtype):
    generator = torch.Generator(device=DEVICE).manual_seed(3)
    both = torch.randn((7, 2 * 1500), generator=generator, device=DEVICE).to(dtype) * 4
    tolerance = 1e-5 if dtype == torch.float32 else 1e-2
    torch.testing.assert_close(decode_kernels.silu_mul(both), F.silu(both[:, :1500]) * both[:, 1500:],
                               atol=tolerance, rtol=tolerance)


def test_every_kernel_passes_the_start_up_check():
    for dtype in (torch.float32, torch.bfloat16):
        assert kernel_checks.verified(DEVICE, dtype) is None


PDL = [False, True] if decode_kernels.pdl_supported(DEVICE) else [False]


@pytest.mark.parametrize("pdl", PDL, ids=lambda p: "pdl" if p else "plain")
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("rows,n,k", [(1, 96, 256), (64, 3072, 2048), (48, 2048, 8192), (200, 1000, 512)])
def test_split_k_gemm_partials_sum_to_the_matmul(dtype, rows, n, k, pdl):
    generator = torch.Generator(device=DEVICE).manual_seed(4)
    x = torch.randn((rows, k), generator=generator, device=DEVICE).to(dtype)
    w = torch.randn((n, k), generator=generator, device=DEVICE).to(dtype)
    expected = F.linear(x.double(), w.double())
    candidates = decode_gemm.gemm_candidates(rows, n, k, element_size=x.element_size(), pdl=pdl)
    assert candidates
    for config in candidates:
        got = decode_gemm.gemm(x, w, config, pdl)
        assert got.shape == ((rows, n) if config[3] == 1 or len(config) == 9 else (config[3], rows, n))
        summed = decode_kernels.dense(got, dtype).double()
        error = (summed - expected).norm() / expected.norm()
        # float32 rounding grows with K (8192: 1.6e-6 measured on an H200)
        assert error < (1e-6 * max(1.0, k / 2048) if dtype == torch.float32 else 1e-2), \
            f"{config}: relative error {error:.2e}"
        if pdl:  # the same kernel launched plainly: the prefetch and the waits change no bit
            assert torch.equal(got, decode_gemm.gemm(x, w, config, False)), config


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_a_pdl_chain_captured_in_a_cuda_graph_equals_the_plain_launches(dtype):
    # add+norm -> GEMM -> silu*up -> split-K GEMM -> add+norm -> GEMM -> argmax, replayed three times. Below
    # compute capability 9.0 the GPU cannot launch that way, and the fused decode must not ask it to.
    if decode_kernels.pdl_supported(DEVICE):
        assert kernel_checks.pdl_verified(DEVICE, dtype) is None
    else:
        assert not decode_kernels.pdl_wanted(DEVICE)


def test_pdl_is_off_where_it_is_asked_off_or_unsupported(monkeypatch):
    monkeypatch.setenv("QREASON_DECODE_PDL", "0")
    assert not decode_kernels.pdl_wanted(DEVICE)
    monkeypatch.delenv("QREASON_DECODE_PDL")
    assert decode_kernels.pdl_wanted(DEVICE) == decode_kernels.pdl_supported(DEVICE)
    assert not decode_kernels.pdl_supported(torch.device("cpu"))


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_consumers_sum_split_k_partials_as_the_one_pass_output(dtype):
    generator = torch.Generator(device=DEVICE).manual_seed(5)
    randn = lambda *shape: torch.randn(shape, generator=generator, device=DEVICE)  # noqa: E731
    slots, heads, kv_heads, head_dim, capacity = 5, 8, 2, 64, 64
    whole = randn(slots, (heads + 2 * kv_heads) * head_dim)
    parts = torch.stack([whole * 0.5, whole * 0.5, torch.zeros_like(whole)])  # float32 partials: exact sums
    whole = whole.to(dtype)
    cos, sin = randn(capacity, head_dim).to(dtype), randn(capacity, head_dim).to(dtype)
    positions = torch.tensor([0, 3, 63, 9, 9], device=DEVICE)
    mode = decode_kernels.kv_mode(None, head_dim)
    kv_whole = torch.zeros((2, slots, capacity, kv_heads, head_dim), device=DEVICE, dtype=dtype)
    kv_parts = kv_whole.clone()
    q_whole = decode_kernels.rotary_write(whole, cos, sin, positions, kv_whole, heads, kv_heads, mode)
    q_parts = decode_kernels.rotary_write(parts, cos, sin, positions, kv_parts, heads, kv_heads, mode, dtype)
    assert torch.equal(q_whole, q_parts) and torch.equal(kv_whole, kv_parts)
    gate_up = randn(7, 600)
    gate_parts = torch.stack([gate_up * 0.5, gate_up * 0.5])
    assert torch.equal(decode_kernels.silu_mul(gate_up.to(dtype)), decode_kernels.silu_mul(gate_parts, dtype))
    hidden, weight = randn(7, 300).to(dtype), randn(300).to(dtype)
    h1, n1 = decode_kernels.add_rms_norm(hidden.clone(), gate_up[:, :300].to(dtype), weight, 1e-6)
    h2, n2 = decode_kernels.add_rms_norm(hidden.clone(), gate_parts[:, :, :300], weight, 1e-6)
    assert torch.equal(h1, h2) and torch.equal(n1, n2)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("width", [64, 300, 2048])
def test_add_rms_norm_is_the_add_then_the_llama_norm(dtype, width):
    generator = torch.Generator(device=DEVICE).manual_seed(6)
    hidden = torch.randn((9, width), generator=generator, device=DEVICE).to(dtype)
    addend = torch.randn((9, width), generator=generator, device=DEVICE).to(dtype)
    weight = torch.randn(width, generator=generator, device=DEVICE).to(dtype)
    summed = hidden + addend
    # The Llama module's arithmetic: float32 statistics, normalized value rounded, then times the weight.
    x = summed.float()
    reference = weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5)).to(dtype)
    new_hidden, normed = decode_kernels.add_rms_norm(hidden.clone(), addend, weight, 1e-5)
    assert torch.equal(new_hidden, summed)
    tolerance = 1e-5 if dtype == torch.float32 else 1e-2
    torch.testing.assert_close(normed, reference, atol=tolerance, rtol=tolerance)
    same, only = decode_kernels.add_rms_norm(summed.clone(), None, weight, 1e-5)
    assert torch.equal(same, summed) and torch.equal(only, normed)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("quantizer", [None, KVQuantizer(4), KVQuantizer("fp8_e4m3")], ids=["none", "int4", "fp8"])
def test_prefill_rotary_rows_in_place(dtype, quantizer):
    generator = torch.Generator(device=DEVICE).manual_seed(7)
    rows, tokens, heads, kv_heads, head_dim = 3, 11, 8, 2, 64
    qkv = torch.randn((rows * tokens, (heads + 2 * kv_heads) * head_dim), generator=generator, device=DEVICE).to(dtype)
    cos = torch.randn((32, head_dim), generator=generator, device=DEVICE).to(dtype)
    sin = torch.randn((32, head_dim), generator=generator, device=DEVICE).to(dtype)
    before = qkv.clone()
    decode_kernels.rotary_rows(qkv, cos, sin, tokens, heads, kv_heads, decode_kernels.kv_mode(quantizer, head_dim))
    x = before.view(rows * tokens, heads + 2 * kv_heads, head_dim)
    at = torch.arange(rows * tokens, device=DEVICE) % tokens
    rotated = torch.addcmul(x * cos[at][:, None], x.roll(head_dim // 2, dims=-1), sin[at][:, None])
    got = qkv.view_as(x)
    tolerance = 1e-5 if dtype == torch.float32 else 1e-2
    torch.testing.assert_close(got[:, :heads], rotated[:, :heads], atol=tolerance, rtol=tolerance)
    keys, values = rotated[:, heads:heads + kv_heads], x[:, heads + kv_heads:]
    if quantizer is not None:
        keys, values = quantizer.round(keys), quantizer.round(values)
    close = torch.isclose(got[:, heads:heads + kv_heads].float(), keys.float(), rtol=1e-4 if dtype == torch.float32
                          else 1e-2, atol=1e-6)
    assert close.float().mean() > 0.97
    assert (got[:, heads + kv_heads:] == values).float().mean() > 0.999
    # With the cache and a slot per prompt row: the same rows, and k and v stored at (slot, position).
    kv = torch.zeros((2, 4, 16, kv_heads, head_dim), device=DEVICE, dtype=dtype)
    again = before.clone()
    slots = torch.tensor([2, 0, 3], device=DEVICE)
    decode_kernels.rotary_rows(again, cos, sin, tokens, heads, kv_heads, decode_kernels.kv_mode(quantizer, head_dim),
                               kv, slots)
    assert torch.equal(again, qkv)
    stored = again.view(rows, tokens, heads + 2 * kv_heads, head_dim)
    for row, slot in enumerate(slots.tolist()):
        assert torch.equal(kv[0, slot, :tokens], stored[row, :, heads:heads + kv_heads])
        assert torch.equal(kv[1, slot, :tokens], stored[row, :, heads + kv_heads:])
    assert not kv[:, 1].any() and not kv[:, :, tokens:].any()  # slot 1 and later positions untouched


@pytest.mark.parametrize("split", [64, 256, 512])
def test_attention_split_sizes_and_the_direct_store_agree(split):
    generator = torch.Generator(device=DEVICE).manual_seed(8)
    slots, heads, kv_heads, head_dim, capacity, length = 6, 32, 8, 64, 768, 512
    kv = torch.randn((2, slots, capacity, kv_heads, head_dim), generator=generator, device=DEVICE)
    q = torch.randn((slots, heads, head_dim), generator=generator, device=DEVICE)
    positions = torch.tensor([0, 1, 63, 64, 300, capacity - 1], device=DEVICE)
    got = decode_kernels.attend(q, kv, positions, length, head_dim ** -0.5, split=split)
    torch.testing.assert_close(got, reference_attention(q, kv, positions, length, head_dim ** -0.5), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("rows,vocab", [(1, 512), (64, 128256), (7, 4097)])
def test_argmax_is_torch_argmax_ties_included(dtype, rows, vocab):
    generator = torch.Generator(device=DEVICE).manual_seed(9)
    logits = torch.randn((rows, vocab), generator=generator, device=DEVICE).to(dtype)
    logits[0, vocab // 3:] = logits[0].max() + 1  # a tie across blocks: the first index
    logits[-1, -1] = logits[-1].max() + 1  # the very last column
    assert torch.equal(decode_kernels.argmax(logits), logits.argmax(dim=-1))



@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("quantizer", [None, KVQuantizer(4), KVQuantizer("fp8_e4m3")], ids=["none", "int4", "fp8"])
@pytest.mark.parametrize("partials", [False, True], ids=["output", "partials"])
def test_rotary_attend_is_rotary_write_then_attend_bit_for_bit(dtype, quantizer, partials):
    generator = torch.Generator(device=DEVICE).manual_seed(10)
    slots, heads, kv_heads, head_dim, capacity, length = 6, 32, 8, 64, 384, 320
    randn = lambda *shape: torch.randn(shape, generator=generator, device=DEVICE)  # noqa: E731
    qkv = randn(slots, (heads + 2 * kv_heads) * head_dim)
    if partials:  # split-K partials (float32), summed and rounded by the kernel
        qkv = torch.stack([qkv * 0.25, qkv * 0.75])
    else:
        qkv = qkv.to(dtype)
    cos, sin = randn(capacity, head_dim).to(dtype), randn(capacity, head_dim).to(dtype)
    kv = randn(2, slots, capacity, kv_heads, head_dim).to(dtype)
    # A slot at 0, slots in between, one past the attended length (a free slot's stale position: it writes
    # there and attends over the first `length` positions only).
    positions = torch.tensor([0, 1, 63, 64, 319, capacity - 1], device=DEVICE)
    mode = decode_kernels.kv_mode(quantizer, head_dim)
    separate = kv.clone()
    q = decode_kernels.rotary_write(qkv, cos, sin, positions, separate, heads, kv_heads, mode, dtype)
    expected = decode_kernels.attend(q, separate, positions, length, head_dim ** -0.5, split=length)
    for stages in (2, 3):  # attend_stages_choice's options: the pipeline depth changes no bit
        fused = kv.clone()
        got = decode_kernels.rotary_attend(qkv, cos, sin, positions, fused, heads, kv_heads, mode, length,
                                           head_dim ** -0.5, dtype, split=length, stages=stages)
        assert torch.equal(fused, separate)
        assert torch.equal(got, expected)
    assert not torch.equal(fused, kv)  # the new entries were written
    # Several splits: the two kernels, the same answer as SDPA over the cache rotary_attend wrote.
    again = kv.clone()
    split = decode_kernels.rotary_attend(qkv, cos, sin, positions, again, heads, kv_heads, mode, length,
                                         head_dim ** -0.5, dtype, split=64)
    assert torch.equal(again, separate)
    tolerance = 1e-5 if dtype == torch.float32 else 2e-2
    torch.testing.assert_close(split.float(), reference_attention(q, again, positions, length, head_dim ** -0.5),
                               atol=tolerance, rtol=tolerance)


def _stream_configs(rows, vocab, k, element_size):
    """lm_head's weight-streaming candidates (plain and TMA, one split) of the decode's 33-64-row sweep,
    with BLOCK_M 16 below 33 rows."""
    found = [c for c in decode_gemm.gemm_candidates(48, vocab, k, False, element_size, pdl=True) if len(c) == 9]
    return found if rows > 32 else [(16,) + c[1:] for c in found]


@pytest.mark.parametrize("pdl", PDL, ids=lambda p: "pdl" if p else "plain")
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("rows,inner,k", [(64, 8192, 2048), (48, 300, 256), (5, 64, 128)])
def test_gemm_silu_is_silu_mul_over_the_same_gemm_bit_for_bit(dtype, rows, inner, k, pdl):
    generator = torch.Generator(device=DEVICE).manual_seed(11)
    x = torch.randn((rows, k), generator=generator, device=DEVICE).to(dtype)
    gate_up = (torch.randn((2 * inner, k), generator=generator, device=DEVICE) * 0.1).to(dtype)
    reference = F.silu(F.linear(x.double(), gate_up[:inner].double())) * F.linear(x.double(), gate_up[inner:].double())
    candidates = decode_gemm.silu_candidates(rows, k, x.element_size())
    assert candidates
    for config in candidates:
        got = decode_gemm.gemm_silu(x, gate_up, config, pdl)
        assert got.shape == (rows, inner) and got.dtype == dtype
        assert torch.equal(got, decode_kernels.silu_mul(decode_gemm.gemm(x, gate_up, config, pdl))), config
        error = (got.double() - reference).norm() / reference.norm()
        assert error < (1e-5 if dtype == torch.float32 else 2e-2), f"{config}: relative error {error:.2e}"


@pytest.mark.parametrize("pdl", PDL, ids=lambda p: "pdl" if p else "plain")
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("rows,vocab,k", [(64, 128256, 2048), (40, 1000, 256), (3, 4097, 128)])
def test_gemm_argmax_is_argmax_over_the_same_gemm(dtype, rows, vocab, k, pdl):
    generator = torch.Generator(device=DEVICE).manual_seed(12)
    x = torch.randn((rows, k), generator=generator, device=DEVICE).to(dtype)
    weight = torch.randn((vocab, k), generator=generator, device=DEVICE).to(dtype)
    weight[vocab - 1] = weight[7] = x[0] * 4  # row 0: a tie at its maximum across blocks, the first index wins
    weight[vocab // 2] = x[1] * 4  # row 1: the maximum in a middle block
    configs = _stream_configs(rows, vocab, k, x.element_size())
    assert configs
    for config in configs:
        values, index = decode_gemm.gemm_argmax(x, weight, config, pdl)
        assert values.shape == (rows, -(-vocab // config[1]))
        got = decode_kernels.argmax_merge(values, index, pdl)
        expected = decode_gemm.gemm(x, weight, config, pdl).argmax(dim=-1)
        assert torch.equal(got, expected), config
        assert got[0] == 7 and got[1] == vocab // 2


@pytest.mark.parametrize("pdl", PDL, ids=lambda p: "pdl" if p else "plain")
def test_argmax_with_the_step_state_does_the_steps_bookkeeping(pdl):
    generator = torch.Generator(device=DEVICE).manual_seed(13)
    slots, capacity, chunk = 5, 40, 4
    logits = torch.randn((slots, 9000), generator=generator, device=DEVICE)
    positions = torch.tensor([0, 7, 38, 39, 39], device=DEVICE)  # the last two at the cache's end: they stay
    steps = torch.tensor([3, 0, 9, 1, 2], device=DEVICE)
    out = torch.full((chunk, slots), -1, dtype=torch.long, device=DEVICE)
    tokens = torch.zeros(slots, dtype=torch.long, device=DEVICE)
    state = decode_kernels.DecodeState(tokens, positions.clone(), steps.clone(), out, torch.tensor([2], device=DEVICE),
                                       capacity)
    chosen = decode_kernels.argmax(logits, pdl, state)
    expected = logits.argmax(dim=-1)
    assert chosen is tokens and torch.equal(tokens, expected)
    assert torch.equal(out[2], expected) and (out[[0, 1, 3]] == -1).all()
    assert torch.equal(state.positions, torch.tensor([1, 8, 39, 39, 39], device=DEVICE))
    assert torch.equal(state.steps, steps + 1)
    assert state.counter.item() == 2  # the caller advances it


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_embed_rms_norm_is_the_lookup_then_the_norm(dtype):
    generator = torch.Generator(device=DEVICE).manual_seed(14)
    table = torch.randn((1000, 2048), generator=generator, device=DEVICE).to(dtype)
    weight = torch.randn(2048, generator=generator, device=DEVICE).to(dtype)
    tokens = torch.tensor([999, 0, 5, 5, 123], device=DEVICE)
    hidden, normed = decode_kernels.embed_rms_norm(tokens, table, weight, 1e-5)
    assert torch.equal(hidden, table[tokens])
    assert torch.equal(normed, decode_kernels.add_rms_norm(table[tokens], None, weight, 1e-5)[1])
