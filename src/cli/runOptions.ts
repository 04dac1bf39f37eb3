/**
 * What `qreason run` adds to a study file from its command line, lm-eval style:
 *   - overrides: `--limit N` (at most N problems per benchmark: the first N of the study's seeded subset),
 *     `--max-tokens N` (every benchmark's sampling.max_tokens), `--batch-size N` (every model's
 *     runtime.batch_size). They change the study as loaded, so they are part of its hash and of every
 *     variant's recorded provenance (`study.overrides`, sampling, runtime). max_tokens is part of every
 *     generation key (results made with another max_tokens are never read back); --limit keeps the keys of
 *     the problems it keeps (the same prompt and sampling: the stored answer is the one asked for); batch
 *     size is not in the key, by design (outputs are meant to be batch-invariant; docs/real-models.md says
 *     where llama.cpp is not), and the run says when it reuses results.
 *   - a study without a file: `--model X.gguf|HF-dir|fetched-name --variants Q8_0,Q4_K_M --benchmarks gsm8k`
 *     writes `study.yaml` into the run directory (with `output: .`, so running that file again resumes
 *     there; --limit, --max-tokens and --batch-size are written into it as size, max_tokens, batch_size)
 *     and runs it like any study.
 *   - where benchmark files are: `$QREASON_DATA` (default ~/.cache/qreason/data), else `../shared/data`
 *     beside the checkout when it has them (said on stderr).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { benchmarkNames, benchmarkStatus, findBenchmark } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { sha256Hex } from "../store/index.ts";
import type { Study } from "../study/index.ts";
import type { CliConfig } from "./config.ts";

export interface RunOverrides {
  limit?: number;
  maxTokens?: number;
  batchSize?: number;
}

function positiveInteger(value: unknown, flag: string, example: string): number | undefined {
  if (value === undefined || value === false) return undefined;
  const text = String(value);
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new QreasonError("E_USAGE", `${flag} takes a positive whole number, got '${text}' (e.g. ${example})`);
  return Number(text);
}

/** The overrides the command line asks for (E_USAGE for a value that is not a positive integer). */
export function parseOverrides(args: { limit?: unknown; "max-tokens"?: unknown; "batch-size"?: unknown }): RunOverrides {
  const limit = positiveInteger(args.limit, "--limit", "--limit 20");
  const maxTokens = positiveInteger(args["max-tokens"], "--max-tokens", "--max-tokens 512");
  const batchSize = positiveInteger(args["batch-size"], "--batch-size", "--batch-size 8");
  return { ...(limit !== undefined ? { limit } : {}), ...(maxTokens !== undefined ? { maxTokens } : {}), ...(batchSize !== undefined ? { batchSize } : {}) };
}

/** The study with the overrides applied and recorded (`study.overrides`); unchanged when there are none. */
export function applyOverrides(study: Study, overrides: RunOverrides): Study {
  if (Object.keys(overrides).length === 0) return study;
  const { limit, maxTokens, batchSize } = overrides;
  return {
    ...study,
    overrides: { ...overrides },
    benchmarks: study.benchmarks.map((benchmark) => ({
      ...benchmark,
      subset: limit === undefined ? benchmark.subset : { ...benchmark.subset, size: Math.min(benchmark.subset.size ?? limit, limit) },
      sampling: maxTokens === undefined ? benchmark.sampling : { ...benchmark.sampling, maxTokens },
    })),
    models: study.models.map((model) => (batchSize === undefined ? model : { ...model, runtime: { ...model.runtime, batchSize } })),
  };
}

export interface StudyArguments {
  model: string;
  variants?: string;
  benchmarks?: string;
  /** Written as `allow_fallback: true` on the K- and IQ-quants (256-weight blocks) among the variants. */
  allowFallback?: boolean;
  out?: string;
  /** Written into the study (benchmark size, max_tokens, batch_size). */
  overrides?: RunOverrides;
}

/** llama.cpp types with 256-weight blocks: the ones a fallback can apply to. */
const blocksOf256 = (type: string): boolean => /_K(_|$)/i.test(type) || /^IQ/i.test(type) || /^TQ/i.test(type);

