/**
 * What the commands that run stages share (`run`, `demo`, `grade <run-dir>`, `compare`, `report`,
 * `status`): the stage settings from the CLI's configuration, Ctrl-C handling, the progress printer, and
 * the summary table.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { DownloadOptions } from "../data/index.ts";
import { ALL_BENCHMARKS, variantFactsRows, type Results } from "../report/index.ts";
import type { PanelOverride } from "../judge/override.ts";
import { runStagesOn, stageStatus, type RunEvent, type RunStagesOptions, type RunSummary } from "../run/index.ts";
import { openRunDirectory } from "../store/index.ts";
import type { CliConfig } from "./config.ts";
import { createProgress, type Progress } from "./progress.ts";

export function qreasonVersion(config: CliConfig): string {
  const packageJson = JSON.parse(readFileSync(path.join(config.projectRoot, "package.json"), "utf8")) as { version: string };
  return packageJson.version;
}

export interface PrinterOptions {
  /** Print the first N outputs of each variant as they come (`qreason run --log-samples N`). */
  logSamples?: number;
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
}

/**
 * Prints run events: bars on a terminal; progress lines otherwise (progress.ts: a tenth of the work or 10
 * seconds apart); nothing with --quiet. With `logSamples`, the first outputs of each variant too.
 */
