/** `qreason report <run-dir>`: (re)write report.html, summary.md, results.json and generations.jsonl. */
import path from "node:path";
import { defineCommand } from "citty";
import { existsSync } from "node:fs";
import { writeReports } from "../../report/index.ts";
import { acquireRunLock, RUN_RECORD_FILE } from "../../run/index.ts";
import { summaryTable } from "./run.ts";

export default defineCommand({
  meta: { name: "report", description: "Write a run directory's report (report.html, summary.md, results.json, generations.jsonl) from its store" },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory made by `qreason run`" },
    quiet: { type: "boolean", description: "Print only where the report is" },
  },
  async run({ args }) {
    const runDirectory = path.resolve(String(args.runDirectory));
    // Not while a run writes the same files (only a run directory gets a lock file; others fail below).
    const lock = existsSync(path.join(runDirectory, RUN_RECORD_FILE)) ? acquireRunLock(runDirectory, "qreason report") : undefined;
    let report;
    try {
      report = await writeReports(runDirectory);
    } finally {
      lock?.release();
    }
    if (!args.quiet) console.log(`${summaryTable(report.results)}\n`);
    console.log(`report: ${report.files.html}`);
  },
});
