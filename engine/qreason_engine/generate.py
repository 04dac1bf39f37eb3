"""Batched generation: greedy and sampled decoding over a KV cache, with stop strings and per-request seeds.

One hand-written decode loop serves every request shape (HF `generate` draws all samples of a batch from
one global RNG and takes one set of sampling parameters per call; we need both per request). Prompts are
left-padded into one batch with explicit position ids, so a row sees exactly the positions it would see
alone. Every sampled row owns a torch.Generator seeded from its request, so a sample depends on its
request (prompt, parameters, seed) and not on whatever else shares the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import torch

from .caches import cache_keyword, make_cache
from .errors import EngineError
from .json_constraint import JsonConstraint

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


@dataclass
class _Row:
    """One sample being decoded: sample j of a request."""

    prompt_ids: list[int]
    params: SamplingParams
    max_tokens: int
    generator: torch.Generator | None
    constraint: JsonConstraint | None = None
    generated: list[int] = field(default_factory=list)
    logprobs: list[TokenLogprob] | None = None
    finish_reason: FinishReason | None = None
    stop_text_end: int | None = None  # where the text is cut when a stop string ended the row

    @property
    def done(self) -> bool:
        return self.finish_reason is not None


def filter_logits(logits: torch.Tensor, top_k: torch.Tensor, top_p: torch.Tensor) -> torch.Tensor:
    """Mask (to -inf) what top-k and then top-p (nucleus, over the top-k renormalised) exclude, per row.

    logits: [rows, vocab] already divided by temperature; top_k: [rows] (0 = off); top_p: [rows].
    """
    vocab = logits.shape[-1]
    sorted_logits, order = logits.sort(dim=-1, descending=True)
    ranks = torch.arange(vocab, device=logits.device)
    k = torch.where(top_k > 0, top_k.clamp(max=vocab), torch.full_like(top_k, vocab))
    keep = ranks[None, :] < k[:, None]
    sorted_logits = sorted_logits.masked_fill(~keep, float("-inf"))
    probs = sorted_logits.softmax(dim=-1)
    # Keep a token while the mass before it is below top_p: the most likely token always survives.
    mass_before = probs.cumsum(dim=-1) - probs
    keep &= mass_before < top_p[:, None]
    sorted_logits = sorted_logits.masked_fill(~keep, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)


def sample_rows(logits: torch.Tensor, rows: Sequence[_Row]) -> torch.Tensor:
    """One token per row: argmax for greedy rows, a seeded draw from the filtered distribution otherwise.

    Draws use the exponential race (argmax of p / E with E ~ Exp(1)), which is a draw from p; the noise
    comes from each row's own generator, so rows never share randomness.
    """
    choice = logits.argmax(dim=-1)
    sampled = [i for i, row in enumerate(rows) if not row.params.greedy and not row.done]
    if not sampled:
        return choice
    index = torch.tensor(sampled, device=logits.device)
    params = [rows[i].params for i in sampled]
    temperature = torch.tensor([p.temperature for p in params], device=logits.device, dtype=logits.dtype)
    top_k = torch.tensor([p.top_k for p in params], device=logits.device)
    top_p = torch.tensor([p.top_p for p in params], device=logits.device, dtype=logits.dtype)
    filtered = filter_logits(logits[index] / temperature[:, None], top_k, top_p)
    probs = filtered.softmax(dim=-1)
    noise = torch.stack([torch.empty(logits.shape[-1], device=logits.device, dtype=logits.dtype)
                         .exponential_(generator=rows[i].generator) for i in sampled])
    choice[index] = (probs / noise).argmax(dim=-1)
    return choice


class BatchGenerator:
    """Generates for many requests at once on one loaded model.

    cache: "dynamic" (grows; finished rows are dropped from the batch as they finish) or "static"
    (preallocated; with compile=True the decode step is compiled with CUDA graphs, and batch and
    length are rounded up to buckets so a server sees few distinct shapes).
    """

    def __init__(self, model, tokenizer, *, max_batch_rows: int = 64, cache: str = "dynamic",
                 compile: bool = False, max_context: int | None = None):
        if cache not in ("dynamic", "static"):
            raise EngineError("E_USAGE", f"unknown cache kind {cache!r}; choose dynamic or static")
        if compile and cache != "static":
            raise EngineError("E_USAGE", "compile needs the static cache")
        self.model = model
        self.tokenizer = tokenizer
        self.max_batch_rows = max_batch_rows
        self.cache = cache
        self.compile = compile
        self.max_context = max_context or getattr(model.config, "max_position_embeddings", None)
        self.eos_ids = eos_token_ids(model, tokenizer)
        self.pad_id = self._pad_id()
        self._compiled_step: Callable | None = None

    def _pad_id(self) -> int:
        for candidate in (getattr(self.tokenizer, "pad_token_id", None), getattr(self.model.config, "pad_token_id", None)):
            if isinstance(candidate, int):
                return candidate
        return min(self.eos_ids) if self.eos_ids else 0

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def prompt_ids(self, request: GenerationRequest) -> list[int]:
        if (request.assistant_prefix or request.response_format) and self.tokenizer is None:
            raise EngineError("E_INPUT", "assistant_prefix and response_format need a tokenizer",
                              field="assistant_prefix" if request.assistant_prefix else "response_format")
        if request.prompt_ids is not None:
            ids = list(request.prompt_ids)
            vocab = self.model.config.vocab_size
            _check(bool(ids) and all(isinstance(t, int) and 0 <= t < vocab for t in ids), "prompt_ids",
                   f"must be a non-empty list of token ids in [0, {vocab})")
            if request.assistant_prefix:
                ids += self.tokenizer(request.assistant_prefix, add_special_tokens=False).input_ids
        else:
            if self.tokenizer is None:
                raise EngineError("E_INPUT", "this model has no tokenizer: give prompt_ids", field="prompt")
            ids = encode_prompt(self.tokenizer, request.prompt, request.assistant_prefix)
        wanted = request.params.max_tokens
        if wanted is None and not self.max_context:
            raise EngineError("E_INPUT", "the model's context length is unknown: give max_tokens", field="max_tokens")
        if self.max_context and len(ids) + (wanted or 1) > self.max_context:
            raise EngineError("E_INPUT", f"prompt ({len(ids)} tokens) + max_tokens ({wanted or 1}) "
                              f"exceeds the model's context of {self.max_context} tokens", field="max_tokens")
        if request.params.stop and self.tokenizer is None:
            raise EngineError("E_INPUT", "stop strings need a tokenizer", field="stop")
        return ids

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generate for every request; raises EngineError for the first invalid request."""
        encoded = [self.prompt_ids(request) for request in requests]
        rows: list[_Row] = []
        for ids, request in zip(encoded, requests):
            for j in range(request.params.n):
                rows.append(self._new_row(ids, request.params, j, request.response_format))
        # Similar lengths together waste less padding; results are mapped back by object identity.
        order = sorted(range(len(rows)), key=lambda i: len(rows[i].prompt_ids))
        for start in range(0, len(order), self.max_batch_rows):
            self._decode([rows[i] for i in order[start:start + self.max_batch_rows]])
        results, cursor = [], 0
        for ids, request in zip(encoded, requests):
            mine = rows[cursor:cursor + request.params.n]
            cursor += request.params.n
            results.append(GenerationResult(prompt_tokens=len(ids),
                                            completions=tuple(self._finish(row) for row in mine)))
        return results

    def generate_each(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult | EngineError]:
        """Like generate, but one bad request fails alone: each gets its result or its error."""
        return run_each(requests, self.prompt_ids, self.generate)

    def _new_row(self, ids: list[int], params: SamplingParams, sample_index: int,
                 constraint: JsonConstraint | None = None) -> _Row:
        generator = None
        if not params.greedy:
            generator = torch.Generator(device=self.device)
            generator.manual_seed(params.seed + sample_index)
        limit = params.max_tokens if params.max_tokens is not None else self.max_context - len(ids)
        return _Row(prompt_ids=ids, params=params, max_tokens=limit, generator=generator, constraint=constraint,
                    logprobs=[] if params.logprobs is not None else None)

    def _finish(self, row: _Row) -> Completion:
        ids = row.generated
        text = ""
        if self.tokenizer is not None:
            text_ids = [t for t in ids if t not in self.eos_ids] if not row.params.ignore_eos else ids
            text = self.tokenizer.decode(text_ids, skip_special_tokens=True)
            if row.stop_text_end is not None:
                text = text[:row.stop_text_end]
        warnings = ()
        if row.constraint is not None and row.constraint.unenforced:
            warnings = (f"response_format: not enforced by the engine's constrained decoding: "
                        f"{', '.join(row.constraint.unenforced)}; validate the output",)
        return Completion(text=text, finish_reason=row.finish_reason or "length", token_ids=tuple(ids),
                          logprobs=tuple(row.logprobs) if row.logprobs is not None else None, warnings=warnings)

    # -- the decode loop -------------------------------------------------------------------------------

    @torch.inference_mode()
    def _decode(self, rows: list[_Row]) -> None:
        device = self.device
        real = len(rows)
        prompt_len = max(len(row.prompt_ids) for row in rows)
        new_tokens = max(row.max_tokens for row in rows)
        if self.compile:
            # Few distinct shapes keep torch.compile from recompiling for every batch.
            batch = 1 << (real - 1).bit_length()
            total = -(-(prompt_len + new_tokens) // 128) * 128
        else:
            batch, total = real, prompt_len + new_tokens
        input_ids = torch.full((batch, prompt_len), self.pad_id, dtype=torch.long, device=device)
        mask = torch.zeros((batch, total), dtype=torch.long, device=device)
        for i, row in enumerate(rows):
            ids = torch.tensor(row.prompt_ids, dtype=torch.long, device=device)
            input_ids[i, prompt_len - len(ids):] = ids
            mask[i, prompt_len - len(ids):prompt_len] = 1
        mask[real:, prompt_len - 1] = 1  # bucket filler rows: one visible token keeps their attention finite
        positions = (mask[:, :prompt_len].cumsum(-1) - 1).clamp(min=0)
        # A variant's KV-cache scheme comes with its cache: entries are rounded as they are written.
        cache = make_cache(self.model, self.cache, total)
        static = self.cache == "static"

        out = self.model(input_ids=input_ids, attention_mask=mask if static else mask[:, :prompt_len],
                         position_ids=positions, use_cache=True, logits_to_keep=1,
                         **{cache_keyword(self.model): cache})
        logits = out.logits[:, -1, :].float()
        next_position = positions[:, -1:] + 1
        active = list(range(batch))  # batch slot -> row index (>= real: filler)
        step = self._step_function(static)
        for index in range(new_tokens):
            live = [rows[a] if a < real else None for a in active]
            self._advance(logits, live)
            if all(rows[i].done for i in range(real)):
                break
            tokens = torch.tensor([(live[s].generated[-1] if live[s] and live[s].generated else self.pad_id)
                                   for s in range(len(active))], dtype=torch.long, device=device)
            column = prompt_len + index
            if not static:
                keep = [s for s, a in enumerate(active) if a < real and not rows[a].done]
                if len(keep) <= 0.75 * len(active):
                    # Dropping finished rows shrinks every later step; the cache copy pays for itself.
                    select = torch.tensor(keep, device=device)
                    cache.batch_select_indices(select)
                    mask, next_position, tokens = mask[select], next_position[select], tokens[select]
                    active = [active[s] for s in keep]
            mask[:, column] = 1
            logits = step(tokens[:, None], mask if static else mask[:, :column + 1], next_position, cache)
            next_position = next_position + 1

    def _step_function(self, static: bool) -> Callable:
        model = self.model
        keyword = cache_keyword(model)

        def step(tokens, mask, positions, cache):
            out = model(input_ids=tokens, attention_mask=mask, position_ids=positions, use_cache=True,
                        **{keyword: cache})
            return out.logits[:, -1, :].float()

        if not self.compile:
            return step
        if self._compiled_step is None:
            # Every (batch bucket, length bucket) is one more compiled graph; past dynamo's default limit of 8
            # it would silently fall back to eager, so allow enough for a server's shapes.
            config = torch._dynamo.config
            name = "recompile_limit" if hasattr(config, "recompile_limit") else "cache_size_limit"
            setattr(config, name, max(getattr(config, name), 64))
            compiled = torch.compile(model.forward, mode="reduce-overhead", fullgraph=False, dynamic=False)

            def compiled_step(tokens, mask, positions, cache):
                if hasattr(torch.compiler, "cudagraph_mark_step_begin"):
                    torch.compiler.cudagraph_mark_step_begin()
                out = compiled(input_ids=tokens, attention_mask=mask, position_ids=positions, use_cache=True,
                               **{keyword: cache})
                # Clone: CUDA-graph outputs are overwritten by the next replay.
                return out.logits[:, -1, :].float().clone()

            self._compiled_step = compiled_step
        return self._compiled_step

    def _advance(self, logits: torch.Tensor, live: list[_Row | None]) -> None:
        """Pick each live row's next token, record it, and decide whether the row is finished."""
        # Constrained rows choose their own tokens (below); sample_rows skips them like finished rows.
        placeholders = [row if row is not None and row.constraint is None else _FILLER for row in live]
        choice = sample_rows(logits, placeholders).tolist()
        for slot, row in enumerate(live):
            if row is not None and row.constraint is not None and not row.done:
                choice[slot] = self._constrained_token(logits[slot], row)
        want_logprobs = [s for s, row in enumerate(live) if row is not None and not row.done
                         and row.logprobs is not None]
        log_probs = logits[want_logprobs].log_softmax(dim=-1) if want_logprobs else None
        for slot, row in enumerate(live):
            if row is None or row.done:
                continue
            token = int(choice[slot])
            row.generated.append(token)
            if log_probs is not None and row.logprobs is not None:
                row.logprobs.append(self._token_logprob(log_probs[want_logprobs.index(slot)], token,
                                                        row.params.logprobs or 0))
            if token in self.eos_ids and not row.params.ignore_eos:
                row.finish_reason = "stop"
            elif row.constraint is not None and self._json_finished(row):
                row.finish_reason = "stop"
            elif row.params.stop and self._hit_stop(row):
                row.finish_reason = "stop"
            elif len(row.generated) >= row.max_tokens:
                row.finish_reason = "length"

    # -- constrained JSON ---------------------------------------------------------------------------------

    def _constrained_token(self, logits: torch.Tensor, row: _Row) -> int:
        """The row's next token among those that keep its text a viable JSON prefix: the most likely one
        (greedy), or the first in the order of an exponential race over the filtered distribution (sampled),
        which is an exact draw from that distribution restricted to viable tokens. Candidates the filter
        excludes come after, most likely first, so a row is never left without a token."""
        if row.params.greedy:
            order = logits.argsort(descending=True)
        else:
            p = row.params
            filtered = filter_logits(logits[None] / p.temperature,
                                     torch.tensor([p.top_k], device=logits.device),
                                     torch.tensor([p.top_p], device=logits.device, dtype=logits.dtype))[0]
            probs = filtered.softmax(dim=-1)
            noise = torch.empty_like(probs).exponential_(generator=row.generator)
            race = probs / noise
            kept = int((probs > 0).sum())
            order = torch.cat([race.argsort(descending=True)[:kept],
                               logits.masked_fill(probs > 0, float("-inf")).argsort(descending=True)[:-kept or None]])
        text = self._text_of(row.generated)
        complete = None
        for token in order.tolist():
            if token in self.eos_ids:
                if complete is None:
                    complete = row.constraint.state(text).complete
                if complete:
                    return token
                continue
            extended = self._text_of(row.generated + [token])
            # A token that adds no text (a special token) would let the row idle forever.
            if extended != text and row.constraint.state(extended).viable:
                return token
        return next(iter(self.eos_ids)) if self.eos_ids else int(order[0])

    def _json_finished(self, row: _Row) -> bool:
        """A complete document that cannot grow ends the row (as llama.cpp's grammar leaves only EOS)."""
        state = row.constraint.state(self._text_of(row.generated))
        return state.complete and not state.extendable

    def _text_of(self, ids: list[int]) -> str:
        return self.tokenizer.decode([t for t in ids if t not in self.eos_ids], skip_special_tokens=True)

    def _token_logprob(self, log_probs: torch.Tensor, token: int, k: int) -> TokenLogprob:
        top: tuple[TokenAlternative, ...] = ()
        if k > 0:
            values, ids = log_probs.topk(k)
            top = tuple(TokenAlternative(int(i), self._token_text(int(i)), float(v))
                        for v, i in zip(values.tolist(), ids.tolist()))
        return TokenLogprob(token, self._token_text(token), float(log_probs[token]), top)

    def _token_text(self, token: int) -> str:
        return self.tokenizer.decode([token]) if self.tokenizer is not None else ""

    def _hit_stop(self, row: _Row) -> bool:
        """Whether a stop string now appears in the row's text; if so remember where to cut.

        Decoding the whole completion every step is quadratic, so look at a tail window first: a stop
        string that just appeared ends inside the last few tokens.
        """
        longest = max(len(s) for s in row.params.stop)
        tail = self.tokenizer.decode(row.generated[-(longest + 8):], skip_special_tokens=True)
        if not any(s in tail for s in row.params.stop):
            return False
        text = self.tokenizer.decode([t for t in row.generated if t not in self.eos_ids], skip_special_tokens=True)
        hits = [text.find(s) for s in row.params.stop if s in text]
        row.stop_text_end = min(hits)
        return True


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


# Stands in for bucket filler rows: greedy, already finished, never recorded.
_FILLER = _Row(prompt_ids=[0], params=SamplingParams(max_tokens=1), max_tokens=1, generator=None,
               finish_reason="length")