export function eventPrinter(config: CliConfig, quiet: boolean, options: PrinterOptions = {}): { onEvent: (event: RunEvent) => void; stop: () => void } {
  const write = options.write ?? ((line: string) => console.error(line));
  const logged = new Map<string, number>();
  // The quantizers and the grader report absolute positions; a bar advances by the difference.
  const bars = new Map<string, { bar: Progress; shown: number }>();
  const say = (line: string): void => {
    if (!quiet) write(`qreason: ${line}`);
  };
  const show = (key: string, label: string, done: number, total: number, detail?: string): void => {
    let entry = bars.get(key);
    if (entry === undefined) {
      const lines = config.interactive || quiet ? undefined : { write: (line: string) => write(`qreason: ${line}`) };
      entry = { bar: createProgress({ label, total, enabled: config.interactive && !quiet, ...(lines ? { lines } : {}) }), shown: 0 };
      bars.set(key, entry);
    }
    entry.bar.tick(done - entry.shown, detail);
    entry.shown = done;
    if (done >= total) finish(key);
  };
  const finish = (key: string): void => {
    bars.get(key)?.bar.stop();
    bars.delete(key);
  };
  let lastMessage = "";
  return {
    onEvent(event) {
      const name = "model" in event ? `${event.model}/${event.variant}` : "";
      switch (event.type) {
        case "stage":
          say(event.message);
          break;
        case "prepare":
          if (event.total !== undefined && event.done !== undefined) show(`prepare ${name} ${event.message}`, `${name}: ${event.message}`, event.done, event.total, event.detail);
          else if (event.message !== lastMessage) say(`${name}: ${event.message}`);
          lastMessage = event.message;
          break;
        case "generate-start":
          say(`${name}: ${event.pending} to generate${event.total > event.pending ? ` (${event.total - event.pending} of ${event.total} already stored)` : ""}`);
          if (event.pending > 0) show(`generate ${name}`, name, 0, event.pending);
          break;
        case "generated": {
          const entry = bars.get(`generate ${name}`);
          if (entry !== undefined) show(`generate ${name}`, name, entry.shown + 1, Infinity);
          const seen = logged.get(name) ?? 0;
          if (options.logSamples !== undefined && event.sample !== undefined && seen < options.logSamples) {
            logged.set(name, seen + 1);
            const sample = event.sample;
            const what = event.ok ? `finish ${sample.finishReason}, ${sample.completionTokens} tokens` : "failed";
            write(`── sample ${seen + 1}/${options.logSamples} of ${name}: ${sample.benchmark} ${sample.problemId}${sample.sampleIndex > 0 ? ` #${sample.sampleIndex}` : ""} (${what})\n${event.ok ? sample.text : sample.error}\n──`);
          }
          break;
        }
        case "generate-end":
          finish(`generate ${name}`);
          say(`${name}: generated ${event.generated}${event.failed > 0 ? `, ${event.failed} failed (stored; retried by the next run)` : ""}${event.stopped ? ` — gave up on the backend: ${event.stopped}` : ""}`);
          break;
        case "grade-start":
          break;
        case "graded":
          show("grade", "grading", event.done, event.total);
          break;
        case "attribute-start":
          say(`${name}: attributing ${event.flips} flip(s) and ${event.controls} control(s)`);
          break;
        case "attributed":
          show(`attribute ${name}`, `${name} attributed`, event.done, event.total);
          break;
        case "variant-failed":
          finish(`generate ${name}`);
          if (!quiet) console.error(`qreason: error: ${name} ${event.message}; the other variants go on`);
          break;
        case "judged":
          if (event.total > 0) show("judge", "judging flips", event.done, event.total);
          break;
        case "warning":
          console.error(`qreason: warning: ${event.message}`);
          break;
        case "stage-start":
          break;
        case "stage-end":
          // A failed stage's error is thrown on and printed once, as the command's error.
          if (event.message !== undefined && event.status !== "failed") say(event.message);
          break;
      }
    },
    stop() {
      for (const key of [...bars.keys()]) finish(key);
    },
  };
}

export function downloadOptions(config: CliConfig): DownloadOptions | undefined {
  return config.allowDownload ? { fetch: (url, init) => fetch(url, init) } : undefined;
}

const pct = (fraction: number): string => `${(100 * fraction).toFixed(1)}%`;

/** The table printed at the end of a run: one row per (benchmark, variant). */
export function summaryTable(results: Results, summary?: RunSummary): string {
  const multiModel = new Set(results.variants.map((variant) => variant.model)).size > 1;
  const header = ["benchmark", "variant", "accuracy", "95% interval", "Δ pts", "flips", "rescues", "generated", "errors"];
  const rows = results.cells.map((cell) => {
    const comparison = results.comparisons.find((entry) => entry.benchmark === cell.benchmark && entry.model === cell.model && entry.variant === cell.variant);
    const ran = summary?.variants.find((entry) => entry.model === cell.model && entry.variant === cell.variant);
    const drop = comparison ? -comparison.comparison.headline.absoluteDropPoints : undefined;
    return [
      cell.benchmark,
      multiModel ? `${cell.model}/${cell.variant}` : cell.variant,
      cell.accuracy.problems === 0 ? "—" : pct(cell.accuracy.score),
      cell.accuracy.problems === 0 ? "" : `[${(100 * cell.accuracy.interval.low).toFixed(1)}, ${(100 * cell.accuracy.interval.high).toFixed(1)}]`,
      drop === undefined ? "" : `${drop > 0 ? "+" : ""}${drop.toFixed(1)}`,
      comparison ? String(comparison.comparison.flips.length) : "",
      comparison ? String(comparison.comparison.rescues.length) : "",
      `${cell.generated}/${cell.planned}${ran && ran.generated > 0 ? ` (${ran.generated} new)` : ""}`,
      String(cell.failures),
    ];
  });
  const overall = results.comparisons.filter((entry) => entry.benchmark === ALL_BENCHMARKS);
  for (const entry of overall) {
    const drop = -entry.comparison.headline.absoluteDropPoints;
    rows.push([ALL_BENCHMARKS, multiModel ? `${entry.model}/${entry.variant}` : entry.variant, pct(entry.comparison.variant.score), "", `${drop > 0 ? "+" : ""}${drop.toFixed(1)}`, String(entry.comparison.flips.length), String(entry.comparison.rescues.length), "", ""]);
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]): string => cells.map((text, column) => (column >= 2 ? text.padStart(widths[column] as number) : text.padEnd(widths[column] as number))).join("  ");
  const failed = (results.variantFacts ?? []).filter((entry) => entry.failed !== null).map((entry) => `${entry.model}/${entry.variant} ${entry.failed}`);
  return [
    line(header),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...rows.map(line),
    ...variantsTable(results, multiModel),
    ...(failed.length > 0 ? ["", "failed variants (no results; the next run tries them again):", ...failed.map((text) => `  ${text}`)] : []),
  ].join("\n");
}

