"""Choosing the next token, on the device, the same way in both generators.

Greedy rows take the argmax. A sampled row divides its logits by its temperature, applies top-k then
top-p (only when it asks for either: an unfiltered row's distribution is the plain softmax) and draws by
inverse CDF with one uniform number per row and token, `uniforms(seed, index)`: a counter-based hash
(splitmix64) of the row's seed (request seed + sample index) and the index of the token being drawn.
The draw is therefore a pure function of the row's own logits, parameters, seed and position: no
generator state, nothing shared with other rows, nothing the host has to hand over between steps, so it
runs inside a CUDA graph and the oracle and the fast path draw the same token from the same logits.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

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


# splitmix64 constants as signed 64-bit integers (torch has no unsigned 64-bit arithmetic; products wrap).
_GOLDEN = 0x9E3779B97F4A7C15 - 2**64
_MIX1 = 0xBF58476D1CE4E5B9 - 2**64
_MIX2 = 0x94D049BB133111EB - 2**64


def _shift_right(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Logical right shift of int64 (torch's >> is arithmetic)."""
    return (x >> bits) & ((1 << (64 - bits)) - 1)


def _splitmix(x: torch.Tensor) -> torch.Tensor:
    x = x + _GOLDEN
    x = (x ^ _shift_right(x, 30)) * _MIX1
    x = (x ^ _shift_right(x, 27)) * _MIX2
    return x ^ _shift_right(x, 31)


def uniforms(seeds: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """One float32 in [0, 1) per row, a hash of (seed, step): 24 random bits, exact in float32."""
    mixed = _splitmix(_splitmix(seeds.long()) ^ steps.long())
    return _shift_right(mixed, 40).float() * (1.0 / (1 << 24))


def draw(logits: torch.Tensor, temperature: torch.Tensor, top_k: torch.Tensor, top_p: torch.Tensor,
         seeds: torch.Tensor, steps: torch.Tensor, *, sample: bool = True, filtered: bool = True) -> torch.Tensor:
    """The next token of every row. logits [rows, vocab] float32; per-row temperature (0 = greedy), top_k
    (0 = off), top_p, seed and step (the index of the token being drawn).

    sample=False skips the sampling arithmetic (every row greedy); filtered=False skips top-k/top-p (no row
    asks for it). Both only save work: a row's token never depends on them or on the other rows."""
    choice = logits.argmax(dim=-1)
    if not sample:
        return choice
    greedy = temperature <= 0
    scaled = logits / torch.where(greedy, torch.ones_like(temperature), temperature)[:, None]
    if filtered:
        wants = (top_k > 0) | (top_p < 1.0)
        scaled = torch.where(wants[:, None], filter_logits(scaled, top_k, top_p), scaled)
    probs = scaled.softmax(dim=-1)
    cdf = probs.cumsum(dim=-1)
    target = uniforms(seeds, steps) * cdf[:, -1]
    index = (cdf <= target[:, None]).sum(dim=-1)
    # Rounding can push the target past the last step of the CDF: take the last token with mass then.
    vocab = logits.shape[-1]
    last = vocab - 1 - (probs > 0).flip(-1).int().argmax(dim=-1)
    sampled = torch.minimum(index, last)
    return torch.where(greedy, choice, sampled)


def sample_rows(logits: torch.Tensor, rows: Sequence) -> torch.Tensor:
    """The oracle's per-step call: one token per row (Row objects; finished rows get their argmax)."""
    device = logits.device
    live = [not row.done and not row.params.greedy for row in rows]
    if not any(live):
        return logits.argmax(dim=-1)
    temperature = torch.tensor([row.params.temperature if ok else 0.0 for row, ok in zip(rows, live)],
                               device=device, dtype=logits.dtype)
    top_k = torch.tensor([row.params.top_k for row in rows], device=device)
    top_p = torch.tensor([row.params.top_p for row in rows], device=device, dtype=logits.dtype)
    seeds = torch.tensor([row.seed for row in rows], device=device)
    steps = torch.tensor([len(row.generated) for row in rows], device=device)
    return draw(logits, temperature, top_k, top_p, seeds, steps,
                filtered=any(ok and (row.params.top_k > 0 or row.params.top_p < 1.0) for row, ok in zip(rows, live)))
