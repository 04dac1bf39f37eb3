import type { GeneratedSample } from "./generate.ts";
import type { StagePending } from "./stages/types.ts";

/**
 * What a run reports while it works. The runner only emits events; the CLI turns them into progress bars
 * and lines (and tests into assertions), so nothing below the CLI writes to the terminal.
 */
export type RunEvent =
  /** A stage says what it does ("loading problems", "grading"). */
  | { type: "stage"; message: string }
  /** A stage of the pipeline starts, with what it has pending, and ends (milliseconds, and a line to show when it has one). */
  | { type: "stage-start"; stage: string; pending: StagePending }
  | { type: "stage-end"; stage: string; status: "done" | "interrupted" | "failed"; ms: number; message?: string }
  /**
   * Progress inside a long step of one variant (export, quantization, training); `done/total` when countable.
   * `message` names the step and is stable while it runs; `detail` is what changes (a training loss).
   */
  | { type: "prepare"; model: string; variant: string; message: string; done?: number; total?: number; detail?: string }
  /** Generation of a variant begins: `pending` of `total` generations still to make. */
  | { type: "generate-start"; model: string; variant: string; total: number; pending: number }
  | { type: "generated"; model: string; variant: string; ok: boolean; sample?: GeneratedSample }
  | { type: "generate-end"; model: string; variant: string; generated: number; failed: number; stopped?: string }
  | { type: "grade-start"; total: number }
  | { type: "graded"; done: number; total: number }
  /** Attribution of a variant's pairs begins (flips and controls left), and one pair is done. */
  | { type: "attribute-start"; model: string; variant: string; flips: number; controls: number }
  | { type: "attributed"; model: string; variant: string; role: "flip" | "control"; done: number; total: number }
  /** A variant failed (quantization, backend start, generation); the run goes on with the others. */
  | { type: "variant-failed"; model: string; variant: string; stage: string; message: string }
  /** The judge stage: flips decided by the panel so far, of those pending. */
  | { type: "judged"; done: number; total: number }
  | { type: "warning"; message: string };
