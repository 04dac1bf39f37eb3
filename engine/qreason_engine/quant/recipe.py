"""The quantization recipe: data in a strict schema.

A recipe is JSON (the TypeScript side writes it; users may too). Parsing is strict: an unknown field, a
mistyped value or a combination that a method cannot honour is an EngineError naming the field
("calibration.seq_len"), so a typo never silently falls back to a default. The resolved recipe is what
the variant's manifest records.

The defaults' one source is the TypeScript side (src/study/engineDefaults.ts): studies and `qreason
quantize` send fully resolved recipes, and `load_recipe(..., complete=True)` (what the quantize command
uses) refuses one with a field left out, so a recipe cannot mean two variants. The defaults below are
the same values, for Python callers (tests, benchmarks); src/run/engineRecipe.test.ts checks they agree.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import EngineError

METHODS = ("none", "rtn", "gptq", "awq", "smoothquant")
W_BITS = (2, 3, 4, 8)
GROUP_SIZES = (-1, 32, 64, 128)
A_BITS = (8,)
KV_FORMATS = (8, 4, "fp8_e4m3")
CALIBRATION_FORMATS = ("jsonl", "text")
# Methods whose algorithm needs activations; rtn and none may still take calibration to measure error.
NEEDS_CALIBRATION = ("gptq", "awq", "smoothquant")


class _Fields:
    """Reads one JSON object field by field, remembering where it is for error messages."""

    def __init__(self, data: Any, path: str, file: str | None, allowed: tuple[str, ...]):
        self.path = path
        self.file = file
        if not isinstance(data, dict):
            raise self.error(path or "recipe", f"must be an object, got {type(data).__name__}")
        for key in data:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else f"; known fields: {', '.join(allowed)}"
                raise self.error(self.name(str(key)), f"unknown field{suggestion}")
        self.data = data

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, name: str, message: str) -> EngineError:
        return EngineError("E_INPUT", message, file=self.file, field=name)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str, default: Any = None) -> Any:
        value = self.data.get(key)
        return default if value is None else value

    def choice(self, key: str, choices: tuple, default: Any = None) -> Any:
        value = self.raw(key, default)
        # bool is an int in Python; `true` is never a valid bit width.
        if value is not None and (isinstance(value, bool) or value not in choices):
            raise self.error(self.name(key), f"must be one of {', '.join(map(str, choices))}; got {value!r}")
        return value

    def integer(self, key: str, default: int | None, low: int, high: int) -> int:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(self.name(key), f"must be an integer in [{low}, {high}]; got {value!r}")
        return value

    def number(self, key: str, default: float, low: float, high: float, *, open_low: bool = False,
               open_high: bool = False) -> float:
        value = self.raw(key, default)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and (value > low if open_low else value >= low) and (value < high if open_high else value <= high)
        if not ok:
            interval = f"{'(' if open_low else '['}{low}, {high}{')' if open_high else ']'}"
            raise self.error(self.name(key), f"must be a number in {interval}; got {value!r}")
        return float(value)

    def boolean(self, key: str, default: bool | None) -> bool | None:
        value = self.raw(key, default)
        if value is not None and not isinstance(value, bool):
            raise self.error(self.name(key), f"must be true or false; got {value!r}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or not value:
            raise self.error(self.name(key), f"must be a non-empty string; got {value!r}")
        return value

    def patterns(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.raw(key, list(default))
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
            raise self.error(self.name(key), "must be a list of non-empty glob patterns")
        return tuple(value)

    def child(self, key: str, allowed: tuple[str, ...]) -> _Fields:
        return _Fields(self.raw(key, {}), self.name(key), self.file, allowed)


def _names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class ModuleSelection:
    """Which Linear layers inside the decoder layers to quantize: glob patterns over full module names
    (`model.layers.3.mlp.down_proj`). Layers outside the decoder (embeddings, lm_head) are never touched."""

    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class CalibrationSpec:
    """Calibration text: a JSONL file with one text field per line, or a plain text file. Token windows of
    `seq_len` are cut from the (seeded, shuffled) token stream; `path` is resolved against the recipe
    file's folder when relative."""

    path: str
    format: str = "jsonl"
    text_field: str = "text"
    num_samples: int = 128
    seq_len: int = 2048
    seed: int = 0


@dataclass(frozen=True)
class GPTQOptions:
    damp_percent: float = 0.01
    block_size: int = 128
    act_order: bool = False
    static_groups: bool = False
    # Quantize q/k/v, then o, then gate/up, then down, each on inputs from the already-quantized ones.
    true_sequential: bool = True


@dataclass(frozen=True)
class AWQOptions:
    grid: int = 20
    clip: bool = True
    clip_grid: int = 20
    # The clipping search tries max-abs shrink factors 1, 1 - 1/clip_grid, ... down to 1 - max_shrink.
    max_shrink: float = 0.5
    clip_tokens: int = 512


