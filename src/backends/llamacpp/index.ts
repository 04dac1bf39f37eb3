/**
 * Public surface of the embedded llama.cpp backend: GGUF models in-process through node-llama-cpp.
 */
export type { KvCacheType, LlamaCppBackendOptions } from "./backend.ts";
export type { GpuMode, ModelLease } from "./modelCache.ts";

export { KV_CACHE_TYPES, LlamaCppBackend, createLlamaCppBackend } from "./backend.ts";
export { ModelCache, defaultModelCache } from "./modelCache.ts";
