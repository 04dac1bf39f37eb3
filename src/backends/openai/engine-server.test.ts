/**
 * The openai backend against the engine's real OpenAI-compatible HTTP server, cross-checked with the
 * engine backend (stdio) on the same tiny model: the two doors into one engine must give the same results.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { enginePython, projectRoot } from "../../testing/paths.ts";
import { tinyHfModel } from "../../testing/tinyModels.ts";
import { createEngineBackend, type EngineBackend } from "../engine/index.ts";
import type { GenerateRequest, SamplingParams } from "../types.ts";
import { createOpenAIBackend, type OpenAIBackend } from "./index.ts";
import { startEngineHttpServer, type RunningServer } from "./testServers.testutil.ts";

const GREEDY: SamplingParams = { temperature: 0, topP: 1, topK: 0, maxTokens: 10, seed: 0, stop: [] };

describe("openai backend on the engine's HTTP server", () => {
  let server: RunningServer;
  let http: OpenAIBackend;
  let stdio: EngineBackend;
  let modelDir: string;
  before(async () => {
    modelDir = await tinyHfModel("qwen2");
    [server, stdio] = await Promise.all([
      startEngineHttpServer(modelDir),
      createEngineBackend({ python: enginePython, model: modelDir, cwd: projectRoot }),
    ]);
    http = await createOpenAIBackend({ baseUrls: [server.baseUrl] });
  });
  after(() => Promise.all([server.close(), stdio.close()]));

  test("the served model is the directory's name", () => {
    assert.equal(http.modelId, path.basename(modelDir));
  });

  test("generation over HTTP equals generation over stdio", async () => {
    const requests: GenerateRequest[] = [
      { prompt: "Question: What is 12 * 7? Answer:", sampling: GREEDY },
      { prompt: "Step 1: Tom has 3 apples", sampling: { ...GREEDY, temperature: 0.9, topK: 30, topP: 0.95, seed: 12 } },
      { prompt: [{ role: "user", content: "What is 3 + 4?" }], sampling: { ...GREEDY, maxTokens: 6 } },
    ];
    const [overHttp, overStdio] = await Promise.all([http.generate(requests), stdio.generate(requests)]);
    assert.deepEqual(overHttp, overStdio);
    assert.equal(overHttp[0]!.completionTokens, 10);
    assert.equal(overHttp[0]!.finishReason, "length");
  });

  test("stop strings end generation over HTTP", async () => {
    const [free] = await http.generate([{ prompt: "The", sampling: { ...GREEDY, maxTokens: 20 } }]);
    const stop = free!.text.slice(6, 8);
    const [stopped] = await http.generate([{ prompt: "The", sampling: { ...GREEDY, maxTokens: 20, stop: [stop] } }]);
    assert.equal(stopped!.finishReason, "stop");
    assert.equal(stopped!.text, free!.text.slice(0, free!.text.indexOf(stop)));
  });

  test("scoring over HTTP (/v1/completions echo) equals scoring over stdio, less the token ids", async () => {
    const request = { prompt: "Question: What is 12 * 7?", continuation: " Answer: 84", topK: 4 };
    const [[overHttp], [overStdio]] = await Promise.all([http.score([request]), stdio.score([request])]);
    const withoutIds = overStdio!.tokens.map((token) => ({ ...token, id: null, top: token.top.map((alternative) => ({ ...alternative, id: null })) }));
    assert.equal(overHttp!.promptTokens, overStdio!.promptTokens);
    assert.equal(overHttp!.tokens.length, withoutIds.length);
    for (const [index, token] of overHttp!.tokens.entries()) {
      const expected = withoutIds[index]!;
      assert.deepEqual([token.token, token.offset], [expected.token, expected.offset]);
      // Over HTTP a rank is known inside the top-k only (and not where same-text alternatives may collapse).
      if (token.rank !== null) assert.equal(token.rank, expected.rank);
      if (expected.rank! >= 4) assert.equal(token.rank, null);
      assert.ok(Math.abs(token.logprob - expected.logprob) < 1e-4 && Math.abs(token.margin - expected.margin) < 1e-3);
    }
    assert.ok(overHttp!.tokens.every((token) => token.top.length <= 4 && token.margin >= 0));
  });

  test("many concurrent requests all come back, in order", async () => {
    const prompts = Array.from({ length: 12 }, (_, index) => `Step ${index}: add ${index} and 3`);
    const results = await http.generate(prompts.map((prompt) => ({ prompt, sampling: { ...GREEDY, maxTokens: 3 } })));
    const alone = await http.generate([{ prompt: prompts[7]!, sampling: { ...GREEDY, maxTokens: 3 } }]);
    assert.equal(results.length, 12);
    assert.equal(results[7]!.text, alone[0]!.text);
  });
});
