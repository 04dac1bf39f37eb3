"""Generation: batching and padding never change greedy output, seeds make samples reproducible and
independent of the batch, stops and lengths end rows correctly, log-probs are the model's."""

import pytest
import torch

from qreason_engine.errors import EngineError
from qreason_engine.generate import (BatchGenerator, ChatMessage, GenerationRequest, SamplingParams, encode_prompt,
                                     filter_logits)

PROMPTS = ["Step 1: Tom has 3 apples", "Question: What is 12 * 7? Answer:", "The",
           "Step 2: He gives 2 away, so 7 - 2 = 5. The answer is", "0123456789 + - * /"]


def greedy(prompt, max_tokens=12, **extra):
    return GenerationRequest(prompt=prompt, params=SamplingParams(max_tokens=max_tokens, **extra))


def sampled(prompt, seed, max_tokens=12, **extra):
    return GenerationRequest(prompt=prompt, params=SamplingParams(max_tokens=max_tokens, temperature=1.0, seed=seed,
                                                                  **extra))


def token_ids(results):
    return [list(c.token_ids) for r in results for c in r.completions]


@pytest.mark.parametrize("family", ["llama", "qwen2"])
@pytest.mark.parametrize("cache", ["dynamic", "static"])
def test_batched_left_padded_greedy_equals_each_prompt_alone_and_hf_generate(loaded, family, cache):
    model = loaded(family)
    generator = BatchGenerator(model.model, model.tokenizer, cache=cache)
    batched = token_ids(generator.generate([greedy(p) for p in PROMPTS]))
    alone = [token_ids(generator.generate([greedy(p)]))[0] for p in PROMPTS]
    assert batched == alone
    for prompt, ours in zip(PROMPTS, alone):
        ids = model.tokenizer(prompt, return_tensors="pt").input_ids
        reference = model.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=12,
                                         min_new_tokens=12, do_sample=False)[0, ids.shape[1]:].tolist()
        assert ours == reference, prompt


def test_rows_of_different_lengths_finish_independently(loaded):
    """Rows that finish early are dropped from the batch; the rest must continue unchanged."""
    model = loaded("llama")
    generator = BatchGenerator(model.model, model.tokenizer)
    lengths = [3, 12, 1, 7, 12]
    batched = generator.generate([greedy(p, max_tokens=n) for p, n in zip(PROMPTS, lengths)])
    for prompt, n, result in zip(PROMPTS, lengths, batched):
        alone = generator.generate([greedy(prompt, max_tokens=12)])[0].completions[0]
        assert list(result.completions[0].token_ids) == list(alone.token_ids[:n])
        assert result.completions[0].finish_reason == "length"
        assert result.completions[0].completion_tokens == n


def test_sampling_is_reproducible_per_seed_and_independent_of_the_batch(loaded):
    model = loaded("qwen2")
    generator = BatchGenerator(model.model, model.tokenizer)
    alone = token_ids(generator.generate([sampled(PROMPTS[1], seed=7)]))[0]
    again = token_ids(generator.generate([sampled(PROMPTS[1], seed=7)]))[0]
    mixed = generator.generate([sampled(PROMPTS[0], seed=1), greedy(PROMPTS[2]), sampled(PROMPTS[1], seed=7),
                                sampled(PROMPTS[3], seed=7, top_k=5, top_p=0.9)])
    other_seed = token_ids(generator.generate([sampled(PROMPTS[1], seed=8)]))[0]
    assert alone == again == token_ids([mixed[2]])[0]
    assert alone != other_seed
    # Sampling really samples: the seeded draw differs from the greedy continuation.
    assert alone != token_ids(generator.generate([greedy(PROMPTS[1])]))[0]


def test_n_samples_use_consecutive_seeds(loaded):
    model = loaded("llama")
    generator = BatchGenerator(model.model, model.tokenizer)
    together = generator.generate([sampled(PROMPTS[0], seed=40, n=3)])[0]
    separate = [token_ids(generator.generate([sampled(PROMPTS[0], seed=40 + j)]))[0] for j in range(3)]
    assert [list(c.token_ids) for c in together.completions] == separate
    assert len({tuple(s) for s in separate}) == 3


