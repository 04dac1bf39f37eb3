/**
 * Grading across worker threads with a hard per-item time budget.
 *
 * Each worker grades whole batches and publishes, in shared memory, which item it is on and since when.
 * A watchdog on the main thread reads that; an item past its budget gets its worker terminated and
 * replaced, is marked `timeout`, and the rest of its batch is graded again by the fresh worker (grading
 * is deterministic, so the redone items come out the same). No signals, no timers inside the grader:
 * terminating a thread works whatever the runaway code is doing.
 */
import os from "node:os";
import { Worker } from "node:worker_threads";
import type { GradeItem, GradeOptions, GradeResult } from "./types.ts";
import { DEFAULT_TIME_BUDGET_MS } from "./types.ts";
import type { GradeRequest, GradeResponse, WorkerData } from "./worker.ts";

export interface PoolOptions extends GradeOptions {
  /** Worker threads (default: available cores, at most 8). */
  workers?: number;
  /** Heap limit per worker in MiB (default 1024): an answer that eats memory costs its item, not the run. */
  workerMemoryMb?: number;
  /** Test hook, see WorkerData.spinMarker. */
  spinMarker?: string;
}

interface Job {
  id: number;
  items: GradeItem[];
  settled: Map<number, GradeResult>;
  resolve: (results: GradeResult[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  progress: Int32Array;
  job: Job | undefined;
}

export interface PoolStats {
  /** Items cut off for running past the budget. */
  timeouts: number;
  /** Workers replaced (after a timeout or a crash). */
  restarts: number;
}

export class GradePool {
  private readonly options: PoolOptions;
  private readonly budget: number;
  private readonly epoch = Date.now();
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly watchdog: NodeJS.Timeout;
  private nextJobId = 0;
  private closed = false;
  /** Workers lost in a row without any batch finishing: past a few, the pool is broken, not the input. */
  private failuresInARow = 0;
  private broken: Error | undefined;
  readonly stats: PoolStats = { timeouts: 0, restarts: 0 };

  constructor(options: PoolOptions = {}) {
    this.options = options;
    this.budget = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
    const count = Math.max(1, options.workers ?? Math.min(os.availableParallelism(), 8));
    for (let index = 0; index < count; index++) this.slots.push(this.spawn());
    this.watchdog = setInterval(() => this.checkBudgets(), Math.max(10, Math.min(250, this.budget / 4)));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Grades a batch; results come back in the batch's order. */
  grade(items: GradeItem[]): Promise<GradeResult[]> {
    if (this.closed) return Promise.reject(new Error("grade pool is closed"));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextJobId++, items, settled: new Map(), resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    for (const job of this.queue.splice(0)) job.reject(new Error("grade pool closed"));
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.job?.reject(new Error("grade pool closed"));
        slot.job = undefined;
        slot.worker.removeAllListeners();
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const progress = new SharedArrayBuffer(8);
    const data: WorkerData = {
      progress,
      epoch: this.epoch,
      options: {
        timeBudgetMs: this.options.timeBudgetMs,
        workBudget: this.options.workBudget,
        lastNumberFallback: this.options.lastNumberFallback,
        cas: this.options.cas,
      },
      spinMarker: this.options.spinMarker,
    };
    const worker = new Worker(new URL("./worker.ts", import.meta.url), {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: this.options.workerMemoryMb ?? 1024 },
    });
    const slot: Slot = { worker, progress: new Int32Array(progress), job: undefined };
    Atomics.store(slot.progress, 0, -1);
    worker.on("message", (response: GradeResponse) => this.finish(slot, response));
    worker.on("error", (error) => this.crash(slot, `grader crashed: ${error.message}`));
    worker.on("exit", (code) => {
      if (!this.closed && this.slots.includes(slot)) this.crash(slot, `grader exited with code ${code}`);
    });
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      this.send(slot, job);
    }
  }

  private send(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    const request: GradeRequest = { jobId: job.id, items: job.items, skip: [...job.settled.keys()] };
    slot.worker.postMessage(request);
  }

  private finish(slot: Slot, response: GradeResponse): void {
    const job = slot.job;
    if (!job || job.id !== response.jobId) return;
    slot.job = undefined;
    slot.worker.unref();
    this.failuresInARow = 0;
    const results = response.results.map((result, index) => result ?? job.settled.get(index)!);
    job.resolve(results);
    this.dispatch();
  }

  private checkBudgets(): void {
    const now = Date.now() - this.epoch;
    for (const slot of this.slots) {
      if (!slot.job) continue;
      const index = Atomics.load(slot.progress, 0);
      if (index < 0) continue;
      const startedAt = Atomics.load(slot.progress, 1);
      if (now - startedAt > this.budget) {
        this.stats.timeouts++;
        this.replace(slot, index, {
          status: "timeout",
          correct: false,
          extracted: null,
          method: null,
          fallback: false,
          reason: `wall-clock guard: cut off after ${this.budget} ms (worker terminated; machine load can do this, a rerun may differ)`,
          guard: "wall",
        });
      }
    }
  }

  /** A worker died on its own (an uncaught error, the heap limit): the item it was on is settled as such. */
  private crash(slot: Slot, reason: string): void {
    if (this.closed || !this.slots.includes(slot)) return;
    const index = Atomics.load(slot.progress, 0);
    const job = slot.job;
    if (!job || index < 0) {
      // Died between items: nothing to blame, start a fresh one and resend the batch.
      this.replace(slot, undefined, undefined, reason);
      return;
    }
    const outOfMemory = /memory/i.test(reason);
    this.replace(slot, index, {
      status: outOfMemory ? "timeout" : "unparsable",
      correct: false,
      extracted: null,
      method: null,
      fallback: false,
      reason: outOfMemory ? "cut off: ran out of the worker's memory budget" : reason,
      ...(outOfMemory ? { guard: "wall" as const } : {}),
    });
  }

  private replace(slot: Slot, index: number | undefined, settled: GradeResult | undefined, why = "timeout"): void {
    const job = slot.job;
    if (settled === undefined && ++this.failuresInARow > 5) {
      // Workers die before grading anything: the grader itself cannot start. Fail loudly, once.
      this.broken = new Error(`grading workers keep failing to start (last: ${why})`);
      void this.close();
      job?.reject(this.broken);
      return;
    }
    const position = this.slots.indexOf(slot);
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    this.stats.restarts++;
    const fresh = this.spawn();
    this.slots[position] = fresh;
    if (job) {
      if (index !== undefined && settled) job.settled.set(index, settled);
      this.send(fresh, job);
    } else {
      this.dispatch();
    }
  }
}
