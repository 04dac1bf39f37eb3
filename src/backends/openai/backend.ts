/**
 * The `openai` Backend: any OpenAI-compatible endpoint (vLLM, SGLang, llama.cpp's server, Ollama, the
 * qreason engine's HTTP server, OpenAI itself). Raw prompts go to /completions, chat messages to
 * /chat/completions, scoring to /completions with echo and logprobs. Requests fan out across every base URL.
 */
import { QreasonError } from "../../errors.ts";
import type { Backend, GenerateRequest, GenerateResult, ScoreRequest, ScoreResult } from "../types.ts";
import { timerMs } from "../timer.ts";
import { JsonClient, type FetchFunction } from "./client.ts";
import { EndpointPool } from "./endpoints.ts";
import { firstModelId, type BodyOptions, generateBody, scoreBody, scoreFromEcho, toGenerateResult, type ChatTemplate } from "./protocol.ts";

export interface OpenAIBackendOptions {
  /** Base URLs including the API prefix, e.g. "http://127.0.0.1:8000/v1"; several serve the same model. */
  baseUrls: string[];
  /** The model name to request (default: the first model the first endpoint lists). */
  model?: string;
  /** Sent as a Bearer token; the caller reads it from the environment. Never logged. */
  apiKey?: string;
  /** Budget for one HTTP attempt (default 10 minutes: long generations are slow). */
  timeoutMs?: number;
  /** Tries after the first on timeouts, connection failures, 408/409/425/429/5xx (default 4). */
  maxRetries?: number;
  /** First retry delay before jitter (default 500 ms); doubles each retry up to retryMaxMs (default 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Longest Retry-After honoured (default 120 s). */
  retryAfterCapMs?: number;
  /** Requests in flight per base URL (default 16). */
  maxConcurrencyPerUrl?: number;
  /** Send top_k, add_special_tokens, continue_final_message (default true; false for OpenAI's own API, which rejects them). */
  extensions?: boolean;
  /**
   * The served model's chat template (e.g. its tokenizer's `chat_template`), so chat prompts can be scored
   * (rendered here, then sent to /completions) and an assistant prefix continued on any endpoint.
   */
  chatTemplate?: ChatTemplate;
  /** HTTP implementation (default: the global fetch). */
  fetch?: FetchFunction;
  /** Jitter source (default Math.random). */
  random?: () => number;
}

export class OpenAIBackend implements Backend {
  readonly kind = "openai" as const;
  readonly modelId: string;
  readonly version: string;
  private readonly client: JsonClient;
  private readonly pool: EndpointPool;
  private readonly bodyOptions: BodyOptions;

  private constructor(modelId: string, client: JsonClient, pool: EndpointPool, extensions: boolean, chatTemplate?: ChatTemplate) {
    this.modelId = modelId;
    this.client = client;
    this.pool = pool;
    this.bodyOptions = { model: modelId, extensions, chatTemplate };
    this.version = `openai-compatible via ${pool.urls.join(", ")}`;
  }

  static async create(options: OpenAIBackendOptions): Promise<OpenAIBackend> {
    const urls = options.baseUrls.map(normalizeBaseUrl);
    const pool = new EndpointPool(urls, options.maxConcurrencyPerUrl ?? 16);
    const client = new JsonClient({
      pool,
      apiKey: options.apiKey,
      timeoutMs: timerMs(options.timeoutMs ?? 600_000, "timeoutMs"),
      maxRetries: options.maxRetries ?? 4,
      backoff: { baseMs: options.retryBaseMs ?? 500, maxMs: options.retryMaxMs ?? 30_000 },
      retryAfterCapMs: options.retryAfterCapMs ?? 120_000,
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      random: options.random,
    });
    const model = options.model ?? firstModelId(await client.get("/models"));
    return new OpenAIBackend(model, client, pool, options.extensions ?? true, options.chatTemplate);
  }

  /** Requests in flight per base URL. */
  load(): Record<string, number> {
    return this.pool.load();
  }

  generate(requests: GenerateRequest[], signal?: AbortSignal): Promise<GenerateResult[]> {
    return Promise.all(
      requests.map(async (request) => {
        const prepared = generateBody(request, this.bodyOptions);
        // A malformed answer (no choices, no content) is retried like a 5xx, so it is checked inside the client.
        return this.client.post(prepared.path, prepared.body, signal, (value) => toGenerateResult(prepared, value));
      }),
    );
  }

  score(requests: ScoreRequest[], signal?: AbortSignal): Promise<ScoreResult[]> {
    return Promise.all(
      requests.map(async (request) => {
        const prepared = scoreBody(request, this.bodyOptions);
        return scoreFromEcho(await this.client.post("/completions", prepared.body, signal), prepared, request);
      }),
    );
  }

  async close(): Promise<void> {
    // Nothing to release: connections belong to fetch's pool and close when idle.
  }
}

function normalizeBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QreasonError("E_USAGE", `not a URL: ${JSON.stringify(url)}`, { field: "baseUrls" });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new QreasonError("E_USAGE", `base URLs must be http or https: ${url}`, { field: "baseUrls" });
  }
  return url.replace(/\/+$/, "");
}

export function createOpenAIBackend(options: OpenAIBackendOptions): Promise<OpenAIBackend> {
  return OpenAIBackend.create(options);
}
