/**
 * nodeHttpFetch against a real loopback server: the request as sent (method, headers, body), the status,
 * headers and body as answered, a body cut mid-way failing in `text()` (as fetch does), an abort before
 * the answer, and the openai backend generating through it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { backends } from "../index.ts";
import { nodeHttpFetch } from "./nodeHttpFetch.ts";
import { sendJson, startScriptedServer, type ScriptedServer } from "./testServers.testutil.ts";

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer((request, response) => {
    if (request.path.endsWith("/echo")) return sendJson(response, 201, { method: request.method, body: request.body, auth: request.headers.authorization ?? null }, { "Retry-After": "7" });
    if (request.path.endsWith("/cut")) {
      response.writeHead(200, { "Content-Type": "application/json", "Content-Length": "1000" });
      response.write('{"partial": ');
      setImmediate(() => response.destroy());
      return;
    }
    if (request.path.endsWith("/never")) return; // no answer: only the caller's signal ends it
    if (request.path.endsWith("/models")) return sendJson(response, 200, { object: "list", data: [{ id: "m" }] });
    sendJson(response, 200, { choices: [{ index: 0, message: { role: "assistant", content: "4" }, finish_reason: "stop" }], usage: { prompt_tokens: 9, completion_tokens: 1 } });
  });
});
after(() => server.close());

describe("nodeHttpFetch", () => {
  it("sends the request and returns status, headers and body", async () => {
    const response = await nodeHttpFetch(`${server.baseUrl}/echo`, { method: "POST", headers: { Authorization: "Bearer k", "Content-Type": "application/json" }, body: JSON.stringify({ x: "é" }) });
    assert.equal(response.status, 201);
    assert.equal(response.ok, true);
    assert.equal(response.headers.get("retry-after"), "7");
    assert.deepEqual(await response.json(), { method: "POST", body: { x: "é" }, auth: "Bearer k" });
  });

  it("fails in text() when the body is cut off, and on abort", async () => {
    const cut = await nodeHttpFetch(`${server.baseUrl}/cut`, { method: "GET" });
    assert.equal(cut.status, 200);
    await assert.rejects(cut.text());
    const controller = new AbortController();
    const pending = nodeHttpFetch(`${server.baseUrl}/never`, { method: "GET", signal: controller.signal });
    setImmediate(() => controller.abort(new Error("stopped by the caller")));
    await assert.rejects(pending, /stopped by the caller/);
    await assert.rejects(nodeHttpFetch(`${server.baseUrl}/echo`, { method: "GET", signal: AbortSignal.abort(new Error("already")) }), /already/);
  });

  it("carries the openai backend's calls", async () => {
    const backend = await backends.openai.create({ baseUrls: [server.baseUrl], model: "m", fetch: nodeHttpFetch, maxRetries: 0 });
    try {
      const [result] = await backend.generate([{ prompt: [{ role: "user", content: "2+2?" }], sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 4, seed: 0, stop: [] } }]);
      assert.equal(result?.text, "4");
      assert.equal(result?.completionTokens, 1);
    } finally {
      await backend.close();
    }
  });
});
