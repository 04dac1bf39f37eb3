/**
 * Public surface of the report module: from a run directory to report.html, summary.md, results.json and
 * generations.jsonl (`qreason report <run-dir>`, also the last step of `qreason run`).
 */
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { readRunRecord } from "../run/index.ts";
import { openRunStore } from "../store/index.ts";
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

export interface WrittenReport {
  files: { html: string; markdown: string; results: string; generations: string };
  results: Results;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** (Re)writes every report file of `runDirectory` from its run.json and store. */
export async function writeReports(runDirectory: string, options: { bootstrapResamples?: number } = {}): Promise<WrittenReport> {
  const data = buildReportData(runDirectory, options);
  const files = {
    html: path.join(runDirectory, REPORT_FILES.html),
    markdown: path.join(runDirectory, REPORT_FILES.markdown),
    results: path.join(runDirectory, REPORT_FILES.results),
    generations: path.join(runDirectory, REPORT_FILES.generations),
  };
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
  return { files, results: data.results };
}
