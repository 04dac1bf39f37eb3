"""The methods on tiny models: GPTQ and AWQ against RTN, SmoothQuant W8A8 against fp, KV-cache
quantization actually on and bounded, every family quantizable, scale folding exact.

Calibration is real text (GSM8K train questions and solutions from ../shared/data when present, else the
tiny tokenizer's math corpus), and the comparison models carry a few loud activation channels, as real
LLMs do (the outlier features of Dettmers et al., 2022) and as AWQ and SmoothQuant are designed for.
"""

import json
from pathlib import Path

import pytest
import torch

from qreason_engine.caches import cache_keyword, make_cache
from qreason_engine.errors import EngineError
from qreason_engine.model import load_model
from qreason_engine.quant.calibration import load_calibration
from qreason_engine.quant.kv import KVQuantizer
from qreason_engine.quant.layers import decoder_layers, fold_scales, scale_groups
from qreason_engine.quant.recipe import parse_recipe
from qreason_engine.quant.runtime import install_runtime_schemes
from qreason_engine.quant.variant import quantize_model
from qreason_engine.tiny import _CORPUS, make_tiny_model

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CPU = torch.device("cpu")


pytestmark = pytest.mark.usefixtures("one_thread")


def gsm8k_texts(split: str, count: int) -> list[str]:
    path = SHARED_DATA / "gsm8k" / f"{split}.jsonl"
    if not path.is_file():
        return [f"{line} ({i})" for i in range(count) for line in _CORPUS][:count]
    records = [json.loads(line) for line in path.read_text().splitlines()[:count]]
    return [f"{record['question']}\n{record['answer']}" for record in records]


@pytest.fixture(scope="module")
def calibration_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("calibration") / "gsm8k-train.jsonl"
    path.write_text("".join(json.dumps({"text": text}) + "\n" for text in gsm8k_texts("train", 200)))
    return path


@pytest.fixture(scope="module")
def wide_model_dir(tmp_path_factory):
    """Tiny models wide enough for several groups per row (hidden 128, intermediate 256)."""
    cache = {}

    def build(family: str, **shape):
        key = (family, tuple(sorted(shape.items())))
        if key not in cache:
            shape = {"hidden": 128, "intermediate": 256, **shape}
            cache[key] = make_tiny_model(family, tmp_path_factory.mktemp(f"wide-{family}"), **shape)
        return cache[key]

    return build


def load_with_outliers(model_dir, scale: float = 8.0):
    """Load a tiny model and make 4 channels of every norm's output `scale` times louder."""
    loaded = load_model(model_dir, dtype="fp32", device="cpu")
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for layer in decoder_layers(loaded.model):
            for norm in (layer.input_layernorm, layer.post_attention_layernorm):
                channels = torch.randperm(norm.weight.numel(), generator=generator)[:4]
                norm.weight[channels] *= scale
    return loaded


def quantized(loaded, recipe_data: dict, calibration_file, *, samples=4, seq_len=128):
    recipe = parse_recipe({**recipe_data, "calibration": {"path": str(calibration_file), "num_samples": samples,
                                                          "seq_len": seq_len}})
    calibration = load_calibration(recipe.calibration, loaded.tokenizer)
    report = quantize_model(loaded.model, recipe, calibration.token_ids, device=CPU)
    install_runtime_schemes(loaded.model, recipe)
    return report


def held_out_ids(tokenizer, length=48):
    ids = tokenizer([text.split("\n")[0] for text in gsm8k_texts("test", 8)], return_tensors="pt",
                    padding="max_length", max_length=length, truncation=True).input_ids
    return ids


def relative_error(output, reference):
    return float((output - reference).norm() / reference.norm())


@torch.no_grad()
def logits(model, ids):
    return model(ids).logits


@pytest.mark.parametrize("family,bits", [("llama", 3), ("llama", 4), ("qwen2", 4)])
def test_gptq_and_awq_beat_rtn(family, bits, wide_model_dir, calibration_file):
    model_dir = wide_model_dir(family)
    reference = load_with_outliers(model_dir)
    ids = held_out_ids(reference.tokenizer)
    reference_logits = logits(reference.model, ids)
    results = {}
    for method in ("rtn", "gptq", "awq"):
        loaded = load_with_outliers(model_dir)
        report = quantized(loaded, {"method": method, "w_bits": bits, "group_size": 32}, calibration_file)
        layer_error = sum(linear.rel_error for linear in report.linears) / len(report.linears)
        results[method] = (layer_error, relative_error(logits(loaded.model, ids), reference_logits))
    for method in ("gptq", "awq"):
        # Lower error of the quantized Linears on their calibration inputs ...
        assert results[method][0] < results["rtn"][0], (method, results)
        # ... and of the whole model's logits on held-out problems.
        assert results[method][1] < results["rtn"][1], (method, results)


