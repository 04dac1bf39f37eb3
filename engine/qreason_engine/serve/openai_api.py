"""The OpenAI-compatible surface: request bodies of /v1/completions and /v1/chat/completions into engine
requests, engine results into OpenAI response bodies. Pure functions; the HTTP plumbing is in http.py.

Fields OpenAI clients commonly send but the engine cannot honour are accepted only at their neutral value
(stream false, penalties 0, ...) and rejected otherwise; unknown fields are rejected, naming the field.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from ..errors import EngineError
from ..generate import MAX_SEED, ChatMessage, Completion, GenerationRequest, GenerationResult
from ..protocol import (expect_object, finite_logprob, get_int, get_token_ids, reject_unknown, sampling_from)

# field -> its only accepted value(s) other than absent/null.
_NEUTRAL = {"stream": (False,), "echo": (False,), "presence_penalty": (0, 0.0), "frequency_penalty": (0, 0.0),
            "logit_bias": ({},), "suffix": ("",), "stream_options": ()}
_COMMON = {"model", "max_tokens", "temperature", "top_p", "top_k", "n", "seed", "stop", "user", "ignore_eos",
           *_NEUTRAL}
COMPLETION_FIELDS = _COMMON | {"prompt", "logprobs", "best_of"}
CHAT_FIELDS = _COMMON | {"messages", "logprobs", "top_logprobs", "max_completion_tokens"}


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


def parse_completion_body(body: Any) -> list[GenerationRequest]:
    """One request per prompt (a body may carry a list of prompts)."""
    body = expect_object(body, "body")
    reject_unknown(body, COMPLETION_FIELDS)
    _check_neutral(body)
    logprobs = get_int(body, "logprobs", None)
    sampling = sampling_from(_sampling_body(body, logprobs=logprobs, max_tokens_default=16),
                             max_tokens_default=16, temperature_default=1.0)
    prompt = body.get("prompt")
    if isinstance(prompt, str):
        return [GenerationRequest(prompt=prompt, params=sampling)]
    if isinstance(prompt, list) and prompt and all(isinstance(p, str) for p in prompt):
        return [GenerationRequest(prompt=p, params=sampling) for p in prompt]
    if isinstance(prompt, list) and prompt and all(isinstance(p, int) and not isinstance(p, bool) for p in prompt):
        return [GenerationRequest(prompt_ids=get_token_ids(body, "prompt"), params=sampling)]
    raise EngineError("E_INPUT", "must be a string, a list of strings or a list of token ids", field="prompt")


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
    # Chat's default length is "until the model stops or the context is full", as in OpenAI and vLLM.
    sampling = sampling_from(_sampling_body(body, logprobs=(top or 0) if want_logprobs else None,
                                            max_tokens_default=None),
                             max_tokens_default=None, temperature_default=1.0)
    return GenerationRequest(prompt=_chat_messages(body.get("messages")), params=sampling)


def _header(kind: str, model: str) -> dict:
    return {"id": f"{kind}-{uuid.uuid4().hex}", "created": int(time.time()), "model": model}


def _usage(results: list[GenerationResult]) -> dict:
    prompt = sum(r.prompt_tokens for r in results)
    completion = sum(c.completion_tokens for r in results for c in r.completions)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion_logprobs(completion: Completion) -> dict | None:
    if completion.logprobs is None:
        return None
    offsets, position = [], 0
    for item in completion.logprobs:
        offsets.append(position)
        position += len(item.token)
    return {"tokens": [item.token for item in completion.logprobs],
            "token_logprobs": [finite_logprob(item.logprob) for item in completion.logprobs],
            "top_logprobs": [{alt.token: finite_logprob(alt.logprob) for alt in item.top}
                             for item in completion.logprobs],
            "text_offset": offsets}


def completion_response(results: list[GenerationResult], model: str) -> dict:
    choices = []
    for result in results:
        for completion in result.completions:
            choices.append({"index": len(choices), "text": completion.text,
                            "logprobs": _completion_logprobs(completion),
                            "finish_reason": completion.finish_reason})
    return {**_header("cmpl", model), "object": "text_completion", "choices": choices, "usage": _usage(results)}


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
                "logprobs": _chat_logprobs(completion), "finish_reason": completion.finish_reason}
               for index, completion in enumerate(result.completions)]
    return {**_header("chatcmpl", model), "object": "chat.completion", "choices": choices, "usage": _usage([result])}
