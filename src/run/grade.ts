/**
 * Grading stored results: each against the gold answer of its own problem as the store holds it, with the
 * generation's finish reason (a truncated output is graded as such), in worker threads with a hard
 * per-item time budget (src/grade). Grades are stored per grader version, so a new version grades again
 * beside the old grades.
 */
import { GradePool, type GradeItem } from "../grade/index.ts";
import { QreasonError } from "../errors.ts";
import type { GradeRecord, RunStore, UngradedGeneration } from "../store/index.ts";

export interface GradeOptions {
  /** The grader version the grades are stored under. */
  grader: string;
  workers?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** What the grader is given for a stored result: gold, output, and why the output ended. */
export function graderItem(generation: UngradedGeneration): GradeItem {
  return { gold: generation.gold ?? "", output: generation.text, finishReason: generation.finishReason };
}

/** Grades `items` and stores each batch as it finishes; returns how many were stored. */
export async function gradeGenerations(store: RunStore, items: readonly UngradedGeneration[], options: GradeOptions): Promise<number> {
  if (items.length === 0) return 0;
  const missing = items.find((item) => item.gold === null);
  if (missing !== undefined) {
    throw new QreasonError("E_STORE", `generation ${missing.key} belongs to problem ${missing.benchmark}/${missing.problemId}, which the run store does not hold; run \`qreason run <study.yaml>\` to store its problems`, {
      file: store.file,
    });
  }
  const batchSize = options.batchSize ?? 64;
  const pool = new GradePool({ workers: Math.max(1, Math.min(options.workers ?? 2, Math.ceil(items.length / batchSize))) });
  let done = 0;
  let all: Promise<void[]> | undefined;
  try {
    const batches: Promise<void>[] = [];
    for (let start = 0; start < items.length; start += batchSize) {
      const batch = items.slice(start, start + batchSize);
      const graderItems = batch.map(graderItem);
      batches.push(
        pool.grade(graderItems).then((results) => {
          if (options.signal?.aborted) return;
          const grades: GradeRecord[] = results.map((result, index) => ({
            generationKey: (batch[index] as UngradedGeneration).key,
            grader: options.grader,
            status: result.status,
            extracted: result.extracted,
            reason: result.reason,
          }));
          store.putGrades(grades);
          done += grades.length;
          options.onProgress?.(done, items.length);
        }),
      );
    }
    all = Promise.all(batches);
    const abort = new Promise<void>((resolve) => options.signal?.addEventListener("abort", () => resolve(), { once: true }));
    await Promise.race([all, abort]);
  } finally {
    // After Ctrl-C the pool's close rejects the batches still queued; nothing waits for them any more.
    all?.catch(() => undefined);
    await pool.close();
  }
  return done;
}
