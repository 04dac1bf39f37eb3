/**
 * Public surface of the report module: from a run directory to report.html, summary.md, results.json and
 * generations.jsonl (`qreason report <run-dir>`, also the last step of `qreason run`).
 */
import { existsSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { readRunRecord } from "../run/index.ts";
import { contentHash, openRunStore } from "../store/index.ts";
import { renderHtml } from "./html.ts";
import { writeGenerationsJsonl } from "./jsonl.ts";
import { renderMarkdown } from "./markdown.ts";
import { buildReportData, type Results } from "./results.ts";

export type { CellResult, ComparisonResult, OutputView, ProblemView, ReportData, Results, VariantInfo } from "./results.ts";
export { ALL_BENCHMARKS, RESULTS_SCHEMA, buildReportData, cellAccuracy, countSteps } from "./results.ts";
export { renderHtml } from "./html.ts";
export { renderMarkdown } from "./markdown.ts";
export { escapeHtml, html, trusted, SafeHtml } from "./escape.ts";
export { accuracyChartSpec, lengthChartSpec, renderSvg } from "./charts.ts";

export const REPORT_FILES = { html: "report.html", markdown: "summary.md", results: "results.json", generations: "generations.jsonl" } as const;
/** What the report files were made from; `ifChanged` compares it with the run as it is now. */
const REPORT_STATE_FILE = "report-state.json";

export interface WrittenReport {
  files: { html: string; markdown: string; results: string; generations: string };
  results: Results;
  /** True when the files were already up to date and left alone (`ifChanged`). */
  unchanged: boolean;
}

export interface WriteReportsOptions {
  bootstrapResamples?: number;
  /** Leave the files alone when the run has not changed since they were written (a resumed finished run). */
  ifChanged?: boolean;
}

/**
 * A hash of everything the report reads: the run record (without its timestamps), the store's counts of
 * generations, errors, grades, problems and variants, and the report settings. A resumed run that found
 * nothing to do leaves it unchanged.
 */
function reportState(runDirectory: string, options: WriteReportsOptions): string {
  const { startedAt: _started, finishedAt: _finished, ...record } = readRunRecord(runDirectory);
  const store = openRunStore(runDirectory, { readOnly: true });
  try {
    return contentHash("report-state:v1:", { record, counts: store.counts(), bootstrapResamples: options.bootstrapResamples ?? null });
  } finally {
    store.close();
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** (Re)writes every report file of `runDirectory` from its run.json and store. */
export async function writeReports(runDirectory: string, options: WriteReportsOptions = {}): Promise<WrittenReport> {
  const files = {
    html: path.join(runDirectory, REPORT_FILES.html),
    markdown: path.join(runDirectory, REPORT_FILES.markdown),
    results: path.join(runDirectory, REPORT_FILES.results),
    generations: path.join(runDirectory, REPORT_FILES.generations),
  };
  const stateFile = path.join(runDirectory, REPORT_STATE_FILE);
  const state = reportState(runDirectory, options);
  if (options.ifChanged && Object.values(files).every((file) => existsSync(file)) && existsSync(stateFile)) {
    try {
      if ((JSON.parse(readFileSync(stateFile, "utf8")) as { state?: string }).state === state) {
        return { files, results: JSON.parse(readFileSync(files.results, "utf8")) as Results, unchanged: true };
      }
    } catch {
      // An unreadable state or results file: write everything again.
    }
  }
  const data = buildReportData(runDirectory, options);
  await writeAtomically(files.results, `${JSON.stringify(data.results, null, 1)}\n`);
  await writeAtomically(files.markdown, renderMarkdown(data.results));
  await writeAtomically(files.html, await renderHtml(data));
  const store = openRunStore(runDirectory, { readOnly: true });
  try {
    const temporary = `${files.generations}.${process.pid}.tmp`;
    await writeGenerationsJsonl(temporary, readRunRecord(runDirectory), store);
    await rename(temporary, files.generations);
  } finally {
    store.close();
  }
  await writeAtomically(stateFile, `${JSON.stringify({ state })}\n`);
  return { files, results: data.results, unchanged: false };
}
