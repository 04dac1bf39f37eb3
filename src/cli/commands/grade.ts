/**
 * `qreason grade`, two ways:
 * - `qreason grade <run-dir>`: the grade stage alone on a run directory — grade every stored result the
 *   current grader version has not graded (after a grader upgrade: all of them, beside the old grades),
 *   without generating anything or starting any backend.
 * - `qreason grade --input F.jsonl [--output O.jsonl]`: grade model outputs against gold answers. Each input
 *   line is `{"id", "gold", "output", "finish_reason"?}`; each output line is the same object plus `correct`,
 *   `extracted`, `status` (and `reason`, `method`, `fallback`), in input order. A summary goes to stderr.
 * The grading policy is docs/grading.md.
 */
import { defineCommand } from "citty";
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
import { openAtomicOutput, openRereadable, type AtomicOutput } from "../../io/index.ts";
import { readConfig, type CliConfig } from "../config.ts";
import { exitOnInterrupt } from "../interrupt.ts";
import { createProgress } from "../progress.ts";
import { pendingAfter, runStagesCommand } from "../stages.ts";
import { stdoutFailure } from "../stdout.ts";

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new QreasonError("E_USAGE", `${flag} must be a positive integer, got '${value}'`);
  }
  return Number(value);
}

/** The grade stage on a run directory: what it graded, what changed against the grader reports read before. */
async function gradeRunDirectory(config: CliConfig, runDirectory: string, options: { workers?: number; quiet: boolean; json: boolean }): Promise<void> {
  const summary = await runStagesCommand(config, runDirectory, ["grade"], { quiet: options.quiet || options.json, ...(options.workers !== undefined ? { gradeWorkers: options.workers } : {}) });
  if (summary.interrupted) return;
  const stage = summary.stages.find((entry) => entry.stage === "grade");
  const counts = stage?.outcome?.counts ?? {};
  const after = pendingAfter(runDirectory, ["compare", "report"]);
  if (options.json) {
    console.log(JSON.stringify({ runDirectory, graded: counts.graded ?? 0, regraded: counts.regraded ?? 0, changed: counts.changed ?? 0, pending: counts.pending ?? 0, skipped: stage?.skipped ?? null }));
    return;
  }
  if (stage?.skipped === "nothing pending") console.error("qreason: nothing to grade: every stored result is graded by the current grader");
  else if (stage?.outcome?.message === undefined) console.error(`qreason: graded ${counts.graded ?? 0}`);
  if (after !== undefined) console.error(`qreason: ${after}`);
}

export default defineCommand({
  meta: {
    name: "grade",
    description:
      "Grade a run directory's stored results with the current grader, or {id, gold, output, finish_reason?} JSON lines (--input). " +
      'finish_reason "length" (cut off at the token limit) means: without a box or an answer marker, no_answer. ' +
      "Verdicts are deterministic: each item has a work budget, not a time budget (docs/grading.md).",
  },
  args: {
    runDirectory: { type: "positional", required: false, description: "A run directory made by `qreason run`: grade what the current grader has not graded (no backend starts)" },
    input: {
      type: "string",
      description: 'JSONL file, one {id, gold, output, finish_reason?: "stop"|"length" (or max_tokens, end_turn, eos)} per line (instead of a run directory; \'-\' reads standard input)',
    },
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
    json: { type: "boolean", description: "With a run directory: print one JSON line (graded, regraded, changed, pending)" },
  },
  async run({ args }) {
    const config = readConfig();
    const workers = positiveInteger(args.workers, "--workers");
    if (args.runDirectory !== undefined && args.input !== undefined) {
      throw new QreasonError("E_USAGE", "give a run directory or --input F.jsonl, not both");
    }
    if (args.runDirectory !== undefined) {
      // A run's grades are keyed by grader version alone, so options that change a grade cannot apply to them.
      if (args["time-budget-ms"] !== undefined || args["work-budget"] !== undefined || args["last-number"] === false || args.output !== undefined) {
        throw new QreasonError(
          "E_USAGE",
          "--time-budget-ms, --work-budget, --no-last-number and --output apply to --input files only; a run directory is graded with the grader's defaults",
        );
      }
      await gradeRunDirectory(config, path.resolve(String(args.runDirectory)), { ...(workers !== undefined ? { workers } : {}), quiet: Boolean(args.quiet), json: Boolean(args.json) });
      return;
    }
    if (args.input === undefined) {
      throw new QreasonError("E_USAGE", "give a run directory (`qreason grade runs/my-study`) or --input F.jsonl");
    }
    if (args.json) throw new QreasonError("E_USAGE", "--json applies to a run directory; with --input every graded line is JSON already (the summary goes to stderr)");
    const timeBudgetMs = positiveInteger(args["time-budget-ms"], "--time-budget-ms");
    const workBudget = positiveInteger(args["work-budget"], "--work-budget");
    // Read twice (validate, then grade): a pipe or FIFO is copied once to a temporary file first.
    const input = await openRereadable(args.input, "--input");
    // Ctrl-C / SIGTERM: exit through Node, which removes the temporary files (the target is untouched).
    const restoreSignals = exitOnInterrupt();
    // Workers load the grader while the file is validated; a bad line stops both.
    const pool = new GradePool({ workers, timeBudgetMs, workBudget, lastNumberFallback: args["last-number"] });
    try {
      await gradeWithPool(pool);
    } finally {
      await pool.close();
      restoreSignals();
      input.dispose();
    }

    async function gradeWithPool(pool: GradePool): Promise<void> {
      const total = await validateGradeFile(input.path, input.requested);
      // Written beside the real target and renamed at the end: a failed run never leaves half a file behind.
      const file: AtomicOutput | undefined = args.output ? await openAtomicOutput(args.output, "--output", { stdoutByDefault: true }) : undefined;
      const output = file?.stream ?? process.stdout;
      const progress = createProgress({ label: "grading", total, enabled: config.interactive && !args.quiet && total > 0 });
      let shown = 0;
      try {
        const summary = await gradeFile({
          inputPath: input.path,
          inputName: input.requested,
          output,
          pool,
          onProgress: (done) => {
            progress.tick(done - shown);
            shown = done;
          },
        });
        progress.stop();
        await file?.commit();
        if (!args.quiet) console.error(describeSummary(summary));
      } catch (error) {
        progress.stop();
        if (file) {
          const failed = file.stream.errored;
          file.abort();
          if (failed && !(error instanceof QreasonError)) {
            throw new QreasonError("E_OUTPUT", `cannot write the --output: ${failed.message}`, { file: file.target.requested });
          }
          throw error;
        }
        // stdout failed (a closed pipe, a full disk): main.ts reports it, quietly for `| head`.
        if (stdoutFailure() !== undefined || error instanceof OutputClosedError) return;
        throw error;
      }
    }
  },
});
