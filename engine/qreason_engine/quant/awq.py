"""AWQ (Lin et al., 2023, "AWQ: Activation-aware Weight Quantization for LLM Compression and Acceleration").

Weights that meet large activations matter most. Scaling input channel j of a group of Linears by s_j (and
dividing the producer of their input by s_j) leaves the function unchanged but shrinks the relative
rounding error of the salient channels. s = mean|x|^α, normalised, with α found by grid search over
[0, 1) minimising the output error of the block the Linears feed (attention, MLP, or the Linear itself).
Then an optional clipping search shrinks each group's range where that lowers the group's output error,
and the weights are rounded to nearest.

The search math is on plain tensors and callables; `quantize_layer` at the bottom is the per-layer plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .grid import grouped, quantize_weight
from .layers import QKV, fold_scales, scale_groups
from .pipeline import first_tensor


def activation_magnitude(inputs: list[torch.Tensor]) -> torch.Tensor:
    """Mean |x| per input channel over all calibration tokens (fp32)."""
    total, tokens = None, 0
    for x in inputs:
        flat = x.reshape(-1, x.shape[-1]).float()
        part = flat.abs().sum(dim=0)
        total = part if total is None else total + part
        tokens += flat.shape[0]
    return total / tokens


def candidate_scales(magnitude: torch.Tensor, ratio: float) -> torch.Tensor:
    """s = magnitude^ratio, normalised so that max(s) · min(s) = 1 (the geometric middle stays 1)."""
    scales = magnitude.pow(ratio).clamp(min=1e-4)
    return scales / (scales.max() * scales.min()).sqrt()


@dataclass(frozen=True)
class ScaleSearch:
    ratio: float
    scales: torch.Tensor
    losses: tuple[float, ...]


@torch.no_grad()
def search_scales(run_block: Callable[[int, torch.Tensor], torch.Tensor], inputs: list[torch.Tensor],
                  weights: list[torch.Tensor], rounding: Callable[[torch.Tensor], torch.Tensor],
                  grid: int) -> ScaleSearch:
    """Grid-search α for the Linears whose weight tensors are `weights` (modified in place during the
    search, restored after). run_block(batch, x) computes the block output for calibration batch `batch`
    from input x; rounding(w) is the weight quantizer (fp32 in, fp32 out)."""
    magnitude = activation_magnitude(inputs)
    targets = [run_block(batch, x).float() for batch, x in enumerate(inputs)]
    originals = [weight.detach().clone() for weight in weights]
    losses = []
    best = (float("inf"), 0.0, torch.ones_like(magnitude))
    try:
        for step in range(grid):
            ratio = step / grid
            scales = candidate_scales(magnitude, ratio)
            for weight, original in zip(weights, originals, strict=True):
                weight.copy_((rounding(original.float() * scales) / scales).to(weight.dtype))
            error, count = 0.0, 0
            for batch, (x, target) in enumerate(zip(inputs, targets, strict=True)):
                error += float((run_block(batch, x).float() - target).pow(2).sum())
                count += target.numel()
            loss = error / count
            losses.append(loss)
            if loss < best[0]:
                best = (loss, ratio, scales)
    finally:
        for weight, original in zip(weights, originals, strict=True):
            weight.copy_(original)
    return ScaleSearch(ratio=best[1], scales=best[2], losses=tuple(losses))


@torch.no_grad()
def search_clip(weight: torch.Tensor, inputs: torch.Tensor, *, bits: int, group_size: int, symmetric: bool,
                grid: int, max_shrink: float, rows_per_batch: int = 64) -> torch.Tensor:
    """Per (row, group) range shrink factor in {1, 1 - 1/grid, ...} (down to 1 - max_shrink) minimising
    the mean squared error of that group's partial output x_g · w_g over the sampled tokens.
    weight [rows, columns] fp32; inputs [tokens, columns]. Returns [rows, groups]; 1 means no clipping."""
    rows = weight.shape[0]
    x = grouped(inputs.float(), group_size)  # [tokens, groups, size]
    steps = max(1, int(max_shrink * grid))
    best_shrink = torch.ones(rows, x.shape[1], device=weight.device)
    for start in range(0, rows, rows_per_batch):
        w = weight[start:start + rows_per_batch].float()
        w_groups = grouped(w, group_size)
        target = torch.einsum("tgs,rgs->rtg", x, w_groups)
        best_error = torch.full((w.shape[0], x.shape[1]), float("inf"), device=weight.device)
        for step in range(steps):
            shrink = 1.0 - step / grid
            factors = torch.full_like(best_error, shrink)
            rounded = grouped(quantize_weight(w, bits, group_size, symmetric, shrink=factors).weight, group_size)
            error = (torch.einsum("tgs,rgs->rtg", x, rounded) - target).pow(2).mean(dim=1)
            better = error < best_error
            best_error = torch.where(better, error, best_error)
            best_shrink[start:start + w.shape[0]] = torch.where(better, factors, best_shrink[start:start + w.shape[0]])
    return best_shrink


def _sample_tokens(inputs: list[torch.Tensor], count: int) -> torch.Tensor:
    """Up to `count` evenly spaced token rows across all batches (without concatenating them all first)."""
    flats = [x.reshape(-1, x.shape[-1]) for x in inputs]
    total = sum(flat.shape[0] for flat in flats)
    if total <= count:
        return torch.cat(flats)
    wanted = torch.linspace(0, total - 1, count).round().long()
    pieces, offset = [], 0
    for flat in flats:
        local = wanted[(wanted >= offset) & (wanted < offset + flat.shape[0])] - offset
        if local.numel():
            pieces.append(flat[local.to(flat.device)])
        offset += flat.shape[0]
    return torch.cat(pieces)


def quantize_layer(ctx) -> dict[str, torch.Tensor]:
    """AWQ on one decoder layer (ctx: pipeline.LayerContext): search every group's scales on the layer's
    full-precision weights, fold them, record references, clip, round."""
    recipe, options = ctx.recipe, ctx.recipe.awq
    groups = [group for group in scale_groups(ctx.layer) if any(name in ctx.selected for name in group.linears)]
    # Each group's input (what its first Linear receives) and how its block is called.
    calls = ctx.capture({name for group in groups for name in (group.linears[0], group.block)}
                        | {"self_attn.o_proj", "mlp.down_proj"})

    def rounding(weight: torch.Tensor) -> torch.Tensor:
        return quantize_weight(weight, recipe.w_bits, recipe.group_size, recipe.symmetric).weight

    searches = []
    for group in groups:
        inputs = [call.args[0] for call in calls[group.linears[0]]]
        block, block_calls = ctx.module(group.block), calls[group.block]

        def run_block(batch, x, _block=block, _calls=block_calls):
            return first_tensor(_calls[batch].replay(_block, x))

        weights = [ctx.module(name).weight.data for name in group.linears if name in ctx.selected]
        searches.append(search_scales(run_block, inputs, weights, rounding, options.grid))
    for group, search in zip(groups, searches, strict=True):
        fold_scales(ctx.layer, group, search.scales)
        for name in group.linears:
            ctx.note(name, awq_ratio=search.ratio)

    references = {name: ctx.weight(name) for name in ctx.selected}
    input_scales = {name: search.scales
                    for group, search in zip(groups, searches, strict=True) for name in group.linears}
    input_of = {name: group.linears[0] for group in scale_groups(ctx.layer, include_o_proj=False)
                for name in group.linears}
    input_of["self_attn.o_proj"] = "self_attn.o_proj"
    for name in ctx.selected:
        weight = references[name]
        shrink = None
        # q/k feed a softmax through their product: their output error says little (as in the reference).
        if options.clip and name not in QKV[:2] and input_of.get(name) in calls:
            inputs = _sample_tokens([call.args[0] for call in calls[input_of[name]]], options.clip_tokens).float()
            if name in input_scales:
                inputs = inputs / input_scales[name]
            shrink = search_clip(weight, inputs, bits=recipe.w_bits, group_size=recipe.group_size,
                                 symmetric=recipe.symmetric, grid=options.clip_grid, max_shrink=options.max_shrink)
            ctx.note(name, awq_clip_mean_shrink=float(shrink.mean()))
        ctx.set_weight(name, quantize_weight(weight, recipe.w_bits, recipe.group_size, recipe.symmetric,
                                             shrink=shrink).weight)
    return references
