"""Quantization: recipes, the methods (RTN, GPTQ, AWQ, SmoothQuant), runtime schemes (activation and
KV-cache quantization) and variant directories. See engine/README.md.

Names are imported lazily so that `qreason-engine --help` does not pay for torch.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Recipe": "recipe", "parse_recipe": "recipe", "load_recipe": "recipe",
    "quantize_model": "variant", "quantize_to_dir": "variant",
    "load_variant": "runtime", "install_runtime_schemes": "runtime", "read_manifest": "runtime",
    "LAYER_METHODS": "methods",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
