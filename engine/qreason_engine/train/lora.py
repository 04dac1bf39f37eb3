"""LoRA adapters over a frozen (quantized) base, with PEFT: attaching a fresh one for training, and loading
a trained one for evaluation (`--adapter` on generate/score/serve).

PEFT wraps each target Linear in a `lora.Linear` that keeps the original module object as `base_layer`.
The variant's activation hooks are registered on those objects (quant/runtime.py), so they keep rounding
what the base Linear receives; the LoRA branch sees the unrounded input, as llama.cpp applies a LoRA
adapter next to a quantized matmul. After attaching, the runtime canary runs again and proves it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from ..caches import RUNTIME_ATTRIBUTE
from ..errors import EngineError
from ..model import LoadedModel
from .recipe import LoraSpec

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
TRAIN_RECORD = "train.json"


def _peft():
    try:
        import peft
    except ImportError as error:  # the GPU image and the CPU lock both carry peft; a bare install may not
        raise EngineError("E_BACKEND", f"LoRA needs peft (pip install 'qreason-engine[train]'): {error}") from error
    return peft


def _reverify(model) -> None:
    schemes = getattr(model, RUNTIME_ATTRIBUTE, None)
    if schemes is not None and schemes.active:
        from ..quant.runtime import verify_runtime_schemes

        verify_runtime_schemes(model, schemes)


def attach_lora(model, spec: LoraSpec, *, init_adapter: str | None = None):
    """A PeftModel over `model` with only the LoRA weights trainable. init_adapter: start from a trained
    adapter (its rank, alpha and targets must be the recipe's)."""
    peft = _peft()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    if init_adapter is not None:
        check_adapter_dir(init_adapter, field="init_adapter")
        config = json.loads((Path(init_adapter) / ADAPTER_CONFIG).read_text())
        found = {"rank": config.get("r"), "alpha": config.get("lora_alpha"),
                 "targets": sorted(config.get("target_modules") or [])}
        wanted = {"rank": spec.rank, "alpha": spec.alpha, "targets": sorted(spec.targets)}
        for key in found:
            if found[key] != wanted[key]:
                raise EngineError("E_INPUT", f"init_adapter has {key} {found[key]!r}, the recipe {wanted[key]!r}",
                                  field=f"lora.{key}")
        wrapped = peft.PeftModel.from_pretrained(model, init_adapter, is_trainable=True)
    else:
        config = peft.LoraConfig(r=spec.rank, lora_alpha=spec.alpha, lora_dropout=spec.dropout,
                                 target_modules=list(spec.targets), bias="none", task_type="CAUSAL_LM")
        try:
            wrapped = peft.get_peft_model(model, config)
        except ValueError as error:
            raise EngineError("E_INPUT", f"cannot attach LoRA: {error}", field="lora.targets") from error
    _reverify(wrapped.get_base_model())
    return wrapped


def check_adapter_dir(path: str | Path, *, field: str = "adapter") -> Path:
    root = Path(path)
    if not root.is_dir():
        raise EngineError("E_NOT_FOUND", f"adapter directory not found: {root}", field=field)
    for name in (ADAPTER_CONFIG, ADAPTER_WEIGHTS):
        if not (root / name).is_file():
            raise EngineError("E_NOT_FOUND", f"{root} has no {name}: not a PEFT LoRA adapter", field=field)
    return root


def adapter_identity(path: str | Path) -> str:
    """sha256 over the adapter's config and weights."""
    root = Path(path)
    digest = hashlib.sha256()
    for name in (ADAPTER_CONFIG, ADAPTER_WEIGHTS):
        digest.update(name.encode() + b"\0" + (root / name).read_bytes())
    return "sha256:" + digest.hexdigest()


def trained_base_identity(path: str | Path) -> str | None:
    record = Path(path) / TRAIN_RECORD
    if not record.is_file():
        return None
    try:
        return json.loads(record.read_text()).get("base", {}).get("identity")
    except (json.JSONDecodeError, AttributeError):
        return None


def apply_adapter(loaded: LoadedModel, adapter_dir: str | Path) -> LoadedModel:
    """The loaded model with a trained LoRA adapter injected (active, not merged: the base weights stay on
    their grid). The identity covers base and adapter; the runtime canary runs again over the result."""
    peft = _peft()
    root = check_adapter_dir(adapter_dir)
    try:
        wrapped = peft.PeftModel.from_pretrained(loaded.model, str(root), is_trainable=False)
    except (ValueError, KeyError, RuntimeError) as error:
        raise EngineError("E_INPUT", f"adapter {root} does not fit {loaded.path}: {error}", field="adapter") from error
    model = wrapped.get_base_model().eval()
    _reverify(model)
    adapter = adapter_identity(root)
    identity = "sha256:" + hashlib.sha256(f"{loaded.identity}\0adapter\0{adapter}".encode()).hexdigest()
    model.qreason_adapter = {"path": str(root), "identity": adapter,
                             "trained_on": trained_base_identity(root), "base_identity": loaded.identity}
    return replace(loaded, model=model, identity=identity)
