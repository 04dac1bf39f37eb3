/**
 * One conformance suite for every backend: the cases of conformance.testutil.ts run on llama.cpp embedded,
 * the engine over stdio, the openai backend against the engine's HTTP server, and the openai backend against
 * a loopback server replaying recorded engine responses (openai/__fixtures__/conformance-*.json). Adding a
 * backend is adding one harness below. Then the cross-backend checks: engine and llama.cpp agree on the
 * reference model's log-probs (both F32), and the engine's two doors agree with each other.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { tinyGgufModel, tinyHfModel } from "../testing/tinyModels.ts";
import { CHAT, CHAT_REPLY, CONFORMANCE_CASES, REFERENCE_QUESTIONS, REFERENCE_SOLUTION, type ConformanceModel } from "./conformance.testutil.ts";
import { createEngineBackend } from "./engine/index.ts";
import { createLlamaCppBackend } from "./llamacpp/index.ts";
import type { ConformanceRecording } from "./openai/__fixtures__/record.ts";
import { createOpenAIBackend } from "./openai/index.ts";
import { hfChatTemplate, sendJson, startEngineHttpServer, startScriptedServer } from "./openai/testServers.testutil.ts";
import type { Backend, ScoreRequest } from "./types.ts";

const REFERENCE_HF = path.join(projectRoot, "models", "reference", "hf");
const REFERENCE_GGUF = path.join(projectRoot, "models", "reference", "model.gguf");

const modelDirs = async (model: ConformanceModel): Promise<{ hf: string; gguf: string }> =>
  model === "reference" ? { hf: REFERENCE_HF, gguf: REFERENCE_GGUF } : { hf: await tinyHfModel("llama"), gguf: await tinyGgufModel("llama") };

interface Opened {
  backend: Backend;
  close(): Promise<void>;
}

interface Harness {
  name: string;
  open(model: ConformanceModel): Promise<Opened>;
}

const plain = (backend: Backend): Opened => ({ backend, close: () => backend.close() });

export const HARNESSES: Harness[] = [
  {
    name: "llamacpp",
    open: async (model) =>
      plain(await createLlamaCppBackend({ model: (await modelDirs(model)).gguf, gpu: false, parallel: 2, contextSize: 512, threads: 1 })),
  },
  {
    name: "engine (stdio)",
    open: async (model) =>
      plain(await createEngineBackend({ python: enginePython, model: (await modelDirs(model)).hf, cwd: projectRoot, dtype: "fp32", device: "cpu" })),
  },
  {
    name: "openai -> engine HTTP server",
    async open(model) {
      const { hf } = await modelDirs(model);
      const server = await startEngineHttpServer(hf);
      const backend = await createOpenAIBackend({ baseUrls: [server.baseUrl], maxRetries: 0, chatTemplate: await hfChatTemplate(hf) });
      return { backend, close: () => server.close() };
    },
  },
  {
    name: "openai -> loopback replay of recorded engine responses",
    async open(model) {
      const file = path.join(import.meta.dirname, "openai", "__fixtures__", `conformance-${model}.json`);
      const recording = JSON.parse(readFileSync(file, "utf8")) as ConformanceRecording;
      const server = await startScriptedServer((request, response) => {
        const match = recording.exchanges.find(
          (exchange) => exchange.method === request.method && exchange.path === request.path && isDeepStrictEqual(exchange.requestBody ?? undefined, request.body),
        );
        if (match) sendJson(response, match.status, match.responseBody);
        else sendJson(response, 418, { error: { message: `no recording for ${request.method} ${request.path} ${JSON.stringify(request.body)}: re-record ${file}` } });
      });
      const backend = await createOpenAIBackend({ baseUrls: [server.baseUrl], maxRetries: 0, chatTemplate: recording.chatTemplate });
      return { backend, close: () => server.close() };
    },
  },
];

for (const harness of HARNESSES) {
  describe(`conformance: ${harness.name}`, () => {
    const opened = new Map<ConformanceModel, Opened>();
    const backendFor = async (model: ConformanceModel): Promise<Backend> => {
      if (!opened.has(model)) opened.set(model, await harness.open(model));
      return opened.get(model)!.backend;
    };
    after(async () => {
      for (const entry of opened.values()) await entry.close();
    });
    for (const entry of CONFORMANCE_CASES) {
      test(`${entry.model}: ${entry.name}`, async () => entry.run(await backendFor(entry.model)));
    }
  });
}

describe("conformance across backends", () => {
  let llamacpp: Backend;
  let engine: Backend;
  let http: Opened;
  before(async () => {
    [llamacpp, engine, http] = await Promise.all([
      HARNESSES[0]!.open("reference").then((entry) => entry.backend),
      HARNESSES[1]!.open("reference").then((entry) => entry.backend),
      HARNESSES[2]!.open("reference"),
    ]);
  });
  after(() => Promise.all([llamacpp.close(), engine.close(), http.close()]));

  const requests: ScoreRequest[] = REFERENCE_QUESTIONS.map((prompt) => ({ prompt, continuation: REFERENCE_SOLUTION, topK: 4 }));

  test("engine and llama.cpp agree on the reference model's log-probs, ranks, alternatives and margins (F32)", async () => {
    const [fromEngine, fromLlama] = await Promise.all([engine.score(requests), llamacpp.score(requests)]);
    const differences: number[] = [];
    for (const [index, left] of fromEngine.entries()) {
      const right = fromLlama[index]!;
      assert.equal(left.promptTokens, right.promptTokens);
      assert.deepEqual(left.tokens.map((token) => [token.id, token.offset]), right.tokens.map((token) => [token.id, token.offset]));
      for (const [position, token] of left.tokens.entries()) {
        const other = right.tokens[position]!;
        differences.push(Math.abs(token.logprob - other.logprob));
        // Two F32 implementations (ggml and PyTorch kernels) drift apart most on unlikely tokens.
        assert.ok(Math.abs(token.logprob - other.logprob) < 2e-2, `position ${position}: ${token.logprob} vs ${other.logprob}`);
        const tolerance = 1e-2 + 1e-3 * Math.abs(token.margin);
        assert.ok(Math.abs(token.margin - other.margin) < tolerance, `position ${position}: margins ${token.margin} vs ${other.margin}`);
        if (token.margin > 1e-2) assert.deepEqual(token.top[0]!.id, other.top[0]!.id, `position ${position}: the same top-1`);
        if (other.rank !== null) assert.equal(token.rank, other.rank);
      }
    }
    const mean = differences.reduce((sum, value) => sum + value, 0) / differences.length;
    assert.ok(mean < 5e-3, `mean |Δ log-prob| ${mean}`);
  });

  test("the engine's two doors agree: /v1/completions echo equals stdio scoring and generation", async () => {
    const [overHttp, overStdio] = await Promise.all([http.backend.score(requests), engine.score(requests)]);
    for (const [index, left] of overHttp.entries()) {
      const right = overStdio[index]!;
      assert.equal(left.promptTokens, right.promptTokens);
      assert.deepEqual(left.tokens.map((token) => [token.token, token.offset]), right.tokens.map((token) => [token.token, token.offset]));
      for (const [position, token] of left.tokens.entries()) {
        assert.ok(Math.abs(token.logprob - right.tokens[position]!.logprob) < 1e-4);
        assert.ok(Math.abs(token.margin - right.tokens[position]!.margin) < 1e-3);
      }
    }
    const generate = REFERENCE_QUESTIONS.map((prompt) => ({ prompt, sampling: { temperature: 0.8, topP: 0.95, topK: 20, maxTokens: 40, seed: 7, stop: [] } }));
    const [sampledHttp, sampledStdio] = await Promise.all([http.backend.generate(generate), engine.generate(generate)]);
    assert.deepEqual(sampledHttp, sampledStdio);
  });
});

describe("conformance: the openai backend's echo mapping at the edges", () => {
  test("a chat prompt cannot be scored without the chat template: E_USAGE naming the option", async () => {
    const server = await startScriptedServer((_request, response) => sendJson(response, 200, { data: [{ id: "m" }] }));
    try {
      const backend = await createOpenAIBackend({ baseUrls: [server.baseUrl], maxRetries: 0 });
      await assert.rejects(backend.score([{ prompt: CHAT, continuation: CHAT_REPLY, topK: 1 }]), /chatTemplate/);
    } finally {
      await server.close();
    }
  });
});
