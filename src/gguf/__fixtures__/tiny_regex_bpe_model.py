"""A tiny random model whose byte-level BPE tokenizer uses one of the pre-tokenizer regexes of real
checkpoints (Llama 3, Qwen2/3, Mistral Tekken), for the GGUF exporter's tests: the exporter must name the regex
as llama.cpp does, and llama.cpp must then tokenize exactly like transformers.

Usage: python tiny_regex_bpe_model.py OUT_DIR {llama-bpe|qwen2|tekken}
"""

import sys

import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

from qreason_engine.tiny import _CORPUS, make_config

REGEXES = {
    # family whose transformers tokenizer keeps tokenizer.json's pre-tokenizer, regex, BPE ignore_merges
    "llama-bpe": ("llama", r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+", True),
    "qwen2": ("qwen3", r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+", False),
    "tekken": ("mistral", r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+", False),
}

EXTRA = ["It's 2024 and we've got 1234567 items; they'll ship 89 of them.", "CamelCaseWord and UPPER lower MixedUP",
         "path/to/file\r\n\n  indented  text", "Ünïcödé naïve café 12.5%"]


def main() -> None:
    out, pre = sys.argv[1], sys.argv[2]
    family, regex, ignore_merges = REGEXES[pre]
    tokenizer = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(regex), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=448, special_tokens=["<|bos|>", "<|eos|>", "<|pad|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator((_CORPUS + EXTRA) * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<|bos|>", eos_token="<|eos|>",
                                   pad_token="<|pad|>")
    config = make_config(family, len(fast))
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() == 2:
                param.normal_(0.0, 0.15)
    model.save_pretrained(out)
    fast.save_pretrained(out)
    print(out)


if __name__ == "__main__":
    main()
