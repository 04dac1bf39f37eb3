"""The registry of quantization methods: recipe method name -> its per-layer step (see pipeline.LayerMethod)."""

from __future__ import annotations

from . import awq, gptq, rtn, smoothquant
from .pipeline import LayerMethod

LAYER_METHODS: dict[str, LayerMethod] = {
    "none": rtn.keep_weights,
    "rtn": rtn.quantize_layer,
    "gptq": gptq.quantize_layer,
    "awq": awq.quantize_layer,
    "smoothquant": smoothquant.quantize_layer,
}
