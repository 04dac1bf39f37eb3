/**
 * A study after loading: every default filled in, every path absolute, every shorthand expanded, each
 * variant's recipe in one discriminated shape. This is what the planner, the run store and the runner
 * read; the YAML's own shape lives only in schema.ts.
 */
import type { BackendKind } from "../backends/types.ts";
import type { PanelSpec } from "../judge/config.ts";
import type { RestoreSpec } from "../restore/config.ts";

export const STUDY_FILE_VERSION = 1;

/** How to reach an OpenAI-compatible server. Holds the *name* of the key's variable, never the key. */
export interface EndpointSpec {
  /** One or more base URLs serving the same model; requests fan out across them. */
  baseUrls: string[];
  /** The model name the server expects in requests. */
  model: string;
  /** Name of the environment variable holding the API key (read by the CLI only), if the server needs one. */
  apiKeyEnv?: string;
  /** `/v1/chat/completions` or `/v1/completions`. */
  api: "chat" | "completions";
}

/** Where a model's full-precision weights are: local files (either or both formats) or a server. */
export type ModelSource =
  | { kind: "local"; hf?: string; gguf?: string }
  | { kind: "endpoint"; endpoint: EndpointSpec };

/** llama.cpp KV-cache types the llamacpp backend offers (written in any case in a study). */
export const KV_CACHE_TYPES = ["F16", "Q8_0", "Q4_0"] as const;
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

export const ENGINE_METHODS = ["rtn", "gptq", "awq", "smoothquant", "none"] as const;
export type EngineMethod = (typeof ENGINE_METHODS)[number];

/** Calibration data for methods that need it: a benchmark split or a text/JSONL file. */
export interface CalibrationSpec {
  benchmark?: string;
  split?: string;
  file?: string;
  samples: number;
  seq_len: number;
  seed: number;
}

/**
 * A Python-engine recipe, in the engine's own snake_case field names so it is passed to
 * `qreason-engine quantize` as-is. Every field is resolved (method defaults applied), so two recipes
 * that mean the same thing hash the same.
 */
export interface EngineRecipe {
  method: EngineMethod;
  w_bits?: 2 | 3 | 4 | 8;
  /** -1 means one group per output channel. */
  group_size?: -1 | 32 | 64 | 128;
  sym?: boolean;
  a_bits?: 8;
  kv_bits?: 8 | 4 | "fp8_e4m3";
  kv_group_size?: number;
  include?: string[];
  exclude: string[];
  calibration?: CalibrationSpec;
  /** GPTQ. */
  damp?: number;
  act_order?: boolean;
  block_size?: number;
  /** AWQ. */
  clip?: boolean;
  grid?: number;
  /** SmoothQuant. */
  alpha?: number;
}

/** What a variant is. Names are display only: the recipe is the data (and what is hashed). */
export type VariantRecipe =
  | { kind: "fp"; kvCache?: KvCacheType }
  | { kind: "llamacpp"; type: string; imatrix?: string; pure?: boolean; allowFallback?: boolean; kvCache?: KvCacheType }
  | { kind: "engine"; recipe: EngineRecipe }
  | { kind: "hf"; path: string; kvCache?: KvCacheType }
  | { kind: "gguf"; path: string; kvCache?: KvCacheType }
  | { kind: "endpoint"; endpoint: EndpointSpec };

export interface VariantSpec {
  name: string;
  recipe: VariantRecipe;
}

export interface RuntimeOptions {
  /** CPU threads for llama.cpp (undefined: the backend chooses). */
  threads?: number;
  batchSize: number;
  /** Requests in flight per endpoint. */
  concurrency: number;
  timeoutSeconds: number;
  retries: number;
  device: "auto" | "cpu" | "cuda";
  dtype: "auto" | "bf16" | "fp16" | "fp32";
  contextSize?: number;
}

export interface FewShotExample {
  question: string;
  solution: string;
}

export interface PromptSpec {
  /** The built-in template the fields below started from. */
  template: string;
  style: "chat" | "raw";
  system?: string;
  /** The format instruction, substituted for `{instruction}` in `user`. */
  instruction: string;
  /** The user turn, with `{question}` and `{instruction}` placeholders. */
  user: string;
  /** How many worked examples to draw from `fewShotSplit` of each benchmark (0: zero-shot). */
  fewShot: number;
  fewShotSplit: string;
  /** Inline examples; when given they are used instead of drawn ones. */
  examples?: FewShotExample[];
  /** Stop strings of the format (the template's unless a study sets `prompt.stop`), added to each benchmark's; absent: none. */
  stop?: string[];
}

