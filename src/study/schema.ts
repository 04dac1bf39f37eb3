/**
 * The study file's shape, as the user writes it (snake_case, shorthands allowed, defaults not yet
 * applied). Every object is strict: an unknown key is an error that suggests the closest known one.
 * Cross-field rules (one source per variant, method-specific fields, names that must exist) and defaults
 * live in resolve.ts, which turns this shape into a `Study`.
 */
import { z } from "zod";
import { ENGINE_METHODS, KV_CACHE_TYPES } from "./types.ts";
import { closestName } from "../suggest.ts";

/**
 * The keys an object allows, for the unknown keys of one issue: lets the loader report each unknown key
 * on its own line with its own suggestion. Keyed by the issue's `keys` array, which zod carries from the
 * raw issue into the final one; when it does not, the combined message below still names every key.
 */
const allowedKeysOfIssue = new WeakMap<readonly string[], readonly string[]>();

export function allowedKeysFor(unknownKeys: readonly string[]): readonly string[] | undefined {
  return allowedKeysOfIssue.get(unknownKeys);
}

/** A strict object whose unknown-key error names each unknown key with a suggestion. */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== "unrecognized_keys") return undefined;
      allowedKeysOfIssue.set(issue.keys, allowed);
      return unknownKeysMessage(issue.keys, allowed);
    },
  });
}

/** Keys people reach for that must not exist, with what to do instead. */
const FORBIDDEN_KEY_HINTS: Record<string, string> = {
  api_key: "a study file never holds a key: put it in an environment variable and name that variable in api_key_env",
  key: "a study file never holds a key: put it in an environment variable and name that variable in api_key_env",
};

export function unknownKeysMessage(keys: readonly string[], allowed: readonly string[]): string {
  const hint = keys.map((key) => FORBIDDEN_KEY_HINTS[key]).find((text) => text !== undefined);
  if (hint !== undefined && allowed.includes("api_key_env")) return `unknown key '${keys.join("', '")}': ${hint}`;
  const parts = keys.map((key) => {
    const suggestion = closestName(key, allowed);
    return suggestion === undefined ? `'${key}'` : `'${key}' (did you mean '${suggestion}'?)`;
  });
  return `unknown key${keys.length > 1 ? "s" : ""} ${parts.join(", ")}; allowed: ${allowed.join(", ")}`;
}

/** `x` → `{ [key]: x }` for a bare string, so shorthands and long forms validate (and locate) alike. */
function stringShorthand<Schema extends z.ZodType>(key: string, schema: Schema) {
  return z.preprocess((value) => (typeof value === "string" ? { [key]: value } : value), schema);
}

const nonEmpty = z.string().trim().min(1, "must not be empty");
/** Names end up in reports and run-directory paths: keep them to a safe alphabet. */
const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "must start with a letter or digit and use only letters, digits, '.', '_', '+', '-'");
const path = nonEmpty;
const positiveInt = z.int().positive();
const nonNegativeInt = z.int().nonnegative();
/** A positive count with a ceiling well above any real use: a typo like 1e9 must fail here, not as an
 * allocation, a hang or a thousand threads once the run starts. */
const count = (max: number) => positiveInt.max(max, `must be at most ${max.toLocaleString("en-US")}`);
/** Tokens (context, completion, top-k): 2^20 is past every model's context window. */
const TOKENS = 2 ** 20;
/**
 * A time budget in seconds. Timers take whole milliseconds and overflow to 1 ms past 2^31-1 ms (24.8 days),
 * so a day is the ceiling and the value is rounded to whole milliseconds here, once.
 */
const seconds = z
  .number()
  .min(0.001, "must be at least 0.001 (one millisecond)")
  .max(86_400, "must be at most 86400 (one day)")
  .transform((value) => Math.round(value * 1000) / 1000);
const seed = z.int().nonnegative().max(2 ** 32 - 1);
const url = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

export const endpointInput = strictObject({
  base_url: url.optional(),
  base_urls: z.array(url).min(1).optional(),
  model: nonEmpty,
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be the NAME of an environment variable (e.g. OPENAI_API_KEY), not the key itself")
    .optional(),
  api: z.enum(["chat", "completions"]).optional(),
});

export const runtimeInput = strictObject({
  threads: count(1024).optional(),
  batch_size: count(4096).optional(),
  concurrency: count(4096).optional(),
  timeout_s: seconds.optional(),
  retries: nonNegativeInt.max(20).optional(),
  device: z.enum(["auto", "cpu", "cuda"]).optional(),
  dtype: z.enum(["auto", "bf16", "fp16", "fp32"]).optional(),
  context_size: count(TOKENS).optional(),
});

