import json
import random

from qreason_engine.model import load_model
import torch

from qreason_engine.train.reference import (PROBE_STEPS, PackedExamples, ReferenceConfig, boxed_answer, learning_rate,
                                            train_reference)


def write_examples(path, n, seed):
    rng = random.Random(seed)
    with path.open("w") as handle:
        for _ in range(n):
            a, b = rng.randint(1, 9), rng.randint(1, 9)
            handle.write(json.dumps({"prompt": f"Question: What is {a} plus {b}?\nAnswer:\n",
                                     "completion": f"Step 1: {a} + {b} = {a + b}.\n\\boxed{{{a + b}}}",
                                     "answer": str(a + b)}) + "\n")
    return path


def test_training_lowers_loss_and_saves_a_loadable_model(tmp_path):
    data = write_examples(tmp_path / "train.jsonl", 300, seed=1)
    config = ReferenceConfig(hidden=64, layers=1, heads=2, kv_heads=1, intermediate=128, vocab=300,
                             max_len=64, steps=60, batch=16, lr=3e-3, warmup=5)
    logs = []
    record = train_reference(data, data, tmp_path / "model", config, "cpu", eval_n=16, log=logs.append)
    first = float(logs[1].split("loss")[1].split()[0])
    assert record["final_loss"] < first * 0.7
    assert 0.0 <= record["eval_accuracy"] <= 1.0
    loaded = load_model(tmp_path / "model", device="cpu")
    # Digits are single tokens: the tokenizer must never merge them (arithmetic depends on it).
    ids = loaded.tokenizer("1234", add_special_tokens=False).input_ids
    assert len(ids) == 4
    # Plain tokenization starts with BOS, as the training sequences did.
    assert loaded.tokenizer("1234").input_ids == [loaded.tokenizer.bos_token_id, *ids]
    assert json.loads((tmp_path / "model" / "qreason-train.json").read_text())["examples"] == 300


def test_same_seed_same_weights(tmp_path):
    data = write_examples(tmp_path / "train.jsonl", 50, seed=2)
    config = ReferenceConfig(hidden=32, layers=1, heads=2, kv_heads=1, intermediate=64, vocab=280,
                             max_len=64, steps=5, batch=4, warmup=1)
    first = train_reference(data, None, tmp_path / "a", config, "cpu", log=lambda _: None)
    second = train_reference(data, None, tmp_path / "b", config, "cpu", log=lambda _: None)
    assert first["final_loss"] == second["final_loss"]
    assert (tmp_path / "a" / "model.safetensors").read_bytes() == (tmp_path / "b" / "model.safetensors").read_bytes()


def test_schedule_and_answer_extraction():
    config = ReferenceConfig(steps=100, warmup=10, lr=1.0)
    assert learning_rate(0, config) == 0.1
    assert learning_rate(10, config) == 1.0
    assert abs(learning_rate(99, config) - 0.1) < 1e-3
    assert boxed_answer("Step 1: 2 + 2 = 4.\n\\boxed{4}") == "4"
    assert boxed_answer("no box") is None


def test_continue_training_from_an_earlier_model(tmp_path):
    data = write_examples(tmp_path / "train.jsonl", 200, seed=3)
    config = ReferenceConfig(hidden=32, layers=1, heads=2, kv_heads=1, intermediate=64, vocab=280,
                             max_len=64, steps=30, batch=8, warmup=2)
    first = train_reference(data, None, tmp_path / "a", config, "cpu", log=lambda _: None)
    other_shape = ReferenceConfig(**{**config.__dict__, "hidden": 64})  # ignored: the shape comes from `a`
    second = train_reference(data, None, tmp_path / "b", other_shape, "cpu", log=lambda _: None, init=tmp_path / "a")
    assert second["final_loss"] < first["final_loss"]
    assert second["config"]["hidden"] == 32 and second["init"] == str(tmp_path / "a")
    assert (tmp_path / "a" / "tokenizer.json").read_bytes() == (tmp_path / "b" / "tokenizer.json").read_bytes()


def test_packed_batches_mask_prompt_and_padding():
    items = [([1, 5, 6, 7, 2], 2), ([1, 8, 2], 1), ([1, 9, 9, 9, 9, 9, 2], 3)]
    packed = PackedExamples(items, pad_id=0, device=torch.device("cpu"))
    input_ids, labels, attention = packed.batch(torch.tensor([1, 0]))
    # Trimmed to the longest selected row (5), not the longest stored one (7).
    assert input_ids.tolist() == [[1, 8, 2, 0, 0], [1, 5, 6, 7, 2]]
    assert attention.tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert labels.tolist() == [[-100, 8, 2, -100, -100], [-100, -100, 6, 7, 2]]


def test_time_budget_fixes_the_step_count_and_records_it(tmp_path):
    data = write_examples(tmp_path / "train.jsonl", 50, seed=4)
    config = ReferenceConfig(hidden=32, layers=1, heads=2, kv_heads=1, intermediate=64, vocab=280,
                             max_len=64, steps=100_000, batch=4, warmup=1, time_budget=0.001)
    logs = []
    record = train_reference(data, None, tmp_path / "a", config, "cpu", log=logs.append)
    assert record["config"]["steps"] == PROBE_STEPS
    assert any("time budget" in line for line in logs)
