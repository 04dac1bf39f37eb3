/**
 * The openai backend against scripted loopback servers: retries with backoff on 429/5xx (Retry-After
 * honoured), no retry on client errors, time budgets, failover and fan-out across base URLs, the API key
 * sent but never shown.
 */
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, test } from "node:test";
import { isQreasonError } from "../../errors.ts";
import { backends } from "../index.ts";
import type { GenerateRequest } from "../types.ts";
import { createOpenAIBackend, type OpenAIBackendOptions } from "./index.ts";
import { sendJson, startScriptedServer, type ReceivedRequest, type ScriptedServer } from "./testServers.testutil.ts";

const REQUEST: GenerateRequest = {
  prompt: "2 + 2 =",
  sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 4, seed: 0, stop: [] },
};

function completion(text: string) {
  return {
    id: "cmpl-1",
    object: "text_completion",
    model: "m",
    choices: [{ index: 0, text, finish_reason: "length", logprobs: null }],
    usage: { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 },
  };
}

const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

/** A server answering the n-th completion request with `script[n]` (the last entry repeats). */
async function scripted(script: Array<(response: ServerResponse) => void>): Promise<ScriptedServer> {
  let completions = 0;
  const server = await startScriptedServer((request: ReceivedRequest, response) => {
    if (request.path === "/v1/models") return sendJson(response, 200, { object: "list", data: [{ id: "m" }] });
    const step = script[Math.min(completions++, script.length - 1)]!;
    step(response);
  });
  servers.push(server);
  return server;
}

const ok = (text: string) => (response: ServerResponse) => sendJson(response, 200, completion(text));
const status = (code: number, headers: Record<string, string> = {}) => (response: ServerResponse) =>
  sendJson(response, code, { error: { message: `status ${code} from the test server`, type: "test" } }, headers);
const silent = () => () => undefined; // never answers

function options(server: ScriptedServer, overrides: Partial<OpenAIBackendOptions> = {}): OpenAIBackendOptions {
  return { baseUrls: [server.baseUrl], model: "m", retryBaseMs: 20, retryMaxMs: 100, random: () => 0.5, ...overrides };
}

function completionsReceived(server: ScriptedServer): ReceivedRequest[] {
  return server.received.filter((request) => request.path === "/v1/completions");
}

test("429 with Retry-After waits as asked, then succeeds", async () => {
  const server = await scripted([status(429, { "Retry-After": "1" }), ok("four")]);
  const backend = await createOpenAIBackend(options(server));
  const started = Date.now();
  const [result] = await backend.generate([REQUEST]);
  assert.equal(result!.text, "four");
  assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
  assert.equal(completionsReceived(server).length, 2);
});

test("500 and 503 are retried with backoff", async () => {
  const server = await scripted([status(500), status(503), ok("four")]);
  const backend = await createOpenAIBackend(options(server));
  const started = Date.now();
  const [result] = await backend.generate([REQUEST]);
  assert.equal(result!.text, "four");
  // Backoff with random 0.5: 15 ms then 30 ms.
  assert.ok(Date.now() - started >= 40);
  assert.equal(completionsReceived(server).length, 3);
});

test("retries run out with a clear error", async () => {
  const server = await scripted([status(502)]);
  const backend = await createOpenAIBackend(options(server, { maxRetries: 2 }));
  await assert.rejects(backend.generate([REQUEST]), (error) => {
    assert.ok(isQreasonError(error) && error.code === "E_BACKEND");
    assert.match(error.message, /HTTP 502: status 502 from the test server \(3 attempts\)/);
    return true;
  });
  assert.equal(completionsReceived(server).length, 3);
});

test("a client error is not retried and carries the server's message", async () => {
  const server = await scripted([status(400)]);
  const backend = await createOpenAIBackend(options(server));
  await assert.rejects(backend.generate([REQUEST]), /HTTP 400: status 400 from the test server$/);
  assert.equal(completionsReceived(server).length, 1);
});

