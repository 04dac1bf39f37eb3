"""Serving: the batching worker, the stdio JSON-lines protocol (in process and as a real subprocess) and
the OpenAI-compatible HTTP server (through a real HTTP client)."""

import io
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from qreason_engine.errors import EngineError
from qreason_engine.generate import BatchGenerator, GenerationRequest, SamplingParams
from qreason_engine.model import load_model
from qreason_engine.protocol import generation_json
from qreason_engine.score import Scorer, ScoreRequest
from qreason_engine.serve.http import EngineHTTPServer
from qreason_engine.serve.loading import engine_info
from qreason_engine.serve.stdio import serve_stdio
from qreason_engine.serve.worker import BatchingWorker


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    loaded = load_model(tiny_model_dir("llama"), dtype="fp32", device="cpu")
    generator = BatchGenerator(loaded.model, loaded.tokenizer)
    scorer = Scorer(loaded.model, loaded.tokenizer)
    info = engine_info(loaded, served_name="tiny-llama", limits={"max_batch_rows": 64})
    return loaded, generator, scorer, info


def new_worker(engine, window_s=0.005):
    _, generator, scorer, _ = engine
    return BatchingWorker(generator, scorer, window_s=window_s).start()


def direct(engine, prompt, **params):
    _, generator, _, _ = engine
    return generation_json(generator.generate([GenerationRequest(prompt=prompt, params=SamplingParams(**params))])[0])


# -- worker ------------------------------------------------------------------------------------------------

def test_worker_batches_concurrent_requests_and_isolates_a_bad_one(engine):
    worker = new_worker(engine, window_s=0.2)
    prompts = ["Step 1: Tom", "The", "Question: What is", "0123"]
    futures = [worker.submit_future("generate", GenerationRequest(prompt=p, params=SamplingParams(max_tokens=5)))
               for p in prompts]
    too_long = worker.submit_future("generate", GenerationRequest(prompt="x", params=SamplingParams(max_tokens=600)))
    scored = worker.submit_future("score", ScoreRequest(prompt="The", continuation=" fox"))
    results = [future.wait(60) for future in futures]
    with pytest.raises(EngineError) as info:
        too_long.wait(60)
    assert info.value.code == "E_INPUT" and info.value.field == "max_tokens"
    assert len(scored.wait(60).tokens) >= 1
    worker.close()
    # Everything arrived inside one window: one generate batch and one score batch.
    assert worker.batches_run == 2
    for prompt, result in zip(prompts, results):
        assert generation_json(result) == direct(engine, prompt, max_tokens=5)


def test_worker_cancels_a_queued_job(engine):
    worker = new_worker(engine, window_s=0.3)
    outcomes = []
    job = worker.submit("generate", GenerationRequest(prompt="The", params=SamplingParams(max_tokens=3)),
                        lambda result, error: outcomes.append((result, error)))
    assert worker.cancel(job)
    worker.close()
    assert len(outcomes) == 1 and outcomes[0][0] is None and "cancelled" in str(outcomes[0][1])
    assert worker.batches_run == 0


# -- stdio -------------------------------------------------------------------------------------------------

def run_stdio(engine, lines: list[str]) -> list[dict]:
    _, _, _, info = engine
    stdout = io.StringIO()
    assert serve_stdio(new_worker(engine), info, io.StringIO("\n".join(lines) + "\n"), stdout) == 0
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


def test_stdio_answers_every_request_by_id_and_errors_are_responses(engine):
    messages = run_stdio(engine, [
        json.dumps({"id": "g1", "method": "generate", "params": {"prompt": "Step 1: Tom", "max_tokens": 4}}),
        json.dumps({"id": 2, "method": "score", "params": {"prompt": "The", "continuation": " fox", "top_k": 2}}),
        "{not json",
        json.dumps({"id": "u", "method": "generate", "params": {"prompt": "x", "temperature": "hot"}}),
        json.dumps({"id": "m", "method": "teleport"}),
        json.dumps({"method": "info"}),
        json.dumps({"id": "i", "method": "info"}),
        "",
        json.dumps({"id": "c", "method": "generate", "params": {"messages": [{"role": "user", "content": "hi"}],
                                                                 "max_tokens": 3, "n": 2, "temperature": 1.0}}),
    ])
    hello, responses = messages[0], {json.dumps(m.get("id")): m for m in messages[1:]}
    assert hello["event"] == "hello" and hello["protocol"] == 1
    assert hello["model"]["identity"].startswith("sha256:") and hello["versions"]["torch"]
    assert len(messages) == 1 + 8
    assert responses['"g1"']["result"] == direct(engine, "Step 1: Tom", max_tokens=4)
    assert [t["token"] for t in responses["2"]["result"]["tokens"]] and len(responses["2"]["result"]["tokens"][0]["top"]) == 2
    assert responses['"u"']["error"] == {"code": "E_INPUT", "field": "temperature",
                                         "message": "field 'temperature': must be a number, got 'hot'"}
    assert responses['"m"']["error"]["field"] == "method"
    assert responses['"i"']["result"] == {k: v for k, v in hello.items() if k != "event"}
    assert len(responses['"c"']["result"]["choices"]) == 2
    nulls = [m for m in messages[1:] if m.get("id") is None]
    assert sorted(m["error"]["code"] for m in nulls) == ["E_INPUT", "E_INPUT"]  # bad JSON, missing id
    assert any("line 3" in m["error"]["message"] for m in nulls)


