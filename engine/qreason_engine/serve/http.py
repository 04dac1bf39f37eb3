"""`serve --http`: the OpenAI-compatible HTTP server (standard library only: the GPU machine has no
FastAPI). Each connection gets a thread; all of them submit to the one batching worker, so concurrent
requests share model batches.

Routes: GET /v1/models, GET /health, GET /v1/info, POST /v1/completions (with `echo` + `logprobs` it scores
the prompt's own tokens, the way vLLM and SGLang do), POST /v1/chat/completions.
"""

from __future__ import annotations

import json
import sys
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import EngineError
from .openai_api import echo_score_request, chat_response, completion_response, parse_chat_body, parse_completion_body
from .worker import BatchingWorker

MAX_BODY_BYTES = 32 * 1024 * 1024

_STATUS = {"E_INPUT": HTTPStatus.BAD_REQUEST, "E_USAGE": HTTPStatus.BAD_REQUEST, "E_NOT_FOUND": HTTPStatus.NOT_FOUND,
           "E_TIMEOUT": HTTPStatus.GATEWAY_TIMEOUT, "E_BACKEND": HTTPStatus.SERVICE_UNAVAILABLE}
_ERROR_TYPE = {HTTPStatus.BAD_REQUEST: "invalid_request_error", HTTPStatus.NOT_FOUND: "not_found_error",
               HTTPStatus.METHOD_NOT_ALLOWED: "invalid_request_error",
               HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "invalid_request_error",
               HTTPStatus.LENGTH_REQUIRED: "invalid_request_error"}


class EngineHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], worker: BatchingWorker, info: dict, *, quiet: bool = False):
        super().__init__(address, EngineRequestHandler)
        self.worker = worker
        self.info = info
        self.quiet = quiet
        model = info["model"]
        self.model_name: str = model["name"]
        # A client may name the model by its served name, its path or its content hash.
        self.model_aliases = {model["name"], model["path"], model["identity"]}

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class EngineRequestHandler(BaseHTTPRequestHandler):
    server: EngineHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
        if not self.server.quiet:
            sys.stderr.write(f"[qreason-engine http] {self.address_string()} {format % args}\n")

    # -- routes ------------------------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        if path == "/v1/models":
            model = self.server.info["model"]
            self._send(HTTPStatus.OK, {"object": "list", "data": [{
                "id": self.server.model_name, "object": "model", "created": 0, "owned_by": "qreason",
                "root": model["path"], "max_model_len": model["max_context"], "qreason_identity": model["identity"]}]})
        elif path == "/health":
            self._send(HTTPStatus.OK, {"status": "ok"})
        elif path == "/v1/info":
            self._send(HTTPStatus.OK, self.server.info)
        elif path in ("/v1/completions", "/v1/chat/completions"):
            self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes POST")
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"no route {path}")

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        routes = {"/v1/completions": self._completions, "/v1/chat/completions": self._chat}
        handler = routes.get(path)
        if handler is None:
            self._drain()
            self._send_error(HTTPStatus.NOT_FOUND, f"no route {path}")
            return
        body = self._read_json()
        if body is None:
            return
        try:
            self._check_model(body)
            self._send(HTTPStatus.OK, handler(body))
        except EngineError as error:
            status = _STATUS.get(error.code, HTTPStatus.INTERNAL_SERVER_ERROR)
            self._send_error(status, error.describe(), param=error.field, code=error.code)
        except Exception as error:  # noqa: BLE001 - a bug answers 500 with its name instead of a dropped connection
            traceback.print_exc(file=sys.stderr)
            self._send_error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(error).__name__}: {error}", code="E_INTERNAL")

    def _completions(self, body: dict) -> dict:
        worker = self.server.worker
        tokenizer = worker.generator.tokenizer
        job = parse_completion_body(body, tokenizer)
        echoes = [worker.submit_future("score", request) if (request := echo_score_request(prompt, job.logprobs))
                  and job.echo and job.logprobs is not None else None for prompt in job.prompts]
        futures = [worker.submit_future("generate", request) if job.generate else None for request in job.requests]
        results = [future.wait() if future else None for future in futures]
        scored = [future.wait() if future else None for future in echoes]
        return completion_response(job, results, scored, self.server.model_name, tokenizer)

    def _chat(self, body: dict) -> dict:
        future = self.server.worker.submit_future("generate", parse_chat_body(body))
        return chat_response(future.wait(), self.server.model_name)

    # -- plumbing ----------------------------------------------------------------------------------------

    def _check_model(self, body: Any) -> None:
        if isinstance(body, dict) and body.get("model") is not None and body["model"] not in self.server.model_aliases:
            raise EngineError("E_NOT_FOUND", f"this server serves {self.server.model_name!r}, not {body['model']!r}",
                              field="model")

    def _drain(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= MAX_BODY_BYTES:
            self.rfile.read(length)

    def _read_json(self) -> Any | None:
        """The request body as JSON, or None after answering with the reason it cannot be read."""
        header = self.headers.get("Content-Length")
        if header is None:
            self._send_error(HTTPStatus.LENGTH_REQUIRED, "a JSON body with Content-Length is required", close=True)
            return None
        try:
            length = int(header)
        except ValueError:
            self._send_error(HTTPStatus.BAD_REQUEST, "Content-Length is not a number", close=True)
            return None
        if length > MAX_BODY_BYTES:
            self._send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {MAX_BODY_BYTES} bytes", close=True)
            return None
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            self._send_error(HTTPStatus.BAD_REQUEST, f"body is not valid JSON: {error}")
            return None

    def _send_error(self, status: HTTPStatus, message: str, *, param: str | None = None, code: str | None = None,
                    close: bool = False) -> None:
        self._send(status, {"error": {"message": message, "type": _ERROR_TYPE.get(status, "server_error"),
                                      "param": param, "code": code}}, close=close)

    def _send(self, status: HTTPStatus, body: dict, *, close: bool = False) -> None:
        data = json.dumps(body, ensure_ascii=False, allow_nan=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)
