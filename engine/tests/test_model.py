import json

import pytest
import torch

from qreason_engine.errors import EngineError
from qreason_engine.model import load_model, model_identity


def test_each_family_loads_and_runs_forward(tiny_model_dir, family):
    loaded = load_model(tiny_model_dir(family), dtype="fp32", device="cpu")
    ids = loaded.tokenizer("Step 1: 3 + 4 = 7", return_tensors="pt").input_ids
    logits = loaded.model(ids).logits
    assert logits.shape == (1, ids.shape[1], loaded.model.config.vocab_size)
    assert torch.isfinite(logits).all()
    assert loaded.identity.startswith("sha256:")


def test_identity_changes_when_weights_change(tiny_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir("llama"), copy)
    before = model_identity(copy)
    config = json.loads((copy / "config.json").read_text())
    config["rms_norm_eps"] = 1e-5
    (copy / "config.json").write_text(json.dumps(config))
    assert model_identity(copy) != before


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(EngineError) as info:
        model_identity(tmp_path / "nope")
    assert info.value.code == "E_NOT_FOUND"


def test_bf16_load(tiny_model_dir):
    loaded = load_model(tiny_model_dir("qwen2"), dtype="bf16", device="cpu")
    assert next(loaded.model.parameters()).dtype == torch.bfloat16
