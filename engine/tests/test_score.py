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
