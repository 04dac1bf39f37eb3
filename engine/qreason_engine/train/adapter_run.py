"""One training run from a recipe to an adapter directory, with its provenance.

    ADAPTER_DIR/adapter_config.json, adapter_model.safetensors   (PEFT: loads with PeftModel.from_pretrained)
    ADAPTER_DIR/train.json                                        (recipe, seed, versions, base, data, metrics)

The directory is written beside its final name and renamed at the end, so a failed run leaves nothing
under it; a non-empty existing directory is refused.
"""

from __future__ import annotations

import json
import platform
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from .. import __version__
from ..errors import EngineError
from .data import load_dataset
from .lora import TRAIN_RECORD, attach_lora
from .recipe import TrainRecipe
from .trainer import (Progress, adapter_disabled_reference, causal_lm_of, pad_id_of, planned_steps, reference_logps,
                      seed_everything, train_loop)

FORMAT = "qreason-train/1"


def _versions() -> dict:
    import peft
    import transformers

    return {"engine": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "peft": peft.__version__}


def _quantization(base: Path) -> dict | None:
    manifest = base / "qreason-quant.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text()).get("recipe")


def _fp_reference(recipe: TrainRecipe, loaded, examples, *, dtype, device, micro_batch, progress):
    from ..serve.loading import open_model

    fp = open_model(recipe.fp_model, dtype=dtype, device=device)
    if fp.tokenizer.get_vocab() != loaded.tokenizer.get_vocab():
        raise EngineError("E_INPUT", f"fp_model {recipe.fp_model} has another vocabulary than base {recipe.base}: "
                          f"their log-probs cannot be compared", field="fp_model")
    try:
        return reference_logps(fp.model, examples, pad_id=pad_id_of(fp.tokenizer), micro_batch=micro_batch,
                               progress=progress), fp.identity
    finally:
        del fp


def _reference_record(recipe: TrainRecipe, identity: str | None, reference) -> dict | None:
    """Which policy the reference was, and the mean of its log-probs (computed once, before training)."""
    if recipe.kind != "dpo":
        return None
    chosen = [c for c, _ in reference]
    rejected = [r for _, r in reference]
    return {"policy": recipe.reference, "identity": identity, "chosen_logps_mean": sum(chosen) / len(chosen),
            "rejected_logps_mean": sum(rejected) / len(rejected)}


def train_adapter(recipe: TrainRecipe, out: str | Path, *, device: str | None = None, dtype: str | None = None,
                  progress: Progress | None = None, log=print) -> dict:
    """Train an adapter as the recipe says and write it to `out`; returns the train.json record."""
    from ..serve.loading import open_model

    started = time.time()
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise EngineError("E_INPUT", f"{target} exists and is not empty: choose a new adapter directory", field="out")
    seed_everything(recipe.seed)
    loaded = open_model(recipe.base, dtype=dtype, device=device)
    dataset = load_dataset(recipe.data, recipe.kind, loaded.tokenizer, max_length=recipe.max_length,
                           append_eos=recipe.append_eos)
    log(f"{len(dataset.examples)} {recipe.kind} examples from {recipe.data} ({dataset.truncated} cut to "
        f"max_length {recipe.max_length}); {planned_steps(recipe, len(dataset.examples))} steps")
    pad_id = pad_id_of(loaded.tokenizer)
    # LoRA's initial A matrices come from the global generator: seeded just before, whatever ran above.
    seed_everything(recipe.seed)
    model = attach_lora(loaded.model, recipe.lora, init_adapter=recipe.init_adapter)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    reference, reference_identity = None, None
    if recipe.kind == "dpo":
        if recipe.reference == "fp":
            reference, reference_identity = _fp_reference(recipe, loaded, dataset.examples, dtype=dtype,
                                                           device=device, micro_batch=recipe.micro_batch,
                                                           progress=progress)
        else:
            reference = adapter_disabled_reference(model, dataset.examples, pad_id=pad_id,
                                                   micro_batch=recipe.micro_batch, progress=progress)
            reference_identity = loaded.identity
    if loaded.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(loaded.device)
    result = train_loop(model, recipe, dataset, pad_id=pad_id, reference=reference, progress=progress)

    staging = target.parent / f".{target.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        model.save_pretrained(staging, safe_serialization=True)
        record = {
            "format": FORMAT,
            "kind": recipe.kind,
            "recipe": recipe.to_json(),
            "seed": recipe.seed,
            "base": {"path": recipe.base, "identity": loaded.identity, "quantization": _quantization(Path(recipe.base)),
                     "architecture": (getattr(causal_lm_of(model).config, "architectures", None) or [None])[0]},
            "reference": _reference_record(recipe, reference_identity, reference),
            "data": {"path": recipe.data, "sha256": dataset.sha256, "lines": dataset.lines,
                     "examples": len(dataset.examples), "truncated": dataset.truncated,
                     "positions_dropped": dataset.positions_dropped},
            "trainable_parameters": trainable,
            "steps": result["steps"],
            "metrics": {"final": result["final"], "first": result["history"][0] if result["history"] else None,
                        "history": result["history"]},
            "train_seconds": result["train_seconds"],
            "wall_seconds": round(time.time() - started, 3),
            "device": str(loaded.device),
            "dtype": str(loaded.dtype).removeprefix("torch."),
            "peak_memory_bytes": (torch.cuda.max_memory_allocated(loaded.device)
                                  if loaded.device.type == "cuda" else None),
            "versions": _versions(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        (staging / TRAIN_RECORD).write_text(json.dumps(record, indent=2, allow_nan=False) + "\n")
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return record
