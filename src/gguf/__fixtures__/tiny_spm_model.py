"""A tiny random Llama with a SentencePiece-style tokenizer (BPE with byte fallback, "▁" for spaces), the
layout of Llama 2 and Mistral 7B checkpoints, for the GGUF exporter's tests.

Writes tokenizer.json (what transformers loads) and, with --with-model-file, a tokenizer.model protobuf
with the same pieces, scoring each piece by minus the rank of the merge that makes it, as SentencePiece BPE
does. The protobuf is encoded by hand (no protobuf package needed).

Usage: python tiny_spm_model.py OUT_DIR [--with-model-file]
"""

import struct
import sys

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, processors, trainers
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

from qreason_engine.tiny import _CORPUS, make_config


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, wire: int, payload: bytes) -> bytes:
    key = varint(number * 8 + wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def sentencepiece_model(pieces) -> bytes:
    body = b""
    for text, score, kind in pieces:
        piece = field(1, 2, text.encode()) + field(2, 5, struct.pack("<f", score)) + field(3, 0, varint(kind))
        body += field(1, 2, piece)
    body += field(2, 2, field(3, 0, varint(2)))  # trainer_spec.model_type = BPE
    body += field(3, 2, field(3, 0, varint(1)) + field(4, 0, varint(0)))  # add_dummy_prefix, no ws squeeze
    return body


def main() -> None:
    out = sys.argv[1]
    byte_tokens = [f"<0x{i:02X}>" for i in range(256)]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tokenizer.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tokenizer.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    trainer = trainers.BpeTrainer(vocab_size=420, special_tokens=["<unk>", "<s>", "</s>"] + byte_tokens,
                                  show_progress=False)
    tokenizer.train_from_iterator(_CORPUS * 4, trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>")

    config = make_config("llama", len(fast))
    config.bos_token_id, config.eos_token_id, config.pad_token_id = 1, 2, None
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() == 2:
                param.normal_(0.0, 0.15)
    model.save_pretrained(out)
    fast.save_pretrained(out)

    if "--with-model-file" in sys.argv:
        state = tokenizer.model.__getstate__()
        import json
        bpe = json.loads(state)
        rank = {}
        for index, merge in enumerate(bpe["merges"]):
            joined = "".join(merge) if isinstance(merge, list) else merge.replace(" ", "")
            rank.setdefault(joined, index)
        pieces = []
        for text, _ in sorted(bpe["vocab"].items(), key=lambda item: item[1]):
            if text == "<unk>":
                kind = 2
            elif text in ("<s>", "</s>"):
                kind = 3
            elif text.startswith("<0x") and len(text) == 6:
                kind = 6
            else:
                kind = 1
            pieces.append((text, -float(rank.get(text, len(rank))), kind))
        with open(f"{out}/tokenizer.model", "wb") as handle:
            handle.write(sentencepiece_model(pieces))
    print(out)


if __name__ == "__main__":
    main()
