"""Importance matrices for llama.cpp's low-bit types (IQ2_XS, IQ3_XXS, IQ4_XS need one), made by the engine.

llama.cpp's `llama-imatrix` runs a model over calibration text and keeps, for every weight matrix, the
mean squared input activation of each column; `llama-quantize` then weights each column's rounding error
by it. That is the diagonal of GPTQ's Hessian and the square of AWQ's activation magnitudes, so the engine
computes it from the Hugging Face checkpoint with forward hooks, names each entry as `qreason gguf export`
names the tensor (`blk.3.ffn_down.weight`), and writes llama.cpp's legacy `.dat` format, which both
`qreason quantize --imatrix` and `llama-quantize --imatrix` read. No llama.cpp tool is needed.
"""

from __future__ import annotations

import struct
from pathlib import Path

import torch
from torch import nn

from ..errors import EngineError
from .layers import decoder_layers, linear_names

# Hugging Face module names in a Llama-family decoder layer -> llama.cpp tensor names (llama.cpp's
# tensor_mapping; the same table as src/gguf/architectures.ts on the TypeScript side).
GGUF_LINEAR_NAMES = {
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


def gguf_tensor_name(layer_index: int, linear_name: str) -> str:
    short = GGUF_LINEAR_NAMES.get(linear_name)
    if short is None:
        raise EngineError("E_QUANT", f"no llama.cpp tensor name for model.layers.{layer_index}.{linear_name}: "
                          "only Llama-family decoder layers (q/k/v/o, gate/up/down) are supported")
    return f"blk.{layer_index}.{short}.weight"


@torch.no_grad()
def collect_importance(model: nn.Module, token_ids: torch.Tensor, *, batch_size: int = 8,
                       progress=None) -> dict[str, tuple[torch.Tensor, int]]:
    """Per GGUF tensor name: (sum over calibration tokens of each input column's squared activation, token
    count). One forward pass per batch of windows; the hooks see exactly the inputs each Linear gets."""
    device = next(model.parameters()).device
    sums: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}
    hooks = []

    def hook_for(name: str):
        def hook(_module, inputs, _output):
            x = inputs[0].detach().float()
            flat = x.reshape(-1, x.shape[-1])
            sums[name] = sums.get(name, 0) + flat.pow(2).sum(dim=0)
            counts[name] = counts.get(name, 0) + flat.shape[0]
        return hook

    # Name every Linear before hooking any: an unsupported one then raises with no hook left behind.
    targets = [(layer.get_submodule(linear), gguf_tensor_name(index, linear))
               for index, layer in enumerate(decoder_layers(model)) for linear in linear_names(layer)]
    for module, name in targets:
        hooks.append(module.register_forward_hook(hook_for(name)))
    try:
        model.eval()
        for start in range(0, token_ids.shape[0], batch_size):
            batch = token_ids[start:start + batch_size].to(device)
            model(input_ids=batch, use_cache=False)
            if progress is not None:
                progress(min(start + batch_size, token_ids.shape[0]), token_ids.shape[0])
    finally:
        for handle in hooks:
            handle.remove()
    return {name: (sums[name].cpu(), counts[name]) for name in sums}


def write_legacy_imatrix(path: Path, importance: dict[str, tuple[torch.Tensor, int]], *, chunks: int,
                         dataset: str) -> None:
    """llama.cpp's legacy `.dat`: i32 entry count; per entry i32 name length, name, i32 ncall, i32 nval,
    f32 values; then i32 chunk count, i32 dataset-name length, dataset name. Readers divide the values by
    ncall, so each is stored as mean x ncall (ncall = the number of calibration windows)."""
    if chunks < 1:
        raise EngineError("E_INPUT", "an imatrix needs at least one calibration window")
    out = bytearray(struct.pack("<i", len(importance)))
    for name, (sums, tokens) in importance.items():
        values = (sums.double() / tokens * chunks).float().numpy().astype("<f4")
        encoded = name.encode()
        out += struct.pack("<i", len(encoded)) + encoded + struct.pack("<ii", chunks, values.size) + values.tobytes()
    encoded = dataset.encode()
    out += struct.pack("<ii", chunks, len(encoded)) + encoded
    path.write_bytes(bytes(out))
