"""`qreason-engine gguf-to-hf`: a llama-architecture GGUF -> a Hugging Face model directory in float32.

The weights are dequantized with gguf-py (`gguf.quants.dequantize`, llama.cpp's own reference code in
Python), so a Q4_1 file becomes the float32 values llama.cpp itself computes from it: the Q4_1 rounding is
kept, nothing is restored. The Q/K rows are put back into Hugging Face's rotate_half order (llama.cpp's
converter interleaves them; see docs/gguf.md). The tokenizer is rebuilt from the GGUF's vocabulary and
merges with the `tokenizers` library, with the pre-tokenizer llama.cpp names in `tokenizer.ggml.pre`, and
the chat template is copied as it is.

Written: config.json, model.safetensors, tokenizer.json, tokenizer_config.json, special_tokens_map.json,
generation_config.json — into a staging directory renamed into place at the end, so a half-written model
never exists under the output name.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

from .errors import EngineError

# GGUF tensor names of the llama architecture -> Hugging Face LlamaForCausalLM names.
GLOBAL_TENSORS = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
LAYER_TENSORS = {
    "attn_norm.weight": "input_layernorm.weight",
    "attn_q.weight": "self_attn.q_proj.weight",
    "attn_k.weight": "self_attn.k_proj.weight",
    "attn_v.weight": "self_attn.v_proj.weight",
    "attn_output.weight": "self_attn.o_proj.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
    "ffn_gate.weight": "mlp.gate_proj.weight",
    "ffn_up.weight": "mlp.up_proj.weight",
    "ffn_down.weight": "mlp.down_proj.weight",
}

# tokenizer.ggml.pre -> how Hugging Face `tokenizers` splits text before byte-level BPE. llama.cpp's `smollm`
# is "each digit alone, then the GPT-2 regex" (llama-vocab.cpp), which is SmolLM's published tokenizer.json:
# Sequence[Digits(individual_digits), ByteLevel(use_regex)]. `qwen2` is llama.cpp's Qwen2 regex (single
# digits, letters with one leading non-letter), what Qwen2's tokenizer.json splits with, then ByteLevel
# without its own regex; qreason's reference model is exported under it. Others are refused, not guessed.
PRE_TOKENIZERS = ("smollm", "gpt-2", "qwen2")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
                 r"|\s+(?!\S)|\s+")

# llama_token_type: 3 is CONTROL (a special token), 4 USER_DEFINED (an added token matched whole).
CONTROL, USER_DEFINED = 3, 4


def _fail(message: str, *, path: Path, field: str | None = None) -> EngineError:
    return EngineError("E_INPUT", message, file=str(path), field=field)


def read_metadata(reader, path: Path) -> dict:
    """Every metadata value the conversion reads, as Python values (arrays as lists)."""
    metadata = {}
    for name, field in reader.fields.items():
        if name.startswith("GGUF."):
            continue
        try:
            metadata[name] = field.contents()
        except (ValueError, IndexError) as error:  # a value gguf-py cannot decode
            raise _fail(f"cannot read metadata key {name}: {error}", path=path, field=name) from error
    return metadata


def _required(metadata: dict, key: str, path: Path):
    if key not in metadata:
        raise _fail(f"the GGUF has no {key}", path=path, field=key)
    return metadata[key]


def llama_config(metadata: dict, tensors: dict, path: Path) -> dict:
    """config.json of LlamaForCausalLM from the GGUF's `llama.*` keys (and whether an output head exists)."""
    arch = _required(metadata, "general.architecture", path)
    if arch != "llama":
        raise _fail(f"architecture '{arch}' is not supported; gguf-to-hf converts the llama architecture",
                    path=path, field="general.architecture")
    for key in ("llama.rope.scaling.type", "llama.rope.scaling.factor"):
        if key in metadata and metadata.get("llama.rope.scaling.type", "none") != "none":
            raise _fail("rope scaling is not supported by gguf-to-hf", path=path, field=key)
    if "rope_freqs.weight" in tensors:
        raise _fail("rope_freqs (Llama 3 rope scaling) is not supported by gguf-to-hf", path=path, field="rope_freqs.weight")
    hidden = int(_required(metadata, "llama.embedding_length", path))
    heads = int(_required(metadata, "llama.attention.head_count", path))
    tokens = _required(metadata, "tokenizer.ggml.tokens", path)
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": hidden,
        "intermediate_size": int(_required(metadata, "llama.feed_forward_length", path)),
        "num_hidden_layers": int(_required(metadata, "llama.block_count", path)),
        "num_attention_heads": heads,
        "num_key_value_heads": int(metadata.get("llama.attention.head_count_kv", heads)),
        "head_dim": int(metadata.get("llama.attention.key_length", hidden // heads)),
        "max_position_embeddings": int(metadata.get("llama.context_length", 4096)),
        "rms_norm_eps": float(_required(metadata, "llama.attention.layer_norm_rms_epsilon", path)),
        "rope_theta": float(metadata.get("llama.rope.freq_base", 10000.0)),
        "rope_scaling": None,
        "vocab_size": int(metadata.get("llama.vocab_size", len(tokens))),
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "tie_word_embeddings": "output.weight" not in tensors,
        "torch_dtype": "float32",
    }
    if config["rms_norm_eps"] > 0:
        # The GGUF stores eps as float32 (1e-5 reads back as 9.99999974e-06); round to what was written.
        config["rms_norm_eps"] = float(f"{config['rms_norm_eps']:.6g}")
    for name, key in (("bos", "bos_token_id"), ("eos", "eos_token_id"), ("pad", "padding_token_id")):
        value = metadata.get(f"tokenizer.ggml.{key}")
        if value is not None:
            config[f"{name}_token_id"] = int(value)
    if config["head_dim"] % 2:
        raise _fail(f"head dimension {config['head_dim']} is odd; rope needs pairs", path=path,
                    field="llama.attention.key_length")
    return config


def hf_tensor_name(gguf_name: str, path: Path) -> str:
    if gguf_name in GLOBAL_TENSORS:
        return GLOBAL_TENSORS[gguf_name]
    parts = gguf_name.split(".", 2)
    if len(parts) == 3 and parts[0] == "blk" and parts[1].isdigit() and parts[2] in LAYER_TENSORS:
        return f"model.layers.{parts[1]}.{LAYER_TENSORS[parts[2]]}"
    raise _fail(f"tensor {gguf_name} has no Hugging Face LlamaForCausalLM counterpart (biases, MoE and other "
                "architectures are not supported)", path=path, field=gguf_name)


def unpermute_rows(weight, heads: int):
    """Undo llama.cpp's Q/K re-interleave: within each head, row 2j+i goes back to row i*(d/2)+j."""
    rows = weight.shape[0]
    return weight.reshape(heads, rows // heads // 2, 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def expected_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    hidden, inter, head_dim = config["hidden_size"], config["intermediate_size"], config["head_dim"]
    q_rows, kv_rows = config["num_attention_heads"] * head_dim, config["num_key_value_heads"] * head_dim
    per_layer = {
        "input_layernorm.weight": (hidden,), "post_attention_layernorm.weight": (hidden,),
        "self_attn.q_proj.weight": (q_rows, hidden), "self_attn.k_proj.weight": (kv_rows, hidden),
        "self_attn.v_proj.weight": (kv_rows, hidden), "self_attn.o_proj.weight": (hidden, q_rows),
        "mlp.gate_proj.weight": (inter, hidden), "mlp.up_proj.weight": (inter, hidden),
        "mlp.down_proj.weight": (hidden, inter),
    }
    shapes = {"model.embed_tokens.weight": (config["vocab_size"], hidden), "model.norm.weight": (hidden,)}
    if not config["tie_word_embeddings"]:
        shapes["lm_head.weight"] = (config["vocab_size"], hidden)
    for layer in range(config["num_hidden_layers"]):
        for suffix, shape in per_layer.items():
            shapes[f"model.layers.{layer}.{suffix}"] = shape
    return shapes


def dequantized_weights(reader, config: dict, path: Path, progress) -> tuple[dict, Counter]:
    """HF name -> float32 torch tensor, for every tensor of the file; also the count of each source type."""
    import numpy as np
    import torch
    from gguf.quants import dequantize

    expected = expected_shapes(config)
    weights, types = {}, Counter()
    total = len(reader.tensors)
    for index, tensor in enumerate(reader.tensors, start=1):
        name = hf_tensor_name(tensor.name, path)
        shape = tuple(int(size) for size in reversed(tensor.shape.tolist()))
        if expected.get(name) != shape:
            raise _fail(f"tensor {tensor.name} has shape {list(shape)}, expected {list(expected.get(name, ()))} "
                        "from the GGUF's hyperparameters", path=path, field=tensor.name)
        try:
            values = dequantize(tensor.data, tensor.tensor_type)
        except NotImplementedError as error:
            raise _fail(f"gguf-py cannot dequantize {tensor.tensor_type.name} ({tensor.name})", path=path,
                        field=tensor.name) from error
        values = np.array(values, dtype=np.float32).reshape(shape)  # a copy: F32 data is a read-only memmap
        if name.endswith("self_attn.q_proj.weight"):
            values = unpermute_rows(values, config["num_attention_heads"])
        elif name.endswith("self_attn.k_proj.weight"):
            values = unpermute_rows(values, config["num_key_value_heads"])
        if not np.isfinite(values).all():
            raise _fail(f"tensor {tensor.name} holds values that are not finite", path=path, field=tensor.name)
        weights[name] = torch.from_numpy(np.ascontiguousarray(values))
        types[tensor.tensor_type.name] += 1
        progress(index, total, tensor.name)
    missing = sorted(set(expected) - set(weights))
    if missing:
        raise _fail(f"the GGUF lacks {len(missing)} tensor(s) a llama model needs, e.g. {missing[0]}", path=path)
    return weights, types


def pre_tokenizer(name: str):
    from tokenizers import pre_tokenizers

    if name == "qwen2":
        from tokenizers import Regex

        return pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
                                        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    if name == "gpt-2":
        return byte_level
    return pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])


