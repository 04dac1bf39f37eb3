/**
 * `qreason report <run-dir>`: the report stage alone — (re)write report.html, summary.md, results.json and
 * generations.jsonl from the run store (after the compare stage, when its statistics are out of date).
 */
import path from "node:path";
import { defineCommand } from "citty";
import { readConfig } from "../config.ts";
import { runStagesCommand, summaryTable } from "../stages.ts";

export default defineCommand({
  meta: { name: "report", description: "Write a run directory's report (report.html, summary.md, results.json, generations.jsonl) from its store" },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory made by `qreason run`" },
    quiet: { type: "boolean", description: "Print only where the report is" },
  },
  async run({ args }) {
    const runDirectory = path.resolve(String(args.runDirectory));
    const summary = await runStagesCommand(readConfig(), runDirectory, ["report"], { force: ["report"], quiet: true });
    if (summary.report === undefined) return;
    if (!args.quiet) console.log(`${summaryTable(summary.report.results)}\n`);
    console.log(`report: ${summary.report.files.html}`);
  },
});
