/**
 * `qreason attribute <run-dir>`: the attribute stage alone — for every flip (and a seeded sample of
 * controls) of a run, where the variant first went wrong: the step verifier's first error, the first
 * divergence step under teacher forcing, and the first vulnerable step by prefix rescue; then the report
 * is brought up to date and the causal agreement rates are printed. Starts the run's backends (fp and each
 * variant in turn). Settings come from the study's `attribute:` block, or the defaults.
 */
import path from "node:path";
import { defineCommand } from "citty";
import { attributionSummaryText } from "../../report/index.ts";
import { openRunDirectory } from "../../store/index.ts";
import { readConfig } from "../config.ts";
import { runStagesCommand } from "../stages.ts";

export default defineCommand({
  meta: {
    name: "attribute",
    description:
      "Locate where each flip of a run first went wrong (step verifier, teacher-forced divergence, prefix rescue) and print how often the three agree. " +
      "Settings: the study's `attribute:` block (controls, top_k, margin_threshold, rescue: bisect|linear, mirror, max_flips) or the defaults",
  },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory made by `qreason run` (generated and graded)" },
    quiet: { type: "boolean", description: "No progress; print only the agreement table" },
  },
  async run({ args }) {
    const config = readConfig();
    const runDirectory = path.resolve(String(args.runDirectory));
    const summary = await runStagesCommand(config, runDirectory, ["attribute", "report"], { force: ["attribute"], quiet: Boolean(args.quiet) });
    if (summary.interrupted) return;
    const store = openRunDirectory(runDirectory);
    try {
      console.log(attributionSummaryText(store));
    } finally {
      store.close();
    }
    if (summary.report !== undefined) console.log(`report: ${summary.report.files.html}`);
  },
});
