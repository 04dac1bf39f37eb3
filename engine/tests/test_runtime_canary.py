"""Runtime schemes prove themselves when a variant loads: a scheme that is silently off (a cache the model
never writes to, a hook that does nothing) fails loading with E_QUANT instead of serving fp numbers under
a quantized variant's name. And KV int4 on the bundled reference model really moves its log-probs."""

from pathlib import Path

import pytest
import torch
import transformers

from qreason_engine.bench.kv_logprobs import logprobs, shift
from qreason_engine.caches import plain_cache
from qreason_engine.errors import EngineError
from qreason_engine.model import load_model
from qreason_engine.quant import runtime
from qreason_engine.quant.recipe import parse_recipe
from qreason_engine.quant.runtime import ActivationQuantizer, RuntimeSchemes, load_variant, verify_runtime_schemes
from qreason_engine.quant.variant import quantize_to_dir

REFERENCE = Path(__file__).resolve().parents[2] / "models" / "reference" / "hf"

@pytest.fixture(scope="module")
def variants(tiny_model_dir, tmp_path_factory):
    """Factory: a runtime-only variant of the tiny llama for a recipe (made once per recipe)."""
    made = {}

    def make(**recipe):
        key = tuple(sorted(recipe.items()))
        if key not in made:
            out = tmp_path_factory.mktemp("variant") / "v"
            quantize_to_dir(tiny_model_dir("llama"), parse_recipe({"method": "none", **recipe}), out, device="cpu")
            made[key] = out
        return made[key]

    return make


@pytest.mark.parametrize("recipe,checked", [
    ({"kv_bits": 4}, {"activation_linears": 0, "kv_layers": 2}),
    ({"kv_bits": 8, "kv_group_size": 8}, {"activation_linears": 0, "kv_layers": 2}),
    ({"kv_bits": "fp8_e4m3"}, {"activation_linears": 0, "kv_layers": 2}),
    ({"a_bits": 8, "kv_bits": 8}, {"activation_linears": 14, "kv_layers": 2}),
])
@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_loading_runs_a_canary_that_sees_every_scheme_act(variants, recipe, checked, dtype):
    loaded = load_variant(variants(**recipe), dtype, "cpu")
    assert verify_runtime_schemes(loaded.model) == checked


def refusal(variant_dir) -> str:
    with pytest.raises(EngineError) as info:
        load_variant(variant_dir, "fp32", "cpu")
    assert info.value.code == "E_QUANT"
    message = str(info.value)
    assert f"transformers {transformers.__version__}" in message
    return message


def test_a_plain_cache_makes_loading_fail(variants, monkeypatch):
    # As if the quantizing cache's rounding were lost: the model gets an ordinary cache.
    monkeypatch.setattr(RuntimeSchemes, "new_cache", lambda self, config, kind="dynamic", max_len=None:
                        plain_cache(config, kind, max_len))
    assert "kv_bits 4" in refusal(variants(kv_bits=4))


def test_a_cache_passed_under_a_name_the_model_ignores_makes_loading_fail(variants, monkeypatch):
    # What happened with transformers 5.24 and the old hook: the cache went in under a keyword the attention
    # layers no longer read. The model then makes its own plain cache and ours stays empty.
    monkeypatch.setattr(runtime, "cache_keyword", lambda model: "past_key_value")
    message = refusal(variants(kv_bits=4))
    assert "kv_bits 4" in message and "wrote nothing" in message


def test_removing_the_activation_hook_makes_loading_fail(variants, monkeypatch):
    monkeypatch.setattr(ActivationQuantizer, "__call__", lambda self, module, args: None)  # leaves inputs alone
    assert "a_bits 8" in refusal(variants(a_bits=8))


def test_activation_rounding_passes_gradients_straight_through():
    hook = ActivationQuantizer(8)
    x = torch.randn(3, 16, requires_grad=True)
    (rounded,) = hook(None, (x,))
    assert torch.allclose(rounded, hook.round(x.detach()), atol=1e-6)
    rounded.pow(2).sum().backward()
    assert torch.allclose(x.grad, 2 * rounded.detach())  # d/dx of q(x)^2 with dq/dx taken as 1


def test_kv_int4_moves_the_reference_models_teacher_forced_logprobs(tmp_path):
    """The measurement a KV study makes: fp and KV int4 scoring the same gold solution must differ clearly
    (a fresh clone on transformers 5.24 with the old hook measured exactly 0.00)."""
    reference = logprobs(load_model(REFERENCE, dtype="fp32", device="cpu"))
    figures = shift(REFERENCE, 4, tmp_path, device="cpu", dtype="fp32", reference=reference)
    assert figures["tokens"] > 100
    assert figures["canary"] == {"activation_linears": 0, "kv_layers": 4}
    # Measured 0.118 (mean 0.0015 over 144 tokens), fp32 on the CPU lock.
    assert figures["max_abs_delta"] > 0.05, figures
    assert figures["mean_abs_delta"] > 5e-4, figures
