"""One GEMM where a decoder layer has several on the same input: q/k/v, and the MLP's gate/up.

At decode a 1B model's step is memory-bound and made of small kernels: three projections of one input read
the same activations and launch three GEMMs where one wider GEMM does (and cuBLAS reaches the bandwidth
better on the wider shape). `FusedProjections` concatenates each group's weights into one buffer and
points the modules' own parameters into it (`param.data` becomes a view of the buffer): no second copy
of the weights, and an in-place change to a module's weight (fake-quant rounding, restoring it) is a
change to the fused buffer. `refresh()` re-checks before every generation: a group is fused only while
every module in it is a plain `nn.Linear` with no hooks (activation-rounding hooks and adapters wrap or
hook the Linears: those layers call their modules one by one, as the transformers forward does), and a
parameter whose data was replaced (`.data =`, `.to()`) is fused again.
"""

from __future__ import annotations

import torch
from torch import nn


def _plain(modules: list) -> bool:
    if not all(type(m) is nn.Linear for m in modules):
        return False
    if any(m._forward_hooks or m._forward_pre_hooks for m in modules):
        return False
    if nn.modules.module._global_forward_hooks or nn.modules.module._global_forward_pre_hooks:
        return False
    first = modules[0].weight
    if any(m.weight.dtype != first.dtype or m.weight.device != first.device or m.in_features != modules[0].in_features
           for m in modules):
        return False
    return len({m.bias is None for m in modules}) == 1


class _Group:
    def __init__(self, modules: list[nn.Linear]):
        self.modules = modules
        self.weight: torch.Tensor | None = None
        self.bias: torch.Tensor | None = None

    def _points_into_buffer(self) -> bool:
        if self.weight is None:
            return False
        offset = 0
        for module in self.modules:
            rows = module.out_features
            expected = self.weight[offset:offset + rows]
            if module.weight.data_ptr() != expected.data_ptr() or module.weight.shape != expected.shape:
                return False
            if self.bias is not None and module.bias.data_ptr() != self.bias[offset:offset + rows].data_ptr():
                return False
            offset += rows
        return True

    def refresh(self) -> bool:
        """Fuse (or drop the fusion); True when what the decode computes with changed."""
        if not _plain(self.modules):
            changed = self.weight is not None
            self.weight = self.bias = None
            return changed
        if self._points_into_buffer():
            return False
        with torch.inference_mode(False), torch.no_grad():
            self.weight = torch.cat([m.weight.detach() for m in self.modules])
            has_bias = self.modules[0].bias is not None
            self.bias = torch.cat([m.bias.detach() for m in self.modules]) if has_bias else None
            offset = 0
            for module in self.modules:
                rows = module.out_features
                module.weight.data = self.weight[offset:offset + rows]
                if has_bias:
                    module.bias.data = self.bias[offset:offset + rows]
                offset += rows
        return True

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.linear(x, self.weight, self.bias)


class FusedProjections:
    """Per decoder layer: `qkv[i]` and `gate_up[i]` (a _Group, callable on the layer's input while fused:
    `weight is not None`)."""

    def __init__(self, layers):
        self.qkv = [_Group([l.self_attn.q_proj, l.self_attn.k_proj, l.self_attn.v_proj]) for l in layers]
        self.gate_up = [_Group([l.mlp.gate_proj, l.mlp.up_proj]) if hasattr(l.mlp, "gate_proj") and
                        hasattr(l.mlp, "up_proj") else None for l in layers]

    def refresh(self) -> bool:
        changed = False
        for group in self.qkv + [g for g in self.gate_up if g is not None]:
            changed |= group.refresh()
        return changed