export const samplingInput = strictObject({
  temperature: z.number().min(0).max(5).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  top_k: nonNegativeInt.max(TOKENS).optional(),
  max_tokens: count(TOKENS).optional(),
  n: positiveInt.max(1024).optional(),
  seed: seed.optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
});

export const promptInput = strictObject({
  template: nonEmpty.optional(),
  style: z.enum(["chat", "raw"]).optional(),
  system: z.string().nullable().optional(),
  instruction: z.string().optional(),
  user: z.string().optional(),
  few_shot: nonNegativeInt.max(64).optional(),
  few_shot_split: nonEmpty.optional(),
  examples: z.array(strictObject({ question: nonEmpty, solution: nonEmpty })).optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
});

const calibrationInput = strictObject({
  benchmark: nonEmpty.optional(),
  split: nonEmpty.optional(),
  file: path.optional(),
  samples: count(1_000_000).optional(),
  seq_len: count(TOKENS).optional(),
  seed: seed.optional(),
});

export const engineRecipeInput = strictObject({
  method: z.enum(ENGINE_METHODS),
  w_bits: z.literal([2, 3, 4, 8]).optional(),
  group_size: z.literal([-1, 32, 64, 128]).optional(),
  sym: z.boolean().optional(),
  a_bits: z.literal(8).optional(),
  kv_bits: z.literal([8, 4, "fp8_e4m3"]).optional(),
  kv_group_size: count(TOKENS).optional(),
  include: z.array(nonEmpty).min(1).optional(),
  exclude: z.array(nonEmpty).optional(),
  calibration: calibrationInput.optional(),
  damp: z.number().gt(0).max(1).optional(),
  act_order: z.boolean().optional(),
  block_size: count(TOKENS).optional(),
  clip: z.boolean().optional(),
  grid: positiveInt.max(1000).optional(),
  alpha: z.number().min(0).max(1).optional(),
});

const kvCache = z.preprocess((value) => (typeof value === "string" ? value.toUpperCase() : value), z.enum(KV_CACHE_TYPES));

const llamacppInput = stringShorthand(
  "type",
  strictObject({ type: nonEmpty, imatrix: path.optional(), pure: z.boolean().optional(), allow_fallback: z.boolean().optional() }),
);

/**
 * A variant. Bare strings are shorthands: `fp` is the baseline, anything else a llama.cpp type
 * (`Q4_K_M` → `{ llamacpp: { type: Q4_K_M } }`).
 */
export const variantInput = z.preprocess(
  (value) => (typeof value === "string" ? (value === "fp" ? { name: "fp" } : { llamacpp: { type: value } }) : value),
  strictObject({
    name: name.optional(),
    llamacpp: llamacppInput.optional(),
    engine: engineRecipeInput.optional(),
    hf: path.optional(),
    gguf: path.optional(),
    endpoint: endpointInput.optional(),
    kv_cache: kvCache.optional(),
  }),
);

export const modelInput = strictObject({
  name: name.optional(),
  /** A model `qreason models fetch` put in the models cache, by name (e.g. smollm2): its HF directory. */
  fetched: nonEmpty.optional(),
  hf: path.optional(),
  gguf: path.optional(),
  endpoint: endpointInput.optional(),
  backend: z.enum(["llamacpp", "engine", "openai"]).optional(),
  baseline: name.optional(),
  variants: z.array(variantInput).min(1).optional(),
  runtime: runtimeInput.optional(),
  prompt: promptInput.optional(),
});

export const benchmarkInput = stringShorthand(
  "name",
  strictObject({
    name: nonEmpty.optional(),
    file: path.optional(),
    label: name.optional(),
    split: nonEmpty.optional(),
    size: count(1_000_000).optional(),
    seed: seed.optional(),
    levels: z.array(count(1000)).min(1).optional(),
    subjects: z.array(nonEmpty).min(1).optional(),
    mapping: strictObject({
      question: nonEmpty.optional(),
      answer: nonEmpty.optional(),
      id: nonEmpty.optional(),
      solution: nonEmpty.optional(),
    }).optional(),
    sampling: samplingInput.optional(),
  }),
);

/**
 * Judges (src/judge/): OpenAI-compatible endpoints or local models that find a solution's first wrong
 * step. The same shape is a study's `judges:` block and a `qreason judge --judges judges.yaml` file.
 */
export const judgeMemberInput = strictObject({
  name,
  endpoint: endpointInput.optional(),
  llamacpp: strictObject({ gguf: path, context_size: count(TOKENS).optional(), threads: count(1024).optional() }).optional(),
  engine: strictObject({ hf: path, device: z.enum(["auto", "cpu", "cuda"]).optional(), dtype: z.enum(["auto", "bf16", "fp16", "fp32"]).optional() }).optional(),
  structured: z.boolean().optional(),
  price: strictObject({ input_per_mtok: z.number().nonnegative(), output_per_mtok: z.number().nonnegative() }).optional(),
  sampling: samplingInput.optional(),
  retries: nonNegativeInt.max(10).optional(),
  explanation_chars: positiveInt.optional(),
});

