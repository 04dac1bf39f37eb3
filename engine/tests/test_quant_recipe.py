"""Recipes are strict data: defaults resolve per method, and every mistake names its field."""

import json

import pytest

from qreason_engine.errors import EngineError
from qreason_engine.quant.methods import LAYER_METHODS
from qreason_engine.quant.recipe import METHODS, load_recipe, parse_recipe

CALIBRATION = {"path": "/data/calib.jsonl", "num_samples": 4, "seq_len": 64}


def test_every_recipe_method_has_exactly_one_implementation():
    assert set(LAYER_METHODS) == set(METHODS)


@pytest.mark.parametrize("data,expected", [
    ({"method": "rtn", "w_bits": 4}, dict(group_size=128, symmetric=True, calibration=None, gptq=None)),
    ({"method": "gptq", "w_bits": 3, "calibration": CALIBRATION},
     dict(group_size=128, symmetric=True, a_bits=None, kv_bits=None)),
    ({"method": "awq", "w_bits": 3, "calibration": CALIBRATION}, dict(group_size=128, symmetric=False)),
    ({"method": "smoothquant", "calibration": CALIBRATION}, dict(w_bits=8, group_size=-1, symmetric=True, a_bits=8)),
    ({"method": "none", "kv_bits": 4, "kv_group_size": 32}, dict(w_bits=None, kv_bits=4, kv_group_size=32)),
    ({"method": "none", "kv_bits": "fp8_e4m3"}, dict(kv_bits="fp8_e4m3", kv_group_size=-1)),
    ({"method": "rtn", "w_bits": 2, "calibration": {"path": "c.txt"}}, dict(w_bits=2)),
    ({"method": "awq", "w_bits": 4, "group_size": 64, "symmetric": True, "calibration": CALIBRATION,
      "awq": {"clip": False}}, dict(group_size=64, symmetric=True)),
])
def test_method_defaults_resolve(data, expected):
    recipe = parse_recipe(data)
    for key, value in expected.items():
        assert getattr(recipe, key) == value, key
    # The canonical JSON form parses back to the same recipe (the manifest relies on it).
    assert parse_recipe(json.loads(json.dumps(recipe.to_json()))) == recipe


def test_method_options_and_calibration_defaults():
    recipe = parse_recipe({"method": "gptq", "w_bits": 4, "calibration": {"path": "c.jsonl"}})
    assert recipe.gptq.damp_percent == 0.01 and recipe.gptq.block_size == 128 and not recipe.gptq.act_order
    assert recipe.calibration.num_samples == 128 and recipe.calibration.seq_len == 2048
    assert recipe.calibration.format == "jsonl" and recipe.calibration.text_field == "text"
    awq = parse_recipe({"method": "awq", "w_bits": 4, "calibration": {"path": "c.txt"}})
    assert awq.awq.grid == 20 and awq.awq.clip and awq.calibration.format == "text"
    assert parse_recipe({"method": "smoothquant", "calibration": CALIBRATION}).smoothquant.alpha == 0.5


