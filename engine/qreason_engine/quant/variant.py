"""Making a variant: quantize a model in memory, or a model directory into a variant directory.

A variant directory is the source model in Hugging Face layout with every quantized weight already on its
grid, stored in the source's dtype (so any engine serves it unchanged), the source's tokenizer and config
files copied verbatim, and `qreason-quant.json`: the resolved recipe, the source identity, the
calibration hashes, per-Linear and per-layer error, wall time and versions.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from .. import __version__
from ..errors import EngineError
from ..jsonfile import read_json_object
from ..model import load_model, model_identity, resolve_device
from .calibration import load_calibration
from .layers import decoder_layers
from .methods import LAYER_METHODS
from .pipeline import LayerContext, LinearReport, PipelineReport, run_pipeline, select_all
from .recipe import NEEDS_CALIBRATION, Recipe
from .runtime import MANIFEST, check_runtime_schemes

FORMAT = "qreason-quant/1"
# Files save_pretrained writes for the weights; everything else in the source directory is copied.
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")
_WEIGHT_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")


@torch.no_grad()
def quantize_model(model: nn.Module, recipe: Recipe, token_ids: torch.Tensor | None, *, device: torch.device,
                   batch_size: int = 8, progress: Callable[[str], None] | None = None) -> PipelineReport:
    """Quantize a loaded model's weights in place (runtime schemes are not left installed)."""
    method = LAYER_METHODS[recipe.method]
    check_runtime_schemes(model, recipe)
    if token_ids is not None:
        report, runtime = run_pipeline(model, recipe, method, token_ids, device=device, batch_size=batch_size,
                                       progress=progress)
        runtime.remove()
        return report
    if recipe.method in NEEDS_CALIBRATION:
        raise EngineError("E_INPUT", f"method '{recipe.method}' needs calibration data", field="calibration")
    # RTN (or none) without calibration: round layer by layer; no activations, so no error figures.
    start = time.perf_counter()
    selected = select_all(model, recipe)
    linears = []
    for index, layer in enumerate(decoder_layers(model)):
        home = next(layer.parameters()).device
        layer.to(device)
        method(LayerContext(layer, index, selected[index], [], [], recipe))
        layer.to(home)
        linears += [LinearReport(name=f"model.layers.{index}.{name}", rel_error=None, sqnr_db=None)
                    for name in selected[index]]
    return PipelineReport(linears=linears, layers=[], calibration_tokens=0, seconds=time.perf_counter() - start)


def source_dtype(model_dir: Path) -> str:
    """The dtype the source's config declares (what its weights are stored in); float32 when unsaid."""
    config = read_json_object(model_dir / "config.json")
    name = config.get("dtype") or config.get("torch_dtype") or "float32"
    if name not in ("float32", "bfloat16", "float16"):
        raise EngineError("E_QUANT", f"unsupported source dtype {name!r}", file=str(model_dir / "config.json"))
    return name


def _finite(value):
    """JSON has no Infinity/NaN (the TypeScript side's JSON.parse rejects them): write null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def versions() -> dict:
    import transformers

    return {"engine": __version__, "torch": torch.__version__, "transformers": transformers.__version__,
            "python": platform.python_version()}


def build_manifest(recipe: Recipe, report: PipelineReport, *, source: Path, identity: str, calibration: dict | None,
                   dtype: str, device: torch.device, wall_seconds: float) -> dict:
    errors = [linear.rel_error for linear in report.linears if linear.rel_error is not None]
    return _finite({
        "format": FORMAT,
        "recipe": recipe.to_json(),
        "source": {"path": str(source.resolve()), "identity": identity},
        "calibration": calibration,
        "dtype": dtype,
        "summary": {
            "linears": len(report.linears),
            "mean_rel_error": sum(errors) / len(errors) if errors else None,
            "max_rel_error": max(errors) if errors else None,
            "final_output_sqnr_db": report.layers[-1].output_sqnr_db if report.layers else None,
            "calibration_tokens": report.calibration_tokens,
        },
        "layers": [{"name": linear.name, "rel_error": linear.rel_error, "sqnr_db": linear.sqnr_db, **linear.notes}
                   for linear in report.linears],
        "decoder_layers": [{"index": layer.index, "output_sqnr_db": layer.output_sqnr_db,
                            "seconds": round(layer.seconds, 3)} for layer in report.layers],
        "quantize_seconds": round(report.seconds, 3),
        "wall_seconds": round(wall_seconds, 3),
        "device": str(device),
        "versions": versions(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    })


def _copy_side_files(source: Path, target: Path, *, copy_config: bool) -> None:
    for path in source.iterdir():
        if not path.is_file() or path.name in _WEIGHT_INDEXES or path.suffix in _WEIGHT_SUFFIXES:
            continue
        if path.name == "config.json" and not copy_config:
            continue
        shutil.copy2(path, target / path.name)


def quantize_to_dir(model_dir: str | Path, recipe: Recipe, out_dir: str | Path, *, device: str | None = None,
                    dtype: str | None = None, batch_size: int = 8,
                    progress: Callable[[str], None] | None = None) -> dict:
    """Quantize the model in model_dir by recipe into a new variant directory; returns the manifest.

    The model is held on the CPU in its own dtype and each decoder layer visits `device` in turn. Output is
    written to a temporary sibling directory and renamed into place at the end, so a failure never leaves
    a half-written variant, and an existing non-empty out_dir is never overwritten."""
    start = time.perf_counter()
    source, out = Path(model_dir), Path(out_dir)
    identity = model_identity(source)
    if (source / MANIFEST).exists():
        raise EngineError("E_QUANT", f"{source} is already a quantized variant; quantize its source model instead")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EngineError("E_USAGE", f"output directory {out} exists and is not empty; refusing to overwrite it")
    stored = source_dtype(source)
    loaded = load_model(source, dtype=dtype or stored, device="cpu")
    storage_dtype = str(loaded.dtype).removeprefix("torch.")
    compute = resolve_device(device)
    calibration = load_calibration(recipe.calibration, loaded.tokenizer) if recipe.calibration else None
    report = quantize_model(loaded.model, recipe, calibration.token_ids if calibration else None, device=compute,
                            batch_size=batch_size, progress=progress)

    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        loaded.model.save_pretrained(partial, safe_serialization=True)
        _copy_side_files(source, partial, copy_config=storage_dtype == stored)
        manifest = build_manifest(recipe, report, source=source, identity=identity,
                                  calibration=calibration.describe(recipe.calibration) if calibration else None,
                                  dtype=storage_dtype, device=compute, wall_seconds=time.perf_counter() - start)
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            out.rmdir()
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest
