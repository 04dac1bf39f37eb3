"""The training losses, on plain tensors (no model, no trainer): DPO (sigmoid, IPO, sigmoid + SFT), SFT's
NLL and margin repair. tests/test_train_losses.py checks DPO against TRL's DPOTrainer on the same batch.

Conventions follow TRL 1.16 (so the numbers mean what they mean there):
- a sequence's log-prob is the sum of its completion tokens' log-probs;
- sigmoid: -log σ(β·Δ) with Δ = (log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l));
- ipo: (Δ̄ − 1/(2β))², Δ̄ the same difference of log-ratios each divided by its completion's token count;
- sft: the mean NLL over every chosen token of the batch (pooled, not per sequence);
- rewards β·(log π − log π_ref); reward accuracy: the chosen's reward above the rejected's.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class DPOOutput:
    loss: torch.Tensor  # scalar
    chosen_rewards: torch.Tensor  # [batch], detached
    rejected_rewards: torch.Tensor

    @property
    def reward_margin(self) -> float:
        return float((self.chosen_rewards - self.rejected_rewards).mean())

    @property
    def reward_accuracy(self) -> float:
        return float((self.chosen_rewards > self.rejected_rewards).float().mean())


def dpo_loss(policy_chosen: torch.Tensor, policy_rejected: torch.Tensor, reference_chosen: torch.Tensor,
             reference_rejected: torch.Tensor, *, beta: float, loss: str = "sigmoid",
             chosen_lengths: torch.Tensor | None = None, rejected_lengths: torch.Tensor | None = None,
             chosen_token_logps: torch.Tensor | None = None, sft_weight: float = 0.0) -> DPOOutput:
    """Sequence log-probs [batch] in; `loss` one of sigmoid, ipo (needs the completion lengths), sigmoid+sft
    (needs the chosen tokens' log-probs, flat, and sft_weight)."""
    chosen_ratio = policy_chosen - reference_chosen
    rejected_ratio = policy_rejected - reference_rejected
    if loss in ("sigmoid", "sigmoid+sft"):
        value = -F.logsigmoid(beta * (chosen_ratio - rejected_ratio)).mean()
        if loss == "sigmoid+sft":
            if chosen_token_logps is None:
                raise ValueError("sigmoid+sft needs the chosen tokens' log-probs")
            value = value + sft_weight * nll(chosen_token_logps)
    elif loss == "ipo":
        if chosen_lengths is None or rejected_lengths is None:
            raise ValueError("ipo needs the completion lengths")
        delta = chosen_ratio / chosen_lengths.clamp(min=1) - rejected_ratio / rejected_lengths.clamp(min=1)
        value = ((delta - 1 / (2 * beta)) ** 2).mean()
    else:
        raise ValueError(f"unknown DPO loss {loss!r}")
    return DPOOutput(value, (beta * chosen_ratio).detach(), (beta * rejected_ratio).detach())


def nll(token_logps: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood over the given tokens (flat)."""
    return -token_logps.mean()


def fp_log_odds(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """log p(y) − log(1 − p(y)) per position: the target's logit minus the log-sum-exp of every other logit,
    a smooth form of the top-1 − top-2 margin that is positive exactly when y is more likely than the
    rest together. logits [n, vocab] (computed in fp32), targets [n]."""
    logits = logits.float()
    target = logits.gather(-1, targets[:, None])[:, 0]
    others = logits.scatter(-1, targets[:, None], float("-inf")).logsumexp(-1)
    return target - others


def margin_loss(logits: torch.Tensor, targets: torch.Tensor, *, margin: float) -> torch.Tensor:
    """Margin repair (seed 002): at each first-divergence position raise the fp token's log-odds above
    `margin`: mean softplus(margin − log-odds), a smooth hinge that stops pushing once the token has won."""
    return F.softplus(margin - fp_log_odds(logits, targets)).mean()


def top2_margin(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(target logit − best other logit, whether the target is the top-1) per position: the margin scoring
    reports when the target is the model's top-1, for progress lines."""
    logits = logits.float().detach()
    target = logits.gather(-1, targets[:, None])[:, 0]
    best_other = logits.scatter(-1, targets[:, None], float("-inf")).amax(-1)
    return target - best_other, target > best_other
