"""Which GEMM configurations the fast path times at start (pure functions: run on the CPU too). A configuration
the GPU cannot hold (its pipeline's shared memory) or whose K loop would leave columns out must never be a
candidate: the timing would fail or, worse, the result would miss part of the sum."""

import pytest

from qreason_engine.generate import decode_gemm


@pytest.mark.parametrize("rows", [1, 16, 17, 32, 33, 64])
@pytest.mark.parametrize("k,element_size", [(2048, 2), (2048, 4), (8192, 2), (64, 4), (256, 2)])
def test_silu_candidates_fit_shared_memory_and_cover_k(rows, k, element_size):
    found = decode_gemm.silu_candidates(rows, k, element_size)
    assert found
    for block_m, block_n, block_k, splits, warps, stages, swap, atomic, tma in found:
        assert splits == 1 and not swap and not atomic  # the epilogue needs the whole sum of one tile
        assert k % block_k == 0
        # each stage holds an x tile and two weight tiles (gate and up)
        assert (block_m + 2 * block_n) * block_k * element_size * stages <= decode_gemm.SHARED_BYTES
        assert block_m == (16 if rows <= 16 else 32 if rows <= 32 else 64)
    # BLOCK_K 128 where any configuration at 128 fits (fewer loop trips), 64 only where none does
    widths = {c[2] for c in found}
    assert len(widths) == 1
    if k % 128:
        assert widths == {64}
    elif element_size == 2 or rows <= 32:  # bf16, or float32 with the smaller x tile
        assert widths == {128}
    else:  # float32 at 64 rows: (64 + 2 * 16) x 128 x 4 bytes x 5 stages is past 224 KB
        assert widths == {64}


def test_no_silu_candidates_above_64_rows():
    assert decode_gemm.silu_candidates(65, 2048) == []
    assert decode_gemm.silu_candidates(256, 2048) == []
