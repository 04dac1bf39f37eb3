"""Where each token of a continuation sits in its text: [start, end) offsets in characters (code points).

Found by decoding growing runs of tokens, so it works for any tokenizer that can decode (byte-level BPE,
SentencePiece, added special tokens) without tokenizer-specific offset tables, and for token ids that
were generated rather than tokenized from the text. A token that ends inside a character (byte-level BPE
splits some characters over several tokens; decoding the partial bytes gives U+FFFD) gets an empty span,
and the token that completes the character owns it, so the spans are contiguous and join to the text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

REPLACEMENT = "\ufffd"


def _matched(piece: str, expected: str) -> tuple[int | None, bool]:
    """How much of `expected` the decoded `piece` spells, ignoring trailing U+FFFD that stand for a character
    still in progress; None when it is not a prefix. The flag says whether such a partial character was cut."""
    end = len(piece)
    while end > 0 and piece[end - 1] == REPLACEMENT and expected[end - 1:end] != REPLACEMENT:
        end -= 1
    return (end if expected.startswith(piece[:end]) else None), end < len(piece)


def token_offsets(decode: Callable[[Sequence[int]], str], ids: Sequence[int],
                  text: str) -> tuple[list[tuple[int, int]], bool]:
    """Offsets of every token of `ids` in `text`; the flag is False when the tokens do not decode back to
    `text` (a normalizing tokenizer), in which case the offsets are the best contiguous approximation.

    Each step decodes only the tokens since the last clean character boundary (linear time); where that
    window does not decode the same as it does in context (SentencePiece drops a leading space at the start
    of a decode), it decodes from the first token instead.
    """
    offsets: list[tuple[int, int]] = []
    exact = True
    anchor_token, anchor_char, previous = 0, 0, 0
    for i in range(len(ids)):
        matched, partial = _matched(decode(ids[anchor_token:i + 1]), text[anchor_char:])
        end = None if matched is None else anchor_char + matched
        if end is None:
            matched, partial = _matched(decode(ids[:i + 1]), text)
            end = matched
        if end is None:
            exact, end, partial = False, previous, True
        end = max(end, previous)
        offsets.append((previous, end))
        previous = end
        if not partial:
            anchor_token, anchor_char = i + 1, end
    if offsets and previous != len(text):
        exact = False
        offsets[-1] = (offsets[-1][0], len(text))
    return offsets, exact
