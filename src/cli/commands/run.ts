/**
 * `qreason run <study.yaml>`: the main job — the stages plan, quantize, generate, grade, compare, report,
 * each where it has pending work. Resumes whatever an earlier run of the same study left in its run
 * directory. Progress bars per variant on a terminal, plain lines otherwise; Ctrl-C stops cleanly (what is
 * stored stays), twice quits at once. The lm-eval-style options (--limit, --max-tokens, --batch-size,
 * --model/--variants/--benchmarks without a study file, --dry-run, --log-samples) are in ../runOptions.ts
 * and ../dryRun.ts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { defineCommand } from "citty";
import { benchmarkNames } from "../../data/index.ts";
import { QreasonError } from "../../errors.ts";
import { fetchedModelLookup, prepareVariantFit } from "../../models/index.ts";
import { QUANT_TYPES } from "../../quantize/index.ts";
import { attributionSummaryText, reportFiles, type Results } from "../../report/index.ts";
import { defaultRunDirectory, FAILED_PREFIX, runStudy, type RunSummary } from "../../run/index.ts";
import { openRunDirectory } from "../../store/index.ts";
import { loadStudy } from "../../study/index.ts";
import { readConfig } from "../config.ts";
import { dryRun, dryRunText } from "../dryRun.ts";
import { applyOverrides, dataDirectoryFor, parseOverrides, shownPath, writeStudyFromArguments, type RunOverrides } from "../runOptions.ts";
import { eventPrinter, stageOptions, summaryTable, withInterrupt } from "../stages.ts";
import { restorationText } from "./restore.ts";

export { summaryTable } from "../stages.ts";

export interface ExecuteOptions {
  out?: string;
  quiet?: boolean;
  json?: boolean;
  overrides?: RunOverrides;
  /** List what would run (variants, jobs, a token estimate) and stop. */
  dryRun?: boolean;
  /** Print the first N outputs of each variant as they come. */
  logSamples?: number;
  /** Run the study without its `restore:` block (`qreason demo --no-restore`). */
  withoutRestore?: boolean;
}