@dataclass(frozen=True)
class SmoothQuantOptions:
    alpha: float = 0.5


@dataclass(frozen=True)
class Recipe:
    """A resolved recipe: every method default filled in, every cross-field rule checked."""

    method: str
    w_bits: int | None = None
    group_size: int = -1
    symmetric: bool = False
    modules: ModuleSelection = field(default_factory=ModuleSelection)
    calibration: CalibrationSpec | None = None
    a_bits: int | None = None
    kv_bits: int | str | None = None
    kv_group_size: int = -1
    gptq: GPTQOptions | None = None
    awq: AWQOptions | None = None
    smoothquant: SmoothQuantOptions | None = None

    @property
    def quantizes_weights(self) -> bool:
        return self.method != "none"

    def to_json(self) -> dict:
        """The canonical form: every resolved value, minus those that do not apply, so it parses back."""
        data = {key: value for key, value in asdict(self).items() if value is not None}
        if self.method == "none":
            for key in ("group_size", "symmetric"):
                data.pop(key)
        if self.kv_bits not in (8, 4):
            data.pop("kv_group_size")
        if self.calibration is not None and self.calibration.format != "jsonl":
            data["calibration"].pop("text_field")
        return data


_OPTION_BLOCKS = {"gptq": GPTQOptions, "awq": AWQOptions, "smoothquant": SmoothQuantOptions}


def parse_recipe(data: Any, *, file: str | None = None, base_dir: Path | None = None, complete: bool = False) -> Recipe:
    """Validate a recipe object (already parsed from JSON) and resolve its method defaults.

    complete: refuse a recipe that leaves out any field of its resolved form (`Recipe.to_json()`), naming
    the first one missing: the engine's CLI takes only fully resolved recipes."""
    recipe = _parse_recipe(data, file=file, base_dir=base_dir)
    if complete:
        missing = _missing_fields(recipe.to_json(), data)
        if missing:
            also = f"; also missing: {', '.join(missing[1:])}" if len(missing) > 1 else ""
            raise EngineError("E_INPUT", "missing: qreason-engine quantize takes fully resolved recipes (`qreason "
                              f"quantize` and studies fill in qreason's defaults){also}", file=file, field=missing[0])
    return recipe


def _missing_fields(resolved: dict, given: Any, prefix: str = "") -> list[str]:
    """Dotted names of the fields of `resolved` that `given` does not spell out (null counts as missing)."""
    missing = []
    for key, value in resolved.items():
        name = f"{prefix}{key}"
        if not isinstance(given, dict) or given.get(key) is None:
            missing.append(name)
        elif isinstance(value, dict):
            missing += _missing_fields(value, given[key], f"{name}.")
    return missing


def _parse_recipe(data: Any, *, file: str | None, base_dir: Path | None) -> Recipe:
    top = _Fields(data, "", file, _names(Recipe))
    method = top.choice("method", METHODS)
    if method is None:
        raise top.error("method", f"is required; one of {', '.join(METHODS)}")

    for block in _OPTION_BLOCKS:
        if top.has(block) and block != method:
            raise top.error(block, f"options for '{block}' given but method is '{method}'")

    if method == "none":
        for key in ("w_bits", "group_size", "symmetric"):
            if top.has(key):
                raise top.error(key, "method 'none' leaves weights unquantized; remove this field")
        w_bits, group_size, symmetric = None, -1, False
    elif method == "smoothquant":
        # SmoothQuant is W8A8 with per-output-channel symmetric int8 weights: only those values are accepted.
        w_bits = top.choice("w_bits", (8,), 8)
        group_size = top.choice("group_size", (-1,), -1)
        symmetric = top.boolean("symmetric", True)
        if not symmetric:
            raise top.error("symmetric", "SmoothQuant uses symmetric per-channel int8 weights")
    else:
        w_bits = top.choice("w_bits", W_BITS)
        if w_bits is None:
            raise top.error("w_bits", f"is required for method '{method}'; one of {', '.join(map(str, W_BITS))}")
        group_size = top.choice("group_size", GROUP_SIZES, 128)
        # RTN and GPTQ: symmetric (AutoGPTQ's default); AWQ: zero points, as its reference implementation.
        symmetric = top.boolean("symmetric", method != "awq")

    a_bits = top.choice("a_bits", A_BITS, 8 if method == "smoothquant" else None)
    if method == "smoothquant" and a_bits != 8:
        raise top.error("a_bits", "SmoothQuant is W8A8: a_bits must be 8")

    kv_bits = top.choice("kv_bits", KV_FORMATS)
    if top.has("kv_group_size") and kv_bits not in (8, 4):
        raise top.error("kv_group_size", "applies only to integer KV-cache quantization (kv_bits 8 or 4)")
    # Any divisor of the head dimension (checked against the model when it is loaded); -1: the whole head.
    kv_group_size = top.integer("kv_group_size", -1, -1, 1024)
    if kv_group_size == 0:
        raise top.error("kv_group_size", "must be -1 (whole head) or a positive divisor of the head dimension")

    selection = top.child("modules", _names(ModuleSelection))
    modules = ModuleSelection(include=selection.patterns("include", ("*",)),
                              exclude=selection.patterns("exclude", ()))

    calibration = None
    if top.has("calibration"):
        calibration = _parse_calibration(top.child("calibration", _names(CalibrationSpec)), base_dir)
    elif method in NEEDS_CALIBRATION:
        raise top.error("calibration", f"method '{method}' needs calibration data")

    options: dict[str, Any] = {}
    if method == "gptq":
        options["gptq"] = _parse_gptq(top.child("gptq", _names(GPTQOptions)), group_size)
    elif method == "awq":
        options["awq"] = _parse_awq(top.child("awq", _names(AWQOptions)))
    elif method == "smoothquant":
        block = top.child("smoothquant", _names(SmoothQuantOptions))
        options["smoothquant"] = SmoothQuantOptions(alpha=block.number("alpha", 0.5, 0.0, 1.0))

    return Recipe(method=method, w_bits=w_bits, group_size=group_size, symmetric=symmetric, modules=modules,
                  calibration=calibration, a_bits=a_bits, kv_bits=kv_bits, kv_group_size=kv_group_size, **options)


