"""Runtime schemes, applied when a variant is loaded: per-token dynamic activation quantization on the
inputs of the quantized Linears, and KV-cache quantization. The weights need nothing at load time: they
are stored already on their grid.

    loaded = load_variant("variants/gptq-w4", dtype="bf16", device="cuda")   # generation/scoring use this

- Activations: a forward pre-hook on each quantized Linear, attached to the module object (so it stays on
  the module when PEFT wraps or renames it), rounding with a straight-through estimator while gradients
  flow. PyTorch has no other public way to change what a Linear receives.
- KV cache: no hook at all. The schemes object makes the caches (`new_cache`, reached through
  `caches.make_cache`), quantizing `DynamicCache`/`StaticCache` subclasses that the engine passes in as the
  model's cache argument.

`load_variant` then runs a canary forward (`verify_runtime_schemes`) that proves each scheme is active:
every hooked Linear received exactly the per-token rounding of its input, and every layer's cached keys
and values are on the KV grid (layer 0's are exactly the rounding of the unquantized ones). A scheme that
is silently off, as after a transformers upgrade that renamed how the cache is passed, fails loading
with E_QUANT naming the scheme and the transformers version instead of producing fp numbers under a
quantized variant's name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from ..caches import RUNTIME_ATTRIBUTE, cache_keyword, plain_cache
from ..errors import EngineError
from ..jsonfile import read_json_object
from ..model import LoadedModel, load_model
from .grid import fake_quantize_per_token
from .kv import KVQuantizer, head_dim_of, quantizing_cache, straight_through
from .layers import decoder_layers, layer_prefix, select_linears
from .recipe import Recipe, recipe_from_manifest

MANIFEST = "qreason-quant.json"

_CANARY_TOKENS = 16


class ActivationQuantizer:
    """Forward pre-hook: the Linear's input rounded per token to `bits` (symmetric, dynamic)."""

    def __init__(self, bits: int):
        self.bits = bits

    def round(self, x: torch.Tensor) -> torch.Tensor:
        return fake_quantize_per_token(x, self.bits)

    def __call__(self, module, args):
        x = args[0]
        return (straight_through(x, self.round(x)), *args[1:])


class RuntimeSchemes:
    """A model's runtime schemes: the activation hooks (by module) and the KV format its caches round to.
    `remove()` restores plain full-precision behaviour (no hooks, plain caches)."""

    def __init__(self, handles: Iterable = (), *, kv: KVQuantizer | None = None, a_bits: int | None = None):
        self.handles = list(handles)
        self.model: nn.Module | None = None  # the model these schemes are attached to, if any
        # (full name at install time, module): the Linears whose inputs are rounded.
        self.activation_modules: list[tuple[str, nn.Module]] = []
        self.kv = kv
        self.a_bits = a_bits

    def extend(self, other: RuntimeSchemes) -> None:
        self.handles.extend(other.handles)
        self.activation_modules.extend(other.activation_modules)
        self.kv = self.kv or other.kv
        self.a_bits = self.a_bits or other.a_bits

    def attach(self, model: nn.Module) -> None:
        """Make these the model's schemes: `caches.make_cache(model)` then makes their caches."""
        existing = getattr(model, RUNTIME_ATTRIBUTE, None)
        if existing is not None and existing is not self:
            raise EngineError("E_QUANT", "runtime schemes are already installed on this model; remove() them first")
        setattr(model, RUNTIME_ATTRIBUTE, self)
        self.model = model

    def remove(self) -> None:
        if self.model is not None and getattr(self.model, RUNTIME_ATTRIBUTE, None) is self:
            delattr(self.model, RUNTIME_ATTRIBUTE)
        self.model = None
        for handle in self.handles:
            handle.remove()
        self.handles.clear()
        self.activation_modules.clear()
        self.kv = None
        self.a_bits = None

    def new_cache(self, config, kind: str = "dynamic", max_len: int | None = None):
        """A cache for one forward or one generation: quantizing when a KV format is set."""
        if self.kv is None:
            return plain_cache(config, kind, max_len)
        return quantizing_cache(self.kv, config, kind, max_len)

    @property
    def active(self) -> bool:
        return bool(self.activation_modules) or self.kv is not None

    def __len__(self) -> int:
        """The number of activation hooks installed."""
        return len(self.handles)