def tokenizer_files(metadata: dict, path: Path) -> tuple[object, dict, dict]:
    """(tokenizers.Tokenizer, tokenizer_config, special_tokens_map) from the GGUF's tokenizer keys."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, processors

    kind = _required(metadata, "tokenizer.ggml.model", path)
    if kind != "gpt2":
        raise _fail(f"tokenizer '{kind}' is not supported; gguf-to-hf rebuilds byte-level BPE ('gpt2') tokenizers",
                    path=path, field="tokenizer.ggml.model")
    pre = metadata.get("tokenizer.ggml.pre", "gpt-2")
    if pre not in PRE_TOKENIZERS:
        raise _fail(f"pre-tokenizer '{pre}' is not supported; gguf-to-hf knows {', '.join(PRE_TOKENIZERS)}",
                    path=path, field="tokenizer.ggml.pre")
    tokens = list(_required(metadata, "tokenizer.ggml.tokens", path))
    merges = [tuple(merge.split(" ", 1)) for merge in _required(metadata, "tokenizer.ggml.merges", path)]
    token_types = list(metadata.get("tokenizer.ggml.token_type", [1] * len(tokens)))
    vocab = {token: index for index, token in enumerate(tokens)}
    if len(vocab) != len(tokens):
        raise _fail("the vocabulary holds duplicate tokens", path=path, field="tokenizer.ggml.tokens")

    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False))
    tokenizer.pre_tokenizer = pre_tokenizer(pre)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    control = [tokens[i] for i, kind in enumerate(token_types) if kind == CONTROL]
    tokenizer.add_special_tokens([AddedToken(text, special=True, normalized=False) for text in control])
    user_defined = [tokens[i] for i, kind in enumerate(token_types) if kind == USER_DEFINED]
    if user_defined:
        tokenizer.add_tokens([AddedToken(text, special=False, normalized=False) for text in user_defined])

    def token(key: str):
        value = metadata.get(f"tokenizer.ggml.{key}")
        return tokens[int(value)] if value is not None and 0 <= int(value) < len(tokens) else None

    specials = {name: token(key) for name, key in (("bos_token", "bos_token_id"), ("eos_token", "eos_token_id"),
                                                   ("unk_token", "unknown_token_id"), ("pad_token", "padding_token_id"))}
    specials = {name: text for name, text in specials.items() if text is not None}
    bos = specials.get("bos_token")
    if bool(metadata.get("tokenizer.ggml.add_bos_token", False)) and bos is not None:
        # llama.cpp adds BOS when the GGUF says so; PreTrainedTokenizerFast only does what tokenizer.json's
        # post-processor does, so the BOS goes there (else a model trained here would never see it).
        bos_id = int(metadata["tokenizer.ggml.bos_token_id"])
        tokenizer.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single=f"{bos}:0 $A:0", pair=f"{bos}:0 $A:0 {bos}:1 $B:1",
                                          special_tokens=[(bos, bos_id)]),
        ])
    config = {
        # Not GPT2Tokenizer (what SmolLM's own repo names): transformers >= 5 rebuilds that class with a plain
        # ByteLevel pre-tokenizer and drops the digit split this vocabulary was trained with. The generic fast
        # tokenizer uses tokenizer.json as written, which is what llama.cpp does too.
        "tokenizer_class": "PreTrainedTokenizerFast",
        **specials,
        "add_bos_token": bool(metadata.get("tokenizer.ggml.add_bos_token", False)),
        "add_eos_token": bool(metadata.get("tokenizer.ggml.add_eos_token", False)),
        "add_prefix_space": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": int(metadata.get("llama.context_length", 4096)),
    }
    template = metadata.get("tokenizer.chat_template")
    if template is not None:
        config["chat_template"] = template
    return tokenizer, config, {**specials, "additional_special_tokens": control}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def convert(gguf_path: Path, out_dir: Path, *, overwrite: bool = False, progress=lambda done, total, name: None) -> dict:
    """Writes the HF directory; returns a summary (config, source tensor types, files with sha256)."""
    try:
        import gguf
    except ImportError as error:
        raise EngineError("E_NOT_FOUND", "gguf-to-hf needs gguf-py: pip install 'qreason-engine[models]' "
                          "(scripts/setup.sh installs it: the lock engine/locks/cpu.txt carries the dev extra)") from error
    from safetensors.torch import save_file

    if not gguf_path.is_file():
        raise EngineError("E_NOT_FOUND", "no such GGUF file", file=str(gguf_path))
    with gguf_path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise _fail("not a GGUF file (no GGUF magic)", path=gguf_path)
    if out_dir.exists() and not overwrite:
        raise EngineError("E_USAGE", "the output directory exists; pass --force to replace it", file=str(out_dir))
    try:
        reader = gguf.GGUFReader(str(gguf_path))
    except (ValueError, KeyError, IndexError) as error:
        raise _fail(f"gguf-py cannot read the file: {error}", path=gguf_path) from error
    metadata = read_metadata(reader, gguf_path)
    tensors = {tensor.name: tensor for tensor in reader.tensors}
    config = llama_config(metadata, tensors, gguf_path)
    tokenizer, tokenizer_config, special_tokens = tokenizer_files(metadata, gguf_path)
    if len(tokenizer.get_vocab()) != config["vocab_size"]:
        raise _fail(f"{len(tokenizer.get_vocab())} tokens but a vocabulary size of {config['vocab_size']}",
                    path=gguf_path, field="llama.vocab_size")
    weights, source_types = dequantized_weights(reader, config, gguf_path, progress)

    staging = out_dir.with_name(f"{out_dir.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        # Tied models keep one copy: transformers re-ties lm_head to the embedding when it loads.
        save_file(weights, str(staging / "model.safetensors"), metadata={"format": "pt"})
        (staging / "model.safetensors").chmod(0o644)  # safetensors creates it 0600; the cache may be shared
        del weights
        tokenizer.save(str(staging / "tokenizer.json"))
        generation = {key: config[key] for key in ("bos_token_id", "eos_token_id", "pad_token_id") if key in config}
        for name, content in (("config.json", config), ("tokenizer_config.json", tokenizer_config),
                              ("special_tokens_map.json", special_tokens), ("generation_config.json", generation)):
            (staging / name).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n")
        files = {path.name: {"bytes": path.stat().st_size, "sha256": _sha256(path)} for path in sorted(staging.iterdir())}
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    import numpy
    import tokenizers
    import torch

    return {
        "out": str(out_dir),
        "architecture": "LlamaForCausalLM",
        "parameters": sum(int(tensor.n_elements) for tensor in reader.tensors),
        "source_tensor_types": dict(sorted(source_types.items())),
        "file_type": int(metadata.get("general.file_type", -1)),
        "pre_tokenizer": metadata.get("tokenizer.ggml.pre", "gpt-2"),
        "files": files,
        "versions": {"gguf": _version("gguf"), "numpy": numpy.__version__, "torch": torch.__version__,
                     "tokenizers": tokenizers.__version__, "python": sys.version.split()[0]},
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "gguf-to-hf",
        help="dequantize a llama-architecture GGUF to a Hugging Face directory (float32)",
        description="Dequantize a llama-architecture GGUF (any type gguf-py reads: F32/F16/Q8_0/Q4_1/K-quants...) "
                    "into a Hugging Face LlamaForCausalLM directory in float32: config.json, model.safetensors, "
                    "tokenizer.json + tokenizer_config.json (with the GGUF's chat template), generation_config.json. "
                    "The quantization's rounding stays in the weights.",
    )
    parser.add_argument("--gguf", required=True, type=Path, help="input GGUF file")
    parser.add_argument("--out", required=True, type=Path, help="output directory (must not exist unless --force)")
    parser.add_argument("--force", action="store_true", help="replace the output directory")
    parser.add_argument("--json", action="store_true",
                        help="JSON lines on stdout: {event: tensor, done, total, name} per tensor, then {event: done, ...}")


def run(args: argparse.Namespace) -> int:
    def progress(done: int, total: int, name: str) -> None:
        if args.json:
            print(json.dumps({"event": "tensor", "done": done, "total": total, "name": name}), flush=True)
        elif done == total or done % 50 == 0:
            print(f"dequantized {done}/{total} tensors", file=sys.stderr, flush=True)

    summary = convert(args.gguf, args.out, overwrite=args.force, progress=progress)
    if args.json:
        print(json.dumps({"event": "done", **summary}), flush=True)
    else:
        print(f"wrote {summary['out']} ({summary['parameters']:,} parameters, from "
              f"{', '.join(f'{count} {kind}' for kind, count in summary['source_tensor_types'].items())})")
    return 0
