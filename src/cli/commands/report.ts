/** `qreason report <run-dir>`: (re)write report.html, summary.md, results.json and generations.jsonl. */
import path from "node:path";
import { defineCommand } from "citty";
import { writeReports } from "../../report/index.ts";
import { summaryTable } from "./run.ts";

export default defineCommand({
  meta: { name: "report", description: "Write a run directory's report (report.html, summary.md, results.json, generations.jsonl) from its store" },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory made by `qreason run`" },
    quiet: { type: "boolean", description: "Print only where the report is" },
  },
  async run({ args }) {
    const runDirectory = path.resolve(String(args.runDirectory));
    const report = await writeReports(runDirectory);
    if (!args.quiet) console.log(`${summaryTable(report.results)}\n`);
    console.log(`report: ${report.files.html}`);
  },
});