def _parse_calibration(block: _Fields, base_dir: Path | None) -> CalibrationSpec:
    path = block.text("path")
    default_format = "text" if path.endswith(".txt") else "jsonl"
    calibration_format = block.choice("format", CALIBRATION_FORMATS, default_format)
    if calibration_format == "text" and block.has("text_field"):
        raise block.error(block.name("text_field"), "applies only to format 'jsonl'")
    resolved = Path(path)
    if base_dir is not None and not resolved.is_absolute():
        resolved = base_dir / resolved
    return CalibrationSpec(path=str(resolved), format=calibration_format, text_field=block.text("text_field", "text"),
                           num_samples=block.integer("num_samples", 128, 1, 100_000),
                           seq_len=block.integer("seq_len", 2048, 8, 131_072),
                           seed=block.integer("seed", 0, 0, 2**31 - 1))


def _parse_gptq(block: _Fields, group_size: int) -> GPTQOptions:
    block_size = block.integer("block_size", 128, 1, 8192)
    if group_size > 0 and block_size % group_size:
        # A group must lie inside one column block so its scale is fitted to already-updated columns.
        raise block.error(block.name("block_size"), f"must be a multiple of group_size ({group_size})")
    return GPTQOptions(damp_percent=block.number("damp_percent", 0.01, 0.0, 1.0, open_low=True),
                       block_size=block_size, act_order=block.boolean("act_order", False),
                       static_groups=block.boolean("static_groups", False),
                       true_sequential=block.boolean("true_sequential", True))


def _parse_awq(block: _Fields) -> AWQOptions:
    return AWQOptions(grid=block.integer("grid", 20, 1, 1000), clip=block.boolean("clip", True),
                      clip_grid=block.integer("clip_grid", 20, 1, 1000),
                      max_shrink=block.number("max_shrink", 0.5, 0.0, 1.0, open_high=True),
                      clip_tokens=block.integer("clip_tokens", 512, 16, 1_000_000))


def read_json_file(path: str | Path) -> tuple[Any, Path]:
    """A recipe file's JSON and its path; a missing file, bad JSON or bad UTF-8 is an EngineError naming it.
    Shared by every recipe the engine reads (quantize, train)."""
    file = Path(path)
    if not file.is_file():
        raise EngineError("E_NOT_FOUND", f"recipe file not found: {file}")
    try:
        return json.loads(file.read_text(encoding="utf-8")), file
    except json.JSONDecodeError as error:
        raise EngineError("E_INPUT", f"not valid JSON: {error.msg}", file=f"{file}:{error.lineno}") from error
    except UnicodeDecodeError as error:
        raise EngineError("E_INPUT", f"not UTF-8 text: {error}", file=str(file)) from error


def load_recipe(path: str | Path, *, complete: bool = False) -> Recipe:
    """Read and validate a recipe JSON file; relative calibration paths are taken from its folder.
    complete: every field must be given (see parse_recipe)."""
    data, file = read_json_file(path)
    return parse_recipe(data, file=str(file), base_dir=file.parent, complete=complete)


def recipe_from_manifest(manifest: dict, *, file: str | None = None) -> Recipe:
    """The recipe stored in a variant's qreason-quant.json (already resolved; re-validated all the same)."""
    if not isinstance(manifest, dict) or "recipe" not in manifest:
        raise EngineError("E_INPUT", "has no 'recipe' object", file=file, field="recipe")
    return parse_recipe(manifest["recipe"], file=file)
