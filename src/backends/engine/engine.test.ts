/**
 * The engine backend against a real spawned engine (`qreason-engine serve --stdio`) on a tiny random
 * llama: generation, scoring, engine errors, aborts, a killed process and its restart, closing.
 */
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { isQreasonError } from "../../errors.ts";
import { enginePython, projectRoot } from "../../testing/paths.ts";
import { tinyHfModel } from "../../testing/tinyModels.ts";
import type { GenerateRequest, SamplingParams } from "../types.ts";
import { createEngineBackend, type EngineBackend, type EngineBackendOptions } from "./index.ts";

const GREEDY: SamplingParams = { temperature: 0, topP: 1, topK: 0, maxTokens: 8, seed: 0, stop: [] };
const PROMPTS = ["Step 1: Tom has 3 apples", "Question: What is 12 * 7? Answer:", "The"];

function request(prompt: GenerateRequest["prompt"], sampling: Partial<SamplingParams> = {}): GenerateRequest {
  return { prompt, sampling: { ...GREEDY, ...sampling } };
}

async function options(overrides: Partial<EngineBackendOptions> = {}): Promise<EngineBackendOptions> {
  return {
    python: enginePython,
    model: await tinyHfModel("llama"),
    cwd: projectRoot,
    env: { ...process.env, OMP_NUM_THREADS: "1" },
    ...overrides,
  };
}

function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  return assert.rejects(promise, (error) => {
    assert.ok(isQreasonError(error), `expected a QreasonError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("engine backend on a tiny llama", () => {
  let backend: EngineBackend;
  before(async () => {
    backend = await createEngineBackend(await options());
  });
  after(() => backend.close());

  test("identifies the model and the engine", () => {
    assert.match(backend.modelId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(backend.info.model.architecture, "LlamaForCausalLM");
    assert.match(backend.version, /^qreason-engine \S+ \(torch \S+, transformers \S+\)$/);
  });

  test("greedy results do not depend on what shares the batch", async () => {
    const together = await backend.generate(PROMPTS.map((prompt) => request(prompt)));
    for (const [index, prompt] of PROMPTS.entries()) {
      const [alone] = await backend.generate([request(prompt)]);
      assert.deepEqual(together[index], alone);
      assert.equal(alone!.finishReason, "length");
      assert.equal(alone!.completionTokens, 8);
      assert.ok(alone!.promptTokens > 0);
    }
  });

  test("seeded sampling is reproducible and the seed matters", async () => {
    const sampled = (seed: number) => request(PROMPTS[1]!, { temperature: 1, seed, maxTokens: 12 });
    const [first, second, other] = await backend.generate([sampled(3), sampled(3), sampled(4)]);
    assert.equal(first!.text, second!.text);
    assert.notEqual(first!.text, other!.text);
  });

  test("a stop string ends the text before it", async () => {
    const [free] = await backend.generate([request(PROMPTS[0]!, { maxTokens: 20 })]);
    const stop = free!.text.slice(6, 8);
    const [stopped] = await backend.generate([request(PROMPTS[0]!, { maxTokens: 20, stop: [stop] })]);
    assert.equal(stopped!.finishReason, "stop");
    assert.equal(stopped!.text, free!.text.slice(0, free!.text.indexOf(stop)));
    assert.ok(stopped!.completionTokens < 20);
  });

  test("chat messages are rendered with the model's template", async () => {
    const chat = [{ role: "user" as const, content: "What is 3 + 4?" }];
    const [result] = await backend.generate([request(chat, { maxTokens: 4 })]);
    const [raw] = await backend.generate([request("What is 3 + 4?", { maxTokens: 4 })]);
    assert.ok(result!.promptTokens > raw!.promptTokens, "the template adds role markers");
  });

  test("scores a continuation token by token with margins", async () => {
    const [scored, again] = await backend.score([
      { prompt: "Question: What is 12 * 7?", continuation: " Answer: 84", topK: 3 },
      { prompt: "Question: What is 12 * 7?", continuation: " Answer: 84", topK: 3 },
    ]);
    assert.deepEqual(scored, again);
    assert.ok(scored!.tokens.length >= 3);
    for (const token of scored!.tokens) {
      assert.equal(token.top.length, 3);
      assert.ok(token.top[0]!.logprob >= token.top[1]!.logprob && token.top[1]!.logprob >= token.top[2]!.logprob);
      // The margin is a logit difference, which equals the log-prob difference of the top two.
      assert.ok(Math.abs(token.margin - (token.top[0]!.logprob - token.top[1]!.logprob)) < 1e-4);
      assert.ok(token.logprob <= token.top[0]!.logprob + 1e-6);
    }
  });

  test("an engine error is an E_BACKEND error naming the field, and the engine keeps serving", async () => {
    await assert.rejects(backend.generate([request("x", { topP: 0 })]), (error) => {
      assert.ok(isQreasonError(error));
      assert.equal(error.code, "E_BACKEND");
      assert.equal(error.location.field, "top_p");
      assert.match(error.message, /E_INPUT/);
      return true;
    });
    const [ok] = await backend.generate([request("x", { maxTokens: 2 })]);
    assert.equal(ok!.completionTokens, 2);
  });

  test("an aborted request is cancelled and the engine keeps serving", async () => {
    const controller = new AbortController();
    const pending = backend.generate([request(PROMPTS[2]!, { maxTokens: 400 })], controller.signal);
    controller.abort(new Error("user pressed ctrl-c"));
    await rejectsWith(pending, "E_BACKEND", /cancelled/);
    await rejectsWith(backend.generate([request("x")], controller.signal), "E_BACKEND", /cancelled/);
    const [ok] = await backend.generate([request("x", { maxTokens: 3 })]);
    assert.equal(ok!.completionTokens, 3);
  });
});

test("a killed engine fails its requests, restarts for the next call, and gives up after maxRestarts", async () => {
  const backend = await createEngineBackend(await options({ maxRestarts: 1 }));
  try {
    const firstPid = backend.pid!;
    const pending = backend.generate([request(PROMPTS[0]!, { maxTokens: 450 })]);
    setTimeout(() => process.kill(firstPid, "SIGKILL"), 200);
    await rejectsWith(pending, "E_BACKEND", /exited \(signal SIGKILL\) with 1 request\(s\) unanswered/);
    const [result] = await backend.generate([request(PROMPTS[0]!, { maxTokens: 3 })]);
    assert.equal(result!.completionTokens, 3);
    assert.notEqual(backend.pid, firstPid);
    const secondPid = backend.pid!;
    process.kill(secondPid, "SIGKILL");
    // Wait until Node has reaped it (then its exit is known), not a fixed time: under load 300 ms was too short.
    while (processExists(secondPid)) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await rejectsWith(backend.generate([request("x")]), "E_BACKEND", /died 2 times/);
  } finally {
    await backend.close();
  }
});

test("close ends the process and later calls fail", async () => {
  const backend = await createEngineBackend(await options());
  const pid = backend.pid!;
  await backend.close();
  assert.equal(processExists(pid), false);
  await rejectsWith(backend.generate([request("x")]), "E_BACKEND", /closed/);
});

test("a model that cannot load fails creation with the engine's reason", async () => {
  const missing = path.join(os.tmpdir(), "qreason-no-such-model");
  await rejectsWith(createEngineBackend(await options({ model: missing })), "E_BACKEND", /could not start: E_NOT_FOUND/);
});

test("a python that does not exist fails creation clearly", async () => {
  await rejectsWith(
    createEngineBackend(await options({ python: "/nonexistent/python3" })),
    "E_BACKEND",
    /cannot start the engine with \/nonexistent\/python3/,
  );
});
