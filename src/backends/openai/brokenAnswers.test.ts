/**
 * Regressions (issue 12), against real loopback HTTP servers:
 * - a 200 whose body is malformed or truncated JSON, has empty `choices`, or a message without `content`
 *   was not retried (or was graded as an empty answer), and a body cut off after the headers was reported
 *   as "cannot connect". Each is now retried like a 5xx and named for what it is.
 * - fan-out kept sending to a dead base URL (3 of 24 generations failed on it while the live one was
 *   healthy): a cooling endpoint is never picked while a healthy one exists.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { after, test } from "node:test";
import { isQreasonError } from "../../errors.ts";
import type { GenerateRequest } from "../types.ts";
import { createOpenAIBackend, type OpenAIBackendOptions } from "./index.ts";
import { sendJson, startScriptedServer, type ScriptedServer } from "./testServers.testutil.ts";

const RAW: GenerateRequest = { prompt: "2 + 2 =", sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 4, seed: 0, stop: [] } };
const CHAT: GenerateRequest = { ...RAW, prompt: [{ role: "user", content: "2 + 2 =" }] };

const completion = (text: string) => ({ choices: [{ index: 0, text, finish_reason: "stop" }], usage: { prompt_tokens: 4, completion_tokens: 1 } });
const chat = (content: string | null | undefined, finish = "stop") => ({
  choices: [{ index: 0, message: { role: "assistant", ...(content === undefined ? {} : { content }) }, finish_reason: finish }],
  usage: { prompt_tokens: 4, completion_tokens: 1 },
});

const servers: Array<{ close(): Promise<void> }> = [];
after(() => Promise.all(servers.map((server) => server.close())));

const fast = (server: { baseUrl: string }, overrides: Partial<OpenAIBackendOptions> = {}): OpenAIBackendOptions => ({
  baseUrls: [server.baseUrl],
  model: "m",
  retryBaseMs: 10,
  retryMaxMs: 40,
  random: () => 0.5,
  maxRetries: 2,
  ...overrides,
});

/** A raw TCP-level HTTP server: answers the n-th generation request with `bodies[n]` bytes after a 200
 * header (the last entry repeats); `cut` entries claim a longer Content-Length and then close the socket. */
async function rawServer(bodies: Array<{ body: string; cut?: boolean; json?: boolean }>): Promise<{ baseUrl: string; requests: number; close(): Promise<void> }> {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      const step = bodies[Math.min(requests++, bodies.length - 1)]!;
      const bytes = Buffer.from(step.body);
      response.writeHead(200, { "Content-Type": "application/json", "Content-Length": bytes.length + (step.cut ? 100 : 0) });
      if (step.cut) {
        response.write(bytes);
        setTimeout(() => response.socket?.destroy(), 20); // the rest never comes
      } else {
        response.end(bytes);
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const handle = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

const good = JSON.stringify(completion("four"));

test("a 200 with malformed, truncated or empty JSON is retried, then succeeds", async () => {
  const cases: Array<[string, { body: string; cut?: boolean }]> = [
    ["malformed JSON", { body: "{choices: [oops" }],
    ["JSON cut short (the connection closed early)", { body: good.slice(0, 30) }],
    ["an HTML error page with status 200", { body: "<html><body>502 Bad Gateway</body></html>" }],
    ["an empty body", { body: "" }],
    ["a body cut off after the headers (Content-Length not reached)", { body: good.slice(0, 25), cut: true }],
    ["empty choices", { body: JSON.stringify({ choices: [], usage: null }) }],
  ];
  for (const [name, broken] of cases) {
    const server = await rawServer([broken, { body: good }]);
    const backend = await createOpenAIBackend(fast(server));
    const [result] = await backend.generate([RAW]);
    assert.equal(result!.text, "four", name);
    assert.equal(server.requests, 2, `${name}: retried once`);
  }
});

test("when every try is broken, the error says what was wrong, not 'cannot connect'", async () => {
  const truncated = await rawServer([{ body: good.slice(0, 25), cut: true }]);
  await assert.rejects((await createOpenAIBackend(fast(truncated))).generate([RAW]), (error) => {
    assert.ok(isQreasonError(error));
    assert.equal(error.code, "E_NETWORK");
    assert.match(error.message, /HTTP 200, then the body was cut off \(.+\) \(3 attempts\)/);
    assert.doesNotMatch(error.message, /cannot connect/);
    return true;
  });
  assert.equal(truncated.requests, 3);

  const notJson = await rawServer([{ body: "<html>oops</html>" }]);
  await assert.rejects((await createOpenAIBackend(fast(notJson))).generate([RAW]), (error) => {
    assert.ok(isQreasonError(error) && error.code === "E_BACKEND");
    assert.match(error.message, /HTTP 200 but the body is not JSON \(truncated or an error page\?\): <html>oops<\/html> \(3 attempts\)/);
    return true;
  });
  const empty = await rawServer([{ body: JSON.stringify({ choices: [] }) }]);
  await assert.rejects((await createOpenAIBackend(fast(empty))).generate([RAW]), /malformed completion response: choices: .* \(3 attempts\)/);
});

test("a chat answer without content is retried; content cut off by max_tokens is an empty answer with a warning", async () => {
  for (const missing of [null, undefined]) {
    let calls = 0;
    const server: ScriptedServer = await startScriptedServer((_request, response) => sendJson(response, 200, calls++ === 0 ? chat(missing) : chat("four")));
    servers.push(server);
    const [result] = await (await createOpenAIBackend(fast(server))).generate([CHAT]);
    assert.equal(result!.text, "four", String(missing));
    assert.equal(calls, 2);
  }
  const lengthServer = await startScriptedServer((_request, response) => sendJson(response, 200, chat(null, "length")));
  servers.push(lengthServer);
  const [cut] = await (await createOpenAIBackend(fast(lengthServer))).generate([CHAT]);
  assert.equal(cut!.text, "");
  assert.equal(cut!.finishReason, "length");
  assert.ok(cut!.warnings.some((warning) => /no message content \(finish_reason length\)/.test(warning)), JSON.stringify(cut!.warnings));
  assert.equal(lengthServer.received.length, 1, "not retried");
});

test("fan-out: a dead base URL costs retries, never generations, while a live one is healthy", { timeout: 60_000 }, async () => {
  const dead = await startScriptedServer(() => undefined);
  const deadUrl = dead.baseUrl;
  await dead.close(); // connection refused from now on
  let answered = 0;
  const live = await startScriptedServer((_request, response) => {
    setTimeout(() => {
      answered++;
      sendJson(response, 200, completion("four"));
    }, 15);
  });
  servers.push(live);
  const backend = await createOpenAIBackend({ ...fast(live), baseUrls: [deadUrl, live.baseUrl], maxConcurrencyPerUrl: 1, maxRetries: 2 });
  const outcomes = await Promise.allSettled(Array.from({ length: 24 }, () => backend.generate([RAW])));
  const failed = outcomes.filter((outcome) => outcome.status === "rejected");
  assert.equal(failed.length, 0, `failed: ${failed.map((outcome) => String((outcome as PromiseRejectedResult).reason)).join("; ")}`);
  assert.equal(answered, 24);
});
