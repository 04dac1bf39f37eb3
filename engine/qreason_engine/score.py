"""Teacher-forced scoring: the log-prob of every token of a given continuation after a prompt, with the
model's top-k alternatives, its margin (top-1 minus top-2 logit) and the token's place in the
continuation's text at each position.

The prompt is tokenized as generation tokenizes it (raw text with the tokenizer's special tokens; chat
messages rendered with the chat template and the generation prompt) and the continuation on its own after
it, so a scored reply sits where a generated one would.

This is what finds a quantized model's divergence step: feed it the baseline's solution and see where
its own top-1 token stops agreeing, or where its margin collapses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .caches import RUNTIME_ATTRIBUTE, cache_keyword, make_cache
from .errors import EngineError
from .generate import ChatMessage, TokenAlternative, render_prompt, run_each
from .offsets import token_offsets


@dataclass(frozen=True)
class ScoreRequest:
    """Prompt text (with the tokenizer's special tokens) or chat messages (rendered with the chat template
    and the generation prompt) or token ids; the continuation as text (tokenized without special tokens) or
    token ids. An empty prompt scores from BOS; a tokenizer that adds none makes the continuation's first
    token context only (not scored)."""

    prompt: str | tuple[ChatMessage, ...] | None = None
    continuation: str | None = None
    prompt_ids: tuple[int, ...] | None = None
    continuation_ids: tuple[int, ...] | None = None
    top_k: int = 5

    def __post_init__(self) -> None:
        if (self.prompt is None) == (self.prompt_ids is None):
            raise EngineError("E_INPUT", "give exactly one of prompt and prompt_ids", field="prompt")
        if (self.continuation is None) == (self.continuation_ids is None):
            raise EngineError("E_INPUT", "give exactly one of continuation and continuation_ids", field="continuation")
        if not isinstance(self.top_k, int) or not 0 <= self.top_k <= 100:
            raise EngineError("E_INPUT", "must be an integer in [0, 100]", field="top_k")


@dataclass(frozen=True)
class ScoredToken:
    token_id: int
    token: str
    logprob: float
    # 0 when the model's own top-1 token is this one.
    rank: int
    # Top-1 minus top-2 logit: how decided the model was at this position, whatever the given token.
    margin: float
    top: tuple[TokenAlternative, ...]
    # [start, end) in characters of the continuation's text (see offsets.py).
    offset: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class ScoreResult:
    prompt_tokens: int
    tokens: tuple[ScoredToken, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Encoded:
    prompt: list[int]
    continuation: list[int]
    # The continuation's text, and how many of its leading tokens went into the prompt (0 or 1).
    text: str
    skipped: int


def position_stats(logits: torch.Tensor, targets: torch.Tensor, k: int):
    """Per position: log-prob of the target, its rank, the top-2 margin and the top-k (values, ids).

    logits: [positions, vocab] (any float dtype; computed in fp32); targets: [positions].
    """
    logits = logits.float()
    log_probs = logits.log_softmax(dim=-1)
    target_logit = logits.gather(-1, targets[:, None])
    rank = (logits > target_logit).sum(dim=-1)
    top2 = logits.topk(2, dim=-1).values
    margin = top2[:, 0] - top2[:, 1]
    top_values, top_ids = log_probs.topk(max(k, 1), dim=-1)
    return log_probs.gather(-1, targets[:, None])[:, 0], rank, margin, top_values[:, :k], top_ids[:, :k]


class Scorer:
    """Scores many requests in left-padded batches bounded by a token budget."""

    def __init__(self, model, tokenizer, *, max_batch_tokens: int = 16384, max_logits: int = 1 << 28,
                 max_context: int | None = None):
        self.model = model
        self.tokenizer = tokenizer
        self.max_batch_tokens = max_batch_tokens
        # Bound on rows x kept positions x vocab: the logits tensor, not the tokens, fills memory first.
        self.max_logits = max_logits
        self.max_context = max_context or getattr(model.config, "max_position_embeddings", None)
        pad = getattr(tokenizer, "pad_token_id", None) if tokenizer is not None else None
        self.pad_id = pad if isinstance(pad, int) else 0

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def encode(self, request: ScoreRequest) -> _Encoded:
        vocab = self.model.config.vocab_size
        if request.prompt_ids is None or request.continuation_ids is None:
            if self.tokenizer is None:
                raise EngineError("E_INPUT", "this model has no tokenizer: give token ids", field="prompt")
        prompt = list(request.prompt_ids) if request.prompt_ids is not None else render_prompt(self.tokenizer,
                                                                                               request.prompt)
        continuation = (list(request.continuation_ids) if request.continuation_ids is not None
                        else self.tokenizer(request.continuation, add_special_tokens=False).input_ids)
        for name, ids in (("prompt", prompt), ("continuation", continuation)):
            if not all(isinstance(t, int) and 0 <= t < vocab for t in ids):
                raise EngineError("E_INPUT", f"token ids must be integers in [0, {vocab})", field=f"{name}_ids")
        if not continuation:
            raise EngineError("E_INPUT", "the continuation encodes to zero tokens", field="continuation")
        if request.continuation is not None:
            text = request.continuation
        else:
            text = self._decode(continuation)
        skipped = 0
        if not prompt:
            # Nothing to condition the first token on (no BOS): it becomes the context.
            if request.prompt_ids is not None or len(continuation) < 2:
                raise EngineError("E_INPUT", "the prompt encodes to zero tokens (this tokenizer adds no BOS)",
                                  field="prompt")
            prompt, continuation, skipped = continuation[:1], continuation[1:], 1
        if self.max_context and len(prompt) + len(continuation) > self.max_context:
            raise EngineError("E_INPUT", f"prompt + continuation ({len(prompt) + len(continuation)} tokens) exceeds "
                              f"the model's context of {self.max_context}", field="continuation")
        return _Encoded(prompt, continuation, text, skipped)

    def score(self, requests: Sequence[ScoreRequest]) -> list[ScoreResult]:
        encoded = [self.encode(request) for request in requests]
        order = sorted(range(len(requests)), key=lambda i: len(encoded[i].prompt) + len(encoded[i].continuation))
        results: list[ScoreResult | None] = [None] * len(requests)
        vocab = self.model.config.vocab_size
        batch: list[int] = []
        longest_continuation = 0
        for i in order:
            length = len(encoded[i].prompt) + len(encoded[i].continuation)
            kept = max(longest_continuation, len(encoded[i].continuation) + 1)
            if batch and ((len(batch) + 1) * length > self.max_batch_tokens
                          or (len(batch) + 1) * kept * vocab > self.max_logits):
                self._score_batch(batch, encoded, requests, results)
                batch, kept = [], len(encoded[i].continuation) + 1
            batch.append(i)
            longest_continuation = kept
        if batch:
            self._score_batch(batch, encoded, requests, results)
        return [r for r in results if r is not None]

    def score_each(self, requests: Sequence[ScoreRequest]) -> list[ScoreResult | EngineError]:
        """Like score, but one bad request fails alone: each gets its result or its error."""
        return run_each(requests, self.encode, self.score)

    @torch.inference_mode()
    def _score_batch(self, batch, encoded, requests, results) -> None:
        device = self.device
        sequences = [encoded[i].prompt + encoded[i].continuation for i in batch]
        width = max(map(len, sequences))
        input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long, device=device)
        mask = torch.zeros_like(input_ids)
        for row, ids in enumerate(sequences):
            input_ids[row, width - len(ids):] = torch.tensor(ids, device=device)
            mask[row, width - len(ids):] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        # Left padding puts every continuation at the end, so only the last (longest continuation + 1)
        # positions need logits: the vocab-sized output is the memory that matters.
        keep = max(len(encoded[i].continuation) for i in batch) + 1
        logits = self.model(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                            logits_to_keep=keep, **self._cache_arguments()).logits
        for row, i in enumerate(batch):
            item = encoded[i]
            continuation = item.continuation
            n = len(continuation)
            # The logits at position t predict token t + 1: the last n + 1 .. last 1 positions.
            row_logits = logits[row, keep - 1 - n:keep - 1]
            targets = torch.tensor(continuation, device=device)
            logprob, rank, margin, top_values, top_ids = position_stats(row_logits, targets, requests[i].top_k)
            offsets, warnings = self._offsets(item)
            results[i] = ScoreResult(prompt_tokens=len(item.prompt), warnings=warnings, tokens=tuple(
                ScoredToken(token_id=t, token=self._text(t), logprob=lp, rank=rk, margin=mg, offset=offset,
                            top=tuple(TokenAlternative(a, self._text(a), v) for a, v in zip(ids_, values)))
                for t, lp, rk, mg, ids_, values, offset in zip(continuation, logprob.tolist(), rank.tolist(),
                                                               margin.tolist(), top_ids.tolist(),
                                                               top_values.tolist(), offsets)))

    def _offsets(self, item: _Encoded) -> tuple[list[tuple[int, int]], tuple[str, ...]]:
        """Offsets of the scored tokens in the continuation's text (after a context-only first token)."""
        if self.tokenizer is None:
            return [(0, 0)] * len(item.continuation), ("no tokenizer: token offsets are unknown",)
        ids = item.prompt[-item.skipped:] + item.continuation if item.skipped else item.continuation
        offsets, exact = token_offsets(self._decode, ids, item.text)
        warnings = () if exact else ("the continuation's tokens do not decode back to its text (the tokenizer "
                                     "normalizes it): offsets are approximate",)
        return offsets[item.skipped:], warnings

    def _decode(self, ids) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=False, clean_up_tokenization_spaces=False)

    def _cache_arguments(self) -> dict:
        """No cache for a plain model. A variant with a KV-cache scheme gets its quantizing cache, so the
        scored tokens attend over rounded keys and values exactly as decoding's do."""
        runtime = getattr(self.model, RUNTIME_ATTRIBUTE, None)
        if runtime is None or runtime.kv is None:
            return {"use_cache": False}
        return {"use_cache": True, cache_keyword(self.model): make_cache(self.model)}

    def _text(self, token: int) -> str:
        return self.tokenizer.decode([token]) if self.tokenizer is not None else ""
