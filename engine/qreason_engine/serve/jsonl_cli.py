"""`qreason-engine generate` and `qreason-engine score`: JSONL in, JSONL out, for scripts.

Each input line is the `params` object of the stdio protocol's generate/score request, plus an optional
"id" (default: the line number). Each output line is {"id", "result"} or {"id", "error"}, in input order;
a bad line gets its error line and the rest still run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ..errors import EngineError
from ..jsonlines import decoded_lines
from .options import add_model_options, build_engine


def add_parser(subparsers) -> None:
    for name, what in (("generate", "generate completions"), ("score", "teacher-force continuations")):
        parser = subparsers.add_parser(name, help=f"{what} for every request in a JSONL file")
        add_model_options(parser)
        parser.add_argument("--input", required=True, help="JSONL requests ('-' reads stdin)")
        parser.add_argument("--output", default="-", help="JSONL results ('-' writes stdout)")
        parser.add_argument("--chunk", type=int, default=256, help="requests read and run per batch call")
        parser.set_defaults(jsonl_kind=name)


def run(args: argparse.Namespace) -> int:
    from ..protocol import error_json, generation_json, parse_generate, parse_score, score_json

    generating = args.jsonl_kind == "generate"
    parse = parse_generate if generating else parse_score
    render = generation_json if generating else score_json
    _, generator, scorer = build_engine(args)
    run_chunk = generator.generate_each if generating else scorer.score_each
    failures = 0
    with _open(args.input, "r") as source, _open(args.output, "w") as sink:
        for chunk in _chunks(_read(source, args.input, parse), args.chunk):
            valid = [item for item in chunk if not isinstance(item[2], EngineError)]
            outcomes = dict(zip((line for line, _, _ in valid), run_chunk([request for _, _, request in valid])))
            for line, request_id, request in chunk:
                outcome = request if isinstance(request, EngineError) else outcomes[line]
                if isinstance(outcome, EngineError):
                    failures += 1
                    message = {"id": request_id, "error": {**error_json(outcome), "line": line}}
                else:
                    message = {"id": request_id, "result": render(outcome)}
                sink.write(json.dumps(message, ensure_ascii=False, allow_nan=False) + "\n")
            sink.flush()
    if failures:
        print(f"qreason-engine {args.jsonl_kind}: {failures} request(s) failed; see their error lines",
              file=sys.stderr)
    return 1 if failures else 0


def _read(source: IO[bytes] | IO[str], name: str, parse) -> Iterator[tuple[int, Any, Any]]:
    """(line number, id, request or EngineError) for every non-blank line."""
    for number, text in decoded_lines(source, name):
        if isinstance(text, EngineError):
            yield number, number, text
            continue
        if not text.strip():
            continue
        try:
            params = json.loads(text)
        except json.JSONDecodeError as error:
            yield number, number, EngineError("E_INPUT", f"not valid JSON: {error.msg}", file=f"{name}:{number}")
            continue
        request_id = params.pop("id", number) if isinstance(params, dict) else number
        try:
            yield number, request_id, parse(params)
        except EngineError as error:
            yield number, request_id, EngineError(error.code, str(error), file=f"{name}:{number}", field=error.field)


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def _open(path: str, mode: str):
    # Input is read as bytes and split at "\n" only (jsonlines.py); output is UTF-8 whatever the locale.
    if path == "-":
        if mode == "r":
            yield sys.stdin.buffer
        else:
            sys.stdout.reconfigure(encoding="utf-8", newline="\n")
            yield sys.stdout
        return
    if mode == "r" and not Path(path).is_file():
        raise EngineError("E_NOT_FOUND", f"input file not found: {path}")
    with (open(path, "rb") if mode == "r" else open(path, mode, encoding="utf-8", newline="\n")) as handle:
        yield handle