export const judgesInput = strictObject({
  members: z.array(judgeMemberInput).min(1, "declare at least one judge"),
  baseline: name.optional(),
  retries: nonNegativeInt.max(10).optional(),
  sampling: samplingInput.optional(),
  audit: strictObject({ rate: z.number().min(0).max(1).optional(), seed: seed.optional() }).optional(),
  verifier: z.boolean().optional(),
  concurrency: count(4096).optional(),
  explanation_chars: positiveInt.optional(),
  /** The position-bias check: pairs (fp solution, variant solution) the baseline judge sees in both orders; 0 turns it off. */
  position_bias: strictObject({ probes: nonNegativeInt.max(1000).optional() }).optional(),
});

/**
 * Attribution (src/attribute, the attribute stage): `attribute: true` for the defaults, or the settings.
 * controls: pairs both models solved, sampled per variant and benchmark, attributed beside the flips.
 */
export const attributeInput = z.preprocess(
  (value) => (value === true ? {} : value),
  strictObject({
    controls: nonNegativeInt.max(10_000).optional(),
    top_k: z.int().min(1).max(100).optional(),
    margin_threshold: z.number().nonnegative().max(50).optional(),
    rescue: z.enum(["bisect", "linear"]).optional(),
    mirror: z.boolean().optional(),
    max_flips: positiveInt.optional(),
  }),
);
/** Restoration (src/restore/config.ts resolves it): which variants to repair with a LoRA adapter, and how. */
export const restoreInput = strictObject({
  variants: z.array(nonEmpty).min(1, "name at least one variant to restore"),
  train: z.array(strictObject({ name: nonEmpty, split: nonEmpty.optional(), size: positiveInt.optional(), seed: seed.optional(), label: name.optional() })).min(1).optional(),
  pairs: positiveInt.optional(),
  allocation: z.enum(["proportional", "balanced"]).optional(),
  cross_scale: z.boolean().optional(),
  methods: z.array(z.enum(["dpo", "sft", "margin", "sft+dpo"])).min(1).optional(),
  ablation: z.boolean().optional(),
  leakage: z.enum(["exclude", "error"]).optional(),
  seed: seed.optional(),
  lora: strictObject({ rank: positiveInt.max(4096).optional(), alpha: z.number().positive().optional(), dropout: z.number().min(0).lt(1).optional(), targets: z.array(nonEmpty).min(1).optional() }).optional(),
  training: strictObject({
    lr: z.number().positive().max(1).optional(),
    epochs: positiveInt.optional(),
    batch_size: positiveInt.optional(),
    max_steps: positiveInt.optional(),
    beta: z.number().positive().optional(),
    loss: z.enum(["sigmoid", "ipo", "sigmoid+sft"]).optional(),
    sft_weight: z.number().nonnegative().optional(),
    margin: z.number().optional(),
    max_length: positiveInt.optional(),
    device: z.enum(["auto", "cpu", "cuda"]).optional(),
  }).optional(),
});

export const studyInput = strictObject({
  version: z.int().min(1).max(1, "this qreason reads study files of version 1; upgrade qreason for newer ones").optional(),
  name: name.optional(),
  description: z.string().optional(),
  seed: seed.optional(),
  output: path.optional(),
  models: z.array(modelInput).min(1, "declare at least one model"),
  benchmarks: z.array(benchmarkInput).min(1, "declare at least one benchmark"),
  prompt: promptInput.optional(),
  sampling: samplingInput.optional(),
  runtime: runtimeInput.optional(),
  judges: judgesInput.optional(),
  attribute: attributeInput.optional(),
  restore: restoreInput.optional(),
});

export type StudyInput = z.output<typeof studyInput>;
export type ModelInput = z.output<typeof modelInput>;
export type VariantInput = z.output<typeof variantInput>;
export type BenchmarkInput = z.output<typeof benchmarkInput>;
export type EngineRecipeInput = z.output<typeof engineRecipeInput>;
export type EndpointInput = z.output<typeof endpointInput>;
export type PromptInput = z.output<typeof promptInput>;
export type SamplingInput = z.output<typeof samplingInput>;
export type RuntimeInput = z.output<typeof runtimeInput>;
export type JudgesInput = z.output<typeof judgesInput>;
export type AttributeInput = z.output<typeof attributeInput>;
export type JudgeMemberInput = z.output<typeof judgeMemberInput>;
