"""Regressions from issue 12's hostile probe: what a model folder or a client can send the engine.

- Lines end at "\\n" only: a "\\r" between JSON tokens, or a raw U+2028 inside a string, is part of the line;
  a line that is not UTF-8 is answered with an error and the session goes on.
- A binary, non-object or directory config.json is an error naming the file, not a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from qreason_engine.errors import EngineError
from qreason_engine.model import load_model


def _serve(model_dir, stdin: bytes) -> tuple[list[dict], str, int]:
    result = subprocess.run([sys.executable, "-m", "qreason_engine.cli", "serve", "--stdio", "--model", str(model_dir),
                             "--batch-window-ms", "1"], input=stdin, capture_output=True, timeout=300)
    # Split the way the TypeScript client does: at b"\n" only.
    lines = [line for line in result.stdout.split(b"\n") if line.strip()]
    return [json.loads(line) for line in lines], result.stderr.decode("utf-8", "replace"), result.returncode


def test_stdio_lines_end_at_newline_only(tiny_model_dir):
    separator_id = "line\u2028para\u2029end"
    requests = b"".join([
        json.dumps({"id": separator_id, "method": "info"}, ensure_ascii=False).encode() + b"\n",
        b'{"id": 2,\r "method": "info"}\n',  # "\r" is JSON whitespace, not a line end
        b'{"id": 3, "method": "info", "params": {}}\r\n',  # CRLF
        b'{"id": 4, "method": "in\xff\xfefo"}\n',  # not UTF-8
        json.dumps({"id": 5, "method": "generate", "params": {"prompt": "a\u2028b", "max_tokens": 2}},
                   ensure_ascii=False).encode() + b"\n",
        b'{"id": "bye", "method": "shutdown"}\n',
    ])
    messages, stderr, code = _serve(tiny_model_dir("llama"), requests)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    by_id = {message.get("id"): message for message in messages if "event" not in message}
    assert by_id[separator_id]["result"]["model"]["architecture"] == "LlamaForCausalLM"
    assert "result" in by_id[2] and "result" in by_id[3], by_id
    assert by_id[None]["error"]["code"] == "E_INPUT"
    assert "stdin:4: not valid UTF-8" in by_id[None]["error"]["message"]
    assert by_id[5]["result"]["choices"][0]["completion_tokens"] >= 1
    assert by_id["bye"]["result"] == {"shutting_down": True}


def test_jsonl_generate_reads_lines_at_newline_only(tiny_model_dir, tmp_path):
    source = tmp_path / "requests.jsonl"
    source.write_bytes(b'{"prompt": "a\xe2\x80\xa8b",\r "max_tokens": 2}\n'  # raw U+2028 and a "\r"
                       b'{"prompt": "\xff", "max_tokens": 2}\n')
    result = subprocess.run([sys.executable, "-m", "qreason_engine.cli", "generate", "--model",
                             str(tiny_model_dir("llama")), "--input", str(source)], capture_output=True, timeout=300)
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    lines = [json.loads(line) for line in result.stdout.split(b"\n") if line.strip()]
    assert [line["id"] for line in lines] == [1, 2]
    assert "result" in lines[0], lines[0]
    assert lines[1]["error"]["code"] == "E_INPUT" and "not valid UTF-8" in lines[1]["error"]["message"]
    assert result.returncode == 1  # one request failed


@pytest.mark.parametrize("content, message", [
    (bytes(range(256)) * 4, "not UTF-8 text"),
    (b"[1, 2, 3]", "expected a JSON object, got list"),
    (b'{"architectures": ', "not valid JSON"),
])
def test_a_bad_config_json_is_a_clear_error_naming_the_file(tiny_model_dir, tmp_path, content, message):
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir("llama"), model)
    (model / "config.json").write_bytes(content)
    with pytest.raises(EngineError) as caught:
        load_model(model, dtype="fp32", device="cpu")
    assert caught.value.code == "E_INPUT"
    assert message in str(caught.value)
    assert str(model / "config.json") in caught.value.describe()


def test_serve_with_a_binary_config_json_says_so_without_a_traceback(tiny_model_dir, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir("llama"), model)
    (model / "config.json").write_bytes(b"\x00\xff\xfe binary \x89PNG")
    result = subprocess.run([sys.executable, "-m", "qreason_engine.cli", "serve", "--stdio", "--model", str(model)],
                            capture_output=True, timeout=300, input=b"")
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    fatal = json.loads(result.stdout.split(b"\n")[0])
    assert fatal["event"] == "fatal" and fatal["error"]["code"] == "E_INPUT"
    assert f"{model / 'config.json'}: not UTF-8 text" in fatal["error"]["message"]