def test_top_k_one_sampling_is_greedy_and_top_k_bounds_the_choice(loaded):
    model = loaded("llama")
    generator = BatchGenerator(model.model, model.tokenizer)
    assert token_ids(generator.generate([sampled(PROMPTS[3], seed=3, top_k=1)])) == \
        token_ids(generator.generate([greedy(PROMPTS[3])]))
    result = generator.generate([sampled(PROMPTS[3], seed=5, top_k=2, logprobs=2, max_tokens=20)])[0]
    for step in result.completions[0].logprobs:
        assert step.token_id in {alternative.token_id for alternative in step.top}


def test_stop_string_truncates_text_and_ends_the_row(loaded):
    model = loaded("llama")
    generator = BatchGenerator(model.model, model.tokenizer)
    full = generator.generate([greedy(PROMPTS[1], max_tokens=24)])[0].completions[0]
    # A stop string taken from the middle of what the model will say.
    stop = full.text[len(full.text) // 2:len(full.text) // 2 + 3]
    cut = full.text.find(stop)
    assert stop and cut > 0
    result = generator.generate([greedy(PROMPTS[1], max_tokens=24, stop=("never appears \u2603", stop))])[0]
    completion = result.completions[0]
    assert completion.finish_reason == "stop"
    assert completion.text == full.text[:cut]
    assert completion.completion_tokens < full.completion_tokens
    assert list(completion.token_ids) == list(full.token_ids[:completion.completion_tokens])


def test_end_of_sequence_token_stops_and_is_not_in_the_text(loaded):
    model = loaded("qwen2")
    generator = BatchGenerator(model.model, model.tokenizer)
    full = generator.generate([greedy(PROMPTS[0], max_tokens=10)])[0].completions[0]
    generator.eos_ids = frozenset({full.token_ids[4]})  # pretend the 5th greedy token ends the sequence
    first = full.token_ids.index(full.token_ids[4])
    result = generator.generate([greedy(PROMPTS[0], max_tokens=10)])[0].completions[0]
    assert result.finish_reason == "stop"
    assert list(result.token_ids) == list(full.token_ids[:first + 1])
    assert result.text == model.tokenizer.decode(full.token_ids[:first], skip_special_tokens=True)
    ignoring = generator.generate([greedy(PROMPTS[0], max_tokens=10, ignore_eos=True)])[0].completions[0]
    assert list(ignoring.token_ids) == list(full.token_ids) and ignoring.finish_reason == "length"


def test_logprobs_are_the_models_next_token_distribution(loaded):
    model = loaded("llama")
    generator = BatchGenerator(model.model, model.tokenizer)
    result = generator.generate([sampled(PROMPTS[0], seed=2, max_tokens=6, logprobs=3), greedy(PROMPTS[1])])[0]
    prompt_ids = model.tokenizer(PROMPTS[0]).input_ids
    completion = result.completions[0]
    with torch.no_grad():
        logits = model.model(torch.tensor([prompt_ids + list(completion.token_ids)])).logits[0]
    reference = logits.log_softmax(-1)[len(prompt_ids) - 1:-1]
    for position, step in enumerate(completion.logprobs):
        assert step.logprob == pytest.approx(reference[position, step.token_id].item(), abs=1e-4)
        top_ids = reference[position].topk(3).indices.tolist()
        assert [alternative.token_id for alternative in step.top] == top_ids


def test_chat_messages_use_the_chat_template(loaded):
    model = loaded("llama")
    messages = (ChatMessage("system", "Be brief."), ChatMessage("user", "What is 3 + 4?"))
    ids = encode_prompt(model.tokenizer, messages)
    rendered = model.tokenizer.decode(ids)
    assert rendered.endswith("assistant\n") and "What is 3 + 4?" in rendered and "system\nBe brief." in rendered
    generator = BatchGenerator(model.model, model.tokenizer)
    result = generator.generate([GenerationRequest(prompt=messages, params=SamplingParams(max_tokens=4))])[0]
    assert result.prompt_tokens == len(ids)
    assert token_ids([result]) == token_ids(generator.generate([GenerationRequest(
        prompt_ids=tuple(ids), params=SamplingParams(max_tokens=4))]))


def test_max_tokens_none_fills_the_context(loaded):
    model = loaded("llama")
    generator = BatchGenerator(model.model, model.tokenizer, max_context=24)
    result = generator.generate([greedy(PROMPTS[2], max_tokens=None)])[0]
    assert result.prompt_tokens + result.completions[0].completion_tokens == 24


@pytest.mark.parametrize("field_name, params", [
    ("top_p", dict(top_p=0.0)), ("temperature", dict(temperature=-1.0)), ("max_tokens", dict(max_tokens=0)),
    ("n", dict(n=0)), ("stop", dict(stop=("",))), ("logprobs", dict(logprobs=21)), ("seed", dict(seed=-1)),
])
def test_invalid_sampling_params_name_their_field(field_name, params):
    with pytest.raises(EngineError) as info:
        SamplingParams(**params)
    assert info.value.code == "E_INPUT" and info.value.field == field_name


def test_prompt_longer_than_the_context_is_an_input_error(loaded):
    model = loaded("llama")
    generator = BatchGenerator(model.model, model.tokenizer, max_context=10)
    outcomes = generator.generate_each([greedy(PROMPTS[3], max_tokens=4), greedy(PROMPTS[2], max_tokens=4)])
    assert isinstance(outcomes[0], EngineError) and outcomes[0].field == "max_tokens"
    assert outcomes[1].completions[0].completion_tokens == 4


@pytest.mark.parametrize("top_k, top_p, kept", [
    (0, 1.0, [0, 1, 2, 3]),
    (2, 1.0, [0, 1]),
    (0, 0.5, [0]),      # p = .64 .24 .09 .03: the first token alone holds over half the mass
    (0, 0.7, [0, 1]),
    (0, 0.9, [0, 1, 2]),
    (3, 0.95, [0, 1, 2]),
    (1, 1.0, [0]),
])
def test_filter_logits_keeps_top_k_then_nucleus(top_k, top_p, kept):
    logits = torch.tensor([[3.0, 2.0, 1.0, -0.2]])
    filtered = filter_logits(logits, torch.tensor([top_k]), torch.tensor([top_p]))
    assert torch.isfinite(filtered[0]).nonzero().flatten().tolist() == kept
    assert torch.equal(filtered[0, kept], logits[0, kept])


@pytest.mark.parametrize("chat", [False, True])
def test_continuing_an_assistant_prefix_equals_the_tail_of_the_full_greedy_reply(loaded, chat):
    from qreason_engine.generate import ChatMessage
    model = loaded("llama")
    generator = BatchGenerator(model.model, model.tokenizer)
    # Prompts whose random-model replies start with text that re-tokenizes to the same ids.
    prompt = (ChatMessage("user", "What is 3 + 4?"),) if chat else "The"
    full = generator.generate([GenerationRequest(prompt=prompt, params=SamplingParams(max_tokens=16))])[0]
    ids = list(full.completions[0].token_ids)
    # Cut where the prefix's text re-tokenizes to the same ids (what a caller cutting at a step boundary does).
    cut = next(k for k in range(len(ids) - 2, 0, -1)
               if model.tokenizer(model.tokenizer.decode(ids[:k]), add_special_tokens=False).input_ids == ids[:k])
    prefix = model.tokenizer.decode(ids[:cut])
    continued = generator.generate([GenerationRequest(prompt=prompt, assistant_prefix=prefix,
                                                      params=SamplingParams(max_tokens=16 - cut))])[0]
    assert list(continued.completions[0].token_ids) == ids[cut:]
    assert prefix + continued.completions[0].text == full.completions[0].text
    assert continued.prompt_tokens == full.prompt_tokens + cut
