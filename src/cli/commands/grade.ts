/**
 * `qreason grade --input F.jsonl [--output O.jsonl]`: grade model outputs against gold answers.
 * Each input line is `{"id", "gold", "output"}`; each output line is the same object plus `correct`,
 * `extracted`, `status` (and `reason`, `method`, `fallback`), in input order. A summary goes to stderr.
 */
import { defineCommand } from "citty";
import { QreasonError } from "../../errors.ts";
import { DEFAULT_TIME_BUDGET_MS, describeSummary, gradeFile, OutputClosedError, validateGradeFile } from "../../grade/index.ts";
import { openAtomicOutput, openRereadable, type AtomicOutput } from "../../io/index.ts";
import { readConfig } from "../config.ts";
import { exitOnInterrupt } from "../interrupt.ts";
import { createProgress } from "../progress.ts";
import { stdoutFailure } from "../stdout.ts";

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new QreasonError("E_USAGE", `${flag} must be a positive integer, got '${value}'`);
  }
  return Number(value);
}

export default defineCommand({
  meta: { name: "grade", description: "Grade model outputs ({id, gold, output} JSON lines) against gold answers" },
  args: {
    input: { type: "string", required: true, description: "JSONL file, one {id, gold, output} per line ('-' reads standard input)" },
    output: { type: "string", description: "Where to write graded lines (default: stdout)" },
    workers: { type: "string", description: "Grading worker threads (default: available cores, at most 8)" },
    "time-budget-ms": { type: "string", description: `Per-item time budget in ms (default ${DEFAULT_TIME_BUDGET_MS})` },
    "last-number": {
      type: "boolean",
      default: true,
      description: "Fall back to the last number when an output marks no answer (flagged in the result)",
      negativeDescription: "Never fall back to the last number: no marker means no_answer",
    },
    quiet: { type: "boolean", description: "No progress bar and no summary" },
  },
  async run({ args }) {
    const config = readConfig();
    const workers = positiveInteger(args.workers, "--workers");
    const timeBudgetMs = positiveInteger(args["time-budget-ms"], "--time-budget-ms");
    // Read twice (validate, then grade): a pipe or FIFO is copied once to a temporary file first.
    const input = await openRereadable(args.input, "--input");
    let file: AtomicOutput | undefined;
    // Ctrl-C / SIGTERM: exit through Node, which removes the temporary files (the target is untouched).
    const restoreSignals = exitOnInterrupt();
    try {
      const total = await validateGradeFile(input.path, input.requested);
      // Written beside the real target and renamed at the end: a failed run never leaves half a file behind.
      file = args.output ? await openAtomicOutput(args.output, "--output", { stdoutByDefault: true }) : undefined;
      const output = file?.stream ?? process.stdout;
      const progress = createProgress({ label: "grading", total, enabled: config.interactive && !args.quiet && total > 0 });
      let shown = 0;
      try {
        const summary = await gradeFile({
          inputPath: input.path,
          inputName: input.requested,
          output,
          workers,
          timeBudgetMs,
          lastNumberFallback: args["last-number"],
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
    } finally {
      restoreSignals();
      input.dispose();
    }
  },
});
