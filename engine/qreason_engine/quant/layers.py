"""Where the quantizable parts of a decoder model are: decoder layers, their Linear modules, which Linears
share an input, and how a per-channel scale is folded into the operation that produces that input.

Llama, Qwen2 (q/k/v biases), Qwen3 (q/k norms after the projections) and Mistral all name their parts
`self_attn.{q,k,v,o}_proj`, `mlp.{gate,up,down}_proj`, `input_layernorm`, `post_attention_layernorm`.
RTN and GPTQ work on any Linear inside a decoder layer; AWQ and SmoothQuant need these names.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import torch
from torch import nn

from ..errors import EngineError
from .recipe import ModuleSelection

QKV = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")
O_PROJ = "self_attn.o_proj"
GATE_UP = ("mlp.gate_proj", "mlp.up_proj")
DOWN = "mlp.down_proj"
# The order GPTQ's "true sequential" mode quantizes in: each group reads the outputs of the ones before.
SEQUENTIAL_GROUPS = (QKV, (O_PROJ,), GATE_UP, (DOWN,))


def base_model(model: nn.Module) -> nn.Module:
    base = getattr(model, "model", None)
    if base is None or not isinstance(getattr(base, "layers", None), nn.ModuleList):
        raise EngineError("E_QUANT", f"{type(model).__name__} has no model.layers: not a supported decoder LM")
    return base


def decoder_layers(model: nn.Module) -> nn.ModuleList:
    return base_model(model).layers


def layer_prefix(index: int) -> str:
    return f"model.layers.{index}"


def linear_names(layer: nn.Module) -> list[str]:
    """Every nn.Linear inside a decoder layer, by name relative to the layer, in registration order."""
    return [name for name, module in layer.named_modules() if isinstance(module, nn.Linear)]


def select_linears(layer: nn.Module, index: int, selection: ModuleSelection) -> list[str]:
    """The layer's Linear modules whose full name matches an include and no exclude pattern."""
    chosen = []
    for name in linear_names(layer):
        full = f"{layer_prefix(index)}.{name}"
        included = any(fnmatch.fnmatchcase(full, pattern) for pattern in selection.include)
        if included and not any(fnmatch.fnmatchcase(full, pattern) for pattern in selection.exclude):
            chosen.append(name)
    return chosen


def sequential_groups(selected: list[str]) -> list[list[str]]:
    """Selected linears in true-sequential order; linears outside the known groups come last, one by one."""
    groups = [[name for name in group if name in selected] for group in SEQUENTIAL_GROUPS]
    known = {name for group in SEQUENTIAL_GROUPS for name in group}
    groups += [[name] for name in selected if name not in known]
    return [group for group in groups if group]


def shared_input_groups(names: list[str]) -> list[list[str]]:
    """Split names into sets of linears that read the same tensor (q/k/v; gate/up), keeping order."""
    groups: list[list[str]] = []
    for shared in (QKV, GATE_UP):
        members = [name for name in names if name in shared]
        if members:
            groups.append(members)
    grouped = {name for group in groups for name in group}
    return groups + [[name] for name in names if name not in grouped]


@dataclass(frozen=True)
class ScaleGroup:
    """Linears reading one input, the module producing that input (`prev`, a norm or a Linear), and the
    module whose output AWQ compares (`block`)."""

    prev: str
    linears: tuple[str, ...]
    block: str


def scale_groups(layer: nn.Module, *, include_o_proj: bool = True) -> list[ScaleGroup]:
    """AWQ's groups: q/k/v after input_layernorm, o after v (only when v's output width equals o's input:
    not with grouped-query attention), gate/up after post_attention_layernorm, down after up."""
    names = set(linear_names(layer))
    needed = set(QKV) | {O_PROJ, DOWN} | set(GATE_UP)
    if not needed <= names or not hasattr(layer, "input_layernorm") or not hasattr(layer, "post_attention_layernorm"):
        raise EngineError("E_QUANT", f"{type(layer).__name__}: AWQ/SmoothQuant need llama-style layers "
                          f"(q/k/v/o_proj, gate/up/down_proj, input/post_attention_layernorm)")
    groups = [ScaleGroup("input_layernorm", QKV, "self_attn")]
    v_proj, o_proj = layer.get_submodule(QKV[2]), layer.get_submodule(O_PROJ)
    if include_o_proj and v_proj.out_features == o_proj.in_features:
        groups.append(ScaleGroup(QKV[2], (O_PROJ,), O_PROJ))
    groups.append(ScaleGroup("post_attention_layernorm", GATE_UP, "mlp"))
    groups.append(ScaleGroup("mlp.up_proj", (DOWN,), DOWN))
    return groups


@torch.no_grad()
def fold_scales(layer: nn.Module, group: ScaleGroup, scales: torch.Tensor) -> None:
    """Divide the input of `group.linears` by `scales` (per input channel) at its producer and multiply
    the linears' columns by them: the layer computes the same function, but the linears' weights now
    carry the scale. Norm weights (RMSNorm: y = w * x / rms) and a producing Linear's rows (and bias) are
    both exactly divisible."""
    prev = layer.get_submodule(group.prev)
    if isinstance(prev, nn.Linear):
        prev.weight.div_(scales.view(-1, 1).to(prev.weight))
        if prev.bias is not None:
            prev.bias.div_(scales.to(prev.bias))
    else:
        weight = getattr(prev, "weight", None)
        if weight is None or weight.shape != scales.shape or getattr(prev, "bias", None) is not None:
            raise EngineError("E_QUANT", f"cannot fold scales into {group.prev} ({type(prev).__name__})")
        weight.div_(scales.to(weight))
    for name in group.linears:
        linear = layer.get_submodule(name)
        linear.weight.mul_(scales.view(1, -1).to(linear.weight))


def check_group_size(model: nn.Module, selected: dict[int, list[str]], group_size: int) -> None:
    """Every selected linear's input width must be a multiple of the group size."""
    if group_size == -1:
        return
    layers = decoder_layers(model)
    for index, names in selected.items():
        for name in names:
            columns = layers[index].get_submodule(name).in_features
            if columns % group_size:
                raise EngineError("E_QUANT", f"group_size {group_size} does not divide the {columns} input "
                                  f"features of {layer_prefix(index)}.{name}", field="group_size")
