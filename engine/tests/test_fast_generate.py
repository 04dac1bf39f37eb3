"""The fast generator against the oracle: greedy outputs token-identical and seeded samples identical, over
slot counts, chunk lengths, mixed prompt lengths, stops, end-of-sequence, max_tokens, n > 1, continuous
batching (more rows than slots) and KV-quantized variants, whose slot cache must hold entries on the grid.

QREASON_TEST_DEVICE=cuda runs the same tests on a GPU (fp32, decode steps replayed as CUDA graphs):
scripts/gpu/generate-bench.sh does.
"""

import os

import pytest
import torch

from qreason_engine.caches import cache_keyword, plain_cache
from qreason_engine.errors import EngineError
from qreason_engine.generate import BatchGenerator, ChatMessage, GenerationRequest, SamplingParams, decode_kernels
from qreason_engine.generate.fast import FastGenerator
from qreason_engine.json_constraint import JsonConstraint
from qreason_engine.model import load_model
from qreason_engine.quant.recipe import parse_recipe
from qreason_engine.quant.runtime import load_variant
from qreason_engine.quant.variant import quantize_to_dir

DEVICE = os.environ.get("QREASON_TEST_DEVICE", "cpu")

PROMPTS = ["Step 1: Tom has 3 apples", "Question: What is 12 * 7? Answer:", "The",
           "Step 2: He gives 2 away, so 7 - 2 = 5. The answer is", "0123456789 + - * /", "12"]


@pytest.fixture(scope="module")
def on_device(tiny_model_dir):
    cache = {}

    def get(family: str):
        if family not in cache:
            cache[family] = load_model(tiny_model_dir(family), dtype="fp32", device=DEVICE)
        return cache[family]

    return get


def request(prompt, max_tokens=12, **params):
    return GenerationRequest(prompt=prompt, params=SamplingParams(max_tokens=max_tokens, **params))


def token_ids(results):
    return [[list(c.token_ids) for c in r.completions] for r in results]


def both(loaded, requests, **fast_options):
    oracle = BatchGenerator(loaded.model, loaded.tokenizer, max_batch_rows=64)
    fast = FastGenerator(loaded.model, loaded.tokenizer, **fast_options)
    return oracle.generate(requests), fast.generate(requests), fast


def mixed_greedy():
    return [request(p, max_tokens=m) for p, m in zip(PROMPTS, (20, 5, 33, 1, 17, 9))]


@pytest.mark.parametrize("family", ["llama", "qwen2", "qwen3", "mistral"])
def test_greedy_is_token_identical_to_the_oracle(on_device, family):
    expected, got, fast = both(on_device(family), mixed_greedy(), slots=4, chunk=4)
    assert token_ids(got) == token_ids(expected)
    assert [c.finish_reason for r in got for c in r.completions] == \
        [c.finish_reason for r in expected for c in r.completions]
    assert [r.prompt_tokens for r in got] == [r.prompt_tokens for r in expected]
    assert fast.stats["oracle_requests"] == 0


@pytest.mark.parametrize("slots,chunk", [(1, 1), (2, 3), (3, 16), (8, 5), (64, 16)])
def test_slot_counts_and_chunk_lengths_do_not_change_greedy_tokens(on_device, slots, chunk):
    expected, got, fast = both(on_device("llama"), mixed_greedy(), slots=slots, chunk=chunk)
    assert token_ids(got) == token_ids(expected)
    if slots < len(PROMPTS):
        # Continuous batching: finished rows were refilled from the queue, one prefill per admission round.
        assert fast.stats["prefill_forwards"] > 1


@pytest.mark.skipif(not decode_kernels.available(torch.device(DEVICE)), reason="needs CUDA and Triton")
def test_the_gate_up_gemm_with_silu_inside_changes_no_greedy_token(on_device, monkeypatch):
    # Triton forced for the decode projections (QREASON_DECODE_GEMM=triton, choices made afresh): at 64
    # slots the gate/up GEMM runs with silu(gate) * up in its epilogue.
    monkeypatch.setenv("QREASON_DECODE_GEMM", "triton")
    monkeypatch.setattr(decode_kernels, "_GEMM_CHOICE", {})
    expected, got, fast = both(on_device("llama"), mixed_greedy(), slots=64, chunk=16)
    assert fast.forward._gemms["silu"] is not None
    assert token_ids(got) == token_ids(expected)