def install_runtime_schemes(model: nn.Module, recipe: Recipe, *, layers: Iterable[int] | None = None) -> RuntimeSchemes:
    """Install the recipe's activation hooks on the given decoder layers. For the whole model (layers None)
    the schemes are also attached to it, so `caches.make_cache(model)` makes their quantizing caches; a
    caller of a few layers (the quantization pipeline) passes `schemes.new_cache()` itself."""
    all_layers = decoder_layers(model)
    indices = range(len(all_layers)) if layers is None else layers
    kv = KVQuantizer(recipe.kv_bits, recipe.kv_group_size) if recipe.kv_bits is not None else None
    schemes = RuntimeSchemes(kv=kv, a_bits=recipe.a_bits)
    for index in indices:
        layer = all_layers[index]
        if recipe.a_bits is not None:
            hook = ActivationQuantizer(recipe.a_bits)
            for name in select_linears(layer, index, recipe.modules):
                module = layer.get_submodule(name)
                schemes.handles.append(module.register_forward_pre_hook(hook))
                schemes.activation_modules.append((f"{layer_prefix(index)}.{name}", module))
        if kv is not None:
            attention = getattr(layer, "self_attn", None)
            if attention is None:
                raise EngineError("E_QUANT", f"{type(layer).__name__} has no self_attn: KV quantization unsupported")
            kv.check_head_dim(head_dim_of(attention))
    if layers is None:
        schemes.attach(model)
    return schemes


def check_runtime_schemes(model: nn.Module, recipe: Recipe) -> None:
    """Fail before any work when the recipe's KV grouping does not fit the model's heads."""
    if recipe.kv_bits is None:
        return
    quantizer = KVQuantizer(recipe.kv_bits, recipe.kv_group_size)
    for layer in decoder_layers(model):
        attention = getattr(layer, "self_attn", None)
        if attention is None:
            raise EngineError("E_QUANT", f"{type(layer).__name__} has no self_attn: KV quantization unsupported")
        quantizer.check_head_dim(head_dim_of(attention))


# --- the canary -------------------------------------------------------------------------------------------

def _transformers_version() -> str:
    import transformers

    return transformers.__version__


def _refuse(scheme: str, finding: str) -> EngineError:
    return EngineError("E_QUANT", f"runtime scheme {scheme} is not active: {finding} (transformers "
                       f"{_transformers_version()}, torch {torch.__version__}). The variant would run unquantized; "
                       f"install the engine's locked versions (docs/installs.md)")


def _agreement(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a == b).float().mean())


class _Recording:
    """Stands in for a cache's KV quantizer during the canary: rounds as it does, and keeps what it saw."""

    def __init__(self, quantizer: KVQuantizer):
        self.quantizer = quantizer
        self.calls: list[tuple[torch.Tensor, torch.Tensor]] = []

    def __call__(self, states: torch.Tensor) -> torch.Tensor:
        rounded = self.quantizer(states)
        self.calls.append((states.detach().clone(), rounded.detach().clone()))
        return rounded


