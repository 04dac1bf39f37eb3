"""One sample being decoded (`Row`) and the rules both generators apply to it: when it is finished (end of
sequence, stop string, JSON document complete, max_tokens) and what its completion is (text cut at a stop
string, end-of-sequence tokens dropped from the text). One place, so the fast path cannot drift from the
oracle on anything but the tokens themselves."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..json_constraint import JsonConstraint
from .requests import Completion, FinishReason, SamplingParams, TokenLogprob


@dataclass
class Row:
    """Sample j of a request: its prompt ids, its parameters, and what has been generated so far.
    seed is the request's seed + j: the sampler's counter-based noise is keyed by (seed, token index)."""

    prompt_ids: list[int]
    params: SamplingParams
    max_tokens: int
    seed: int = 0
    # Only constrained sampled rows use a torch.Generator (their candidate ordering, oracle path only).
    generator: torch.Generator | None = None
    constraint: JsonConstraint | None = None
    generated: list[int] = field(default_factory=list)
    logprobs: list[TokenLogprob] | None = None
    finish_reason: FinishReason | None = None
    stop_text_end: int | None = None  # where the text is cut when a stop string ended the row

    @property
    def done(self) -> bool:
        return self.finish_reason is not None


class RowRules:
    """Finishing and completion building for rows of one model/tokenizer."""

    def __init__(self, tokenizer, eos_ids: frozenset[int]):
        self.tokenizer = tokenizer
        self.eos_ids = eos_ids

    def text_of(self, ids: list[int]) -> str:
        return self.tokenizer.decode([t for t in ids if t not in self.eos_ids], skip_special_tokens=True)

    def after_token(self, row: Row) -> None:
        """The row just got its latest token (already appended): decide whether it is finished."""
        token = row.generated[-1]
        if token in self.eos_ids and not row.params.ignore_eos:
            row.finish_reason = "stop"
        elif row.constraint is not None and self.json_finished(row):
            row.finish_reason = "stop"
        elif row.params.stop and self.hit_stop(row):
            row.finish_reason = "stop"
        elif len(row.generated) >= row.max_tokens:
            row.finish_reason = "length"

    def json_finished(self, row: Row) -> bool:
        """A complete document that cannot grow ends the row (as llama.cpp's grammar leaves only EOS)."""
        state = row.constraint.state(self.text_of(row.generated))
        return state.complete and not state.extendable

    def hit_stop(self, row: Row) -> bool:
        """Whether a stop string now appears in the row's text; if so remember where to cut.

        Decoding the whole completion every step is quadratic, so look at a tail window first: a stop
        string that just appeared ends inside the last few tokens.
        """
        longest = max(len(s) for s in row.params.stop)
        tail = self.tokenizer.decode(row.generated[-(longest + 8):], skip_special_tokens=True)
        if not any(s in tail for s in row.params.stop):
            return False
        text = self.text_of(row.generated)
        hits = [text.find(s) for s in row.params.stop if s in text]
        row.stop_text_end = min(hits)
        return True

    def completion(self, row: Row) -> Completion:
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
