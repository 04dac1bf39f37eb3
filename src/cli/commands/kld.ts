/**
 * `qreason kld --base A --variant B (--benchmark NAME | --texts F.jsonl)`: how far a variant's next-token
 * distributions drift from its baseline's, teacher-forced on the same texts (by default the baseline's own
 * greedy solutions to benchmark questions), streamed without storing logits. A and B are GGUF files
 * (llama.cpp, exact KL over the full vocabulary), Hugging Face model directories (the Python engine) or
 * OpenAI-compatible base URLs; any pair that is not two GGUFs is compared over the top-k that scoring returns.
 */
import { createWriteStream, statSync, type WriteStream } from "node:fs";
import { defineCommand } from "citty";
import { backends, type Backend } from "../../backends/index.ts";
import type { EngineBackend } from "../../backends/engine/index.ts";
import { KV_CACHE_TYPES, LlamaCppBackend, type KvCacheType } from "../../backends/llamacpp/index.ts";
import { loadProblems, selectSubset } from "../../data/index.ts";
import { QreasonError } from "../../errors.ts";
import { baselineSolutions, compareModels, readTextsJsonl, type KldResult, type KldText, type PositionRecord } from "../../kld/index.ts";
import { resolveOutputTarget } from "../../io/index.ts";
import { readConfig, type CliConfig } from "../config.ts";
import { createProgress } from "../progress.ts";

function positiveInteger(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new QreasonError("E_USAGE", `${flag} must be a positive integer, got '${value}'`);
  return number;
}

function integer(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new QreasonError("E_USAGE", `${flag} must be an integer, got '${value}'`);
  return number;
}

function kvCacheType(value: unknown): KvCacheType {
  const type = String(value ?? "F16").toUpperCase();
  if (!(KV_CACHE_TYPES as readonly string[]).includes(type)) {
    throw new QreasonError("E_USAGE", `--variant-kv-cache must be one of ${KV_CACHE_TYPES.join(", ")}, got '${value}'`);
  }
  return type as KvCacheType;
}

interface OpenOptions {
  config: CliConfig;
  gpu: "auto" | false;
  contextSize?: number;
  threads?: number;
  parallel: number;
  kvCacheType?: KvCacheType;
}

/** A GGUF file opens in llama.cpp, a directory in the engine, an http(s) URL as an OpenAI-compatible endpoint. */
async function openModel(spec: string, flag: string, options: OpenOptions): Promise<Backend> {
  if (/^https?:\/\//.test(spec)) {
    if (options.kvCacheType !== undefined && options.kvCacheType !== "F16") {
      throw new QreasonError("E_USAGE", "--variant-kv-cache applies to a GGUF variant only");
    }
    return backends.openai.create({ baseUrls: [spec] });
  }
  let directory: boolean;
  try {
    directory = statSync(spec).isDirectory();
  } catch {
    throw new QreasonError("E_NOT_FOUND", `${flag}: no such file, directory or URL`, { file: spec });
  }
  if (directory) {
    if (options.kvCacheType !== undefined && options.kvCacheType !== "F16") {
      throw new QreasonError("E_USAGE", "--variant-kv-cache applies to a GGUF variant only (an engine variant carries its KV scheme)");
    }
    return backends.engine.create({ python: options.config.python, model: spec, maxBatchRows: options.parallel });
  }
  return backends.llamacpp.create({
    model: spec,
    gpu: options.gpu,
    parallel: options.parallel,
    ...(options.contextSize !== undefined ? { contextSize: options.contextSize } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.kvCacheType !== undefined ? { kvCacheType: options.kvCacheType } : {}),
  });
}

/** Whether benchmark questions go to `base` as chat messages: when the model has a chat template. */
function hasChatTemplate(base: Backend): boolean {
  if (base instanceof LlamaCppBackend) return base.chatTemplate !== undefined;
  if (base.kind === "engine") return (base as EngineBackend).info.model.chat_template;
  return false; // an endpoint's template is unknown here: raw prompts
}