/** Per variant, beside accuracy: bits per weight, graded of planned, truncation, answers ≠ baseline, mean KL (report/variantFacts.ts). */
function variantsTable(results: Results, multiModel: boolean): string[] {
  const facts = (results.variantFacts ?? []).filter((entry) => entry.failed === null);
  if (facts.length === 0) return [];
  const all = variantFactsRows(facts, (model, variant) => (multiModel ? `${model}/${variant}` : variant));
  const keep = [0, 1, 3, 4, 5, 6]; // tensor types are long (summary.md has them); failures are listed below
  const header = keep.map((column) => all.header[column] as string);
  const rows = all.rows.map((row) => keep.map((column) => row[column] as string));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]): string => cells.map((text, column) => (column >= 1 ? text.padStart(widths[column] as number) : text.padEnd(widths[column] as number))).join("  ").trimEnd();
  return ["", line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)];
}


/** What every stage command passes to the runner, from the configuration read at the edge. */
export function stageOptions(config: CliConfig): Omit<RunStagesOptions, "signal" | "onEvent"> {
  const download = downloadOptions(config);
  return {
    dataDir: config.dataDir,
    python: config.python,
    projectRoot: config.projectRoot,
    apiKey: (name) => process.env[name],
    qreasonVersion: qreasonVersion(config),
    ...(download ? { download } : {}),
  };
}

/**
 * Runs `work` with Ctrl-C (and SIGTERM) turned into its abort signal: the first stops after what is in
 * flight (what is stored stays), a second quits at once.
 */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts++;
    if (interrupts === 1) {
      console.error("\nqreason: stopping after the requests in flight (what is stored stays; Ctrl-C again to quit at once)");
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener("SIGINT", onInterrupt);
    process.removeListener("SIGTERM", onInterrupt);
  }
}

/**
 * Runs stages alone on a run directory, as `qreason grade|compare|report <run-dir>` do: progress on
 * stderr (none with `quiet`), Ctrl-C handled (an interrupted run sets exit code 130).
 */
export async function runStagesCommand(
  config: CliConfig,
  runDirectory: string,
  stages: readonly string[],
  options: { force?: readonly string[]; quiet?: boolean; gradeWorkers?: number; judges?: PanelOverride } = {},
): Promise<RunSummary> {
  const printer = eventPrinter(config, options.quiet === true);
  let summary: RunSummary;
  try {
    summary = await withInterrupt((signal) =>
      runStagesOn(runDirectory, stages, {
        ...stageOptions(config),
        signal,
        onEvent: printer.onEvent,
        ...(options.force ? { force: options.force } : {}),
        ...(options.gradeWorkers !== undefined ? { gradeWorkers: options.gradeWorkers } : {}),
        ...(options.judges !== undefined ? { judges: options.judges } : {}),
      }),
    );
  } finally {
    printer.stop();
  }
  if (summary.interrupted) {
    console.error(`qreason: interrupted; what was done is stored in ${runDirectory}. Run the same command again to finish.`);
    process.exitCode = 130;
  }
  return summary;
}

/** A line naming the stages a single-stage command left pending for later ones (e.g. compare and report after a regrade). */
export function pendingAfter(runDirectory: string, stages: readonly string[]): string | undefined {
  const store = openRunDirectory(runDirectory);
  try {
    const left = stageStatus(store).filter((entry) => stages.includes(entry.stage) && entry.pending.count > 0);
    if (left.length === 0) return undefined;
    return `${left.map((entry) => entry.stage).join(" and ")} ${left.length === 1 ? "is" : "are"} now pending; \`qreason report ${runDirectory}\` brings the report up to date`;
  } finally {
    store.close();
  }
}