def test_stdio_rejects_a_duplicate_in_flight_id(engine):
    request = json.dumps({"id": 7, "method": "generate", "params": {"prompt": "The", "max_tokens": 30}})
    messages = run_stdio(engine, [request, request])
    results = [m for m in messages if "result" in m]
    errors = [m for m in messages if "error" in m]
    assert len(results) == 1 and len(errors) == 1 and "in flight" in errors[0]["error"]["message"]


def test_stdio_subprocess_end_to_end(tiny_model_dir):
    """The real command: hello first, answers out of order by id, survives garbage, exits 0 on shutdown."""
    process = subprocess.Popen([sys.executable, "-m", "qreason_engine.cli", "serve", "--stdio", "--model",
                                str(tiny_model_dir("qwen2")), "--batch-window-ms", "1"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        hello = json.loads(process.stdout.readline())
        assert hello["event"] == "hello" and hello["model"]["architecture"] == "Qwen2ForCausalLM"
        process.stdin.write(json.dumps({"id": "long", "method": "generate",
                                        "params": {"prompt": "The", "max_tokens": 400, "ignore_eos": True}}) + "\n")
        process.stdin.flush()
        # The long request (400 decode steps, well over a second) is running when the short ones arrive;
        # 200 steps and a 0.3 s wait raced on a fast idle machine.
        time.sleep(0.05)
        process.stdin.write("garbage\n")
        process.stdin.write(json.dumps({"id": "info", "method": "info"}) + "\n")
        process.stdin.write(json.dumps({"id": "bye", "method": "shutdown"}) + "\n")
        process.stdin.flush()
        order = [json.loads(process.stdout.readline()) for _ in range(4)]
        assert process.wait(60) == 0
    finally:
        process.kill()
        process.stdin.close()
        process.stdout.close()
        process.stderr.close()
    ids = [m.get("id") for m in order]
    assert ids.index("info") < ids.index("long")  # answered out of order
    assert order[ids.index("long")]["result"]["choices"][0]["completion_tokens"] == 400
    assert order[ids.index(None)]["error"]["code"] == "E_INPUT"


def test_stdio_reports_a_model_that_cannot_load(tmp_path):
    result = subprocess.run([sys.executable, "-m", "qreason_engine.cli", "serve", "--stdio", "--model",
                             str(tmp_path / "missing")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    fatal = json.loads(result.stdout.splitlines()[0])
    assert fatal["event"] == "fatal" and fatal["error"]["code"] == "E_NOT_FOUND"


# -- HTTP --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(engine):
    worker = new_worker(engine, window_s=0.05)
    http = EngineHTTPServer(("127.0.0.1", 0), worker, engine[3], quiet=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield http
    http.shutdown()
    http.server_close()
    worker.close()


def call(server, path, body=None, *, method=None, raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_http_models_and_health(server):
    status, body = call(server, "/v1/models")
    assert status == 200 and body["data"][0]["id"] == "tiny-llama"
    assert body["data"][0]["qreason_identity"].startswith("sha256:")
    assert call(server, "/health") == (200, {"status": "ok"})


def test_http_completions_match_the_engine(server, engine):
    status, body = call(server, "/v1/completions", {"model": "tiny-llama", "prompt": ["Step 1: Tom", "The"],
                                                    "max_tokens": 5, "temperature": 0, "logprobs": 2})
    assert status == 200 and body["object"] == "text_completion"
    expected = [direct(engine, p, max_tokens=5, logprobs=2)["choices"][0] for p in ("Step 1: Tom", "The")]
    assert [c["text"] for c in body["choices"]] == [e["text"] for e in expected]
    first = body["choices"][0]["logprobs"]
    # Batched with another prompt here, alone there: equal up to float rounding.
    assert first["token_logprobs"] == pytest.approx([step["logprob"] for step in expected[0]["logprobs"]], abs=1e-5)
    assert len(first["tokens"]) == 5 and first["text_offset"][0] == 0
    assert body["usage"]["completion_tokens"] == 10


def test_http_sampling_with_seed_and_n_is_reproducible(server):
    request = {"prompt": "Question:", "max_tokens": 6, "temperature": 1.0, "seed": 11, "n": 2}
    _, first = call(server, "/v1/completions", request)
    _, second = call(server, "/v1/completions", request)
    assert [c["text"] for c in first["choices"]] == [c["text"] for c in second["choices"]]
    assert first["choices"][0]["text"] != first["choices"][1]["text"]


def test_http_chat_with_logprobs_and_stop(server, engine):
    messages = [{"role": "user", "content": "What is 3 + 4?"}]
    _, free = call(server, "/v1/chat/completions", {"messages": messages, "max_tokens": 12, "temperature": 0})
    text = free["choices"][0]["message"]["content"]
    stop = text[4:6]
    status, body = call(server, "/v1/chat/completions", {"messages": messages, "max_tokens": 12, "temperature": 0,
                                                         "stop": [stop], "logprobs": True, "top_logprobs": 2})
    assert status == 200 and body["object"] == "chat.completion"
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["content"] == text[:text.find(stop)]
    content = choice["logprobs"]["content"]
    assert all(len(step["top_logprobs"]) == 2 and step["bytes"] == list(step["token"].encode()) for step in content)


def test_http_echo_scores_the_prompt_like_the_scorer(server, engine):
    """/v1/completions with echo + logprobs (vLLM's scoring form) equals teacher-forced scoring."""
    loaded, _, scorer, _ = engine
    prompt, continuation = "The", " quick fox"
    status, body = call(server, "/v1/completions", {"prompt": prompt + continuation, "echo": True, "logprobs": 3,
                                                    "max_tokens": 0, "temperature": 0})
    expected = scorer.score([ScoreRequest(prompt=prompt, continuation=continuation, top_k=3)])[0]
    assert status == 200 and body["choices"][0]["text"] == prompt + continuation
    logprobs = body["choices"][0]["logprobs"]
    ids = loaded.tokenizer(prompt + continuation).input_ids
    assert len(logprobs["tokens"]) == len(ids) and logprobs["token_logprobs"][0] is None
    start = len(loaded.tokenizer(prompt).input_ids)  # " quick fox" tokenizes alike alone and after "The"
    assert logprobs["token_logprobs"][start:] == pytest.approx([t.logprob for t in expected.tokens], abs=1e-5)
    offsets = logprobs["text_offset"]
    assert offsets == sorted(offsets) and offsets[start] == len(prompt)
    for index, scored in enumerate(expected.tokens):
        top = logprobs["top_logprobs"][start + index]
        assert top[scored.token] == pytest.approx(scored.logprob, abs=1e-5) and len(top) <= 4
    assert body["usage"]["completion_tokens"] == 0


def test_http_chat_continues_a_final_assistant_message(server, engine):
    _, generator, _, _ = engine
    messages = [{"role": "user", "content": "What is 3 + 4?"}, {"role": "assistant", "content": "Step 1:"}]
    status, body = call(server, "/v1/chat/completions", {"messages": messages, "continue_final_message": True,
                                                         "add_generation_prompt": False, "max_tokens": 6,
                                                         "temperature": 0})
    from qreason_engine.generate import ChatMessage
    expected = generator.generate([GenerationRequest(prompt=(ChatMessage("user", "What is 3 + 4?"),),
                                                     assistant_prefix="Step 1:",
                                                     params=SamplingParams(max_tokens=6))])[0]
    assert status == 200 and body["choices"][0]["message"]["content"] == expected.completions[0].text


@pytest.mark.parametrize("path, body, status, param", [
    ("/v1/completions", {"prompt": "x", "stream": True}, 400, "stream"),
    ("/v1/completions", {"prompt": 5}, 400, "prompt"),
    ("/v1/completions", {"prompt": "x", "frobnicate": 1}, 400, "frobnicate"),
    ("/v1/completions", {"prompt": "x", "max_tokens": 10000}, 400, "max_tokens"),
    ("/v1/completions", {"prompt": "x", "model": "gpt-4"}, 404, "model"),
    ("/v1/chat/completions", {"messages": [{"role": "robot", "content": "hi"}]}, 400, "messages[0].role"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}], "top_logprobs": 2}, 400,
     "top_logprobs"),
    ("/v1/score", {"prompt": "x", "continuation": "y"}, 404, None),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}], "echo": True}, 400, "echo"),
    ("/v1/completions", {"prompt": "x", "response_format": {"type": "json_schema",
                                                            "json_schema": {"name": "v", "schema": {"$ref": "#"}}}},
     400, "response_format.json_schema.schema.$ref"),
    ("/v1/nowhere", {}, 404, None),
])
def test_http_bad_requests_get_clear_json_errors(server, path, body, status, param):
    got_status, got = call(server, path, body)
    assert got_status == status
    assert got["error"]["param"] == param and got["error"]["message"]


def test_http_malformed_body_and_wrong_method(server):
    status, body = call(server, "/v1/completions", raw=b"{oops")
    assert status == 400 and "not valid JSON" in body["error"]["message"]
    status, body = call(server, "/v1/completions", method="GET")
    assert status == 405


def test_http_concurrent_requests_share_batches(server):
    before = server.worker.batches_run
    results = [None] * 6

    def fetch(index):
        results[index] = call(server, "/v1/completions", {"prompt": f"Step {index}", "max_tokens": 4,
                                                          "temperature": 0})

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(status == 200 for status, _ in results)
    assert server.worker.batches_run - before < 6
