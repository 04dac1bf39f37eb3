"""The oracle generator: batched greedy and sampled decoding over a transformers KV cache, one host
round trip per token. It is the reference the fast path (fast.py) is tested against, and the path for what
the fast path leaves to it (JSON-constrained rows, log-probs, model families it does not know).

One hand-written decode loop serves every request shape (HF `generate` draws all samples of a batch from
one global RNG and takes one set of sampling parameters per call; we need both per request). Prompts are
left-padded into one batch with explicit position ids, so a row sees exactly the positions it would see
alone. Sampled rows draw with the counter-based sampler of sampling.py, keyed by the row's seed and token
index, so a sample depends on its request (prompt, parameters, seed) and not on whatever shares the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ..caches import cache_keyword, make_cache
from ..errors import EngineError
from ..json_constraint import JsonConstraint
from .requests import (Completion, GenerationRequest, GenerationResult, SamplingParams, TokenAlternative, TokenLogprob,
                       _check, encode_prompt, eos_token_ids, run_each)
from .rows import Row, RowRules
from .sampling import filter_logits, sample_rows


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
        self._rules = RowRules(tokenizer, self.eos_ids)
        self._compiled_step: Callable | None = None

    def _pad_id(self) -> int:
        for candidate in (getattr(self.tokenizer, "pad_token_id", None), getattr(self.model.config, "pad_token_id", None)):
            if isinstance(candidate, int):
                return candidate
        return min(self.eos_ids) if self.eos_ids else 0

    @property
    def rules(self) -> RowRules:
        """The finishing rules for the current eos_ids (a caller may replace them)."""
        if self._rules.eos_ids is not self.eos_ids:
            self._rules = RowRules(self.tokenizer, self.eos_ids)
        return self._rules

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
        rows: list[Row] = []
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
                 constraint: JsonConstraint | None = None) -> Row:
        return new_row(ids, params, sample_index, self.max_context, self.device, constraint)

    def _finish(self, row: Row) -> Completion:
        return self.rules.completion(row)

    # -- the decode loop -------------------------------------------------------------------------------

    @torch.inference_mode()
    def _decode(self, rows: list[Row]) -> None:
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

    def _advance(self, logits: torch.Tensor, live: list[Row | None]) -> None:
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
            self.rules.after_token(row)

    # -- constrained JSON ---------------------------------------------------------------------------------

    def _constrained_token(self, logits: torch.Tensor, row: Row) -> int:
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

    def _text_of(self, ids: list[int]) -> str:
        return self.rules.text_of(ids)

    def _token_logprob(self, log_probs: torch.Tensor, token: int, k: int) -> TokenLogprob:
        top: tuple[TokenAlternative, ...] = ()
        if k > 0:
            values, ids = log_probs.topk(k)
            top = tuple(TokenAlternative(int(i), self._token_text(int(i)), float(v))
                        for v, i in zip(values.tolist(), ids.tolist()))
        return TokenLogprob(token, self._token_text(token), float(log_probs[token]), top)

    def _token_text(self, token: int) -> str:
        return self.tokenizer.decode([token]) if self.tokenizer is not None else ""



def new_row(ids: list[int], params: SamplingParams, sample_index: int, max_context: int | None,
            device: torch.device, constraint: JsonConstraint | None = None) -> Row:
    """Sample `sample_index` of a request. Sample j draws with seed + j."""
    generator = None
    if constraint is not None and not params.greedy:
        generator = torch.Generator(device=device)
        generator.manual_seed(params.seed + sample_index)
    limit = params.max_tokens if params.max_tokens is not None else max_context - len(ids)
    return Row(prompt_ids=ids, params=params, max_tokens=limit, seed=params.seed + sample_index, generator=generator,
               constraint=constraint, logprobs=[] if params.logprobs is not None else None)


# Stands in for bucket filler rows: greedy, already finished, never recorded.
_FILLER = Row(prompt_ids=[0], params=SamplingParams(max_tokens=1), max_tokens=1, generator=None,
               finish_reason="length")
