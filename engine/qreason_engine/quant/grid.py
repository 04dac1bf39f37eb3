"""Integer quantization grids: the pure tensor math every method shares.

A value x is represented by an integer code q in [0, maxq] (maxq = 2^bits - 1), a scale and an integer
zero point:  x_hat = scale * (q - zero).

- asymmetric (min-max): the range [min(x, 0), max(x, 0)] is split into maxq steps and zero = round(-min/scale);
- symmetric (absmax): the zero point is fixed at 2^(bits-1) and scale = 2 * absmax / maxq.

Both keep 0.0 exactly on the grid. This is the convention of the GPTQ reference code and of
compressed-tensors, so a variant's weights are exactly what a GPTQ/AWQ integer kernel would reconstruct
from (codes, scale, zero). Groups run along the input dimension (the last one) of a [rows, columns] weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import EngineError


def max_code(bits: int) -> int:
    return 2**bits - 1


def qparams(x: torch.Tensor, bits: int, symmetric: bool,
            shrink: torch.Tensor | float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale and zero point for each slice along the last dimension of x (kept as a size-1 dim).

    shrink (<= 1, broadcastable to the reduced shape) narrows the range before fitting it: AWQ's clipping
    search. Values outside the narrowed range are clamped by quantize_codes.
    """
    x = x.float()
    maxq = max_code(bits)
    low = x.amin(dim=-1, keepdim=True).clamp(max=0)
    high = x.amax(dim=-1, keepdim=True).clamp(min=0)
    if shrink is not None:
        low, high = low * shrink, high * shrink
    if symmetric:
        high = torch.maximum(low.abs(), high)
        low = -high
    # An all-zero slice still needs a finite, non-zero scale: any scale puts 0 on the grid.
    empty = (low == 0) & (high == 0)
    low = torch.where(empty, -torch.ones_like(low), low)
    high = torch.where(empty, torch.ones_like(high), high)
    scale = (high - low) / maxq
    if symmetric:
        zero = torch.full_like(scale, (maxq + 1) / 2)
    else:
        zero = torch.round(-low / scale)
    return scale, zero


def quantize_codes(x: torch.Tensor, scale: torch.Tensor, zero: torch.Tensor, bits: int) -> torch.Tensor:
    """Integer codes (held in a float tensor) of x on the grid (scale, zero), clamped to [0, maxq]."""
    return torch.clamp(torch.round(x.float() / scale) + zero, 0, max_code(bits))


def dequantize(codes: torch.Tensor, scale: torch.Tensor, zero: torch.Tensor) -> torch.Tensor:
    return scale * (codes - zero)


def fake_quantize(x: torch.Tensor, scale: torch.Tensor, zero: torch.Tensor, bits: int) -> torch.Tensor:
    """x rounded to the nearest grid point (fp32)."""
    return dequantize(quantize_codes(x, scale, zero, bits), scale, zero)


def grouped(weight: torch.Tensor, group_size: int) -> torch.Tensor:
    """[rows, columns] -> [rows, groups, group_size] (group_size -1: one group per row)."""
    rows, columns = weight.shape
    size = columns if group_size == -1 else group_size
    if columns % size:
        raise EngineError("E_QUANT", f"group_size {group_size} does not divide the {columns} input features")
    return weight.reshape(rows, columns // size, size)


@dataclass(frozen=True)
class QuantizedWeight:
    """A weight on its grid: `weight` (fp32) == scale[:, g_idx] * (codes - zero[:, g_idx]).

    scale, zero: [rows, groups]; g_idx: [columns], the group of each input column (contiguous groups
    unless GPTQ reordered columns).
    """

    weight: torch.Tensor
    scale: torch.Tensor
    zero: torch.Tensor
    g_idx: torch.Tensor
    bits: int

    def codes(self) -> torch.Tensor:
        return torch.round(self.weight / self.scale[:, self.g_idx]) + self.zero[:, self.g_idx]


def contiguous_groups(columns: int, group_size: int, device: torch.device | None = None) -> torch.Tensor:
    size = columns if group_size == -1 else group_size
    return torch.arange(columns, device=device) // size


def quantize_weight(weight: torch.Tensor, bits: int, group_size: int, symmetric: bool,
                    shrink: torch.Tensor | None = None) -> QuantizedWeight:
    """Round-to-nearest of a [rows, columns] weight, one (scale, zero) per row and group.

    shrink: optional [rows, groups] range factors (AWQ clipping)."""
    groups = grouped(weight.float(), group_size)
    scale, zero = qparams(groups, bits, symmetric, None if shrink is None else shrink.unsqueeze(-1))
    rounded = fake_quantize(groups, scale, zero, bits).reshape(weight.shape)
    return QuantizedWeight(weight=rounded, scale=scale.squeeze(-1), zero=zero.squeeze(-1),
                           g_idx=contiguous_groups(weight.shape[1], group_size, weight.device), bits=bits)


def fake_quantize_groups(x: torch.Tensor, bits: int, group_size: int, symmetric: bool) -> torch.Tensor:
    """Round any tensor to its grid with groups along the last dimension (dynamic, e.g. KV entries)."""
    shape = x.shape
    flat = x.float().reshape(-1, shape[-1])
    groups = grouped(flat, group_size)
    scale, zero = qparams(groups, bits, symmetric)
    return fake_quantize(groups, scale, zero, bits).reshape(shape)


def fake_quantize_per_token(x: torch.Tensor, bits: int = 8) -> torch.Tensor:
    """Dynamic per-token symmetric activation quantization, as vLLM's int8 kernels do it:
    scale = absmax / (2^(bits-1) - 1) per token, codes in [-(2^(bits-1)), 2^(bits-1) - 1]. Returns x's dtype."""
    positive = 2 ** (bits - 1) - 1
    values = x.float()
    scale = values.abs().amax(dim=-1, keepdim=True).clamp(min=1e-8) / positive
    codes = torch.clamp(torch.round(values / scale), -positive - 1, positive)
    return (codes * scale).to(x.dtype)


def fake_quantize_fp8_e4m3(x: torch.Tensor) -> torch.Tensor:
    """Round trip through float8 e4m3 (scale 1, saturating at its largest finite value, 448)."""
    finite = torch.finfo(torch.float8_e4m3fn).max
    return x.float().clamp(-finite, finite).to(torch.float8_e4m3fn).to(x.dtype)


def sqnr_db(signal_energy: float, noise_energy: float) -> float:
    """Signal-to-quantization-noise ratio in dB; infinite when there is no noise."""
    import math

    if noise_energy <= 0:
        return math.inf
    if signal_energy <= 0:
        return -math.inf
    return 10.0 * math.log10(signal_energy / noise_energy)
