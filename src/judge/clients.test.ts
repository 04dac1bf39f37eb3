/**
 * Judge clients against real servers and real local models: an endpoint judge's API key read from the
 * named variable at the edge (sent, never kept), a missing key failing before any call; SmolLM2 as a judge
 * on llama.cpp and on the engine's OpenAI-compatible HTTP server, schema-enforced (fetched first when the
 * cache lacks it: never skipped); the bundled reference model (no chat template) on llama.cpp. The work is
 * bounded for a loaded 2-core machine: a short explanation and a small token budget (a cut-off reply is
 * the one invalid outcome an enforced schema allows, and is accepted as such), one request at a time, and
 * deadlines of minutes, not the 300 s the global fetch waits for headers (endpoint judges use nodeHttpFetch).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { sendJson, startEngineHttpServer, startScriptedServer } from "../backends/openai/testServers.testutil.ts";
import { isQreasonError } from "../errors.ts";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { ensureRealModel, type RealModel } from "../testing/realModels.ts";
import { openJudge, plainPrompt } from "./clients.ts";
import type { JudgeSpec } from "./config.ts";
import { DEFAULT_JUDGE_SAMPLING } from "./config.ts";
import type { JudgeOutcome } from "./judge.ts";


const INPUT = { problem: "Ana buys 4 pencils at 3 dollars each and pays with 20 dollars. How much change does she get?", steps: ["4 pencils cost 4 * 3 = 12 dollars.", "The change is 20 - 12 = 9 dollars.", "\\boxed{9}"] };
const sampling = { ...DEFAULT_JUDGE_SAMPLING, stop: [], seed: 0, maxTokens: 160 };
const python = enginePython;

function spec(name: string, source: JudgeSpec["source"], extra: Partial<JudgeSpec> = {}): JudgeSpec {
  return { name, source, structured: true, maxAttempts: 1, sampling, explanationChars: 120, ...extra };
}

function assertSchemaEnforced(outcome: JudgeOutcome): void {
  assert.notEqual(outcome.status, "error", JSON.stringify(outcome));
  assert.ok(outcome.usage.promptTokens > 100 && outcome.usage.completionTokens > 0, "tokens recorded");
  if (outcome.status === "verdict") {
    assert.ok(outcome.value.firstErrorStep >= -1 && outcome.value.firstErrorStep < INPUT.steps.length);
    assert.equal(outcome.value.firstErrorStep === -1, outcome.value.category === "no_error");
  } else {
    // Under an enforced schema the only way to be invalid is to run out of tokens.
    assert.equal(outcome.status === "invalid" && outcome.reason, "truncated", JSON.stringify(outcome));
  }
}

describe("endpoint judges", () => {
  it("read the key from the named variable at the edge, send it, and keep it nowhere", async () => {
    const verdict = { explanation: "20 - 12 is 8, not 9.", first_error_step: 1, category: "execution", subtype: "computational_error", confidence: 0.9 };
    const server = await startScriptedServer((request, response) => {
      if (request.path.endsWith("/models")) return sendJson(response, 200, { object: "list", data: [{ id: "critic" }] });
      sendJson(response, 200, { choices: [{ index: 0, message: { role: "assistant", content: JSON.stringify(verdict) }, finish_reason: "stop" }], usage: { prompt_tokens: 321, completion_tokens: 45 } });
    });
    try {
      const source: JudgeSpec["source"] = { kind: "endpoint", endpoint: { baseUrls: [server.baseUrl], model: "critic", api: "chat", apiKeyEnv: "QREASON_TEST_JUDGE_KEY" } };
      const looked: string[] = [];
      const opened = await openJudge(spec("critic", source), { python, apiKey: (name) => (looked.push(name), name === "QREASON_TEST_JUDGE_KEY" ? "sk-secret-123" : undefined) });
      const outcome = await opened.judge.judge(INPUT);
      await opened.close();
      assert.deepEqual(looked, ["QREASON_TEST_JUDGE_KEY"]);
      assert.equal(outcome.status, "verdict");
      assert.deepEqual(outcome.usage, { calls: 1, promptTokens: 321, completionTokens: 45 });
      const chat = server.received.find((request) => request.path.endsWith("/chat/completions"));
      assert.equal(chat?.headers.authorization, "Bearer sk-secret-123");
      assert.equal((chat?.body as { response_format?: { type: string } }).response_format?.type, "json_schema", "the schema is sent");
      assert.ok(!opened.judge.identity.includes("sk-secret"), "the identity (stored with verdicts) has no key");
      assert.ok(!JSON.stringify(outcome).includes("sk-secret"));

      await assert.rejects(
        openJudge(spec("critic", source), { python, apiKey: () => undefined }),
        (error: unknown) => isQreasonError(error) && error.code === "E_USAGE" && /QREASON_TEST_JUDGE_KEY, which is not set/.test(error.message),
      );
      assert.equal(server.received.filter((request) => request.path.endsWith("/chat/completions")).length, 1, "no call without the key");
    } finally {
      await server.close();
    }
  });
});

/** SmolLM2's bounded judging: a 24-character explanation fits the verdict in about 45 tokens of the 96. */
const smolSpec = { explanationChars: 24, sampling: { ...sampling, maxTokens: 96 } };

describe("local judges (real models)", { timeout: 1_200_000 }, () => {
  let smol: RealModel;
  before(async () => {
    smol = await ensureRealModel("smollm2");
  });

  it("the reference model on llama.cpp, which has no chat template, judges from plain text", async () => {
    const opened = await openJudge(spec("reference", { kind: "llamacpp", gguf: path.join(projectRoot, "models", "reference", "model.gguf"), contextSize: 4096 }, { explanationChars: 40, sampling: { ...sampling, maxTokens: 200 } }), { python, apiKey: () => undefined });
    try {
      assertSchemaEnforced(await opened.judge.judge(INPUT));
    } finally {
      await opened.close();
    }
    assert.match(plainPrompt([{ role: "system", content: "S" }, { role: "user", content: "U" }]), /^System: S\n\nUser: U\n\nAssistant: $/);
  });

  it("SmolLM2 on llama.cpp: a schema-enforced verdict", async () => {
    const opened = await openJudge(spec("smollm2", { kind: "llamacpp", gguf: smol.gguf }, smolSpec), { python, apiKey: () => undefined });
    try {
      assertSchemaEnforced(await opened.judge.judge(INPUT));
    } finally {
      await opened.close();
    }
  });

  it("SmolLM2 on the engine's OpenAI-compatible HTTP server, as an endpoint judge", async () => {
    const server = await startEngineHttpServer(smol.hf);
    try {
      const models = (await (await fetch(`${server.baseUrl}/models`)).json()) as { data: { id: string }[] };
      // One attempt, no HTTP retry (a retry would double the work), a deadline of 15 minutes.
      const opened = await openJudge(spec("smollm2-http", { kind: "endpoint", endpoint: { baseUrls: [server.baseUrl], model: models.data[0]?.id ?? "", api: "chat" } }, smolSpec), { python, apiKey: () => undefined, timeoutMs: 900_000, maxRetries: 0 });
      const outcome = await opened.judge.judge(INPUT);
      await opened.close();
      assertSchemaEnforced(outcome);
      assert.ok(!outcome.warnings.some((warning) => /not enforced/.test(warning) && /anyOf|enum/.test(warning)), `the engine enforces the alternatives: ${outcome.warnings.join("; ")}`);
    } finally {
      await server.close();
    }
  });
});
