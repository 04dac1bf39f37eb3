/**
 * The `engine` Backend: qreason's Python engine as a child process (`qreason-engine serve --stdio`).
 * Requests go out as they come; the engine batches whatever is in flight together, so one generate()
 * call with many requests becomes a few large model batches.
 *
 * If the process dies, the requests it held fail with E_BACKEND (with the tail of its stderr) and the next
 * call starts a fresh process, up to `maxRestarts` times; after that, calls fail at once.
 */
import { QreasonError } from "../../errors.ts";
import type { Backend, GenerateRequest, GenerateResult, ScoreRequest, ScoreResult } from "../types.ts";
import { timerMs } from "../timer.ts";
import { EngineProcess } from "./process.ts";
import { generateParams, scoreParams, toGenerateResult, toScoreResult, type EngineInfo } from "./protocol.ts";

export interface EngineBackendOptions {
  /** Python interpreter with qreason_engine installed (the CLI passes its configured one). */
  python: string;
  /** Hugging Face model directory, or a quantized variant directory (with qreason-quant.json). */
  model: string;
  /** A PEFT LoRA adapter directory (`qreason-engine train` writes one) applied over the model, unmerged. */
  adapter?: string;
  dtype?: "auto" | "fp32" | "bf16" | "fp16";
  /** "auto", "cpu", "cuda", "cuda:1", ... */
  device?: string;
  /** Most sequences the engine decodes in one batch (its --max-batch-rows). */
  maxBatchRows?: number;
  /** More `serve` options, e.g. ["--cache", "static", "--compile"]. */
  extraArgs?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Budget for loading the model (default 10 minutes: large models on slow disks). */
  startupTimeoutMs?: number;
  /** Budget for one request (default 30 minutes: long reasoning on a CPU). */
  requestTimeoutMs?: number;
  /** Fresh processes started after a death before giving up (default 2). */
  maxRestarts?: number;
  onStderr?: (text: string) => void;
}

const DEFAULT_STARTUP_TIMEOUT_MS = 600_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 1_800_000;

export class EngineBackend implements Backend {
  readonly kind = "engine" as const;
  readonly modelId: string;
  readonly version: string;
  /** The engine's hello: model identity, architecture, dtype, device, quantization, library versions. */
  readonly info: EngineInfo;
  private readonly options: EngineBackendOptions;
  private process: EngineProcess;
  private restarting: Promise<EngineProcess> | undefined;
  private restarts = 0;
  private closed = false;

  private constructor(options: EngineBackendOptions, process: EngineProcess) {
    this.options = options;
    this.process = process;
    this.info = process.info;
    this.modelId = process.info.model.identity;
    const { versions } = process.info;
    this.version = `qreason-engine ${process.info.engine.version} (torch ${versions.torch}, transformers ${versions.transformers})`;
  }

  static async create(options: EngineBackendOptions): Promise<EngineBackend> {
    const checked = {
      ...options,
      startupTimeoutMs: timerMs(options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS, "startupTimeoutMs"),
      requestTimeoutMs: timerMs(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, "requestTimeoutMs"),
    };
    return new EngineBackend(checked, await EngineBackend.spawn(checked));
  }

  private static spawn(options: EngineBackendOptions): Promise<EngineProcess> {
    const args = ["--model", options.model, "--dtype", options.dtype ?? "auto", "--device", options.device ?? "auto"];
    if (options.maxBatchRows !== undefined) args.push("--max-batch-rows", String(options.maxBatchRows));
    if (options.adapter !== undefined) args.push("--adapter", options.adapter);
    return EngineProcess.start({
      python: options.python,
      args: [...args, ...(options.extraArgs ?? [])],
      cwd: options.cwd,
      env: options.env,
      startupTimeoutMs: options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
      onStderr: options.onStderr,
    });
  }

  /** The engine process's id (for diagnostics, and for tests that kill it). */
  get pid(): number | undefined {
    return this.process.pid;
  }

  generate(requests: GenerateRequest[], signal?: AbortSignal): Promise<GenerateResult[]> {
    return Promise.all(requests.map(async (request) => toGenerateResult(await this.call("generate", generateParams(request), signal))));
  }

  score(requests: ScoreRequest[], signal?: AbortSignal): Promise<ScoreResult[]> {
    return Promise.all(requests.map(async (request) => toScoreResult(await this.call("score", scoreParams(request), signal), request)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.restarting?.catch(() => undefined);
    await this.process.close();
  }

  private async call(method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    const process = await this.live();
    return process.request(method, params, {
      signal,
      timeoutMs: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    });
  }

  /** The running process, restarting a dead one (once, however many calls ask at the same moment). */
  private async live(): Promise<EngineProcess> {
    if (this.closed) throw new QreasonError("E_BACKEND", "the engine backend is closed");
    if (this.process.alive) return this.process;
    if (!this.restarting) {
      if (this.restarts >= (this.options.maxRestarts ?? 2)) {
        throw new QreasonError("E_BACKEND", `the engine process died ${this.restarts + 1} times; not restarting it again`);
      }
      this.restarts += 1;
      this.restarting = EngineBackend.spawn(this.options)
        .then((process) => {
          if (process.info.model.identity !== this.modelId) {
            void process.close();
            throw new QreasonError("E_BACKEND", `the model at ${this.options.model} changed while it was being served`, {
              file: this.options.model,
            });
          }
          this.process = process;
          return process;
        })
        .finally(() => {
          this.restarting = undefined;
        });
    }
    return this.restarting;
  }
}

export function createEngineBackend(options: EngineBackendOptions): Promise<EngineBackend> {
  return EngineBackend.create(options);
}
