/**
 * report: writes report.html, summary.md, results.json and generations.jsonl from the store alone
 * (src/report), after the compare stage's pending work. Pending when the files are missing or older than
 * what the store holds (report-state.json), so a resumed finished run leaves them alone.
 */
import { reportIsStale, writeReportFiles, type WrittenReport } from "../../report/index.ts";
import { runRecordOf } from "../../store/index.ts";
import type { Stage, StageContext, StageOutcome } from "./types.ts";

/** `context.shared` entry: the report this command wrote. */
export const REPORT = "report:written";

export function writtenReport(context: Pick<StageContext, "shared">): WrittenReport | undefined {
  return context.shared.get(REPORT) as WrittenReport | undefined;
}

export const reportStage: Stage = {
  name: "report",
  summary: "write report.html, summary.md, results.json and generations.jsonl from the store",
  offline: true,
  requires: ["compare"],
  pending(store, options = {}) {
    const record = runRecordOf(store);
    if (record === undefined) return { count: 0, unit: "report files" };
    return reportIsStale(store, options, record) ? { count: 4, unit: "report files", detail: "missing or older than the store" } : { count: 0, unit: "report files" };
  },
  async run(context): Promise<StageOutcome> {
    context.emit({ type: "stage", message: "writing the report" });
    const report = await writeReportFiles(context.store, { ...(context.settings.bootstrapResamples !== undefined ? { bootstrapResamples: context.settings.bootstrapResamples } : {}) });
    context.shared.set(REPORT, report);
    return { status: "done", counts: { files: 4, cells: report.results.cells.length, comparisons: report.results.comparisons.length } };
  },
};
