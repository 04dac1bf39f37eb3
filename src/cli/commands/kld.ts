/**
 * `qreason kld --base A.gguf --variant B.gguf (--benchmark NAME | --texts F.jsonl)`: how far a variant's
 * next-token distributions drift from its baseline's, teacher-forced on the same texts (by default the
 * baseline's own greedy solutions to benchmark questions), streamed without storing logits.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { defineCommand } from "citty";
import { createLlamaCppBackend, KV_CACHE_TYPES, type KvCacheType, type LlamaCppBackend } from "../../backends/llamacpp/index.ts";
import { loadProblems, selectSubset } from "../../data/index.ts";
import { QreasonError } from "../../errors.ts";
import { baselineSolutions, compareModels, readTextsJsonl, type KldSummary, type KldText, type PositionRecord } from "../../kld/index.ts";
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

async function benchmarkTexts(
  config: CliConfig,
  base: LlamaCppBackend,
  options: { benchmark: string; split?: string; limit: number; seed: number; maxTokens: number; interactive: boolean },
): Promise<KldText[]> {
  const problems = await loadProblems(options.benchmark, {
    dataDir: config.dataDir,
    split: options.split,
    download: config.allowDownload ? { fetch: (url, init) => fetch(url, init) } : undefined,
  });
  const chosen = selectSubset(problems, { size: Math.min(options.limit, problems.length), seed: options.seed });
  if (options.interactive) console.error(`qreason: the baseline answers ${chosen.length} ${options.benchmark} questions (greedy)...`);
  const { texts, empty } = await baselineSolutions(base, chosen, { maxTokens: options.maxTokens });
  if (empty.length > 0) console.error(`qreason: note: ${empty.length} empty baseline solution(s) skipped (${empty.slice(0, 5).join(", ")})`);
  return texts;
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

function formatSummary(summary: KldSummary, title: string): string {
  const { kld, margin } = summary;
  return [
    `${title} (${summary.texts} texts, ${summary.positions} positions)`,
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
function positionsWriter(file: string, base: LlamaCppBackend): { write: (record: PositionRecord) => Promise<void>; close: () => Promise<void> } {
  const stream: WriteStream = createWriteStream(file, { flags: "wx" });
  const failure = new Promise<never>((_, reject) =>
    stream.once("error", (error) => reject(new QreasonError("E_INPUT", `cannot write positions: ${error.message}`, { file, field: "positions" }))),
  );
  failure.catch(() => undefined); // surfaced through write/close
  const text = (token: number): string => base.model.detokenize([token as never], true);
  return {
    async write(record) {
      const line = JSON.stringify({
        text: record.textId,
        index: record.index,
        token: record.token,
        kld: record.kld,
        sameTop: record.baseTop === record.variantTop,
        baseTop: text(record.baseTop),
        variantTop: text(record.variantTop),
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
    description: "KL divergence of a variant GGUF against its baseline, teacher-forced on the same texts (streamed, no stored logits)",
  },
  args: {
    base: { type: "string", description: "Baseline GGUF (e.g. the F16/F32 export)", required: true },
    variant: { type: "string", description: "Variant GGUF (e.g. a Q4_K_M quantization of the same model)", required: true },
    benchmark: { type: "string", description: "Benchmark whose questions the baseline answers; its answers are the texts" },
    split: { type: "string", description: "Benchmark split (default: the benchmark's own)" },
    limit: { type: "string", description: "Questions to use, a seeded subset (default 20)" },
    seed: { type: "string", description: "Subset seed (default 0)" },
    "max-tokens": { type: "string", description: "Length of each baseline solution in tokens (default 256)" },
    texts: { type: "string", description: "JSONL of texts instead: {\"text\"} or {\"prompt\", \"continuation\"} per line" },
    "variant-kv-cache": { type: "string", description: "KV-cache type for the variant: F16 (default), Q8_0, Q4_0" },
    positions: { type: "string", description: "Write every compared position to this JSONL file (must not exist)" },
    chunk: { type: "string", description: "Positions evaluated per step (default 32); memory is chunk x vocabulary floats per model" },
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
    const common = {
      gpu: args.cpu ? (false as const) : ("auto" as const),
      contextSize: args.context === undefined ? undefined : positiveInteger(args.context, "--context", 4096),
      threads: args.threads === undefined ? undefined : positiveInteger(args.threads, "--threads", 1),
    };
    const variantKv = kvCacheType(args["variant-kv-cache"]);
    const base = await createLlamaCppBackend({ ...common, model: String(args.base), parallel: positiveInteger(args.parallel, "--parallel", 4) });
    let variant: LlamaCppBackend | undefined;
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort();
    process.once("SIGINT", onInterrupt);
    try {
      variant = await createLlamaCppBackend({ ...common, model: String(args.variant), parallel: 1, kvCacheType: variantKv });
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
      const writer = args.positions === undefined ? undefined : positionsWriter(String(args.positions), base);
      const progress = createProgress({ label: "kld", total: texts.length, enabled: interactive });
      let summary: KldSummary;
      try {
        summary = await compareModels({
          base,
          variant,
          texts,
          chunkSize: positiveInteger(args.chunk, "--chunk", 32),
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
