"""Shared pieces of the training tests: a quantized variant of the tiny llama, pair files, a trained-looking
adapter (random B, so it changes outputs)."""

import json
from pathlib import Path

import torch

from qreason_engine.quant.recipe import parse_recipe
from qreason_engine.quant.variant import quantize_to_dir
from qreason_engine.serve.loading import open_model

PAIRS = [
    ("Question: What is 3 + 4? Answer:", " Step 1: 3 + 4 = 7. The answer is \\boxed{7}.", " 3 + 4 = 8."),
    ("Question: What is 12 * 7?", " 12 * 7 = 84. The answer is 84", " Step 1: 12 * 7 = 74. The answer is \\boxed{74}."),
    ("Tom has 3 apples.", " He buys 4 more, so 3 + 4 = 7.", " He gives 2 away: 5."),
    ("Question: What is 2 + 5? Answer:", " Step 1: 2 + 5 = 7. The answer is \\boxed{7}.", " 2 + 5 = 6."),
]
# A W4 weights + int8 activations + int8 KV variant: every runtime scheme on the training path.
VARIANT_RECIPE = {"method": "rtn", "w_bits": 4, "group_size": 32, "a_bits": 8, "kv_bits": 8}


def make_variant(source: Path, out: Path, recipe: dict | None = None) -> Path:
    quantize_to_dir(source, parse_recipe(recipe or VARIANT_RECIPE), out, device="cpu")
    return out


def write_pairs(path: Path, kind: str = "dpo") -> Path:
    with path.open("w") as handle:
        for prompt, chosen, rejected in PAIRS:
            if kind == "dpo":
                row = {"prompt": prompt, "chosen": chosen, "rejected": rejected}
            elif kind == "sft":
                row = {"prompt": prompt, "completion": chosen}
            else:  # margin: the fp token must win where the rejected text first departs from the chosen
                split = next(i for i, (a, b) in enumerate(zip(chosen, rejected)) if a != b)
                row = {"prompt": prompt, "completion": chosen, "positions": [split]}
            handle.write(json.dumps(row) + "\n")
    return path


def write_random_adapter(base: Path, out: Path, *, targets=("q_proj", "v_proj"), seed: int = 1) -> Path:
    """A LoRA adapter whose B matrices are random (a fresh one's are zero and change nothing)."""
    from peft import LoraConfig, get_peft_model

    loaded = open_model(base, dtype="fp32", device="cpu")
    torch.manual_seed(seed)
    model = get_peft_model(loaded.model, LoraConfig(r=4, lora_alpha=8.0, target_modules=list(targets),
                                                    task_type="CAUSAL_LM"))
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0.0, 0.3)
    model.save_pretrained(out)
    return out
