"""The engine's wire format: strict parsing of request parameters and the JSON form of results.

Shared by `serve --stdio`, the HTTP server's OpenAI translation and the `generate`/`score` scripting commands, so
every door into the engine accepts the same fields and reports the same errors. The message envelope of
the stdio protocol is documented in engine/README.md.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import EngineError
from .generate import ChatMessage, GenerationRequest, GenerationResult, SamplingParams, TokenAlternative
from .json_constraint import JsonConstraint
from .score import ScoreRequest, ScoreResult

PROTOCOL_VERSION = 1

# What a log-prob of -inf is sent as: JSON has no infinities (vLLM uses the same stand-in).
NEG_INF_LOGPROB = -9999.0

_GENERATE_FIELDS = {"prompt", "messages", "prompt_ids", "max_tokens", "temperature", "top_p", "top_k", "seed", "n",
                    "stop", "logprobs", "ignore_eos", "assistant_prefix", "response_format"}
_SCORE_FIELDS = {"prompt", "messages", "continuation", "prompt_ids", "continuation_ids", "top_k"}


def _fail(field: str, message: str) -> EngineError:
    return EngineError("E_INPUT", message, field=field)


def expect_object(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(field, f"must be a JSON object, got {type(value).__name__}")
    return value


def reject_unknown(params: dict, allowed: set[str]) -> None:
    for key in params:
        if key not in allowed:
            raise _fail(key, f"unknown field; allowed: {', '.join(sorted(allowed))}")


def get_int(params: dict, key: str, default: int | None) -> int | None:
    value = params.get(key, default)
    if value is None:
        return None
    # bool is an int in Python; true is never a token count.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(key, f"must be an integer, got {value!r}")
    return value


def get_number(params: dict, key: str, default: float) -> float:
    value = params.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(key, f"must be a number, got {value!r}")
    return float(value)


def get_bool(params: dict, key: str, default: bool) -> bool:
    value = params.get(key, default)
    if not isinstance(value, bool):
        raise _fail(key, f"must be true or false, got {value!r}")
    return value


def get_stop(params: dict) -> tuple[str, ...]:
    value = params.get("stop")
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
        raise _fail("stop", "must be a non-empty string or a list of non-empty strings")
    return tuple(value)


def get_token_ids(params: dict, key: str) -> tuple[int, ...] | None:
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(t, int) and not isinstance(t, bool) for t in value):
        raise _fail(key, "must be a list of integer token ids")
    return tuple(value)


def parse_messages(value: Any, field: str = "messages") -> tuple[ChatMessage, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(field, "must be a non-empty list of {role, content} objects")
    messages = []
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        item = expect_object(item, where)
        role, content = item.get("role"), item.get("content")
        if role not in ("system", "user", "assistant"):
            raise _fail(f"{where}.role", f"must be system, user or assistant, got {role!r}")
        if not isinstance(content, str):
            raise _fail(f"{where}.content", "must be a string")
        messages.append(ChatMessage(role=role, content=content))
    return tuple(messages)


def sampling_from(params: dict, *, max_tokens_default: int, temperature_default: float) -> SamplingParams:
    """SamplingParams from already-checked JSON fields (shared with the OpenAI-compatible server)."""
    return SamplingParams(
        max_tokens=get_int(params, "max_tokens", max_tokens_default),
        temperature=get_number(params, "temperature", temperature_default),
        top_p=get_number(params, "top_p", 1.0),
        top_k=get_int(params, "top_k", 0) or 0,
        seed=get_int(params, "seed", 0),
        n=get_int(params, "n", 1),
        stop=get_stop(params),
        logprobs=get_int(params, "logprobs", None),
        ignore_eos=get_bool(params, "ignore_eos", False),
    )


def parse_response_format(value: Any, field: str = "response_format") -> JsonConstraint | None:
    """OpenAI's response_format: {"type": "json_schema", "json_schema": {"name", "schema", "strict"?}} is
    enforced by constrained decoding; {"type": "text"} (or null) is no constraint."""
    if value is None:
        return None
    value = expect_object(value, field)
    kind = value.get("type")
    if kind == "text":
        reject_unknown(value, {"type"})
        return None
    if kind != "json_schema":
        raise _fail(f"{field}.type", f"must be json_schema or text, got {kind!r}")
    reject_unknown(value, {"type", "json_schema"})
    spec = expect_object(value.get("json_schema"), f"{field}.json_schema")
    reject_unknown(spec, {"name", "schema", "strict", "description"})
    if not isinstance(spec.get("name"), str) or not spec["name"]:
        raise _fail(f"{field}.json_schema.name", "must be a non-empty string")
    if "schema" not in spec:
        raise _fail(f"{field}.json_schema.schema", "is required")
    return JsonConstraint(spec["schema"], field=f"{field}.json_schema.schema")


def parse_generate(params: Any) -> GenerationRequest:
    """A stdio/JSONL generate request. Defaults: greedy, 256 new tokens, seed 0."""
    params = expect_object(params, "params")
    reject_unknown(params, _GENERATE_FIELDS)
    given = [key for key in ("prompt", "messages", "prompt_ids") if params.get(key) is not None]
    if len(given) != 1:
        raise _fail("prompt", "give exactly one of prompt (text), messages (chat) and prompt_ids")
    sampling = sampling_from(params, max_tokens_default=256, temperature_default=0.0)
    prefix = params.get("assistant_prefix")
    if prefix is not None and not isinstance(prefix, str):
        raise _fail("assistant_prefix", "must be a string")
    extra = {"assistant_prefix": prefix or None, "response_format": parse_response_format(params.get("response_format"))}
    if given[0] == "prompt":
        if not isinstance(params["prompt"], str):
            raise _fail("prompt", "must be a string (use messages for chat)")
        return GenerationRequest(prompt=params["prompt"], params=sampling, **extra)
    if given[0] == "messages":
        return GenerationRequest(prompt=parse_messages(params["messages"]), params=sampling, **extra)
    return GenerationRequest(prompt_ids=get_token_ids(params, "prompt_ids"), params=sampling, **extra)


def parse_score(params: Any) -> ScoreRequest:
    params = expect_object(params, "params")
    reject_unknown(params, _SCORE_FIELDS)
    for key in ("prompt", "continuation"):
        if key in params and not isinstance(params[key], str):
            raise _fail(key, "must be a string")
    prompt = params.get("prompt")
    if params.get("messages") is not None:
        if prompt is not None:
            raise _fail("messages", "give one of prompt (text) and messages (chat)")
        prompt = parse_messages(params["messages"])
    return ScoreRequest(prompt=prompt, continuation=params.get("continuation"),
                        prompt_ids=get_token_ids(params, "prompt_ids"),
                        continuation_ids=get_token_ids(params, "continuation_ids"),
                        top_k=get_int(params, "top_k", 5))


def finite_logprob(value: float) -> float:
    return value if math.isfinite(value) else NEG_INF_LOGPROB


def alternative_json(alternative: TokenAlternative) -> dict:
    return {"token": alternative.token, "token_id": alternative.token_id,
            "logprob": finite_logprob(alternative.logprob)}


def generation_json(result: GenerationResult) -> dict:
    choices = []
    for index, completion in enumerate(result.completions):
        logprobs = None
        if completion.logprobs is not None:
            logprobs = [{"token": item.token, "token_id": item.token_id, "logprob": finite_logprob(item.logprob),
                         "top": [alternative_json(a) for a in item.top]} for item in completion.logprobs]
        choices.append({"index": index, "text": completion.text, "finish_reason": completion.finish_reason,
                        "completion_tokens": completion.completion_tokens, "token_ids": list(completion.token_ids),
                        "logprobs": logprobs, "warnings": list(completion.warnings)})
    return {"prompt_tokens": result.prompt_tokens, "choices": choices}


def score_json(result: ScoreResult) -> dict:
    return {"prompt_tokens": result.prompt_tokens,
            "tokens": [{"token": t.token, "token_id": t.token_id, "offset": list(t.offset),
                        "logprob": finite_logprob(t.logprob), "rank": t.rank, "margin": t.margin,
                        "top": [alternative_json(a) for a in t.top]}
                       for t in result.tokens],
            "warnings": list(result.warnings)}


def error_json(error: EngineError) -> dict:
    body = {"code": error.code, "message": error.describe()}
    if error.field:
        body["field"] = error.field
    return body
