"""Reading JSON lines: split on b"\\n" only, decode each line as strict UTF-8.

Python's text files split at a lone "\\r" too (universal newlines), and str.splitlines() also at U+2028 /
U+2029 and a dozen other characters; a JSON line may hold "\\r" as whitespace and U+2028 raw inside a
string. Splitting bytes at 0x0A (which never occurs inside a multi-byte UTF-8 sequence) and decoding per line
also lets a line that is not UTF-8 be reported by its number instead of ending the whole read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .errors import EngineError


def decoded_lines(source: Iterable[bytes | str], name: str) -> Iterator[tuple[int, str | EngineError]]:
    """(line number, text without its line ending, or the EngineError of a line that is not UTF-8).

    `source` yields lines as a binary file does (split at b"\\n"); text sources (tests' StringIO) pass through.
    """
    for number, raw in enumerate(source, start=1):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield number, EngineError("E_INPUT", f"not valid UTF-8 (byte {error.start} of the line)",
                                          file=f"{name}:{number}")
                continue
        else:
            text = raw
        if text.startswith("\ufeff") and number == 1:
            text = text[1:]  # a byte-order mark is not data
        yield number, text.removesuffix("\n").removesuffix("\r")
