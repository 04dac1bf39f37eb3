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


# On the CPU a forward costs about its padded tokens, plus a fixed part per call worth this many tokens
# (measured on the reference model: 16 rows in 8 length groups cost 0.79 s a DPO step, in one padded batch
# 1.17 s, one row per call 0.86 s). On CUDA one batch is kept: there a call's fixed cost is far larger.
CPU_CALL_TOKENS = 64


def length_groups(lengths: Sequence[int], call_tokens: int | None) -> list[list[int]]:
    """Row indices split into forward calls: all of them in one call when call_tokens is None, else groups
    of rows of similar length (sorted, cut where it minimizes padded tokens + call_tokens per call)."""
    if call_tokens is None or len(lengths) <= 1:
        return [list(range(len(lengths)))]
    order = sorted(range(len(lengths)), key=lambda index: (-lengths[index], index))
    # best[i]: the least cost of the first i rows of `order` (longest first: a group's width is its first
    # row's length); cut[i]: where the last group of that best split starts.
    best, cut = [0] * (len(order) + 1), [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        best[end], cut[end] = min((best[start] + (end - start) * lengths[order[start]] + call_tokens, start)
                                  for start in range(end))
    groups, end = [], len(order)
    while end > 0:
        groups.append(order[cut[end]:end])
        end = cut[end]
    return groups[::-1]


def completion_logits(model, rows: Sequence[tuple[Sequence[int], Sequence[int]]], *, pad_id: int) -> CompletionLogits:
    """rows: (prompt ids, completion ids). Gradients flow when enabled (training) and not otherwise.

    On the CPU the rows run in groups of similar length (`length_groups`), so little of the work is padding;
    every row's values are what one padded batch gives (each row attends to its own tokens only), in the
    rows' order."""
    lm = causal_lm_of(model)
    device = next(lm.parameters()).device
    groups = length_groups([len(p) + len(c) for p, c in rows], CPU_CALL_TOKENS if device.type == "cpu" else None)
    if len(groups) == 1:
        return _padded_forward(lm, rows, pad_id=pad_id, device=device)
    pieces: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None] = [None] * len(rows)
    for group in groups:
        out = _padded_forward(lm, [rows[index] for index in group], pad_id=pad_id, device=device)
        for index, logits, targets, logps in zip(group, out.rows(out.logits), out.rows(out.targets),
                                                 out.rows(out.token_logps)):
            pieces[index] = (logits, targets, logps)
    parts = [piece for piece in pieces if piece is not None]
    return CompletionLogits(torch.cat([part[0] for part in parts]), torch.cat([part[1] for part in parts]),
                            torch.cat([part[2] for part in parts]), [len(c) for _, c in rows])


def _padded_forward(lm, rows, *, pad_id: int, device) -> CompletionLogits:
    """The rows right-padded into one batch, one decoder call."""
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
