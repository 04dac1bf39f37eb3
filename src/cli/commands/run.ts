/**
 * `qreason run <study.yaml>`: the main job — the stages plan, quantize, generate, grade, compare, report,
 * each where it has pending work. Resumes whatever an earlier run of the same study left in its run
 * directory. Progress bars per variant on a terminal, plain lines otherwise; Ctrl-C stops cleanly (what is
 * stored stays), twice quits at once.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { defineCommand } from "citty";
import { benchmarkNames } from "../../data/index.ts";
import { QreasonError } from "../../errors.ts";
import { fetchedModelLookup, prepareVariantFit } from "../../models/index.ts";
import { QUANT_TYPES } from "../../quantize/index.ts";
import { attributionSummaryText, reportFiles, type Results } from "../../report/index.ts";
import { defaultRunDirectory, runStudy, type RunSummary } from "../../run/index.ts";
import { openRunDirectory } from "../../store/index.ts";
import { loadStudy } from "../../study/index.ts";
import { readConfig } from "../config.ts";
import { eventPrinter, stageOptions, summaryTable, withInterrupt } from "../stages.ts";
import { restorationText } from "./restore.ts";

export { summaryTable } from "../stages.ts";

export interface ExecuteOptions {
  out?: string;
  quiet?: boolean;
  json?: boolean;
}

/** Loads a study and runs its stages (the report included), then prints the summary; shared by `run` and `demo`. */
export async function executeStudy(studyFile: string, options: ExecuteOptions = {}): Promise<void> {
  const config = readConfig();
  const study = await loadStudy(studyFile, {
    known: { benchmarks: benchmarkNames(), llamacppTypes: QUANT_TYPES, fetchedModel: fetchedModelLookup(config.modelsDir) },
    prepareVariantFit,
  });
  const runDirectory = options.out !== undefined ? path.resolve(options.out) : defaultRunDirectory(study, process.cwd());
  const quiet = options.quiet === true || options.json === true;
  const printer = eventPrinter(config, quiet);
  if (!quiet) console.error(`qreason: run directory ${runDirectory}`);
  let summary: RunSummary;
  try {
    summary = await withInterrupt((signal) => runStudy({ ...stageOptions(config), study, runDirectory, signal, onEvent: printer.onEvent }));
  } finally {
    printer.stop();
  }
  if (summary.interrupted) {
    const stored = summary.variants.reduce((sum, variant) => sum + variant.generated, 0);
    console.error(`qreason: interrupted; ${stored} new generation(s) stored in ${runDirectory}. Run the same command again to resume.`);
    process.exitCode = 130;
    return;
  }
  // The report stage ran only if the store changed since the files were written; otherwise they are current.
  const files = reportFiles(runDirectory);
  const results = summary.report?.results ?? (JSON.parse(readFileSync(files.results, "utf8")) as Results);
  if (options.json) {
    console.log(JSON.stringify({ runDirectory, report: files, summary: { ...summary, report: undefined } }));
  } else {
    console.log(summaryTable(results, summary));
    if (results.attribution) {
      const store = openRunDirectory(runDirectory);
      try {
        console.log(`\n${attributionSummaryText(store)}`);
      } finally {
        store.close();
      }
    }
    if (results.restoration !== undefined && results.restoration.length > 0) console.log(`\nrestoration\n${restorationText(results.restoration)}`);
    console.log(`\nreport: ${files.html}\n        ${files.markdown}, ${path.basename(files.results)}, ${path.basename(files.generations)}`);
  }
  const failed = results.failures.length;
  const stopped = summary.variants.filter((variant) => variant.stopped !== undefined);
  if (failed > 0 || stopped.length > 0) {
    throw new QreasonError(
      "E_BACKEND",
      `${failed} generation(s) failed${stopped.length > 0 ? ` and generation stopped early for ${stopped.map((variant) => `${variant.model}/${variant.variant} (${variant.stopped})`).join(", ")}` : ""}; ` +
        "the report covers what was generated. Run the same command again to retry.",
      { file: runDirectory },
    );
  }
}

export default defineCommand({
  meta: { name: "run", description: "Run a study: plan, quantize, generate, grade, compare, write the report (resumes an interrupted run)" },
  args: {
    study: { type: "positional", required: true, description: "The study file (YAML), e.g. examples/quickstart.yaml" },
    out: { type: "string", description: "Run directory (default: the study's `output`, else runs/<study name>-<hash of its path>)" },
    quiet: { type: "boolean", description: "No progress output; the summary table and report path still print" },
    json: { type: "boolean", description: "Print one JSON line (run directory, report files, summary) instead of the table" },
  },
  async run({ args }) {
    await executeStudy(String(args.study), {
      ...(args.out !== undefined ? { out: String(args.out) } : {}),
      quiet: Boolean(args.quiet),
      json: Boolean(args.json),
    });
  },
});
