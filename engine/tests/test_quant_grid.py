"""The pure math of quantization: grids, GPTQ, the AWQ and SmoothQuant scale rules, on plain tensors."""

import math

import pytest
import torch

from qreason_engine.quant.awq import candidate_scales, search_clip
from qreason_engine.quant.gptq import HessianAccumulator, gptq_quantize
from qreason_engine.quant.grid import (fake_quantize, fake_quantize_fp8_e4m3, fake_quantize_groups,
                                       fake_quantize_per_token, qparams, quantize_weight, sqnr_db)
from qreason_engine.quant.smoothquant import smoothing_scales


pytestmark = pytest.mark.usefixtures("one_thread")


def weight_with_outliers(rows=16, columns=256, seed=0):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(rows, columns, generator=generator)
    weight[:, 5] *= 12  # an outlier column, as real checkpoints have
    weight[3, :40] = 0.0  # an all-zero stretch (a whole group for group_size 32)
    return weight


def assert_on_grid(quantized, bits):
    codes = quantized.codes()
    assert torch.allclose(codes, codes.round(), atol=1e-4)
    codes = codes.round()
    assert codes.min() >= 0 and codes.max() <= 2**bits - 1
    rebuilt = quantized.scale[:, quantized.g_idx] * (codes - quantized.zero[:, quantized.g_idx])
    assert torch.allclose(rebuilt, quantized.weight, rtol=0, atol=1e-6)


@pytest.mark.parametrize("bits", [2, 3, 4, 8])
@pytest.mark.parametrize("group_size", [-1, 32, 64, 128])
@pytest.mark.parametrize("symmetric", [False, True])
def test_round_to_nearest_lands_on_the_grid(bits, group_size, symmetric):
    weight = weight_with_outliers()
    quantized = quantize_weight(weight, bits, group_size, symmetric)
    groups = 1 if group_size == -1 else weight.shape[1] // group_size
    assert quantized.scale.shape == quantized.zero.shape == (weight.shape[0], groups)
    assert_on_grid(quantized, bits)

    size = weight.shape[1] if group_size == -1 else group_size
    for group in range(groups):
        block = quantized.weight[:, group * size:(group + 1) * size]
        original = weight[:, group * size:(group + 1) * size]
        scale = quantized.scale[:, group:group + 1]
        # Nearest grid point: never more than half a step away (the symmetric grid's top code included).
        assert ((block - original).abs() <= scale / 2 + 1e-6).all()
        # At most 2^bits levels per row and group.
        assert all(len(row.unique()) <= 2**bits for row in block)

    if symmetric:
        assert (quantized.zero == 2 ** (bits - 1)).all()
    else:
        assert torch.equal(quantized.zero, quantized.zero.round())
        assert quantized.zero.min() >= 0 and quantized.zero.max() <= 2**bits - 1
    # Zero is exactly representable: the all-zero stretch stays exactly zero.
    assert (quantized.weight[3, :32] == 0).all()


def test_each_group_has_its_own_scale():
    weight = weight_with_outliers()
    before = quantize_weight(weight, 4, 32, False)
    changed = weight.clone()
    changed[:, 64:96] *= 10  # only group 2
    after = quantize_weight(changed, 4, 32, False)
    differs = (before.scale != after.scale).any(dim=0)
    assert differs.tolist() == [group == 2 for group in range(8)]


def test_asymmetric_grid_spans_min_and_max():
    x = torch.tensor([[-1.0, 0.25, 3.0, 2.0]])
    scale, zero = qparams(x, 2, symmetric=False)
    assert scale.item() == pytest.approx(4.0 / 3)
    assert zero.item() == 1.0  # round(1 / (4/3))
    assert fake_quantize(x, scale, zero, 2)[0].tolist() == pytest.approx([-4 / 3, 0.0, 8 / 3, 8 / 3])


def test_rounding_is_idempotent_on_its_own_grid():
    weight = weight_with_outliers()
    groups = weight.reshape(16, 8, 32)
    scale, zero = qparams(groups, 3, symmetric=False)
    once = fake_quantize(groups, scale, zero, 3)
    assert torch.equal(fake_quantize(once, scale, zero, 3), once)


