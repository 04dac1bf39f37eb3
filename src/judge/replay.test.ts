/**
 * Recorded real replies of real local models (scripts/record-judge-replies.ts → __fixtures__/recorded-replies.json:
 * SmolLM2 on llama.cpp and on the engine's HTTP server; schema-enforced JSON, free text, replies cut off by the
 * token limit, a refusal) replayed by a loopback OpenAI-compatible server to an endpoint judge, through the
 * real HTTP client: each reply gives the outcome its kind must give — an invalid verdict is its own counted
 * outcome with its reason, never a verdict — and a bad reply followed by a good one is retried with the
 * problem fed back, both calls paid for. The hand-written reply shapes of __fixtures__/replies.ts (prose or a
 * think block before the JSON, fences, malformed JSON, refusals) go through the same server and client.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { sendJson, startScriptedServer, type ScriptedServer } from "../backends/openai/testServers.testutil.ts";
import { openJudge } from "./clients.ts";
import { DEFAULT_JUDGE_SAMPLING, type JudgeSpec } from "./config.ts";
import type { RecordedReply } from "../../scripts/record-judge-replies.ts";
import { REPLY_CASES } from "./__fixtures__/replies.ts";

// Committed; `npx node scripts/record-judge-replies.ts` records it again (SmolLM2 on llama.cpp and the engine).
const fixtureFile = path.join(import.meta.dirname, "__fixtures__", "recorded-replies.json");
const fixture = JSON.parse(readFileSync(fixtureFile, "utf8")) as { recordedAt: string; replies: RecordedReply[] };
const replies = fixture.replies;

let server: ScriptedServer;
let queue: RecordedReply[] = [];

before(async () => {
  server = await startScriptedServer((request, response) => {
    if (request.path.endsWith("/models")) return sendJson(response, 200, { object: "list", data: [{ id: "recorded" }] });
    const next = queue.shift();
    if (next === undefined) return sendJson(response, 500, { error: { message: "the test queued no reply" } });
    sendJson(response, 200, next.response);
  });
});
after(() => server.close());

function spec(maxAttempts: number): JudgeSpec {
  return { name: "recorded", source: { kind: "endpoint", endpoint: { baseUrls: [server.baseUrl], model: "recorded", api: "chat" } }, structured: true, maxAttempts, sampling: { ...DEFAULT_JUDGE_SAMPLING, stop: [], seed: 0 } };
}

async function replay(sequence: RecordedReply[], maxAttempts: number) {
  queue = [...sequence];
  const opened = await openJudge(spec(maxAttempts), { python: "unused", apiKey: () => undefined, maxRetries: 0 });
  try {
    return await opened.judge.judge((sequence[0] as RecordedReply).input);
  } finally {
    await opened.close();
  }
}

const named = (fragment: string): RecordedReply[] => replies.filter((reply) => reply.name.includes(fragment));

describe(`recorded judge replies (${fixture.recordedAt}, ${replies.length} replies)`, () => {
  it("cover valid JSON, free text, truncation and a refusal, from both sources", () => {
    assert.ok(replies.some((reply) => reply.parsed.ok), "a valid verdict");
    assert.ok(replies.some((reply) => !reply.parsed.ok && reply.parsed.reason === "truncated"), "a reply cut off mid-object");
    assert.ok(named("free text").length > 0 && named("refusal").length > 0);
    assert.deepEqual([...new Set(replies.map((reply) => reply.source))].sort(), ["engine-http", "llamacpp"]);
  });

  for (const reply of replies) {
    it(`${reply.name}: ${reply.parsed.ok ? `verdict at step ${reply.parsed.step}` : `invalid (${reply.parsed.reason})`}`, async () => {
      const outcome = await replay([reply], 1);
      const usage = reply.response.usage;
      assert.deepEqual(outcome.usage, { calls: 1, promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens });
      assert.deepEqual(outcome.replies, [reply.response.choices[0]?.message.content]);
      if (reply.parsed.ok) {
        assert.equal(outcome.status, "verdict");
        assert.equal(outcome.status === "verdict" && outcome.value.firstErrorStep, reply.parsed.step);
      } else {
        assert.equal(outcome.status, "invalid", "never scored as a verdict");
        assert.equal(outcome.status === "invalid" && outcome.reason, reply.parsed.reason);
      }
      if (reply.response.choices[0]?.finish_reason === "length") assert.notEqual(outcome.status, "verdict", "a reply cut by the token limit is not a verdict");
    });
  }

  it("a bad reply then a good one: retried with the problem fed back, both calls counted", async () => {
    const bad = replies.find((reply) => !reply.parsed.ok && reply.response.choices[0]?.finish_reason === "length") ?? replies.find((reply) => !reply.parsed.ok);
    const good = replies.find((reply) => reply.parsed.ok);
    assert.ok(bad && good);
    const received = server.received.length;
    const outcome = await replay([bad, good], 2);
    assert.equal(outcome.status, "verdict");
    assert.equal(outcome.attempts, 2);
    assert.equal(outcome.usage.calls, 2);
    assert.equal(outcome.usage.completionTokens, bad.response.usage.completion_tokens + good.response.usage.completion_tokens);
    const retry = server.received.slice(received).filter((request) => request.path.endsWith("/chat/completions"))[1]?.body as { messages: { role: string; content: string }[] };
    assert.equal(retry.messages.at(-2)?.role, "assistant", "the previous reply is quoted back");
    assert.match(retry.messages.at(-1)?.content ?? "", /first_error_step|JSON|verdict/i);
  });
});

describe("reply shapes through the HTTP client (prose before JSON, malformed JSON, refusals)", () => {
  for (const shape of REPLY_CASES) {
    it(`${shape.name}: ${shape.expected.ok ? `verdict at step ${shape.expected.step}` : `invalid (${shape.expected.reason})`}`, async () => {
      const truncated = !shape.expected.ok && shape.expected.reason === "truncated";
      const response = {
        id: "chatcmpl-shape", object: "chat.completion", created: 0, model: "recorded",
        choices: [{ index: 0, message: { role: "assistant", content: shape.text }, finish_reason: truncated ? "length" : "stop" }],
        usage: { prompt_tokens: 100, completion_tokens: 20 },
      };
      const input = { problem: "a problem", steps: Array.from({ length: shape.stepCount }, (_, index) => `step ${index}`) };
      const outcome = await replay([{ name: shape.name, source: "llamacpp", model: "hand-written", input, request: { messages: [], max_tokens: 0 }, response, parsed: { ok: false, reason: "unused" } }], 1);
      assert.deepEqual(outcome.replies, [shape.text]);
      if (shape.expected.ok) {
        assert.equal(outcome.status, "verdict", JSON.stringify(outcome));
        assert.equal(outcome.status === "verdict" && outcome.value.firstErrorStep, shape.expected.step);
        assert.equal(outcome.status === "verdict" && outcome.value.subtype, shape.expected.subtype);
      } else {
        assert.equal(outcome.status, "invalid", "never scored as a verdict");
        assert.equal(outcome.status === "invalid" && outcome.reason, shape.expected.reason);
      }
    });
  }
});
