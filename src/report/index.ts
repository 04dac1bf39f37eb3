/**
 * Public surface of the report module: from a run store to report.html, summary.md, results.json and
 * generations.jsonl (the report stage; `qreason report <run-dir>`).
 */
import { existsSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { comparisonInputs, updateComparisons } from "../compare/index.ts";
import { contentHash, openRunDirectory, type RunRecord, type RunStore } from "../store/index.ts";
import { renderHtml } from "./html.ts";
import { writeGenerationsJsonl } from "./jsonl.ts";
import { renderMarkdown } from "./markdown.ts";
import { buildReportData, requireRunRecord, type Results } from "./results.ts";

export type { CellResult, ComparisonResult, OutputView, ProblemView, ReportData, Results, VariantInfo } from "./results.ts";
export { ALL_BENCHMARKS, RESULTS_SCHEMA, buildReportData, cellAccuracy, comparisonInputs, countSteps, requireRunRecord } from "./results.ts";
export { renderHtml } from "./html.ts";
export type { AttributionResults, FlipAttribution, FlipView, KldFigures, VariantAttribution } from "./attribution.ts";
export { attributionSummaryText, buildAttribution, flipAnchor, flipViews } from "./attribution.ts";
export { renderMarkdown } from "./markdown.ts";
export { variantFactsRows, type VariantFacts } from "./variantFacts.ts";
export { escapeHtml, html, trusted, SafeHtml } from "./escape.ts";
export { accuracyChartSpec, lengthChartSpec, renderSvg } from "./charts.ts";

export const REPORT_FILES = { html: "report.html", markdown: "summary.md", results: "results.json", generations: "generations.jsonl" } as const;
/** What the report files were made from; compared with the store as it is now to tell whether they are stale. */
export const REPORT_STATE_FILE = "report-state.json";

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

export function reportFiles(runDirectory: string): WrittenReport["files"] {
  return {
    html: path.join(runDirectory, REPORT_FILES.html),
    markdown: path.join(runDirectory, REPORT_FILES.markdown),
    results: path.join(runDirectory, REPORT_FILES.results),
    generations: path.join(runDirectory, REPORT_FILES.generations),
  };
}

/**
 * A hash of everything the report reads: the run record (without its timestamps, with every cell's keys
 * and the grader), the store's counts of generations, errors, grades, problems and variants, the stored
 * comparisons' input hashes, and the report settings. A resumed run that found nothing to do leaves it unchanged.
 */
export function reportState(store: RunStore, options: { bootstrapResamples?: number } = {}, full: RunRecord = requireRunRecord(store)): string {
  const { startedAt: _started, finishedAt: _finished, ...record } = full;
  const comparisons = record.grader === null ? [] : store.comparisons.list(record.study.hash, record.grader).map((row) => [row.model, row.benchmark, row.variant, row.inputsHash]);
  const attribution = store.attribution.stateToken(record.study.hash);
  return contentHash("report-state:v2:", { record, counts: store.counts(), comparisons, attribution, bootstrapResamples: options.bootstrapResamples ?? null });
}

/** Whether the report files of the store's run directory are missing or older than what the store holds. */
export function reportIsStale(store: RunStore, options: { bootstrapResamples?: number } = {}, record: RunRecord = requireRunRecord(store)): boolean {
  const files = reportFiles(store.directory);
  const stateFile = path.join(store.directory, REPORT_STATE_FILE);
  if (!Object.values(files).every((file) => existsSync(file)) || !existsSync(stateFile)) return true;
  try {
    return (JSON.parse(readFileSync(stateFile, "utf8")) as { state?: string }).state !== reportState(store, options, record);
  } catch {
    return true;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/**
 * (Re)writes every report file of the store's run directory, from the store alone. Comparisons the store
 * lacks for its grader and these settings are computed and stored first (the compare stage's work; the
 * stage pipeline runs it as its own stage before this one).
 */
export async function writeReportFiles(store: RunStore, options: WriteReportsOptions = {}): Promise<WrittenReport> {
  const runDirectory = store.directory;
  const files = reportFiles(runDirectory);
  const record = requireRunRecord(store);
  if (record.grader !== null) updateComparisons(store, comparisonInputs(record, options.bootstrapResamples));
  if (options.ifChanged && !reportIsStale(store, options, record)) {
    try {
      return { files, results: JSON.parse(readFileSync(files.results, "utf8")) as Results, unchanged: true };
    } catch {
      // An unreadable results file: write everything again.
    }
  }
  const state = reportState(store, options, record);
  const data = buildReportData(store, options);
  await writeAtomically(files.results, `${JSON.stringify(data.results, null, 1)}\n`);
  await writeAtomically(files.markdown, renderMarkdown(data.results));
  await writeAtomically(files.html, await renderHtml(data));
  const temporary = `${files.generations}.${process.pid}.tmp`;
  await writeGenerationsJsonl(temporary, record, store);
  await rename(temporary, files.generations);
  await writeAtomically(path.join(runDirectory, REPORT_STATE_FILE), `${JSON.stringify({ state })}\n`);
  return { files, results: data.results, unchanged: false };
}

/** `writeReportFiles` on a run directory (opens and closes its store). */
export async function writeReports(runDirectory: string, options: WriteReportsOptions = {}): Promise<WrittenReport> {
  const store = openRunDirectory(runDirectory);
  try {
    return await writeReportFiles(store, options);
  } finally {
    store.close();
  }
}
