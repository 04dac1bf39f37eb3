/**
 * Starting the backend of one prepared variant with the model's runtime options, and the facts the
 * generation keys take from it. Backends come from the registry (src/backends/index.ts).
 */
import { backends, type Backend } from "../backends/index.ts";
import { QreasonError } from "../errors.ts";
import type { ModelSpec } from "../study/index.ts";
import type { PreparedVariant } from "./artifacts.ts";
import type { BackendFacts } from "./fingerprint.ts";

export interface OpenBackendOptions {
  python: string;
  projectRoot: string;
  /** The API key held by an environment variable the study names (the CLI reads the environment). */
  apiKey: (variableName: string) => string | undefined;
  /** For the llamacpp backend: the GGUF's content hash, part of its identity. */
  ggufHash: (file: string) => Promise<string>;
}

/** How many requests the runner keeps in flight for a backend: enough to fill its batches, no more. */
export function requestsInFlight(model: ModelSpec, prepared: PreparedVariant): number {
  const { batchSize, concurrency } = model.runtime;
  if (prepared.artifact.kind === "endpoint") return concurrency * prepared.artifact.endpoint.baseUrls.length;
  // One batch being decoded and one waiting, so the backend never idles between batches.
  return batchSize * 2;
}

export async function openBackend(model: ModelSpec, prepared: PreparedVariant, options: OpenBackendOptions): Promise<Backend> {
  const { runtime } = model;
  const artifact = prepared.artifact;
  switch (artifact.kind) {
    case "gguf": {
      const hash = await options.ggufHash(artifact.path);
      const kv = prepared.kvCache !== undefined && prepared.kvCache !== "F16" ? `;kv=${prepared.kvCache}` : "";
      return backends.llamacpp.create({
        model: artifact.path,
        parallel: runtime.batchSize,
        modelId: `sha256:${hash}${kv}`,
        gpu: runtime.device === "cpu" ? false : "auto",
        ...(prepared.kvCache !== undefined ? { kvCacheType: prepared.kvCache } : {}),
        ...(runtime.threads !== undefined ? { threads: runtime.threads } : {}),
        ...(runtime.contextSize !== undefined ? { contextSize: runtime.contextSize } : {}),
      });
    }
    case "hf":
      return backends.engine.create({
        python: options.python,
        model: artifact.path,
        cwd: options.projectRoot,
        dtype: runtime.dtype,
        device: runtime.device,
        maxBatchRows: runtime.batchSize,
        requestTimeoutMs: Math.round(runtime.timeoutSeconds * 1000),
      });
    case "endpoint": {
      const { endpoint } = artifact;
      let apiKey: string | undefined;
      if (endpoint.apiKeyEnv !== undefined) {
        apiKey = options.apiKey(endpoint.apiKeyEnv);
        if (apiKey === undefined || apiKey === "") {
          throw new QreasonError("E_USAGE", `the study names the API key variable ${endpoint.apiKeyEnv}, but it is not set in the environment`, {
            field: "api_key_env",
          });
        }
      }
      return backends.openai.create({
        baseUrls: endpoint.baseUrls,
        model: endpoint.model,
        timeoutMs: Math.round(runtime.timeoutSeconds * 1000),
        maxRetries: runtime.retries,
        maxConcurrencyPerUrl: runtime.concurrency,
        ...(apiKey !== undefined ? { apiKey } : {}),
      });
    }
  }
}

/**
 * The backend facts a generation key holds. An endpoint's version string lists its URLs; the key leaves
 * them out, so adding a server to fan out to does not ask every question again.
 */
export function backendFacts(backend: Backend): BackendFacts {
  return { modelIdentity: backend.modelId, backendVersion: backend.kind === "openai" ? "openai-compatible" : backend.version };
}
