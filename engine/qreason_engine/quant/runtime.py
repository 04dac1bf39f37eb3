"""Runtime schemes, applied when a variant is loaded: per-token dynamic activation quantization on the
inputs of the quantized Linears, and KV-cache quantization. The weights need nothing at load time: they
are stored already on their grid.

    loaded = load_variant("variants/gptq-w4", dtype="bf16", device="cuda")   # generation/scoring use this
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from torch import nn

from ..errors import EngineError
from ..jsonfile import read_json_object
from ..model import LoadedModel, load_model
from .grid import fake_quantize_per_token
from .kv import KVQuantizer, install_kv_quantization
from .layers import decoder_layers, select_linears
from .recipe import Recipe, recipe_from_manifest

MANIFEST = "qreason-quant.json"


class RuntimeSchemes:
    """The hooks installed on a model; `remove()` restores plain full-precision behaviour."""

    def __init__(self, handles: Iterable = ()):
        self.handles = list(handles)

    def extend(self, other: RuntimeSchemes) -> None:
        self.handles.extend(other.handles)

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()

    def __len__(self) -> int:
        return len(self.handles)


def _activation_hook(bits: int):
    def quantize_input(module, args):
        return (fake_quantize_per_token(args[0], bits), *args[1:])
    return quantize_input


def install_runtime_schemes(model: nn.Module, recipe: Recipe, *, layers: Iterable[int] | None = None) -> RuntimeSchemes:
    """Install the recipe's activation and KV-cache schemes on the given decoder layers (default: all)."""
    schemes = RuntimeSchemes()
    all_layers = decoder_layers(model)
    indices = range(len(all_layers)) if layers is None else layers
    kv = KVQuantizer(recipe.kv_bits, recipe.kv_group_size) if recipe.kv_bits is not None else None
    for index in indices:
        layer = all_layers[index]
        if recipe.a_bits is not None:
            for name in select_linears(layer, index, recipe.modules):
                module = layer.get_submodule(name)
                schemes.handles.append(module.register_forward_pre_hook(_activation_hook(recipe.a_bits)))
        if kv is not None:
            attention = getattr(layer, "self_attn", None)
            if attention is None:
                raise EngineError("E_QUANT", f"{type(layer).__name__} has no self_attn: KV quantization unsupported")
            schemes.handles.append(install_kv_quantization(attention, kv))
    return schemes


def check_runtime_schemes(model: nn.Module, recipe: Recipe) -> None:
    """Fail before any work when the recipe's KV grouping does not fit the model's heads."""
    if recipe.kv_bits is None:
        return
    quantizer = KVQuantizer(recipe.kv_bits, recipe.kv_group_size)
    for layer in decoder_layers(model):
        head_dim = getattr(getattr(layer, "self_attn", None), "head_dim", None)
        if head_dim is None:
            raise EngineError("E_QUANT", f"{type(layer).__name__} has no self_attn.head_dim: KV quantization "
                              f"unsupported")
        quantizer.check_head_dim(head_dim)


def read_manifest(variant_dir: str | Path) -> dict:
    path = Path(variant_dir) / MANIFEST
    if not path.is_file():
        raise EngineError("E_NOT_FOUND", f"{variant_dir} has no {MANIFEST}: not a qreason variant")
    return read_json_object(path)


def load_variant(variant_dir: str | Path, dtype: str | None = None, device: str | None = None) -> LoadedModel:
    """Load a variant directory and install its runtime schemes (activation and KV quantization).

    The returned identity covers the weights and the recipe, so two variants that share weights but differ
    in runtime schemes (say KV int8 vs int4) never share cached results. The hooks stay installed for the
    model's lifetime; `loaded.model.qreason_runtime.remove()` takes them off."""
    root = Path(variant_dir)
    manifest = read_manifest(root)
    recipe = recipe_from_manifest(manifest, file=str(root / MANIFEST))
    loaded = load_model(root, dtype=dtype, device=device)
    schemes = install_runtime_schemes(loaded.model, recipe)
    loaded.model.qreason_runtime = schemes  # keeps the handles reachable with the model
    canonical = json.dumps(recipe.to_json(), sort_keys=True).encode()
    identity = "sha256:" + hashlib.sha256(loaded.identity.encode() + b"\0" + canonical).hexdigest()
    return replace(loaded, identity=identity)