def test_smoothquant_w8a8_stays_close_to_fp_and_beats_plain_w8a8(wide_model_dir, calibration_file):
    model_dir = wide_model_dir("llama")
    reference = load_with_outliers(model_dir)
    ids = held_out_ids(reference.tokenizer)
    reference_logits = logits(reference.model, ids)

    smooth = load_with_outliers(model_dir)
    report = quantized(smooth, {"method": "smoothquant"}, calibration_file)
    smooth_logits = logits(smooth.model, ids)
    plain = load_with_outliers(model_dir)
    quantized(plain, {"method": "rtn", "w_bits": 8, "group_size": -1, "symmetric": True, "a_bits": 8},
              calibration_file)

    error = relative_error(smooth_logits, reference_logits)
    assert 0 < error < 0.15
    assert error < 0.8 * relative_error(logits(plain.model, ids), reference_logits)
    assert max(linear.rel_error for linear in report.linears) < 0.02  # int8 weights alone


@pytest.mark.parametrize("family", ["llama", "qwen2", "qwen3", "mistral"])
@pytest.mark.parametrize("method", ["rtn", "gptq", "awq", "smoothquant"])
def test_every_method_quantizes_every_family(family, method, tiny_model_dir, calibration_file):
    loaded = load_model(tiny_model_dir(family), dtype="fp32", device="cpu")
    before = {name: p.detach().clone() for name, p in loaded.model.named_parameters()}
    recipe = {"method": method} if method == "smoothquant" else {"method": method, "w_bits": 4, "group_size": 32}
    report = quantized(loaded, recipe, calibration_file, samples=4, seq_len=32)
    bits, group = (8, 64) if method == "smoothquant" else (4, 32)

    linears = [name for name, module in loaded.model.named_modules()
               if isinstance(module, torch.nn.Linear) and ".layers." in name]
    assert sorted(linear.name for linear in report.linears) == sorted(linears)
    for name, param in loaded.model.named_parameters():
        module_name = name.rsplit(".", 1)[0]
        if module_name in linears and name.endswith("weight"):
            rows = param.detach().reshape(param.shape[0], -1, group)
            levels = max(len(row_group.unique()) for row in rows for row_group in row)
            assert levels <= 2**bits, name
            assert not torch.equal(param, before[name]), name
        elif "norm" not in name and not name.endswith("bias") or "lm_head" in name or "embed" in name:
            # Embeddings and lm_head are never touched; norms only by AWQ/SmoothQuant folding.
            assert torch.equal(param, before[name]), name
    ids = loaded.tokenizer("Step 1: 3 + 4 = 7", return_tensors="pt").input_ids
    assert torch.isfinite(logits(loaded.model, ids)).all()
    assert all(0 < linear.rel_error < 0.5 for linear in report.linears)


@pytest.mark.parametrize("family", ["llama", "qwen2", "qwen3", "mistral"])
def test_folding_scales_preserves_the_layer(family, wide_model_dir):
    # kv_heads == heads, so the v -> o group exists too (and Qwen2's v bias is divided).
    loaded = load_model(wide_model_dir(family, kv_heads=4), dtype="fp32", device="cpu")
    ids = loaded.tokenizer(gsm8k_texts("test", 2), return_tensors="pt", padding=True).input_ids
    expected = logits(loaded.model, ids)
    layer = decoder_layers(loaded.model)[0]
    groups = scale_groups(layer)
    assert [group.prev for group in groups] == ["input_layernorm", "self_attn.v_proj", "post_attention_layernorm",
                                                "mlp.up_proj"]
    generator = torch.Generator().manual_seed(0)
    for group in groups:
        width = layer.get_submodule(group.linears[0]).in_features
        fold_scales(layer, group, torch.rand(width, generator=generator) * 4 + 0.25)
    assert torch.allclose(logits(loaded.model, ids), expected, rtol=1e-4, atol=1e-4)


# --- KV cache ---------------------------------------------------------------------------------------------

KV_BOUNDS = [(8, -1, 0.05), (4, -1, 0.5), (4, 32, 0.5), ("fp8_e4m3", -1, 0.2)]


def forward(model, ids, cache):
    """A forward that writes to `cache`, passed as the model takes it (`cache` or `past_key_values`)."""
    return model(ids, use_cache=True, **{cache_keyword(model): cache})


