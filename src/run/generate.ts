/**
 * The generation loop of one variant: pending tasks go to the backend with a bounded number in flight,
 * each outcome (result or error) goes into a write buffer, and the buffer is committed to the run store in
 * batched transactions (every `flushSize` outcomes, or `flushMs` after the first unwritten one, whichever
 * comes first). A kill loses at most the unwritten buffer; those tasks are still pending on resume.
 *
 * Requests go one per `generate` call: every backend batches whatever is in flight (llama.cpp's sequence
 * pool, the engine's batching worker, HTTP concurrency), and one request's failure stays its own.
 * A backend that keeps failing is given up on after `maxConsecutiveFailures` in a row, so a dead server
 * costs a handful of error rows, not one per remaining task.
 */
import { timerMs, type Backend, type ChatMessage, type GenerateResult } from "../backends/index.ts";
import type { Problem } from "../data/index.ts";
import type { GenerationRecord, RunStore } from "../store/index.ts";
import type { PlanJob } from "../study/index.ts";

export interface GenerationTask {
  key: string;
  job: PlanJob;
  problem: Problem;
  prompt: string | ChatMessage[];
}

export interface GenerateOptions {
  inFlight: number;
  signal?: AbortSignal;
  /** Budget of one request, for backends without their own (undefined: none). */
  requestTimeoutMs?: number;
  /** Backend facts stored with every record. */
  backendKind: Backend["kind"];
  backendVersion: string;
  flushSize?: number;
  flushMs?: number;
  maxConsecutiveFailures?: number;
  /** Called once per finished task, after nothing (ok) or an error was recorded, with the task and its result or error. */
  onOutcome?: (ok: boolean, sample: GeneratedSample) => void;
}

/** One finished generation, as the progress printer shows it (`qreason run --log-samples`). */
export interface GeneratedSample {
  benchmark: string;
  problemId: string;
  sampleIndex: number;
  text?: string;
  finishReason?: string;
  completionTokens?: number;
  error?: string;
}

export interface GenerateOutcome {
  generated: number;
  failed: number;
  /** Keys whose attempt failed in this pass (errors stored). */
  failedKeys: string[];
  /** Set when the loop gave up on the backend: the last error. */
  stopped?: string;
}

/** Buffers records and commits them in batches. */
export class BatchWriter {
  private readonly store: RunStore;
  private readonly flushSize: number;
  private readonly flushMs: number;
  private buffer: GenerationRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;

  constructor(store: RunStore, flushSize: number, flushMs: number) {
    this.store = store;
    this.flushSize = flushSize;
    this.flushMs = flushMs;
  }

  add(record: GenerationRecord): void {
    this.buffer.push(record);
    if (this.buffer.length >= this.flushSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Commits what is buffered. A failed commit is remembered and thrown from `close`. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      this.store.putGenerations(batch);
    } catch (error) {
      this.failure ??= error;
    }
  }

  /** True once a commit has failed: the loop stops instead of generating what cannot be stored. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  close(): void {
    this.flush();
    if (this.failure !== undefined) throw this.failure;
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && code.startsWith("E_") ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

const sampleOf = (task: GenerationTask): GeneratedSample => ({ benchmark: task.job.benchmark, problemId: task.problem.id, sampleIndex: task.job.sampleIndex });

export async function generateTasks(tasks: readonly GenerationTask[], backend: Backend, store: RunStore, options: GenerateOptions): Promise<GenerateOutcome> {
  const writer = new BatchWriter(store, options.flushSize ?? 256, options.flushMs ?? 100);
  const maxFailures = options.maxConsecutiveFailures ?? Math.max(10, 2 * options.inFlight);
  const requestTimeoutMs = options.requestTimeoutMs === undefined ? undefined : timerMs(options.requestTimeoutMs, "runtime.timeout_s");
  const outcome: GenerateOutcome = { generated: 0, failed: 0, failedKeys: [] };
  let next = 0;
  let consecutiveFailures = 0;
  const stopping = (): boolean => options.signal?.aborted === true || outcome.stopped !== undefined || writer.failed;

  const record = (task: GenerationTask, result: { status: "ok"; result: GenerateResult } | { status: "error"; error: string }, latencyMs: number): void => {
    writer.add({
      key: task.key,
      model: task.job.model,
      variant: task.job.variant,
      variantHash: task.job.variantHash,
      benchmark: task.problem.benchmark,
      problemId: task.problem.id,
      sampleIndex: task.job.sampleIndex,
      backendKind: options.backendKind,
      backendVersion: options.backendVersion,
      prompt: task.prompt,
      sampling: task.job.sampling,
      outcome: result,
      latencyMs,
    });
  };

  const worker = async (): Promise<void> => {
    while (!stopping() && next < tasks.length) {
      const task = tasks[next++] as GenerationTask;
      const signals = [options.signal, requestTimeoutMs === undefined ? undefined : AbortSignal.timeout(requestTimeoutMs)].filter(
        (signal): signal is AbortSignal => signal !== undefined,
      );
      const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
      const started = performance.now();
      try {
        const [result] = await backend.generate([{ prompt: task.prompt, sampling: task.job.sampling }], signal);
        if (result === undefined) throw new Error("the backend returned no result");
        record(task, { status: "ok", result }, performance.now() - started);
        outcome.generated++;
        consecutiveFailures = 0;
        options.onOutcome?.(true, { ...sampleOf(task), text: result.text, finishReason: result.finishReason, completionTokens: result.completionTokens });
      } catch (error) {
        // Ctrl-C: the task was not finished, and not failed either; it stays pending.
        if (options.signal?.aborted) break;
        const timedOut = signal?.aborted === true;
        const message = timedOut ? `E_TIMEOUT: no answer within ${(requestTimeoutMs ?? 0) / 1000} s` : errorMessage(error);
        record(task, { status: "error", error: message }, performance.now() - started);
        outcome.failed++;
        outcome.failedKeys.push(task.key);
        options.onOutcome?.(false, { ...sampleOf(task), error: message });
        if (++consecutiveFailures >= maxFailures) outcome.stopped ??= message;
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.inFlight, tasks.length)) }, worker));
  } finally {
    writer.close();
  }
  return outcome;
}
