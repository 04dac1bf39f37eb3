/**
 * One node-llama-cpp runtime per process and one loaded model per GGUF path, shared by every backend that
 * asks for it (a study's KV-cache variants of one GGUF reuse its weights; each backend makes its own
 * context). A model is released when the last backend using it closes.
 */
import os from "node:os";
import path from "node:path";
import { LlamaLogLevel, getLlama, type Llama, type LlamaModel } from "node-llama-cpp";
import { QreasonError } from "../../errors.ts";
import { readGguf } from "../../gguf/index.ts";

export type GpuMode = "auto" | false;

const runtimes = new Map<string, Promise<Llama>>();

/** The shared llama.cpp runtime for `gpu` (loading a second binary variant per process is avoided). */
export function sharedLlama(gpu: GpuMode): Promise<Llama> {
  const key = String(gpu);
  let runtime = runtimes.get(key);
  if (runtime === undefined) {
    runtime = getLlama({
      gpu,
      build: "never", // never compile at run time: use the prebuilt binaries from npm
      logLevel: LlamaLogLevel.error,
      progressLogs: false,
      // node-llama-cpp shares this many threads among contexts evaluating at the same time.
      maxThreads: os.availableParallelism(),
    }).catch((error: unknown) => {
      runtimes.delete(key);
      throw new QreasonError("E_BACKEND", `cannot start llama.cpp: ${error instanceof Error ? error.message : error}`, {}, {
        cause: error,
      });
    });
    runtimes.set(key, runtime);
  }
  return runtime;
}

export interface ModelLease {
  model: LlamaModel;
  llama: Llama;
  /** Gives the lease back; the model is disposed when no lease is left. */
  release(): Promise<void>;
}

interface Entry {
  loading: Promise<{ model: LlamaModel; llama: Llama }>;
  leases: number;
}

export class ModelCache {
  private readonly entries = new Map<string, Entry>();

  /** Models currently loaded (or loading), by cache key. */
  get size(): number {
    return this.entries.size;
  }

  async acquire(modelPath: string, gpu: GpuMode): Promise<ModelLease> {
    const key = `${path.resolve(modelPath)}\0${String(gpu)}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const loading = (async () => {
        // qreason's own reader first: it refuses a malformed or crafted header at once, where
        // node-llama-cpp's reader can loop on absurd counts for minutes and gigabytes (issue 12).
        await readGguf(modelPath);
        const llama = await sharedLlama(gpu);
        try {
          const model = await llama.loadModel({ modelPath: path.resolve(modelPath), gpuLayers: gpu === false ? 0 : "auto" });
          return { model, llama };
        } catch (error) {
          throw new QreasonError(
            "E_BACKEND",
            `llama.cpp cannot load this GGUF: ${error instanceof Error ? error.message : error}`,
            { file: modelPath },
            { cause: error },
          );
        }
      })();
      entry = { loading, leases: 0 };
      this.entries.set(key, entry);
      loading.catch(() => this.entries.delete(key));
    }
    entry.leases += 1;
    let loaded: { model: LlamaModel; llama: Llama };
    try {
      loaded = await entry.loading;
    } catch (error) {
      entry.leases -= 1;
      throw error;
    }
    let released = false;
    const current = entry;
    return {
      ...loaded,
      release: async () => {
        if (released) return;
        released = true;
        current.leases -= 1;
        if (current.leases === 0 && this.entries.get(key) === current) {
          this.entries.delete(key);
          await loaded.model.dispose();
        }
      },
    };
  }
}

/** The process-wide cache backends use unless given their own. */
export const defaultModelCache = new ModelCache();
