"""The OpenAI-compatible surface: request bodies of /v1/completions and /v1/chat/completions into engine
requests, engine results into OpenAI response bodies. Pure functions; the HTTP plumbing is in http.py.

Fields OpenAI clients commonly send but the engine cannot honour are accepted only at their neutral value
(stream false, penalties 0, ...) and rejected otherwise; unknown fields are rejected, naming the field.

Teacher-forced scoring is OpenAI's legacy form, as vLLM and SGLang speak it: /v1/completions with
`echo: true` and `logprobs: k` returns the prompt's own tokens with their log-probs (the first one null),
top-k alternatives and `text_offset`s, followed by `max_tokens` (0 allowed with echo) generated tokens.
Extensions vLLM also accepts: `add_special_tokens` (completions), `add_generation_prompt` and
`continue_final_message` (chat: continue the final assistant message), `response_format` with a JSON
schema (enforced by constrained decoding; keywords it does not enforce are listed in each choice's
`qreason_warnings`).
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ..errors import EngineError
from ..generate import MAX_SEED, ChatMessage, Completion, GenerationRequest, GenerationResult
from ..offsets import token_offsets
from ..protocol import (expect_object, finite_logprob, get_bool, get_int, get_token_ids, parse_response_format,
                        reject_unknown, sampling_from)
from ..score import ScoreRequest, ScoreResult

# field -> its only accepted value(s) other than absent/null.
_NEUTRAL = {"stream": (False,), "presence_penalty": (0, 0.0), "frequency_penalty": (0, 0.0),
            "logit_bias": ({},), "suffix": ("",), "stream_options": ()}
_COMMON = {"model", "max_tokens", "temperature", "top_p", "top_k", "n", "seed", "stop", "user", "ignore_eos",
           "response_format", *_NEUTRAL}
COMPLETION_FIELDS = _COMMON | {"prompt", "logprobs", "best_of", "echo", "add_special_tokens"}
CHAT_FIELDS = _COMMON | {"messages", "logprobs", "top_logprobs", "max_completion_tokens", "echo",
                         "add_generation_prompt", "continue_final_message"}


def _check_neutral(body: dict) -> None:
    for key, accepted in _NEUTRAL.items():
        value = body.get(key)
        if value is not None and value not in accepted:
            raise EngineError("E_INPUT", f"{value!r} is not supported by this server", field=key)
    best_of = body.get("best_of")
    if best_of is not None and best_of != body.get("n", 1):
        raise EngineError("E_INPUT", "best_of other than n is not supported", field="best_of")


def _sampling_body(body: dict, *, logprobs: int | None, max_tokens_default: int | None) -> dict:
    """The subset of fields protocol.sampling_from reads, with OpenAI's defaults (temperature 1, random seed)."""
    fields = {key: body[key] for key in ("max_tokens", "temperature", "top_p", "top_k", "n", "seed", "stop",
                                         "ignore_eos") if body.get(key) is not None}
    fields["logprobs"] = logprobs
    if "max_tokens" not in fields:
        fields["max_tokens"] = max_tokens_default
    if "seed" not in fields:
        fields["seed"] = secrets.randbelow(MAX_SEED // 2)
    return fields


@dataclass(frozen=True)
class CompletionPrompt:
    """One prompt of a /v1/completions body: its text (None for token ids), ids, and which of its leading
    ids the tokenizer added (BOS) rather than read from the text."""

    text: str | None
    ids: tuple[int, ...]
    added: int


@dataclass(frozen=True)
class CompletionJob:
    prompts: list[CompletionPrompt]
    requests: list[GenerationRequest]
    echo: bool
    logprobs: int | None
    # max_tokens 0 (echo only): nothing to generate.
    generate: bool


def _tokenize(tokenizer, text: str, add_special_tokens: bool) -> CompletionPrompt:
    if tokenizer is None:
        raise EngineError("E_INPUT", "this model has no tokenizer: give token ids", field="prompt")
    ids = list(tokenizer(text, add_special_tokens=add_special_tokens).input_ids)
    plain = list(tokenizer(text, add_special_tokens=False).input_ids)
    added = next((start for start in range(len(ids) - len(plain) + 1) if ids[start:start + len(plain)] == plain), 0)
    return CompletionPrompt(text, tuple(ids), added if add_special_tokens else 0)


def parse_completion_body(body: Any, tokenizer=None) -> CompletionJob:
    """One generation request per prompt (a body may carry a list of prompts); with echo, the prompts' own
    tokens are scored too. Prompts are tokenized here, so generation and echo see the same ids."""
    body = expect_object(body, "body")
    reject_unknown(body, COMPLETION_FIELDS)
    _check_neutral(body)
    echo = get_bool(body, "echo", False)
    logprobs = get_int(body, "logprobs", None)
    add_special = get_bool(body, "add_special_tokens", True)
    generate = True
    if echo and body.get("max_tokens") == 0:
        body, generate = {**body, "max_tokens": 1}, False
    sampling = sampling_from(_sampling_body(body, logprobs=logprobs, max_tokens_default=16),
                             max_tokens_default=16, temperature_default=1.0)
    constraint = parse_response_format(body.get("response_format"))
    prompt = body.get("prompt")
    if isinstance(prompt, str):
        prompts = [_tokenize(tokenizer, prompt, add_special)]
    elif isinstance(prompt, list) and prompt and all(isinstance(p, str) for p in prompt):
        prompts = [_tokenize(tokenizer, p, add_special) for p in prompt]
    elif isinstance(prompt, list) and prompt and all(isinstance(p, int) and not isinstance(p, bool) for p in prompt):
        prompts = [CompletionPrompt(None, get_token_ids(body, "prompt"), 0)]
    else:
        raise EngineError("E_INPUT", "must be a string, a list of strings or a list of token ids", field="prompt")
    if any(not p.ids for p in prompts):
        raise EngineError("E_INPUT", "the prompt encodes to zero tokens", field="prompt")
    requests = [GenerationRequest(prompt_ids=p.ids, params=sampling, response_format=constraint) for p in prompts]
    return CompletionJob(prompts, requests, echo, logprobs, generate)


def echo_score_request(prompt: CompletionPrompt, logprobs: int | None) -> ScoreRequest | None:
    """Scoring of a prompt's own tokens (each from those before it); None for a one-token prompt."""
    if len(prompt.ids) < 2:
        return None
    return ScoreRequest(prompt_ids=prompt.ids[:1], continuation_ids=prompt.ids[1:], top_k=logprobs or 0)


def _chat_messages(value: Any) -> tuple[ChatMessage, ...]:
    if not isinstance(value, list) or not value:
        raise EngineError("E_INPUT", "must be a non-empty list of messages", field="messages")
    messages = []
    for index, item in enumerate(value):
        where = f"messages[{index}]"
        item = expect_object(item, where)
        role, content = item.get("role"), item.get("content")
        if role not in ("system", "user", "assistant"):
            raise EngineError("E_INPUT", f"must be system, user or assistant, got {role!r}", field=f"{where}.role")
        if isinstance(content, list):  # OpenAI content parts: only text parts have a meaning here
            if not all(isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
                       for part in content):
                raise EngineError("E_INPUT", "only text content parts are supported", field=f"{where}.content")
            content = "".join(part["text"] for part in content)
        if not isinstance(content, str):
            raise EngineError("E_INPUT", "must be a string", field=f"{where}.content")
        messages.append(ChatMessage(role=role, content=content))
    return tuple(messages)


def parse_chat_body(body: Any) -> GenerationRequest:
    body = expect_object(body, "body")
    reject_unknown(body, CHAT_FIELDS)
    _check_neutral(body)
    want_logprobs = body.get("logprobs", False)
    if not isinstance(want_logprobs, bool):
        raise EngineError("E_INPUT", "must be true or false", field="logprobs")
    top = get_int(body, "top_logprobs", None)
    if top is not None and not want_logprobs:
        raise EngineError("E_INPUT", "top_logprobs needs logprobs: true", field="top_logprobs")
    if body.get("max_completion_tokens") is not None and body.get("max_tokens") is None:
        body = {**body, "max_tokens": body["max_completion_tokens"]}
    if get_bool(body, "echo", False):
        raise EngineError("E_INPUT", "echo is supported on /v1/completions only", field="echo")
    # Chat's default length is "until the model stops or the context is full", as in OpenAI and vLLM.
    sampling = sampling_from(_sampling_body(body, logprobs=(top or 0) if want_logprobs else None,
                                            max_tokens_default=None),
                             max_tokens_default=None, temperature_default=1.0)
    messages = _chat_messages(body.get("messages"))
    constraint = parse_response_format(body.get("response_format"))
    prefix = None
    if get_bool(body, "continue_final_message", False):
        # vLLM's way to continue an assistant reply: render the conversation before it with the generation
        # prompt, then append the reply's text (what the engine's assistant_prefix does).
        if get_bool(body, "add_generation_prompt", True) and "add_generation_prompt" in body:
            raise EngineError("E_INPUT", "continue_final_message needs add_generation_prompt: false",
                              field="add_generation_prompt")
        if messages[-1].role != "assistant" or len(messages) < 2:
            raise EngineError("E_INPUT", "continue_final_message needs a final assistant message after the prompt",
                              field="messages")
        messages, prefix = messages[:-1], messages[-1].content
    elif not get_bool(body, "add_generation_prompt", True):
        raise EngineError("E_INPUT", "add_generation_prompt: false is supported only with continue_final_message",
                          field="add_generation_prompt")
    return GenerationRequest(prompt=messages, params=sampling, assistant_prefix=prefix or None,
                             response_format=constraint)


def _header(kind: str, model: str) -> dict:
    return {"id": f"{kind}-{uuid.uuid4().hex}", "created": int(time.time()), "model": model}


def _usage(results: list[GenerationResult]) -> dict:
    prompt = sum(r.prompt_tokens for r in results)
    completion = sum(c.completion_tokens for r in results for c in r.completions)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _top_dict(alternatives, token: str, logprob: float) -> dict:
    """OpenAI's top_logprobs entry: alternatives keyed by text (most likely first; where two decode to the
    same text, the likelier one is kept) plus the actual token."""
    top: dict = {}
    for alternative in alternatives:
        top.setdefault(alternative.token, finite_logprob(alternative.logprob))
    top.setdefault(token, finite_logprob(logprob))
    return top


def _completion_logprobs(completion: Completion, start: int = 0) -> dict:
    offsets, position = [], start
    for item in completion.logprobs or ():
        offsets.append(position)
        position += len(item.token)
    return {"tokens": [item.token for item in completion.logprobs or ()],
            "token_logprobs": [finite_logprob(item.logprob) for item in completion.logprobs or ()],
            "top_logprobs": [_top_dict(item.top, item.token, item.logprob) for item in completion.logprobs or ()],
            "text_offset": offsets}


def _echo_logprobs(prompt: CompletionPrompt, scored: ScoreResult | None, tokenizer) -> dict:
    """The prompt's tokens as OpenAI's echo reports them: the first has no log-prob; offsets are characters
    of the prompt text (tokens the tokenizer added, like BOS, sit at 0 with no width)."""
    ids = list(prompt.ids)
    decode = (lambda part: tokenizer.decode(list(part), skip_special_tokens=False,
                                            clean_up_tokenization_spaces=False))
    text = prompt.text if prompt.text is not None else decode(ids)
    offsets = [(0, 0)] * prompt.added + token_offsets(decode, ids[prompt.added:], text)[0]
    tokens = [decode([t]) for t in ids]
    logprobs: list[float | None] = [None]
    top: list[dict | None] = [None]
    for token, item in zip(tokens[1:], scored.tokens if scored else ()):
        logprobs.append(finite_logprob(item.logprob))
        top.append(_top_dict(item.top, token, item.logprob))
    return {"tokens": tokens, "token_logprobs": logprobs, "top_logprobs": top,
            "text_offset": [start for start, _ in offsets]}


def completion_response(job: CompletionJob, results: list[GenerationResult | None],
                        echoes: list[ScoreResult | None], model: str, tokenizer=None) -> dict:
    choices = []
    for prompt, result, echoed in zip(job.prompts, results, echoes):
        completions = result.completions if result is not None else (Completion("", "length", (), None),) * (
            job.requests[0].params.n)
        for completion in completions:
            text, logprobs = completion.text, None
            if job.echo:
                prefix = prompt.text if prompt.text is not None else tokenizer.decode(list(prompt.ids))
                text = prefix + text
                if job.logprobs is not None:
                    logprobs = _echo_logprobs(prompt, echoed, tokenizer)
                    generated = _completion_logprobs(completion, len(prefix))
                    logprobs = {key: logprobs[key] + generated[key] for key in logprobs}
            elif completion.logprobs is not None:
                logprobs = _completion_logprobs(completion)
            choice = {"index": len(choices), "text": text, "logprobs": logprobs,
                      "finish_reason": completion.finish_reason}
            if completion.warnings:
                choice["qreason_warnings"] = list(completion.warnings)
            choices.append(choice)
    usage = _usage([r for r in results if r is not None])
    if job.echo and not job.generate:
        prompt_tokens = sum(len(p.ids) for p in job.prompts)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": 0, "total_tokens": prompt_tokens}
    return {**_header("cmpl", model), "object": "text_completion", "choices": choices, "usage": usage}


def _chat_logprobs(completion: Completion) -> dict | None:
    if completion.logprobs is None:
        return None
    return {"content": [{"token": item.token, "logprob": finite_logprob(item.logprob),
                         "bytes": list(item.token.encode()),
                         "top_logprobs": [{"token": alt.token, "logprob": finite_logprob(alt.logprob),
                                           "bytes": list(alt.token.encode())} for alt in item.top]}
                        for item in completion.logprobs]}


def chat_response(result: GenerationResult, model: str) -> dict:
    choices = [{"index": index, "message": {"role": "assistant", "content": completion.text},
                "logprobs": _chat_logprobs(completion), "finish_reason": completion.finish_reason,
                **({"qreason_warnings": list(completion.warnings)} if completion.warnings else {})}
               for index, completion in enumerate(result.completions)]
    return {**_header("chatcmpl", model), "object": "chat.completion", "choices": choices, "usage": _usage([result])}
