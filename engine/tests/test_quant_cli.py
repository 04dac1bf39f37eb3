"""`qreason-engine quantize` end to end, the variant directory it writes, and loading it back."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from qreason_engine.cli import main
from qreason_engine.errors import EngineError
from qreason_engine.model import load_model, model_identity
from qreason_engine.quant.recipe import parse_recipe
from qreason_engine.quant.runtime import MANIFEST, load_variant
from qreason_engine.quant.variant import quantize_to_dir
from qreason_engine.tiny import _CORPUS, make_tiny_model

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


pytestmark = pytest.mark.usefixtures("one_thread")


def strict_json(text: str):
    def reject(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    return json.loads(text, parse_constant=reject)


@pytest.fixture(scope="module")
def calibration_text(tmp_path_factory):
    """A plain text file (the recipe's other calibration format)."""
    source = SHARED_DATA / "gsm8k" / "train.jsonl"
    if source.is_file():
        records = [json.loads(line) for line in source.read_text().splitlines()[:60]]
        text = "\n\n".join(f"{r['question']}\n{r['answer']}" for r in records)
    else:
        text = "\n".join(_CORPUS * 40)
    path = tmp_path_factory.mktemp("calibration") / "calibration.txt"
    path.write_text(text)
    return path


def write_recipe(folder: Path, recipe: dict, *, complete: bool = True) -> Path:
    """The recipe file the CLI reads. The CLI takes only fully resolved recipes (qreason fills them in), so
    by default every default is spelled out here the engine's way; a recipe that does not parse is written
    as it is, for the CLI to reject."""
    if complete:
        try:
            recipe = parse_recipe(recipe).to_json()
        except EngineError:
            pass
    path = folder / "recipe.json"
    path.write_text(json.dumps(recipe))
    return path


GPTQ_RECIPE = {"method": "gptq", "w_bits": 4, "group_size": 32, "a_bits": 8, "kv_bits": 8,
               "calibration": {"path": "calibration.txt", "num_samples": 6, "seq_len": 48, "seed": 3}}


def test_quantize_command_writes_a_servable_variant(tiny_model_dir, calibration_text, tmp_path):
    source = tiny_model_dir("qwen2")
    recipe = write_recipe(calibration_text.parent, GPTQ_RECIPE)  # calibration path relative to the recipe
    out = tmp_path / "variant"
    command = [sys.executable, "-m", "qreason_engine.cli", "quantize", "--model", str(source), "--recipe",
               str(recipe), "--out", str(out), "--device", "cpu"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert finished.returncode == 0, finished.stderr
    assert "layer 2/2" in finished.stderr  # progress
    printed = strict_json(finished.stdout.strip().splitlines()[-1])
    assert printed["out"] == str(out) and printed["summary"]["linears"] == 14

    # HF layout, config and tokenizer copied byte for byte.
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        assert (out / name).read_bytes() == (source / name).read_bytes(), name
    assert not list(out.parent.glob(".variant.partial-*"))

    manifest = strict_json((out / MANIFEST).read_text())
    assert parse_recipe(manifest["recipe"]).method == "gptq"
    assert manifest["recipe"]["gptq"]["block_size"] == 128  # resolved defaults are recorded
    assert manifest["source"]["identity"] == model_identity(source)
    calibration = manifest["calibration"]
    assert calibration["source_sha256"] == "sha256:" + hashlib.sha256(calibration_text.read_bytes()).hexdigest()
    assert calibration["tokens_sha256"].startswith("sha256:") and calibration["num_samples"] == 6
    assert len(manifest["layers"]) == 14
    for layer in manifest["layers"]:
        assert 0 < layer["rel_error"] < 0.5
        assert layer["sqnr_db"] == pytest.approx(-20 * torch.log10(torch.tensor(layer["rel_error"])).item(), abs=1e-3)
        assert layer["gptq_loss"] > 0
    assert [layer["index"] for layer in manifest["decoder_layers"]] == [0, 1]
    assert manifest["wall_seconds"] > 0
    assert set(manifest["versions"]) >= {"engine", "torch", "transformers"}

    # Weights on the 4-bit grid (<= 16 levels per row and group of 32), everything else untouched.
    weights, original = load_file(out / "model.safetensors"), load_file(source / "model.safetensors")
    assert set(weights) == set(original)
    for name, tensor in weights.items():
        assert tensor.dtype == original[name].dtype
        if name.endswith("_proj.weight"):
            groups = tensor.reshape(tensor.shape[0], -1, 32)
            assert max(len(group.unique()) for row in groups for group in row) <= 16, name
        else:
            assert torch.equal(tensor, original[name]), name

    # Loading the variant installs its runtime schemes: 14 activation hooks and the KV format of its caches.
    variant = load_variant(out, "fp32", "cpu")
    assert len(variant.model.qreason_runtime) == 14
    assert variant.model.qreason_runtime.kv is not None
    plain = load_model(out, dtype="fp32", device="cpu")
    ids = variant.tokenizer("Step 1: 3 + 4 = 7", return_tensors="pt").input_ids
    with torch.no_grad():
        assert not torch.equal(variant.model(ids).logits, plain.model(ids).logits)
    assert variant.identity != plain.identity


def test_same_recipe_same_variant_and_runtime_schemes_change_identity(tiny_model_dir, calibration_text, tmp_path):
    recipe = parse_recipe({**GPTQ_RECIPE, "calibration": {**GPTQ_RECIPE["calibration"], "path": str(calibration_text)}})
    source = tiny_model_dir("llama")
    first = quantize_to_dir(source, recipe, tmp_path / "a", device="cpu")
    second = quantize_to_dir(source, recipe, tmp_path / "b", device="cpu")
    assert (tmp_path / "a" / "model.safetensors").read_bytes() == (tmp_path / "b" / "model.safetensors").read_bytes()
    assert first["calibration"]["tokens_sha256"] == second["calibration"]["tokens_sha256"]

    # Same weights (method none), different KV scheme: different identities, so results are never mixed up.
    for name, kv_bits in (("kv8", 8), ("kv4", 4)):
        quantize_to_dir(source, parse_recipe({"method": "none", "kv_bits": kv_bits}), tmp_path / name, device="cpu")
    kv8, kv4 = load_variant(tmp_path / "kv8", "fp32", "cpu"), load_variant(tmp_path / "kv4", "fp32", "cpu")
    weights = [(tmp_path / name / "model.safetensors").read_bytes() for name in ("kv8", "kv4")]
    assert weights[0] == weights[1]
    assert kv8.identity != kv4.identity


def test_a_bf16_source_gives_a_bf16_variant_on_its_grid(calibration_text, tmp_path):
    source = make_tiny_model("qwen3", tmp_path / "bf16-source", dtype=torch.bfloat16)
    recipe = parse_recipe({"method": "gptq", "w_bits": 3, "group_size": 32, "symmetric": True,
                           "calibration": {"path": str(calibration_text), "num_samples": 2, "seq_len": 32}})
    manifest = quantize_to_dir(source, recipe, tmp_path / "variant", device="cpu")
    assert manifest["dtype"] == "bfloat16"
    assert (tmp_path / "variant" / "config.json").read_bytes() == (source / "config.json").read_bytes()
    for name, tensor in load_file(tmp_path / "variant" / "model.safetensors").items():
        assert tensor.dtype == torch.bfloat16
        if name.endswith("_proj.weight"):
            groups = tensor.float().reshape(tensor.shape[0], -1, 32)
            assert max(len(group.unique()) for row in groups for group in row) <= 8, name


def test_rtn_needs_no_calibration(tiny_model_dir, tmp_path):
    recipe = parse_recipe({"method": "rtn", "w_bits": 3, "group_size": 32})
    manifest = quantize_to_dir(tiny_model_dir("mistral"), recipe, tmp_path / "rtn", device="cpu")
    assert manifest["calibration"] is None
    assert len(manifest["layers"]) == 14 and all(layer["rel_error"] is None for layer in manifest["layers"])


def test_refuses_to_overwrite_and_leaves_existing_files_alone(tiny_model_dir, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    with pytest.raises(EngineError) as info:
        quantize_to_dir(tiny_model_dir("llama"), parse_recipe({"method": "rtn", "w_bits": 4}), out, device="cpu")
    assert info.value.code == "E_USAGE"
    assert [p.name for p in out.iterdir()] == ["keep.txt"] and (out / "keep.txt").read_text() == "precious"


@pytest.mark.parametrize("recipe,words", [
    ({"method": "gptq", "w_bits": 4, "groupsize": 32}, "field 'groupsize'"),
    ({"method": "gptq", "w_bits": 4, "calibration": {"path": "missing.jsonl", "num_samples": 2, "seq_len": 16}},
     "calibration file not found"),
    ({"method": "rtn", "w_bits": 4, "modules": {"include": ["lm_head"]}}, "no decoder Linear layer matches"),
    ({"method": "rtn", "w_bits": 4, "group_size": 128}, "does not divide the 64 input features"),
    ({"method": "none", "kv_bits": 4, "kv_group_size": 12}, "does not divide the head dimension 16"),
])
def test_user_mistakes_exit_2_with_a_message(recipe, words, tiny_model_dir, tmp_path, capsys):
    path = write_recipe(tmp_path, recipe)
    code = main(["quantize", "--model", str(tiny_model_dir("llama")), "--recipe", str(path),
                 "--out", str(tmp_path / "out"), "--device", "cpu", "--quiet"])
    assert code == 2
    error = capsys.readouterr().err
    assert words in error and "Traceback" not in error
    assert not (tmp_path / "out").exists()


def test_calibration_jsonl_errors_name_the_line(tiny_model_dir, tmp_path, capsys):
    data = tmp_path / "calibration.jsonl"
    data.write_text('{"text": "fine"}\n{"question": "no text field"}\n')
    path = write_recipe(tmp_path, {"method": "gptq", "w_bits": 4,
                                   "calibration": {"path": "calibration.jsonl", "num_samples": 1, "seq_len": 8}})
    code = main(["quantize", "--model", str(tiny_model_dir("llama")), "--recipe", str(path),
                 "--out", str(tmp_path / "out"), "--device", "cpu", "--quiet"])
    assert code == 2
    assert f"{data}:2" in capsys.readouterr().err


def test_an_incomplete_recipe_is_refused_naming_the_missing_field(tiny_model_dir, tmp_path, capsys):
    path = write_recipe(tmp_path, {"method": "rtn", "w_bits": 4, "group_size": 32}, complete=False)
    code = main(["quantize", "--model", str(tiny_model_dir("llama")), "--recipe", str(path),
                 "--out", str(tmp_path / "out"), "--device", "cpu", "--quiet"])
    assert code == 2
    error = capsys.readouterr().err
    assert f"E_INPUT: {path}: field 'symmetric': missing" in error and "also missing: modules" in error, error
    assert "Traceback" not in error and not (tmp_path / "out").exists()
