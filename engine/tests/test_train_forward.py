"""The training forward on the CPU runs rows in groups of similar length: same values and gradients as one
padded batch, in the rows' order, with fewer padded tokens."""

import itertools

import pytest
import torch

from qreason_engine.serve.loading import open_model
from qreason_engine.train import forward
from qreason_engine.train.forward import completion_logits, length_groups
from qreason_engine.train.lora import attach_lora
from qreason_engine.train.recipe import LoraSpec


def padded_tokens(groups, lengths):
    return sum(len(group) * max(lengths[index] for index in group) for group in groups)


def test_length_groups_cover_every_row_once_and_find_the_cheapest_split():
    lengths = [300, 100, 290, 110, 200, 105]
    groups = length_groups(lengths, 64)
    assert sorted(itertools.chain.from_iterable(groups)) == list(range(len(lengths)))
    cost = padded_tokens(groups, lengths) + 64 * len(groups)
    # Brute force over every split of the sorted rows into contiguous groups: none is cheaper.
    order = sorted(range(len(lengths)), key=lambda index: -lengths[index])
    for cuts in itertools.product([False, True], repeat=len(order) - 1):
        split, current = [], [order[0]]
        for index, cut in zip(order[1:], cuts):
            if cut:
                split.append(current)
                current = []
            current.append(index)
        split.append(current)
        assert padded_tokens(split, lengths) + 64 * len(split) >= cost
    assert cost < padded_tokens([list(range(len(lengths)))], lengths) + 64
    assert length_groups(lengths, None) == [list(range(len(lengths)))]
    assert length_groups([120] * 4, 64) == [[0, 1, 2, 3]]  # equal lengths: one call


@pytest.fixture(scope="module")
def policy(tiny_model_dir):
    loaded = open_model(tiny_model_dir("llama"), dtype="fp32", device="cpu")
    torch.manual_seed(0)
    model = attach_lora(loaded.model, LoraSpec(rank=4, alpha=8, targets=("q_proj", "v_proj")))
    for name, parameter in model.named_parameters():
        if "lora_B" in name:  # B starts at zero: give the LoRA branch something to differentiate
            torch.nn.init.normal_(parameter, std=0.1)
    return model


def run(model, rows):
    model.zero_grad(set_to_none=True)
    out = completion_logits(model, rows, pad_id=0)
    out.sequence_logps().sum().backward()
    grads = torch.cat([p.grad.flatten() for n, p in model.named_parameters() if p.requires_grad])
    return out, grads


def test_grouped_forward_equals_one_padded_batch(policy, monkeypatch):
    generator = torch.Generator().manual_seed(1)
    rows = [(torch.randint(3, 200, (prompt,), generator=generator).tolist(),
             torch.randint(3, 200, (completion,), generator=generator).tolist())
            for prompt, completion in [(5, 60), (9, 4), (7, 55), (4, 3), (6, 30), (8, 58)]]
    assert len(length_groups([len(p) + len(c) for p, c in rows], forward.CPU_CALL_TOKENS)) > 1
    grouped, grouped_grads = run(policy, rows)
    monkeypatch.setattr(forward, "CPU_CALL_TOKENS", None)
    single, single_grads = run(policy, rows)
    assert grouped.lengths == single.lengths == [len(c) for _, c in rows]
    assert torch.equal(grouped.targets, single.targets)
    torch.testing.assert_close(grouped.token_logps, single.token_logps, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(grouped.logits, single.logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(grouped_grads, single_grads, atol=1e-5, rtol=1e-4)
    assert grouped_grads.norm() > 0
