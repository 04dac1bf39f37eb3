"""Write a randomly initialised Llama-3.2-1B-shaped checkpoint in Hugging Face layout (bf16 safetensors),
with the reference model's tokenizer, for timing the GGUF path on a model of real size: `qreason gguf
export`, llama.cpp's quantizer, generation and scoring. Nothing is downloaded; the weights are noise.

    python -m qreason_engine.bench.random_checkpoint --out /tmp/llama-1b            # 2.5 GB
    python -m qreason_engine.bench.random_checkpoint --out /tmp/small --small       # a tiny shape

The embedding keeps Llama-3.2-1B's 128,256 rows; the 512-token tokenizer covers the first ids and the
GGUF exporter pads the rest, as it does for real models whose embedding is larger than their vocabulary.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from .shapes import LLAMA_32_1B, build_model

REFERENCE = Path(__file__).resolve().parents[3] / "models" / "reference" / "hf"
SMALL = dict(LLAMA_32_1B, hidden_size=256, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             intermediate_size=512, vocab_size=1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--tokenizer", type=Path, default=REFERENCE, help="HF directory whose tokenizer to copy")
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer, local_files_only=True)
    model = build_model(SMALL if args.small else LLAMA_32_1B, torch.bfloat16, torch.device(args.device),
                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                        pad_token_id=tokenizer.pad_token_id)
    args.out.mkdir(parents=True, exist_ok=True)
    model.to("cpu").save_pretrained(args.out, safe_serialization=True)
    tokenizer.save_pretrained(args.out)
    parameters = sum(p.numel() for p in model.parameters())
    print(json.dumps({"out": str(args.out), "parameters": parameters, "dtype": "bf16"}))


if __name__ == "__main__":
    main()
