"""Gradients reach the LoRA weights through a variant's runtime quantizers (activation rounding, KV-cache
rounding), because their rounding is a straight-through estimator — and would not with plain rounding.

LoRA sits on v_proj only: its output reaches the loss only through the value cache (KV rounding) and
o_proj's input (activation rounding), so those quantizers are on every gradient path. The hooks are on the
module objects, so they still act after PEFT wraps v_proj/o_proj (the canary in attach_lora proves it).
"""

import pytest
import torch

from qreason_engine.quant import kv, runtime
from qreason_engine.quant.recipe import parse_recipe
from qreason_engine.quant.variant import quantize_to_dir
from qreason_engine.serve.loading import open_model
from qreason_engine.train.forward import completion_logits
from qreason_engine.train.lora import attach_lora
from qreason_engine.train.recipe import LoraSpec

RECIPES = {"a_bits 8": {"method": "none", "a_bits": 8}, "kv_bits 4": {"method": "none", "kv_bits": 4}}


@pytest.fixture(scope="module")
def variant_dirs(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("grad-variants")
    dirs = {}
    for name, recipe in RECIPES.items():
        dirs[name] = root / name.replace(" ", "")
        quantize_to_dir(tiny_model_dir("llama"), parse_recipe(recipe), dirs[name], device="cpu")
    return dirs


def lora_gradient(variant_dir, *, without_schemes: bool = False) -> torch.Tensor:
    loaded = open_model(variant_dir, dtype="fp32", device="cpu")
    if without_schemes:
        loaded.model.qreason_runtime.remove()
    torch.manual_seed(0)
    model = attach_lora(loaded.model, LoraSpec(rank=4, alpha=8, targets=("v_proj",)))
    for name, parameter in model.named_parameters():
        if "lora_B" in name:  # B starts at zero, which would leave A without gradient
            torch.nn.init.normal_(parameter, std=0.1)
    tokenizer = loaded.tokenizer
    rows = [(tokenizer("Question: What is 2 + 3?").input_ids,
             tokenizer(" Step 1: 2 + 3 = 5. The answer is 5.", add_special_tokens=False).input_ids)]
    completion_logits(model, rows, pad_id=0).token_logps.sum().backward()
    return torch.cat([p.grad.flatten() for n, p in model.named_parameters() if "lora_A" in n])


def cosine(a, b) -> float:
    return float(torch.nn.functional.cosine_similarity(a, b, dim=0))


@pytest.mark.parametrize("scheme", sorted(RECIPES))
def test_straight_through_rounding_passes_the_full_precision_gradient(variant_dirs, scheme):
    ste = lora_gradient(variant_dirs[scheme])
    fp = lora_gradient(variant_dirs[scheme], without_schemes=True)
    assert ste.norm() > 0.5 * fp.norm() > 0
    # Not the fp gradient itself (the forward is rounded), but pointing the same way.
    assert not torch.equal(ste, fp)
    assert cosine(ste, fp) > 0.9


@pytest.mark.parametrize("scheme", sorted(RECIPES))
def test_without_the_estimator_rounding_blocks_the_gradient(variant_dirs, scheme, monkeypatch):
    ste = lora_gradient(variant_dirs[scheme])
    # The quantizers as they were before the estimator: forward rounded, backward through torch.round.
    monkeypatch.setattr(runtime, "straight_through", lambda x, rounded: rounded)
    monkeypatch.setattr(kv, "straight_through", lambda x, rounded: rounded)
    plain = lora_gradient(variant_dirs[scheme])
    # torch.round's derivative is zero; what little remains leaks through the scale (absmax per token, or
    # min-max per token and head), only at the elements that set it, and it does not point where the full
    # gradient does (measured on this model: 11 % and 34 % of the norm, cosine -0.24 and 0.01).
    fp = lora_gradient(variant_dirs[scheme], without_schemes=True)
    assert plain.norm() < 0.5 * ste.norm()
    assert abs(cosine(plain, fp)) < 0.5