export interface SamplingSpec {
  /** 0 means greedy. */
  temperature: number;
  topP: number;
  /** 0 means no top-k truncation. */
  topK: number;
  maxTokens: number;
  /** Samples per problem. */
  n: number;
  seed: number;
  stop: string[];
}

/** Field names of a user's JSONL file (same meaning as the data module's FieldMapping). */
export interface FieldMapping {
  questionField?: string;
  answerField?: string;
  idField?: string;
  solutionField?: string;
}

/** Which problems of a benchmark to run: everything the data module needs to pick the same ones again. */
export interface ProblemSubsetSpec {
  /** Registry name, or `jsonl:<absolute path>`. */
  benchmark: string;
  /** Undefined: the benchmark's default split. */
  split?: string;
  /** Undefined: every problem (after filters). */
  size?: number;
  seed: number;
  levels?: number[];
  subjects?: string[];
  mapping?: FieldMapping;
}

export interface BenchmarkSpec {
  /** Unique within the study; what reports show. Defaults to the benchmark name (file stem for JSONL). */
  label: string;
  subset: ProblemSubsetSpec;
  sampling: SamplingSpec;
}

export interface ModelSpec {
  name: string;
  source: ModelSource;
  backend: BackendKind;
  /** The variant every other variant of this model is compared against. */
  baseline: string;
  /** Baseline first. */
  variants: VariantSpec[];
  runtime: RuntimeOptions;
  prompt: PromptSpec;
}

export interface Study {
  version: typeof STUDY_FILE_VERSION;
  name: string;
  description?: string;
  /** Absolute path of the study file, and its folder (relative paths were resolved against it). */
  file: string;
  directory: string;
  seed: number;
  /** Run directory, if the study names one. */
  output?: string;
  models: ModelSpec[];
  benchmarks: BenchmarkSpec[];
  /** The judge panel (src/judge/config.ts), if the study declares one. */
  judges?: PanelSpec;
  /** Attribution of flips (the attribute stage), if the study asks for it. */
  attribute?: AttributeSpec;
  /** Restoration of quantized variants (src/restore/config.ts), if the study asks for it. */
  restore?: RestoreSpec;
  /** What `qreason run --limit / --max-tokens / --batch-size` changed (already applied above); absent without them. */
  overrides?: { limit?: number; maxTokens?: number; batchSize?: number };
}

/** What the attribute stage does per variant (study `attribute:`; every field defaulted). */
export interface AttributeSpec {
  /** Pairs both models solved, sampled (seeded) per variant and benchmark label and attributed as controls. */
  controls: number;
  /** Alternatives per position when scoring (top-k KL, top-1 agreement). */
  topK: number;
  /** fp's margin (log-prob top-1 minus top-2, nats) from which fp counts as confident (divergence). */
  marginThreshold: number;
  /** Prefix-rescue search: bisection (about log2 n + 2 continuations) or every prefix from 0 up. */
  rescue: "bisect" | "linear";
  /** Also the mirror: fp continuing the variant's prefixes. */
  mirror: boolean;
  /** At most this many flips per variant and benchmark (the first by problem order); unset: all. */
  maxFlips?: number;
  /** Seed of the control sample. */
  seed: number;
}

export const DEFAULT_ATTRIBUTE: Omit<AttributeSpec, "seed"> = { controls: 10, topK: 10, marginThreshold: 1.0, rescue: "bisect", mirror: true };

/** A variant that does not fit its model's weights, at a field of the variant (`["engine", "group_size"]`). */
export interface VariantFitProblem {
  field: readonly string[];
  message: string;
}

/** Whether a variant's blocks and groups fit the model's weight shapes (reads facts gathered beforehand). */
export type VariantFitCheck = (model: { name: string; source: ModelSource }, recipe: VariantRecipe) => VariantFitProblem[];

/** Where a model fetched by `qreason models fetch` is: its HF directory, or why it cannot be used. */
export type FetchedModelLookup = (name: string) => { hf: string } | { problem: string };

/** Registries the loader can check names against (injected so this module stays free of them). */
export interface KnownNames {
  benchmarks?: readonly string[];
  /** llama.cpp quantization types, with whether each needs an importance matrix. */
  llamacppTypes?: readonly { name: string; imatrix: "required" | "optional" }[];
  /** Resolves `fetched: <name>` (without it, a study naming a fetched model is an error). */
  fetchedModel?: FetchedModelLookup;
  /** Checks each variant against its model's shapes (see LoadStudyOptions.prepareVariantFit). */
  variantFit?: VariantFitCheck;
}
