"""GPTQ (Frantar et al., 2022, "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained
Transformers"): quantize a weight column by column, pushing each column's rounding error onto the columns
not yet quantized through the inverse Hessian of the layer's reconstruction loss ||WX - ŴX||².

This file is the math only, on plain tensors: the Hessian accumulator and `gptq_quantize`. Hooks, layer
order and calibration streams live in pipeline.py; the method's per-layer plan is `quantize_layer` below.
Rows are independent given H, so linears that read the same input (q/k/v, gate/up) are quantized as one
stacked matrix: same result, fewer column loops.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import torch

from ..errors import EngineError
from .grid import QuantizedWeight, qparams, quantize_codes
from .layers import sequential_groups, shared_input_groups


class HessianAccumulator:
    """Accumulates the sum of x xᵀ over calibration tokens; H = 2/n · sum (the loss's Hessian)."""

    def __init__(self, columns: int, device: torch.device):
        self.sum = torch.zeros(columns, columns, dtype=torch.float32, device=device)
        self.tokens = 0

    def add(self, inputs: torch.Tensor) -> None:
        flat = inputs.reshape(-1, inputs.shape[-1])
        with _exact_tf32(flat):
            upcast = flat.float()
            self.sum.addmm_(upcast.t(), upcast)
        self.tokens += flat.shape[0]

    def hessian(self) -> torch.Tensor:
        if self.tokens == 0:
            raise EngineError("E_INTERNAL", "GPTQ Hessian has no calibration tokens")
        return self.sum * (2.0 / self.tokens)


@contextlib.contextmanager
def _exact_tf32(inputs: torch.Tensor):
    """bf16 and fp16 values are exactly representable in TF32 (8 and 10 mantissa bits <= TF32's 10), so a
    TF32 matmul of upcast half inputs, accumulated in fp32, equals the fp32 one up to summation order while
    running several times faster on tensor cores. fp32 inputs keep full fp32 matmuls."""
    if inputs.device.type != "cuda" or inputs.dtype not in (torch.bfloat16, torch.float16):
        yield
        return
    previous = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = True
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous


@dataclass(frozen=True)
class GPTQResult:
    quantized: QuantizedWeight
    # GPTQ's own estimate of the added loss: the sum of (w - q)² / (2 d²), d the Cholesky diagonal of H⁻¹.
    loss: float


def _inverse_cholesky_upper(hessian: torch.Tensor, damp_percent: float) -> torch.Tensor:
    """Upper Cholesky factor of H⁻¹ after dampening λ = damp_percent · mean(diag H)."""
    columns = hessian.shape[0]
    damp = damp_percent * torch.mean(torch.diag(hessian))
    hessian = hessian + damp * torch.eye(columns, device=hessian.device, dtype=hessian.dtype)
    factor, info = torch.linalg.cholesky_ex(hessian)
    if info.item() != 0:
        raise EngineError("E_QUANT", f"GPTQ: the dampened Hessian is not positive definite (damp_percent "
                          f"{damp_percent}); raise gptq.damp_percent or use more calibration samples")
    inverse = torch.cholesky_inverse(factor)
    return torch.linalg.cholesky(inverse, upper=True)


def gptq_quantize(weight: torch.Tensor, hessian: torch.Tensor, *, bits: int, group_size: int, symmetric: bool,
                  damp_percent: float = 0.01, block_size: int = 128, act_order: bool = False,
                  static_groups: bool = False) -> GPTQResult:
    """Quantize weight [rows, columns] given H [columns, columns]; returns it on its grid (fp32).

    act_order processes columns by decreasing H diagonal (largest activations first). With groups and
    act_order, a group is the next `group_size` columns in processing order (g_idx records the mapping)
    unless static_groups, which fits every contiguous group's grid on the original weight up front so
    groups stay contiguous in the original order.
    """
    rows, columns = weight.shape
    if group_size != -1 and (columns % group_size or block_size % group_size):
        raise EngineError("E_QUANT", f"GPTQ: group_size {group_size} must divide the {columns} columns and "
                          f"the block size {block_size}")
    W = weight.detach().float().clone()
    H = hessian.float().clone()
    device = W.device

    # Columns no calibration token ever activated carry no information: quantize them to zero.
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0

    static_params = None
    if group_size != -1 and static_groups:
        groups = W.reshape(rows, columns // group_size, group_size)
        static_params = qparams(groups, bits, symmetric)  # each [rows, groups, 1]

    perm = None
    if act_order:
        perm = torch.argsort(torch.diag(H), descending=True)
        W, H = W[:, perm], H[perm][:, perm]
    Hinv = _inverse_cholesky_upper(H, damp_percent)

    Q = torch.zeros_like(W)
    losses = torch.zeros(rows, device=device)
    # The group of each column, in processing order (plain Python ints: no device sync in the loop).
    if group_size == -1:
        groups_in_order = [0] * columns
    elif static_params is not None and perm is not None:
        groups_in_order = [column // group_size for column in perm.tolist()]
    else:
        groups_in_order = [column // group_size for column in range(columns)]
    scales = torch.zeros(rows, 1 if group_size == -1 else columns // group_size, device=device)
    zeros = torch.zeros_like(scales)
    if group_size == -1:
        scale, zero = qparams(W, bits, symmetric)
        scales[:], zeros[:] = scale, zero

    for start in range(0, columns, block_size):
        end = min(start + block_size, columns)
        W1 = W[:, start:end].clone()
        Q1 = torch.zeros_like(W1)
        Err1 = torch.zeros_like(W1)
        Hinv1 = Hinv[start:end, start:end]
        for i in range(end - start):
            column = start + i
            if static_params is not None:
                group = groups_in_order[column]
                scale, zero = static_params[0][:, group], static_params[1][:, group]
            elif group_size != -1 and column % group_size == 0:
                # Fit the group's grid on its columns as updated so far (W1, not the stale W).
                group = groups_in_order[column]
                scale, zero = qparams(W1[:, i:i + group_size], bits, symmetric)
                scales[:, group:group + 1], zeros[:, group:group + 1] = scale, zero
            w = W1[:, i:i + 1]
            d = Hinv1[i, i]
            q = scale * (quantize_codes(w, scale, zero, bits) - zero)
            Q1[:, i:i + 1] = q
            error = (w - q) / d
            # Lazy batch update: only this block's remaining columns now; the rest once per block below.
            W1[:, i:].addr_(error[:, 0], Hinv1[i, i:], alpha=-1)
            Err1[:, i:i + 1] = error
        Q[:, start:end] = Q1
        losses += Err1.pow(2).sum(dim=1) / 2
        W[:, end:].sub_(Err1.matmul(Hinv[start:end, end:]))

    g_idx = torch.tensor(groups_in_order, dtype=torch.long, device=device)
    if static_params is not None:
        scales = static_params[0].squeeze(-1)
        zeros = static_params[1].squeeze(-1)
    if perm is not None:
        inverse = torch.argsort(perm)
        Q, g_idx = Q[:, inverse], g_idx[inverse]
    if not torch.isfinite(Q).all():
        raise EngineError("E_QUANT", "GPTQ produced non-finite weights; raise gptq.damp_percent")
    return GPTQResult(quantized=QuantizedWeight(weight=Q, scale=scales, zero=zeros, g_idx=g_idx, bits=bits),
                      loss=float(losses.sum()))


def quantize_layer(ctx) -> dict[str, torch.Tensor]:
    """GPTQ on one decoder layer (ctx: pipeline.LayerContext). With true_sequential, q/k/v are quantized
    first, then o_proj's Hessian is collected from the attention of the quantized q/k/v, and so on."""
    recipe = ctx.recipe
    options = recipe.gptq
    stages = sequential_groups(ctx.selected) if options.true_sequential else [list(ctx.selected)]
    references: dict[str, torch.Tensor] = {}
    for stage in stages:
        shared = shared_input_groups(stage)
        accumulators = {}
        for members in shared:
            first = ctx.module(members[0])
            accumulators[members[0]] = HessianAccumulator(first.in_features, first.weight.device)
        hooks = {name: (lambda inputs, output, _acc=acc: _acc.add(inputs[0])) for name, acc in accumulators.items()}
        ctx.forward(hooks, until=list(accumulators))
        for members in shared:
            started = time.perf_counter()
            hessian = accumulators.pop(members[0]).hessian()
            weights = [ctx.weight(name) for name in members]
            result = gptq_quantize(torch.cat(weights), hessian, bits=recipe.w_bits, group_size=recipe.group_size,
                                   symmetric=recipe.symmetric, damp_percent=options.damp_percent,
                                   block_size=options.block_size, act_order=options.act_order,
                                   static_groups=options.static_groups)
            del hessian
            seconds = time.perf_counter() - started
            rows = 0
            for name, weight in zip(members, weights, strict=True):
                ctx.set_weight(name, result.quantized.weight[rows:rows + weight.shape[0]])
                rows += weight.shape[0]
                references[name] = weight
                ctx.note(name, gptq_loss=result.loss, gptq_seconds=round(seconds, 4), gptq_stacked_with=members)
    return references
