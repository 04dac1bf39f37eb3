"""`serve --stdio`: JSON lines in on stdin, JSON lines out on stdout (protocol in engine/README.md).

The reader thread (the caller's) parses and validates; the worker runs batches and answers through
callbacks, so responses go out in completion order, each carrying its request's id. A bad line gets an
error response; nothing a client sends ends the process except end of input or `shutdown`.
"""

from __future__ import annotations

import json
import threading
from typing import IO, Any

from ..errors import EngineError
from ..jsonlines import decoded_lines
from ..protocol import error_json, generation_json, parse_generate, parse_score, score_json
from .worker import BatchingWorker, Job

_METHODS = ("generate", "score", "info", "cancel", "shutdown")


class LineWriter:
    """Writes whole JSON lines from several threads without interleaving them."""

    def __init__(self, stream: IO[str]):
        self._stream = stream
        self._lock = threading.Lock()

    def write(self, message: dict) -> None:
        line = json.dumps(message, ensure_ascii=False, allow_nan=False)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()


class StdioSession:
    def __init__(self, worker: BatchingWorker, info: dict, writer: LineWriter):
        self.worker = worker
        self.info = info
        self.writer = writer
        self._inflight: dict[Any, Job] = {}
        self._lock = threading.Lock()
        self.shutting_down = False

    def handle_line(self, line: str, line_number: int) -> None:
        try:
            message = json.loads(line)
        except json.JSONDecodeError as error:
            self._error(None, EngineError("E_INPUT", f"line {line_number}: not valid JSON: {error.msg}"))
            return
        request_id = message.get("id") if isinstance(message, dict) else None
        try:
            self._dispatch(message, request_id)
        except EngineError as error:
            self._error(request_id, error)

    def _dispatch(self, message: Any, request_id: Any) -> None:
        if not isinstance(message, dict):
            raise EngineError("E_INPUT", "a message must be a JSON object")
        unknown = set(message) - {"id", "method", "params"}
        if unknown:
            raise EngineError("E_INPUT", "unknown envelope field", field=sorted(unknown)[0])
        if not isinstance(request_id, (str, int)) or isinstance(request_id, bool):
            raise EngineError("E_INPUT", "every request needs an id (string or integer)", field="id")
        method = message.get("method")
        if method not in _METHODS:
            raise EngineError("E_INPUT", f"unknown method {method!r}; one of {', '.join(_METHODS)}", field="method")
        params = message.get("params", {})
        if method == "info":
            self.writer.write({"id": request_id, "result": self.info})
        elif method == "cancel":
            self.writer.write({"id": request_id, "result": {"cancelled": self._cancel(params)}})
        elif method == "shutdown":
            self.shutting_down = True
            self.writer.write({"id": request_id, "result": {"shutting_down": True}})
        else:
            request = parse_generate(params) if method == "generate" else parse_score(params)
            self._submit(method, request, request_id)

    def _submit(self, method: str, request, request_id: Any) -> None:
        render = generation_json if method == "generate" else score_json

        def on_done(result, error: EngineError | None) -> None:
            with self._lock:
                self._inflight.pop(request_id, None)
            if error is not None:
                self._error(request_id, error)
            else:
                self.writer.write({"id": request_id, "result": render(result)})

        with self._lock:
            if request_id in self._inflight:
                raise EngineError("E_INPUT", f"id {request_id!r} is already in flight", field="id")
            # Registered before submitting, so a fast completion cannot race the registration.
            self._inflight[request_id] = None  # type: ignore[assignment]
        job = self.worker.submit(method, request, on_done)
        with self._lock:
            if request_id in self._inflight:  # not yet completed (completion removes it)
                self._inflight[request_id] = job

    def _cancel(self, params: Any) -> bool:
        target = params.get("id") if isinstance(params, dict) else None
        with self._lock:
            job = self._inflight.get(target)
        return job is not None and self.worker.cancel(job)

    def _error(self, request_id: Any, error: EngineError) -> None:
        self.writer.write({"id": request_id, "error": error_json(error)})


def serve_stdio(worker: BatchingWorker, info: dict, stdin: IO[bytes] | IO[str], stdout: IO[str]) -> int:
    """Serve until end of input or a shutdown request; every accepted request is answered before return.

    `stdin` is best binary (sys.stdin.buffer): lines then end at "\n" only (see jsonlines.py)."""
    writer = LineWriter(stdout)
    writer.write({"event": "hello", **info})
    session = StdioSession(worker, info, writer)
    for line_number, line in decoded_lines(stdin, "stdin"):
        if isinstance(line, EngineError):
            session._error(None, line)
        elif line.strip():
            session.handle_line(line, line_number)
        if session.shutting_down:
            break
    worker.close()
    return 0