@torch.no_grad()
def verify_runtime_schemes(model: nn.Module, schemes: RuntimeSchemes | None = None) -> dict:
    """Run a short canary forward and prove that every runtime scheme acts; raise E_QUANT otherwise.

    Activations: every hooked Linear must have received exactly the per-token rounding of what it was
    given, and some input must have changed. KV cache: the model must have written every layer's keys and
    values through the quantizing cache's rounding `update`, the cache must hold the rounded entries, the
    rounding must have changed them, and layer 0's (whose input KV rounding cannot affect) must be exactly
    the rounding of what a plain cache holds. Returns what was checked ({"activation_linears": n,
    "kv_layers": n}) for logs and tests."""
    schemes = schemes if schemes is not None else getattr(model, RUNTIME_ATTRIBUTE, None)
    if schemes is None or not schemes.active:
        return {"activation_linears": 0, "kv_layers": 0}
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.config.vocab_size, (1, _CANARY_TOKENS), generator=generator).to(device)
    keyword = cache_keyword(model)

    # What each hooked Linear was given (prepended pre-hook: before the rounding) and what it received.
    seen: dict[str, list[torch.Tensor]] = {}
    probes = []
    for name, module in schemes.activation_modules:
        seen[name] = []
        probes.append(module.register_forward_pre_hook(
            lambda _m, args, _name=name: seen[_name].append(args[0].detach().clone()), prepend=True))
        probes.append(module.register_forward_hook(
            lambda _m, args, _out, _name=name: seen[_name].append(args[0].detach().clone())))
    cache = schemes.new_cache(model.config)
    recording = _Recording(schemes.kv) if schemes.kv is not None else None
    if recording is not None:
        cache.kv_quantizer = recording
    try:
        model(input_ids=ids, use_cache=True, **{keyword: cache})
    finally:
        for probe in probes:
            probe.remove()

    if schemes.activation_modules:
        scheme = f"a_bits {schemes.a_bits} (per-token activation rounding)"
        rounder = ActivationQuantizer(int(schemes.a_bits or 8))
        moved = False
        for name, calls in seen.items():
            # Per call: what the Linear was given (before the hook), then what it received (after it).
            if len(calls) < 2:
                raise _refuse(scheme, f"{name} was never called with its hook in the canary forward")
            given, received = calls[0], calls[1]
            if not torch.equal(received, rounder.round(given)):
                raise _refuse(scheme, f"{name} received an input that is not the per-token rounding of what it "
                                      f"was given")
            moved = moved or not torch.equal(received, given)
        if not moved:
            raise _refuse(scheme, "no hooked Linear's input changed under rounding")

    kv_layers = 0
    if recording is not None:
        quantizer = recording.quantizer
        scheme = f"{quantizer.label} (KV-cache rounding)"
        if not recording.calls:
            raise _refuse(scheme, f"the model wrote nothing through the quantizing cache's update (passed as "
                                  f"'{keyword}')")
        stored = getattr(cache, "layers", [])
        for index in range(len(decoder_layers(model))):
            for what in ("keys", "values"):
                states = getattr(stored[index], what, None) if index < len(stored) else None
                if states is None or states.numel() == 0:
                    raise _refuse(scheme, f"layer {index} cached no {what}: the cache argument ('{keyword}') was "
                                          f"not used")
                writes = [(given, rounded) for given, rounded in recording.calls
                          if rounded.shape == states.shape and torch.equal(rounded, states)]
                if not writes:
                    raise _refuse(scheme, f"layer {index}'s cached {what} did not pass through the rounding")
                if all(torch.equal(given, rounded) for given, rounded in writes):
                    raise _refuse(scheme, f"the rounding left layer {index}'s {what} unchanged")
            kv_layers += 1
        plain = plain_cache(model.config)
        model(input_ids=ids, use_cache=True, **{keyword: plain})
        for what in ("keys", "values"):
            ours, theirs = getattr(stored[0], what), getattr(plain.layers[0], what)
            if _agreement(ours, quantizer.round(theirs)) < 0.99 or torch.equal(ours, theirs):
                raise _refuse(scheme, f"layer 0's cached {what} are not the rounding of the unquantized {what}")
    return {"activation_linears": len(schemes.activation_modules), "kv_layers": kv_layers}


def read_manifest(variant_dir: str | Path) -> dict:
    path = Path(variant_dir) / MANIFEST
    if not path.is_file():
        raise EngineError("E_NOT_FOUND", f"{variant_dir} has no {MANIFEST}: not a qreason variant")
    return read_json_object(path)


def load_variant(variant_dir: str | Path, dtype: str | None = None, device: str | None = None) -> LoadedModel:
    """Load a variant directory, install its runtime schemes (activation and KV quantization) and prove with
    a canary forward that they act (E_QUANT otherwise).

    The returned identity covers the weights and the recipe, so two variants that share weights but differ
    in runtime schemes (say KV int8 vs int4) never share cached results. The schemes stay for the model's
    lifetime; `loaded.model.qreason_runtime.remove()` takes them off."""
    root = Path(variant_dir)
    manifest = read_manifest(root)
    recipe = recipe_from_manifest(manifest, file=str(root / MANIFEST))
    loaded = load_model(root, dtype=dtype, device=device)
    schemes = install_runtime_schemes(loaded.model, recipe)
    verify_runtime_schemes(loaded.model, schemes)
    canonical = json.dumps(recipe.to_json(), sort_keys=True).encode()
    identity = "sha256:" + hashlib.sha256(loaded.identity.encode() + b"\0" + canonical).hexdigest()
    return replace(loaded, identity=identity)