@pytest.mark.parametrize("slots,chunk", [(2, 3), (8, 5), (6, 1)])
def test_a_chunk_launched_before_the_last_is_read_changes_no_token(on_device, slots, chunk):
    # The overlap (on by default on a GPU) forced on: the chunk after the one in flight is planned as if no
    # row ended early; rows that end early (stops, end of sequence, short max_tokens) must end where the
    # oracle ends them, and rows still waiting for a slot are admitted as before.
    loaded = on_device("llama")
    oracle = BatchGenerator(loaded.model, loaded.tokenizer, max_batch_rows=64)
    full = oracle.generate([request(p, max_tokens=24) for p in PROMPTS[:3]])
    stop_text = full[0].completions[0].text[6:9]
    eos_token = full[1].completions[0].token_ids[5]
    requests = mixed_greedy() + [request(PROMPTS[0], max_tokens=24, stop=(stop_text,)), request(PROMPTS[1], max_tokens=24),
                                 request(PROMPTS[0], max_tokens=20, n=2, temperature=1.0, seed=5)]
    fast = FastGenerator(loaded.model, loaded.tokenizer, slots=slots, chunk=chunk)
    fast.overlap = True
    oracle.eos_ids = fast.eos_ids = frozenset({eos_token})
    expected, got = oracle.generate(requests), fast.generate(requests)
    assert token_ids(got) == token_ids(expected)
    for a, b in zip(got, expected):
        assert [(c.text, c.finish_reason) for c in a.completions] == [(c.text, c.finish_reason) for c in b.completions]
    assert fast.stats["overlapped_chunks"] > 0


@pytest.mark.parametrize("slots,chunk", [(1, 1), (3, 1), (1, 2)])
def test_graph_warm_up_steps_index_only_what_the_captured_step_indexes(on_device, slots, chunk):
    # CUDA graph capture runs the decode step twice first. Run from the advanced state, the second of them
    # wrote output row `chunk` of a buffer of `chunk` rows: with one slot and chunk 1 the CUDA parity run
    # died on "index_copy_(): index out of bounds". The CPU bounds-checks index_copy_ too, so the same
    # warm-up runs here: each warm-up step starts from the state the captured step will see.
    loaded = on_device("llama")
    fast = FastGenerator(loaded.model, loaded.tokenizer, slots=slots, chunk=chunk, graphs=False)
    fast._prepare([40], slots)
    fast.positions.fill_(7)
    state = [fast.tokens, fast.positions, fast.steps, fast.counter]
    before = [t.clone() for t in state]
    fast.graphs.warm_up(lambda: fast._step(256, False, False), state)
    assert all(torch.equal(a, b) for a, b in zip(state, before))
    if DEVICE == "cpu":  # (on CUDA this is a device-side assertion, which ends the process's CUDA context)
        # Without the restore, `chunk` + 1 steps in a row overrun the chunk's output buffer: the check is real.
        with pytest.raises((IndexError, RuntimeError)):
            for _ in range(chunk + 1):
                fast._step(256, False, False)


def test_seeded_samples_with_n_match_the_oracle_and_share_one_prefill(on_device):
    requests = [request(PROMPTS[0], max_tokens=15, temperature=1.0, seed=7, n=4),
                request(PROMPTS[1], max_tokens=9, temperature=0.7, seed=3, top_k=5, n=2),
                request(PROMPTS[3], max_tokens=11),  # greedy rows beside sampled ones
                request(PROMPTS[2], max_tokens=13, temperature=1.3, seed=11, top_p=0.8, n=3)]
    expected, got, fast = both(on_device("qwen3"), requests, slots=10, chunk=4)
    assert token_ids(got) == token_ids(expected)
    samples = token_ids(got)[0]
    assert len({tuple(s) for s in samples}) > 1  # the n samples really differ
    # 4 distinct prompts, 10 rows: n samples of one prompt are prefilled once and copied into their slots.
    assert fast.stats["prefilled_rows"] == 4


def test_stop_strings_and_end_of_sequence_end_rows_where_the_oracle_ends_them(on_device):
    loaded = on_device("llama")
    oracle = BatchGenerator(loaded.model, loaded.tokenizer)
    full = oracle.generate([request(p, max_tokens=24) for p in PROMPTS[:3]])
    stop_text = full[0].completions[0].text[6:9]
    eos_token = full[1].completions[0].token_ids[5]
    requests = [request(PROMPTS[0], max_tokens=24, stop=(stop_text,)), request(PROMPTS[1], max_tokens=24),
                request(PROMPTS[2], max_tokens=24, ignore_eos=True), request(PROMPTS[0], max_tokens=24, n=2,
                                                                             temperature=1.0, seed=5, stop=(stop_text,))]
    fast = FastGenerator(loaded.model, loaded.tokenizer, slots=3, chunk=8)
    oracle.eos_ids = fast.eos_ids = frozenset({eos_token})
    expected, got = oracle.generate(requests), fast.generate(requests)
    assert token_ids(got) == token_ids(expected)
    for a, b in zip(got, expected):
        assert [(c.text, c.finish_reason) for c in a.completions] == [(c.text, c.finish_reason) for c in b.completions]
    assert got[0].completions[0].finish_reason == "stop" and stop_text not in got[0].completions[0].text
    assert got[1].completions[0].finish_reason == "stop"


