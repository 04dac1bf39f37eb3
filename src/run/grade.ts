/**
 * The grading stage: every stored result of the plan that this grader has not graded yet is graded against
 * its problem's gold answer (src/grade, in worker threads with a hard per-item time budget) and stored.
 * Grades are keyed by (generation, grader), so a new grader version grades again beside the old grades.
 */
import { GradePool } from "../grade/index.ts";
import type { GradeRecord, RunStore } from "../store/index.ts";

/**
 * Name and version of the grader whose grades a run reads. Bump the version when src/grade changes what it
 * decides: the next run then grades everything again (the old grades stay, under the old name).
 */
export const GRADER = "qreason-grade/v1";

export interface GradeStageOptions {
  /** Gold answer of each generation key. */
  goldOf: (key: string) => string | undefined;
  workers?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface GradeStageOutcome {
  graded: number;
  alreadyGraded: number;
}

export async function gradeGenerations(store: RunStore, keys: readonly string[], options: GradeStageOptions): Promise<GradeStageOutcome> {
  const graded = new Set(store.gradedSamples(keys, GRADER).map((sample) => sample.key));
  const todo = store.generations(keys).filter((generation) => !graded.has(generation.key));
  if (todo.length === 0) return { graded: 0, alreadyGraded: graded.size };
  const golds = todo.map((generation) => {
    const gold = options.goldOf(generation.key);
    if (gold === undefined) throw new Error(`no gold answer for generation ${generation.key}`);
    return gold;
  });
  const batchSize = options.batchSize ?? 64;
  const pool = new GradePool({ workers: Math.max(1, Math.min(options.workers ?? 2, Math.ceil(todo.length / batchSize))) });
  let done = 0;
  let all: Promise<void[]> | undefined;
  try {
    const batches: Promise<void>[] = [];
    for (let start = 0; start < todo.length; start += batchSize) {
      const batch = todo.slice(start, start + batchSize);
      const items = batch.map((generation, index) => ({ gold: golds[start + index] as string, output: generation.text }));
      batches.push(
        pool.grade(items).then((results) => {
          if (options.signal?.aborted) return;
          const grades: GradeRecord[] = results.map((result, index) => ({
            generationKey: (batch[index] as { key: string }).key,
            grader: GRADER,
            status: result.status,
            extracted: result.extracted,
            reason: result.reason,
          }));
          store.putGrades(grades);
          done += grades.length;
          options.onProgress?.(done, todo.length);
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
  return { graded: done, alreadyGraded: graded.size };
}