def test_shrink_narrows_the_range_and_clamps():
    weight = weight_with_outliers()
    plain = quantize_weight(weight, 4, 32, False)
    shrunk = quantize_weight(weight, 4, 32, False, shrink=torch.full((16, 8), 0.5))
    nonempty = weight.reshape(16, 8, 32).abs().amax(dim=-1) > 0
    assert torch.allclose(shrunk.scale[nonempty], plain.scale[nonempty] * 0.5)
    assert_on_grid(shrunk, 4)
    assert shrunk.weight.abs().max() < weight.abs().max() * 0.6


def test_per_token_activation_quantization():
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(3, 5, 64, generator=generator)
    x[..., 7] *= 50
    rounded = fake_quantize_per_token(x, 8)
    scale = x.abs().amax(dim=-1, keepdim=True) / 127
    assert ((rounded - x).abs() <= scale / 2 + 1e-6).all()
    codes = rounded / scale
    assert torch.allclose(codes, codes.round(), atol=1e-3)
    assert torch.allclose(rounded.abs().amax(dim=-1), x.abs().amax(dim=-1))  # absmax is on the grid
    assert not torch.equal(rounded, x)


def test_fp8_round_trip_saturates_instead_of_overflowing():
    x = torch.tensor([0.0, 1.0, 1.0625, 448.0, 1000.0, -1e6, 0.1])
    y = fake_quantize_fp8_e4m3(x)
    assert torch.isfinite(y).all()
    assert y[:4].tolist() == [0.0, 1.0, 1.0, 448.0]  # 1.0625 is below half an e4m3 step above 1
    assert y[4].item() == 448.0 and y[5].item() == -448.0
    assert y[6].item() == pytest.approx(0.1, rel=2**-4)


def test_group_rounding_of_kv_like_tensors():
    generator = torch.Generator().manual_seed(2)
    states = torch.randn(2, 4, 9, 64, generator=generator)
    rounded = fake_quantize_groups(states, 4, 32, symmetric=False)
    assert rounded.shape == states.shape
    per_group = rounded.reshape(-1, 32)
    assert all(len(group.unique()) <= 16 for group in per_group)
    step = (states.reshape(-1, 32).amax(-1).clamp(min=0) - states.reshape(-1, 32).amin(-1).clamp(max=0)) / 15
    assert ((rounded - states).reshape(-1, 32).abs() <= step[:, None] / 2 + 1e-6).all()


def test_sqnr():
    assert sqnr_db(100.0, 1.0) == pytest.approx(20.0)
    assert sqnr_db(1.0, 0.0) == math.inf


# --- GPTQ ----------------------------------------------------------------------------------------------

def correlated_inputs(tokens=512, columns=64, seed=0):
    """Inputs with a low-rank shared component plus a few loud channels: what makes GPTQ's error feedback pay."""
    generator = torch.Generator().manual_seed(seed)
    basis = torch.randn(8, columns, generator=generator)
    x = torch.randn(tokens, 8, generator=generator) @ basis + 0.3 * torch.randn(tokens, columns, generator=generator)
    x[:, :4] *= 6
    return x


def output_error(weight, quantized, x):
    return ((weight - quantized) @ x.T).norm() / (weight @ x.T).norm()


def hessian_of(x):
    accumulator = HessianAccumulator(x.shape[1], x.device)
    for chunk in x.split(100):
        accumulator.add(chunk)
    return accumulator.hessian()


