/**
 * `qreason compare <run-dir>`: the compare stage alone — compute and store the statistics of every planned
 * comparison whose grades changed (after `qreason grade <run-dir>`, say), then print the summary table.
 * The report files are the report stage's (`qreason report <run-dir>`).
 */
import path from "node:path";
import { defineCommand } from "citty";
import { buildReportData } from "../../report/index.ts";
import { openRunDirectory } from "../../store/index.ts";
import { readConfig } from "../config.ts";
import { pendingAfter, runStagesCommand, summaryTable } from "../stages.ts";

export default defineCommand({
  meta: { name: "compare", description: "Compare each variant with its baseline (intervals, paired bootstrap, McNemar, flips) from a run directory's grades" },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory made by `qreason run`" },
    quiet: { type: "boolean", description: "No table, only what was computed" },
  },
  async run({ args }) {
    const config = readConfig();
    const runDirectory = path.resolve(String(args.runDirectory));
    const summary = await runStagesCommand(config, runDirectory, ["compare"], { quiet: Boolean(args.quiet) });
    if (summary.interrupted) return;
    const ran = summary.stages.find((stage) => stage.stage === "compare");
    const computed = ran?.outcome?.counts.computed ?? 0;
    console.error(`qreason: ${computed > 0 ? `computed ${computed} comparison(s)` : "every comparison is up to date"}`);
    if (!args.quiet) {
      const store = openRunDirectory(runDirectory);
      try {
        console.log(summaryTable(buildReportData(store).results));
      } finally {
        store.close();
      }
    }
    const after = pendingAfter(runDirectory, ["report"]);
    if (after !== undefined) console.error(`qreason: ${after}`);
  },
});