@pytest.mark.parametrize("chat", [False, True])
def test_assistant_prefix_rows_take_the_fast_path(on_device, chat):
    prompt = (ChatMessage("user", "What is 3 + 4?"),) if chat else "The"
    requests = [GenerationRequest(prompt=prompt, assistant_prefix=" Step 1:", params=SamplingParams(max_tokens=10)),
                GenerationRequest(prompt=prompt, params=SamplingParams(max_tokens=10))]
    expected, got, fast = both(on_device("llama"), requests, slots=2)
    assert token_ids(got) == token_ids(expected)
    assert fast.stats["oracle_requests"] == 0 and got[0].prompt_tokens > got[1].prompt_tokens


def test_json_constraint_and_logprobs_go_to_the_oracle(on_device):
    loaded = on_device("llama")
    schema = JsonConstraint({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]})
    requests = [GenerationRequest(prompt="The", params=SamplingParams(max_tokens=12), response_format=schema),
                request(PROMPTS[0], max_tokens=6, logprobs=2), request(PROMPTS[1], max_tokens=6)]
    expected, got, fast = both(loaded, requests, slots=2)
    assert token_ids(got) == token_ids(expected)
    ours, theirs = got[1].completions[0].logprobs, expected[1].completions[0].logprobs
    assert [t.token_id for t in ours] == [t.token_id for t in theirs]
    assert [t.logprob for t in ours] == pytest.approx([t.logprob for t in theirs], abs=1e-4)
    assert fast.stats["oracle_requests"] == 2


def test_one_bad_request_fails_alone_and_generate_raises_before_running(on_device):
    loaded = on_device("llama")
    fast = FastGenerator(loaded.model, loaded.tokenizer, slots=2)
    bad = GenerationRequest(prompt_ids=(10**9,), params=SamplingParams(max_tokens=3))
    outcomes = fast.generate_each([request("The", max_tokens=3), bad])
    assert isinstance(outcomes[1], EngineError) and outcomes[1].field == "prompt_ids"
    assert outcomes[0].completions[0].completion_tokens == 3
    with pytest.raises(EngineError):
        fast.generate([request("The", max_tokens=3), bad])


def test_stream_admits_requests_that_arrive_while_others_decode(on_device):
    loaded = on_device("llama")
    oracle = BatchGenerator(loaded.model, loaded.tokenizer)
    fast = FastGenerator(loaded.model, loaded.tokenizer, slots=2, chunk=2)
    late = [("late-a", request(PROMPTS[4], max_tokens=7)), ("late-b", request(PROMPTS[5], max_tokens=3, n=2))]
    delivered, order = {}, []

    def more():
        batch = late[:1]
        del late[:1]
        return batch

    def deliver(key, outcome):
        order.append(key)
        delivered[key] = outcome

    fast.stream([("long", request(PROMPTS[0], max_tokens=30))], more, deliver)
    assert set(delivered) == {"long", "late-a", "late-b"}
    assert order.index("late-a") < order.index("long")  # a later short request is not held back by a long one
    expected = oracle.generate([request(PROMPTS[0], max_tokens=30), request(PROMPTS[4], max_tokens=7),
                                request(PROMPTS[5], max_tokens=3, n=2)])
    assert token_ids([delivered[k] for k in ("long", "late-a", "late-b")]) == token_ids(expected)


@pytest.fixture(scope="module")
def kv_variant(tiny_model_dir, tmp_path_factory):
    made = {}

    def get(**recipe):
        key = tuple(sorted(recipe.items()))
        if key not in made:
            out = tmp_path_factory.mktemp("variant") / "v"
            quantize_to_dir(tiny_model_dir("llama"), parse_recipe({"method": "none", **recipe}), out, device="cpu")
            made[key] = load_variant(out, "fp32", DEVICE)  # loading runs the runtime canary
        return made[key]

    return get


@pytest.mark.parametrize("recipe", [{"kv_bits": 4}, {"kv_bits": 8, "kv_group_size": 8}, {"kv_bits": "fp8_e4m3"},
                                    {"a_bits": 8, "kv_bits": 8}])
