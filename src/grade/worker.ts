/**
 * A grading worker thread. It grades the batches the pool sends and, before each item, writes the
 * item's index and start time into memory shared with the pool, so the pool can see an item run past
 * its budget and terminate this thread (the only reliable way to stop a runaway parse in JavaScript).
 */
import module from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import type { GradeItem, GradeOptions, GradeResult } from "./types.ts";

// Node's on-disk compile cache (as bin/qreason.js enables it for the main thread): a worker otherwise
// strips and compiles the grader's TypeScript anew at every start. The grader is imported after it.
module.enableCompileCache?.();
const { onCasLoad } = await import("./cas.ts");
const { createGrader } = await import("./grade.ts");

export interface WorkerData {
  /** Int32 [0] = index of the item being graded (-1: idle), [1] = its start, ms since `epoch`. */
  progress: SharedArrayBuffer;
  epoch: number;
  options: GradeOptions;
  /** Test hook: an output equal to this string spins forever (proves the pool cuts items off). */
  spinMarker?: string;
}

export interface GradeRequest {
  jobId: number;
  items: GradeItem[];
  /** Indices already settled by the pool (timed out before): not graded again. */
  skip: number[];
}

export interface GradeResponse {
  jobId: number;
  results: Array<GradeResult | null>;
}

const data = workerData as WorkerData;
/** A start time in the far future: the watchdog sees no time elapsed while the CAS loads. */
const LOADING = 2 ** 31 - 1;
const progress = new Int32Array(data.progress);
const grader = createGrader(data.options);
// Loading the CAS (once per worker, ~0.3 s idle, seconds under load) is not the item's doing: the
// watchdog's clock for the item restarts after it, as the item's own wall-clock guard does.
onCasLoad((phase) => Atomics.store(progress, 1, phase === "start" ? LOADING : Date.now() - data.epoch));

parentPort!.on("message", (request: GradeRequest) => {
  const skip = new Set(request.skip);
  const results: Array<GradeResult | null> = [];
  for (let index = 0; index < request.items.length; index++) {
    if (skip.has(index)) {
      results.push(null);
      continue;
    }
    const item = request.items[index]!;
    Atomics.store(progress, 1, Date.now() - data.epoch);
    Atomics.store(progress, 0, index);
    results.push(gradeSafely(item));
  }
  Atomics.store(progress, 0, -1);
  parentPort!.postMessage({ jobId: request.jobId, results } satisfies GradeResponse);
});

function gradeSafely(item: GradeItem): GradeResult {
  if (data.spinMarker !== undefined && item.output === data.spinMarker) {
    for (;;) {
      // Deliberately endless: only termination by the pool ends this.
    }
  }
  try {
    return grader.gradeItem(item);
  } catch (error) {
    // A grader bug must not lose the batch; it is recorded on the item, with its message.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { status: "unparsable", correct: false, extracted: null, method: null, fallback: false, reason: `grader error: ${message}` };
  }
}
