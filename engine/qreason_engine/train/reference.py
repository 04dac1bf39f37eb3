"""Train the reference model from scratch: a small Llama that solves the `arith` testbed step by step.

Input: JSONL lines `{"prompt": str, "completion": str, "answer": str}` written by the TypeScript side
(`qreason data export arith ...`). The model sees `<|bos|>prompt completion<|eos|>` and learns only the
completion (the prompt tokens are masked out of the loss). Output: an HF directory (config, safetensors,
tokenizer) and `qreason-train.json` recording the command, data hash, losses, accuracy and wall time.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import re
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from ..errors import EngineError
from ..jsonlines import decoded_lines
from .tokenizer import train_tokenizer


@dataclass(frozen=True)
class ReferenceConfig:
    hidden: int = 256
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2
    intermediate: int = 768
    vocab: int = 512
    max_len: int = 320
    steps: int = 2000
    batch: int = 64
    lr: float = 3e-3
    warmup: int = 100
    weight_decay: float = 0.1
    seed: int = 0
    # Seconds of training allowed (0: no limit). At the end of the warm-up (at least PROBE_STEPS steps)
    # the step count is fixed so the schedule ends within it; the warm-up does not depend on the count,
    # and the steps actually run are recorded, so `--steps N` reproduces the run.
    time_budget: float = 0.0


PROBE_STEPS = 50


def probe_window(config: ReferenceConfig) -> tuple[int, int]:
    """Steps between which the time per step is measured: the second half of the warm-up, because the
    first steps are slower (CUDA start-up, allocator growth, kernel selection for new shapes)."""
    end = max(PROBE_STEPS, config.warmup)
    return max(10, end // 2), end


def read_examples(path: Path) -> list[dict]:
    examples = []
    # Training sets travel compressed to the GPU machine; read .gz transparently.
    with (gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")) as handle:
        for number, line in decoded_lines(handle, str(path)):
            if isinstance(line, EngineError):
                raise line
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise EngineError("E_INPUT", f"line {number}: not JSON ({error})", file=str(path)) from error
            for field in ("prompt", "completion"):
                if not isinstance(row.get(field), str):
                    raise EngineError("E_INPUT", f"line {number}: expected a string", file=str(path), field=field)
            examples.append(row)
    if not examples:
        raise EngineError("E_INPUT", "no examples", file=str(path))
    return examples


def encode(tokenizer, examples: list[dict], max_len: int) -> list[tuple[list[int], int]]:
    """(token ids, number of prompt tokens) per example; examples longer than max_len are dropped."""
    # One batched call per field: the Rust tokenizer then encodes 200k examples in seconds, not minutes.
    prompts = tokenizer([row["prompt"] for row in examples], add_special_tokens=False).input_ids
    completions = tokenizer([row["completion"] for row in examples], add_special_tokens=False).input_ids
    encoded = []
    for prompt, completion in zip(prompts, completions):
        ids = [tokenizer.bos_token_id, *prompt, *completion, tokenizer.eos_token_id]
        if len(ids) <= max_len:
            encoded.append((ids, 1 + len(prompt)))
    return encoded


class PackedExamples:
    """All training sequences as one padded tensor on the training device, so that drawing a batch is a
    few tensor ops rather than Python work per example (the GPU would otherwise wait on the host)."""

    def __init__(self, items: list[tuple[list[int], int]], pad_id: int, device: torch.device):
        width = max(len(ids) for ids, _ in items)
        tokens = torch.full((len(items), width), pad_id, dtype=torch.int32)
        for row, (ids, _) in enumerate(items):
            tokens[row, : len(ids)] = torch.tensor(ids, dtype=torch.int32)
        self.tokens = tokens.to(device)
        self.lengths = torch.tensor([len(ids) for ids, _ in items], device=device)
        self.prompt_lengths = torch.tensor([prompt_len for _, prompt_len in items], device=device)

    def __len__(self) -> int:
        return self.tokens.shape[0]

    def batch(self, index: torch.Tensor):
        """(input_ids, labels, attention_mask) for these rows, trimmed to the longest of them; labels
        are -100 outside the completion (the prompt and the padding)."""
        index = index.to(self.tokens.device)
        lengths, prompt_lengths = self.lengths[index, None], self.prompt_lengths[index, None]
        width = int(lengths.max())
        input_ids = self.tokens[index, :width].long()
        position = torch.arange(width, device=input_ids.device)[None, :]
        inside = position < lengths
        labels = torch.where(inside & (position >= prompt_lengths), input_ids, -100)
        return input_ids, labels, inside.long()


def learning_rate(step: int, config: ReferenceConfig) -> float:
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")


def boxed_answer(text: str) -> str | None:
    found = _BOXED.findall(text)
    return found[-1].strip() if found else None


@torch.no_grad()
def evaluate(model, tokenizer, examples: list[dict], device: torch.device, batch: int = 128,
             max_new_tokens: int = 256) -> float:
    """Greedy exact-match accuracy on the boxed answer (a quick training metric; qreason grades properly)."""
    model.eval()
    tokenizer.padding_side = "left"
    correct = 0
    for start in range(0, len(examples), batch):
        chunk = examples[start: start + batch]
        prompts = [tokenizer.bos_token + row["prompt"] for row in chunk]
        enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                             eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
        texts = tokenizer.batch_decode(out[:, enc.input_ids.shape[1]:], skip_special_tokens=True)
        correct += sum(boxed_answer(text) == str(row["answer"]) for text, row in zip(texts, chunk))
    model.train()
    return correct / len(examples)


def train_reference(data: Path, eval_data: Path | None, out: Path, config: ReferenceConfig,
                    device_name: str = "auto", eval_n: int = 500, log=print, init: Path | None = None) -> dict:
    """Train from scratch, or (with `init`) continue training an earlier reference model: same tokenizer
    and shape, fresh optimizer and schedule (the shape fields of `config` are then ignored)."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    started = time.time()
    device = torch.device("cuda" if device_name == "auto" and torch.cuda.is_available() else
                          ("cpu" if device_name == "auto" else device_name))
    torch.manual_seed(config.seed)
    examples = read_examples(data)
    if init is not None:
        tokenizer = AutoTokenizer.from_pretrained(init, local_files_only=True)
    else:
        tokenizer = train_tokenizer((row["prompt"] + row["completion"] for row in examples), config.vocab)
    encoded = encode(tokenizer, examples, config.max_len)
    if len(encoded) < len(examples):
        log(f"dropped {len(examples) - len(encoded)} examples longer than {config.max_len} tokens")
    model_config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=config.hidden, intermediate_size=config.intermediate,
        num_hidden_layers=config.layers, num_attention_heads=config.heads,
        num_key_value_heads=config.kv_heads, max_position_embeddings=512, rms_norm_eps=1e-5,
        rope_theta=10000.0, tie_word_embeddings=False, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model = (LlamaForCausalLM.from_pretrained(init, dtype=torch.float32, local_files_only=True) if init is not None
             else LlamaForCausalLM(model_config)).to(device)
    params = sum(p.numel() for p in model.parameters())
    log(f"model: {params / 1e6:.2f}M parameters, {len(encoded)} examples, device {device}")
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=config.lr, betas=(0.9, 0.95),
                                  fused=device.type == "cuda")
    packed = PackedExamples(encoded, tokenizer.pad_token_id, device)
    generator = torch.Generator().manual_seed(config.seed)
    losses = []
    model.train()
    loop_started = time.time()
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu", enabled=False)
    step = 0
    probe_start, probe_end = probe_window(config)
    while step < config.steps:
        index = torch.randint(len(packed), (config.batch,), generator=generator)
        input_ids, labels, attention = packed.batch(index)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, config)
        with autocast:
            loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        if step % 100 == 0 or step == config.steps - 1:
            recent = sum(losses[-100:]) / len(losses[-100:])
            log(f"step {step:5d}  loss {recent:.4f}  lr {learning_rate(step, config):.2e}  {time.time() - started:.0f}s")
        step += 1
        if step == probe_start:
            probe_started = time.time()
        if step == probe_end and config.time_budget > 0:
            per_step = (time.time() - probe_started) / (probe_end - probe_start)
            spent = time.time() - loop_started
            fitted = max(probe_end, min(config.steps, probe_end + int((config.time_budget - spent) / per_step)))
            if fitted < config.steps:
                log(f"time budget {config.time_budget:.0f}s at {per_step * 1000:.1f} ms/step: {fitted} steps")
                config = replace(config, steps=fitted)
    accuracy = None
    if eval_data is not None:
        eval_examples = read_examples(eval_data)[:eval_n]
        accuracy = evaluate(model, tokenizer, eval_examples, device)
        log(f"eval accuracy (greedy, exact boxed answer, n={len(eval_examples)}): {accuracy:.4f}")
    out.mkdir(parents=True, exist_ok=True)
    model.to("cpu", dtype=torch.float32).save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    shape = {"hidden": model.config.hidden_size, "layers": model.config.num_hidden_layers,
             "heads": model.config.num_attention_heads, "kv_heads": model.config.num_key_value_heads,
             "intermediate": model.config.intermediate_size, "vocab": model.config.vocab_size}
    record = {
        # With --init the shape comes from the earlier model, not from the (ignored) shape arguments.
        "config": {**asdict(config), **shape}, "parameters": params, "examples": len(encoded),
        "data_sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
        "final_loss": sum(losses[-100:]) / len(losses[-100:]), "eval_accuracy": accuracy, "eval_n": eval_n,
        "wall_seconds": round(time.time() - started, 1), "device": str(device),
        "init": str(init) if init is not None else None,
        "torch": torch.__version__,
    }
    (out / "qreason-train.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("train-reference", help="train the bundled reference model from scratch",
                                   description=__doc__)
    parser.add_argument("--data", required=True, type=Path, help="training JSONL {prompt, completion, answer}")
    parser.add_argument("--eval", type=Path, help="evaluation JSONL (same shape) for a final accuracy")
    parser.add_argument("--eval-n", type=int, default=500)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--init", type=Path, help="continue training this earlier reference model directory")
    for field, default in asdict(ReferenceConfig()).items():
        parser.add_argument("--" + field.replace("_", "-"), type=type(default), default=default)


def run(args) -> int:
    fields = ReferenceConfig.__dataclass_fields__
    config = ReferenceConfig(**{name: getattr(args, name) for name in fields})
    record = train_reference(args.data, args.eval, args.out, config, args.device, args.eval_n, init=args.init)
    print(json.dumps(record))
    return 0