def test_hessian_accumulates_two_x_xt_over_n():
    x = correlated_inputs(tokens=300, columns=16)
    assert torch.allclose(hessian_of(x), 2 * x.T @ x / 300, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("bits,group_size", [(3, -1), (4, 32), (2, 16)])
@pytest.mark.parametrize("act_order,static_groups", [(False, False), (True, False), (True, True)])
def test_gptq_beats_rtn_on_correlated_inputs_and_stays_on_grid(bits, group_size, act_order, static_groups):
    x = correlated_inputs()
    weight = torch.randn(48, 64, generator=torch.Generator().manual_seed(3))
    result = gptq_quantize(weight, hessian_of(x), bits=bits, group_size=group_size, symmetric=False,
                           block_size=32, act_order=act_order, static_groups=static_groups)
    assert_on_grid(result.quantized, bits)
    rtn = quantize_weight(weight, bits, group_size, False).weight
    assert output_error(weight, result.quantized.weight, x) < 0.9 * output_error(weight, rtn, x)
    if group_size != -1:
        sizes = torch.bincount(result.quantized.g_idx)
        assert sizes.tolist() == [group_size] * (64 // group_size)
        contiguous = torch.arange(64) // group_size
        assert torch.equal(result.quantized.g_idx, contiguous) == (static_groups or not act_order)


def test_gptq_with_uncorrelated_inputs_is_rtn():
    """A diagonal Hessian gives no other column to push an error onto: GPTQ must reduce to RTN."""
    weight = torch.randn(8, 6, generator=torch.Generator().manual_seed(4))
    hessian = torch.diag(torch.tensor([1.0, 2.0, 0.5, 3.0, 1.0, 1.5]))
    result = gptq_quantize(weight, hessian, bits=3, group_size=-1, symmetric=True)
    assert torch.allclose(result.quantized.weight, quantize_weight(weight, 3, -1, True).weight, atol=1e-6)


def test_gptq_zeroes_dead_columns():
    x = correlated_inputs(columns=32)
    x[:, 7] = 0.0
    weight = torch.randn(16, 32, generator=torch.Generator().manual_seed(5))
    result = gptq_quantize(weight, hessian_of(x), bits=4, group_size=-1, symmetric=False)
    assert (result.quantized.weight[:, 7] == 0).all()


# --- AWQ and SmoothQuant scale rules ----------------------------------------------------------------------

def test_awq_candidate_scales_are_normalised_powers():
    magnitude = torch.tensor([0.5, 1.0, 8.0])
    assert torch.equal(candidate_scales(magnitude, 0.0), torch.ones(3))
    scales = candidate_scales(magnitude, 0.5)
    assert (scales.max() * scales.min()).item() == pytest.approx(1.0)
    assert torch.allclose(scales / scales[1], magnitude.sqrt())


def test_awq_clip_search_never_loses_to_no_clipping():
    x = correlated_inputs(columns=64)
    weight = torch.randn(32, 64, generator=torch.Generator().manual_seed(6))
    weight[0, 3] = 40.0  # one weight far outside its group
    shrink = search_clip(weight, x, bits=3, group_size=32, symmetric=False, grid=20, max_shrink=0.5, rows_per_batch=8)
    assert shrink.shape == (32, 2) and (shrink <= 1).all() and (shrink >= 0.5).all()
    assert shrink.min() < 1  # the outlier row's group gets clipped
    clipped = quantize_weight(weight, 3, 32, False, shrink=shrink).weight
    plain = quantize_weight(weight, 3, 32, False).weight
    for group in range(2):
        columns = slice(32 * group, 32 * (group + 1))
        error = ((weight[:, columns] - clipped[:, columns]) @ x[:, columns].T).pow(2).mean(dim=1)
        baseline = ((weight[:, columns] - plain[:, columns]) @ x[:, columns].T).pow(2).mean(dim=1)
        assert (error <= baseline * (1 + 1e-5) + 1e-6).all()


def test_smoothing_scales_follow_alpha():
    activation = torch.tensor([100.0, 1.0, 0.0, 4.0])
    weight = torch.tensor([1.0, 4.0, 2.0, 0.0])
    scales = smoothing_scales(activation, weight, 0.5)
    assert scales.tolist() == pytest.approx([10.0, 0.5, 1.0, 1.0])
    assert smoothing_scales(activation, weight, 1.0)[:2].tolist() == pytest.approx([100.0, 1.0])
