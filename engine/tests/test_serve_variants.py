"""A quantized variant directory is served through the quant runtime: its KV-cache scheme is on during
generation and scoring alike, and its identity and recipe reach the clients."""

import pytest

from qreason_engine.generate import BatchGenerator, GenerationRequest, SamplingParams
from qreason_engine.model import load_model
from qreason_engine.quant.recipe import parse_recipe
from qreason_engine.quant.variant import quantize_to_dir
from qreason_engine.score import Scorer, ScoreRequest
from qreason_engine.serve.loading import engine_info, open_model

PROMPT = "Question: What is 12 * 7? Answer:"


@pytest.fixture(scope="module")
def models(tiny_model_dir, tmp_path_factory):
    source = tiny_model_dir("llama")
    variant = tmp_path_factory.mktemp("variants") / "kv4"
    quantize_to_dir(source, parse_recipe({"method": "none", "kv_bits": 4}), variant, device="cpu")
    return load_model(source, dtype="fp32", device="cpu"), open_model(variant, dtype="fp32", device="cpu")


def generate_with_logprobs(loaded):
    generator = BatchGenerator(loaded.model, loaded.tokenizer)
    params = SamplingParams(max_tokens=12, logprobs=1)
    return generator.generate([GenerationRequest(prompt=PROMPT, params=params)])[0].completions[0]


def test_variant_identity_and_recipe_reach_the_hello(models):
    plain, variant = models
    assert variant.identity != plain.identity
    info = engine_info(variant, served_name="kv4", limits={})
    assert info["model"]["quantization"]["kv_bits"] == 4
    assert engine_info(plain, served_name="fp", limits={})["model"]["quantization"] is None


def test_kv_quantization_is_on_in_generation_and_scoring_alike(models):
    plain, variant = models
    plain_out, variant_out = generate_with_logprobs(plain), generate_with_logprobs(variant)
    plain_lp = [step.logprob for step in plain_out.logprobs]
    variant_lp = [step.logprob for step in variant_out.logprobs]
    assert max(abs(a - b) for a, b in zip(plain_lp, variant_lp)) > 1e-3, "int4 KV must move the log-probs"
    # Teacher-forcing the variant's own output through the variant reproduces its decoding log-probs:
    # the scorer (no cache) rounds keys and values exactly as the decode loop's cache does.
    scored = Scorer(variant.model, variant.tokenizer).score(
        [ScoreRequest(prompt=PROMPT, continuation_ids=variant_out.token_ids, top_k=1)])[0]
    assert [t.logprob for t in scored.tokens] == pytest.approx(variant_lp, abs=1e-4)


def test_static_cache_and_dropped_rows_keep_the_kv_rounding(models):
    _, variant = models
    alone = generate_with_logprobs(variant)
    params = SamplingParams(max_tokens=12, logprobs=1)
    static = BatchGenerator(variant.model, variant.tokenizer, cache="static").generate(
        [GenerationRequest(prompt=PROMPT, params=params)])[0].completions[0]
    # Three rows finish after one token and are dropped from the batch (cache.batch_select_indices); the
    # fourth decodes on in the shrunken quantizing cache.
    requests = [GenerationRequest(prompt=PROMPT, params=params)] + [
        GenerationRequest(prompt=PROMPT, params=SamplingParams(max_tokens=1)) for _ in range(3)]
    dropped = BatchGenerator(variant.model, variant.tokenizer).generate(requests)[0].completions[0]
    for other in (static, dropped):
        assert other.token_ids == alone.token_ids
        assert [t.logprob for t in other.logprobs] == pytest.approx([t.logprob for t in alone.logprobs], abs=1e-4)
