"""The layer-sequential driver every calibrated method runs in.

1. Run the calibration tokens through the embeddings once and record, for every decoder layer, the
   keyword arguments it is called with (rotary embeddings, the mask of its attention type) and the
   hidden states entering layer 0. Decoder layers are swapped for recorders, so no layer computes.
2. For each decoder layer in turn (moved to the compute device, then back):
   - run it with its original weights on the full-precision stream (for the cumulative error figure);
   - let the method quantize its weights, reading inputs from the quantized stream: the outputs of the
     already-quantized layers before it, as the quantized model will see them;
   - install the runtime schemes on it (activation hooks; KV rounding through a fresh quantizing cache
     passed to each batch), then run it once more with statistics hooks: ||WX - ŴX|| / ||WX|| per
     Linear, and the layer output's SQNR against the full-precision stream. That output becomes the
     next layer's input.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from ..caches import cache_keyword
from ..errors import EngineError
from .grid import sqnr_db
from .layers import base_model, check_group_size, decoder_layers, layer_prefix, select_linears
from .recipe import Recipe
from .runtime import RuntimeSchemes, install_runtime_schemes


class _StopForward(Exception):
    """Raised by a hook once everything a pass needs has been seen: the rest of the layer is skipped."""


@dataclass
class CapturedCall:
    args: tuple
    kwargs: dict

    def replay(self, module: nn.Module, hidden: torch.Tensor):
        """Call module as it was called, with its hidden-states input replaced."""
        if self.args:
            return module(hidden, *self.args[1:], **self.kwargs)
        return module(**{**self.kwargs, "hidden_states": hidden})


def layer_cache_keyword(layer: nn.Module, kwargs: dict) -> str:
    """The keyword a decoder layer takes its cache under: the one the model called it with, else its own."""
    for name in ("cache", "past_key_values"):
        if name in kwargs:
            return name
    return cache_keyword(layer)


def first_tensor(output):
    return output[0] if isinstance(output, (tuple, list)) else output


class LayerContext:
    """One decoder layer during quantization: its selected Linears and its calibration inputs, plus the
    ways a method may run it (with hooks, stopping early, capturing what a submodule receives)."""

    def __init__(self, layer: nn.Module, index: int, selected: list[str], inputs: list[torch.Tensor],
                 kwargs: list[dict], recipe: Recipe):
        self.layer = layer
        self.index = index
        self.selected = selected
        self.inputs = inputs
        self.kwargs = kwargs
        self.recipe = recipe
        self.notes: dict[str, dict] = {name: {} for name in selected}

    def module(self, name: str) -> nn.Module:
        return self.layer.get_submodule(name)

    def weight(self, name: str) -> torch.Tensor:
        """A copy of a Linear's weight in fp32."""
        return self.module(name).weight.detach().float().clone()

    @torch.no_grad()
    def set_weight(self, name: str, value: torch.Tensor) -> None:
        weight = self.module(name).weight
        weight.copy_(value.to(weight.dtype))

    @torch.no_grad()
    def forward(self, hooks: dict[str, Callable] | None = None, *, until: Iterable[str] = (),
                keep_outputs: bool = False, new_cache: Callable[[], object] | None = None) -> list[torch.Tensor] | None:
        """Run every calibration batch through the layer. hooks: {module name: fn(inputs, output)}.
        until: stop each batch once all these modules have run (their hooks included).
        new_cache: a fresh KV cache per batch (the runtime schemes' quantizing cache), passed to the layer
        under the cache keyword the model called it with."""
        handles = []
        waiting = set(until)
        fired: set[str] = set()
        outputs = [] if keep_outputs else None
        for name in set(hooks or {}) | waiting:
            callback = (hooks or {}).get(name)

            def hook(module, inputs, output, _name=name, _callback=callback):
                if _callback is not None:
                    _callback(inputs, output)
                if _name in waiting:
                    fired.add(_name)
                    if fired >= waiting:
                        raise _StopForward

            handles.append(self.module(name).register_forward_hook(hook))
        try:
            for hidden, kwargs in zip(self.inputs, self.kwargs, strict=True):
                fired.clear()
                if new_cache is not None:
                    kwargs = {**kwargs, layer_cache_keyword(self.layer, kwargs): new_cache(), "use_cache": True}
                try:
                    output = first_tensor(self.layer(hidden, **kwargs))
                except _StopForward:
                    continue
                if outputs is not None:
                    outputs.append(output)
        finally:
            for handle in handles:
                handle.remove()
        return outputs

    @torch.no_grad()
    def capture(self, names: Iterable[str]) -> dict[str, list[CapturedCall]]:
        """What each named submodule is called with, per batch (stops once all have been called)."""
        names = list(names)
        calls: dict[str, list[CapturedCall]] = {name: [] for name in names}
        handles = []
        for name in names:
            def record(module, args, kwargs, _name=name):
                calls[_name].append(CapturedCall(args, dict(kwargs)))

            handles.append(self.module(name).register_forward_pre_hook(record, with_kwargs=True))
        try:
            self.forward(until=names)
        finally:
            for handle in handles:
                handle.remove()
        return calls

    def note(self, name: str, **values) -> None:
        """Attach method-specific figures (GPTQ loss, AWQ ratio, ...) to a Linear's report."""
        if name in self.notes:
            self.notes[name].update(values)


