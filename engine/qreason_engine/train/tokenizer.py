"""A small byte-level BPE tokenizer for the reference model, trained on its own data.

Pre-tokenization is Qwen2's: every digit is its own pre-token, so numbers are spelled digit by digit
(arithmetic learns far better that way) and llama.cpp reproduces it exactly with its `qwen2` pre-tokenizer
type when the model is exported to GGUF.
"""

from __future__ import annotations

from typing import Iterable

# Qwen2's pre-tokenizer regex (tokenizer.json of the Qwen2 family); llama.cpp implements it as "qwen2".
QWEN2_PRETOKENIZE_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

BOS, EOS, PAD = "<|bos|>", "<|eos|>", "<|pad|>"


def train_tokenizer(texts: Iterable[str], vocab_size: int):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[BOS, EOS, PAD],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    add_bos_processor(tokenizer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token=BOS, eos_token=EOS, pad_token=PAD)
    return fast


def add_bos_processor(tokenizer) -> None:
    """Make plain tokenization start with BOS, as in training, so every engine prompts the model alike
    (transformers with special tokens, llama.cpp through the GGUF's add_bos_token read from this)."""
    from tokenizers import processors

    bos_id = tokenizer.token_to_id(BOS)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A $B", special_tokens=[(BOS, bos_id)])
