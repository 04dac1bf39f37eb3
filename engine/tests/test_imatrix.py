"""`qreason-engine imatrix`: importance values checked against inputs captured or recomputed independently,
GGUF tensor names for every decoder Linear, the legacy `.dat` bytes parsed back with struct, and the
subcommand end to end (including its refusal of too little calibration text)."""

import json
import struct
from pathlib import Path

import pytest
import torch
from torch import nn

from qreason_engine.cli import main
from qreason_engine.errors import EngineError
from qreason_engine.model import load_model
from qreason_engine.quant.calibration import load_calibration
from qreason_engine.quant.imatrix import collect_importance, gguf_tensor_name, write_legacy_imatrix
from qreason_engine.quant.layers import decoder_layers
from qreason_engine.quant.recipe import CalibrationSpec
from qreason_engine.tiny import _CORPUS

GGUF_SHORT = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
              "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
              "mlp.down_proj": "ffn_down"}


pytestmark = pytest.mark.usefixtures("one_thread")


def random_windows(vocab_size: int, windows: int, seq_len: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(3, vocab_size, (windows, seq_len), generator=generator)


def forward_hooks(model: nn.Module) -> dict[str, int]:
    """Forward hooks per module (transformers installs some of its own, e.g. for output_hidden_states)."""
    return {name: len(module._forward_hooks) for name, module in model.named_modules()}


def parse_legacy(data: bytes) -> dict:
    """llama.cpp's legacy imatrix layout, read with struct independently of the writer."""
    position = 0

    def take(fmt: str):
        nonlocal position
        values = struct.unpack_from(fmt, data, position)
        position += struct.calcsize(fmt)
        return values

    (count,) = take("<i")
    entries = []
    for _ in range(count):
        (length,) = take("<i")
        name = data[position:position + length].decode()
        position += length
        ncall, nval = take("<ii")
        values = torch.tensor(take(f"<{nval}f"), dtype=torch.float64)
        entries.append((name, ncall, nval, values))
    chunks, dataset_length = take("<ii")
    dataset = data[position:position + dataset_length].decode()
    position += dataset_length
    assert position == len(data), "bytes left after the dataset name"
    return {"entries": entries, "chunks": chunks, "dataset": dataset}


def test_importance_is_the_sum_of_squared_inputs_each_linear_receives(tiny_model_dir):
    loaded = load_model(tiny_model_dir("llama"), dtype="fp32", device="cpu")
    model = loaded.model
    token_ids = random_windows(model.config.vocab_size, windows=5, seq_len=12)
    layers = decoder_layers(model)

    # batch_size 2 over 5 windows: three forward passes, the last one short, so accumulation is exercised.
    hooks_before = forward_hooks(model)
    importance = collect_importance(model, token_ids, batch_size=2)
    assert forward_hooks(model) == hooks_before  # its hooks are removed again

    # Independently: recompute the inputs of the attention projections from the hidden states.
    with torch.no_grad():
        hidden = model(input_ids=token_ids, use_cache=False, output_hidden_states=True).hidden_states
    tokens = token_ids.numel()
    for index, layer in enumerate(layers):
        x = layer.input_layernorm(hidden[index]).reshape(-1, model.config.hidden_size)
        expected = x.double().pow(2).sum(dim=0)
        for short in ("attn_q", "attn_k", "attn_v"):
            sums, count = importance[f"blk.{index}.{short}.weight"]
            assert count == tokens
            torch.testing.assert_close(sums.double(), expected, rtol=1e-4, atol=1e-6)
            # mean of squares x count == sums
            torch.testing.assert_close(sums.double() / count, x.double().pow(2).mean(dim=0), rtol=1e-4, atol=1e-6)

    # Independently: a hook of our own storing what ffn_down and attn_output receive, one full-batch pass.
    captured: dict[str, list[torch.Tensor]] = {}

    def keep(name):
        def hook(_module, inputs):
            captured.setdefault(name, []).append(inputs[0].detach().clone())
        return hook

    handles = []
    for index, layer in enumerate(layers):
        handles.append(layer.mlp.down_proj.register_forward_pre_hook(keep(f"blk.{index}.ffn_down.weight")))
        handles.append(layer.self_attn.o_proj.register_forward_pre_hook(keep(f"blk.{index}.attn_output.weight")))
    try:
        with torch.no_grad():
            model(input_ids=token_ids, use_cache=False)
    finally:
        for handle in handles:
            handle.remove()
    assert len(captured) == 2 * len(layers)
    for name, inputs in captured.items():
        flat = torch.cat([x.reshape(-1, x.shape[-1]) for x in inputs]).double()
        sums, count = importance[name]
        assert count == flat.shape[0] == tokens, name
        torch.testing.assert_close(sums.double(), flat.pow(2).mean(dim=0) * count, rtol=1e-4, atol=1e-6)


def test_every_decoder_linear_gets_one_entry_with_its_gguf_name(tiny_model_dir, family):
    model = load_model(tiny_model_dir(family), dtype="fp32", device="cpu").model
    layers = decoder_layers(model)
    importance = collect_importance(model, random_windows(model.config.vocab_size, 2, 8), batch_size=8)

    expected = {f"blk.{index}.{short}.weight": layer.get_submodule(linear).in_features
                for index, layer in enumerate(layers) for linear, short in GGUF_SHORT.items()}
    linears_in_layers = sum(isinstance(m, nn.Linear) for layer in layers for m in layer.modules())
    assert len(expected) == 7 * len(layers) == linears_in_layers
    assert set(importance) == set(expected)
    for name, (sums, count) in importance.items():
        assert sums.shape == (expected[name],), name  # one value per input column
        assert count == 2 * 8
        assert torch.isfinite(sums).all() and (sums >= 0).all()
    assert not any("output" == name.split(".")[0] or "lm_head" in name or "token_embd" in name for name in importance)


def test_legacy_file_round_trips_through_struct(tmp_path):
    generator = torch.Generator().manual_seed(1)
    importance = {
        "blk.0.attn_q.weight": (torch.rand(64, generator=generator) * 50, 96),
        "blk.0.ffn_down.weight": (torch.rand(128, generator=generator) * 7, 96),
        "blk.1.attn_v.weight": (torch.tensor([0.0, 1.5, 3e4, 2.0]), 40),
    }
    path = tmp_path / "x.imatrix"
    write_legacy_imatrix(path, importance, chunks=3, dataset="gsm8k-train.jsonl")

    parsed = parse_legacy(path.read_bytes())
    assert [entry[0] for entry in parsed["entries"]] == list(importance)
    for name, ncall, nval, values in parsed["entries"]:
        sums, tokens = importance[name]
        assert ncall == 3
        assert nval == sums.numel() == values.numel()
        # What llama-quantize computes (value / ncall) is the mean squared activation (sums / tokens).
        torch.testing.assert_close(values / ncall, sums.double() / tokens, rtol=1e-6, atol=0)
    assert parsed["chunks"] == 3
    assert parsed["dataset"] == "gsm8k-train.jsonl"


def test_legacy_writer_refuses_zero_windows(tmp_path):
    with pytest.raises(EngineError) as error:
        write_legacy_imatrix(tmp_path / "x.imatrix", {"blk.0.attn_q.weight": (torch.ones(4), 4)}, chunks=0,
                             dataset="d")
    assert error.value.code == "E_INPUT"


@pytest.fixture(scope="module")
def calibration_jsonl(tmp_path_factory):
    path = tmp_path_factory.mktemp("calibration") / "calib.jsonl"
    path.write_text("".join(json.dumps({"text": f"{line} ({i})"}) + "\n" for i in range(30) for line in _CORPUS))
    return path


def test_cli_writes_the_imatrix_of_the_calibration_windows(tiny_model_dir, calibration_jsonl, tmp_path, capsys):
    source = tiny_model_dir("llama")
    out = tmp_path / "tiny.imatrix"
    code = main(["imatrix", "--model", str(source), "--calibration", str(calibration_jsonl), "--samples", "4",
                 "--seq-len", "24", "--seed", "5", "--batch-size", "3", "--device", "cpu", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "imatrix: 4/4 windows" in captured.err
    printed = json.loads(captured.out.strip().splitlines()[-1])
    assert printed["out"] == str(out) and printed["entries"] == 14
    assert printed["calibration"]["num_samples"] == 4 and printed["calibration"]["seq_len"] == 24
    assert printed["model"].startswith("sha256:")

    parsed = parse_legacy(out.read_bytes())
    assert len(parsed["entries"]) == 14
    assert parsed["chunks"] == 4 and parsed["dataset"] == "calib.jsonl"

    # The same windows, through the library: the file holds their mean squared activations.
    loaded = load_model(source, dtype="fp32", device="cpu")
    spec = CalibrationSpec(path=str(calibration_jsonl), format="jsonl", text_field="text", num_samples=4,
                           seq_len=24, seed=5)
    calibration = load_calibration(spec, loaded.tokenizer)
    assert printed["calibration"]["tokens_sha256"] == calibration.tokens_sha256
    expected = collect_importance(loaded.model, calibration.token_ids)
    for name, ncall, nval, values in parsed["entries"]:
        sums, tokens = expected[name]
        assert ncall == 4 and nval == sums.numel() and tokens == 4 * 24
        torch.testing.assert_close(values / ncall, sums.double() / tokens, rtol=1e-5, atol=1e-7)


def test_cli_too_little_calibration_text_exits_2_with_e_input(tiny_model_dir, calibration_jsonl, tmp_path, capsys):
    out = tmp_path / "never.imatrix"
    code = main(["imatrix", "--model", str(tiny_model_dir("llama")), "--calibration", str(calibration_jsonl),
                 "--samples", "500", "--seq-len", "256", "--device", "cpu", "--out", str(out)])
    error = capsys.readouterr().err
    assert code == 2
    assert "E_INPUT" in error and "fewer than the 500 asked for" in error
    assert "Traceback" not in error
    assert not out.exists()


def test_cli_rejects_a_missing_output_folder(tiny_model_dir, calibration_jsonl, tmp_path, capsys):
    code = main(["imatrix", "--model", str(tiny_model_dir("llama")), "--calibration", str(calibration_jsonl),
                 "--out", str(tmp_path / "absent" / "x.imatrix")])
    assert code == 2 and "E_NOT_FOUND" in capsys.readouterr().err


def test_unsupported_linear_names_raise_engine_error(tiny_model_dir):
    with pytest.raises(EngineError) as error:
        gguf_tensor_name(0, "self_attn.qkv_proj")
    assert error.value.code == "E_QUANT" and "model.layers.0.self_attn.qkv_proj" in str(error.value)

    # A decoder layer with a Linear llama.cpp has no name for: refused, and the model keeps no stray hooks.
    model = load_model(tiny_model_dir("llama"), dtype="fp32", device="cpu").model
    layer = decoder_layers(model)[1]
    layer.mlp.extra_proj = nn.Linear(4, 4)
    hooks_before = forward_hooks(model)
    with pytest.raises(EngineError, match="mlp.extra_proj"):
        collect_importance(model, random_windows(model.config.vocab_size, 1, 4))
    assert forward_hooks(model) == hooks_before
