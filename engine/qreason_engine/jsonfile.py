"""Reading a JSON object from a file a user supplied (config.json, manifests), with errors that name the file.

A model folder can hold anything: a binary or truncated config.json, a directory by that name, JSON that is
an array. Each is an EngineError naming the file, never a UnicodeDecodeError or AttributeError traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import EngineError


def read_json_object(path: str | Path) -> dict:
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError as error:
        raise EngineError("E_NOT_FOUND", "file not found", file=str(file)) from error
    except OSError as error:  # a directory by that name, no permission
        raise EngineError("E_INPUT", f"cannot read: {error.strerror or error}", file=str(file)) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise EngineError("E_INPUT", f"not UTF-8 text (byte {error.start}): not a JSON file", file=str(file)) from error
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise EngineError("E_INPUT", f"not valid JSON: {error.msg}", file=f"{file}:{error.lineno}") from error
    except RecursionError as error:
        raise EngineError("E_INPUT", "JSON nested too deeply", file=str(file)) from error
    if not isinstance(value, dict):
        raise EngineError("E_INPUT", f"expected a JSON object, got {type(value).__name__}", file=str(file))
    return value
