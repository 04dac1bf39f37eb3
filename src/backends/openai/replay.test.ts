/**
 * The openai backend against recorded real responses of the engine's HTTP server (__fixtures__/), replayed
 * by a loopback server that answers only requests whose method, path and body match a recording. A
 * change to the bodies the backend sends fails here until the fixtures are re-recorded
 * (`npx node src/backends/openai/__fixtures__/record.ts`) against the real server.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { isQreasonError } from "../../errors.ts";
import type { Exchange, Recording } from "./__fixtures__/record.ts";
import { createOpenAIBackend, type OpenAIBackend } from "./index.ts";
import { sendJson, startScriptedServer, type ScriptedServer } from "./testServers.testutil.ts";

const recording = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "__fixtures__", "engine-tiny-llama.json"), "utf8"),
) as Recording;
const exchanges: Exchange[] = [recording.modelsExchange, ...recording.cases.flatMap((entry) => entry.exchanges)];

interface CompletionBody {
  choices: Array<{ text?: string; message?: { content: string }; finish_reason: string }>;
  usage: { prompt_tokens: number; completion_tokens: number };
}
interface EchoBody {
  choices: Array<{ text: string; logprobs: { tokens: string[]; token_logprobs: Array<number | null>; text_offset: number[] } }>;
}

describe("openai backend on recorded engine responses", () => {
  let server: ScriptedServer;
  let backend: OpenAIBackend;
  before(async () => {
    server = await startScriptedServer((request, response) => {
      const match = exchanges.find(
        (exchange) =>
          exchange.method === request.method &&
          exchange.path === request.path &&
          isDeepStrictEqual(exchange.requestBody ?? undefined, request.body),
      );
      if (match) sendJson(response, match.status, match.responseBody);
      else sendJson(response, 418, { error: { message: `no recording for ${request.method} ${request.path} ${JSON.stringify(request.body)}` } });
    });
    backend = await createOpenAIBackend({ baseUrls: [server.baseUrl], maxRetries: 0 });
  });
  after(() => server.close());

  test("the model comes from the recorded /models", () => {
    const models = recording.modelsExchange.responseBody as { data: Array<{ id: string }> };
    assert.equal(backend.modelId, models.data[0]!.id);
  });

  for (const entry of recording.cases) {
    test(entry.name, async () => {
      assert.equal(entry.exchanges.length, 1, "one HTTP exchange per case");
      const exchange = entry.exchanges[0]!;
      if (entry.kind === "score") {
        const [result] = await backend.score([entry.request]);
        const echoed = (exchange.responseBody as EchoBody).choices[0]!.logprobs;
        assert.equal(exchange.path, "/v1/completions");
        // The echoed tokens from the prompt's end to the continuation's end are the scored ones.
        const prompt = entry.request.prompt as string;
        const first = echoed.text_offset.findIndex((offset) => offset >= prompt.length);
        const last = echoed.text_offset.findIndex((offset) => offset >= prompt.length + entry.request.continuation.length);
        assert.equal(result!.promptTokens, first);
        assert.deepEqual(
          result!.tokens.map((token) => [token.token, token.logprob, token.offset[0] + prompt.length]),
          echoed.tokens.slice(first, last).map((token, index) => [token, echoed.token_logprobs[first + index], echoed.text_offset[first + index]]),
        );
        assert.ok(result!.tokens.every((token) => token.top.length <= entry.request.topK && token.margin >= 0));
        return;
      }
      if (exchange.status !== 200) {
        const message = (exchange.responseBody as { error: { message: string } }).error.message;
        await assert.rejects(backend.generate([entry.request]), (error) => {
          assert.ok(isQreasonError(error) && error.code === "E_BACKEND");
          assert.ok(error.message.endsWith(`HTTP ${exchange.status}: ${message}`), error.message);
          return true;
        });
        return;
      }
      const [result] = await backend.generate([entry.request]);
      const body = exchange.responseBody as CompletionBody;
      const choice = body.choices[0]!;
      assert.equal(exchange.path, typeof entry.request.prompt === "string" ? "/v1/completions" : "/v1/chat/completions");
      assert.equal(result!.text, choice.text ?? choice.message!.content);
      assert.equal(result!.finishReason, choice.finish_reason);
      assert.equal(result!.promptTokens, body.usage.prompt_tokens);
      assert.equal(result!.completionTokens, body.usage.completion_tokens);
      assert.deepEqual(result!.warnings, []);
      for (const stop of entry.request.sampling.stop) assert.ok(!result!.text.includes(stop));
    });
  }
});
