"""SmoothQuant (Xiao et al., 2023, "SmoothQuant: Accurate and Efficient Post-Training Quantization for
Large Language Models"): W8A8 with activation outliers migrated into the weights.

Per input channel j of the Linears after a norm: s_j = max|X_j|^α / max|W_j|^(1−α). Dividing the norm's
weight by s and multiplying the Linears' columns by s keeps the function but flattens the activation
outliers that per-token int8 cannot represent. Then weights go to per-output-channel symmetric int8 and,
at run time, activations to per-token dynamic int8 (runtime.py). As in the reference, only the Linears
after a norm are smoothed (q/k/v and gate/up); o_proj and down_proj are quantized as they are.
"""

from __future__ import annotations

import torch

from .grid import quantize_weight
from .layers import fold_scales, scale_groups


def smoothing_scales(activation_max: torch.Tensor, weight_max: torch.Tensor, alpha: float) -> torch.Tensor:
    """s = act_max^α / w_max^(1−α) per channel; channels never active (or with all-zero weights) keep 1."""
    activation_max, weight_max = activation_max.float(), weight_max.float()
    scales = activation_max.pow(alpha) / weight_max.pow(1 - alpha)
    usable = (activation_max > 0) & (weight_max > 0) & torch.isfinite(scales)
    return torch.where(usable, scales, torch.ones_like(scales)).clamp(min=1e-5)


class _ChannelMax:
    def __init__(self):
        self.value: torch.Tensor | None = None

    def __call__(self, inputs, output) -> None:
        x = inputs[0]
        current = x.reshape(-1, x.shape[-1]).abs().amax(dim=0).float()
        self.value = current if self.value is None else torch.maximum(self.value, current)


def quantize_layer(ctx) -> dict[str, torch.Tensor]:
    """SmoothQuant on one decoder layer (ctx: pipeline.LayerContext)."""
    recipe = ctx.recipe
    groups = [group for group in scale_groups(ctx.layer, include_o_proj=False)
              if not isinstance(ctx.module(group.prev), torch.nn.Linear)
              and any(name in ctx.selected for name in group.linears)]
    meters = {group.linears[0]: _ChannelMax() for group in groups}
    ctx.forward(meters, until=list(meters))
    for group in groups:
        weight_max = torch.stack([ctx.module(name).weight.detach().abs().amax(dim=0).float()
                                  for name in group.linears]).amax(dim=0)
        scales = smoothing_scales(meters[group.linears[0]].value, weight_max, recipe.smoothquant.alpha)
        fold_scales(ctx.layer, group, scales)
        for name in group.linears:
            ctx.note(name, smooth_scale_max=float(scales.max()), smooth_scale_min=float(scales.min()))
    references = {}
    for name in ctx.selected:
        weight = ctx.weight(name)
        ctx.set_weight(name, quantize_weight(weight, recipe.w_bits, -1, symmetric=True).weight)
        references[name] = weight
    return references
