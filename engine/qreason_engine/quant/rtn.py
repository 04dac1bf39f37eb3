"""RTN: round every weight to the nearest point of its group's min-max (or absmax) grid. No calibration;
the baseline GPTQ and AWQ must beat."""

from __future__ import annotations

import torch

from .grid import quantize_weight


def quantize_layer(ctx) -> dict[str, torch.Tensor]:
    """RTN on one decoder layer (ctx: pipeline.LayerContext)."""
    recipe = ctx.recipe
    references = {}
    for name in ctx.selected:
        weight = ctx.weight(name)
        ctx.set_weight(name, quantize_weight(weight, recipe.w_bits, recipe.group_size, recipe.symmetric).weight)
        references[name] = weight
    return references


def keep_weights(ctx) -> dict[str, torch.Tensor]:
    """Method 'none': weights stay as they are (the variant differs only by its runtime schemes)."""
    return {name: ctx.weight(name) for name in ctx.selected}
