"""What a generation asks for and what it returns: sampling parameters, requests, completions; prompt
encoding, end-of-sequence ids, and per-request error isolation (`run_each`). Shared by both generators."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import torch

from ..errors import EngineError
from ..json_constraint import JsonConstraint

FinishReason = Literal["stop", "length"]

# Seeds are combined with the sample index (seed + j); keep the sum inside torch's 64-bit seed range.
MAX_SEED = 2**62


def _check(condition: bool, field_name: str, message: str) -> None:
    if not condition:
        raise EngineError("E_INPUT", message, field=field_name)


@dataclass(frozen=True)
class SamplingParams:
    """How to decode one request. temperature 0 means greedy; sample j of n uses seed + j.
    max_tokens None means up to the model's context."""

    max_tokens: int | None = 256
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    seed: int = 0
    n: int = 1
    stop: tuple[str, ...] = ()
    # None: no log-probs. k >= 0: the chosen token's log-prob plus the k most likely alternatives.
    logprobs: int | None = None
    # Keep generating past end-of-sequence tokens (benchmarks want exactly max_tokens).
    ignore_eos: bool = False

    def __post_init__(self) -> None:
        _check(self.max_tokens is None or (isinstance(self.max_tokens, int) and self.max_tokens >= 1), "max_tokens",
               "must be null or an integer >= 1")
        _check(isinstance(self.temperature, (int, float)) and 0.0 <= self.temperature <= 100.0, "temperature",
               "must be a number in [0, 100]")
        _check(isinstance(self.top_p, (int, float)) and 0.0 < self.top_p <= 1.0, "top_p", "must be in (0, 1]")
        _check(isinstance(self.top_k, int) and self.top_k >= 0, "top_k", "must be an integer >= 0 (0 = off)")
        _check(isinstance(self.seed, int) and 0 <= self.seed < MAX_SEED, "seed", f"must be an integer in [0, {MAX_SEED})")
        _check(isinstance(self.n, int) and 1 <= self.n <= 256, "n", "must be an integer in [1, 256]")
        _check(isinstance(self.stop, tuple) and all(isinstance(s, str) and s for s in self.stop), "stop",
               "must be a list of non-empty strings")
        _check(len(self.stop) <= 16, "stop", "at most 16 stop strings")
        _check(self.logprobs is None or (isinstance(self.logprobs, int) and 0 <= self.logprobs <= 20), "logprobs",
               "must be null or an integer in [0, 20]")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """A raw prompt, chat messages (rendered with the model's chat template), or token ids; optionally an
    assistant prefix to continue (appended after the prompt, tokenized on its own; not part of the result's
    text) and a JSON constraint on the output."""

    prompt: str | tuple[ChatMessage, ...] | None = None
    prompt_ids: tuple[int, ...] | None = None
    params: SamplingParams = field(default_factory=SamplingParams)
    assistant_prefix: str | None = None
    response_format: JsonConstraint | None = None

    def __post_init__(self) -> None:
        _check((self.prompt is None) != (self.prompt_ids is None), "prompt",
               "give exactly one of prompt (text or messages) and prompt_ids")
        _check(self.assistant_prefix is None or isinstance(self.assistant_prefix, str), "assistant_prefix",
               "must be a string")


@dataclass(frozen=True)
class TokenAlternative:
    token_id: int
    token: str
    logprob: float


@dataclass(frozen=True)
class TokenLogprob:
    token_id: int
    token: str
    logprob: float
    top: tuple[TokenAlternative, ...]


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: FinishReason
    token_ids: tuple[int, ...]
    logprobs: tuple[TokenLogprob, ...] | None
    # Options not honoured (response_format keywords the constrained decoder does not enforce).
    warnings: tuple[str, ...] = ()

    @property
    def completion_tokens(self) -> int:
        return len(self.token_ids)


@dataclass(frozen=True)
class GenerationResult:
    prompt_tokens: int
    completions: tuple[Completion, ...]


def render_prompt(tokenizer, prompt: str | Sequence[ChatMessage]) -> list[int]:
    """Token ids of a raw prompt (with the tokenizer's own special tokens) or of chat messages (the chat
    template rendered with the generation prompt); may be empty (an empty prompt, no BOS)."""
    if isinstance(prompt, str):
        return list(tokenizer(prompt).input_ids)
    if not getattr(tokenizer, "chat_template", None):
        raise EngineError("E_INPUT", "chat messages given but the model's tokenizer has no chat template",
                          field="messages")
    messages = [{"role": m.role, "content": m.content} for m in prompt]
    # Render to text first: the rendered template already carries its special tokens.
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return list(tokenizer(text, add_special_tokens=False).input_ids)


def encode_prompt(tokenizer, prompt: str | Sequence[ChatMessage], assistant_prefix: str | None = None) -> list[int]:
    """The ids generation starts from: the rendered prompt, then the assistant prefix tokenized on its own
    (as a scored continuation is), so a reply continued from a prefix is scored where it was generated."""
    ids = render_prompt(tokenizer, prompt)
    if assistant_prefix:
        ids += tokenizer(assistant_prefix, add_special_tokens=False).input_ids
    if not ids:
        raise EngineError("E_INPUT", "the prompt encodes to zero tokens", field="prompt")
    return ids


def eos_token_ids(model, tokenizer) -> frozenset[int]:
    """End-of-sequence ids from the generation config (may be several, e.g. <|im_end|>) and the tokenizer."""
    ids: set[int] = set()
    config_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for value in (config_eos if isinstance(config_eos, list) else [config_eos]):
        if isinstance(value, int):
            ids.add(value)
    if tokenizer is not None and tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    return frozenset(ids)


def run_each(requests: Sequence, validate: Callable, run: Callable) -> list:
    """Run `run` over the requests `validate` accepts, in one batch; attribute every failure to its request.

    A batch that fails as a whole (out of memory, a bug) is retried one request at a time, so one bad
    request cannot take its neighbours down with it.
    """
    outcomes: list = [None] * len(requests)
    valid: list[int] = []
    for i, request in enumerate(requests):
        try:
            validate(request)
            valid.append(i)
        except EngineError as error:
            outcomes[i] = error
    if not valid:
        return outcomes
    try:
        for i, result in zip(valid, run([requests[i] for i in valid])):
            outcomes[i] = result
    except Exception as batch_error:  # noqa: BLE001 - retried below, each failure reported to its request
        if len(valid) == 1:
            outcomes[valid[0]] = as_engine_error(batch_error)
        else:
            for i in valid:
                try:
                    outcomes[i] = run([requests[i]])[0]
                except Exception as error:  # noqa: BLE001 - reported as this request's error
                    outcomes[i] = as_engine_error(error)
    return outcomes


def as_engine_error(error: BaseException) -> EngineError:
    if isinstance(error, EngineError):
        return error
    if isinstance(error, torch.OutOfMemoryError):
        return EngineError("E_BACKEND", "out of memory: lower the batch size, max_tokens or the prompt length")
    return EngineError("E_INTERNAL", f"{type(error).__name__}: {error}")