const list = (text: string | undefined): string[] => (text ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");

/**
 * Writes the study that `--model/--variants/--benchmarks` describe as `study.yaml` in its run directory
 * (`--out`, else runs/<model>-<8 hex of the arguments>) and returns its path. Rewritten only when it changes.
 */
export function writeStudyFromArguments(args: StudyArguments, config: CliConfig, lookup: (name: string) => { hf: string } | { problem: string }, workingDirectory = process.cwd()): string {
  const modelEntry = modelFromArgument(args.model, lookup, workingDirectory);
  const variants = list(args.variants);
  if (variants.length === 0) throw new QreasonError("E_USAGE", "--variants is required with --model: the llama.cpp types to compare with fp, e.g. --variants Q8_0,Q4_K_M");
  const benchmarks = list(args.benchmarks);
  if (benchmarks.length === 0) throw new QreasonError("E_USAGE", "--benchmarks is required with --model, e.g. --benchmarks gsm8k (or a JSONL file: --benchmarks my-problems.jsonl)");
  const overrides = args.overrides ?? {};
  const flags = [
    ...(args.allowFallback ? ["--allow-fallback"] : []),
    ...(overrides.limit !== undefined ? [`--limit ${overrides.limit}`] : []),
    ...(overrides.maxTokens !== undefined ? [`--max-tokens ${overrides.maxTokens}`] : []),
    ...(overrides.batchSize !== undefined ? [`--batch-size ${overrides.batchSize}`] : []),
  ];
  const study = {
    name: modelEntry.name,
    description: `qreason run --model ${args.model} --variants ${variants.join(",")} --benchmarks ${benchmarks.join(",")}${flags.map((flag) => ` ${flag}`).join("")}`,
    seed: 0,
    output: ".",
    models: [
      {
        ...modelEntry.entry,
        backend: "llamacpp",
        variants: variants.map((variant) => (variant === "fp" ? "fp" : args.allowFallback && blocksOf256(variant) ? { llamacpp: { type: variant, allow_fallback: true } } : variant)),
        ...(overrides.batchSize !== undefined ? { runtime: { batch_size: overrides.batchSize } } : {}),
      },
    ],
    benchmarks: benchmarks.map((benchmark) => {
      const entry = benchmarkEntry(benchmark, workingDirectory);
      if (overrides.limit === undefined) return entry;
      return typeof entry === "string" ? { name: entry, size: overrides.limit } : { ...entry, size: overrides.limit };
    }),
    prompt: { template: "step-by-step" },
    sampling: { temperature: 0, max_tokens: overrides.maxTokens ?? 512 },
  };
  const directory = path.resolve(args.out ?? path.join(workingDirectory, "runs", `${modelEntry.name}-${sha256Hex(JSON.stringify(study)).slice(0, 8)}`));
  const file = path.join(directory, "study.yaml");
  const text = `# Written by \`${study.description}\`.\n# Edit it and run \`qreason run ${shownPath(file, workingDirectory)}\` to resume in this directory.\n${stringify(study, { lineWidth: 0 })}`;
  if (existsSync(directory) && !statSync(directory).isDirectory()) throw new QreasonError("E_USAGE", "--out names a file; give a directory", { file: directory });
  mkdirSync(directory, { recursive: true });
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
  return file;
}

/** A path as the user would type it: relative below the working directory, absolute elsewhere. */
export function shownPath(file: string, workingDirectory = process.cwd()): string {
  const relative = path.relative(workingDirectory, file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

function modelFromArgument(argument: string, lookup: (name: string) => { hf: string } | { problem: string }, workingDirectory: string): { name: string; entry: Record<string, string> } {
  const absolute = path.resolve(workingDirectory, argument);
  const safeName = (text: string): string => text.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "model";
  if (existsSync(absolute)) {
    if (statSync(absolute).isDirectory()) {
      if (!existsSync(path.join(absolute, "config.json"))) throw new QreasonError("E_USAGE", `--model: ${argument} is a directory without config.json; give a .gguf file or a Hugging Face model directory`, { file: absolute });
      return { name: safeName(path.basename(absolute)), entry: { name: safeName(path.basename(absolute)), hf: absolute } };
    }
    if (!absolute.endsWith(".gguf")) throw new QreasonError("E_USAGE", `--model: ${argument} is not a .gguf file; give a .gguf file, a Hugging Face model directory or a fetched model's name (qreason models list)`, { file: absolute });
    const name = safeName(path.basename(absolute, ".gguf"));
    return { name, entry: { name, gguf: absolute } };
  }
  const fetched = lookup(argument);
  if ("hf" in fetched) return { name: safeName(argument), entry: { fetched: argument } };
  const looksLikePath = argument.includes("/") || argument.endsWith(".gguf");
  throw new QreasonError(
    "E_USAGE",
    looksLikePath ? `--model: no such file or directory: ${argument}` : `--model: '${argument}' is not a file, a directory or a model qreason can use: ${fetched.problem}`,
  );
}

function benchmarkEntry(argument: string, workingDirectory: string): string | { file: string } {
  if (benchmarkNames().includes(argument)) return argument;
  const absolute = path.resolve(workingDirectory, argument);
  if (existsSync(absolute) && statSync(absolute).isFile()) return { file: absolute };
  throw new QreasonError("E_USAGE", `--benchmarks: '${argument}' is neither a benchmark qreason knows (${benchmarkNames().join(", ")}) nor a JSONL file`);
}

/**
 * The data directory for a study's registry benchmarks: the configured one when it holds their files,
 * else `../shared/data` beside the checkout when that does; otherwise the configured one (the data module
 * then downloads, or says E_DATA_MISSING with where it looked).
 */
export async function dataDirectoryFor(study: Study, config: CliConfig, say: (line: string) => void): Promise<string> {
  const names = [...new Set(study.benchmarks.map((benchmark) => benchmark.subset.benchmark).filter((name) => benchmarkNames().includes(name)))];
  if (names.length === 0) return config.dataDir;
  const available = async (dataDir: string): Promise<boolean> => {
    for (const benchmark of study.benchmarks) {
      if (!names.includes(benchmark.subset.benchmark)) continue;
      const found = findBenchmark(benchmark.subset.benchmark);
      const split = benchmark.subset.split ?? found.defaultSplit;
      const status = (await benchmarkStatus([found], dataDir)).find((entry) => entry.split === split);
      if (status !== undefined && !status.available) return false;
    }
    return true;
  };
  if (await available(config.dataDir)) return config.dataDir;
  const shared = path.resolve(config.projectRoot, "..", "shared", "data");
  if (shared !== config.dataDir && existsSync(shared) && (await available(shared))) {
    say(`benchmark files are not in ${config.dataDir} ($QREASON_DATA); reading them from ${shared}`);
    return shared;
  }
  return config.dataDir;
}
