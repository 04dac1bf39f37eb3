/**
 * A FetchFunction over node:http / node:https with no deadline of its own: the caller's signal (the openai
 * client's per-attempt `timeoutMs`) is the only one. The global fetch (undici) also gives up when response
 * headers take longer than 300 s, and a server that answers a non-streamed chat completion sends its
 * headers only once the reply is generated: a reasoning model behind an endpoint, or a local model on a
 * loaded machine, can take longer than that. The body streams, so a connection cut mid-body is an error of
 * `response.text()`, as with fetch.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import type { FetchFunction } from "./client.ts";

function headersOf(message: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const entry of Array.isArray(value) ? value : [value]) headers.append(name, entry);
  }
  return headers;
}

function plainHeaders(init: RequestInit["headers"]): Record<string, string> {
  return Object.fromEntries(new Headers(init ?? {}).entries());
}

export const nodeHttpFetch: FetchFunction = (url, init) =>
  new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(signal.reason as Error);
    const body = typeof init.body === "string" ? init.body : init.body === undefined || init.body === null ? undefined : String(init.body);
    const headers = plainHeaders(init.headers);
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const request = send(url, { method: init.method ?? "GET", headers }, (message) => {
      const status = message.statusCode ?? 0;
      const nullBody = status === 204 || status === 304 || init.method === "HEAD";
      if (nullBody) message.resume();
      resolve(new Response(nullBody ? null : (Readable.toWeb(message) as ReadableStream<Uint8Array>), { status, statusText: message.statusMessage ?? "", headers: headersOf(message) }));
    });
    const onAbort = (): void => {
      request.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("close", () => signal?.removeEventListener("abort", onAbort));
    request.on("error", reject);
    request.end(body);
  });
