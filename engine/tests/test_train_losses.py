"""Our DPO loss (train/losses.py + train/forward.py) against TRL's DPOTrainer on the same batch: the same
model, the same token ids, the reference the same base with the adapter disabled. TRL is in the CPU lock;
the GPU image has none, which is why the engine trains with its own loop."""

import math

import pytest
import torch

from qreason_engine.model import load_model
from qreason_engine.train.data import Example
from qreason_engine.train.forward import completion_logits
from qreason_engine.train.losses import dpo_loss, fp_log_odds, margin_loss
from qreason_engine.train.trainer import adapter_disabled_reference

PAIRS = [
    ("Question: What is 3 + 4? Answer:", " Step 1: 3 + 4 = 7. The answer is \\boxed{7}.", " 3 + 4 = 8."),
    ("Question: What is 12 * 7?", " 12 * 7 = 84. The answer is 84", " Step 1: 12 * 7 = 74. The answer is \\boxed{74}."),
    ("Tom has 3 apples.", " He buys 4 more, so 3 + 4 = 7.", " He gives 2 away: 5."),
]

CASES = {"sigmoid": ("sigmoid", None, 0.0), "ipo": ("ipo", None, 0.0),
         "sigmoid+sft": (["sigmoid", "sft"], [1.0, 0.5], 0.5)}


def build_trainer(model_dir, tmp_path, loss_type, loss_weights):
    trl = pytest.importorskip("trl")
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model

    loaded = load_model(model_dir, dtype="fp32", device="cpu")
    torch.manual_seed(0)
    model = get_peft_model(loaded.model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                                    task_type="CAUSAL_LM"))
    with torch.no_grad():  # a trained adapter: the policy differs from the adapter-disabled reference
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0.0, 0.2)
    config = trl.DPOConfig(output_dir=str(tmp_path / "trl"), beta=0.2, loss_type=loss_type, loss_weights=loss_weights,
                           per_device_train_batch_size=len(PAIRS), report_to="none", use_cpu=True,
                           max_length=256, dataset_num_proc=None)
    data = Dataset.from_list([{"prompt": p, "chosen": c, "rejected": r} for p, c, r in PAIRS])
    trainer = trl.DPOTrainer(model=model, args=config, train_dataset=data, processing_class=loaded.tokenizer)
    # Handed an adapter that is already trained, TRL keeps a copy of it as "ref" and uses it as the reference;
    # without one its reference is the base with the adapter disabled, which is the engine's.
    assert "ref" in model.peft_config
    model.delete_adapter("ref")
    return trainer, model, loaded.tokenizer


@pytest.mark.parametrize("case", sorted(CASES))
def test_dpo_loss_matches_trl_on_the_same_batch(tiny_model_dir, tmp_path, case):
    loss_type, loss_weights, sft_weight = CASES[case]
    trainer, model, tokenizer = build_trainer(tiny_model_dir("llama"), tmp_path, loss_type, loss_weights)
    rows = [trainer.train_dataset[i] for i in range(len(PAIRS))]
    batch = trainer.data_collator(rows)
    model.eval()  # no dropout; TRL then files the batch's metrics under "eval"
    with torch.no_grad():
        theirs = trainer._compute_loss(model, batch, return_outputs=False)
    metrics = {key: values[-1] for key, values in trainer._metrics["eval"].items() if values}

    examples = [Example(line=i, prompt=tuple(row["prompt_ids"]),
                        completions=(tuple(row["chosen_ids"]), tuple(row["rejected_ids"]))) for i, row in enumerate(rows)]
    pad = tokenizer.pad_token_id
    reference = adapter_disabled_reference(model, examples, pad_id=pad, micro_batch=2)
    with torch.no_grad():
        out = completion_logits(model, [(e.prompt, e.completions[0]) for e in examples]
                                + [(e.prompt, e.completions[1]) for e in examples], pad_id=pad)
    logps = out.sequence_logps()
    n = len(examples)
    lengths = torch.tensor(out.lengths, dtype=logps.dtype)
    ref = torch.tensor(reference, dtype=logps.dtype)
    ours = dpo_loss(logps[:n], logps[n:], ref[:, 0], ref[:, 1], beta=0.2,
                    loss="sigmoid+sft" if case == "sigmoid+sft" else case,
                    chosen_lengths=lengths[:n], rejected_lengths=lengths[n:],
                    chosen_token_logps=torch.cat(out.rows(out.token_logps)[:n]), sft_weight=sft_weight)
    assert abs(float(theirs) - math.log(2)) > 1e-3, "the adapter must move the policy off the reference"
    assert float(ours.loss) == pytest.approx(float(theirs), rel=1e-4, abs=1e-5)
    assert ours.reward_margin == pytest.approx(metrics["rewards/margins"], rel=1e-3, abs=1e-5)
    assert ours.reward_accuracy == pytest.approx(metrics["rewards/accuracies"])


def test_dpo_at_the_reference_is_log_two_with_zero_margin():
    logps = torch.tensor([-10.0, -3.0]), torch.tensor([-12.0, -2.0])
    out = dpo_loss(*logps, *logps, beta=0.1)
    assert float(out.loss) == pytest.approx(math.log(2))
    assert out.reward_margin == 0.0 and out.reward_accuracy == 0.0


def test_margin_loss_is_the_softplus_of_the_log_odds_gap():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 5.0, 0.0]])
    targets = torch.tensor([0, 0])
    odds = fp_log_odds(logits, targets)
    # log p / (1 - p): p = e^2 / (e^2 + 2); the second token is far from winning.
    p = math.exp(2) / (math.exp(2) + 2)
    assert float(odds[0]) == pytest.approx(math.log(p / (1 - p)), rel=1e-5)
    expected = (math.log1p(math.exp(1 - float(odds[0]))) + math.log1p(math.exp(1 - float(odds[1])))) / 2
    assert float(margin_loss(logits, targets, margin=1.0)) == pytest.approx(expected, rel=1e-5)
