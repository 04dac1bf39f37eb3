"""The qreason-engine command line: the subcommand registry and the JSONL generate/score commands."""

import json

import pytest

from qreason_engine.cli import build_parser, main


def test_registry_offers_the_engine_subcommands():
    choices = build_parser()._subparsers._group_actions[0].choices
    assert {"serve", "generate", "score"} <= set(choices)
    args = build_parser().parse_args(["serve", "--stdio", "--model", "m"])
    assert args._run.__module__ == "qreason_engine.serve.cli" and args.host == "127.0.0.1"


def write_lines(path, lines):
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_generate_jsonl_keeps_order_and_reports_bad_lines(tiny_model_dir, tmp_path, capsys):
    source = write_lines(tmp_path / "in.jsonl", [
        {"id": "a", "prompt": "Step 1: Tom", "max_tokens": 4},
        "{broken",
        {"prompt": "The", "max_tokens": 3, "n": 2, "temperature": 0.7, "seed": 5},
        {"id": "bad", "prompt": "x", "top_p": 2},
    ])
    output = tmp_path / "out.jsonl"
    code = main(["generate", "--model", str(tiny_model_dir("llama")), "--input", str(source), "--output", str(output),
                 "--chunk", "2"])
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert code == 1 and "2 request(s) failed" in capsys.readouterr().err
    assert [line["id"] for line in lines] == ["a", 2, 3, "bad"]
    assert lines[0]["result"]["choices"][0]["completion_tokens"] == 4
    assert lines[1]["error"]["message"].startswith(f"{source}:2: not valid JSON")
    assert len(lines[2]["result"]["choices"]) == 2
    assert lines[3]["error"]["field"] == "top_p" and lines[3]["error"]["line"] == 4


def test_score_jsonl(tiny_model_dir, tmp_path):
    source = write_lines(tmp_path / "in.jsonl", [{"id": 1, "prompt": "The", "continuation": " quick fox", "top_k": 2}])
    output = tmp_path / "out.jsonl"
    assert main(["score", "--model", str(tiny_model_dir("qwen2")), "--input", str(source),
                 "--output", str(output)]) == 0
    result = json.loads(output.read_text())["result"]
    assert result["tokens"] and all(len(token["top"]) == 2 for token in result["tokens"])


@pytest.mark.parametrize("argv, message", [
    (["generate", "--model", "{model}", "--input", "{tmp}/absent.jsonl"], "E_NOT_FOUND: input file not found"),
    (["score", "--model", "{tmp}/no-model", "--input", "{tmp}/absent.jsonl"], "E_NOT_FOUND"),
])
def test_user_mistakes_exit_2_with_a_message(tiny_model_dir, tmp_path, capsys, argv, message):
    argv = [a.format(model=tiny_model_dir("llama"), tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


OPENMP_PROBE = """
import os, sys
seen = {}
class Probe:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" and "torch" not in seen:
            seen["torch"] = os.environ.get("OMP_WAIT_POLICY")
        return None
sys.meta_path.insert(0, Probe())
import qreason_engine.cli
qreason_engine.cli.build_parser()  # imports the subcommand modules, some of which import torch
import torch
print(seen.get("torch", "torch-not-imported"), os.environ.get("OMP_WAIT_POLICY"))
"""


@pytest.mark.parametrize("given, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_workers_sleep_unless_the_caller_says_otherwise(given, expected):
    """The CLI sets OMP_WAIT_POLICY before torch (libgomp) is loaded, and a caller's own value wins."""
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    out = subprocess.run([sys.executable, "-c", OPENMP_PROBE], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [expected, expected]
