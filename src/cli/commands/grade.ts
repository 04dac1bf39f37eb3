/**
 * `qreason grade --input F.jsonl [--output O.jsonl]`: grade model outputs against gold answers.
 * Each input line is `{"id", "gold", "output", "finish_reason"?}`; each output line is the same object plus
 * `correct`, `extracted`, `status` (and `reason`, `method`, `fallback`), in input order. A summary goes to
 * stderr. The grading policy is docs/grading.md.
 */
import { defineCommand } from "citty";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { once } from "node:events";
import path from "node:path";
import { QreasonError } from "../../errors.ts";
import {
  DEFAULT_TIME_BUDGET_MS,
  DEFAULT_WORK_BUDGET,
  describeSummary,
  gradeFile,
  GradePool,
  OutputClosedError,
  validateGradeFile,
} from "../../grade/index.ts";
import { readConfig } from "../config.ts";
import { createProgress } from "../progress.ts";

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new QreasonError("E_USAGE", `${flag} must be a positive integer, got '${value}'`);
  }
  return Number(value);
}

export default defineCommand({
  meta: {
    name: "grade",
    description:
      "Grade model outputs ({id, gold, output, finish_reason?} JSON lines) against gold answers. " +
      'finish_reason "length" (cut off at the token limit) means: without a box or an answer marker, no_answer. ' +
      "Verdicts are deterministic: each item has a work budget, not a time budget (docs/grading.md).",
  },
  args: {
    input: { type: "string", required: true, description: 'JSONL file, one {id, gold, output, finish_reason?: "stop"|"length"} per line' },
    output: { type: "string", description: "Where to write graded lines (default: stdout)" },
    workers: { type: "string", description: "Grading worker threads (default: available cores, at most 8)" },
    "work-budget": {
      type: "string",
      description: `Work units per item (default ${DEFAULT_WORK_BUDGET}); past it an item is a timeout, the same on any machine`,
    },
    "time-budget-ms": {
      type: "string",
      description: `Wall-clock guard per item in ms, a last resort against a hang (default ${DEFAULT_TIME_BUDGET_MS})`,
    },
    "last-number": {
      type: "boolean",
      default: true,
      description: "Fall back to the last statement, math or number when an output has no box, marker or concluding sentence (flagged in the result)",
      negativeDescription: "Never fall back: no box, marker or concluding sentence means no_answer",
    },
    quiet: { type: "boolean", description: "No progress bar and no summary" },
  },
  async run({ args }) {
    const config = readConfig();
    const inputPath = path.resolve(args.input);
    const workers = positiveInteger(args.workers, "--workers");
    const timeBudgetMs = positiveInteger(args["time-budget-ms"], "--time-budget-ms");
    const workBudget = positiveInteger(args["work-budget"], "--work-budget");
    // Workers load the grader while the file is validated; a bad line stops both.
    const pool = new GradePool({ workers, timeBudgetMs, workBudget, lastNumberFallback: args["last-number"] });
    try {
      await gradeWithPool(pool);
    } finally {
      await pool.close();
    }

    async function gradeWithPool(pool: GradePool): Promise<void> {
      const total = await validateGradeFile(inputPath);

      const outputPath = args.output ? path.resolve(args.output) : undefined;
      // Written beside the target and renamed at the end: a failed run never leaves half a file behind.
      const temporaryPath = outputPath ? `${outputPath}.partial-${process.pid}` : undefined;
      const output = temporaryPath ? createWriteStream(temporaryPath) : process.stdout;
      if (temporaryPath) {
        await once(output, "open").catch((error: Error) => {
          throw new QreasonError("E_INPUT", `cannot write: ${error.message}`, { file: outputPath });
        });
      }
      // `qreason grade ... | head`: a closed pipe ends the run quietly instead of crashing on EPIPE.
      let pipeClosed = false;
      if (!temporaryPath) {
        process.stdout.on("error", (error: NodeJS.ErrnoException) => {
          if (error.code !== "EPIPE") throw error;
          pipeClosed = true;
          process.stdout.destroy();
        });
      }
      const progress = createProgress({ label: "grading", total, enabled: config.interactive && !args.quiet && total > 0 });
      let shown = 0;
      try {
        const summary = await gradeFile({
          inputPath,
          output,
          pool,
          onProgress: (done) => {
            progress.tick(done - shown);
            shown = done;
          },
        });
        progress.stop();
        if (temporaryPath && outputPath) {
          output.end();
          await once(output, "finish");
          await rename(temporaryPath, outputPath);
        }
        if (!args.quiet) console.error(describeSummary(summary));
      } catch (error) {
        progress.stop();
        if (temporaryPath) {
          output.end();
          await rm(temporaryPath, { force: true });
        }
        const closed = pipeClosed || error instanceof OutputClosedError || (error as NodeJS.ErrnoException).code === "EPIPE";
        if (closed && !temporaryPath) return;
        throw error;
      }
    }
  },
});
