"""The fast generator: a slot scheduler with continuous batching over a per-slot static KV cache, decode
steps replayed as CUDA graphs, sampling on the device, and one host sync every `chunk` tokens.

- Slots: `slots` rows decode together; each owns one slot of the SlotCache. When a row finishes, its slot
  is refilled with the next waiting row at the following sync (continuous batching): a long answer holds
  only its own slot.
- Prefill: rows waiting for a slot are prefilled together (right-padded; exact mode: through the
  transformers forward and `caches.make_cache`, so a variant's KV scheme rounds them, then copied into the
  slots; fused mode: SlotForward.prefill_fused, the decode's fused pieces, rounding and writing straight
  into the slots), and the n samples of one prompt (and any identical prompts) share one prefill: its KV
  goes into each of their slots.
- Decode: SlotForward.decode for every slot at once, then `sampling.draw` on the device, the token fed to
  the next step on the device; the host reads the chunk's tokens once and applies the finishing rules
  (end of sequence, stop strings, max_tokens: rows.RowRules, the oracle's) to each row's tokens in order,
  discarding what a row produced after it finished. On a GPU, while no row waits for a slot and no server
  queue can add rows, the next chunk is launched before the host reads the last (its tokens copied to
  pinned memory), so the host's work overlaps the GPU's.
- The oracle (oracle.BatchGenerator) runs what this path leaves to it: JSON-constrained rows, rows with
  log-probs, models slot_forward does not cover, and rows longer than `max_capacity` tokens.

Greedy outputs are token-identical to the oracle's and seeded samples draw the same tokens from the same
logits (tests/test_fast_generate.py); the only differences are floating-point rounding of the forward.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import torch

from ..caches import RUNTIME_ATTRIBUTE, make_cache
from ..errors import EngineError
from . import decode_kernels
from .decode_graphs import DecodeGraphs
from .oracle import BatchGenerator, new_row
from .requests import GenerationRequest, GenerationResult, run_each
from .rows import Row, RowRules
from .sampling import draw
from .slot_cache import SlotCache
from .slot_forward import SlotForward, unsupported_reason

# Attended lengths are rounded up to this: few distinct graphs, little attention over empty positions.
LENGTH_BUCKET = 256

Deliver = Callable[[Hashable, "GenerationResult | EngineError"], None]


@dataclass
class _Ticket:
    key: Hashable
    prompt_tokens: int
    rows: list[Row]
    left: int = field(init=False)

    def __post_init__(self) -> None:
        self.left = len(self.rows)


class FastGenerator:
    """generate / generate_each like BatchGenerator, plus `stream` for a server that admits requests while
    others decode. slots: rows decoded together; chunk: decode steps between host syncs; graphs: CUDA
    graphs on a GPU ("auto": when the device is CUDA); max_capacity: the longest row (prompt + max_tokens)
    given a slot, longer ones go to the oracle; min_capacity: tokens per slot to allocate at least (a
    server sets it so later, longer requests fit the cache it has); prefill_tokens: most (padded) prompt
    tokens per prefill forward; compile: also torch.compile the decode forward (fused elementwise
    kernels; minutes of compilation per slot count and attended length, so for long-running servers);
    fused: F.rms_norm and a roll-based rotary embedding instead of the model's modules (fewer kernels;
    slot_forward.py says what changes)."""

    def __init__(self, model, tokenizer, *, slots: int = 64, chunk: int = 16, graphs: bool | str = "auto",
                 max_capacity: int = 32768, min_capacity: int = 0, prefill_tokens: int = 32768,
                 oracle: BatchGenerator | None = None, max_context: int | None = None, compile: bool = False,
                 fused: bool = True):
        if slots < 1 or chunk < 1:
            raise EngineError("E_USAGE", "slots and chunk must be >= 1")
        self.model = model
        self.tokenizer = tokenizer
        self.oracle = oracle or BatchGenerator(model, tokenizer, max_batch_rows=slots, max_context=max_context)
        self.max_context = self.oracle.max_context
        self.slots = slots
        self.chunk = chunk
        self.max_capacity = max_capacity
        self.min_capacity = min_capacity
        self.prefill_tokens = prefill_tokens
        self.eos_ids = self.oracle.eos_ids
        self.pad_id = self.oracle.pad_id
        self._rules = RowRules(tokenizer, self.eos_ids)
        self.unsupported = unsupported_reason(model)
        self.forward = SlotForward(model, fused=fused) if self.unsupported is None else None
        self.graphs = DecodeGraphs(self.device, graphs is True or (graphs == "auto"))
        self.compile = compile
        self._decode = self.forward.decode if self.forward is not None else None
        if compile and self.forward is not None:
            # Inductor fuses the norms, rotary and activation kernels; the CUDA graphs stay ours. One graph
            # per attended length (static shapes), so allow enough recompiles for every length bucket.
            config = torch._dynamo.config
            name = "recompile_limit" if hasattr(config, "recompile_limit") else "cache_size_limit"
            setattr(config, name, max(getattr(config, name), 128))
            self._decode = torch.compile(self.forward.decode, dynamic=False, fullgraph=False)
        self.cache: SlotCache | None = None
        self._host_out: list[torch.Tensor] | None = None  # pinned buffers the chunks' tokens are copied into
        self.overlap: bool | None = None  # launch a chunk before reading the last (None: on a GPU; tests set it)
        self.stats = {"prefill_forwards": 0, "prefilled_rows": 0, "decode_steps": 0, "syncs": 0, "oracle_requests": 0,
                      "overlapped_chunks": 0}

    @property
    def rules(self) -> RowRules:
        """The finishing rules for the current eos_ids (a caller may replace them)."""
        if self._rules.eos_ids is not self.eos_ids:
            self._rules = RowRules(self.tokenizer, self.eos_ids)
        return self._rules

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    # -- the public calls ---------------------------------------------------------------------------------

    def prompt_ids(self, request: GenerationRequest) -> list[int]:
        return self.oracle.prompt_ids(request)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generate for every request; raises EngineError for the first invalid request (nothing runs)."""
        for request in requests:
            self.prompt_ids(request)
        results: list = [None] * len(requests)

        def deliver(key, outcome):
            if isinstance(outcome, BaseException):
                raise outcome
            results[key] = outcome

        self.stream(list(enumerate(requests)), None, deliver)
        return results

    def generate_each(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult | EngineError]:
        """Like generate, but one bad request fails alone: each gets its result or its error."""
        return run_each(requests, self.prompt_ids, self.generate)

    def fast_path_refusal(self, request: GenerationRequest, ids: list[int]) -> str | None:
        """Why this request goes to the oracle, or None when the fast path takes it."""
        if self.unsupported is not None:
            return self.unsupported
        if request.response_format is not None:
            return "JSON-constrained decoding"
        if request.params.logprobs is not None:
            return "log-probs"
        limit = request.params.max_tokens or (self.max_context - len(ids))
        if len(ids) + limit > self.max_capacity:
            return f"prompt + max_tokens over {self.max_capacity} tokens"
        return None

    @torch.inference_mode()
    def stream(self, work: list[tuple[Hashable, GenerationRequest]],
               more: Callable[[], list[tuple[Hashable, GenerationRequest]]] | None, deliver: Deliver) -> None:
        """Generate for `work`, calling `more()` at every sync for requests that arrived since (a server's
        queue) and `deliver(key, result or EngineError)` as each request completes. Returns when nothing is
        left; requests whose rows need a longer slot than this run's cache wait for the next run."""
        waiting: deque[Row] = deque()
        tickets: dict[int, _Ticket] = {}
        owner: dict[int, _Ticket] = {}  # id(row) -> its ticket
        deferred: list[tuple[Hashable, GenerationRequest]] = []

        def accept(batch: list[tuple[Hashable, GenerationRequest]]) -> None:
            to_oracle = []
            for key, request in batch:
                try:
                    ids = self.prompt_ids(request)
                except EngineError as error:
                    deliver(key, error)
                    continue
                if self.fast_path_refusal(request, ids) is not None:
                    to_oracle.append((key, request))
                    continue
                rows = [new_row(ids, request.params, j, self.max_context, self.device) for j in range(request.params.n)]
                if self.cache is not None and running[0] and len(ids) + rows[0].max_tokens + self.chunk > self.cache.capacity:
                    deferred.append((key, request))
                    continue
                ticket = _Ticket(key, len(ids), rows)
                tickets[id(ticket)] = ticket
                for row in rows:
                    owner[id(row)] = ticket
                    waiting.append(row)
            if to_oracle:
                self.stats["oracle_requests"] += len(to_oracle)
                for (key, _), outcome in zip(to_oracle, self.oracle.generate_each([r for _, r in to_oracle])):
                    deliver(key, outcome)

        def finished(row: Row) -> None:
            ticket = owner.pop(id(row))
            ticket.left -= 1
            if ticket.left == 0:
                del tickets[id(ticket)]
                deliver(ticket.key, GenerationResult(prompt_tokens=ticket.prompt_tokens,
                                                     completions=tuple(self.rules.completion(r) for r in ticket.rows)))

        running = [False]
        accept(work)
        while waiting:
            # A server keeps every slot: requests arriving later join this run.
            self._prepare([len(row.prompt_ids) + row.max_tokens for row in waiting],
                          self.slots if more is not None else len(waiting))
            running[0] = True
            self._decode_all(waiting, finished, accept if more is not None else None, more)
            running[0] = False
            if deferred:
                again, deferred[:] = list(deferred), []
                accept(again)
            elif more is not None:
                accept(more())

    @torch.inference_mode()
    def prepare_graphs(self, longest: int, *, sample: bool = False, filtered: bool = False) -> int:
        """Allocate for rows of up to `longest` tokens and capture the decode graphs of every attended
        length now (a server's or a benchmark's warm-up); returns how many graphs exist."""
        if self.forward is None:
            return 0
        self._prepare([longest], self.slots)
        state = [self.tokens, self.positions, self.steps, self.counter]
        for length in range(LENGTH_BUCKET, self.cache.capacity + 1, LENGTH_BUCKET):
            self.graphs.ensure((length, sample, filtered), lambda: self._step(length, sample, filtered), state)
        return self.graphs.captured

    # -- the slot state -----------------------------------------------------------------------------------

    def _prepare(self, lengths: list[int], rows: int) -> None:
        """Allocate (or keep) the SlotCache and slot state for rows of these total lengths."""
        slots = max(1, min(self.slots, rows))
        need = max(max(lengths) + self.chunk, self.min_capacity)
        capacity = int(math.ceil(need / LENGTH_BUCKET) * LENGTH_BUCKET)
        runtime = getattr(self.model, RUNTIME_ATTRIBUTE, None)
        quantizer = getattr(runtime, "kv", None)
        dtype = next(self.model.parameters()).dtype
        shape = dict(layers=self.forward.layers, slots=slots, capacity=capacity, kv_heads=self.forward.kv_heads,
                     head_dim=self.forward.head_dim, dtype=dtype, device=self.device, quantizer=quantizer)
        if self.forward.prepare(capacity, self.device, dtype, slots):
            self.graphs.clear()  # the weights or the rotary table the graphs read changed
        if self.cache is not None and self.cache.fits(**shape):
            return
        window = unsupported_reason(self.model, capacity)
        if window is not None:
            raise EngineError("E_BACKEND", f"fast path: {window}")
        self.cache = None
        self.graphs.clear()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        self.cache = SlotCache(**shape)
        if self.compile:
            for tensor in (self.cache.keys, self.cache.values):
                torch._dynamo.mark_static_address(tensor)
        device = self.device
        self.tokens = torch.full((slots,), self.pad_id, dtype=torch.long, device=device)
        self.positions = torch.zeros(slots, dtype=torch.long, device=device)
        self.steps = torch.zeros(slots, dtype=torch.long, device=device)
        self.seeds = torch.zeros(slots, dtype=torch.long, device=device)
        self.temperature = torch.zeros(slots, dtype=torch.float32, device=device)
        self.top_k = torch.zeros(slots, dtype=torch.long, device=device)
        self.top_p = torch.ones(slots, dtype=torch.float32, device=device)
        self.out = torch.zeros((self.chunk, slots), dtype=torch.long, device=device)
        self.counter = torch.zeros(1, dtype=torch.long, device=device)

    def _step(self, length: int, sample: bool, filtered: bool) -> None:
        if not sample and self.forward.kernels and not self.compile:
            # Greedy on the GPU kernels: the argmax and the bookkeeping below happen in the decode's own
            # kernels (no logits stored where lm_head streams); only the counter is advanced here.
            state = decode_kernels.DecodeState(self.tokens, self.positions, self.steps, self.out, self.counter,
                                               self.cache.capacity)
            self.forward.decode_greedy(self.cache, length, state)
            self.counter.add_(1)
            return
        logits = self._decode(self.tokens, self.positions, self.cache, length)
        # Greedy steps take the argmax of the model's logits as they are (the float32 copy of bf16 logits
        # has the same argmax); sampling divides and sums, in float32 as the oracle does.
        if not sample and self.forward.kernels:
            # torch.argmax's answer, spread over more of the GPU
            chosen = decode_kernels.argmax(logits, self.forward.pdl)
        else:
            chosen = draw(logits.float() if sample else logits, self.temperature, self.top_k, self.top_p, self.seeds,
                          self.steps, sample=sample, filtered=filtered)
        self.out.index_copy_(0, self.counter, chosen[None])
        self.counter.add_(1)
        self.tokens.copy_(chosen)
        self.positions.add_(1).clamp_(max=self.cache.capacity - 1)
        self.steps.add_(1)

    # -- the scheduler ------------------------------------------------------------------------------------

    def _decode_all(self, waiting: deque[Row], finished: Callable[[Row], None],
                    accept: Callable | None, more: Callable | None) -> None:
        """Decode chunk after chunk until no slot is live. On a GPU, while nothing waits for a slot and no
        server queue can add rows, the next chunk is launched before the host reads the one in flight (its
        tokens copied to pinned memory), so the host's reading and the finishing rules overlap the GPU's
        next chunk instead of leaving it idle. That chunk is planned as if no row ended early; a row that
        does (end of sequence, a stop string) has its extra tokens discarded, as within a chunk, and with
        nothing waiting no slot needed refilling."""
        cache = self.cache
        self.counter.zero_()  # a run that failed mid-chunk may have left it counting
        live: list[Row | None] = [None] * cache.slots
        position = [0] * cache.slots  # host copy: each slot's next write position once the chunks read are applied
        overlap = self.overlap if self.overlap is not None else self.device.type == "cuda"
        if overlap and (self._host_out is None or self._host_out[0].shape != self.out.shape):
            pinned = self.device.type == "cuda"
            self._host_out = [torch.empty(self.out.shape, dtype=self.out.dtype, pin_memory=pinned) for _ in range(2)]
        launched = None  # the chunk on the GPU whose tokens the host has not read: (steps, rows, tokens, event)
        flip = 0
        while True:
            if launched is None:
                free = [s for s in range(cache.slots) if live[s] is None]
                while free and waiting:
                    admitted = self._admit(waiting, free, live, position, finished)
                    free = [s for s in range(cache.slots) if live[s] is None]
                    if not admitted:
                        break
            ahead = launched[0] if launched is not None else 0  # steps in flight, not yet applied to the rows
            following = None
            if launched is None or (overlap and not waiting and more is None):
                following = self._launch(live, position, ahead, flip if overlap else None)
                flip ^= 1
                if following is not None and launched is not None:
                    self.stats["overlapped_chunks"] += 1
            if launched is None:
                if following is None:
                    return
                launched = following
                continue
            steps, rows, tokens, event = launched
            if not isinstance(tokens, list):  # the host buffer of an overlapped chunk
                if event is not None:
                    event.synchronize()
                tokens = tokens[:steps].T.tolist()
            self._apply(steps, rows, tokens, live, position, finished)
            launched = following
            if more is not None:
                accept(more())

    def _launch(self, live: list, position: list[int], ahead: int, buffer: int | None):
        """Launch the next chunk for the live rows as they will be `ahead` steps on; None when no row has
        tokens left to make. Returns (steps, [(slot, row)], tokens, event): tokens the host buffer the chunk's
        output is copied into (event marks the copy), or, without a buffer, the tokens read at once."""
        cache = self.cache
        active = [s for s in range(cache.slots)
                  if live[s] is not None and live[s].max_tokens - len(live[s].generated) - ahead > 0]
        if not active:
            return None
        remaining = [live[s].max_tokens - len(live[s].generated) - ahead for s in active]
        steps = min(self.chunk, max(remaining))
        if steps > self.out.shape[0]:  # the chunk's output rows: a step past them is an index error on CUDA
            raise EngineError("E_BACKEND", f"fast path: {steps} decode steps for a {self.out.shape[0]}-row chunk buffer")
        start = [min(position[s] + ahead, cache.capacity - 1) for s in active]
        reach = max(min(p + steps, p + r) for p, r in zip(start, remaining))
        length = min(cache.capacity, int(math.ceil(reach / LENGTH_BUCKET) * LENGTH_BUCKET))
        sample = any(not live[s].params.greedy for s in active)
        filtered = any(not live[s].params.greedy and (live[s].params.top_k > 0 or live[s].params.top_p < 1.0)
                       for s in active)
        key = (length, sample, filtered)
        state = [self.tokens, self.positions, self.steps, self.counter]
        for _ in range(steps):
            self.graphs.run(key, lambda: self._step(length, sample, filtered), state)
        rows = [(s, live[s]) for s in active]
        if buffer is None:
            tokens, event = self.out[:steps].T.tolist(), None  # the one host sync of the chunk
        else:
            tokens = self._host_out[buffer]
            tokens[:steps].copy_(self.out[:steps], non_blocking=True)
            event = None
            if self.device.type == "cuda":
                event = torch.cuda.Event()
                event.record()
        self.counter.zero_()
        self.stats["decode_steps"] += steps
        self.stats["syncs"] += 1
        return steps, rows, tokens, event

    def _apply(self, steps: int, rows: list, tokens: list[list[int]], live: list, position: list[int],
               finished: Callable[[Row], None]) -> None:
        """The finishing rules over one chunk's tokens, row by row in order (a row that ended in an earlier
        chunk still in flight is skipped: its tokens here come after its end)."""
        eos = self.eos_ids
        capacity = self.cache.capacity
        for s, row in rows:
            if row.done or live[s] is not row:
                continue
            produced = tokens[s]
            if row.params.stop or (not row.params.ignore_eos and not eos.isdisjoint(produced)):
                for token in produced:  # the rules token by token, as the oracle applies them
                    row.generated.append(token)
                    self.rules.after_token(row)
                    if row.done:
                        break
            else:  # no stop string, no end of sequence in this chunk: only the length can end the row
                row.generated.extend(produced[:row.max_tokens - len(row.generated)])
                if len(row.generated) >= row.max_tokens:
                    row.finish_reason = "length"
            position[s] = min(position[s] + steps, capacity - 1)
            if row.done:
                live[s] = None
                finished(row)

    def _admit(self, waiting: deque[Row], free: list[int], live: list, position: list[int],
               finished: Callable[[Row], None]) -> int:
        """Prefill waiting rows into free slots (one prefill per distinct prompt); returns rows admitted."""
        taken: list[tuple[Row, int]] = []
        prompts: dict[tuple[int, ...], int] = {}
        budget = self.prefill_tokens
        while waiting and len(taken) < len(free):
            row = waiting[0]
            key = tuple(row.prompt_ids)
            if key not in prompts:
                longest = max([len(row.prompt_ids)] + [len(p) for p in prompts])
                if prompts and longest * (len(prompts) + 1) > budget:
                    break
                prompts[key] = len(prompts)
            taken.append((waiting.popleft(), free[len(taken)]))
        if not taken:
            return 0
        unique = list(prompts)
        device = self.device
        batch_rows = torch.tensor([prompts[tuple(row.prompt_ids)] for row, _ in taken], device=device)
        slots = torch.tensor([slot for _, slot in taken], device=device)
        if self.forward.can_prefill_fused():
            logits = self.forward.prefill_fused([list(p) for p in unique], self.cache, batch_rows, slots, self.pad_id)
        else:
            prefill_cache = make_cache(self.model, "dynamic")
            logits = self.forward.prefill([list(p) for p in unique], prefill_cache, self.pad_id)
            self.cache.load_prefill(prefill_cache, batch_rows, slots, max(len(p) for p in unique))
            del prefill_cache
        self.stats["prefill_forwards"] += 1
        self.stats["prefilled_rows"] += len(unique)
        params = [row.params for row, _ in taken]
        temperature = torch.tensor([p.temperature for p in params], dtype=torch.float32, device=device)
        top_k = torch.tensor([p.top_k for p in params], dtype=torch.long, device=device)
        top_p = torch.tensor([p.top_p for p in params], dtype=torch.float32, device=device)
        seeds = torch.tensor([row.seed for row, _ in taken], dtype=torch.long, device=device)
        first = draw(logits[batch_rows], temperature, top_k, top_p, seeds, torch.zeros_like(seeds),
                     sample=any(not p.greedy for p in params),
                     filtered=any(not p.greedy and (p.top_k > 0 or p.top_p < 1.0) for p in params))
        lengths = torch.tensor([len(row.prompt_ids) for row, _ in taken], dtype=torch.long, device=device)
        self.tokens.index_copy_(0, slots, first)
        self.positions.index_copy_(0, slots, lengths)
        self.steps.index_copy_(0, slots, torch.ones_like(seeds))
        self.seeds.index_copy_(0, slots, seeds)
        self.temperature.index_copy_(0, slots, temperature)
        self.top_k.index_copy_(0, slots, top_k)
        self.top_p.index_copy_(0, slots, top_p)
        for (row, slot), token in zip(taken, first.tolist()):
            row.generated.append(token)
            self.rules.after_token(row)
            if row.done:
                finished(row)
            else:
                live[slot] = row
                position[slot] = len(row.prompt_ids)
        return len(taken)

