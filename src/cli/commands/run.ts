/**
 * `qreason run <study.yaml>`: the main job — plan, quantize, generate, grade, compare, report. Resumes
 * whatever an earlier run of the same study left in its run directory. Progress bars per variant on a
 * terminal, plain lines otherwise; Ctrl-C stops cleanly (what is stored stays), twice quits at once.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { defineCommand } from "citty";
import type { DownloadOptions } from "../../data/index.ts";
import { benchmarkNames } from "../../data/index.ts";
import { QreasonError } from "../../errors.ts";
import { fetchedModelLookup, prepareVariantFit } from "../../models/index.ts";
import { QUANT_TYPES } from "../../quantize/index.ts";
import { writeReports, ALL_BENCHMARKS, type Results } from "../../report/index.ts";
import { defaultRunDirectory, runStudy, type RunEvent, type RunSummary } from "../../run/index.ts";
import { loadStudy } from "../../study/index.ts";
import { readConfig, type CliConfig } from "../config.ts";
import { createProgress, type Progress } from "../progress.ts";

export interface ExecuteOptions {
  out?: string;
  quiet?: boolean;
  json?: boolean;
}

function qreasonVersion(config: CliConfig): string {
  const packageJson = JSON.parse(readFileSync(path.join(config.projectRoot, "package.json"), "utf8")) as { version: string };
  return packageJson.version;
}

/** Prints run events: bars on a terminal, a line per variant otherwise (nothing with --quiet). */
function eventPrinter(config: CliConfig, quiet: boolean): { onEvent: (event: RunEvent) => void; stop: () => void } {
  // The quantizers and the grader report absolute positions; a bar advances by the difference.
  const bars = new Map<string, { bar: Progress; shown: number }>();
  const say = (line: string): void => {
    if (!quiet) console.error(`qreason: ${line}`);
  };
  const show = (key: string, label: string, done: number, total: number): void => {
    let entry = bars.get(key);
    if (entry === undefined) {
      entry = { bar: createProgress({ label, total, enabled: config.interactive && !quiet }), shown: 0 };
      bars.set(key, entry);
    }
    entry.bar.tick(done - entry.shown);
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
          if (event.total !== undefined && event.done !== undefined) show(`prepare ${name} ${event.message}`, `${name}: ${event.message}`, event.done, event.total);
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
        case "warning":
          console.error(`qreason: warning: ${event.message}`);
          break;
      }
    },
    stop() {
      for (const key of [...bars.keys()]) finish(key);
    },
  };
}

function downloadOptions(config: CliConfig): DownloadOptions | undefined {
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
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

/** Loads a study, runs it, writes the reports and prints the summary; shared by `run` and `demo`. */
export async function executeStudy(studyFile: string, options: ExecuteOptions = {}): Promise<void> {
  const config = readConfig();
  const study = await loadStudy(studyFile, {
    known: { benchmarks: benchmarkNames(), llamacppTypes: QUANT_TYPES, fetchedModel: fetchedModelLookup(config.modelsDir) },
    prepareVariantFit,
  });
  const runDirectory = options.out !== undefined ? path.resolve(options.out) : defaultRunDirectory(study, process.cwd());
  const quiet = options.quiet === true || options.json === true;
  const printer = eventPrinter(config, quiet);
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
  if (!quiet) console.error(`qreason: run directory ${runDirectory}`);
  let summary: RunSummary;
  try {
    summary = await runStudy({
      study,
      runDirectory,
      dataDir: config.dataDir,
      python: config.python,
      projectRoot: config.projectRoot,
      apiKey: (name) => process.env[name],
      qreasonVersion: qreasonVersion(config),
      signal: controller.signal,
      onEvent: printer.onEvent,
      ...(downloadOptions(config) ? { download: downloadOptions(config) } : {}),
    });
  } finally {
    printer.stop();
    process.removeListener("SIGINT", onInterrupt);
    process.removeListener("SIGTERM", onInterrupt);
  }
  if (summary.interrupted) {
    const stored = summary.variants.reduce((sum, variant) => sum + variant.generated, 0);
    console.error(`qreason: interrupted; ${stored} new generation(s) stored in ${runDirectory}. Run the same command again to resume.`);
    process.exitCode = 130;
    return;
  }
  if (!quiet) console.error("qreason: comparing and writing the report");
  const report = await writeReports(runDirectory, { ifChanged: true });
  if (options.json) {
    console.log(JSON.stringify({ runDirectory, report: report.files, summary }));
  } else {
    console.log(summaryTable(report.results, summary));
    console.log(`\nreport: ${report.files.html}\n        ${report.files.markdown}, ${path.basename(report.files.results)}, ${path.basename(report.files.generations)}`);
  }
  const failed = report.results.failures.length;
  const stopped = summary.variants.filter((variant) => variant.stopped !== undefined);
  if (failed > 0 || stopped.length > 0) {
    throw new QreasonError(
      "E_BACKEND",
      `${failed} generation(s) failed${stopped.length > 0 ? ` and generation stopped early for ${stopped.map((variant) => `${variant.model}/${variant.variant} (${variant.stopped})`).join(", ")}` : ""}; ` +
        "the report covers what was generated. Run the same command again to retry.",
      { file: runDirectory },
    );
  }
}

export default defineCommand({
  meta: { name: "run", description: "Run a study: plan, quantize, generate, grade, compare, write the report (resumes an interrupted run)" },
  args: {
    study: { type: "positional", required: true, description: "The study file (YAML), e.g. examples/quickstart.yaml" },
    out: { type: "string", description: "Run directory (default: the study's `output`, else runs/<study name>-<hash of its path>)" },
    quiet: { type: "boolean", description: "No progress output; the summary table and report path still print" },
    json: { type: "boolean", description: "Print one JSON line (run directory, report files, summary) instead of the table" },
  },
  async run({ args }) {
    await executeStudy(String(args.study), {
      ...(args.out !== undefined ? { out: String(args.out) } : {}),
      quiet: Boolean(args.quiet),
      json: Boolean(args.json),
    });
  },
});
