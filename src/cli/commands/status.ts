/**
 * `qreason status <run-dir>`: what each stage of a run directory has left to do (from the store alone:
 * nothing is started, nothing is written) and how its latest run went.
 */
import path from "node:path";
import { defineCommand } from "citty";
import { stageStatus } from "../../run/index.ts";
import { openRunDirectory, runRecordOf, type StageRunRecord } from "../../store/index.ts";

function lastRun(run: StageRunRecord | null): string {
  if (run === null) return "never ran";
  if (run.finishedAt === null) return `started ${run.startedAt}, never finished (still running, or killed)`;
  const seconds = (run.counts.ms ?? Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return `${run.outcome} ${run.finishedAt} (${seconds.toFixed(seconds < 10 ? 2 : 0)} s)${run.message ? `: ${run.message}` : ""}`;
}

export default defineCommand({
  meta: { name: "status", description: "Show what each stage of a run directory has pending and how its last run went" },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory made by `qreason run`" },
    json: { type: "boolean", description: "Print one JSON object instead of the table" },
  },
  async run({ args }) {
    const runDirectory = path.resolve(String(args.runDirectory));
    const store = openRunDirectory(runDirectory);
    try {
      const stages = stageStatus(store);
      const record = runRecordOf(store);
      if (args.json) {
        console.log(JSON.stringify({ runDirectory, study: record?.study ?? null, grader: record?.grader ?? null, stages }));
        return;
      }
      console.log(`run directory ${runDirectory}`);
      console.log(record === undefined ? "no plan stored yet" : `study ${record.study.name} (${record.study.file}); reports read grades of ${record.grader ?? "no grader yet"}`);
      const rows = stages.map((entry) => [entry.stage, entry.pending.count === 0 ? "done" : `${entry.pending.count} ${entry.pending.unit}`, entry.pending.detail ?? "", lastRun(entry.last)]);
      const header = ["stage", "pending", "detail", "last run"];
      const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
      const line = (cells: string[]): string => cells.map((text, column) => (column === cells.length - 1 ? text : text.padEnd(widths[column] as number))).join("  ");
      console.log(["", line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n"));
      // Variants whose last attempt failed or stopped early (the next `qreason run` tries them again).
      const stopped = (record?.status ?? []).filter((entry) => entry.stopped !== undefined);
      if (stopped.length > 0) console.log(["", ...stopped.map((entry) => `${entry.model}/${entry.variant}: ${entry.stopped}`)].join("\n"));
    } finally {
      store.close();
    }
  },
});
