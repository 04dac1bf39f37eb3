"""Serving: one batching worker in front of the model, reached over stdio JSON lines (stdio.py), the
OpenAI-compatible HTTP server (http.py) or JSONL files (jsonl_cli.py). Modules are imported directly;
this package imports nothing so `qreason-engine --help` stays fast."""