/** Loads a study and runs its stages (the report included), then prints the summary; shared by `run` and `demo`. */
export async function executeStudy(studyFile: string, options: ExecuteOptions = {}): Promise<void> {
  const config = readConfig();
  const loaded = await loadStudy(studyFile, {
    known: { benchmarks: benchmarkNames(), llamacppTypes: QUANT_TYPES, fetchedModel: fetchedModelLookup(config.modelsDir) },
    prepareVariantFit,
  });
  const overridden = applyOverrides(loaded, options.overrides ?? {});
  const { restore: _restore, ...unrestored } = overridden;
  const study = options.withoutRestore === true ? unrestored : overridden;
  const runDirectory = options.out !== undefined ? path.resolve(options.out) : defaultRunDirectory(study, process.cwd());
  const quiet = options.quiet === true || options.json === true;
  const dataDir = await dataDirectoryFor(study, config, (line) => {
    if (!quiet) console.error(`qreason: ${line}`);
  });
  if (options.dryRun) {
    const download = stageOptions(config).download;
    const plan = await dryRun(study, runDirectory, { dataDir, ...(download ? { download } : {}) });
    console.log(options.json ? JSON.stringify(plan) : dryRunText(plan));
    return;
  }
  const printer = eventPrinter(config, quiet, options.logSamples !== undefined ? { logSamples: options.logSamples } : {});
  if (!quiet) console.error(`qreason: run directory ${runDirectory}`);
  let summary: RunSummary;
  try {
    summary = await withInterrupt((signal) => runStudy({ ...stageOptions(config), dataDir, study, runDirectory, signal, onEvent: printer.onEvent }));
  } finally {
    printer.stop();
  }
  const reused = summary.variants.reduce((sum, variant) => sum + variant.cached, 0);
  if (reused > 0 && !quiet) {
    console.error(`qreason: ${reused} generation(s) were already stored under the same keys (model, recipe, backend version, prompt, sampling) and are reused`);
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
  const broken = summary.variants.filter((variant) => variant.stopped?.startsWith(FAILED_PREFIX));
  const stopped = summary.variants.filter((variant) => variant.stopped !== undefined && !variant.stopped.startsWith(FAILED_PREFIX));
  if (failed > 0 || stopped.length > 0 || broken.length > 0) {
    const parts = [
      ...(broken.length > 0 ? [`${broken.length} variant(s) failed: ${broken.map((variant) => `${variant.model}/${variant.variant} (${variant.stopped})`).join("; ")}`] : []),
      ...(failed > 0 ? [`${failed} generation(s) failed (${failureReasons(results.failures)})`] : []),
      ...(stopped.length > 0 ? [`generation stopped early for ${stopped.map((variant) => `${variant.model}/${variant.variant} (${variant.stopped})`).join(", ")}`] : []),
    ];
    throw new QreasonError("E_BACKEND", `${parts.join("; ")}. The report covers what was generated; run the same command again to retry.`, { file: runDirectory });
  }
}

/** The distinct errors behind failed generations, most frequent first (at most 3): the user sees why, not only how many. */
export function failureReasons(failures: readonly { error: string }[]): string {
  const counts = new Map<string, number>();
  for (const failure of failures) counts.set(failure.error, (counts.get(failure.error) ?? 0) + 1);
  const ranked = [...counts].sort((left, right) => right[1] - left[1]);
  const shown = ranked.slice(0, 3).map(([error, count]) => `${count} x ${error.length > 300 ? `${error.slice(0, 300)}…` : error}`);
  return `${shown.join("; ")}${ranked.length > 3 ? `; ${ranked.length - 3} other error(s) in the report's failures` : ""}`;
}

const EXAMPLES = `
Examples:
  qreason run examples/smollm2.yaml                       a study file; runs again resume in the same directory
  qreason run examples/smollm2.yaml --limit 5 --max-tokens 128
                                                          a quick look: 5 problems per benchmark, 128 new tokens
  qreason run examples/smollm2.yaml --dry-run             what would run, and about how many tokens; runs nothing
  qreason run --model model.gguf --variants Q8_0,Q4_K_M --benchmarks gsm8k --limit 20
                                                          no study file: writes runs/<model>-<hash>/study.yaml, runs it
  qreason run --model smollm2 --variants Q8_0,Q4_K_M,Q2_K --allow-fallback --benchmarks gsm8k --log-samples 1
                                                          a fetched model; print each variant's first output`;

export default defineCommand({
  meta: { name: "run", description: `Run a study: plan, quantize, generate, grade, compare, write the report (resumes an interrupted run)\n${EXAMPLES}` },
  args: {
    study: { type: "positional", required: false, description: "The study file (YAML), e.g. examples/quickstart.yaml; leave it out with --model" },
    out: { type: "string", description: "Run directory (default: the study's `output`, else runs/<study name>-<hash of its path>)" },
    limit: {
      type: "string",
      description: "At most N problems per benchmark: the first N of the study's seeded subset, e.g. --limit 20 (their stored results are reused)",
    },
    "max-tokens": { type: "string", description: "Every benchmark's max_tokens, e.g. --max-tokens 512 (part of every generation key: nothing made with another value is reused)" },
    "batch-size": {
      type: "string",
      description: "Every model's runtime.batch_size (sequences in flight), e.g. --batch-size 8; not part of the keys: stored results are reused",
    },
    model: { type: "string", description: "Without a study file: a .gguf file, a Hugging Face directory or a fetched model (qreason models list), e.g. --model model.gguf" },
    variants: { type: "string", description: "With --model: llama.cpp types to compare with fp, comma-separated, e.g. --variants Q8_0,Q4_K_M" },
    benchmarks: { type: "string", description: "With --model: benchmark names or JSONL files, comma-separated, e.g. --benchmarks gsm8k,math500" },
    "allow-fallback": { type: "boolean", description: "With --model: accept llama.cpp storing tensors whose rows a K-quant's 256-blocks do not divide in another type (SmolLM2)" },
    "dry-run": { type: "boolean", description: "List the variants, benchmarks, generations and a token estimate; quantize, start and generate nothing" },
    "log-samples": { type: "string", description: "Print the first N outputs of each variant as they come, e.g. --log-samples 2" },
    quiet: { type: "boolean", description: "No progress output; the summary table and report path still print" },
    json: { type: "boolean", description: "Print one JSON line (run directory, report files, summary) instead of the table" },
  },
  async run({ args }) {
    const overrides = parseOverrides(args);
    const logSamples = args["log-samples"] === undefined ? undefined : parseLogSamples(args["log-samples"]);
    let studyFile: string;
    if (args.model !== undefined) {
      if (args.study !== undefined) throw new QreasonError("E_USAGE", "give a study file or --model, not both (a study file names its models)");
      const config = readConfig();
      studyFile = writeStudyFromArguments(
        {
          model: String(args.model),
          ...(args.variants !== undefined ? { variants: String(args.variants) } : {}),
          ...(args.benchmarks !== undefined ? { benchmarks: String(args.benchmarks) } : {}),
          allowFallback: Boolean(args["allow-fallback"]),
          ...(args.out !== undefined ? { out: String(args.out) } : {}),
          overrides,
        },
        config,
        fetchedModelLookup(config.modelsDir),
      );
      if (!args.quiet && !args.json) console.error(`qreason: study written to ${shownPath(studyFile)} (run that file to resume)`);
    } else {
      if (args.variants !== undefined || args.benchmarks !== undefined || args["allow-fallback"]) throw new QreasonError("E_USAGE", "--variants, --benchmarks and --allow-fallback go with --model (a study file lists its own)");
      if (args.study === undefined) throw new QreasonError("E_USAGE", `give a study file (qreason run examples/quickstart.yaml) or a model (qreason run --model model.gguf --variants Q8_0 --benchmarks gsm8k)${EXAMPLES}`);
      studyFile = String(args.study);
    }
    await executeStudy(studyFile, {
      ...(args.out !== undefined && args.model === undefined ? { out: String(args.out) } : {}),
      quiet: Boolean(args.quiet),
      json: Boolean(args.json),
      // With --model the overrides are written into the study itself.
      ...(args.model === undefined ? { overrides } : {}),
      dryRun: Boolean(args["dry-run"]),
      ...(logSamples !== undefined ? { logSamples } : {}),
    });
  },
});

function parseLogSamples(value: unknown): number {
  const text = String(value);
  if (!/^[0-9]{1,6}$/.test(text)) throw new QreasonError("E_USAGE", `--log-samples takes a whole number, got '${text}' (e.g. --log-samples 2)`);
  return Number(text);
}