async function benchmarkTexts(
  config: CliConfig,
  base: Backend,
  options: { benchmark: string; split?: string; limit: number; seed: number; maxTokens: number; interactive: boolean },
): Promise<KldText[]> {
  const problems = await loadProblems(options.benchmark, {
    dataDir: config.dataDir,
    split: options.split,
    download: config.allowDownload ? { fetch: (url, init) => fetch(url, init) } : undefined,
  });
  const chosen = selectSubset(problems, { size: Math.min(options.limit, problems.length), seed: options.seed });
  if (options.interactive) console.error(`qreason: the baseline answers ${chosen.length} ${options.benchmark} questions (greedy)...`);
  const { texts, empty } = await baselineSolutions(base, chosen, { maxTokens: options.maxTokens, chat: hasChatTemplate(base) });
  if (empty.length > 0) console.error(`qreason: note: ${empty.length} empty baseline solution(s) skipped (${empty.slice(0, 5).join(", ")})`);
  return texts;
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

function formatSummary(summary: KldResult, title: string): string {
  const { kld, margin } = summary;
  const how =
    summary.mode === "exact"
      ? "  KL over the full vocabulary"
      : `  KL over the top-${summary.topK} alternatives plus one bucket for the rest: a lower bound of the exact KL`;
  return [
    `${title} (${summary.texts} texts, ${summary.positions} positions)`,
    how,
    `  mean KLD                ${fixed(kld.mean, 6)} ± ${fixed(kld.standardError, 6)}`,
    `  KLD p50 / p90 / p99     ${fixed(kld.p50, 6)} / ${fixed(kld.p90, 6)} / ${fixed(kld.p99, 6)}`,
    `  KLD max                 ${fixed(kld.max, 6)}`,
    `  same top-1              ${fixed(summary.sameTopPercent, 2)} % ± ${fixed(summary.sameTopStandardError, 2)}`,
    `  RMS Δp                  ${fixed(100 * summary.deltaP.rms, 3)} %   (mean Δp ${fixed(100 * summary.deltaP.mean, 3)} %)`,
    `  margin base -> variant  mean ${fixed(margin.base.mean, 3)} -> ${fixed(margin.variant.mean, 3)}, ` +
      `p10 ${fixed(margin.base.p10, 3)} -> ${fixed(margin.variant.p10, 3)}`,
  ].join("\n");
}

/** Writes one JSON line per compared position, waiting for the stream when it is full. */
function positionsWriter(file: string): { write: (record: PositionRecord) => Promise<void>; close: () => Promise<void> } {
  const stream: WriteStream = createWriteStream(file, { flags: "wx" });
  const failure = new Promise<never>((_, reject) =>
    stream.once("error", (error) => reject(new QreasonError("E_OUTPUT", `cannot write positions: ${error.message}`, { file, field: "positions" }))),
  );
  failure.catch(() => undefined); // surfaced through write/close
  return {
    async write(record) {
      const line = JSON.stringify({
        text: record.textId,
        index: record.index,
        token: record.token,
        kld: record.kld,
        sameTop: record.sameTop,
        baseTop: record.baseTop,
        variantTop: record.variantTop,
        baseMargin: record.baseMargin,
        variantMargin: record.variantMargin,
        baseP: record.baseTargetProbability,
        variantP: record.variantTargetProbability,
      });
      if (!stream.write(`${line}\n`)) await Promise.race([new Promise<void>((resolve) => stream.once("drain", () => resolve())), failure]);
    },
    async close() {
      await Promise.race([new Promise<void>((resolve) => stream.end(() => resolve())), failure]);
    },
  };
}

export default defineCommand({
  meta: {
    name: "kld",
    description:
      "KL divergence of a variant against its baseline, teacher-forced on the same texts (streamed, no stored logits). " +
      "Two GGUFs are compared exactly over the full vocabulary; any other pair (engine model directories, OpenAI-compatible URLs) over the top-k alternatives, a lower bound",
  },
  args: {
    base: { type: "string", description: "Baseline: a GGUF (e.g. the F16/F32 export), a Hugging Face model directory, or an OpenAI-compatible base URL (http://host:8000/v1)", required: true },
    variant: { type: "string", description: "Variant: a GGUF (e.g. a Q4_K_M quantization), an engine variant directory, or a base URL", required: true },
    benchmark: { type: "string", description: "Benchmark whose questions the baseline answers; its answers are the texts" },
    split: { type: "string", description: "Benchmark split (default: the benchmark's own)" },
    limit: { type: "string", description: "Questions to use, a seeded subset (default 20)" },
    seed: { type: "string", description: "Subset seed (default 0)" },
    "max-tokens": { type: "string", description: "Length of each baseline solution in tokens (default 256)" },
    texts: { type: "string", description: "JSONL of texts instead: {\"text\"} or {\"prompt\", \"continuation\"} per line" },
    "variant-kv-cache": { type: "string", description: "KV-cache type for the variant: F16 (default), Q8_0, Q4_0" },
    positions: { type: "string", description: "Write every compared position to this JSONL file (must not exist)" },
    chunk: { type: "string", description: "Positions evaluated per step (default 32); memory is chunk x vocabulary floats per model" },
    "top-k": { type: "string", description: "Alternatives per position when KL is taken over the top-k (default 20)" },
    context: { type: "string", description: "Context size in tokens (default: the model's, at most 4096)" },
    threads: { type: "string", description: "Evaluation threads per model (default: one per sequence, at most all cores)" },
    parallel: { type: "string", description: "Sequences the baseline generates at once (default 4)" },
    cpu: { type: "boolean", description: "Stay on the CPU even when a GPU is present" },
    json: { type: "boolean", description: "Print the summary as one JSON line" },
  },
  async run({ args }) {
    if ((args.benchmark === undefined) === (args.texts === undefined)) {
      throw new QreasonError("E_USAGE", "give exactly one of --benchmark NAME and --texts FILE.jsonl");
    }
    const config = readConfig();
    const interactive = config.interactive && !args.json;
    const common: OpenOptions = {
      config,
      gpu: args.cpu ? false : "auto",
      contextSize: args.context === undefined ? undefined : positiveInteger(args.context, "--context", 4096),
      threads: args.threads === undefined ? undefined : positiveInteger(args.threads, "--threads", 1),
      parallel: positiveInteger(args.parallel, "--parallel", 4),
    };
    const variantKv = kvCacheType(args["variant-kv-cache"]);
    // Before the models load and the baseline generates (minutes): an existing file, a directory or a
    // missing folder for --positions would otherwise fail only at the end.
    if (args.positions !== undefined) {
      const target = await resolveOutputTarget(String(args.positions), "--positions");
      if (target.mode !== undefined) throw new QreasonError("E_USAGE", "the --positions file exists; give a new path (it is never overwritten)", { file: target.requested });
    }
    const base = await openModel(String(args.base), "--base", common);
    let variant: Backend | undefined;
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort();
    process.once("SIGINT", onInterrupt);
    try {
      variant = await openModel(String(args.variant), "--variant", { ...common, parallel: 1, kvCacheType: variantKv });
      const texts =
        args.texts !== undefined
          ? await readTextsJsonl(String(args.texts))
          : await benchmarkTexts(config, base, {
              benchmark: String(args.benchmark),
              split: args.split === undefined ? undefined : String(args.split),
              limit: positiveInteger(args.limit, "--limit", 20),
              seed: integer(args.seed, "--seed", 0),
              maxTokens: positiveInteger(args["max-tokens"], "--max-tokens", 256),
              interactive,
            });
      const writer = args.positions === undefined ? undefined : positionsWriter(String(args.positions));
      const progress = createProgress({ label: "kld", total: texts.length, enabled: interactive });
      let summary: KldResult;
      try {
        summary = await compareModels({
          base,
          variant,
          texts,
          chunkSize: positiveInteger(args.chunk, "--chunk", 32),
          topK: positiveInteger(args["top-k"], "--top-k", 20),
          onPosition: writer?.write,
          onText: () => progress.tick(),
          signal: controller.signal,
        });
      } finally {
        progress.stop();
        await writer?.close();
      }
      const source = args.texts !== undefined ? `texts ${String(args.texts)}` : `${String(args.benchmark)} baseline solutions`;
      if (args.json) {
        console.log(
          JSON.stringify({ base: String(args.base), variant: String(args.variant), variantKvCache: variantKv, source, positions: args.positions ?? null, summary }),
        );
      } else {
        const kvNote = variantKv === "F16" ? "" : ` with a ${variantKv} KV cache`;
        console.log(formatSummary(summary, `KL(base ‖ variant) of ${String(args.variant)}${kvNote} against ${String(args.base)} on ${source}`));
      }
    } finally {
      process.removeListener("SIGINT", onInterrupt);
      await variant?.close();
      await base.close();
    }
  },
});
