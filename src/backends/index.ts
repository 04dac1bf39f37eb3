/**
 * The backends qreason generates and scores with: one registry entry per kind, each loading its
 * implementation only when used (llama.cpp's native module, a child process, ...). The spec every
 * backend implements lives in types.ts.
 */
import type { EngineBackendOptions } from "./engine/index.ts";
import type { LlamaCppBackendOptions } from "./llamacpp/index.ts";
import type { OpenAIBackendOptions } from "./openai/index.ts";
import type { Backend, BackendKind } from "./types.ts";

export type * from "./types.ts";
export { hasFullDistributions } from "./types.ts";
export type { EngineBackendOptions, EngineInfo } from "./engine/index.ts";
export type { OpenAIBackendOptions } from "./openai/index.ts";
export type { LlamaCppBackendOptions } from "./llamacpp/index.ts";
export { MAX_TIMER_MS, timerMs } from "./timer.ts";

export interface BackendEntry<Options> {
  readonly kind: BackendKind;
  /** One line for `--help` and error messages. */
  readonly summary: string;
  readonly create: (options: Options) => Promise<Backend>;
}

function entry<Options>(kind: BackendKind, summary: string, create: (options: Options) => Promise<Backend>): BackendEntry<Options> {
  return { kind, summary, create };
}

/** Add a backend with one line: `kind: entry<Options>("kind", "what it is", async (options) => ...)`. */
export const backends = {
  engine: entry<EngineBackendOptions>("engine", "qreason's Python engine (PyTorch), spawned as `qreason-engine serve --stdio`", async (options) => (await import("./engine/index.ts")).createEngineBackend(options)),
  llamacpp: entry<LlamaCppBackendOptions>("llamacpp", "GGUF models in-process through node-llama-cpp (llama.cpp on CPU or GPU, no Python)", async (options) => (await import("./llamacpp/index.ts")).createLlamaCppBackend(options)),
  openai: entry<OpenAIBackendOptions>("openai", "any OpenAI-compatible endpoint: vLLM, SGLang, llama.cpp's server, Ollama, `qreason-engine serve --http`", async (options) => (await import("./openai/index.ts")).createOpenAIBackend(options)),
} satisfies Partial<Record<BackendKind, BackendEntry<never>>>;
