/**
 * Judge clients: a `JudgeSpec` (config.ts) opened as a working `ModelJudge`. An endpoint judge is the
 * openai backend (any OpenAI-compatible server: a provider's API, vLLM, llama.cpp's server, the engine's
 * HTTP server); a local judge is the llamacpp backend on a GGUF or the engine on a Hugging Face directory.
 * Every one goes through the Backend spec's `generate`, with the verdict's JSON Schema as `responseFormat`
 * when the judge is structured: the engine and llama.cpp enforce it while decoding, an endpoint passes it
 * on (a server that ignores it warns), and the judge's parser validates every reply either way, retrying
 * within its bounded attempts.
 *
 * API keys: the spec holds only the NAME of the environment variable; `apiKey(name)` reads it here, at
 * the edge, and the value goes to the HTTP client alone — never into a judge's identity, the store or a log.
 */
import { createHash } from "node:crypto";
import { backends, type Backend, type ChatMessage } from "../backends/index.ts";
import { nodeHttpFetch } from "../backends/openai/nodeHttpFetch.ts";
import { isQreasonError, QreasonError } from "../errors.ts";
import type { JudgeSpec } from "./config.ts";
import { createModelJudge, type JudgeModel, type ModelJudge } from "./judge.ts";

/**
 * A Backend as a judge model: one chat request per call, the reply's text and token counts. A model with
 * no chat template (the bundled reference model) is given the messages as plain text instead: each turn
 * under its role's name, then "Assistant:" — after the backend said so once, every later call goes that way.
 */
export function backendJudgeModel(backend: Pick<Backend, "generate">): JudgeModel {
  let plain = false;
  return async (call, signal) => {
    const ask = (prompt: string | ChatMessage[]) => backend.generate(
      [{ prompt, sampling: call.sampling, ...(call.responseFormat ? { responseFormat: call.responseFormat } : {}) }],
      signal,
    );
    let results;
    if (plain) results = await ask(plainPrompt(call.messages));
    else {
      try {
        results = await ask(call.messages);
      } catch (error) {
        // llama.cpp says E_INPUT; an OpenAI-compatible server (the engine's) answers HTTP 400 with the same words.
        if (!(isQreasonError(error) && (error.code === "E_INPUT" || error.code === "E_BACKEND") && /no chat template/.test(error.message))) throw error;
        plain = true;
        results = await ask(plainPrompt(call.messages));
      }
    }
    const [result] = results;
    if (result === undefined) throw new QreasonError("E_BACKEND", "the backend returned no result for a judge request");
    return { text: result.text, finishReason: result.finishReason, promptTokens: result.promptTokens, completionTokens: result.completionTokens, warnings: result.warnings };
  };
}

/** Chat messages as one plain-text prompt, for a model without a chat template. */
export function plainPrompt(messages: readonly ChatMessage[]): string {
  const name = { system: "System", user: "User", assistant: "Assistant" } as const;
  return `${messages.map((message) => `${name[message.role]}: ${message.content}`).join("\n\n")}\n\nAssistant: `;
}

export interface OpenJudgeOptions {
  /** Python interpreter of the engine (for engine judges). */
  python: string;
  /** Reads an API key variable by name (the CLI passes process.env); undefined when unset. */
  apiKey: (variableName: string) => string | undefined;
  /** Already-open backends by judge name, used instead of starting one (closed by their owner). */
  backends?: Readonly<Record<string, Backend>>;
  /** Budget for one HTTP attempt of an endpoint judge (default: the openai backend's). */
  timeoutMs?: number;
  maxRetries?: number;
}

export interface OpenedJudge {
  spec: JudgeSpec;
  judge: ModelJudge;
  backend: Backend;
  /** Where the judge runs, for tables: `endpoint`, `llamacpp`, `engine`. */
  kind: JudgeSpec["source"]["kind"];
  close(): Promise<void>;
}

/** Starts the judge's backend and wraps it. Missing key variables fail here, before any call. */
export async function openJudge(spec: JudgeSpec, options: OpenJudgeOptions): Promise<OpenedJudge> {
  const given = options.backends?.[spec.name];
  const backend = given ?? (await openBackend(spec, options));
  const served = spec.source.kind === "endpoint" ? `${spec.source.endpoint.baseUrls[0]}:${spec.source.endpoint.model}` : backend.modelId;
  const modelId = `${served}@${decodingTag(spec)}`;
  const judge = createModelJudge({
    name: spec.name,
    modelId,
    model: backendJudgeModel(backend),
    sampling: spec.sampling,
    maxAttempts: spec.maxAttempts,
    structured: spec.structured,
    ...(spec.explanationChars !== undefined ? { explanationChars: spec.explanationChars } : {}),
  });
  return { spec, judge, backend, kind: spec.source.kind, close: () => (given ? Promise.resolve() : backend.close()) };
}

/** Bumped when forDecoding changes what a constrained decoder may write. */
const DECODING_VERSION = 2;

/**
 * What besides the model and the prompt decides a judge's replies: the decoding schema and the sampling.
 * Part of the identity stored with every verdict, so a changed setting judges again (the key is not in it).
 */
export function decodingTag(spec: JudgeSpec): string {
  const settings = { version: DECODING_VERSION, structured: spec.structured, explanationChars: spec.explanationChars ?? null, sampling: spec.sampling, maxAttempts: spec.maxAttempts };
  return `decode:${createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 8)}`;
}

async function openBackend(spec: JudgeSpec, options: OpenJudgeOptions): Promise<Backend> {
  const source = spec.source;
  if (source.kind === "endpoint") {
    const { endpoint } = source;
    let apiKey: string | undefined;
    if (endpoint.apiKeyEnv !== undefined) {
      apiKey = options.apiKey(endpoint.apiKeyEnv);
      if (apiKey === undefined || apiKey === "") {
        throw new QreasonError("E_USAGE", `judge '${spec.name}' needs its API key in the environment variable ${endpoint.apiKeyEnv}, which is not set`, { field: `judges.${spec.name}.endpoint.api_key_env` });
      }
    }
    return backends.openai.create({
      baseUrls: endpoint.baseUrls,
      model: endpoint.model,
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      // A judge's reply (a reasoning model's, a local model's under load) may take longer than the 300 s
      // global fetch waits for response headers; the backend's own per-attempt timeout is the deadline.
      fetch: nodeHttpFetch,
    });
  }
  if (source.kind === "llamacpp") {
    return backends.llamacpp.create({
      model: source.gguf,
      parallel: 1,
      ...(source.contextSize !== undefined ? { contextSize: source.contextSize } : {}),
      ...(source.threads !== undefined ? { threads: source.threads } : {}),
    });
  }
  return backends.engine.create({ python: options.python, model: source.hf, device: source.device, dtype: source.dtype });
}

/** Opens every judge; on a failure closes the ones already open and rethrows. */
export async function openJudges(specs: readonly JudgeSpec[], options: OpenJudgeOptions): Promise<OpenedJudge[]> {
  const opened: OpenedJudge[] = [];
  try {
    for (const spec of specs) opened.push(await openJudge(spec, options));
    return opened;
  } catch (error) {
    await closeJudges(opened);
    throw error;
  }
}

export async function closeJudges(judges: readonly OpenedJudge[]): Promise<void> {
  await Promise.allSettled(judges.map((judge) => judge.close()));
}
