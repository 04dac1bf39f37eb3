"""Loading Hugging Face causal LMs from local directories, and a model's identity hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import EngineError
from .jsonfile import read_json_object

DTYPES = {"fp32": torch.float32, "float32": torch.float32, "bf16": torch.bfloat16,
          "bfloat16": torch.bfloat16, "fp16": torch.float16, "float16": torch.float16}

# Files that define a model's behaviour; tokenizer files count because they change what a prompt means.
_IDENTITY_SUFFIXES = (".safetensors", ".bin", ".json", ".model", ".txt", ".jinja")
_IDENTITY_EXCLUDE = {"qreason-quant.json"}


@dataclass
class LoadedModel:
    model: torch.nn.Module
    tokenizer: object
    path: Path
    identity: str
    dtype: torch.dtype
    device: torch.device


def model_identity(model_dir: str | Path) -> str:
    """sha256 over the names and bytes of the config, tokenizer and weight files, in sorted order."""
    root = Path(model_dir)
    if not root.is_dir():
        raise EngineError("E_NOT_FOUND", f"model directory not found: {root}")
    digest = hashlib.sha256()
    files = sorted(p for p in root.iterdir()
                   if p.is_file() and p.suffix in _IDENTITY_SUFFIXES and p.name not in _IDENTITY_EXCLUDE)
    if not any(p.name == "config.json" for p in files):
        raise EngineError("E_NOT_FOUND", f"{root} has no config.json: not a Hugging Face model directory")
    for path in files:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def resolve_device(device: str | None) -> torch.device:
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise EngineError("E_BACKEND", f"device {device!r} asked for but CUDA is not available")
    return torch.device(device)


def resolve_dtype(name: str | None, device: torch.device) -> torch.dtype:
    if name in (None, "auto"):
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    if name not in DTYPES:
        raise EngineError("E_USAGE", f"unknown dtype {name!r}; choose one of {sorted(set(DTYPES))}")
    return DTYPES[name]


def load_model(model_dir: str | Path, *, dtype: str | None = None, device: str | None = None) -> LoadedModel:
    """Load a causal LM and its tokenizer from a local directory (never from a hub)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    root = Path(model_dir)
    identity = model_identity(root)
    target = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, target)
    config = read_json_object(root / "config.json")
    try:
        model = AutoModelForCausalLM.from_pretrained(root, dtype=torch_dtype, local_files_only=True)
    except (OSError, ValueError, KeyError) as error:
        arch = config.get("architectures") or config.get("model_type")
        raise EngineError("E_BACKEND", f"cannot load {root} ({arch}): {error}") from error
    tokenizer = AutoTokenizer.from_pretrained(root, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(target).eval()
    return LoadedModel(model=model, tokenizer=tokenizer, path=root, identity=identity,
                       dtype=torch_dtype, device=target)