# A method's per-layer step: quantize ctx's selected Linears in place; return, per selected Linear, the
# reference weight (fp32) that ŴX is compared against: the weight before rounding, in the basis the
# layer now uses (after AWQ/SmoothQuant folded scales into it).
LayerMethod = Callable[[LayerContext], dict[str, torch.Tensor]]


@dataclass
class LinearReport:
    name: str
    rel_error: float | None
    sqnr_db: float | None
    notes: dict = field(default_factory=dict)


@dataclass
class LayerReport:
    index: int
    output_sqnr_db: float | None
    seconds: float


@dataclass
class PipelineReport:
    linears: list[LinearReport]
    layers: list[LayerReport]
    calibration_tokens: int
    seconds: float


@dataclass
class _Captured:
    hidden: list[torch.Tensor]
    # kwargs[layer][batch]
    kwargs: list[list[dict]]


def _move_embeddings(base: nn.Module, device: torch.device) -> dict[str, torch.device]:
    where = {}
    for name, child in base.named_children():
        if name == "layers":
            continue
        tensor = next(iter(list(child.parameters()) + list(child.buffers())), None)
        where[name] = tensor.device if tensor is not None else device
        child.to(device)
    return where


@torch.no_grad()
def capture_layer_inputs(model: nn.Module, token_ids: torch.Tensor, *, batch_size: int,
                         device: torch.device) -> _Captured:
    base = base_model(model)
    layers = base.layers
    hidden: list[torch.Tensor] = []
    kwargs: list[list[dict]] = [[] for _ in layers]

    def recorder(index: int):
        def record(hidden_states, *args, **layer_kwargs):
            if args:
                raise EngineError("E_QUANT", "decoder layers called with positional arguments: unsupported "
                                  "transformers version")
            if index == 0:
                hidden.append(hidden_states)
            kwargs[index].append(layer_kwargs)
            return hidden_states
        return record

    where = _move_embeddings(base, device)
    try:
        for index, layer in enumerate(layers):
            layer.forward = recorder(index)  # instance attribute: shadows the class's forward
        for batch in token_ids.split(batch_size):
            base(input_ids=batch.to(device), use_cache=False)
    finally:
        for layer in layers:
            layer.__dict__.pop("forward", None)
        for name, original in where.items():
            getattr(base, name).to(original)
    return _Captured(hidden=hidden, kwargs=kwargs)