@pytest.mark.parametrize("fused", [False, True])
def test_kv_quantized_variants_match_the_oracle_and_cache_entries_on_the_grid(kv_variant, on_device, recipe, fused):
    loaded = kv_variant(**recipe)
    requests = [request(p, max_tokens=m) for p, m in zip(PROMPTS[:4], (20, 9, 14, 6))]
    expected, got, fast = both(loaded, requests, slots=4, chunk=4, fused=fused)
    if not fused:
        # The model's own norms and rotary: keys and values bit-identical before rounding, tokens identical.
        assert token_ids(got) == token_ids(expected)
    else:
        # Fused kernels round differently by an ulp, which a KV code boundary can turn into another token
        # later on; the first tokens and the lengths still agree.
        assert [t[0][:2] for t in token_ids(got)] == [t[0][:2] for t in token_ids(expected)]
        assert [len(t[0]) for t in token_ids(got)] == [len(t[0]) for t in token_ids(expected)]
    # The canary: what the fast path cached (prefill and decode writes) is on the KV grid ...
    lengths = [r.prompt_tokens + len(r.completions[0].token_ids) - 1 for r in got]
    assert all(fast.cache.off_grid_fraction(slot, length) < 0.01 for slot, length in enumerate(lengths))
    # ... and it is the scheme's rounding of what the model computes, not something else on a grid: layer 0's
    # keys and values (whose input KV rounding cannot affect), teacher-forced through a plain cache and
    # rounded, agree with what the slot cache holds at every position, prompt and decode writes alike.
    tokens = list(got[0].completions[0].token_ids[:-1])
    ids = torch.tensor([fast.prompt_ids(requests[0]) + tokens], device=DEVICE)
    plain = plain_cache(loaded.model.config)
    with torch.no_grad():
        loaded.model(input_ids=ids, use_cache=True, **{cache_keyword(loaded.model): plain})
    quantizer = fast.cache.quantizer
    for what in ("keys", "values"):
        unrounded = getattr(plain.layers[0], what)[0].transpose(0, 1)  # [tokens, kv_heads, head_dim]
        cached = getattr(fast.cache, what)[0, 0, :lengths[0]]
        # Equal up to an ulp (fused kernels round the unrounded values differently), except for a rare
        # code that an ulp moved across a rounding boundary; and the rounding really moved most entries.
        assert torch.isclose(quantizer.round(unrounded), cached, rtol=1e-4, atol=1e-6).float().mean() > 0.99
        assert (~torch.isclose(unrounded, cached, rtol=1e-4, atol=1e-6)).float().mean() > 0.5


def test_the_grid_canary_fails_on_unrounded_entries(on_device):
    loaded = on_device("llama")
    fast = FastGenerator(loaded.model, loaded.tokenizer, slots=2)
    fast.generate([request(PROMPTS[0], max_tokens=8)])
    assert fast.cache.off_grid_fraction(0, 10) == -1.0  # no scheme, no grid
    from qreason_engine.quant.kv import KVQuantizer

    fast.cache.quantizer = KVQuantizer(4)
    assert fast.cache.off_grid_fraction(0, 10) > 0.5


def test_the_serving_worker_lets_later_requests_join_a_running_generation(on_device):
    import time

    from qreason_engine.score import Scorer, ScoreRequest
    from qreason_engine.serve.worker import BatchingWorker

    loaded = on_device("llama")
    fast = FastGenerator(loaded.model, loaded.tokenizer, slots=4, chunk=1)
    worker = BatchingWorker(fast, Scorer(loaded.model, loaded.tokenizer), window_s=0.0).start()
    done = []
    long_job = worker.submit("generate", request(PROMPTS[0], max_tokens=300, ignore_eos=True),
                             lambda result, error: done.append(("long", result, error)))
    while not long_job.started:
        time.sleep(0.001)
    short = worker.submit_future("generate", request(PROMPTS[1], max_tokens=5))
    scored = worker.submit_future("score", ScoreRequest(prompt="The", continuation=" fox"))
    bad = worker.submit_future("generate", request("x", max_tokens=100000))
    short_result = short.wait(120)
    assert len(scored.wait(120).tokens) >= 1  # scored while the long generation was still running
    with pytest.raises(EngineError):
        bad.wait(120)
    assert not done  # the long one is still decoding: the later requests did not wait for it
    worker.close(300)
    assert done[0][2] is None and done[0][1].completions[0].completion_tokens == 300
    # One continuous generate batch (the bad request was refused before joining) and the score batch run inside it.
    assert worker.batches_run == 2 and worker.joined_running == 2
    oracle = BatchGenerator(loaded.model, loaded.tokenizer)
    assert token_ids([short_result]) == token_ids(oracle.generate([request(PROMPTS[1], max_tokens=5)]))
