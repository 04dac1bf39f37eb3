"""Teacher-forced scoring agrees with a plain forward pass, whatever the batching, and its margins, ranks
and alternatives describe the model's own next-token distribution."""

import pytest
import torch

from qreason_engine.errors import EngineError
from qreason_engine.generate import BatchGenerator, GenerationRequest, SamplingParams
from qreason_engine.score import Scorer, ScoreRequest, position_stats

CASES = [("Step 1: Tom has 3 apples", " and buys 4 more, so 3 + 4 = 7."),
         ("Question: What is 12 * 7?", " Answer: 84"),
         ("The", " quick brown fox jumps over the lazy dog"),
         ("Step 2: He gives 2 away, so", " 7 - 2 = 5.")]


def reference_logits(model, prompt: str, continuation: str):
    prompt_ids = model.tokenizer(prompt).input_ids
    continuation_ids = model.tokenizer(continuation, add_special_tokens=False).input_ids
    with torch.no_grad():
        logits = model.model(torch.tensor([prompt_ids + continuation_ids])).logits[0]
    return logits[len(prompt_ids) - 1:-1], continuation_ids


@pytest.mark.parametrize("family", ["llama", "qwen2"])
@pytest.mark.parametrize("max_batch_tokens", [16384, 20])
def test_batched_scores_equal_an_unbatched_forward_pass(loaded, family, max_batch_tokens):
    model = loaded(family)
    scorer = Scorer(model.model, model.tokenizer, max_batch_tokens=max_batch_tokens)
    results = scorer.score([ScoreRequest(prompt=p, continuation=c, top_k=3) for p, c in CASES])
    for (prompt, continuation), result in zip(CASES, results):
        logits, continuation_ids = reference_logits(model, prompt, continuation)
        log_probs = logits.log_softmax(-1)
        assert [t.token_id for t in result.tokens] == continuation_ids
        assert result.prompt_tokens == len(model.tokenizer(prompt).input_ids)
        for position, token in enumerate(result.tokens):
            assert token.logprob == pytest.approx(log_probs[position, token.token_id].item(), abs=1e-4)
            top2 = logits[position].topk(2).values
            assert token.margin == pytest.approx((top2[0] - top2[1]).item(), abs=1e-4)
            assert [a.token_id for a in token.top] == logits[position].topk(3).indices.tolist()
            assert token.rank == int((logits[position] > logits[position, token.token_id]).sum())


def test_scoring_the_greedy_continuation_ranks_every_token_first(loaded):
    model = loaded("llama")
    generated = BatchGenerator(model.model, model.tokenizer).generate(
        [GenerationRequest(prompt=CASES[0][0], params=SamplingParams(max_tokens=10))])[0].completions[0]
    result = Scorer(model.model, model.tokenizer).score(
        [ScoreRequest(prompt=CASES[0][0], continuation_ids=generated.token_ids, top_k=2)])[0]
    assert [t.rank for t in result.tokens] == [0] * 10
    assert all(t.top[0].token_id == t.token_id and t.margin > 0 for t in result.tokens)


def test_position_stats_on_hand_made_logits():
    logits = torch.tensor([[2.0, 0.5, 1.0], [0.0, 3.0, 2.5]])
    logprob, rank, margin, top_values, top_ids = position_stats(logits, torch.tensor([2, 1]), k=2)
    assert rank.tolist() == [1, 0]
    assert margin.tolist() == pytest.approx([1.0, 0.5])
    assert top_ids.tolist() == [[0, 2], [1, 2]]
    assert logprob.tolist() == pytest.approx(logits.log_softmax(-1)[[0, 1], [2, 1]].tolist())
    assert torch.allclose(top_values.exp().sum(-1), logits.softmax(-1).topk(2).values.sum(-1))


@pytest.mark.parametrize("request_args, field", [
    (dict(prompt="x", continuation=""), "continuation"),
    (dict(prompt="x"), "continuation"),
    (dict(prompt="x", continuation="y", top_k=-1), "top_k"),
    (dict(prompt_ids=(1, 99999), continuation="y"), "prompt_ids"),
])
def test_bad_score_requests_fail_alone_naming_their_field(loaded, request_args, field):
    model = loaded("llama")
    scorer = Scorer(model.model, model.tokenizer)
    try:
        bad = ScoreRequest(**request_args)
    except EngineError as error:
        assert error.field == field
        return
    good = ScoreRequest(prompt="The", continuation=" fox")
    outcomes = scorer.score_each([bad, good])
    assert isinstance(outcomes[0], EngineError) and outcomes[0].field == field
    assert len(outcomes[1].tokens) == len(model.tokenizer(" fox", add_special_tokens=False).input_ids)


def test_offsets_place_every_token_in_the_continuation_text(loaded):
    model = loaded("llama")
    continuation = " 3 + 4 = 7, café ∑ \\boxed{7}"
    result = Scorer(model.model, model.tokenizer).score([ScoreRequest(prompt="Step 1:", continuation=continuation)])[0]
    offsets = [t.offset for t in result.tokens]
    assert offsets[0][0] == 0 and offsets[-1][1] == len(continuation) and not result.warnings
    assert all(a[1] == b[0] for a, b in zip(offsets, offsets[1:]))
    for token in result.tokens:
        if "\ufffd" not in token.token:  # whole-character tokens spell their own span
            assert continuation[token.offset[0]:token.offset[1]] == token.token
    # byte-level BPE splits "∑" over tokens: the ones before the last byte own nothing
    assert any(t.offset[0] == t.offset[1] for t in result.tokens)


def test_chat_prompts_render_the_template_with_the_generation_prompt(loaded):
    from qreason_engine.generate import ChatMessage
    model = loaded("llama")
    messages = (ChatMessage("user", "What is 3 + 4?"),)
    rendered = model.tokenizer.apply_chat_template([{"role": "user", "content": "What is 3 + 4?"}], tokenize=False,
                                                   add_generation_prompt=True)
    scorer = Scorer(model.model, model.tokenizer)
    chat, raw_ids = scorer.score([ScoreRequest(prompt=messages, continuation="Step 1: 3 + 4 = 7"),
                                  ScoreRequest(prompt_ids=tuple(model.tokenizer(rendered, add_special_tokens=False)
                                                                .input_ids), continuation="Step 1: 3 + 4 = 7")])
    assert [t.logprob for t in chat.tokens] == [t.logprob for t in raw_ids.tokens]
    assert chat.prompt_tokens == raw_ids.prompt_tokens


def test_an_empty_prompt_without_bos_makes_the_first_token_context(loaded):
    model = loaded("llama")  # the tiny tokenizer adds no BOS
    text = " quick brown fox"
    scorer = Scorer(model.model, model.tokenizer)
    result = scorer.score([ScoreRequest(prompt="", continuation=text)])[0]
    ids = model.tokenizer(text, add_special_tokens=False).input_ids
    assert [t.token_id for t in result.tokens] == ids[1:] and result.prompt_tokens == 1
    assert result.tokens[0].offset[0] == len(model.tokenizer.decode(ids[:1]))