@pytest.mark.parametrize("kv_bits,group_size,bound", KV_BOUNDS)
def test_kv_quantization_is_on_at_cache_write_and_bounded(kv_bits, group_size, bound, wide_model_dir):
    # head_dim 64, so kv_group_size 32 splits every head in two.
    loaded = load_model(wide_model_dir("qwen3", heads=2, kv_heads=1), dtype="fp32", device="cpu")
    model = loaded.model
    ids = loaded.tokenizer(gsm8k_texts("test", 2), return_tensors="pt", padding=True).input_ids[:, :40]
    with torch.no_grad():
        plain_cache = make_cache(model)
        plain = forward(model, ids, plain_cache)
        recipe = parse_recipe({"method": "none", "kv_bits": kv_bits,
                               **({"kv_group_size": group_size} if group_size != -1 else {})})
        schemes = install_runtime_schemes(model, recipe)
        cache = make_cache(model)  # the variant's quantizing cache, as generation and scoring get it
        cached = forward(model, ids, cache)

    quantizer = KVQuantizer(kv_bits, group_size)
    # Layer 0 sees the same input either way: its cache holds exactly the rounded post-RoPE (and, in Qwen3,
    # post-k-norm) keys and values of the unquantized run.
    layer0, plain0 = cache.layers[0], plain_cache.layers[0]
    assert torch.equal(layer0.keys, quantizer(plain0.keys))
    assert torch.equal(layer0.values, quantizer(plain0.values))
    assert not torch.equal(layer0.keys, plain0.keys)

    error = relative_error(cached.logits, plain.logits)
    assert 0 < error < bound

    # Decoding token by token rounds each entry once, when written: same result as one prefill.
    with torch.no_grad():
        prefix = make_cache(model)
        forward(model, ids[:, :-1], prefix)
        step = forward(model, ids[:, -1:], prefix)
    assert torch.allclose(step.logits[:, -1], cached.logits[:, -1], atol=1e-4)

    schemes.remove()
    with torch.no_grad():
        assert torch.equal(forward(model, ids, make_cache(model)).logits, plain.logits)


def test_kv_group_size_must_divide_the_head_dimension(tiny_model_dir):
    loaded = load_model(tiny_model_dir("llama"), dtype="fp32", device="cpu")  # head_dim 16
    with pytest.raises(EngineError) as info:
        install_runtime_schemes(loaded.model, parse_recipe({"method": "none", "kv_bits": 4, "kv_group_size": 32}))
    assert info.value.field == "kv_group_size"


def test_activation_quantization_hooks_the_quantized_linears(tiny_model_dir):
    loaded = load_model(tiny_model_dir("llama"), dtype="fp32", device="cpu")
    ids = loaded.tokenizer("Question: What is 12 * 7? Answer: 84", return_tensors="pt").input_ids
    plain = logits(loaded.model, ids)
    recipe = parse_recipe({"method": "none", "a_bits": 8, "modules": {"exclude": ["*.mlp.*"]}})
    schemes = install_runtime_schemes(loaded.model, recipe)
    assert len(schemes) == 2 * 4  # q, k, v, o in each of the two layers
    quantized_logits = logits(loaded.model, ids)
    assert 0 < relative_error(quantized_logits, plain) < 0.05
    schemes.remove()
    assert torch.equal(logits(loaded.model, ids), plain)


def test_gptq_calibrates_each_layer_on_the_quantized_outputs_of_the_layers_before(tiny_model_dir, calibration_file):
    """Rebuild layer 1's q/k/v GPTQ by hand from its inputs in the quantized model: it must match what the
    pipeline produced, and differ from what the full-precision model's inputs give."""
    from qreason_engine.quant.gptq import HessianAccumulator, gptq_quantize

    loaded = load_model(tiny_model_dir("llama"), dtype="fp32", device="cpu")
    model = loaded.model
    layer = decoder_layers(model)[1]
    names = ["q_proj", "k_proj", "v_proj"]
    original = torch.cat([getattr(layer.self_attn, name).weight.detach().clone() for name in names])
    recipe = parse_recipe({"method": "gptq", "w_bits": 3, "group_size": 32, "symmetric": False, "calibration": {
        "path": str(calibration_file), "num_samples": 4, "seq_len": 64}})
    token_ids = load_calibration(recipe.calibration, loaded.tokenizer).token_ids

    def layer1_hessian():
        accumulator = HessianAccumulator(layer.self_attn.q_proj.in_features, CPU)
        handle = layer.self_attn.q_proj.register_forward_hook(lambda module, inputs, output: accumulator.add(inputs[0]))
        with torch.no_grad():
            model(token_ids, use_cache=False)
        handle.remove()
        return accumulator.hessian()

    full_precision_hessian = layer1_hessian()
    quantize_model(model, recipe, token_ids, device=CPU, batch_size=4)
    produced = torch.cat([getattr(layer.self_attn, name).weight.detach() for name in names])

    def agreement(hessian):
        rebuilt = gptq_quantize(original, hessian, bits=3, group_size=32, symmetric=False).quantized.weight
        return (rebuilt - produced).abs().le(1e-5).float().mean().item()

    assert agreement(layer1_hessian()) > 0.99
    assert agreement(full_precision_hessian) < 0.9
