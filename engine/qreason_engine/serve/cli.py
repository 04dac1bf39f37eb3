"""`qreason-engine serve --stdio | --http`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from ..errors import EngineError
from .options import add_model_options, build_engine


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("serve", help="serve a model over stdio JSON lines or OpenAI-compatible HTTP")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--stdio", action="store_true", help="JSON lines on stdin/stdout (engine/README.md)")
    mode.add_argument("--http", action="store_true", help="OpenAI-compatible HTTP server")
    add_model_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default loopback only)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port; 0 picks a free one")
    parser.add_argument("--served-model-name", default=None, help="model id in /v1/models (default: directory name)")
    parser.add_argument("--batch-window-ms", type=float, default=5.0,
                        help="how long the worker waits for more requests to join a batch")
    parser.add_argument("--quiet", action="store_true", help="no HTTP access log on stderr")
    return parser


def run(args: argparse.Namespace) -> int:
    protocol_out = sys.stdout
    if args.stdio:
        # The protocol is UTF-8 whatever the locale says, with "\n" line ends (README: the stdio protocol).
        sys.stdout.reconfigure(encoding="utf-8", newline="\n")
        # stdout carries the protocol alone: anything a library prints goes to stderr instead.
        sys.stdout = sys.stderr
    try:
        loaded, generator, scorer = build_engine(args)
    except EngineError as error:
        if not args.stdio:
            raise
        body = {"code": error.code, "message": error.describe(), **({"field": error.field} if error.field else {})}
        protocol_out.write(json.dumps({"event": "fatal", "error": body}) + "\n")
        protocol_out.flush()
        return 1
    from .loading import engine_info
    from .worker import BatchingWorker

    worker = BatchingWorker(generator, scorer, window_s=args.batch_window_ms / 1000,
                            max_batch_rows=args.max_batch_rows).start()
    info = engine_info(loaded, served_name=args.served_model_name or Path(args.model).resolve().name,
                       limits={"max_batch_rows": args.max_batch_rows, "generator": args.generator,
                               "cache": args.cache, "compile": args.compile})
    if args.stdio:
        from .stdio import serve_stdio
        return serve_stdio(worker, info, sys.stdin.buffer, protocol_out)
    return _serve_http(worker, info, args)


def _serve_http(worker, info: dict, args: argparse.Namespace) -> int:
    from .http import EngineHTTPServer

    server = EngineHTTPServer((args.host, args.port), worker, info, quiet=args.quiet)
    # The first stdout line tells a parent process where to connect (useful with --port 0).
    print(json.dumps({"event": "listening", "url": server.url, "host": server.server_address[0],
                      "port": server.server_address[1]}), flush=True)
    print(f"qreason-engine: serving {info['model']['name']} on {server.url}", file=sys.stderr)

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        worker.close(timeout=30)
    return 0