@pytest.mark.parametrize("data,field,words", [
    ({"method": "gptq", "w_bit": 4}, "w_bit", "did you mean 'w_bits'"),
    ({"method": "gptq", "w_bits": 4, "calibration": {**CALIBRATION, "seq_length": 9}}, "calibration.seq_length",
     "did you mean 'seq_len'"),
    ({"method": "gptq", "w_bits": 4, "calibration": CALIBRATION, "gptq": {"dampening": 0.1}}, "gptq.dampening",
     "unknown field"),
    ({"method": "gptq", "w_bits": "4"}, "w_bits", "one of 2, 3, 4, 8"),
    ({"method": "gptq", "w_bits": True}, "w_bits", "one of"),
    ({"method": "rtn", "w_bits": 5}, "w_bits", "got 5"),
    ({"method": "rtn", "w_bits": 4, "group_size": 48}, "group_size", "-1, 32, 64, 128"),
    ({"method": "rtn", "w_bits": 4, "symmetric": "yes"}, "symmetric", "true or false"),
    ({"method": "rtn"}, "w_bits", "is required"),
    ({"method": "rtm", "w_bits": 4}, "method", "one of none, rtn"),
    ({"w_bits": 4}, "method", "is required"),
    ({"method": "rtn", "w_bits": 4, "a_bits": 4}, "a_bits", "one of 8"),
    ({"method": "rtn", "w_bits": 4, "kv_bits": 6}, "kv_bits", "fp8_e4m3"),
    ({"method": "none", "kv_bits": "fp8_e4m3", "kv_group_size": 32}, "kv_group_size", "integer KV"),
    ({"method": "none", "kv_bits": 4, "kv_group_size": 0}, "kv_group_size", "positive divisor"),
    ({"method": "none", "w_bits": 4}, "w_bits", "leaves weights unquantized"),
    ({"method": "gptq", "w_bits": 4}, "calibration", "needs calibration"),
    ({"method": "awq", "w_bits": 4, "calibration": CALIBRATION, "gptq": {}}, "gptq", "method is 'awq'"),
    ({"method": "smoothquant", "w_bits": 4, "calibration": CALIBRATION}, "w_bits", "one of 8"),
    ({"method": "smoothquant", "a_bits": None, "calibration": CALIBRATION, "symmetric": False}, "symmetric",
     "symmetric"),
    ({"method": "gptq", "w_bits": 4, "group_size": 128, "calibration": CALIBRATION, "gptq": {"block_size": 96}},
     "gptq.block_size", "multiple of group_size"),
    ({"method": "gptq", "w_bits": 4, "calibration": CALIBRATION, "gptq": {"damp_percent": 0}},
     "gptq.damp_percent", "(0.0, 1.0]"),
    ({"method": "smoothquant", "calibration": CALIBRATION, "smoothquant": {"alpha": 1.5}}, "smoothquant.alpha",
     "[0.0, 1.0]"),
    ({"method": "rtn", "w_bits": 4, "calibration": {**CALIBRATION, "num_samples": 0}}, "calibration.num_samples",
     "integer in [1"),
    ({"method": "rtn", "w_bits": 4, "calibration": {"num_samples": 8}}, "calibration.path", "non-empty string"),
    ({"method": "rtn", "w_bits": 4, "calibration": {"path": "a.txt", "text_field": "q"}}, "calibration.text_field",
     "only to format 'jsonl'"),
    ({"method": "rtn", "w_bits": 4, "modules": {"include": "mlp"}}, "modules.include", "list of"),
    ({"method": "rtn", "w_bits": 4, "modules": {"exclude": ["*q_proj"], "only": []}}, "modules.only", "unknown"),
    ([1, 2], "recipe", "must be an object"),
])
def test_mistakes_name_their_field(data, field, words):
    with pytest.raises(EngineError) as info:
        parse_recipe(data)
    assert info.value.code == "E_INPUT"
    assert info.value.field == field
    assert words in str(info.value)


def test_recipe_file_errors_name_file_and_line(tmp_path):
    broken = tmp_path / "recipe.json"
    broken.write_text('{\n  "method": "gptq",\n  "w_bits": 4,,\n}\n')
    with pytest.raises(EngineError) as info:
        load_recipe(broken)
    assert info.value.file == f"{broken}:3"
    with pytest.raises(EngineError) as info:
        load_recipe(tmp_path / "missing.json")
    assert info.value.code == "E_NOT_FOUND"
    mistyped = tmp_path / "mistyped.json"
    mistyped.write_text(json.dumps({"method": "rtn", "w_bits": 4, "group": 32}))
    with pytest.raises(EngineError) as info:
        load_recipe(mistyped)
    assert info.value.file == str(mistyped) and info.value.field == "group"
    assert "field 'group'" in info.value.describe()


def test_relative_calibration_paths_are_taken_from_the_recipe_folder(tmp_path):
    folder = tmp_path / "recipes"
    folder.mkdir()
    path = folder / "r.json"
    path.write_text(json.dumps({"method": "gptq", "w_bits": 4, "calibration": {"path": "data/c.jsonl"}}))
    assert load_recipe(path).calibration.path == str(folder / "data" / "c.jsonl")
    absolute = {"method": "gptq", "w_bits": 4, "calibration": {"path": "/abs/c.jsonl"}}
    path.write_text(json.dumps(absolute))
    assert load_recipe(path).calibration.path == "/abs/c.jsonl"
