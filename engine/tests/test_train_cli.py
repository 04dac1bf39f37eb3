"""`qreason-engine train` end to end on the tiny llama's W4A8KV8 variant: each kind trains, streams JSON
progress lines, writes a PEFT adapter with its provenance; the adapter then loads through the normal
serving path (`--adapter`) and changes what the variant scores."""

import json
import subprocess
import sys

import pytest

from qreason_engine.cli import main
from qreason_engine.quant.runtime import verify_runtime_schemes
from qreason_engine.score import Scorer, ScoreRequest
from qreason_engine.serve.loading import engine_info, open_model
from qreason_engine.train.lora import attach_lora
from qreason_engine.train.recipe import LoraSpec

from train_fixtures import make_variant, write_pairs


@pytest.fixture(scope="module")
def variant(tiny_model_dir, tmp_path_factory):
    return make_variant(tiny_model_dir("llama"), tmp_path_factory.mktemp("cli") / "variant")


@pytest.fixture(scope="module")
def sft_adapter(variant, tmp_path_factory):
    from qreason_engine.train.adapter_run import train_adapter
    from qreason_engine.train.recipe import parse_train_recipe

    root = tmp_path_factory.mktemp("sft-adapter")
    recipe = parse_train_recipe({"kind": "sft", "base": str(variant), "data": str(write_pairs(root / "d.jsonl", "sft")),
                                 "lora": {"rank": 4, "alpha": 16}, "lr": 5e-3, "epochs": 4, "batch_size": 2})
    train_adapter(recipe, root / "adapter", device="cpu", dtype="fp32", log=lambda _text: None)
    return root / "adapter"


def train(tmp_path, variant, kind, capsys, **fields):
    recipe = {"kind": kind, "base": str(variant), "data": str(write_pairs(tmp_path / f"{kind}.jsonl", kind)),
              "lora": {"rank": 4, "alpha": 16, "targets": ["q_proj", "v_proj", "o_proj", "down_proj"]},
              "lr": 5e-3, "epochs": 4, "batch_size": 2, "seed": 3, **fields}
    (tmp_path / "r.json").write_text(json.dumps(recipe))
    capsys.readouterr()
    code = main(["train", "--recipe", str(tmp_path / "r.json"), "--out", str(tmp_path / kind), "--progress", "jsonl",
                 "--device", "cpu"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    return lines, json.loads((tmp_path / kind / "train.json").read_text())


@pytest.mark.parametrize("kind", ["sft", "dpo", "margin"])
def test_each_kind_streams_progress_and_records_its_provenance(tmp_path, variant, capsys, kind):
    lines, record = train(tmp_path, variant, kind, capsys)
    progress = [line for line in lines if line["event"] == "progress"]
    assert [line["step"] for line in progress] == list(range(1, 9)) and progress[0]["total"] == 8
    assert lines[-1]["event"] == "done" and lines[-1]["steps"] == 8
    assert progress[-1]["loss"] < progress[0]["loss"]
    if kind == "dpo":
        assert [line["event"] for line in lines[:2]] == ["reference", "reference"]
        assert progress[-1]["reward_margin"] > 0 and progress[0]["reward_margin"] == 0.0
    if kind == "margin":
        assert progress[-1]["fp_margin"] > progress[0]["fp_margin"]
    assert (tmp_path / kind / "adapter_model.safetensors").is_file()
    assert record["base"]["identity"] == open_model(variant, device="cpu").identity
    assert record["base"]["quantization"]["a_bits"] == 8
    assert record["recipe"]["kind"] == kind and record["seed"] == 3
    assert len(record["data"]["sha256"]) == 64 and record["data"]["examples"] == 4
    assert set(record["versions"]) >= {"torch", "transformers", "peft", "engine"}
    assert record["wall_seconds"] > 0 and record["metrics"]["final"]["step"] == 8


def test_same_seed_same_adapter(tmp_path, variant, capsys):
    runs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        lines, record = train(tmp_path / name, variant, "sft", capsys)
        runs.append(([line.get("loss") for line in lines], record["metrics"]["final"]["loss"],
                     (tmp_path / name / "sft" / "adapter_model.safetensors").read_bytes()))
    assert runs[0] == runs[1]


def test_the_adapter_loads_through_the_serving_path_and_changes_scores(variant, sft_adapter):
    plain = open_model(variant, dtype="fp32", device="cpu")
    adapted = open_model(variant, dtype="fp32", device="cpu", adapter=sft_adapter)
    assert adapted.identity != plain.identity
    info = engine_info(adapted, served_name="x", limits={})["model"]
    assert info["adapter"]["trained_on"] == plain.identity == info["adapter"]["base_identity"]
    request = ScoreRequest(prompt="Question: What is 3 + 4? Answer:", continuation=" Step 1: 3 + 4 = 7.", top_k=0)
    before = Scorer(plain.model, plain.tokenizer).score([request])[0]
    after = Scorer(adapted.model, adapted.tokenizer).score([request])[0]
    # Trained toward this completion: its log-prob rises.
    assert sum(t.logprob for t in after.tokens) > sum(t.logprob for t in before.tokens) + 0.1


def test_serve_stdio_with_an_adapter_says_so_in_its_hello(tmp_path, variant, sft_adapter):
    process = subprocess.run(
        [sys.executable, "-m", "qreason_engine", "serve", "--stdio", "--model", str(variant), "--adapter",
         str(sft_adapter), "--device", "cpu"], input='{"id": 1, "method": "shutdown"}\n', capture_output=True,
        text=True, timeout=300)
    hello = json.loads(process.stdout.splitlines()[0])
    assert hello["event"] == "hello", process.stderr
    assert hello["model"]["adapter"]["path"] == str(sft_adapter)
    missing = subprocess.run([sys.executable, "-m", "qreason_engine", "score", "--model", str(variant), "--adapter",
                              str(tmp_path / "nope"), "--input", "-"], input="", capture_output=True, text=True,
                             timeout=300)
    assert missing.returncode == 2 and "adapter directory not found" in missing.stderr


def test_a_bad_recipe_exits_2_naming_the_field(tmp_path, capsys):
    (tmp_path / "r.json").write_text(json.dumps({"kind": "dpo", "base": "v", "data": "d", "lora": {"rank": -1}}))
    assert main(["train", "--recipe", str(tmp_path / "r.json"), "--out", str(tmp_path / "o")]) == 2
    assert "field 'lora.rank'" in capsys.readouterr().err


def test_activation_hooks_survive_peft_wrapping_their_linears(variant):
    loaded = open_model(variant, dtype="fp32", device="cpu")
    schemes = loaded.model.qreason_runtime
    model = attach_lora(loaded.model, LoraSpec(rank=2, alpha=4))  # every projection, o_proj and down_proj too
    wrapped = {id(module.base_layer) for module in model.modules() if hasattr(module, "lora_A")}
    # Every hooked Linear was wrapped (all seven projections are targets), and the hooks still act on them.
    assert {id(module) for _, module in schemes.activation_modules} <= wrapped
    assert verify_runtime_schemes(model.get_base_model())["activation_linears"] == len(schemes.activation_modules)
