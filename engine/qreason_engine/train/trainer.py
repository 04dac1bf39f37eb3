"""The training loop: LoRA SFT, DPO and margin repair over a frozen base (a quantized variant or a model).

Our own loop, not TRL's: the GPU image has no TRL, and a variant's runtime schemes (activation hooks, the
KV-quantizing cache) must be in every forward, which `forward.completion_logits` guarantees. The DPO loss
is checked against TRL's DPOTrainer on the same batch (tests/test_train_losses.py).

DPO's reference policy is the same quantized base with the adapter disabled (PEFT's `disable_adapter`),
or, only when the recipe says `reference: fp`, the full-precision model; its log-probs are computed once,
before the first step (`reference_logps`), and never again.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from ..errors import EngineError
from .data import Dataset, Example
from .forward import causal_lm_of, completion_logits
from .losses import dpo_loss, margin_loss, nll, top2_margin
from .recipe import TrainRecipe

Progress = Callable[[dict], None]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def pad_id_of(tokenizer) -> int:
    pad = getattr(tokenizer, "pad_token_id", None)
    return pad if isinstance(pad, int) else 0


@torch.no_grad()
def reference_logps(model, examples: Sequence[Example], *, pad_id: int, micro_batch: int,
                    progress: Progress | None = None) -> list[tuple[float, float]]:
    """(log π_ref(chosen), log π_ref(rejected)) per example, for `model` as it is called: the caller decides
    which policy that is (the PEFT model inside `disable_adapter()`, or the fp model)."""
    was_training = model.training
    model.eval()
    values: list[tuple[float, float]] = []
    try:
        for start in range(0, len(examples), micro_batch):
            chunk = examples[start:start + micro_batch]
            rows = [(e.prompt, e.completions[0]) for e in chunk] + [(e.prompt, e.completions[1]) for e in chunk]
            logps = completion_logits(model, rows, pad_id=pad_id).sequence_logps().double().cpu()
            values += list(zip(logps[:len(chunk)].tolist(), logps[len(chunk):].tolist()))
            if progress is not None:
                progress({"event": "reference", "done": len(values), "total": len(examples)})
    finally:
        model.train(was_training)
    return values


def adapter_disabled_reference(peft_model, examples, *, pad_id: int, micro_batch: int, progress=None):
    """The reference policy of `reference: adapter-disabled`: the same base, every LoRA branch switched off."""
    with peft_model.disable_adapter():
        return reference_logps(peft_model, examples, pad_id=pad_id, micro_batch=micro_batch, progress=progress)


@dataclass
class StepMetrics:
    loss: float = 0.0
    reward_margin: float | None = None
    reward_accuracy: float | None = None
    # margin repair: mean top-1 − top-2 margin of the fp token at the positions, and how often it is top-1
    fp_margin: float | None = None
    fp_top1: float | None = None
    tokens: int = 0
    _parts: dict = field(default_factory=dict)

    def add(self, key: str, value: float, weight: float) -> None:
        total, weights = self._parts.get(key, (0.0, 0.0))
        self._parts[key] = (total + value * weight, weights + weight)

    def finish(self) -> StepMetrics:
        for key, (total, weights) in self._parts.items():
            setattr(self, key, total / weights if weights else None)
        return self

    def to_json(self) -> dict:
        keys = ("loss", "reward_margin", "reward_accuracy", "fp_margin", "fp_top1")
        return {key: (None if getattr(self, key) is None else round(float(getattr(self, key)), 6)) for key in keys}


def micro_step(model, recipe: TrainRecipe, chunk: Sequence[Example], reference: dict[int, tuple[float, float]],
               *, pad_id: int, metrics: StepMetrics, weight: float) -> torch.Tensor:
    """The loss of one micro-batch (scaled by its share `weight` of the optimizer step); metrics added."""
    if recipe.kind == "dpo":
        rows = [(e.prompt, e.completions[0]) for e in chunk] + [(e.prompt, e.completions[1]) for e in chunk]
        out = completion_logits(model, rows, pad_id=pad_id)
        logps = out.sequence_logps()
        n = len(chunk)
        device = logps.device
        ref = torch.tensor([reference[e.line] for e in chunk], dtype=logps.dtype, device=device)
        lengths = torch.tensor(out.lengths, dtype=logps.dtype, device=device)
        chosen_tokens = torch.cat(out.rows(out.token_logps)[:n])
        result = dpo_loss(logps[:n], logps[n:], ref[:, 0], ref[:, 1], beta=recipe.beta, loss=recipe.loss,
                          chosen_lengths=lengths[:n], rejected_lengths=lengths[n:],
                          chosen_token_logps=chosen_tokens, sft_weight=recipe.sft_weight)
        metrics.add("reward_margin", result.reward_margin, weight)
        metrics.add("reward_accuracy", result.reward_accuracy, weight)
        loss = result.loss
    elif recipe.kind == "sft":
        out = completion_logits(model, [(e.prompt, e.completions[0]) for e in chunk], pad_id=pad_id)
        loss = nll(out.token_logps)
    else:
        out = completion_logits(model, [(e.prompt, e.completions[0]) for e in chunk], pad_id=pad_id)
        starts = [0]
        for length in out.lengths[:-1]:
            starts.append(starts[-1] + length)
        picked = torch.tensor([start + p for start, e in zip(starts, chunk) for p in e.positions],
                              dtype=torch.long, device=out.logits.device)
        logits, targets = out.logits[picked], out.targets[picked]
        loss = margin_loss(logits, targets, margin=recipe.margin)
        if recipe.sft_weight:
            loss = loss + recipe.sft_weight * nll(out.token_logps)
        margins, top1 = top2_margin(logits, targets)
        metrics.add("fp_margin", float(margins.mean()), weight)
        metrics.add("fp_top1", float(top1.float().mean()), weight)
    metrics.add("loss", float(loss.detach()), weight)
    metrics.tokens += sum(out.lengths)
    return loss * weight


def learning_rate_factor(step: int, total: int, recipe: TrainRecipe) -> float:
    """Multiplier of recipe.lr at optimizer step `step` (0-based): linear warm-up, then the schedule."""
    warmup = int(recipe.warmup_ratio * total)
    if step < warmup:
        return (step + 1) / (warmup + 1)
    if recipe.schedule == "constant":
        return 1.0
    progress = (step - warmup) / max(1, total - warmup)
    if recipe.schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * progress))
    return max(0.0, 1.0 - progress)


def planned_steps(recipe: TrainRecipe, examples: int) -> int:
    steps = recipe.epochs * math.ceil(examples / recipe.batch_size)
    return min(steps, recipe.max_steps) if recipe.max_steps else steps


def train_loop(model, recipe: TrainRecipe, dataset: Dataset, *, pad_id: int,
               reference: list[tuple[float, float]] | None, progress: Progress | None = None) -> dict:
    """Optimizes the LoRA weights of the PEFT `model`; returns the metrics history and the final step's."""
    examples = list(dataset.examples)
    reference_by_line = {e.line: value for e, value in zip(examples, reference)} if reference is not None else {}
    parameters = [p for p in model.parameters() if p.requires_grad]
    if not parameters:
        raise EngineError("E_INTERNAL", "no trainable parameters after attaching LoRA")
    optimizer = torch.optim.AdamW(parameters, lr=recipe.lr, weight_decay=recipe.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: learning_rate_factor(step, planned_steps(recipe, len(examples)), recipe))
    total = planned_steps(recipe, len(examples))
    shuffler = torch.Generator().manual_seed(recipe.seed)
    history: list[dict] = []
    started = time.time()
    step = 0
    model.train()
    for _epoch in range(recipe.epochs):
        order = torch.randperm(len(examples), generator=shuffler).tolist()
        for start in range(0, len(order), recipe.batch_size):
            if step >= total:
                break
            batch = [examples[i] for i in order[start:start + recipe.batch_size]]
            metrics = StepMetrics()
            optimizer.zero_grad(set_to_none=True)
            for micro in range(0, len(batch), recipe.micro_batch):
                chunk = batch[micro:micro + recipe.micro_batch]
                loss = micro_step(model, recipe, chunk, reference_by_line, pad_id=pad_id, metrics=metrics,
                                  weight=len(chunk) / len(batch))
                loss.backward()
            if recipe.max_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(parameters, recipe.max_grad_norm)
            rate = scheduler.get_last_lr()[0]  # the rate this step is taken with
            optimizer.step()
            scheduler.step()
            step += 1
            line = {"event": "progress", "step": step, "total": total, **metrics.finish().to_json(),
                    "lr": rate, "tokens": metrics.tokens,
                    "elapsed_s": round(time.time() - started, 3)}
            history.append(line)
            if progress is not None:
                progress(line)
    model.eval()
    return {"steps": step, "history": history, "final": history[-1] if history else None,
            "train_seconds": round(time.time() - started, 3)}


__all__ = ["adapter_disabled_reference", "causal_lm_of", "learning_rate_factor", "pad_id_of", "planned_steps",
           "reference_logps", "seed_everything", "train_loop"]
