"""The training recipe (LoRA SFT, DPO, margin repair): data in a strict schema.

A recipe is JSON, written by the TypeScript side (`qreason restore`) or by hand. Parsing is strict: an
unknown field, a mistyped value or a combination that cannot be honoured is an EngineError naming the
field ("lora.rank"), so a typo never silently falls back to a default. The resolved recipe (every default
spelled out) is what the adapter's train.json records, and it parses back to the same recipe.

    {"kind": "dpo", "base": "variants/gptq-w4", "data": "pairs.jsonl",
     "lora": {"rank": 32, "alpha": 64, "dropout": 0.0, "targets": ["q_proj", "k_proj", "v_proj", "o_proj"]},
     "lr": 5e-5, "epochs": 1, "batch_size": 8, "beta": 0.1, "loss": "sigmoid", "seed": 0}

Relative paths (base, data, fp_model, init_adapter) are taken from the recipe file's folder.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import EngineError
# The quantization recipe's field reader: the same strictness and "did you mean" hints for both recipes.
from ..quant.recipe import _Fields, read_json_file

KINDS = ("sft", "dpo", "margin")
LOSSES = ("sigmoid", "ipo", "sigmoid+sft")
REFERENCES = ("adapter-disabled", "fp")
SCHEDULES = ("linear", "constant", "cosine")
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class LoraSpec:
    rank: int = 32
    alpha: float = 64.0
    dropout: float = 0.0
    # Module-name suffixes PEFT matches (`q_proj` matches every layer's self_attn.q_proj).
    targets: tuple[str, ...] = DEFAULT_TARGETS


@dataclass(frozen=True)
class TrainRecipe:
    kind: str
    # A variant directory (qreason-quant.json: its on-grid weights and runtime schemes) or a model directory.
    base: str
    # JSONL: dpo {prompt, chosen, rejected}; sft {prompt, completion}; margin {prompt, completion, positions}.
    data: str
    lora: LoraSpec = field(default_factory=LoraSpec)
    lr: float = 5e-5
    epochs: int = 1
    # Examples per optimizer step; micro_batch_size examples per forward (gradients accumulate between).
    batch_size: int = 8
    micro_batch_size: int | None = None
    # Stop after this many optimizer steps (None: all epochs); the budget knob for like-for-like comparisons.
    max_steps: int | None = None
    schedule: str = "linear"
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    # DPO: beta, the loss, and the NLL weight of "sigmoid+sft" (RPO-style: NLL of chosen, mean per token).
    beta: float = 0.1
    loss: str = "sigmoid"
    sft_weight: float = 0.0
    # Margin repair: the log-odds the fp token must reach at each position (softplus(margin - log-odds));
    # sft_weight adds the completion's NLL as an anchor here too.
    margin: float = 1.0
    max_length: int = 1024
    # End each completion (sft, chosen, rejected, margin) with the tokenizer's EOS, as TRL does.
    append_eos: bool = True
    seed: int = 0
    # The DPO reference policy: the same quantized base with the adapter disabled, or the fp model.
    reference: str = "adapter-disabled"
    fp_model: str | None = None
    # Start the LoRA from this adapter's weights (for example DPO over a format-aligning SFT adapter).
    init_adapter: str | None = None

    @property
    def micro_batch(self) -> int:
        return self.micro_batch_size or self.batch_size

    def to_json(self) -> dict:
        data = asdict(self)
        data["lora"]["targets"] = list(self.lora.targets)
        return data


def _names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _path(block: _Fields, key: str, base_dir: Path | None, *, required: bool) -> str | None:
    if not required and not block.has(key):
        return None
    value = block.text(key)
    path = Path(value)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    return str(path)


def parse_train_recipe(data: Any, *, file: str | None = None, base_dir: Path | None = None) -> TrainRecipe:
    """Validate a recipe object; EngineError(E_INPUT) naming the field at fault."""
    top = _Fields(data, "", file, _names(TrainRecipe))
    for key in ("kind", "base", "data"):
        if not top.has(key):
            raise top.error(key, "missing: a recipe needs kind, base and data")
    kind = top.choice("kind", KINDS)
    lora_block = top.child("lora", _names(LoraSpec))
    targets = lora_block.patterns("targets", DEFAULT_TARGETS)
    if not targets:
        raise lora_block.error("lora.targets", "must name at least one module")
    lora = LoraSpec(rank=lora_block.integer("rank", 32, 1, 4096),
                    alpha=lora_block.number("alpha", 64.0, 0.0, 1e6, open_low=True),
                    dropout=lora_block.number("dropout", 0.0, 0.0, 1.0, open_high=True),
                    targets=targets)
    batch_size = top.integer("batch_size", 8, 1, 1 << 20)
    micro = top.integer("micro_batch_size", batch_size, 1, batch_size) if top.has("micro_batch_size") else None
    if micro is not None and batch_size % micro:
        raise top.error("micro_batch_size", f"must divide batch_size ({batch_size}); got {micro}")
    loss = top.choice("loss", LOSSES, "sigmoid")
    sft_weight = top.number("sft_weight", 0.0, 0.0, 1e6)
    if kind == "dpo" and loss == "sigmoid+sft" and sft_weight == 0.0:
        raise top.error("sft_weight", "loss 'sigmoid+sft' needs a positive sft_weight (the NLL term's weight)")
    if kind == "dpo" and loss != "sigmoid+sft" and sft_weight != 0.0:
        raise top.error("sft_weight", f"only loss 'sigmoid+sft' takes an sft_weight; loss is '{loss}'")
    if kind == "sft" and sft_weight != 0.0:
        raise top.error("sft_weight", "an sft recipe is all NLL: sft_weight applies to dpo and margin")
    if kind != "dpo" and top.has("loss") and loss != "sigmoid":
        raise top.error("loss", f"a {kind} recipe has no DPO loss; drop 'loss'")
    reference = top.choice("reference", REFERENCES, "adapter-disabled")
    fp_model = _path(top, "fp_model", base_dir, required=False)
    if reference == "fp" and fp_model is None:
        raise top.error("fp_model", "reference 'fp' needs fp_model: the full-precision model directory")
    if reference != "fp" and fp_model is not None:
        raise top.error("fp_model", "fp_model is only read with reference 'fp'")
    if kind != "dpo" and top.has("reference") and reference != "adapter-disabled":
        raise top.error("reference", f"a {kind} recipe has no reference policy")
    max_steps = top.integer("max_steps", None, 1, 1 << 40) if top.has("max_steps") else None
    return TrainRecipe(
        kind=kind,
        base=_path(top, "base", base_dir, required=True),
        data=_path(top, "data", base_dir, required=True),
        lora=lora,
        lr=top.number("lr", 5e-5, 0.0, 1.0, open_low=True),
        epochs=top.integer("epochs", 1, 1, 10_000),
        batch_size=batch_size,
        micro_batch_size=micro,
        max_steps=max_steps,
        schedule=top.choice("schedule", SCHEDULES, "linear"),
        warmup_ratio=top.number("warmup_ratio", 0.0, 0.0, 1.0, open_high=True),
        weight_decay=top.number("weight_decay", 0.0, 0.0, 10.0),
        max_grad_norm=top.number("max_grad_norm", 1.0, 0.0, 1e6),
        beta=top.number("beta", 0.1, 0.0, 1e3, open_low=True),
        loss=loss,
        sft_weight=sft_weight,
        margin=top.number("margin", 1.0, -1e3, 1e3),
        max_length=top.integer("max_length", 1024, 2, 1 << 20),
        append_eos=top.boolean("append_eos", True),
        seed=top.integer("seed", 0, 0, 2**63 - 1),
        reference=reference,
        fp_model=fp_model,
        init_adapter=_path(top, "init_adapter", base_dir, required=False),
    )


def load_train_recipe(path: str | Path) -> TrainRecipe:
    """Read and validate a recipe JSON file; relative paths are taken from its folder."""
    data, file = read_json_file(path)
    return parse_train_recipe(data, file=str(file), base_dir=file.parent)
