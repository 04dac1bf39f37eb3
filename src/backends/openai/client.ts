/**
 * JSON over HTTP to an OpenAI-compatible server, with a time budget per attempt, retries with backoff
 * (Retry-After honoured), and fan-out across endpoints. The API key goes into the Authorization header and
 * nowhere else: no error message, log line or thrown object carries it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { QreasonError } from "../../errors.ts";
import type { EndpointPool } from "./endpoints.ts";
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs, type BackoffPolicy } from "./retry.ts";

export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface JsonClientOptions {
  pool: EndpointPool;
  apiKey?: string;
  /** Budget for one attempt (connect, wait, read the body). */
  timeoutMs: number;
  /** Tries after the first one. */
  maxRetries: number;
  backoff: BackoffPolicy;
  /** Longest Retry-After honoured; a server asking for more is waited on for this long. */
  retryAfterCapMs: number;
  fetch: FetchFunction;
  random?: () => number;
}

type Failure =
  | { kind: "status"; status: number; message: string; retryAfterMs?: number }
  | { kind: "timeout" }
  | { kind: "network"; message: string }
  /** The connection broke after the headers: the body is incomplete. */
  | { kind: "truncated"; message: string }
  /** A 2xx whose body is not JSON, or not the answer asked for (no choices, no content). */
  | { kind: "malformed"; message: string };

/** Checks an answer and turns it into what the caller wants; a QreasonError means "malformed, try again". */
export type AcceptAnswer<T> = (value: unknown) => T;

export class JsonClient {
  private readonly options: JsonClientOptions;

  constructor(options: JsonClientOptions) {
    this.options = options;
  }

  /**
   * POSTs `body`; `accept` checks the answer (a QreasonError from it makes the answer malformed, which is
   * retried like a 5xx: a proxy's error page, a body cut short, a server that sent no choices).
   */
  post<T = unknown>(path: string, body: unknown, signal?: AbortSignal, accept?: AcceptAnswer<T>): Promise<T> {
    return this.send("POST", path, body, signal, accept);
  }

  get(path: string, signal?: AbortSignal): Promise<unknown> {
    return this.send("GET", path, undefined, signal);
  }

  private async send<T>(method: string, path: string, body: unknown, signal?: AbortSignal, accept?: AcceptAnswer<T>): Promise<T> {
    const { pool, maxRetries } = this.options;
    let avoid: string | undefined;
    let failure: Failure | undefined;
    let url = "";
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const lease = await pool.acquire(avoid, signal);
      url = lease.url + path;
      let outcome: { ok: true; value: unknown } | { ok: false; failure: Failure };
      try {
        outcome = await this.attempt(method, url, body, signal, accept);
      } finally {
        lease.release();
      }
      if (outcome.ok) return outcome.value as T;
      failure = outcome.failure;
      if (failure.kind === "status" && !isRetryableStatus(failure.status)) break;
      if (attempt === maxRetries) break;
      const delay = this.delayMs(attempt, failure);
      if (failure.kind !== "timeout") pool.coolDown(lease.url, delay);
      avoid = lease.url;
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        throw cancelled(signal);
      }
    }
    throw this.finalError(method, url, failure!, maxRetries);
  }

  private delayMs(attempt: number, failure: Failure): number {
    const { backoff, retryAfterCapMs, random } = this.options;
    if (failure.kind === "status" && failure.retryAfterMs !== undefined) return Math.min(failure.retryAfterMs, retryAfterCapMs);
    return backoffDelayMs(attempt, backoff, random);
  }

  private async attempt(
    method: string,
    url: string,
    body: unknown,
    signal: AbortSignal | undefined,
    accept: AcceptAnswer<unknown> | undefined,
  ): Promise<{ ok: true; value: unknown } | { ok: false; failure: Failure }> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.options.apiKey) headers.Authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: attemptSignal,
      });
    } catch (error) {
      if (signal?.aborted) throw cancelled(signal);
      if (timeout.aborted) return { ok: false, failure: { kind: "timeout" } };
      return { ok: false, failure: { kind: "network", message: networkReason(error) } };
    }
    try {
      text = await response.text();
    } catch (error) {
      // The server answered (status and headers came) and the connection broke in the body: not "cannot connect".
      if (signal?.aborted) throw cancelled(signal);
      if (timeout.aborted) return { ok: false, failure: { kind: "timeout" } };
      return { ok: false, failure: { kind: "truncated", message: `HTTP ${response.status}, then the body was cut off (${bodyReason(error)})` } };
    }
    if (!response.ok) {
      return {
        ok: false,
        failure: {
          kind: "status",
          status: response.status,
          message: serverMessage(text),
          retryAfterMs: parseRetryAfterMs(response.headers.get("retry-after")),
        },
      };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
      return { ok: false, failure: { kind: "malformed", message: `HTTP ${response.status} but the body is not JSON (truncated or an error page?): ${shown || "(empty)"}` } };
    }
    if (accept === undefined) return { ok: true, value };
    try {
      return { ok: true, value: accept(value) };
    } catch (error) {
      if (!(error instanceof QreasonError)) throw error;
      return { ok: false, failure: { kind: "malformed", message: error.message } };
    }
  }

  private finalError(method: string, url: string, failure: Failure, maxRetries: number): QreasonError {
    const tries = failure.kind === "status" && !isRetryableStatus(failure.status) ? "" : ` (${maxRetries + 1} attempts)`;
    if (failure.kind === "timeout") {
      return new QreasonError("E_TIMEOUT", this.redact(`${method} ${url}: no answer within ${this.options.timeoutMs} ms${tries}`));
    }
    if (failure.kind === "network" || failure.kind === "truncated") {
      return new QreasonError("E_NETWORK", this.redact(`${method} ${url}: ${failure.message}${tries}`));
    }
    if (failure.kind === "malformed") {
      return new QreasonError("E_BACKEND", this.redact(`${method} ${url}: ${failure.message}${tries}`));
    }
    return new QreasonError("E_BACKEND", this.redact(`${method} ${url}: HTTP ${failure.status}: ${failure.message}${tries}`));
  }

  /** A server that echoes the Authorization header must not get the key into our errors. */
  private redact(message: string): string {
    const key = this.options.apiKey;
    return key ? message.split(key).join("[redacted]") : message;
  }
}

function cancelled(signal: AbortSignal | undefined): QreasonError {
  return new QreasonError("E_BACKEND", "cancelled", {}, { cause: signal?.reason });
}

/** The message of an OpenAI-style error body ({error: {message}}), a FastAPI one ({detail}), or the text. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; detail?: unknown; message?: unknown };
    if (typeof body.error === "object" && typeof body.error?.message === "string") return body.error.message;
    if (typeof body.error === "string") return body.error;
    if (typeof body.detail === "string") return body.detail;
    if (typeof body.message === "string") return body.message;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 500) || "(empty body)";
}

/** Why reading a body failed: undici says "terminated", with the socket's reason as the cause. */
function bodyReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.message ? `${cause.code}: ${cause.message}` : cause.code;
  return (error as Error).message;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `cannot connect (${cause.code})`;
  return `request failed: ${cause?.message ?? (error as Error).message}`;
}
