"""One training forward: per-token log-probs of completions after their prompts, through the model's
runtime schemes.

Sequences are right-padded (positions count from 0 in every row). The decoder runs with the cache
`caches.make_cache` gives the model, so a variant with a KV-cache scheme trains on rounded keys and values
exactly as it decodes (the rounding is a straight-through estimator while gradients flow), and its
activation hooks act on their Linears (attached to the module objects, so PEFT's wrapping keeps them).
The output head is applied only at the completion positions: the vocab-sized logits of the prompts are
never built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..caches import RUNTIME_ATTRIBUTE, cache_keyword, make_cache


@dataclass
class CompletionLogits:
    """For every completion token of every row, flattened row after row: its logits [n, vocab] (fp32),
    target ids [n] and log-prob [n]; `lengths` the tokens per row."""

    logits: torch.Tensor
    targets: torch.Tensor
    token_logps: torch.Tensor
    lengths: list[int]

    def sequence_logps(self) -> torch.Tensor:
        """Sum of each row's completion log-probs [rows]."""
        return torch.stack([part.sum() for part in self.token_logps.split(self.lengths)])

    def rows(self, tensor: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tensor.split(self.lengths)


def causal_lm_of(model):
    """The transformers CausalLM under a PEFT wrapper (LoRA layers are injected into it in place)."""
    get_base = getattr(model, "get_base_model", None)
    return get_base() if callable(get_base) else model


def completion_logits(model, rows: Sequence[tuple[Sequence[int], Sequence[int]]], *, pad_id: int) -> CompletionLogits:
    """rows: (prompt ids, completion ids). Gradients flow when enabled (training) and not otherwise."""
    lm = causal_lm_of(model)
    device = next(lm.parameters()).device
    width = max(len(p) + len(c) for p, c in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    select_rows, select_cols, targets = [], [], []
    for index, (prompt, completion) in enumerate(rows):
        sequence = list(prompt) + list(completion)
        input_ids[index, :len(sequence)] = torch.tensor(sequence)
        mask[index, :len(sequence)] = 1
        # Position t's logits predict token t + 1.
        start = len(prompt) - 1
        select_rows += [index] * len(completion)
        select_cols += range(start, start + len(completion))
        targets += list(completion)
    input_ids, mask = input_ids.to(device), mask.to(device)
    positions = torch.arange(width, device=device).expand(len(rows), width)
    decoder = lm.get_decoder()
    hidden = decoder(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                     **_cache_arguments(lm, decoder)).last_hidden_state
    picked = hidden[torch.tensor(select_rows, device=device), torch.tensor(select_cols, device=device)]
    logits = lm.get_output_embeddings()(picked).float()
    target_ids = torch.tensor(targets, device=device)
    token_logps = logits.gather(-1, target_ids[:, None])[:, 0] - logits.logsumexp(-1)
    return CompletionLogits(logits, target_ids, token_logps, [len(c) for _, c in rows])


def _cache_arguments(lm, decoder) -> dict:
    """A plain model runs without a cache; a variant with a KV-cache scheme gets its quantizing cache (the
    rounding happens as keys and values are written to it)."""
    runtime = getattr(lm, RUNTIME_ATTRIBUTE, None)
    if runtime is None or runtime.kv is None:
        return {"use_cache": False}
    return {"use_cache": True, cache_keyword(decoder): make_cache(lm)}