def _module_device(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


def select_all(model: nn.Module, recipe: Recipe) -> dict[int, list[str]]:
    selected = {index: select_linears(layer, index, recipe.modules)
                for index, layer in enumerate(decoder_layers(model))}
    if recipe.quantizes_weights and not any(selected.values()):
        raise EngineError("E_INPUT", "no decoder Linear layer matches modules.include/exclude", field="modules")
    check_group_size(model, selected, recipe.group_size)
    return selected


class _OutputError:
    """Accumulates ||WX||² and ||(W - Ŵ)X||² for one Linear from its actual inputs X (bias excluded)."""

    def __init__(self, module: nn.Linear, reference: torch.Tensor):
        self.module = module
        # ΔW in the compute dtype: exact enough (its own relative rounding), and one cheap matmul.
        self.delta = (reference.to(module.weight.device) - module.weight.float()).to(module.weight.dtype)
        self.signal = torch.zeros((), dtype=torch.float64, device=module.weight.device)
        self.noise = torch.zeros_like(self.signal)

    def __call__(self, inputs, output) -> None:
        delta = torch.nn.functional.linear(inputs[0], self.delta).float()
        quantized = output.float()
        if self.module.bias is not None:
            quantized = quantized - self.module.bias.float()
        self.signal += (quantized + delta).pow(2).sum(dtype=torch.float64)
        self.noise += delta.pow(2).sum(dtype=torch.float64)

    def report(self) -> tuple[float, float]:
        signal, noise = float(self.signal), float(self.noise)
        return (noise / signal) ** 0.5 if signal > 0 else float("nan"), sqnr_db(signal, noise)


@torch.no_grad()
def run_pipeline(model: nn.Module, recipe: Recipe, method: LayerMethod, token_ids: torch.Tensor, *,
                 device: torch.device, batch_size: int = 8,
                 progress: Callable[[str], None] | None = None) -> tuple[PipelineReport, RuntimeSchemes]:
    """Quantize model in place, layer after layer, on calibration token_ids [samples, seq_len].

    Returns the report and the runtime schemes installed along the way (the caller removes them before
    saving, or keeps them to use the model as quantized)."""
    start = time.perf_counter()
    selected = select_all(model, recipe)
    layers = decoder_layers(model)
    captured = capture_layer_inputs(model, token_ids, batch_size=batch_size, device=device)
    quantized_stream = captured.hidden
    full_stream = captured.hidden
    runtime = RuntimeSchemes()
    linear_reports: list[LinearReport] = []
    layer_reports: list[LayerReport] = []
    for index, layer in enumerate(layers):
        layer_start = time.perf_counter()
        home = _module_device(layer)
        layer.to(device)
        kwargs = captured.kwargs[index]
        full_next = [first_tensor(layer(hidden, **kw)) for hidden, kw in zip(full_stream, kwargs, strict=True)]

        context = LayerContext(layer, index, selected[index], quantized_stream, kwargs, recipe)
        references = method(context)
        runtime.extend(install_runtime_schemes(model, recipe, layers=[index]))

        meters = {name: _OutputError(context.module(name), references[name]) for name in selected[index]}
        # KV rounding acts through the cache the layer writes to: give each batch a fresh quantizing one.
        new_cache = (lambda: runtime.new_cache(model.config)) if runtime.kv is not None else None
        quantized_next = context.forward(meters, keep_outputs=True, new_cache=new_cache)
        signal = sum(float(out.float().pow(2).sum()) for out in full_next)
        noise = sum(float((q.float() - f.float()).pow(2).sum()) for q, f in zip(quantized_next, full_next, strict=True))
        errors = []
        for name, meter in meters.items():
            rel_error, linear_sqnr = meter.report()
            errors.append(rel_error)
            linear_reports.append(LinearReport(name=f"{layer_prefix(index)}.{name}", rel_error=rel_error,
                                               sqnr_db=linear_sqnr, notes=context.notes[name]))
        del references, context
        layer.to(home)
        quantized_stream, full_stream = quantized_next, full_next
        layer_reports.append(LayerReport(index=index, output_sqnr_db=sqnr_db(signal, noise),
                                         seconds=time.perf_counter() - layer_start))
        del meters
        if progress is not None:
            mean_error = sum(errors) / len(errors) if errors else 0.0
            progress(f"layer {index + 1}/{len(layers)}: Linear error {mean_error:.4f} (mean), "
                     f"output SQNR {layer_reports[-1].output_sqnr_db:.1f} dB, {layer_reports[-1].seconds:.1f} s")
    return (PipelineReport(linears=linear_reports, layers=layer_reports,
                           calibration_tokens=int(token_ids.numel()), seconds=time.perf_counter() - start), runtime)
