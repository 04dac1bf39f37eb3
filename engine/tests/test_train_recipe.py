"""The training recipe is strict data, and training data lines are read strictly and tokenized as scoring
tokenizes (margin positions: character offsets -> the token whose span holds them)."""

import json

import pytest

from qreason_engine.errors import EngineError
from qreason_engine.model import load_model
from qreason_engine.offsets import token_offsets
from qreason_engine.train.data import load_dataset
from qreason_engine.train.recipe import load_train_recipe, parse_train_recipe

BASE = {"kind": "dpo", "base": "/m", "data": "/d.jsonl"}


@pytest.mark.parametrize("patch, field, words", [
    ({"kind": "ppo"}, "kind", "one of sft, dpo, margin"),
    ({"lr": "5e-5"}, "lr", "number"),
    ({"lora": {"rank": 0}}, "lora.rank", "integer"),
    ({"lora": {"rank": 8.5}}, "lora.rank", "integer"),
    ({"lora": {"rnak": 8}}, "lora.rnak", "did you mean 'rank'"),
    ({"lora": {"targets": []}}, "lora.targets", "at least one"),
    ({"beta": 0}, "beta", "number"),
    ({"epochs": True}, "epochs", "integer"),
    ({"loss": "hinge"}, "loss", "one of"),
    ({"loss": "sigmoid+sft"}, "sft_weight", "positive"),
    ({"sft_weight": 0.5}, "sft_weight", "only loss"),
    ({"reference": "fp"}, "fp_model", "needs fp_model"),
    ({"fp_model": "/fp"}, "fp_model", "only read"),
    ({"batch_size": 8, "micro_batch_size": 3}, "micro_batch_size", "divide"),
    ({"seeed": 1}, "seeed", "did you mean 'seed'"),
    ({"append_eos": 1}, "append_eos", "true or false"),
])
def test_a_bad_field_is_named(patch, field, words):
    with pytest.raises(EngineError) as caught:
        parse_train_recipe({**BASE, **patch}, file="r.json")
    assert caught.value.field == field
    assert words in str(caught.value)
    assert caught.value.file == "r.json"


@pytest.mark.parametrize("missing", ["kind", "base", "data"])
def test_kind_base_and_data_are_required(missing):
    with pytest.raises(EngineError) as caught:
        parse_train_recipe({k: v for k, v in BASE.items() if k != missing})
    assert caught.value.field == missing


def test_a_kind_without_a_reference_refuses_dpo_only_fields():
    with pytest.raises(EngineError) as caught:
        parse_train_recipe({**BASE, "kind": "sft", "loss": "ipo"})
    assert caught.value.field == "loss"


def test_the_resolved_recipe_parses_back_to_itself(tmp_path):
    recipe = parse_train_recipe({**BASE, "loss": "sigmoid+sft", "sft_weight": 0.2, "lora": {"rank": 8}})
    assert recipe.lora.alpha == 64.0 and recipe.beta == 0.1 and recipe.reference == "adapter-disabled"
    assert parse_train_recipe(json.loads(json.dumps(recipe.to_json()))) == recipe


def test_relative_paths_are_taken_from_the_recipe_folder(tmp_path):
    (tmp_path / "r.json").write_text(json.dumps({"kind": "sft", "base": "variant", "data": "d.jsonl"}))
    recipe = load_train_recipe(tmp_path / "r.json")
    assert recipe.base == str(tmp_path / "variant") and recipe.data == str(tmp_path / "d.jsonl")


def test_invalid_json_names_the_line(tmp_path):
    (tmp_path / "r.json").write_text('{"kind": "sft",\n "base": }')
    with pytest.raises(EngineError) as caught:
        load_train_recipe(tmp_path / "r.json")
    assert caught.value.file.endswith("r.json:2")


# -- data ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return load_model(tiny_model_dir("llama"), device="cpu").tokenizer


@pytest.mark.parametrize("kind, line, field", [
    ("dpo", {"prompt": "a", "chosen": "b"}, "rejected"),
    ("dpo", {"prompt": "a", "chosen": "b", "rejected": "c", "score": 1}, "score"),
    ("dpo", {"prompt": 3, "chosen": "b", "rejected": "c"}, "prompt"),
    ("sft", {"prompt": "a", "completion": ""}, "completion"),
    ("margin", {"prompt": "a", "completion": "abc", "positions": []}, "positions"),
    ("margin", {"prompt": "a", "completion": "abc", "positions": [3]}, "positions"),
    ("dpo", {"prompt": [{"role": "robot", "content": "x"}], "chosen": "b", "rejected": "c"}, "prompt[0].role"),
])
def test_a_bad_data_line_is_named_by_file_line_and_field(tmp_path, tokenizer, kind, line, field):
    path = tmp_path / "d.jsonl"
    path.write_text("\n" + json.dumps(line) + "\n")
    with pytest.raises(EngineError) as caught:
        load_dataset(path, kind, tokenizer, max_length=64, append_eos=True)
    assert caught.value.file == f"{path}:2"
    assert caught.value.field == field


def test_margin_positions_become_the_tokens_that_hold_them(tmp_path, tokenizer):
    completion = " Step 1: 3 + 4 = 7. The answer is \\boxed{7}."
    chars = [completion.index("7"), completion.index("answer") + 2]
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"prompt": "Question: 3 + 4?", "completion": completion, "positions": chars}) + "\n")
    example = load_dataset(path, "margin", tokenizer, max_length=256, append_eos=True).examples[0]
    ids = example.completions[0]
    assert ids[-1] == tokenizer.eos_token_id
    decode = lambda run: tokenizer.decode(list(run), skip_special_tokens=False)  # noqa: E731
    offsets, exact = token_offsets(decode, ids[:-1], completion)
    assert exact
    assert len(example.positions) == 2
    for char, index in zip(chars, example.positions):
        start, end = offsets[index]
        assert start <= char < end
    # The prompt is what scoring would render: the tokenizer's own special tokens, then the text.
    assert list(example.prompt) == tokenizer("Question: 3 + 4?").input_ids


def test_chat_prompts_render_with_the_template_and_long_completions_are_cut(tmp_path, tokenizer):
    path = tmp_path / "c.jsonl"
    messages = [{"role": "user", "content": "What is 3 + 4?"}]
    path.write_text(json.dumps({"prompt": messages, "completion": " 7" * 200}) + "\n")
    dataset = load_dataset(path, "sft", tokenizer, max_length=40, append_eos=True)
    example = dataset.examples[0]
    rendered = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert list(example.prompt) == tokenizer(rendered, add_special_tokens=False).input_ids
    assert len(example.prompt) + len(example.completions[0]) == 40 and dataset.truncated == 1


def test_a_margin_line_whose_positions_fall_to_max_length_is_left_out(tmp_path, tokenizer):
    completion = " Step 1: 3 + 4 = 7. The answer is \\boxed{7}." * 4
    lines = [{"prompt": "Q", "completion": completion, "positions": [1]},
             {"prompt": "Q", "completion": completion, "positions": [len(completion) - 2]}]
    path = tmp_path / "m.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    dataset = load_dataset(path, "margin", tokenizer, max_length=24, append_eos=True)
    assert [example.line for example in dataset.examples] == [1]
    assert dataset.positions_dropped == 1 and dataset.truncated == 2
