"""Opening a model for serving (plain or quantized variant) and describing it to clients."""

from __future__ import annotations

import platform
from pathlib import Path

from .. import __version__
from ..errors import EngineError
from ..jsonfile import read_json_object
from ..model import LoadedModel, load_model
from ..protocol import PROTOCOL_VERSION

QUANT_MANIFEST = "qreason-quant.json"


def open_model(model_dir: str | Path, *, dtype: str | None = None, device: str | None = None,
               adapter: str | Path | None = None) -> LoadedModel:
    """Load a model; a variant directory (with qreason-quant.json) loads through the quant runtime, which
    installs the variant's activation and KV-cache schemes so generation and scoring both see them. With
    `adapter` (a PEFT LoRA directory, as `qreason-engine train` writes), the adapter is injected on top
    (unmerged) and the identity covers both."""
    loaded = _open_base(model_dir, dtype=dtype, device=device)
    if adapter is None:
        return loaded
    from ..train.lora import apply_adapter

    return apply_adapter(loaded, adapter)


def _open_base(model_dir: str | Path, *, dtype: str | None, device: str | None) -> LoadedModel:
    root = Path(model_dir)
    if (root / QUANT_MANIFEST).is_file():
        try:
            from ..quant.runtime import load_variant
        except ImportError as error:
            raise EngineError("E_QUANT", f"{root} is a quantized variant ({QUANT_MANIFEST}) but the quant runtime "
                              f"cannot be imported: {error}") from error
        return load_variant(root, dtype, device)
    return load_model(root, dtype=dtype, device=device)


def quantization_summary(model_dir: Path) -> dict | None:
    path = model_dir / QUANT_MANIFEST
    if not path.is_file():
        return None
    manifest = read_json_object(path)
    return manifest.get("recipe", manifest)


def engine_info(loaded: LoadedModel, *, served_name: str, limits: dict) -> dict:
    """The hello/info payload: who is serving what, so every generation can record its provenance."""
    import torch
    import transformers

    config = loaded.model.config
    return {
        "protocol": PROTOCOL_VERSION,
        "engine": {"name": "qreason-engine", "version": __version__},
        "model": {
            "name": served_name,
            "path": str(loaded.path),
            "identity": loaded.identity,
            "architecture": (getattr(config, "architectures", None) or [config.model_type])[0],
            "dtype": str(loaded.dtype).removeprefix("torch."),
            "device": str(loaded.device),
            "vocab_size": config.vocab_size,
            "max_context": getattr(config, "max_position_embeddings", None),
            "chat_template": bool(getattr(loaded.tokenizer, "chat_template", None)),
            "quantization": quantization_summary(Path(loaded.path)),
            # {"path", "identity", "trained_on", "base_identity"} of a LoRA adapter loaded with --adapter
            "adapter": getattr(loaded.model, "qreason_adapter", None),
        },
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__},
        "limits": limits,
    }
