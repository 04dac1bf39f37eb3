"""Training data: JSONL lines read strictly, then tokenized as the engine generates and scores.

    dpo     {"prompt": str | [{"role", "content"}], "chosen": str, "rejected": str}
    sft     {"prompt": ..., "completion": str}
    margin  {"prompt": ..., "completion": str, "positions": [int, ...]}

The prompt is rendered as generation renders it (raw text with the tokenizer's special tokens; chat
messages through the chat template with the generation prompt), each completion is tokenized on its own
after it (as a scored continuation is), and EOS is appended when the recipe says so: a trained adapter
sees exactly the token sequences it is later evaluated on. A margin line's `positions` are character
offsets into `completion` (where the fp model's token must win: attribution's first divergences); each
becomes the index of the completion token whose text span holds it (offsets.py, as scoring reports spans).
An unknown field, a wrong type or an offset outside the completion is an E_INPUT error naming file:line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EngineError
from ..generate import render_prompt
from ..offsets import token_offsets
from ..protocol import parse_messages

FIELDS = {"dpo": ("prompt", "chosen", "rejected"), "sft": ("prompt", "completion"),
          "margin": ("prompt", "completion", "positions")}
# Lines may carry provenance the miner writes (problem id, error category...); kept out of training.
OPTIONAL = ("id", "meta")


@dataclass(frozen=True)
class Example:
    """One tokenized line. `completions`: (chosen, rejected) for dpo, (completion,) otherwise. `positions`:
    for margin, indices into completions[0] of the tokens that must win."""

    line: int
    prompt: tuple[int, ...]
    completions: tuple[tuple[int, ...], ...]
    positions: tuple[int, ...] = ()


@dataclass(frozen=True)
class Dataset:
    examples: tuple[Example, ...]
    sha256: str
    lines: int
    # Completions cut to max_length, and margin positions lost with the cut (a margin line left with none is
    # not an example).
    truncated: int
    positions_dropped: int


def _fail(message: str, file: str, line: int, field: str | None = None) -> EngineError:
    return EngineError("E_INPUT", message, file=f"{file}:{line}", field=field)


def read_lines(path: str | Path, kind: str) -> tuple[list[tuple[int, dict]], str]:
    """(line number, object) per non-blank line, validated for `kind`; and the file's sha256."""
    file = Path(path)
    if not file.is_file():
        raise EngineError("E_NOT_FOUND", f"training data not found: {file}", field="data")
    raw = file.read_bytes()
    rows = []
    allowed = FIELDS[kind] + OPTIONAL
    for number, text in enumerate(raw.decode("utf-8", errors="strict").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as error:
            raise _fail(f"not valid JSON: {error.msg}", str(file), number) from error
        if not isinstance(row, dict):
            raise _fail("must be a JSON object", str(file), number)
        for key in row:
            if key not in allowed:
                raise _fail(f"unknown field for {kind} data (expected {', '.join(FIELDS[kind])})", str(file),
                            number, key)
        for key in FIELDS[kind]:
            if key not in row:
                raise _fail(f"missing (a {kind} line has {', '.join(FIELDS[kind])})", str(file), number, key)
        _check_types(row, kind, str(file), number)
        rows.append((number, row))
    if not rows:
        raise EngineError("E_INPUT", "has no training lines", file=str(file), field="data")
    return rows, hashlib.sha256(raw).hexdigest()


def _check_types(row: dict, kind: str, file: str, line: int) -> None:
    prompt = row["prompt"]
    if not isinstance(prompt, (str, list)):
        raise _fail("must be a string or a list of chat messages", file, line, "prompt")
    if isinstance(prompt, list):
        try:
            parse_messages(prompt, "prompt")
        except EngineError as error:
            raise _fail(str(error), file, line, error.field) from error
    for key in FIELDS[kind][1:]:
        if key == "positions":
            positions = row[key]
            if (not isinstance(positions, list) or not positions
                    or not all(isinstance(p, int) and not isinstance(p, bool) for p in positions)):
                raise _fail("must be a non-empty list of character offsets (integers)", file, line, key)
        elif not isinstance(row[key], str) or not row[key]:
            raise _fail("must be a non-empty string", file, line, key)


def _prompt_of(value: Any):
    return value if isinstance(value, str) else parse_messages(value, "prompt")


def token_index(offsets: list[tuple[int, int]], char: int) -> int | None:
    """The token whose [start, end) span holds character `char` (a token ending mid-character has an empty
    span; the token completing the character owns it)."""
    for index, (start, end) in enumerate(offsets):
        if start <= char < end:
            return index
    return None


def tokenize(rows: list[tuple[int, dict]], kind: str, tokenizer, *, max_length: int, append_eos: bool,
             file: str) -> tuple[list[Example], int, int]:
    """Examples, the number of completions cut to max_length, and margin positions lost to the cut."""
    eos = tokenizer.eos_token_id
    if append_eos and eos is None:
        raise EngineError("E_INPUT", "append_eos is set but the tokenizer has no EOS token", field="append_eos")

    def decode(ids):
        return tokenizer.decode(list(ids), skip_special_tokens=False, clean_up_tokenization_spaces=False)

    examples, truncated, dropped = [], 0, 0
    for number, row in rows:
        try:
            prompt = render_prompt(tokenizer, _prompt_of(row["prompt"]))
        except EngineError as error:
            raise _fail(str(error), file, number, "prompt") from error
        if not prompt:
            raise _fail("the prompt encodes to zero tokens (this tokenizer adds no BOS)", file, number, "prompt")
        room = max_length - len(prompt)
        if room < 1:
            raise _fail(f"the prompt alone is {len(prompt)} tokens; max_length is {max_length}", file, number,
                        "prompt")
        texts = [row[key] for key in FIELDS[kind][1:] if key != "positions"]
        completions = []
        for text in texts:
            ids = list(tokenizer(text, add_special_tokens=False).input_ids) + ([eos] if append_eos else [])
            if len(ids) > room:
                ids, truncated = ids[:room], truncated + 1
            completions.append(tuple(ids))
        positions: tuple[int, ...] = ()
        if kind == "margin":
            text = row["completion"]
            text_ids = tokenizer(text, add_special_tokens=False).input_ids
            offsets, _exact = token_offsets(decode, text_ids, text)
            found = []
            for char in row["positions"]:
                if not 0 <= char < len(text):
                    raise _fail(f"offset {char} is outside the completion (0..{len(text) - 1})", file, number,
                                "positions")
                index = token_index(offsets, char)
                if index is None:
                    raise _fail(f"no token of the completion holds character {char}", file, number, "positions")
                if index < len(completions[0]):
                    found.append(index)
                else:
                    dropped += 1
            positions = tuple(sorted(set(found)))
            if not positions:  # every position fell to max_length: nothing for this line to train
                continue
        examples.append(Example(line=number, prompt=tuple(prompt), completions=tuple(completions),
                                positions=positions))
    return examples, truncated, dropped


def load_dataset(path: str | Path, kind: str, tokenizer, *, max_length: int, append_eos: bool) -> Dataset:
    rows, sha256 = read_lines(path, kind)
    examples, truncated, dropped = tokenize(rows, kind, tokenizer, max_length=max_length, append_eos=append_eos,
                                            file=str(path))
    if kind == "margin" and not any(example.positions for example in examples):
        raise EngineError("E_INPUT", "no margin position survives max_length", file=str(path), field="positions")
    return Dataset(tuple(examples), sha256, len(rows), truncated, dropped)