test("the API key is sent as a Bearer token and never appears in errors", async () => {
  const key = "sk-test-0123456789abcdef";
  const server = await startScriptedServer((request, response) =>
    // A careless server that echoes the header back in its error.
    sendJson(response, 401, { error: { message: `bad key ${String(request.headers.authorization)}` } }),
  );
  servers.push(server);
  await assert.rejects(createOpenAIBackend(options(server, { model: undefined, apiKey: key })), (error) => {
    assert.ok(isQreasonError(error));
    assert.ok(!error.message.includes(key), error.message);
    assert.ok(!JSON.stringify(error).includes(key));
    assert.match(error.message, /HTTP 401: bad key Bearer \[redacted\]/);
    return true;
  });
  assert.equal(server.received[0]!.headers.authorization, `Bearer ${key}`);
});

test("an endpoint that does not answer in time is a timeout after its retries", async () => {
  const server = await scripted([silent()]);
  const backend = await createOpenAIBackend(options(server, { timeoutMs: 150, maxRetries: 1 }));
  await assert.rejects(backend.generate([REQUEST]), (error) => {
    assert.ok(isQreasonError(error) && error.code === "E_TIMEOUT");
    assert.match(error.message, /no answer within 150 ms \(2 attempts\)/);
    return true;
  });
});

test("a refused connection fails over to another base URL", async () => {
  const dead = await startScriptedServer(() => undefined);
  const deadUrl = dead.baseUrl;
  await dead.close(); // nothing listens there any more
  const live = await scripted([ok("four")]);
  const backend = await createOpenAIBackend({ ...options(live), baseUrls: [deadUrl, live.baseUrl] });
  const results = await backend.generate([REQUEST, REQUEST, REQUEST, REQUEST]);
  assert.deepEqual(results.map((result) => result.text), ["four", "four", "four", "four"]);
});

test("requests fan out across base URLs within the concurrency limit", async () => {
  const held: Array<() => void> = [];
  const hold = (response: ServerResponse) => held.push(() => sendJson(response, 200, completion("x")));
  const [first, second] = [await scripted([hold]), await scripted([hold])];
  const backend = await createOpenAIBackend({
    ...options(first),
    baseUrls: [first.baseUrl, second.baseUrl],
    maxConcurrencyPerUrl: 2,
  });
  const pending = backend.generate(Array.from({ length: 6 }, () => REQUEST));
  while (held.length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(Object.values(backend.load()), [2, 2]);
  assert.equal(completionsReceived(first).length, 2);
  assert.equal(completionsReceived(second).length, 2);
  while (held.length > 0 || completionsReceived(first).length + completionsReceived(second).length < 6) {
    held.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal((await pending).length, 6);
});

test("aborting during a backoff wait cancels at once", async () => {
  const server = await scripted([status(503, { "Retry-After": "30" })]);
  const backend = await createOpenAIBackend(options(server));
  const controller = new AbortController();
  const pending = backend.generate([REQUEST], controller.signal);
  while (completionsReceived(server).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const started = Date.now();
  controller.abort();
  await assert.rejects(pending, /cancelled/);
  assert.ok(Date.now() - started < 1000);
});

test("options an endpoint cannot take become warnings; odd finish reasons are reported", async () => {
  const server = await startScriptedServer((_request, response) =>
    sendJson(response, 200, { choices: [{ index: 0, text: "hi", finish_reason: "content_filter" }] }),
  );
  servers.push(server);
  const backend = await createOpenAIBackend(options(server, { extensions: false }));
  const [result] = await backend.generate([{ ...REQUEST, sampling: { ...REQUEST.sampling, topK: 5 } }]);
  assert.equal(result!.finishReason, "stop");
  assert.equal(server.received[0]!.body && (server.received[0]!.body as { top_k?: number }).top_k, undefined);
  assert.deepEqual(result!.warnings, [
    "top_k=5 not sent: this endpoint is configured without extensions",
    "the endpoint reported no token usage; counts are 0",
    'finish_reason "content_filter" reported as "stop"',
  ]);
});

test("the registry creates an openai backend whose model comes from /models", async () => {
  const server = await scripted([ok("x")]);
  const backend = await backends.openai.create({ baseUrls: [server.baseUrl + "/"] });
  assert.equal(backend.kind, "openai");
  assert.equal(backend.modelId, "m");
  assert.equal(backends.engine.kind, "engine");
  for (const [key, entry] of Object.entries(backends)) assert.equal(entry.kind, key);
});
