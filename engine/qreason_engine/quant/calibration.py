"""Calibration data: text from a JSONL file (one text field per line, e.g. a benchmark's train split that
the TypeScript side writes) or a plain text file, cut into `num_samples` windows of `seq_len` tokens.

JSONL records are shuffled with the seed, tokenized, joined with the end-of-sequence token and cut into
consecutive windows; a text file is tokenized whole and `num_samples` of its windows are drawn with the
seed. Both the file's bytes and the resulting token ids are hashed for the manifest.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import EngineError
from ..jsonlines import decoded_lines
from .recipe import CalibrationSpec


@dataclass(frozen=True)
class Calibration:
    token_ids: torch.Tensor  # [num_samples, seq_len], int64
    source_sha256: str
    tokens_sha256: str
    documents: int  # how many records (or 1 for a text file) the windows were cut from

    def describe(self, spec: CalibrationSpec) -> dict:
        return {"path": spec.path, "format": spec.format, "source_sha256": self.source_sha256,
                "tokens_sha256": self.tokens_sha256, "num_samples": int(self.token_ids.shape[0]),
                "seq_len": int(self.token_ids.shape[1]), "seed": spec.seed, "documents": self.documents}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def tokens_sha256(token_ids: torch.Tensor) -> str:
    array = token_ids.to(torch.int64).cpu().contiguous().numpy()
    digest = hashlib.sha256(str(tuple(array.shape)).encode() + b"\0" + array.astype("<i8").tobytes())
    return "sha256:" + digest.hexdigest()


def read_jsonl_texts(path: Path, text_field: str) -> list[str]:
    texts = []
    with path.open("rb") as handle:
        for line_number, line in decoded_lines(handle, str(path)):
            if isinstance(line, EngineError):
                raise line
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise EngineError("E_INPUT", f"not valid JSON: {error.msg}", file=f"{path}:{line_number}") from error
            value = record.get(text_field) if isinstance(record, dict) else None
            if not isinstance(value, str):
                raise EngineError("E_INPUT", f"each line needs a string field '{text_field}' "
                                  f"(calibration.text_field)", file=f"{path}:{line_number}", field=text_field)
            if value.strip():
                texts.append(value)
    return texts


def cut_windows(stream: list[int], num_samples: int, seq_len: int, *, rng: random.Random | None) -> torch.Tensor:
    """num_samples non-overlapping windows of seq_len tokens: the first ones (rng None) or a seeded draw."""
    available = len(stream) // seq_len
    if available < num_samples:
        raise EngineError("E_INPUT", f"the calibration text gives {len(stream)} tokens: {available} windows of "
                          f"{seq_len}, fewer than the {num_samples} asked for", field="calibration.num_samples")
    starts = range(num_samples) if rng is None else sorted(rng.sample(range(available), num_samples))
    return torch.tensor([stream[i * seq_len:(i + 1) * seq_len] for i in starts], dtype=torch.int64)


def load_calibration(spec: CalibrationSpec, tokenizer) -> Calibration:
    path = Path(spec.path)
    if not path.is_file():
        raise EngineError("E_NOT_FOUND", f"calibration file not found: {path}", field="calibration.path")
    needed = spec.num_samples * spec.seq_len
    rng = random.Random(spec.seed)
    try:
        if spec.format == "jsonl":
            texts = read_jsonl_texts(path, spec.text_field)
            rng.shuffle(texts)
            separator = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
            stream: list[int] = []
            documents = 0
            # Tokenize in chunks and stop once there is enough: a large train split is never tokenized whole.
            for start in range(0, len(texts), 256):
                chunk = texts[start:start + 256]
                for ids in tokenizer(chunk, add_special_tokens=False).input_ids:
                    stream.extend(ids + separator)
                    documents += 1
                if len(stream) >= needed:
                    break
            token_ids = cut_windows(stream, spec.num_samples, spec.seq_len, rng=None)
        else:
            stream = tokenizer(path.read_text(encoding="utf-8"), add_special_tokens=False).input_ids
            documents = 1
            token_ids = cut_windows(stream, spec.num_samples, spec.seq_len, rng=rng)
    except UnicodeDecodeError as error:
        raise EngineError("E_INPUT", f"not UTF-8 text: {error}", file=str(path)) from error
    return Calibration(token_ids=token_ids, source_sha256=file_sha256(path), tokens_sha256=tokens_sha256(token_ids),
                       documents=documents)
